package audio

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/levelmeter/levelmeter/audio/wavfile"
	"github.com/levelmeter/levelmeter/internal/suggest"
)

// Encoding is how a stream (a command's output, standard input) carries its audio.
type Encoding int

const (
	// WAV: a WAV header, then its data, as `ffmpeg -f wav -` writes to a pipe (sizes 0 or 0xFFFFFFFF mean "to
	// the end"). The sample rate and channel count are the header's.
	WAV   Encoding = iota
	S16LE          // raw 16-bit signed little-endian integers (ffmpeg -f s16le, arecord -f S16_LE -t raw)
	S24LE          // raw 24-bit signed little-endian integers, packed in 3 bytes (ffmpeg -f s24le)
	S32LE          // raw 32-bit signed little-endian integers (ffmpeg -f s32le)
	F32LE          // raw 32-bit little-endian IEEE floats (ffmpeg -f f32le, pw-record --format f32)
)

var encodingNames = [...]string{WAV: "wav", S16LE: "s16le", S24LE: "s24le", S32LE: "s32le", F32LE: "f32le"}

// String returns the encoding's name as ParseEncoding takes it: "wav", "s16le"...
func (e Encoding) String() string {
	if e >= 0 && int(e) < len(encodingNames) {
		return encodingNames[e]
	}
	return fmt.Sprintf("Encoding(%d)", int(e))
}

// ErrUnknownEncoding is the cause of ParseEncoding's error for a name it does not know.
var ErrUnknownEncoding = errors.New("unknown stream encoding")

// ParseEncoding returns the Encoding named s: wav, s16le, s24le, s32le or f32le, in any case. For another
// name its error wraps ErrUnknownEncoding and suggests the nearest name.
func ParseEncoding(s string) (Encoding, error) {
	for e, name := range encodingNames {
		if strings.EqualFold(s, name) {
			return Encoding(e), nil
		}
	}
	valid := "wav, s16le, s24le, s32le or f32le"
	best, dist := "", 3
	low := strings.ToLower(strings.TrimPrefix(strings.ToLower(s), "pcm_"))
	for _, name := range encodingNames {
		if d := suggest.Distance(low, name); d < dist {
			best, dist = name, d
		}
	}
	if best != "" {
		return 0, fmt.Errorf("audio: %w %q (did you mean %q?): use %s", ErrUnknownEncoding, s, best, valid)
	}
	return 0, fmt.Errorf("audio: %w %q: use %s", ErrUnknownEncoding, s, valid)
}

// rawInfo is the wavfile format of a raw encoding.
func (e Encoding) rawInfo(f Format) wavfile.Info {
	info := wavfile.Info{SampleRate: f.SampleRate, Channels: f.Channels, Encoding: wavfile.PCM}
	switch e {
	case S16LE:
		info.BitsPerSample = 16
	case S24LE:
		info.BitsPerSample = 24
	case S32LE:
		info.BitsPerSample = 32
	case F32LE:
		info.BitsPerSample, info.Encoding = 32, wavfile.Float
	}
	return info
}

// checkDeclared checks the format declared for a stream of encoding e: a raw stream needs both; a WAV stream
// may leave them 0 (when its header will tell).
func checkDeclared(e Encoding, f Format) error {
	if e < WAV || e > F32LE {
		return fmt.Errorf("audio: %w %v", ErrUnknownEncoding, e)
	}
	if e != WAV && (f.SampleRate == 0 || f.Channels == 0) {
		return fmt.Errorf("audio: a raw %v stream needs its sample rate and channel count declared", e)
	}
	if f.SampleRate != 0 && (f.SampleRate < wavfile.MinSampleRate || f.SampleRate > wavfile.MaxSampleRate) {
		return fmt.Errorf("audio: sample rate %d Hz is outside %d to %d Hz", f.SampleRate, wavfile.MinSampleRate,
			wavfile.MaxSampleRate)
	}
	if f.Channels < 0 || f.Channels > wavfile.MaxChannels {
		return fmt.Errorf("audio: %d channels: must be 1 to %d", f.Channels, wavfile.MaxChannels)
	}
	return nil
}

// openStream reads a WAV header from in (checking it against the declared format, where one is declared) or
// sets up a raw reader.
func openStream(in io.Reader, e Encoding, declared Format) (*wavfile.Reader, error) {
	if e != WAV {
		return wavfile.NewRawReader(in, e.rawInfo(declared))
	}
	r, err := wavfile.NewReader(in)
	if err != nil {
		return nil, err
	}
	info := r.Info()
	if (declared.SampleRate != 0 && info.SampleRate != declared.SampleRate) ||
		(declared.Channels != 0 && info.Channels != declared.Channels) {
		return nil, fmt.Errorf("%w: the stream is %v, but %d Hz, %d channels were declared", ErrFormatMismatch,
			info, declared.SampleRate, declared.Channels)
	}
	return r, nil
}

// ErrFormatMismatch: a WAV stream's header does not say what was declared for it.
var ErrFormatMismatch = errors.New("audio: stream format differs from the declared one")

// ErrStalled is the cause of the error of a stream source that delivered no bytes for its StallTimeout.
var ErrStalled = errors.New("audio: stream stalled")

// StreamStats are a stream source's counters, read together by Stats while it runs.
type StreamStats struct {
	Frames int64 // frames delivered, over all runs
	Runs   int64 // runs started (for a Command: processes started)
	Stalls int64 // runs ended because no bytes came for StallTimeout
	Exits  int64 // runs ended because the stream ended: the command exited or closed its output
	// Lag is the wall-clock time since the run's first block arrived minus the stream time delivered since:
	// how far the stream's sample clock is behind real time, now. A live feed that keeps time holds it near 0
	// (within its block size and network jitter); one that arrives slower than real time makes it grow, a
	// burst (a player catching up) makes it drop, a stall makes it grow by the wall clock. It is measured from
	// the first block, so the buffer a feed bursts at start-up is not counted against it; 0 before the first
	// block of a run and between runs.
	Lag time.Duration
}

// streamStats are the atomics behind StreamStats. The stream clock of a run is (frames - base) / rate since
// t0, the arrival of the run's first block.
type streamStats struct {
	frames, runs, stalls, exits atomic.Int64
	t0, base                    atomic.Int64 // t0: unix ns, 0 when no block has arrived in this run
	rate                        atomic.Int64 // frames per second
}

func (s *streamStats) startRun() {
	s.t0.Store(0)
	s.runs.Add(1)
}

func (s *streamStats) endRun() { s.t0.Store(0) }

// add counts frames arriving at now. It does not allocate.
func (s *streamStats) add(frames int64, now time.Time) {
	total := s.frames.Add(frames)
	if s.t0.Load() == 0 {
		s.base.Store(total)
		s.t0.Store(now.UnixNano())
	}
}

func (s *streamStats) read(now time.Time) StreamStats {
	st := StreamStats{Frames: s.frames.Load(), Runs: s.runs.Load(), Stalls: s.stalls.Load(), Exits: s.exits.Load()}
	if t0, rate := s.t0.Load(), s.rate.Load(); t0 != 0 && rate > 0 {
		stream := framesDuration(st.Frames-s.base.Load(), int(rate))
		st.Lag = time.Duration(now.UnixNano()-t0) - stream
	}
	return st
}

// liveInput is a pipe read with a stall timeout and stopped from another goroutine, through read deadlines:
// no goroutine or timer per read.
type liveInput struct {
	f       *os.File
	stall   time.Duration // > 0: a read that waits this long (twice for the first bytes) fails with ErrStalled
	stopped atomic.Bool
	stalled atomic.Bool
	eof     bool  // the writers closed the pipe
	bytes   int64 // bytes read
}

func (in *liveInput) Read(p []byte) (int, error) {
	if in.stall > 0 {
		wait := in.stall
		if in.bytes == 0 {
			wait *= 2 // a command takes a while to start, and a network feed to connect
		}
		in.f.SetReadDeadline(time.Now().Add(wait))
	}
	// stop sets stopped before its deadline: either this sees it, or stop's deadline follows this one's.
	if in.stopped.Load() {
		return 0, errStopped
	}
	n, err := in.f.Read(p)
	in.bytes += int64(n)
	if err == io.EOF {
		in.eof = true
	}
	if err != nil && errors.Is(err, os.ErrDeadlineExceeded) {
		if in.stopped.Load() {
			return n, errStopped
		}
		in.stalled.Store(true)
		return n, ErrStalled
	}
	return n, err
}

// stop makes a waiting or later Read fail.
func (in *liveInput) stop() {
	in.stopped.Store(true)
	in.f.SetReadDeadline(time.Unix(1, 0))
}

// streamReader delivers a stream's frames to a Writer as they arrive, in blocks of at most len(buf) samples.
// When the Writer is a SpaceWaiter it waits for room for each block first, so that a stream that comes faster
// than the meter takes it (a file decoded into a pipe) is held back in the pipe instead of losing frames; a
// live feed then falls behind, which its lag shows.
type streamReader struct {
	r      *wavfile.Reader
	w      Writer
	waiter SpaceWaiter
	buf    []float32
	ch     int
	stats  *streamStats
}

func newStreamReader(r *wavfile.Reader, w Writer, framesPerBuf, ch int, stats *streamStats) *streamReader {
	waiter, _ := w.(SpaceWaiter)
	return &streamReader{r: r, w: w, waiter: waiter, buf: make([]float32, framesPerBuffer(framesPerBuf)*ch), ch: ch,
		stats: stats}
}

// run delivers blocks until the stream ends (io.EOF), ctx ends a wait for room (errStopped) or it fails.
func (s *streamReader) run(ctx context.Context) error {
	for {
		if err := s.step(ctx); err != nil {
			return err
		}
	}
}

// step delivers one block. It allocates nothing.
func (s *streamReader) step(ctx context.Context) error {
	n, err := s.r.Read(s.buf)
	if err != nil {
		return err
	}
	if s.waiter != nil {
		if err := s.waiter.WaitFree(ctx, n/s.ch); err != nil {
			if ctx.Err() != nil {
				return errStopped
			}
			return err
		}
	}
	s.w.Write(s.buf[:n], 0)
	s.stats.add(int64(n/s.ch), time.Now())
	return nil
}

// DefaultStreamFramesPerBuffer is the largest block a stream source delivers when FramesPerBuffer is 0.
// Blocks are what has arrived, up to this: a stream that comes in bursts is delivered in few large blocks.
const DefaultStreamFramesPerBuffer = 1024

func framesPerBuffer(n int) int {
	if n <= 0 {
		return DefaultStreamFramesPerBuffer
	}
	return n
}

// A Stream is a source that reads one stream of audio, WAV or raw, from an io.Reader to its end: standard input
// in `ffmpeg … -f wav - | levelmeter run --source stdin`. Its frames are delivered as they arrive: the stream
// paces itself. It can be run once; it then returns io.EOF.
//
// A Stream made from a pipe or socket (os.Stdin from a pipe) reads it through Go's poller, so that a Run
// waiting for input ends when ctx does and StallTimeout applies; from another reader, a Run waiting in Read
// returns only when the Read does.
type Stream struct {
	FramesPerBuffer int           // largest block, in frames; 0 means DefaultStreamFramesPerBuffer
	StallTimeout    time.Duration // > 0: Run fails with ErrStalled after this long without bytes (pipes only)

	in     io.Reader
	live   *liveInput // in, when it is a pipe or socket
	r      *wavfile.Reader
	format Format
	stats  streamStats
	mu     sync.Mutex
	used   bool
}

// NewStream reads the header of a WAV stream from in, or sets up a raw one, and returns a Stream of it. For
// WAV the format is the header's, and a declared SampleRate or Channels that is not 0 must match it; a raw
// encoding needs both declared. NewStream waits for a WAV header to arrive.
func NewStream(in io.Reader, e Encoding, declared Format) (*Stream, error) {
	if err := checkDeclared(e, declared); err != nil {
		return nil, err
	}
	s := &Stream{in: in}
	if f, ok := in.(*os.File); ok {
		if pf := pollable(f); pf != nil {
			s.live = &liveInput{f: pf}
			s.in = s.live
		}
	}
	r, err := openStream(s.in, e, declared)
	if err != nil {
		s.close()
		return nil, err
	}
	s.r = r
	s.format = Format{SampleRate: r.Info().SampleRate, Channels: r.Info().Channels}
	s.stats.rate.Store(int64(s.format.SampleRate))
	return s, nil
}

// Format returns the stream's format.
func (s *Stream) Format() Format { return s.format }

// Info returns the stream's format as the WAV header (or the declaration, for raw) gives it.
func (s *Stream) Info() wavfile.Info { return s.r.Info() }

// Warnings returns what the WAV reader found wrong and read past; read it again after Run returned io.EOF.
func (s *Stream) Warnings() []error { return s.r.Warnings() }

// Stats returns the stream's counters.
func (s *Stream) Stats() StreamStats { return s.stats.read(time.Now()) }

// Run delivers the stream's frames to w until its end (io.EOF), ctx is done (nil) or it fails: a read error,
// or ErrStalled. A Stream is read once: a second Run returns io.EOF at once.
func (s *Stream) Run(ctx context.Context, w Writer) error {
	s.mu.Lock()
	used := s.used
	s.used = true
	s.mu.Unlock()
	if used {
		return io.EOF
	}
	defer s.close()
	if ctx.Err() != nil {
		return nil
	}
	s.stats.startRun()
	defer s.stats.endRun()
	if s.live != nil {
		s.live.stall = s.StallTimeout
		stop := context.AfterFunc(ctx, s.live.stop)
		defer stop()
	}
	err := newStreamReader(s.r, w, s.FramesPerBuffer, s.format.Channels, &s.stats).run(ctx)
	switch {
	case err == io.EOF:
		s.stats.exits.Add(1)
		return io.EOF
	case err == errStopped || ctx.Err() != nil || (s.live != nil && s.live.stopped.Load()):
		return nil
	case s.live != nil && s.live.stalled.Load():
		s.stats.stalls.Add(1)
		return fmt.Errorf("%w: no bytes for %v", ErrStalled, s.StallTimeout)
	}
	return fmt.Errorf("audio: reading the stream: %w", err)
}

func (s *Stream) close() {
	if s.live != nil {
		s.live.f.Close()
	}
}
