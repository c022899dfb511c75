// Package ring provides fixed-size, generic ring buffers for moving items between goroutines: a wait-free
// single-producer single-consumer ring for real-time audio, a lock-free multi-producer single-consumer queue,
// and a mutex-guarded ring that can overwrite its oldest item.
//
// # Choosing a ring
//
//	ring    made by    writers  readers  capacity      progress                   use it for
//	SPSC    NewSPSC    1        1        power of two  wait-free                  an audio callback feeding DSP
//	MPSC    NewMPSC    any      1        power of two  lock-free for producers    many goroutines reporting to one
//	Buffer  NewBuffer  any      any      any >= 1      mutex, a few instructions  keep the last N; peek, snapshot
//
// Take SPSC when exactly one goroutine writes and one reads, above all when the writer must never block (a
// real-time thread): it is the fastest and the only one with zero-copy Reserve/Commit and Acquire/Release. Take
// MPSC when several goroutines write to one reader. Take Buffer when several goroutines read, when the newest
// items must win over the oldest (Overwrite), or when the capacity cannot be a power of two. All of them are
// bounded: a full ring refuses (or, Buffer.Overwrite, drops the oldest), it never grows.
//
// The rings share one vocabulary, so code and tests can treat them alike: Push and Pop move one item and report
// ErrFull or ErrEmpty; Write and Read move a slice and return how many items went in or came out (always a
// prefix of the slice); Len, Cap and Free describe the fill; Stats counts; Wait sleeps until there is enough
// to read (WaitFree, or Producer.Wait, until there is room); Close ends the stream.
//
// # Guarantees
//
// All three rings:
//   - hold any element type and deliver items in the order they were written (FIFO), each exactly once: an item
//     is either refused when written (ErrFull, or a short count from Write) or read once. The only items
//     dropped on purpose are the ones Buffer.Overwrite and Buffer.Clear drop, and those are counted;
//   - allocate only in their constructor. No operation allocates afterwards, waits with a timeout included (each
//     waiter owns a timer made with it). The one exception: the first time more goroutines wait at once in a
//     Buffer's Wait or WaitFree, or in an MPSC's WaitFree, than ever before on that ring, the extra waiter gets
//     a small record (a channel and a timer), which the ring keeps for the next waiters. (A wait that parks
//     blocks in a select, as time.Sleep does; the Go runtime keeps its own wait records for that and may
//     allocate one again after a garbage collection has freed its cache. The side that makes progress never
//     waits, so this never reaches it.)
//   - keep no reference to an item that has left the ring: a slot that was read, dropped, or reserved and given
//     back without being committed is zeroed, so what it pointed to can be collected (element types without
//     pointers, such as [2]float32, skip the zeroing);
//   - report misuse as errors, never by panicking: ErrInvalidCapacity from a constructor, ErrInvalidCount for a
//     count out of range, ErrPending for an SPSC Push or Pop while a reservation is open. A refused call moves
//     no item and no position;
//   - keep Stats (items written and read, overflows, underflows, high-water mark) that any goroutine can read at
//     any time, each one a snapshot of a ring that could exist: Read <= Written <= Read+Cap, HighWater <= Cap.
//
// SPSC (NewSPSC, Producer, Consumer):
//   - one producer goroutine and one consumer goroutine, each holding its own handle;
//   - wait-free: Push, Write, Reserve, Commit, Pop, Read, Acquire and Release finish in a bounded number of steps
//     whatever the other side does; they never block, lock, allocate or make a system call, so the producer side
//     is safe to call from an audio callback. The one extra step: when the other side sleeps in Wait and what it
//     waits for is now there, the call also makes one non-blocking channel send to wake it;
//   - the two indices sit on separate cache lines; each side counts only its own statistics and keeps a cached
//     copy of the other side's index, reloaded only when the copy says full (or empty), so in the common case a
//     Push or Pop touches no cache line the other side writes;
//   - capacity is a power of two and all of it is usable;
//   - Reserve/Commit and Acquire/Release hand out the ring's own memory as up to two contiguous slices, so data
//     is copied in and out with no intermediate buffer. While a reservation is open, Push returns ErrPending and
//     Write stores nothing (likewise Pop and Read while an acquisition is open): an item written then would land
//     in the slots the caller is filling, one read then would free the slots it is reading;
//   - either side can Wait for the other, with a timeout, without spinning, and the side that wakes it never
//     blocks;
//   - either side can Close: after Producer.Close the consumer reads what was sent, then sees ErrClosed; after
//     Consumer.Close the producer's Closed turns true and its Wait returns ErrClosed, while its Push keeps
//     working, so a callback is never disturbed.
//
// MPSC (NewMPSC):
//   - any number of producer goroutines, one consumer goroutine;
//   - lock-free for producers: a Push or Write claims its slots with one compare-and-swap (it retries only
//     because another producer succeeded) and publishes them with one atomic store, whatever its length. This is
//     Vyukov's bounded queue with one sequence stamp per run of items instead of one per item;
//   - the consumer never blocks and never reads a slot that is claimed but not yet written; a producer preempted
//     between claiming and publishing only holds the consumer back at that point, never the other producers;
//   - each producer's items are read in the order it wrote them, and a Write's items stay together;
//   - the consumer can Wait for items and any number of producers can WaitFree for space, each for its own
//     amount; Close ends the stream, and every Push that succeeded before it is still read;
//   - capacity is a power of two and all of it is usable.
//
// Buffer (NewBuffer):
//   - any capacity >= 1, any number of goroutines on either side; every method holds a mutex for a few
//     instructions and is atomic with respect to the others;
//   - Overwrite keeps the newest Cap items; Peek, Clear and Snapshot (oldest to newest, into a reusable slice)
//     complete it;
//   - Wait, WaitFree and Close as on the other rings, for any number of waiting goroutines, each for its own
//     amount.
//
// # Waiting
//
// A Wait checks its condition, re-checks it a few times yielding the processor in between, then parks on a
// channel of its own until the other side has made enough progress, or the timeout passes. The side that makes
// progress looks at one atomic flag (a waiter count where many goroutines may wait); only when someone sleeps
// whose amount is now there does it wake that one with a non-blocking channel send. So:
//   - the side making progress never blocks and never allocates, and pays one atomic load while nobody waits;
//   - every waiter whose condition may hold is woken, however different the amounts they wait for: a goroutine
//     waiting for much cannot keep one waiting for little asleep;
//   - a waiting side costs nothing while idle: on the project's 2-core machine an idle consumer in Wait uses
//     about 0.03 CPU-seconds per second, as much as having none, where a consumer that spins or yields in a
//     loop uses a whole core (BenchmarkWaitIdle);
//   - the yield phase catches items that arrive within microseconds without the cost of a wake-up (a channel
//     send and a goroutine switch). On two cores, spinning is worst by far, since the spinner takes the core the
//     other side needs; Wait beats both yielding in a loop and parking at once (the Wait benchmarks in
//     bench_test.go).
//
// Measured on the project's 2-core VM (SPSC, int64 items, ns per item between two goroutines; idle cost in
// CPU-seconds per second of waiting):
//
//	waiting                           1 item  256 items  idle consumer
//	spin: retry at once                 6516       1941  1.02 (a whole core)
//	yield: runtime.Gosched and retry    54.6       1.80  1.04
//	park: sleep until woken             16.9      0.584  0.025 (no consumer at all: 0.028)
//	Wait: 16 yields, then park          17.4      0.432  0.032
//
// A real-time producer should not Wait: it drops what does not fit and lets Stats count it.
//
// # Costs
//
// Measured with bench_test.go on a shared 2-core VM (Go 1.26), each ring next to a Go buffered channel on the
// same workload in the same run (a channel of [256]T arrays for batches), both sides waiting through Wait where
// they run on two goroutines: the SPSC ring moves single items 1.7 to 5 times faster than the channel and
// batches of 256 2.4 to 3.7 times faster (0.3 to 0.4 ns per item); the MPSC queue 1.5 to 4.4 times for single
// items and 1.3 to 3.5 times for batches; the Buffer 1.2 to 3.4 times. The uncontended SPSC batch path (Write
// 256, Read 256) costs 1.2 to 1.8 times the two plain copy() calls that move the same bytes. No operation
// allocates. On a machine whose cores are busy with other work the two-goroutine figures spread widely from
// run to run; compare rings only within one run.
//
// What the SPSC ring adds to a bare one (two indices and a copy; refRing in refring_test.go) costs a compare
// or a load of a line the other side does not write: the checks of Close and of an open reservation, the look
// at the other side's parker, the high-water mark (it reads the consumer's index only when the producer's
// cached copy says the ring may be fuller than ever before: 17 times in 200 000 batches of BenchmarkSpinYield).
// Counting a failed call (an overflow, an underflow) is one atomic add on the caller's own cache line. Written
// and read in one goroutine (BenchmarkRefUncontended), the two cost the same within the noise of the machine.
// Between two goroutines that retry at once and yield after 16 failed tries in a row (BenchmarkSpinYield), the
// SPSC ring took from 0.5 to 2.6 times the bare ring's time per item from one round to the next, with a median
// of 1.14 over 18 rounds: the time follows the number of yields per batch, which the scheduler decides, and a
// CPU profile puts more than half of it in runtime.Gosched and about a seventh in the copy. Such a loop
// measures the scheduler more than the ring; Wait, which parks after a few yields, depends on it far less.
//
// # Statistics
//
// Stats are counted by the side that causes them (SPSC: overflows by the producer, underflows by the consumer),
// so counting writes no cache line the other side uses. Written and Read in a snapshot are taken at one moment;
// the other fields are read one after the other while the ring runs, a few nanoseconds apart. See Stats.
package ring
