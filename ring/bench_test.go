package ring

// The rings side by side with their baselines, measured in the same run: a Go buffered channel on every
// workload (a channel of [256]T arrays for the batch form) and a plain copy() of the same bytes as the physical
// limit of the batch path. Every benchmark reports ns/item, items/s and allocations.
//
//	go test -run '^$' -bench . -benchmem ./ring/
//
// Names read workload/element type/ring[/how the two sides wait]. The waiting strategies, for the runs where
// producer and consumer are different goroutines:
//
//	spin   retry at once (burns a core while it waits)
//	yield  runtime.Gosched between retries (burns a core too, but lets other goroutines run)
//	park   Wait with no yield phase: sleep until the other side wakes us
//	wait   Wait as shipped: a few yields, then park

import (
	"runtime"
	"sync"
	"testing"
	"time"
)

const batch = 256

func reportItems(b *testing.B, items int) {
	ns := float64(b.Elapsed().Nanoseconds())
	b.ReportMetric(ns/float64(items), "ns/item")
	b.ReportMetric(float64(items)/(ns/1e9), "items/s")
	b.ReportMetric(0, "ns/op") // ns/op depends on what one op is; ns/item is comparable across workloads
}

type strategy struct {
	name  string
	spins int // waitSpins for Wait; -1: do not call Wait
	yield bool
}

var strategies = []strategy{
	{"spin", -1, false},
	{"yield", -1, true},
	{"park", 0, false},
	{"wait", defaultWaitSpins, false},
}

var defaultWaitSpins = waitSpins

// use sets the package's yield phase for s, for the length of one benchmark.
func (s strategy) use(b *testing.B) {
	if s.spins >= 0 {
		old := waitSpins
		waitSpins = s.spins
		b.Cleanup(func() { waitSpins = old })
	}
}

// idle is what a side does when it cannot make progress, under a strategy that does not call Wait.
func (s strategy) idle() {
	if s.yield {
		runtime.Gosched()
	}
}

func BenchmarkSingle(b *testing.B) {
	b.Run("uncontended/int64", benchSingleUncontended[int64])
	b.Run("uncontended/frame", benchSingleUncontended[frame])
	b.Run("2goroutines/int64", benchSingleTwo[int64])
	b.Run("2goroutines/frame", benchSingleTwo[frame])
}

func benchSingleUncontended[T any](b *testing.B) {
	var v T
	b.Run("SPSC", func(b *testing.B) {
		p, c, _ := NewSPSC[T](1024)
		b.ReportAllocs()
		for b.Loop() {
			p.Push(v)
			c.Pop()
		}
		reportItems(b, b.N)
	})
	b.Run("MPSC", func(b *testing.B) {
		q, _ := NewMPSC[T](1024)
		b.ReportAllocs()
		for b.Loop() {
			q.Push(v)
			q.Pop()
		}
		reportItems(b, b.N)
	})
	b.Run("Buffer", func(b *testing.B) {
		q, _ := NewBuffer[T](1024)
		b.ReportAllocs()
		for b.Loop() {
			q.Push(v)
			q.Pop()
		}
		reportItems(b, b.N)
	})
	b.Run("chan", func(b *testing.B) {
		ch := make(chan T, 1024)
		b.ReportAllocs()
		for b.Loop() {
			ch <- v
			<-ch
		}
		reportItems(b, b.N)
	})
}

func benchSingleTwo[T any](b *testing.B) {
	var v T
	for _, s := range strategies {
		b.Run("SPSC/"+s.name, func(b *testing.B) {
			s.use(b)
			p, c, _ := NewSPSC[T](1024)
			b.ReportAllocs()
			n := b.N
			var wg sync.WaitGroup
			wg.Go(func() {
				for range n {
					for p.Push(v) != nil {
						if s.spins >= 0 {
							p.Wait(1, -1)
						} else {
							s.idle()
						}
					}
				}
			})
			for got := 0; got < n; {
				if _, err := c.Pop(); err == nil {
					got++
				} else if s.spins >= 0 {
					c.Wait(1, -1)
				} else {
					s.idle()
				}
			}
			wg.Wait()
			reportItems(b, n)
		})
	}
	for _, s := range strategies {
		b.Run("MPSC/"+s.name, func(b *testing.B) {
			s.use(b)
			q, _ := NewMPSC[T](1024)
			b.ReportAllocs()
			n := b.N
			var wg sync.WaitGroup
			wg.Go(func() {
				for range n {
					for q.Push(v) != nil {
						if s.spins >= 0 {
							q.WaitFree(1, -1)
						} else {
							s.idle()
						}
					}
				}
			})
			for got := 0; got < n; {
				if _, err := q.Pop(); err == nil {
					got++
				} else if s.spins >= 0 {
					q.Wait(1, -1)
				} else {
					s.idle()
				}
			}
			wg.Wait()
			reportItems(b, n)
		})
	}
	for _, s := range strategies {
		b.Run("Buffer/"+s.name, func(b *testing.B) {
			s.use(b)
			q, _ := NewBuffer[T](1024)
			b.ReportAllocs()
			n := b.N
			var wg sync.WaitGroup
			wg.Go(func() {
				for range n {
					for q.Push(v) != nil {
						if s.spins >= 0 {
							q.WaitFree(1, -1)
						} else {
							s.idle()
						}
					}
				}
			})
			for got := 0; got < n; {
				if _, err := q.Pop(); err == nil {
					got++
				} else if s.spins >= 0 {
					q.Wait(1, -1)
				} else {
					s.idle()
				}
			}
			wg.Wait()
			reportItems(b, n)
		})
	}
	b.Run("chan", func(b *testing.B) {
		ch := make(chan T, 1024)
		b.ReportAllocs()
		n := b.N
		var wg sync.WaitGroup
		wg.Go(func() {
			for range n {
				ch <- v
			}
		})
		for range n {
			<-ch
		}
		wg.Wait()
		reportItems(b, n)
	})
}

func BenchmarkBatch256(b *testing.B) {
	b.Run("uncontended/int64", benchBatchUncontended[int64])
	b.Run("uncontended/frame", benchBatchUncontended[frame])
	b.Run("2goroutines/int64", benchBatchTwo[int64])
	b.Run("2goroutines/frame", benchBatchTwo[frame])
}

func benchBatchUncontended[T any](b *testing.B) {
	src := make([]T, batch)
	dst := make([]T, batch)
	b.Run("SPSC", func(b *testing.B) {
		p, c, _ := NewSPSC[T](4 * batch)
		b.ReportAllocs()
		for b.Loop() {
			p.Write(src)
			c.Read(dst)
		}
		reportItems(b, b.N*batch)
	})
	b.Run("SPSC-zerocopy", func(b *testing.B) {
		p, c, _ := NewSPSC[T](4 * batch)
		p.Write(src[:batch/3]) // so that the reservations wrap around
		c.Read(dst)
		b.ReportAllocs()
		for b.Loop() {
			first, second := p.Reserve(batch)
			n := copy(first, src)
			n += copy(second, src[n:])
			p.Commit(n)
			first, second = c.Acquire(batch)
			n = copy(dst, first)
			n += copy(dst[n:], second)
			c.Release(n)
		}
		reportItems(b, b.N*batch)
	})
	b.Run("MPSC", func(b *testing.B) {
		q, _ := NewMPSC[T](4 * batch)
		b.ReportAllocs()
		for b.Loop() {
			q.Write(src)
			q.Read(dst)
		}
		reportItems(b, b.N*batch)
	})
	b.Run("Buffer", func(b *testing.B) {
		q, _ := NewBuffer[T](4 * batch)
		b.ReportAllocs()
		for b.Loop() {
			q.Write(src)
			q.Read(dst)
		}
		reportItems(b, b.N*batch)
	})
	b.Run("chan", func(b *testing.B) {
		ch := make(chan [batch]T, 4)
		var in, out [batch]T
		b.ReportAllocs()
		for b.Loop() {
			ch <- in
			out = <-ch
		}
		_ = out
		reportItems(b, b.N*batch)
	})
	// The ring moves every byte twice (in, then out); so does this.
	b.Run("copy", func(b *testing.B) {
		mid := make([]T, batch)
		b.ReportAllocs()
		for b.Loop() {
			copy(mid, src)
			copy(dst, mid)
		}
		reportItems(b, b.N*batch)
	})
	b.Run("copy-once", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			copy(dst, src)
		}
		reportItems(b, b.N*batch)
	})
}

func benchBatchTwo[T any](b *testing.B) {
	for _, s := range strategies {
		b.Run("SPSC/"+s.name, func(b *testing.B) {
			s.use(b)
			p, c, _ := NewSPSC[T](16 * batch)
			b.ReportAllocs()
			items := b.N * batch
			var wg sync.WaitGroup
			wg.Go(func() {
				src := make([]T, batch)
				for range b.N {
					for off := 0; off < batch; {
						n := p.Write(src[off:])
						off += n
						if n > 0 {
							continue
						}
						if s.spins >= 0 {
							p.Wait(batch-off, -1)
						} else {
							s.idle()
						}
					}
				}
			})
			dst := make([]T, batch)
			for got := 0; got < items; {
				n := c.Read(dst)
				got += n
				if n > 0 {
					continue
				}
				if s.spins >= 0 {
					c.Wait(min(batch, items-got), -1)
				} else {
					s.idle()
				}
			}
			wg.Wait()
			reportItems(b, items)
		})
	}
	type batchQueue interface {
		Write([]T) int
		Read([]T) int
		Wait(int, time.Duration) error
		WaitFree(int, time.Duration) error
	}
	for _, kind := range []string{"MPSC", "Buffer"} {
		for _, s := range strategies {
			b.Run(kind+"/"+s.name, func(b *testing.B) {
				s.use(b)
				var q batchQueue
				if kind == "MPSC" {
					q, _ = NewMPSC[T](16 * batch)
				} else {
					q, _ = NewBuffer[T](16 * batch)
				}
				b.ReportAllocs()
				items := b.N * batch
				var wg sync.WaitGroup
				wg.Go(func() {
					src := make([]T, batch)
					for range b.N {
						for off := 0; off < batch; {
							n := q.Write(src[off:])
							off += n
							if n > 0 {
								continue
							}
							if s.spins >= 0 {
								q.WaitFree(batch-off, -1)
							} else {
								s.idle()
							}
						}
					}
				})
				dst := make([]T, batch)
				for got := 0; got < items; {
					n := q.Read(dst)
					got += n
					if n > 0 {
						continue
					}
					if s.spins >= 0 {
						q.Wait(min(batch, items-got), -1)
					} else {
						s.idle()
					}
				}
				wg.Wait()
				reportItems(b, items)
			})
		}
	}
	b.Run("chan", func(b *testing.B) {
		ch := make(chan [batch]T, 16)
		b.ReportAllocs()
		n := b.N
		var wg sync.WaitGroup
		wg.Go(func() {
			var a [batch]T
			for range n {
				ch <- a
			}
		})
		var out [batch]T
		for range n {
			out = <-ch
		}
		_ = out
		wg.Wait()
		reportItems(b, n*batch)
	})
}

// BenchmarkMPSC4Producers: four producer goroutines, one consumer, on whatever cores there are.
func BenchmarkMPSC4Producers(b *testing.B) {
	b.Run("single/int64", benchMPSC4Single[int64])
	b.Run("single/frame", benchMPSC4Single[frame])
	b.Run("batch256/int64", benchMPSC4Batch[int64])
	b.Run("batch256/frame", benchMPSC4Batch[frame])
}

const producers = 4

func benchMPSC4Single[T any](b *testing.B) {
	var v T
	b.Run("MPSC/wait", func(b *testing.B) {
		q, _ := NewMPSC[T](1024)
		b.ReportAllocs()
		per := b.N/producers + 1
		var wg sync.WaitGroup
		for range producers {
			wg.Go(func() {
				for range per {
					for q.Push(v) != nil {
						q.WaitFree(1, -1)
					}
				}
			})
		}
		for got := 0; got < per*producers; {
			if _, err := q.Pop(); err == nil {
				got++
			} else {
				q.Wait(1, -1)
			}
		}
		wg.Wait()
		reportItems(b, per*producers)
	})
	b.Run("chan", func(b *testing.B) {
		ch := make(chan T, 1024)
		b.ReportAllocs()
		per := b.N/producers + 1
		var wg sync.WaitGroup
		for range producers {
			wg.Go(func() {
				for range per {
					ch <- v
				}
			})
		}
		for range per * producers {
			<-ch
		}
		wg.Wait()
		reportItems(b, per*producers)
	})
}

func benchMPSC4Batch[T any](b *testing.B) {
	b.Run("MPSC/wait", func(b *testing.B) {
		q, _ := NewMPSC[T](16 * batch)
		b.ReportAllocs()
		per := b.N/producers + 1
		var wg sync.WaitGroup
		for range producers {
			wg.Go(func() {
				src := make([]T, batch)
				for range per {
					for off := 0; off < batch; {
						n := q.Write(src[off:])
						off += n
						if n == 0 {
							q.WaitFree(batch-off, -1)
						}
					}
				}
			})
		}
		items := per * producers * batch
		dst := make([]T, batch)
		for got := 0; got < items; {
			n := q.Read(dst)
			got += n
			if n == 0 {
				q.Wait(min(batch, items-got), -1)
			}
		}
		wg.Wait()
		reportItems(b, items)
	})
	b.Run("chan", func(b *testing.B) {
		ch := make(chan [batch]T, 16)
		b.ReportAllocs()
		per := b.N/producers + 1
		var wg sync.WaitGroup
		for range producers {
			wg.Go(func() {
				var a [batch]T
				for range per {
					ch <- a
				}
			})
		}
		var out [batch]T
		for range per * producers {
			out = <-ch
		}
		_ = out
		wg.Wait()
		reportItems(b, per*producers*batch)
	})
}
