package ring

// Stats counts what happened to a ring since it was made. Every ring hands out a Stats that was read without
// tearing (each field is a whole value) from any goroutine; on the lock-free rings the fields are read one after
// the other while the ring keeps running, so they describe moments a few nanoseconds apart.
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
