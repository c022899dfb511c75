package ring

import (
	"sync/atomic"
	"time"
)

// closedBit marks the MPSC claim counter as closed, so that closing and claiming are one atomic word: a claim
// either happened before Close or fails.
const closedBit = 1 << 63

// A stamp publishes a run of items written by one Push or Write: the run starts at position seq-1 and holds n
// items. The stamp's slot is the run's first slot. A stamp left over from an earlier lap of the ring cannot be
// mistaken for a current one because seq holds the full position, not the slot index.
type stamp struct {
	seq atomic.Uint64 // start position + 1, stored after the items and n are written
	n   uint64
}

// MPSC is a bounded lock-free queue for many producer goroutines and one consumer goroutine.
//
// Producers claim a run of positions with one compare-and-swap on a shared counter, write their items, then
// publish the run with one atomic store of a stamp in the run's first slot. The consumer reads a slot only after
// it has seen the stamp of the run that holds it, so it can never read a slot that is claimed but not yet
// written; such a slot reads as empty until its producer publishes it. This is Vyukov's bounded-queue protocol
// (a sequence number per slot) with one stamp per run instead of one per item, so that a batch costs one
// compare-and-swap and one publishing store whatever its length.
//
// Push, Write and Close may be called from any goroutine. Pop, Read and Wait must be called from one goroutine
// at a time (the consumer). Len, Cap, Free and Stats may be called from any goroutine.
//
// A producer preempted between its claim and its publish holds the consumer back at that run (later runs wait
// behind it, in order); it never corrupts the queue or blocks the other producers.
//
// Positions are counted in 63 bits (the 64th marks the queue closed): at a billion items a second they last
// 292 years.
type MPSC[T any] struct {
	buf   []T
	hdr   []stamp
	mask  uint64
	size  uint64
	clear bool
	_     pad

	enq atomic.Uint64 // positions ever claimed by producers; closedBit once closed
	_   pad
	// deqCache is a recent value of deq, shared by the producers: they read it on every claim and refresh it
	// only when it says the queue is too full, so the consumer's line is not pulled into every Push.
	deqCache  atomic.Uint64
	highWater atomic.Uint64
	_         pad
	overflows atomic.Uint64
	_         pad

	deq        atomic.Uint64 // positions ever read; written by the consumer only
	head       uint64        // == deq; the consumer's own copy
	pending    uint64        // items left in the published run that starts at or before head
	underflows atomic.Uint64
	_          pad

	wait  parker  // the consumer sleeping in Wait
	space waiters // producers sleeping in WaitFree
	_     pad
}

// NewMPSC returns a new MPSC queue holding capacity items. capacity must be a power of two; all of it is usable.
// The queue is allocated here, once; no operation allocates afterwards.
func NewMPSC[T any](capacity int) (*MPSC[T], error) {
	if !isPowerOfTwo(capacity) {
		return nil, ErrInvalidCapacity
	}
	buf, err := makeSlots[T](capacity)
	if err != nil {
		return nil, err
	}
	hdr, err := makeSlots[stamp](capacity)
	if err != nil {
		return nil, err
	}
	q := &MPSC[T]{
		buf:   buf,
		hdr:   hdr,
		mask:  uint64(capacity - 1),
		size:  uint64(capacity),
		clear: hasPointers[T](),
		wait:  newParker(),
	}
	q.space.init()
	return q, nil
}

// wakeProducers wakes the producers waiting in WaitFree for no more than the space now free. The consumer calls
// it after every read; it costs one atomic load while no producer waits.
func (q *MPSC[T]) wakeProducers() {
	if !q.space.waiting() {
		return
	}
	e := q.enq.Load()
	free := ^uint64(0) // closed: every waiter returns ErrClosed
	if e&closedBit == 0 {
		free = q.size - min(e-q.head, q.size)
	}
	q.space.wake(free)
}

func (q *MPSC[T]) parts(pos, n uint64) (first, second []T) {
	start := pos & q.mask
	end := start + n
	if end <= q.size {
		return q.buf[start:end:end], nil
	}
	return q.buf[start:q.size:q.size], q.buf[: end-q.size : end-q.size]
}

// claim reserves up to n positions (exactly n, or none, if all is set) and returns the first one and how many.
func (q *MPSC[T]) claim(n uint64, all bool) (pos, k uint64, err error) {
	dc := q.deqCache.Load()
	for {
		e := q.enq.Load()
		if e&closedBit != 0 {
			return 0, 0, ErrClosed
		}
		used := e - dc
		if int64(used) < 0 { // dc was refreshed after e was loaded
			used = 0
		}
		free := q.size - min(used, q.size)
		k = n
		if free < n {
			if d := q.deq.Load(); d != dc {
				dc = d
				q.deqCache.Store(d)
				continue
			}
			if free == 0 || all {
				return 0, 0, ErrFull
			}
			k = free
		}
		if q.enq.CompareAndSwap(e, e+k) {
			// e+k-dc bounds the length from above; only when it beats the mark is the consumer's index
			// worth loading. The run is not published yet, so the consumer cannot have passed e.
			if e+k-dc > q.highWater.Load() {
				storeMax(&q.highWater, e+k-q.deq.Load())
			}
			return e, k, nil
		}
	}
}

// publish makes the run [pos, pos+n) visible to the consumer and wakes it if it waits for it.
func (q *MPSC[T]) publish(pos, n uint64) {
	h := &q.hdr[pos&q.mask]
	h.n = n
	h.seq.Store(pos + 1)
	if q.wait.parked.Load() != 0 {
		// Claimed counts runs not yet published, so this may wake the consumer early; it then parks again
		// and the last publisher of what it waits for wakes it.
		claimed := q.enq.Load() &^ closedBit
		if claimed-q.deq.Load() >= q.wait.want.Load() {
			q.wait.wake()
		}
	}
}

// Push appends v to the queue. It returns nil, or ErrFull (v was not stored; counted as an overflow), or
// ErrClosed (the queue was closed; v was not stored).
func (q *MPSC[T]) Push(v T) error {
	pos, _, err := q.claim(1, true)
	if err != nil {
		if err == ErrFull {
			q.overflows.Add(1)
		}
		return err
	}
	q.buf[pos&q.mask] = v
	q.publish(pos, 1)
	return nil
}

// Write appends as many items of src as fit, in order and contiguously (no other producer's items come between
// them), and returns how many it stored: always a prefix of src. The rest are counted as overflows. It returns
// 0 once the queue is closed.
func (q *MPSC[T]) Write(src []T) int {
	if len(src) == 0 {
		return 0
	}
	want := uint64(len(src))
	pos, n, err := q.claim(want, false)
	if err == ErrClosed {
		return 0
	}
	if n < want {
		q.overflows.Add(want - n)
	}
	if n == 0 {
		return 0
	}
	first, second := q.parts(pos, n)
	k := copy(first, src)
	copy(second, src[k:])
	q.publish(pos, n)
	return int(n)
}

// next looks for the run published at the consumer's position and reports whether there is one.
func (q *MPSC[T]) next() bool {
	h := &q.hdr[q.head&q.mask]
	if h.seq.Load() != q.head+1 {
		return false
	}
	q.pending = h.n
	return true
}

// drained reports whether the queue is closed and every item claimed before Close has been read.
func (q *MPSC[T]) drained() bool {
	e := q.enq.Load()
	return e&closedBit != 0 && e&^closedBit == q.head
}

// Pop removes and returns the oldest item. It returns ErrEmpty if there is none yet (counted as an underflow),
// or ErrClosed if the queue was closed and everything in it has been read.
func (q *MPSC[T]) Pop() (T, error) {
	var zero T
	if q.pending == 0 && !q.next() {
		if q.drained() {
			return zero, ErrClosed
		}
		q.underflows.Add(1)
		return zero, ErrEmpty
	}
	i := q.head & q.mask
	v := q.buf[i]
	if q.clear {
		q.buf[i] = zero
	}
	q.head++
	q.pending--
	q.deq.Store(q.head)
	q.wakeProducers()
	return v, nil
}

// Read moves up to len(dst) of the oldest items into dst, in order, and returns how many: dst[:n] holds them.
// It returns 0 when there is nothing to read (counted as an underflow unless the queue is closed and drained) or
// when dst is empty. Use Wait to tell "not yet" from "never again".
func (q *MPSC[T]) Read(dst []T) int {
	if len(dst) == 0 {
		return 0
	}
	n := 0
	for n < len(dst) {
		if q.pending == 0 && !q.next() {
			break
		}
		k := min(q.pending, uint64(len(dst)-n))
		first, second := q.parts(q.head, k)
		c := copy(dst[n:], first)
		copy(dst[n+c:], second)
		if q.clear {
			clear(first)
			clear(second)
		}
		q.head += k
		q.pending -= k
		n += int(k)
	}
	if n == 0 {
		if !q.drained() {
			q.underflows.Add(1)
		}
		return 0
	}
	q.deq.Store(q.head)
	q.wakeProducers()
	return n
}

// readable returns how many items the consumer can read now, counting published runs until it has want.
func (q *MPSC[T]) readable(want uint64) uint64 {
	a := q.pending
	pos := q.head + a
	for a < want {
		h := &q.hdr[pos&q.mask]
		if h.seq.Load() != pos+1 {
			break
		}
		a += h.n
		pos += h.n
	}
	return a
}

// ended reports that fewer than want items will ever be readable: the queue is closed and fewer were claimed.
func (q *MPSC[T]) ended(want uint64) bool {
	e := q.enq.Load()
	return e&closedBit != 0 && e&^closedBit-q.head < want
}

// Wait blocks until at least n items can be read and returns nil; or returns ErrTimeout once timeout has passed
// (timeout < 0: no limit; 0: just check); or ErrClosed if the queue is closed and fewer than n items remain
// (those can still be read); or ErrInvalidCount if n < 0 or n > Cap. Only the consumer may call Wait.
//
// Wait does not spin: after a few yields it parks until producers have published n items; they wake it without
// ever blocking. It allocates nothing.
func (q *MPSC[T]) Wait(n int, timeout time.Duration) error {
	if n < 0 || uint64(n) > q.size {
		return ErrInvalidCount
	}
	want := uint64(n)
	return q.wait.await(want, timeout, func() error {
		switch {
		case q.readable(want) >= want:
			return nil
		case q.ended(want):
			return ErrClosed
		}
		return errNotYet
	})
}

// Close ends the stream: from now on Push returns ErrClosed and Write stores nothing; the consumer reads what
// was pushed before, then its Pop and Wait report ErrClosed. Every Push that returned nil before Close returned
// will be read. Close wakes a consumer parked in Wait and may be called from any goroutine, more than once.
func (q *MPSC[T]) Close() {
	q.enq.Or(closedBit)
	q.wait.wake()
	q.space.wake(^uint64(0))
}

// WaitFree blocks until at least n slots are free and returns nil; or returns ErrTimeout once timeout has passed
// (timeout < 0: no limit; 0: just check); or ErrClosed if the queue is closed; or ErrInvalidCount if n < 0 or
// n > Cap. Any number of producers may wait at once, each for its own n; every one whose n is free is woken. It
// does not spin: after a few yields it sleeps until the consumer has read enough. It allocates nothing except
// the first time more producers wait at once than ever before (one small record each, kept for reuse).
//
// Space that WaitFree saw free may be taken by another producer before this one writes: a Push after it can
// still return ErrFull.
func (q *MPSC[T]) WaitFree(n int, timeout time.Duration) error {
	if n < 0 || uint64(n) > q.size {
		return ErrInvalidCount
	}
	return q.space.await(uint64(n), timeout, func() error {
		switch {
		case q.Closed():
			return ErrClosed
		case q.Free() >= n:
			return nil
		}
		return errNotYet
	})
}

// Closed reports whether Close has been called.
func (q *MPSC[T]) Closed() bool { return q.enq.Load()&closedBit != 0 }

// Len returns how many items are in the queue, counting those claimed by producers but not yet published.
func (q *MPSC[T]) Len() int {
	d := q.deq.Load()
	e := q.enq.Load() &^ closedBit
	return int(min(e-d, q.size))
}

// Cap returns the queue's capacity.
func (q *MPSC[T]) Cap() int { return int(q.size) }

// Free returns how many items could be written now: Cap - Len.
func (q *MPSC[T]) Free() int { return int(q.size) - q.Len() }

// Stats returns the queue's statistics. Written counts claimed items: a claimed item is published a few
// instructions later.
func (q *MPSC[T]) Stats() Stats {
	d, e := positions(&q.deq, &q.enq, closedBit, q.size)
	return Stats{
		Written:    e,
		Read:       d,
		Overflows:  q.overflows.Load(),
		Underflows: q.underflows.Load(),
		HighWater:  int(q.highWater.Load()),
	}
}
