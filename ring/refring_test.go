package ring

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

// refRing is the plainest SPSC ring that still scales on two cores: head and tail on their own cache lines, a
// cached copy of the other side's index, Write and Read that copy, nothing else (no statistics, no Close, no
// wake-ups, no reservations). BenchmarkSpinYield measures what the package's SPSC costs on top of it.
type refRing[T any] struct {
	buf          []T
	mask         uint64
	_            pad
	tail         atomic.Uint64
	_            pad
	head         atomic.Uint64
	_            pad
	pTail, pHead uint64 // producer's own tail and cached head
	_            pad
	cHead, cTail uint64 // consumer's own head and cached tail
	_            pad
}

func newRefRing[T any](capacity int) *refRing[T] {
	return &refRing[T]{buf: make([]T, capacity), mask: uint64(capacity - 1)}
}

func (r *refRing[T]) Write(src []T) int {
	size := uint64(len(r.buf))
	free := size - (r.pTail - r.pHead)
	if free < uint64(len(src)) {
		r.pHead = r.head.Load()
		free = size - (r.pTail - r.pHead)
	}
	n := min(free, uint64(len(src)))
	if n == 0 {
		return 0
	}
	start := r.pTail & r.mask
	k := copy(r.buf[start:min(start+n, size)], src[:n])
	copy(r.buf, src[k:n])
	r.pTail += n
	r.tail.Store(r.pTail)
	return int(n)
}

func (r *refRing[T]) Read(dst []T) int {
	size := uint64(len(r.buf))
	avail := r.cTail - r.cHead
	if avail < uint64(len(dst)) {
		r.cTail = r.tail.Load()
		avail = r.cTail - r.cHead
	}
	n := min(avail, uint64(len(dst)))
	if n == 0 {
		return 0
	}
	start := r.cHead & r.mask
	k := copy(dst[:n], r.buf[start:min(start+n, size)])
	copy(dst[k:n], r.buf)
	r.cHead += n
	r.head.Store(r.cHead)
	return int(n)
}

// BenchmarkSpinYield moves batches of 256 items between two goroutines that retry at once when they cannot go
// on, yielding the processor only after 16 failed tries in a row: the package's SPSC next to refRing.
func BenchmarkSpinYield(b *testing.B) {
	type writer interface{ Write([]int64) int }
	type reader interface{ Read([]int64) int }
	rings := []struct {
		name string
		make func() (writer, reader)
	}{
		{"SPSC", func() (writer, reader) { p, c, _ := NewSPSC[int64](16 * batch); return p, c }},
		{"ref", func() (writer, reader) { r := newRefRing[int64](16 * batch); return r, r }},
	}
	for _, rg := range rings {
		b.Run(rg.name, func(b *testing.B) {
			w, r := rg.make()
			b.ReportAllocs()
			items := b.N * batch
			var wg sync.WaitGroup
			var wYields, rYields int
			wg.Go(func() {
				src := make([]int64, batch)
				fails := 0
				for range b.N {
					for off := 0; off < batch; {
						n := w.Write(src[off:])
						off += n
						fails = backoff(n, fails, &wYields)
					}
				}
			})
			dst := make([]int64, batch)
			fails := 0
			for got := 0; got < items; {
				n := r.Read(dst)
				got += n
				fails = backoff(n, fails, &rYields)
			}
			wg.Wait()
			reportItems(b, items)
			b.ReportMetric(float64(wYields+rYields)/float64(b.N), "yields/batch")

		})
	}
}

// BenchmarkRefUncontended writes and reads batches of 256 in one goroutine: what each call costs, without
// the other side's cache traffic or any scheduling.
func BenchmarkRefUncontended(b *testing.B) {
	src := make([]int64, batch)
	dst := make([]int64, batch)
	b.Run("SPSC", func(b *testing.B) {
		p, c, _ := NewSPSC[int64](16 * batch)
		for b.Loop() {
			p.Write(src)
			c.Read(dst)
		}
		reportItems(b, b.N*batch)
	})
	b.Run("ref", func(b *testing.B) {
		r := newRefRing[int64](16 * batch)
		for b.Loop() {
			r.Write(src)
			r.Read(dst)
		}
		reportItems(b, b.N*batch)
	})
}

// backoff counts failed tries (n == 0) and yields the processor after 16 in a row, counting the yields.
func backoff(n, fails int, yields *int) int {
	if n > 0 {
		return 0
	}
	if fails++; fails > 16 {
		runtime.Gosched()
		*yields++
	}
	return fails
}
