package ring

// Stats counts what happened to a ring since it was made. Any goroutine may take a Stats at any time, and every
// one describes a ring that could exist:
//
//	Read <= Written <= Read + Cap    and    HighWater <= Cap
//
// On a Buffer all fields are taken under its mutex, at one moment. On the lock-free rings Written and Read are
// taken at one moment too (Stats re-loads the read count to see that it did not move while the write count was
// loaded, and retries a few times if it did; if the ring outruns every try, Written is lowered to Read + Cap, a
// count the producer had passed). The other fields are loaded one after the other while the ring keeps running,
// so they describe moments a few nanoseconds apart. Taking a Stats writes nothing the ring's hot path reads.
//
// For SPSC and MPSC, Written == Read + Len at rest. For Buffer,
// Written == Read + Overwritten + Discarded + Len always.
type Stats struct {
	Written uint64 // items stored
	Read    uint64 // items taken out
	// Overflows counts items rejected because the ring was full: a failed Push counts 1, a Write that stores n
	// of m items counts m-n, a Reserve(m) that hands out n slots counts m-n.
	Overflows uint64
	// Underflows counts Pop, Read and Acquire calls that found nothing to read (not counting the calls that
	// report ErrClosed at the end of the stream).
	Underflows  uint64
	Overwritten uint64 // Buffer only: items dropped by Overwrite to make room
	Discarded   uint64 // Buffer only: items dropped by Clear
	HighWater   int    // the largest Len seen
}
