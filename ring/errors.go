package ring

import "errors"

// The errors the rings return. They are sentinel values: compare with == or errors.Is. Their texts name the
// condition only; what to do about it is the caller's to say.
var (
	// ErrInvalidCapacity: a constructor was given a capacity it cannot honour. SPSC and MPSC need a power of two
	// (1, 2, 4, ... 1024, ...), Buffer any size >= 1, and the ring must fit in memory.
	ErrInvalidCapacity = errors.New("ring: invalid capacity")
	// ErrFull: a Push found no free slot. Nothing was stored and the item was counted as an overflow; drop it, or
	// retry after the consumer has read (WaitFree, Producer.Wait).
	ErrFull = errors.New("ring: full")
	// ErrEmpty: a Pop found nothing to read yet. Retry later, or Wait for items.
	ErrEmpty = errors.New("ring: empty")
	// ErrClosed: the ring was closed (by the other side, or through this handle) and the operation can never
	// succeed. A reader whose writers closed gets it only after it has read everything written before Close.
	ErrClosed = errors.New("ring: closed")
	// ErrTimeout: a Wait gave up at its timeout before what it waited for was there.
	ErrTimeout = errors.New("ring: timeout")
	// ErrInvalidCount: a count was negative, larger than what Reserve or Acquire handed out (Commit, Release),
	// or larger than the capacity (Wait, WaitFree).
	ErrInvalidCount = errors.New("ring: invalid count")
	// ErrPending: an SPSC Push came while slots handed out by Reserve were not yet committed, or a Pop while items
	// handed out by Acquire were not yet released. Nothing was stored or taken (Write and Read return 0 then).
	// Commit or Release first: the item would otherwise land in the slots the caller is filling, or be taken
	// from those it is reading.
	ErrPending = errors.New("ring: reservation pending")
)
