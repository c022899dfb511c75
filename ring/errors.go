package ring

import "errors"

// The errors the rings return. They are sentinel values: compare with == or errors.Is.
var (
	// ErrInvalidCapacity: a constructor was given a capacity it cannot honour.
	ErrInvalidCapacity = errors.New("ring: invalid capacity: SPSC and MPSC need a power of two >= 1 (e.g. 1024), Buffer any size >= 1, and the ring must fit in memory")
	// ErrFull: a Push found no free slot. Nothing was stored; drop the item, or retry after the consumer has read.
	ErrFull = errors.New("ring: full: the item was not stored; read from the ring or wait for free space, then retry")
	// ErrEmpty: a Pop found nothing to read. Retry later or Wait for data.
	ErrEmpty = errors.New("ring: empty: nothing to read yet; retry later or Wait for data")
	// ErrClosed: the other side (or this one) has closed the ring and the operation can never succeed.
	ErrClosed = errors.New("ring: closed: the other side has closed the ring (or this handle was closed); stop using it")
	// ErrTimeout: a Wait gave up before what it waited for was there.
	ErrTimeout = errors.New("ring: timeout: the wait ended before enough items or space were available; retry or give up")
	// ErrInvalidCount: a count was negative, larger than what was reserved or acquired, or larger than the capacity.
	ErrInvalidCount = errors.New("ring: invalid count: n must be >= 0 and at most what Reserve/Acquire handed out (for Wait: at most Cap)")
)
