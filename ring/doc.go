// Package ring provides fixed-size ring buffers for moving items between goroutines: a wait-free
// single-producer single-consumer ring for real-time audio, a lock-free multi-producer single-consumer queue, and
// a mutex-guarded ring that can overwrite its oldest item.
//
// # Guarantees
//
// All three rings:
//   - hold any element type and deliver items in the order they were written (FIFO), without loss or
//     duplication: an item is either rejected at write time (ErrFull, or a short count from Write) or read
//     exactly once (a Buffer's Overwrite and Clear drop items on purpose, and count them);
//   - allocate only in their constructor: no operation allocates afterwards;
//   - never keep a reference to an item that has been read: the slot is zeroed, so pointers in it become
//     collectable (pointer-free element types skip the zeroing);
//   - report bad arguments as errors (ErrInvalidCapacity, ErrInvalidCount), never by panicking;
//   - keep Stats (items written and read, overflows, underflows, high-water mark) that any goroutine can read at
//     any time without tearing.
//
// SPSC (NewSPSC, Producer, Consumer):
//   - one producer goroutine and one consumer goroutine, each holding its own handle;
//   - wait-free: Push, Write, Reserve, Commit, Pop, Read, Acquire and Release finish in a bounded number of steps
//     whatever the other side does; they never block, lock, allocate or make a system call, so the producer side
//     is safe to call from an audio callback. The one exception is the wake-up: when the other side sleeps in
//     Wait and what it waits for is now there, the call also makes one non-blocking channel send to wake it;
//   - each side counts only its own statistics and keeps a cached copy of the other side's index, so in the
//     common case a Push or Pop touches no cache line the other side writes;
//   - capacity is a power of two and all of it is usable;
//   - Reserve/Commit and Acquire/Release hand out the ring's own memory as (up to) two contiguous slices, so data
//     can be copied in and out with no intermediate buffer;
//   - either side can wait for the other (Wait) without spinning, and the side that wakes a waiter never blocks;
//   - either side can close, and the other side learns it (Closed, ErrClosed) after reading what was sent.
//
// MPSC (NewMPSC):
//   - any number of producer goroutines, one consumer goroutine;
//   - lock-free for producers (a producer that fails a compare-and-swap retries only because another one
//     succeeded); the consumer never blocks and never reads an item that has been claimed but not yet written;
//   - the consumer can Wait for items and producers can WaitFree for space, without spinning; Close ends the
//     stream, and every Push that succeeded before it is still read;
//   - each producer's items are read in the order it wrote them, and a Write's items stay together;
//   - capacity is a power of two and all of it is usable.
//
// Buffer (NewBuffer):
//   - any capacity >= 1, any number of goroutines; every method holds a mutex for a few instructions;
//   - Overwrite keeps the newest Cap items, Peek, Clear and Snapshot (oldest to newest) complete it;
//   - Wait, WaitFree and Close work as on the other rings, for any number of waiting goroutines.
//
// # Waiting
//
// A Wait yields the processor a few times, then parks on a channel until the other side has made enough
// progress; the side that makes it wakes the sleeper with a non-blocking send only when the sleeper is parked
// and its condition now holds. On a machine with few cores this beats both spinning (which steals the core the
// other side needs) and yielding in a loop, and a waiting side costs nothing while idle: see the Wait
// benchmarks in bench_test.go.
//
// # Vocabulary
//
// The rings share their method names, so code (and tests) can treat them alike: Push and Pop move one item and
// report ErrFull or ErrEmpty; Write and Read move a slice and return how many items went in or came out (always a
// prefix of the slice); Len, Cap and Free describe the fill; Stats counts.
package ring
