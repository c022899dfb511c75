package ring

import (
	"errors"
	"reflect"
	"runtime"
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
// See the spin, yield, park and wait runs of BenchmarkSingle and BenchmarkBatch256, and BenchmarkWaitIdle.
var waitSpins = 16

// A parker lets one goroutine sleep until another tells it that what it waits for may be there, without the
// teller ever blocking. The sleeper announces itself (want, then parked) and re-checks its condition; the teller
// changes the shared state, then looks at parked. Both steps are sequentially consistent atomics, so at least one
// of them sees the other: either the sleeper's re-check sees the new state, or the teller sees parked and sends
// a token on a 1-buffered channel (never blocking: a full channel already holds a token). A stale token only
// causes a spurious wake-up, after which the sleeper re-checks.
//
// A parker serves one sleeper at a time. Its timer, made with it, bounds the sleeps of waits with a timeout, so
// that they allocate nothing.
type parker struct {
	parked atomic.Uint32
	want   atomic.Uint64 // what the sleeper needs (items or free slots); read by the teller
	ch     chan struct{}
	timer  *time.Timer
}

func newParker() parker {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return parker{ch: make(chan struct{}, 1), timer: t}
}

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
func (k *parker) sleep(deadline time.Time) bool {
	if deadline.IsZero() {
		<-k.ch
		return true
	}
	d := time.Until(deadline)
	if d <= 0 {
		return false
	}
	k.timer.Reset(d)
	select {
	case <-k.ch:
		k.timer.Stop()
		return true
	case <-k.timer.C:
		return false
	}
}

// errNotYet is what a Wait's check returns while the wait is not over.
var errNotYet = errors.New("ring: not yet")

// await is the one wait loop behind every Wait. check returns nil when the wait is over, a final error
// (ErrClosed) when it never can be, or errNotYet. await checks, re-checks waitSpins times yielding in between,
// then parks announcing want until the other side wakes it or the deadline passes; at the deadline it checks
// once more, so that what arrived with the timeout is not missed.
func (k *parker) await(want uint64, timeout time.Duration, check func() error) error {
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
		ok := k.sleep(deadline)
		k.cancel()
		if !ok {
			if err := check(); err != errNotYet {
				return err
			}
			return ErrTimeout
		}
	}
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

// waiters lets any number of goroutines wait, each for its own amount, on a side of a ring that more than one
// goroutine may use (MPSC producers, Buffer). Every waiting goroutine parks on a parker of its own, taken from a
// list that only grows: it holds as many parkers as goroutines have ever waited at once, so a wait allocates
// only when more goroutines wait at once than ever before on that ring (one was made with the ring). A goroutine
// that makes progress wakes every parked waiter whose amount is now there, each through its own parker, so no
// waiter can take a wake-up meant for another; it never blocks, and when nobody waits it does one atomic load.
type waiters struct {
	n    atomic.Int32           // goroutines holding a parker: wake looks at the list only when n > 0
	list atomic.Pointer[waiter] // every parker ever made, newest first; never shrinks
}

type waiter struct {
	parker
	busy atomic.Bool // held by a waiting goroutine
	next *waiter     // set before the waiter is published in the list, never changed after
}

func (w *waiters) init() { w.list.Store(&waiter{parker: newParker()}) }

// waiting reports whether a goroutine may be waiting, so that a caller computes what wake needs only then.
func (w *waiters) waiting() bool { return w.n.Load() != 0 }

// wake wakes every parked waiter that wants at most avail (items or free slots, as the caller counts them after
// its change). It never blocks and allocates nothing. A waiter that is about to park re-checks after announcing
// itself, so one that wake does not see has already seen the change.
func (w *waiters) wake(avail uint64) {
	if w.n.Load() == 0 {
		return
	}
	for k := w.list.Load(); k != nil; k = k.next {
		if k.parked.Load() != 0 && k.want.Load() <= avail {
			k.wake()
		}
	}
}

// await waits as parker.await does, for any number of goroutines at once.
func (w *waiters) await(want uint64, timeout time.Duration, check func() error) error {
	if err := check(); err != errNotYet || timeout == 0 { // the common case needs no parker
		if err == errNotYet {
			err = ErrTimeout
		}
		return err
	}
	k := w.acquire()
	defer w.release(k)
	return k.await(want, timeout, check)
}

// acquire counts the caller in n, then hands it a parker no other goroutine holds, making one if all are held.
func (w *waiters) acquire() *waiter {
	w.n.Add(1)
	for k := w.list.Load(); k != nil; k = k.next {
		if !k.busy.Load() && k.busy.CompareAndSwap(false, true) {
			return k
		}
	}
	k := &waiter{parker: newParker()}
	k.busy.Store(true)
	for {
		k.next = w.list.Load()
		if w.list.CompareAndSwap(k.next, k) {
			return k
		}
	}
}

func (w *waiters) release(k *waiter) {
	k.busy.Store(false)
	w.n.Add(-1)
}

// testHookStats, when a test sets it, runs inside Stats between the loads of the read and the write position,
// so that the test can move the ring on exactly there.
var testHookStats func()

// positions loads a ring's read and write positions (clearing the bits of mask from the write position) so that
// they describe one moment: the read position was the same just before and just after the write position was
// loaded. A snapshot of two counters that move on while they are loaded one after the other could otherwise
// show more items in the ring than it holds. Should the ring move on during every one of a few tries, the write
// position is lowered to read+size, a count the writer had passed: the snapshot then always satisfies
// read <= write <= read+size. Both positions only grow, and write never exceeds read+size at any moment.
func positions(read, write *atomic.Uint64, mask, size uint64) (r, w uint64) {
	for range 4 {
		r = read.Load()
		if testHookStats != nil {
			testHookStats()
		}
		w = write.Load() &^ mask
		if read.Load() == r {
			return r, w
		}
	}
	return r, min(w, r+size)
}
