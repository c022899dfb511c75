package ring

import (
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// settle gives goroutines just started the time to get through a Wait's yield phase and park.
func settle() { time.Sleep(5 * time.Millisecond) }

// TestWaitersWantingDifferentAmounts parks a waiter that wants much, then one that wants little, and makes
// progress enough for the second only: it must wake, although the first one, which cannot go on, waits too.
// A wake-up token handed to whichever waiter parked first would leave the second asleep for good.
func TestWaitersWantingDifferentAmounts(t *testing.T) {
	tests := []struct {
		name string
		// setup returns the two waits (much, then little), the progress that satisfies only the little one, and
		// a close that releases everyone.
		setup func() (much, little func() error, progress, close func())
	}{
		{"Buffer Wait", func() (func() error, func() error, func(), func()) {
			b, _ := NewBuffer[int](8)
			return func() error { return b.Wait(5, -1) }, func() error { return b.Wait(1, -1) },
				func() { b.Push(1) }, b.Close
		}},
		{"Buffer WaitFree", func() (func() error, func() error, func(), func()) {
			b, _ := NewBuffer[int](8)
			b.Write(make([]int, 8))
			return func() error { return b.WaitFree(4, -1) }, func() error { return b.WaitFree(1, -1) },
				func() { b.Pop() }, b.Close
		}},
		{"Buffer Wait with timeout", func() (func() error, func() error, func(), func()) {
			b, _ := NewBuffer[int](8)
			return func() error { return b.Wait(5, time.Minute) }, func() error { return b.Wait(1, time.Minute) },
				func() { b.Write([]int{1, 2}) }, b.Close
		}},
		{"MPSC WaitFree", func() (func() error, func() error, func(), func()) {
			q, _ := NewMPSC[int](8)
			q.Write(make([]int, 8))
			return func() error { return q.WaitFree(4, -1) }, func() error { return q.WaitFree(1, -1) },
				func() { q.Pop() }, q.Close
		}},
		{"MPSC WaitFree with timeout", func() (func() error, func() error, func(), func()) {
			q, _ := NewMPSC[int](8)
			q.Write(make([]int, 8))
			return func() error { return q.WaitFree(4, time.Minute) },
				func() error { return q.WaitFree(1, time.Minute) },
				func() { q.Read(make([]int, 2)) }, q.Close
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			much, little, progress, closeRing := tt.setup()
			muchDone, littleDone := make(chan error, 1), make(chan error, 1)
			go func() { muchDone <- much() }()
			settle()
			go func() { littleDone <- little() }()
			settle()
			progress()
			select {
			case err := <-littleDone:
				if err != nil {
					t.Errorf("small wait = %v, want nil", err)
				}
			case <-time.After(2 * time.Second):
				t.Error("small wait still asleep 2 s after what it waits for arrived")
			}
			select {
			case err := <-muchDone:
				t.Errorf("large wait returned %v before what it waits for arrived", err)
			default:
			}
			closeRing()
			<-muchDone
			select {
			case <-littleDone:
			default:
			}
		})
	}
}

// TestManyWaitersAllWake parks many goroutines, each wanting a different amount, and then fills the ring step
// by step: each one must wake once there is enough for it.
func TestManyWaitersAllWake(t *testing.T) {
	const n = 8
	b, _ := NewBuffer[int](n)
	q, _ := NewMPSC[int](n)
	q.Write(make([]int, n))
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for want := 1; want <= n; want++ {
		wg.Go(func() { errs <- b.Wait(want, 10*time.Second) })
		wg.Go(func() { errs <- q.WaitFree(want, 10*time.Second) })
	}
	settle()
	for range n {
		b.Push(0)
		q.Pop()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("wait = %v, want nil", err)
		}
	}
}

// TestWaitersRandomAmounts has writers and readers wait for random amounts with random short timeouts on a
// small Buffer, and producers do the same on an MPSC queue, so that waiter records are taken, given back and
// made while others are woken. Every item must arrive exactly once, and every wait must end.
func TestWaitersRandomAmounts(t *testing.T) {
	const goroutines, capacity = 4, 8
	items := 20000
	if raceEnabled {
		items /= 4
	}
	amount := func(rng *rand.Rand) int { return 1 + rng.IntN(capacity) }
	timeout := func(rng *rand.Rand) time.Duration { return time.Duration(rng.IntN(200)) * time.Microsecond }

	t.Run("Buffer", func(t *testing.T) {
		b, _ := NewBuffer[int](capacity)
		var writers, readers sync.WaitGroup
		for id := range goroutines {
			writers.Go(func() {
				rng := rand.New(rand.NewPCG(uint64(id), 1))
				for seq := 0; seq < items; {
					if b.Push(id*items+seq) == nil {
						seq++
					} else if err := b.WaitFree(amount(rng), timeout(rng)); err != nil && err != ErrTimeout {
						t.Errorf("WaitFree: %v", err)
						return
					}
				}
			})
		}
		seen := make([]atomic.Bool, goroutines*items)
		for id := range goroutines {
			readers.Go(func() {
				rng := rand.New(rand.NewPCG(uint64(id), 2))
				for {
					v, err := b.Pop()
					switch {
					case err == ErrClosed:
						return
					case err == nil:
						if seen[v].Swap(true) {
							t.Errorf("item %d read twice", v)
						}
						continue
					}
					if err := b.Wait(amount(rng), timeout(rng)); err != nil && err != ErrTimeout && err != ErrClosed {
						t.Errorf("Wait: %v", err)
						return
					}
				}
			})
		}
		writers.Wait()
		b.Close()
		readers.Wait()
		for i := range seen {
			if !seen[i].Load() {
				t.Fatalf("item %d never read", i)
			}
		}
	})

	t.Run("MPSC", func(t *testing.T) {
		q, _ := NewMPSC[int](capacity)
		var producers sync.WaitGroup
		for id := range goroutines {
			producers.Go(func() {
				rng := rand.New(rand.NewPCG(uint64(id), 3))
				for seq := 0; seq < items; {
					if q.Push(id*items+seq) == nil {
						seq++
					} else if err := q.WaitFree(amount(rng), timeout(rng)); err != nil && err != ErrTimeout {
						t.Errorf("WaitFree: %v", err)
						return
					}
				}
			})
		}
		go func() { producers.Wait(); q.Close() }()
		rng := rand.New(rand.NewPCG(0, 4))
		got := 0
		for {
			if _, err := q.Pop(); err == nil {
				got++
				continue
			} else if err == ErrClosed {
				break
			}
			if err := q.Wait(amount(rng), timeout(rng)); err != nil && err != ErrTimeout && err != ErrClosed {
				t.Fatalf("Wait: %v", err)
			}
		}
		if got != goroutines*items {
			t.Errorf("read %d items, want %d", got, goroutines*items)
		}
	})
}
