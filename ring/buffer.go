package ring

import (
	"sync"
	"time"
)

// Buffer is a ring of any capacity guarded by a mutex, for any number of goroutines on either side. Beside
// Push and Pop it can overwrite its oldest item ("keep the last N"), peek, clear and copy out a snapshot.
// Every method may be called from any goroutine; each one is atomic with respect to the others. Wait and
// WaitFree let readers and writers sleep until there is something to read or room to write.
type Buffer[T any] struct {
	mu     sync.Mutex
	buf    []T
	head   int // slot of the oldest item
	n      int // items held
	closed bool
	clear  bool // T holds pointers: vacated slots are zeroed
	stats  Stats

	items waiters // goroutines in Wait
	space waiters // goroutines in WaitFree
}

// NewBuffer returns a new Buffer holding up to capacity items; capacity must be >= 1. The Buffer is allocated
// here, once; no operation allocates afterwards.
func NewBuffer[T any](capacity int) (*Buffer[T], error) {
	if capacity < 1 {
		return nil, ErrInvalidCapacity
	}
	buf, err := makeSlots[T](capacity)
	if err != nil {
		return nil, err
	}
	b := &Buffer[T]{buf: buf, clear: hasPointers[T]()}
	b.items.init()
	b.space.init()
	return b, nil
}

// unlock releases the mutex, then wakes the waiters whose amount is now there: the woken goroutines will want
// the mutex. Every method that changes the Buffer unlocks with it.
func (b *Buffer[T]) unlock() {
	items, free := uint64(b.n), uint64(len(b.buf)-b.n)
	if b.closed { // every waiter returns now
		items, free = ^uint64(0), ^uint64(0)
	}
	b.mu.Unlock()
	b.items.wake(items)
	b.space.wake(free)
}

// slot returns the slot of the i-th oldest item.
func (b *Buffer[T]) slot(i int) int {
	i += b.head
	if i >= len(b.buf) {
		i -= len(b.buf)
	}
	return i
}

// parts returns the i-th to (i+n-1)-th oldest slots as up to two contiguous slices.
func (b *Buffer[T]) parts(i, n int) (first, second []T) {
	start := b.slot(i)
	if start+n <= len(b.buf) {
		return b.buf[start : start+n], nil
	}
	return b.buf[start:], b.buf[:start+n-len(b.buf)]
}

func (b *Buffer[T]) noteLen() {
	b.stats.HighWater = max(b.stats.HighWater, b.n)
}

// Push appends v. It returns nil, or ErrFull (v was not stored; counted as an overflow), or ErrClosed (the
// Buffer was closed; v was not stored).
func (b *Buffer[T]) Push(v T) error {
	b.mu.Lock()
	defer b.unlock()
	if b.closed {
		return ErrClosed
	}
	if b.n == len(b.buf) {
		b.stats.Overflows++
		return ErrFull
	}
	b.buf[b.slot(b.n)] = v
	b.n++
	b.stats.Written++
	b.noteLen()
	return nil
}

// Overwrite appends v, dropping the oldest item first if the Buffer is full, and reports whether it did (the
// dropped item is counted in Stats.Overwritten). Overwrite always stores v, unless the Buffer was closed: then
// it stores nothing and returns false.
func (b *Buffer[T]) Overwrite(v T) (overwrote bool) {
	b.mu.Lock()
	defer b.unlock()
	if b.closed {
		return false
	}
	b.stats.Written++
	if b.n == len(b.buf) {
		b.buf[b.head] = v // the oldest slot becomes the newest
		b.head = b.slot(1)
		b.stats.Overwritten++
		return true
	}
	b.buf[b.slot(b.n)] = v
	b.n++
	b.noteLen()
	return false
}

// Write appends as many items of src as fit, in order, and returns how many: always a prefix of src. The rest
// are counted as overflows. It returns 0 once the Buffer is closed.
func (b *Buffer[T]) Write(src []T) int {
	b.mu.Lock()
	defer b.unlock()
	if b.closed {
		return 0
	}
	n := min(len(src), len(b.buf)-b.n)
	b.stats.Overflows += uint64(len(src) - n)
	if n == 0 {
		return 0
	}
	first, second := b.parts(b.n, n)
	k := copy(first, src)
	copy(second, src[k:n])
	b.n += n
	b.stats.Written += uint64(n)
	b.noteLen()
	return n
}

// Pop removes and returns the oldest item, or returns ErrEmpty (counted as an underflow), or ErrClosed if the
// Buffer is closed and empty.
func (b *Buffer[T]) Pop() (T, error) {
	var zero T
	b.mu.Lock()
	defer b.unlock()
	if b.n == 0 {
		if b.closed {
			return zero, ErrClosed
		}
		b.stats.Underflows++
		return zero, ErrEmpty
	}
	v := b.buf[b.head]
	b.buf[b.head] = zero
	b.head = b.slot(1)
	b.n--
	b.stats.Read++
	return v, nil
}

// Read moves up to len(dst) of the oldest items into dst, in order, and returns how many: dst[:n] holds them.
// Finding nothing (with len(dst) > 0) counts as an underflow, unless the Buffer is closed.
func (b *Buffer[T]) Read(dst []T) int {
	if len(dst) == 0 {
		return 0
	}
	b.mu.Lock()
	defer b.unlock()
	n := min(len(dst), b.n)
	if n == 0 {
		if !b.closed {
			b.stats.Underflows++
		}
		return 0
	}
	first, second := b.parts(0, n)
	k := copy(dst, first)
	copy(dst[k:], second)
	if b.clear {
		clear(first)
		clear(second)
	}
	b.head = b.slot(n)
	b.n -= n
	b.stats.Read += uint64(n)
	return n
}

// Peek returns the oldest item without removing it, or ErrEmpty (not counted as an underflow).
func (b *Buffer[T]) Peek() (T, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.n == 0 {
		var zero T
		return zero, ErrEmpty
	}
	return b.buf[b.head], nil
}

// Clear drops every item (counted in Stats.Discarded) and zeroes the slots so they keep nothing alive.
func (b *Buffer[T]) Clear() {
	b.mu.Lock()
	defer b.unlock()
	b.stats.Discarded += uint64(b.n)
	clear(b.buf)
	b.head, b.n = 0, 0
}

// Snapshot appends the items, oldest to newest, to dst[:0] and returns the result, leaving the Buffer as it is.
// It allocates only if dst has less room than Len: pass the previous result back in to reuse it.
func (b *Buffer[T]) Snapshot(dst []T) []T {
	b.mu.Lock()
	defer b.mu.Unlock()
	first, second := b.parts(0, b.n)
	dst = append(dst[:0], first...)
	return append(dst, second...)
}

// Len returns how many items the Buffer holds.
func (b *Buffer[T]) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.n
}

// Cap returns the Buffer's capacity.
func (b *Buffer[T]) Cap() int { return len(b.buf) }

// Free returns how many items could be pushed now: Cap - Len.
func (b *Buffer[T]) Free() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.buf) - b.n
}

// Stats returns the Buffer's statistics.
func (b *Buffer[T]) Stats() Stats {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.stats
}

// Wait blocks until the Buffer holds at least n items and returns nil; or returns ErrTimeout once timeout has
// passed (timeout < 0: no limit; 0: just check); or ErrClosed if the Buffer is closed and holds fewer than n
// items; or ErrInvalidCount if n < 0 or n > Cap. Any number of goroutines may wait at once, each for its own n;
// every one whose n is there is woken. Items another goroutine takes first are gone, so a Pop after Wait can
// still find the Buffer empty. Wait does not spin, and allocates nothing except the first time more goroutines
// wait at once than ever before (one small record each, kept for reuse).
func (b *Buffer[T]) Wait(n int, timeout time.Duration) error {
	return b.wait(&b.items, n, timeout, false, func() bool { return b.n >= n })
}

// WaitFree blocks until at least n slots are free and returns nil; or returns ErrTimeout once timeout has passed
// (timeout < 0: no limit; 0: just check); or ErrClosed if the Buffer is closed; or ErrInvalidCount if n < 0 or
// n > Cap. Like Wait, it allows any number of waiters, each for its own n, and does not spin; space it saw free
// may be taken by another writer first.
func (b *Buffer[T]) WaitFree(n int, timeout time.Duration) error {
	return b.wait(&b.space, n, timeout, true, func() bool { return len(b.buf)-b.n >= n })
}

// wait waits on w until ok (called with b.mu held) or the Buffer is closed. If closedWins, being closed is an
// error even when ok holds.
func (b *Buffer[T]) wait(w *waiters, n int, timeout time.Duration, closedWins bool, ok func() bool) error {
	if n < 0 || n > len(b.buf) {
		return ErrInvalidCount
	}
	return w.await(uint64(n), timeout, func() error {
		b.mu.Lock()
		defer b.mu.Unlock()
		switch {
		case b.closed && (closedWins || !ok()):
			return ErrClosed
		case ok():
			return nil
		}
		return errNotYet
	})
}

// Close ends the stream: from now on Push returns ErrClosed, Write and Overwrite store nothing, WaitFree returns
// ErrClosed; readers take what is left, then Pop returns ErrClosed and Wait returns ErrClosed when fewer than n
// items remain. Close wakes every waiting goroutine. Peek, Snapshot, Clear and Stats keep working. Closing twice
// is harmless.
func (b *Buffer[T]) Close() {
	b.mu.Lock()
	b.closed = true
	b.unlock()
}

// Closed reports whether Close has been called.
func (b *Buffer[T]) Closed() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.closed
}
