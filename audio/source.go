// Package audio provides sources of sound behind one small interface: a PortAudio input device and a WAV file
// replayed like a device, paced in real time or as fast as the reader takes it.
//
// A Source delivers blocks of interleaved float32 frames to a Writer. For a device, Write is called on the audio
// thread, so a Writer must honour the real-time rules documented on Writer.
package audio

import "context"

// Format describes the frames a Source delivers.
type Format struct {
	SampleRate int // frames per second
	Channels   int // samples per frame, interleaved
}

// Status reports conditions the device signalled with a block.
type Status uint32

const (
	// InputOverflow: the device lost input before this block because it was not read in time (PortAudio's
	// paInputOverflow). It is the device's loss, separate from frames a Writer could not store.
	InputOverflow Status = 1 << iota
)

// A Writer receives the blocks a Source captures.
//
// Write stores as many whole frames from p as it can without blocking and returns how many it stored,
// 0 <= n <= len(p)/channels. p holds interleaved samples; len(p) is a multiple of the source's channel count, and
// p is only valid during the call. Frames Write did not store are lost, and the Writer counts them: a Source
// never retries them. Write is called from one goroutine or thread at a time, and for a device on the audio
// thread: it must not allocate, lock, log, make a system call or block.
type Writer interface {
	Write(p []float32, status Status) (n int)
}

// WriterFunc adapts an ordinary function to a Writer, as http.HandlerFunc does for handlers.
type WriterFunc func(p []float32, status Status) int

// Write calls f(p, status).
func (f WriterFunc) Write(p []float32, status Status) int { return f(p, status) }

// A SpaceWaiter is a Writer that a source not paced by a clock (a file read as fast as possible) can wait on
// instead of losing frames.
//
// WaitFree blocks until at least n frames can be written, ctx is done, or the reader has gone; it returns nil
// only in the first case. n larger than the Writer's capacity waits for it to be empty.
type SpaceWaiter interface {
	Writer
	WaitFree(ctx context.Context, n int) error
}

// A Source captures or replays audio.
//
// Run opens the source, delivers blocks to w until ctx is done or the source ends or fails, then closes it.
// It returns:
//   - nil when ctx ended the run;
//   - io.EOF when a finite source (a file that does not loop) has delivered all its frames;
//   - any other error when the source could not be opened or failed while running; the caller may call Run
//     again to retry.
//
// Run delivers to one Writer from one goroutine or thread at a time and must not be called concurrently.
type Source interface {
	Format() Format
	Run(ctx context.Context, w Writer) error
}
