// Package audio provides sources of sound behind one small interface: a PortAudio input device, a WAV file
// replayed like a device (paced in real time or as fast as the reader takes it), a command whose standard
// output is audio (ffmpeg reading an Icecast, HLS, SRT or RTP feed; arecord; pw-record) and a stream read once
// from standard input.
//
// Guarantees:
//   - A Source delivers whole interleaved float32 frames in its Format to one Writer, one block at a time, and
//     never after Run has returned.
//   - A Device calls Write on PortAudio's audio thread and, besides one atomic counter that lets Run notice a
//     dead stream, does nothing else there: no allocation, no lock, no system call. InputOverflow marks a block
//     before which the device itself lost input; frames the Writer did not store are the Writer's to count.
//   - A Device that stops delivering (unplugged, its sound server gone) makes Run return an error about its
//     StallTimeout after the last block, so that the caller can retry.
//   - A paced File keeps real time on absolute deadlines, so it does not drift, and never waits for the Writer.
//     A File that is not paced waits for a SpaceWaiter's room before each block and loses nothing, so its
//     results do not depend on timing. Neither allocates per block.
//   - A Command or a Stream delivers frames as they arrive (WAV or raw s16le, s24le, s32le, f32le): the stream
//     paces itself, and Stats().Lag says how far its clock is behind the wall clock. Neither allocates per
//     block. A Stream returns io.EOF at the end of its input; a Command is a live feed, and its end is an error
//     (ErrExited, with the exit status and the last line of its standard error) for the caller to retry.
//     No bytes for StallTimeout end either with ErrStalled.
//   - A Command leaves no process behind: it runs in a process group of its own, which gets SIGTERM, then
//     SIGKILL after KillGrace, before Run returns, and it is always waited for. On Linux it is killed with a
//     levelmeter that dies. Its standard error reaches the caller one line at a time, capped, escaped and
//     rate limited.
//
// PortAudio is initialised while a Device runs or the devices are listed, once for all of them, and terminated
// when the last is done; it scans the devices when it is initialised. On first use the package silences ALSA's
// and JACK's messages on standard error for the rest of the process: probing a machine with no sound card makes
// them print a page of noise, and what matters reaches the caller as one error. Set LEVELMETER_AUDIO_DEBUG=1 to
// see them.
//
// Race-detector builds need -gcflags=github.com/gordonklaus/portaudio=-d=checkptr=0: the binding hands stream ids
// to C as pointers, which the pointer check rejects from a process's second stream on.
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
