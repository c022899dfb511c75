package ring

import (
	"sync/atomic"
	"time"
)

// spsc is the state one Producer and one Consumer share. Each group of fields written by one side sits on its
// own cache lines, so the two sides only exchange a line when one of them publishes its index or has to refresh
// its cached copy of the other's.
type spsc[T any] struct {
	buf   []T
	mask  uint64
	size  uint64
	clear bool // T holds pointers: vacated slots are zeroed
	_     pad

	tail atomic.Uint64 // items ever published; written by the producer only
	_    pad
	head atomic.Uint64 // items ever released; written by the consumer only
	_    pad

	consWait parker // the consumer sleeping in Wait; woken by the producer
	_        pad
	prodWait parker // the producer sleeping in Wait; woken by the consumer
	_        pad

	prodClosed atomic.Bool
	consClosed atomic.Bool
	_          pad

	p Producer[T]
	_ pad
	c Consumer[T]
	_ pad
}

// NewSPSC returns the two ends of a new single-producer single-consumer ring holding capacity items. capacity
// must be a power of two (so that positions map to slots with a mask); all of it is usable.
//
// The ring and both handles are allocated here, once; no operation allocates afterwards.
func NewSPSC[T any](capacity int) (*Producer[T], *Consumer[T], error) {
	if !isPowerOfTwo(capacity) {
		return nil, nil, ErrInvalidCapacity
	}
	buf, err := makeSlots[T](capacity)
	if err != nil {
		return nil, nil, err
	}
	r := &spsc[T]{
		buf:      buf,
		mask:     uint64(capacity - 1),
		size:     uint64(capacity),
		clear:    hasPointers[T](),
		consWait: newParker(),
		prodWait: newParker(),
	}
	r.p = Producer[T]{r: r}
	r.c = Consumer[T]{r: r}
	return &r.p, &r.c, nil
}

// parts returns the ring's slots for positions [pos, pos+n) as up to two contiguous slices.
func (r *spsc[T]) parts(pos, n uint64) (first, second []T) {
	if n == 0 {
		return nil, nil
	}
	start := pos & r.mask
	end := start + n
	if end <= r.size {
		return r.buf[start:end:end], nil
	}
	return r.buf[start:r.size:r.size], r.buf[: end-r.size : end-r.size]
}

func (r *spsc[T]) length() int {
	h := r.head.Load() // head first: it never passes the tail loaded after it
	t := r.tail.Load()
	return int(min(t-h, r.size))
}

func (r *spsc[T]) stats() Stats {
	h, t := positions(&r.head, &r.tail, 0, r.size)
	return Stats{
		Written:    t,
		Read:       h,
		Overflows:  r.p.overflows.Load(),
		Underflows: r.c.underflows.Load(),
		HighWater:  int(r.p.highWater.Load()),
	}
}

// A Producer is the writing end of an SPSC ring. Push, Write, Reserve, Commit, Wait and Close must be called
// from one goroutine at a time (typically always the same one, such as an audio callback); Len, Cap, Free,
// Closed and Stats may be called from any goroutine.
//
// Push, Write, Reserve and Commit never block, lock, allocate or make a system call: they are fit for a real-time
// thread. When the consumer is parked in Wait and the published items satisfy it, they also wake it with a
// non-blocking channel send.
type Producer[T any] struct {
	r        *spsc[T]
	tail     uint64 // == r.tail; the producer's own copy, so the hot path never loads its own atomic
	head     uint64 // cached r.head; refreshed only when it says there is not enough room
	hw       uint64 // == highWater, kept here to compare against without an atomic load
	reserved uint64 // slots handed out by the last Reserve
	closed   bool

	overflows atomic.Uint64
	highWater atomic.Uint64
}

// free returns how many slots the producer can fill. It refreshes the cached consumer index only when the cached
// value says fewer than n are free.
func (p *Producer[T]) free(n uint64) uint64 {
	f := p.r.size - (p.tail - p.head)
	if f < n {
		p.head = p.r.head.Load()
		f = p.r.size - (p.tail - p.head)
	}
	return f
}

// publish makes the next n filled slots visible to the consumer.
func (p *Producer[T]) publish(n uint64) {
	r := p.r
	t := p.tail + n
	p.tail = t
	r.tail.Store(t)
	// t-p.head is an upper bound of the length (the cached head lags the real one): only when it exceeds the
	// high-water mark is the real head worth loading. That keeps the mark exact at every publish while the
	// common case stays free of cross-core traffic.
	if t-p.head > p.hw {
		p.head = r.head.Load()
		if l := t - p.head; l > p.hw {
			p.hw = l
			p.highWater.Store(l)
		}
	}
	if r.consWait.parked.Load() != 0 && t-r.head.Load() >= r.consWait.want.Load() {
		r.consWait.wake()
	}
}

// Push appends v to the ring. It returns nil, or ErrFull (v was not stored and is counted as an overflow), or
// ErrClosed if this Producer was closed, or ErrPending (v was not stored) while slots handed out by Reserve are
// not committed.
func (p *Producer[T]) Push(v T) error {
	if p.closed {
		return ErrClosed
	}
	if p.reserved != 0 {
		return ErrPending
	}
	if p.free(1) == 0 {
		p.overflows.Add(1)
		return ErrFull
	}
	p.r.buf[p.tail&p.r.mask] = v
	p.publish(1)
	return nil
}

// Write appends as many items of src as fit, in order, and returns how many it stored: always a prefix of src,
// src[:n]. The rest, len(src)-n items, are counted as overflows. It returns 0, storing and counting nothing, if
// this Producer was closed or while slots handed out by Reserve are not committed (see ErrPending).
func (p *Producer[T]) Write(src []T) int {
	if p.closed || len(src) == 0 || p.reserved != 0 {
		return 0
	}
	want := uint64(len(src))
	n := min(want, p.free(want))
	if n < want {
		p.overflows.Add(want - n)
	}
	if n == 0 {
		return 0
	}
	first, second := p.r.parts(p.tail, n)
	k := copy(first, src)
	copy(second, src[k:])
	p.publish(n)
	return int(n)
}

// Reserve hands out up to n free slots, in ring order, as two contiguous slices: fill first, then second
// (second is empty unless the free space wraps around the end of the ring), then Commit how many of them, counted
// from the start of first, were filled. Nothing is visible to the consumer before Commit. Reserve copies
// nothing: a caller can decode or copy straight into the ring.
//
// It returns fewer than n slots (possibly none) when fewer are free; the shortfall is counted as overflows.
// A new Reserve replaces an uncommitted reservation. n <= 0, or a closed Producer, hands out nothing. While
// slots are handed out and not committed, Push returns ErrPending and Write stores nothing: their items would
// land in the slots the caller is filling.
func (p *Producer[T]) Reserve(n int) (first, second []T) {
	p.giveBack(0)
	if n <= 0 || p.closed {
		return nil, nil
	}
	want := uint64(n)
	k := min(want, p.free(want))
	if k < want {
		p.overflows.Add(want - k)
	}
	p.reserved = k
	return p.r.parts(p.tail, k)
}

// giveBack ends the reservation, handing back the slots from the from-th on. If T can hold pointers, it zeroes
// them first: the caller may have filled them, and a slot that is never committed must not keep what it points
// to alive until it is reused. The slots are the producer's alone (unpublished), so this races with nothing.
func (p *Producer[T]) giveBack(from uint64) {
	if from < p.reserved && p.r.clear {
		first, second := p.r.parts(p.tail+from, p.reserved-from)
		clear(first)
		clear(second)
	}
	p.reserved = 0
}

// Commit publishes the first n slots handed out by the last Reserve and ends the reservation: the rest of it is
// given back, zeroed if T can hold pointers, so it keeps nothing alive. It returns ErrInvalidCount, publishes
// nothing and keeps the reservation if n is negative or larger than what Reserve handed out.
func (p *Producer[T]) Commit(n int) error {
	if n < 0 || uint64(n) > p.reserved {
		return ErrInvalidCount
	}
	p.giveBack(uint64(n))
	if n > 0 {
		p.publish(uint64(n))
	}
	return nil
}

// Wait blocks until at least n slots are free and returns nil; or returns ErrTimeout once timeout has passed
// (timeout < 0: no limit; 0: just check); or ErrClosed if the consumer has closed (writing is pointless then)
// or this Producer was closed; or ErrInvalidCount if n < 0 or n > Cap. It does not spin: after a few yields
// it sleeps until the consumer frees enough space. It allocates nothing.
//
// Wait is for producers that may block (a file reader, a test); a real-time producer drops instead.
func (p *Producer[T]) Wait(n int, timeout time.Duration) error {
	r := p.r
	if n < 0 || uint64(n) > r.size {
		return ErrInvalidCount
	}
	if p.closed {
		return ErrClosed
	}
	want := uint64(n)
	return r.prodWait.await(want, timeout, func() error {
		switch {
		case r.consClosed.Load():
			return ErrClosed
		case p.free(want) >= want:
			return nil
		}
		return errNotYet
	})
}

// Close tells the consumer that no more items will come: it reads what is left, then its Pop and Wait report
// ErrClosed. Close wakes a consumer parked in Wait. After Close, Push returns ErrClosed and Write, Reserve hand
// out nothing. Closing twice is harmless.
func (p *Producer[T]) Close() {
	if p.closed {
		return
	}
	p.closed = true
	p.giveBack(0)
	p.r.prodClosed.Store(true)
	p.r.consWait.wake()
}

// Closed reports whether the consumer has closed its end: items pushed from now on will never be read.
func (p *Producer[T]) Closed() bool { return p.r.consClosed.Load() }

// Len returns how many items are in the ring.
func (p *Producer[T]) Len() int { return p.r.length() }

// Cap returns the ring's capacity.
func (p *Producer[T]) Cap() int { return int(p.r.size) }

// Free returns how many items could be written now: Cap - Len.
func (p *Producer[T]) Free() int { return int(p.r.size) - p.r.length() }

// Stats returns the ring's statistics (the same from either end).
func (p *Producer[T]) Stats() Stats { return p.r.stats() }

// A Consumer is the reading end of an SPSC ring. Pop, Read, Acquire, Release, Wait and Close must be called
// from one goroutine at a time; Len, Cap, Free, Closed and Stats may be called from any goroutine.
type Consumer[T any] struct {
	r        *spsc[T]
	head     uint64 // == r.head; the consumer's own copy
	tail     uint64 // cached r.tail; refreshed only when it says there is not enough to read
	acquired uint64 // items handed out by the last Acquire
	closed   bool

	underflows atomic.Uint64
}

// avail returns how many items the consumer can read. It refreshes the cached producer index only when the
// cached value says fewer than n are there.
func (c *Consumer[T]) avail(n uint64) uint64 {
	a := c.tail - c.head
	if a < n {
		c.tail = c.r.tail.Load()
		a = c.tail - c.head
	}
	return a
}

// release frees the next n slots, zeroing them first if they can hold pointers.
func (c *Consumer[T]) release(n uint64) {
	r := c.r
	if r.clear {
		first, second := r.parts(c.head, n)
		clear(first)
		clear(second)
	}
	h := c.head + n
	c.head = h
	r.head.Store(h)
	if r.prodWait.parked.Load() != 0 && r.size-(r.tail.Load()-h) >= r.prodWait.want.Load() {
		r.prodWait.wake()
	}
}

// drained reports whether the ring is empty for good: the producer has closed and everything it published
// before closing has been read. The tail is loaded again after the flag because the producer may have published
// between the caller's last look and Close.
func (c *Consumer[T]) drained() bool {
	if !c.r.prodClosed.Load() {
		return false
	}
	c.tail = c.r.tail.Load()
	return c.tail == c.head
}

// Pop removes and returns the oldest item. It returns ErrEmpty if there is none yet (counted as an underflow),
// or ErrClosed if there is none and the producer has closed, or if this Consumer was closed, or ErrPending
// (nothing taken) while items handed out by Acquire are not released.
func (c *Consumer[T]) Pop() (T, error) {
	var zero T
	if c.closed {
		return zero, ErrClosed
	}
	if c.acquired != 0 {
		return zero, ErrPending
	}
	if c.avail(1) == 0 {
		if c.drained() {
			return zero, ErrClosed
		}
		if c.tail == c.head {
			c.underflows.Add(1)
			return zero, ErrEmpty
		}
	}
	v := c.r.buf[c.head&c.r.mask]
	c.release(1)
	return v, nil
}

// Read moves up to len(dst) of the oldest items into dst, in order, and returns how many: dst[:n] holds them.
// It returns 0 when there is nothing to read (counted as an underflow unless the producer has closed), when dst
// is empty, when this Consumer was closed, or while items handed out by Acquire are not released (see
// ErrPending; nothing is counted then). Use Wait to tell "not yet" from "never again".
func (c *Consumer[T]) Read(dst []T) int {
	if c.closed || len(dst) == 0 || c.acquired != 0 {
		return 0
	}
	want := uint64(len(dst))
	n := min(want, c.avail(want))
	if n == 0 {
		if !c.drained() {
			c.underflows.Add(1)
		}
		return 0
	}
	first, second := c.r.parts(c.head, n)
	k := copy(dst, first)
	copy(dst[k:], second)
	c.release(n)
	return int(n)
}

// Acquire hands out up to n of the oldest items, in order, as two contiguous slices of the ring itself (second
// is empty unless the items wrap around the end of the ring); read them in place, then Release how many were
// consumed. Acquire copies nothing. The slices stay valid until Release; the producer cannot touch them before.
//
// It returns fewer than n items (possibly none) when fewer are readable; finding none counts as an underflow
// unless the producer has closed. A new Acquire replaces an unreleased one. n <= 0 or a closed Consumer hands
// out nothing. While items are handed out and not released, Pop returns ErrPending and Read takes nothing:
// they would take the items the caller is reading, and free their slots to the producer.
func (c *Consumer[T]) Acquire(n int) (first, second []T) {
	c.acquired = 0
	if n <= 0 || c.closed {
		return nil, nil
	}
	want := uint64(n)
	k := min(want, c.avail(want))
	if k == 0 {
		if !c.drained() {
			c.underflows.Add(1)
		}
		return nil, nil
	}
	c.acquired = k
	return c.r.parts(c.head, k)
}

// Release frees the first n items handed out by the last Acquire (zeroing the slots if T can hold pointers, so
// the ring keeps nothing alive) and ends the acquisition. It returns ErrInvalidCount, frees nothing and keeps
// the acquisition if n is negative or larger than what Acquire handed out.
func (c *Consumer[T]) Release(n int) error {
	if n < 0 || uint64(n) > c.acquired {
		return ErrInvalidCount
	}
	c.acquired = 0
	if n > 0 {
		c.release(uint64(n))
	}
	return nil
}

// Wait blocks until at least n items can be read and returns nil; or returns ErrTimeout once timeout has passed
// (timeout < 0: no limit; 0: just check); or ErrClosed if the producer has closed and fewer than n items remain
// (those can still be read), or if this Consumer was closed; or ErrInvalidCount if n < 0 or n > Cap.
//
// Wait does not spin: after a few yields it parks until the producer has published n items, and the producer
// wakes it without ever blocking. It allocates nothing.
func (c *Consumer[T]) Wait(n int, timeout time.Duration) error {
	r := c.r
	if n < 0 || uint64(n) > r.size {
		return ErrInvalidCount
	}
	if c.closed {
		return ErrClosed
	}
	want := uint64(n)
	return r.consWait.await(want, timeout, func() error {
		// Closed is read first: once it is seen, everything published before Close is visible too, so a
		// shortfall then is final.
		closed := r.prodClosed.Load()
		switch {
		case c.avail(want) >= want:
			return nil
		case closed:
			return ErrClosed
		}
		return errNotYet
	})
}

// Close tells the producer that nothing more will be read: its Closed reports true and its Wait returns
// ErrClosed (a producer parked in Wait is woken). Items still in the ring stay there. After Close, Pop returns
// ErrClosed and Read, Acquire hand out nothing. Closing twice is harmless.
func (c *Consumer[T]) Close() {
	if c.closed {
		return
	}
	c.closed = true
	c.acquired = 0
	c.r.consClosed.Store(true)
	c.r.prodWait.wake()
}

// Closed reports whether the producer has closed its end. Items it published before closing may still be
// waiting to be read: the stream has ended when Closed is true and Len is 0 (or when Pop returns ErrClosed).
func (c *Consumer[T]) Closed() bool { return c.r.prodClosed.Load() }

// Len returns how many items are in the ring.
func (c *Consumer[T]) Len() int { return c.r.length() }

// Cap returns the ring's capacity.
func (c *Consumer[T]) Cap() int { return int(c.r.size) }

// Free returns how many items could be written now: Cap - Len.
func (c *Consumer[T]) Free() int { return int(c.r.size) - c.r.length() }

// Stats returns the ring's statistics (the same from either end).
func (c *Consumer[T]) Stats() Stats { return c.r.stats() }
