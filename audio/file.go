package audio

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/levelmeter/levelmeter/audio/wavfile"
)

// DefaultFileFramesPerBuffer is a File's block size when FramesPerBuffer is 0. A file has no hardware period to
// follow, and a paced replay costs CPU time in proportion to the blocks it delivers (each is a wake-up): at
// 48 kHz, 1024-frame blocks cost about a third of what 256-frame blocks do.
const DefaultFileFramesPerBuffer = 1024

// A File replays a WAV file as a device would capture it: in blocks of FramesPerBuffer frames, through the same
// Writer contract.
//
// Paced, it delivers each block when a device would have finished capturing it, on a schedule of absolute
// deadlines from the start (so it does not drift), and like a device it never waits for the Writer: frames the
// Writer cannot store are lost, and the Writer counts them. Held up (the process stopped, the machine loaded),
// it makes up to a second of delay with a burst, as a device's buffer would; held up longer, it loses what it
// missed as a device that overran its buffer does: it skips those frames and flags the next block
// InputOverflow. Unlike a device, it knows how much it lost: Skipped counts the frames.
//
// Not paced, it delivers as fast as the Writer takes the blocks; when the Writer is a SpaceWaiter it waits for
// room for each block first, so that nothing is lost and a run's results do not depend on timing.
//
// Set the fields before Run; they must not change while Run is running.
type File struct {
	Paced           bool // deliver in real time, like a device
	Loop            bool // start again at the end instead of returning io.EOF
	FramesPerBuffer int  // frames per Write; 0 means DefaultFileFramesPerBuffer

	name     string
	info     wavfile.Info
	warnings []error
	skipped  atomic.Int64 // frames skipped by paced runs, over all runs
}

// OpenFile reads the header of the named WAV file and returns a File that replays it, not paced and once. The
// file is opened again by each Run.
func OpenFile(name string) (*File, error) {
	r, err := wavfile.Open(name)
	if err != nil {
		return nil, err
	}
	info := r.Info()
	warnings := r.Warnings()
	r.Close()
	return &File{name: name, info: info, warnings: warnings}, nil
}

// Warnings returns what the WAV reader found wrong with the file's header when OpenFile read it, and read past
// rather than refused (wavfile.Reader.Warnings: a data size never written, a size wrapped at 4 GiB, a file cut
// short); nil for a sound file. Each Run reads the file as these say.
func (f *File) Warnings() []error { return f.warnings }

// Name returns the file's name, as given to OpenFile.
func (f *File) Name() string { return f.name }

// Info returns the file's format, as read by OpenFile.
func (f *File) Info() wavfile.Info { return f.info }

// Skipped returns the frames paced runs skipped, over all runs, because they fell more than a second behind
// their schedule (see File): audio lost before it was delivered, which no Writer saw or counted. It is safe to
// call while Run runs; it grows before the block flagged InputOverflow is written, so a reader that sees the
// flag's overflow counted sees its frames too.
func (f *File) Skipped() int64 { return f.skipped.Load() }

// Format returns the format of the blocks Run delivers: the file's.
func (f *File) Format() Format {
	return Format{SampleRate: f.info.SampleRate, Channels: f.info.Channels}
}

// Run opens the file and delivers its frames to w, from the calling goroutine, until the end of the file (it
// returns io.EOF) or, when looping, until ctx is done (it returns nil). When ctx ends a run that is not
// looping, Run returns nil too. Any other error is the file's: it could not be opened, it changed since
// OpenFile, or it could not be read.
//
// Every block holds FramesPerBuffer frames except, when not looping, the last; a looping File goes on from the
// end of the file to its start within a block, so that a loop has no gap.
func (f *File) Run(ctx context.Context, w Writer) error {
	if f.FramesPerBuffer < 0 {
		return fmt.Errorf("audio: frames per buffer %d is negative", f.FramesPerBuffer)
	}
	if ctx.Err() != nil {
		return nil
	}
	r, err := wavfile.Open(f.name)
	if err != nil {
		return err
	}
	defer r.Close()
	if got := r.Info(); got.SampleRate != f.info.SampleRate || got.Channels != f.info.Channels {
		return fmt.Errorf("audio: %s changed since it was opened: it is now %v, was %v", f.name, got, f.info)
	}
	fpb := f.FramesPerBuffer
	if fpb == 0 {
		fpb = DefaultFileFramesPerBuffer
	}
	p := newReplay(r, f.Format(), fpb, f.Paced, f.Loop, w)
	p.total = &f.skipped
	defer p.close()
	err = p.run(ctx)
	if err != nil && err != io.EOF {
		err = fmt.Errorf("audio: replaying %s: %w", f.name, err)
	}
	return err
}

// frameReader is what a replay reads: wavfile.Reader's Read and Rewind.
type frameReader interface {
	// Read reads whole frames into p and returns the number of samples read; 0, io.EOF at the end.
	Read(p []float32) (n int, err error)
	Rewind() error
}

// lateLimit is how far a paced replay may fall behind its schedule (the process was stopped, the machine
// suspended) and still catch up: like a device's buffer, it delivers at most this much audio in a burst. A
// replay further behind loses what it missed, as a device that overran its buffer does: it skips the frames it
// should have delivered meanwhile (reading past them, so that the file stays in step with the clock), flags
// the next block InputOverflow, and goes on from there on time. The Writer counts the flag as a device
// overflow and never sees the skipped frames, so captured = metered + dropped still holds.
const lateLimit = time.Second

// errStopped ends a replay because its context is done.
var errStopped = errors.New("stopped")

// A replay delivers a frameReader's frames to a Writer.
type replay struct {
	r         frameReader
	w         Writer
	waiter    SpaceWaiter // w, if it is one and the replay is not paced
	format    Format
	paced     bool
	loop      bool
	buf       []float32   // one block, allocated once
	timer     *time.Timer // paced: wakes the replay at the next deadline
	now       func() time.Time
	started   bool
	start     time.Time     // paced: when frame 0 was due
	scheduled int64         // paced: frames delivered or skipped since start
	skipped   int64         // paced: frames skipped because the replay fell more than lateLimit behind
	total     *atomic.Int64 // if not nil, gets skipped's increments too (File.skipped)
	pass      int64         // frames read since the last rewind, to stop looping over an empty file
}

func newReplay(r frameReader, f Format, framesPerBuffer int, paced, loop bool, w Writer) *replay {
	p := &replay{r: r, w: w, format: f, paced: paced, loop: loop, buf: make([]float32, framesPerBuffer*f.Channels), now: time.Now}
	if !paced {
		p.waiter, _ = w.(SpaceWaiter)
	} else {
		p.timer = time.NewTimer(time.Hour)
		p.timer.Stop()
	}
	return p
}

func (p *replay) close() {
	if p.timer != nil {
		p.timer.Stop()
	}
}

// run delivers blocks until the end (io.EOF), ctx is done (nil) or an error.
func (p *replay) run(ctx context.Context) error {
	for {
		if err := p.step(ctx); err != nil {
			if err == errStopped {
				return nil
			}
			return err
		}
	}
}

// step delivers one block: read it, wait until it is due (paced) or until the Writer has room (fast, with a
// SpaceWaiter), write it. It allocates nothing.
func (p *replay) step(ctx context.Context) error {
	if ctx.Err() != nil {
		return errStopped
	}
	var status Status
	if p.paced {
		lost, err := p.skipMissed()
		if err != nil {
			// The file ended (or failed) during the skip: no block follows to carry the flag, so an empty
			// one does.
			p.w.Write(p.buf[:0], InputOverflow)
			return err
		}
		if lost {
			status = InputOverflow
		}
	}
	n, err := p.fill()
	if n == 0 {
		if err == nil {
			err = io.EOF
		}
		return err
	}
	block := p.buf[:n]
	frames := n / p.format.Channels
	switch {
	case p.paced:
		if err := p.waitDue(ctx, frames); err != nil {
			return err
		}
	case p.waiter != nil:
		if err := p.waiter.WaitFree(ctx, frames); err != nil {
			if ctx.Err() != nil {
				return errStopped
			}
			return err
		}
	}
	p.w.Write(block, status)
	if err != nil && err != io.EOF {
		return err // a read error after a partial block: the frames read were delivered
	}
	return nil
}

// fill reads a block, rewinding at the end when looping. It returns the samples read and the error that ended
// the block early, if any.
func (p *replay) fill() (int, error) {
	n := 0
	for n < len(p.buf) {
		m, err := p.r.Read(p.buf[n:])
		n += m
		p.pass += int64(m)
		if err == nil {
			if m == 0 {
				return n, io.ErrNoProgress
			}
			continue
		}
		if err != io.EOF {
			return n, err
		}
		if !p.loop || p.pass == 0 {
			return n, io.EOF
		}
		if err := p.r.Rewind(); err != nil {
			return n, fmt.Errorf("rewinding: %w", err)
		}
		p.pass = 0
	}
	return n, nil
}

// skipMissed reads past the blocks a paced replay missed when it is more than lateLimit behind its schedule (see
// lateLimit), and says whether it skipped any. It skips whole blocks, all those due by now but the last, so that
// the next block is the one due now. It returns the error that ended the file during the skip (io.EOF when not
// looping).
func (p *replay) skipMissed() (bool, error) {
	if !p.started {
		return false, nil
	}
	fpb := int64(len(p.buf) / p.format.Channels)
	rate := p.format.SampleRate
	late := p.now().Sub(p.start.Add(framesDuration(p.scheduled+fpb, rate)))
	if late <= lateLimit {
		return false, nil
	}
	// Frames due by now beyond the next block, in whole blocks.
	missed := late.Nanoseconds() / int64(time.Second) * int64(rate)
	missed += late.Nanoseconds() % int64(time.Second) * int64(rate) / int64(time.Second)
	missed -= missed % fpb
	for skipped := int64(0); skipped < missed; {
		n, err := p.fill()
		frames := int64(n / p.format.Channels)
		skipped += frames
		p.scheduled += frames
		p.skipped += frames
		if p.total != nil {
			p.total.Add(frames)
		}
		if err != nil {
			return true, err
		}
		if n == 0 {
			return true, io.EOF
		}
	}
	return true, nil
}

// waitDue sleeps until the block that ends frames after the ones delivered so far is due, or ctx is done.
func (p *replay) waitDue(ctx context.Context, frames int) error {
	now := p.now()
	if !p.started {
		p.started, p.start = true, now
	}
	due := p.start.Add(framesDuration(p.scheduled+int64(frames), p.format.SampleRate))
	if wait := due.Sub(now); wait > 0 {
		p.timer.Reset(wait)
		select {
		case <-p.timer.C:
		case <-ctx.Done():
			p.timer.Stop()
			return errStopped
		}
	}
	p.scheduled += int64(frames)
	return nil
}

// framesDuration is how long n frames last at rate, without overflowing for any realistic n.
func framesDuration(n int64, rate int) time.Duration {
	r := int64(rate)
	return time.Duration(n/r)*time.Second + time.Duration(n%r)*time.Second/time.Duration(r)
}
