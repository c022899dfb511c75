package ring

import (
	"errors"
	"reflect"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// pad keeps fields written by different goroutines on different cache lines. 128 bytes also covers the
// adjacent-line prefetcher of x86 cores and the 128-byte lines of some ARM cores.
type pad [128]byte

// hasPointers reports whether values of type T can hold pointers, so that vacated slots must be zeroed to let the
// garbage collector free what they pointed to. Pointer-free element types (samples, frames) skip the zeroing.
func hasPointers[T any]() bool { return typeHasPointers(reflect.TypeFor[T]()) }

func typeHasPointers(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128:
		return false
	case reflect.Array:
		return t.Len() > 0 && typeHasPointers(t.Elem())
	case reflect.Struct:
		for i := range t.NumField() {
			if typeHasPointers(t.Field(i).Type) {
				return true
			}
		}
		return false
	default: // pointers, slices, strings, maps, channels, functions, interfaces, unsafe pointers
		return true
	}
}

func isPowerOfTwo(n int) bool { return n > 0 && n&(n-1) == 0 }

// makeSlots allocates a ring's slots, turning a capacity too large to allocate at all into ErrInvalidCapacity
// instead of a panic.
func makeSlots[T any](n int) (s []T, err error) {
	defer func() {
		if recover() != nil {
			s, err = nil, ErrInvalidCapacity
		}
	}()
	return make([]T, n), nil
}

// waitSpins is how many times a Wait re-checks, yielding the processor in between, before it parks. Parking
// costs a wake-up by the other side (a channel send and a goroutine switch); a short yield phase catches the
// items that arrive within a few microseconds without that cost and without burning a core when idle.
// See BenchmarkWaitStrategy.
var waitSpins = 16

// A parker lets one goroutine sleep until another tells it that what it waits for may be there, without the
// teller ever blocking. The sleeper announces itself (want, then parked) and re-checks its condition; the teller
// changes the shared state, then looks at parked. Both steps are sequentially consistent atomics, so at least one
// of them sees the other: either the sleeper's re-check sees the new state, or the teller sees parked and sends
// a token on a 1-buffered channel (never blocking: a full channel already holds a token). A stale token only
// causes a spurious wake-up, after which the sleeper re-checks.
type parker struct {
	parked atomic.Uint32
	want   atomic.Uint64 // what the sleeper needs (items or free slots); read by the teller
	ch     chan struct{}
}

func newParker() parker { return parker{ch: make(chan struct{}, 1)} }

// prepare announces that the sleeper waits for want.
func (k *parker) prepare(want uint64) {
	select { // drop a stale token so it cannot cut the coming sleep short
	case <-k.ch:
	default:
	}
	k.want.Store(want)
	k.parked.Store(1)
}

func (k *parker) cancel() { k.parked.Store(0) }

// wake wakes the sleeper if it is still parked. It never blocks.
func (k *parker) wake() {
	if k.parked.CompareAndSwap(1, 0) {
		select {
		case k.ch <- struct{}{}:
		default:
		}
	}
}

// sleep blocks until woken or until deadline (zero deadline: no limit). It reports false on timeout.
func (k *parker) sleep(t *time.Timer, deadline time.Time) bool {
	if deadline.IsZero() {
		<-k.ch
		return true
	}
	d := time.Until(deadline)
	if d <= 0 {
		return false
	}
	t.Reset(d)
	select {
	case <-k.ch:
		t.Stop()
		return true
	case <-t.C:
		return false
	}
}

// errNotYet is what a Wait's check returns while the wait is not over.
var errNotYet = errors.New("ring: not yet")

// await is the body of the Waits with one waiter (either end of an SPSC ring, the MPSC consumer). check returns
// nil when the wait is over, a final error (ErrClosed) when it never can be, or errNotYet. await checks, re-checks
// waitSpins times yielding in between, then parks announcing want until the other side wakes it or the deadline
// passes; at the deadline it checks once more, so that what arrived with the timeout is not missed.
func (k *parker) await(t *time.Timer, want uint64, timeout time.Duration, check func() error) error {
	if err := check(); err != errNotYet {
		return err
	}
	if timeout == 0 {
		return ErrTimeout
	}
	deadline := deadlineFor(timeout)
	for range waitSpins {
		runtime.Gosched()
		if err := check(); err != errNotYet {
			return err
		}
	}
	for {
		k.prepare(want)
		if err := check(); err != errNotYet {
			k.cancel()
			return err
		}
		ok := k.sleep(t, deadline)
		k.cancel()
		if !ok {
			if err := check(); err != errNotYet {
				return err
			}
			return ErrTimeout
		}
	}
}

// newStoppedTimer returns a timer that a Wait can Reset without allocating.
func newStoppedTimer() *time.Timer {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return t
}

// deadlineFor turns a Wait timeout into a deadline; the zero time means no limit.
func deadlineFor(timeout time.Duration) time.Time {
	if timeout < 0 {
		return time.Time{}
	}
	return time.Now().Add(timeout)
}

// storeMax raises a to at least v.
func storeMax(a *atomic.Uint64, v uint64) {
	for {
		old := a.Load()
		if v <= old || a.CompareAndSwap(old, v) {
			return
		}
	}
}

// waiters lets any number of goroutines sleep until a condition that other goroutines change may hold, for the
// sides of a ring that more than one goroutine may use (MPSC producers, Buffer). A waiter counts itself in n,
// then re-checks its condition; a goroutine that changes the state looks at n afterwards and, if someone waits,
// drops one token into a 1-buffered channel without blocking. Both steps are sequentially consistent, so at
// least one sees the other. One token wakes one waiter; a waiter that returns passes the token on while others
// still wait, so a single notification reaches them all in turn, and each re-checks its own condition.
type waiters struct {
	n  atomic.Int32
	ch chan struct{}
}

func newWaiters() waiters { return waiters{ch: make(chan struct{}, 1)} }

// notify wakes a waiter if there is one. It never blocks.
func (w *waiters) notify() {
	if w.n.Load() > 0 {
		select {
		case w.ch <- struct{}{}:
		default:
		}
	}
}

// timers holds the stopped timers of finished waits, so that waits with a timeout do not allocate.
var timers = sync.Pool{New: func() any { return newStoppedTimer() }}

// await is the body of the Waits that allow many waiters (MPSC producers, Buffer): it reports whether done
// became true within timeout (< 0: no limit; 0: just check), re-checking waitSpins times yielding in between
// before it sleeps in wait.
func (w *waiters) await(done func() bool, timeout time.Duration) bool {
	if done() {
		return true
	}
	if timeout == 0 {
		return false
	}
	deadline := deadlineFor(timeout)
	for range waitSpins {
		runtime.Gosched()
		if done() {
			return true
		}
	}
	return w.wait(done, deadline)
}

// wait blocks until done reports true, and returns true; or returns false at deadline (zero: no limit) unless
// done reports true then. done is called with no lock held and must be cheap.
func (w *waiters) wait(done func() bool, deadline time.Time) bool {
	w.n.Add(1)
	defer func() {
		w.n.Add(-1)
		w.notify() // pass the token on to the next waiter, who re-checks its own condition
	}()
	var t *time.Timer
	var expired <-chan time.Time
	if !deadline.IsZero() {
		t = timers.Get().(*time.Timer)
		defer timers.Put(t)
	}
	for !done() {
		if t != nil {
			d := time.Until(deadline)
			if d <= 0 {
				return false
			}
			t.Reset(d)
			expired = t.C
		}
		select {
		case <-w.ch:
			if t != nil {
				t.Stop()
			}
		case <-expired:
			return done()
		}
	}
	return true
}
