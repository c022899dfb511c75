// Package pipeline meters sources of sound in real time and hands their levels to reporters.
//
// Guarantees:
//   - The audio path never waits for the meter or the reporters: a source's frames go into a fixed-size
//     lock-free ring (ring.SPSC); frames that do not fit are dropped and counted, never retried.
//   - Every frame is accounted for: in every Report, Counters.Captured == Counters.Metered + Counters.Dropped
//     exactly, and the Final report's Captured is every frame the source delivered.
//   - Each source has its own ring and DSP goroutine. The DSP goroutine sleeps in the ring until frames arrive
//     or a report is due; it never spins.
//   - Reports of all sources go through one lock-free queue (ring.MPSC) to one reporter goroutine that calls
//     each Reporter in turn. When the reporters fall behind, periodic reports are discarded and counted
//     (Counters.Lost); Final reports are never discarded.
//   - A source that fails is restarted with exponential backoff while the others keep going; a source that
//     fails before it delivered anything ends the run with its error; a finite source that ends (io.EOF) gets
//     its Final report and the others keep going.
//   - A fast source (Input.Fast: a file replayed as fast as the meter goes) is reported every Interval of audio
//     rather than of wall-clock time, and none of its reports is discarded: its reports, and its alarms, fall at
//     the same stream positions on every machine.
//   - Each source's alarms (package alarm) are judged on its DSP goroutine at every report, from the interval's
//     levels, without allocating or locking; their events and states travel in the Report.
//   - A reset of a source's since-start values (Pipeline.Reset) is a flag the DSP goroutine reads after its next
//     report: it takes no lock on the audio path and loses no frame of any interval.
//   - A source that stops delivering without failing (its Run neither writes nor returns) is noticed after its
//     stall timeout, its Run is cancelled, and it fails with ErrStalled like any other failure. A source
//     waiting for room in a full ring (a file read as fast as the meter goes, behind a stalled meter) is not
//     stalled.
//   - Inputs can be added and removed while the pipeline runs (Change): each source has its own context, so
//     the others keep running untouched, their meters' state (integrated loudness, peak holds) and counters
//     continuing. A removed source is stopped, its ring drained and its Final report sent before Change
//     returns. A source added at run time that fails before delivering anything is restarted like any failed
//     source instead of ending the run.
//
// The flow for each source:
//
//	Source.Run ──Write──► ring.SPSC ──► DSP goroutine (dsp.Meter) ──Report──► ring.MPSC ──► reporter goroutine ──► Reporters
package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/levelmeter/levelmeter/alarm"
	"github.com/levelmeter/levelmeter/audio"
	"github.com/levelmeter/levelmeter/dsp"
	"github.com/levelmeter/levelmeter/ring"
)

// An Input is one source to meter.
type Input struct {
	Name   string       // unique label
	Source audio.Source // Format must be valid before Run
	// RingFrames is the ring's capacity in frames; 0 selects DefaultRingFrames. Exactly this many frames can
	// wait in the ring (its storage is rounded up to a power of two samples).
	RingFrames int
	// ClipLevel overrides Options.Meter.ClipLevel for this input when not 0: a source that knows its integer
	// format sets the positive extreme (32767/32768 for 16 bits) so that both extremes count as clipped.
	ClipLevel float64
	// StallTimeout overrides Options.StallTimeout for this input when not 0 (negative: never). A source whose
	// blocks are long (seconds of audio each) needs a few blocks' time.
	StallTimeout time.Duration
	// Layout overrides Options.Meter.Layout for this input when not nil: the channels' positions (a WAV file's
	// channel mask, or the source's layout key), which set their loudness weights and labels. It must have one
	// position per channel of the source.
	Layout dsp.Layout
	// Fast says the source is replayed as fast as the meter takes it (a WAV file at pace fast: it waits for room
	// in the ring and drops nothing). Its reports are then taken every Interval of audio instead of wall-clock
	// time, and are never discarded: a replay gives the same reports, and alarms at the same positions, on every
	// machine, and no alarm event is lost to reporters that fall behind (the replay waits for them instead).
	Fast bool
	// Alarms configures the source's alarm detectors. nil selects alarm.DefaultConfig: an unattended meter is
	// expected to report silence, clipping and the other faults without being told to. A Config with no rule
	// enabled turns the detectors off (the Report then carries no alarm states: Report.AlarmsOn is false).
	Alarms *alarm.Config
	// Windows, when not nil, replaces Options.Meter.Windows for this source: its sliding loudness windows, an
	// empty slice for none.
	Windows []time.Duration
	// Retry restarts a source that fails before it delivered anything, with the same backoff as any failure,
	// instead of ending the run: a live feed (a command reading a network stream) that is down at start-up.
	Retry bool
}

// Options configure a Pipeline. The zero values of the optional fields select the defaults.
type Options struct {
	Inputs []Input

	// Interval is how often each source's levels are reported; 0 selects 100 ms.
	Interval time.Duration
	// Meter holds the meters' ballistics (PeakHold, PeakDecay), weights and sliding loudness windows (Windows);
	// SampleRate and Channels are taken from each source. The loudness alarms (loudness_high, loudness_low) judge
	// the integrated loudness of the shortest window of AlarmWindowMin (1 min) or longer, and the short-term
	// loudness when there is none.
	Meter dsp.Config

	// Reporters receive every report, in order. A Reporter that also implements Flusher is flushed once after
	// the last report.
	Reporters []Reporter

	// OnEvent, when set, is told of sources failing, being restarted and ending. It is called from the source's
	// supervising goroutine (never from the audio thread) and must return promptly.
	OnEvent func(Event)

	// MinBackoff and MaxBackoff bound the wait before a failed source is restarted: it starts at MinBackoff
	// (default 100 ms) and doubles with each failure up to MaxBackoff (default 10 s); a source that ran for
	// longer than MaxBackoff before failing starts again from MinBackoff.
	MinBackoff, MaxBackoff time.Duration

	// StallTimeout is how long a source may go without delivering a block, while its ring has room, before
	// its Run is cancelled and the source restarted as failed (ErrStalled). The first block of each Run is
	// allowed twice as long, as a device may take a while to start. 0 selects DefaultStallTimeout; a negative
	// value never gives up. It must exceed the time between two of the source's blocks. A Source whose Run
	// does not return when its context is cancelled cannot be restarted (it must not run twice at once): the
	// pipeline then waits for it.
	StallTimeout time.Duration

	// QueueLen is the capacity of the report queue; 0 selects 64 per source. It is rounded up to a power of two.
	QueueLen int

	// beforeMeter, when set, is called by a source's DSP goroutine before it meters n frames. It is a
	// fault-injection hook: tests stall the meter with it (export_test.go) to see the ring fill and frames
	// dropped and counted.
	beforeMeter func(source string, n int)
}

// A Flusher is a Reporter that holds output back; Flush is called once, after the last report of a run.
type Flusher interface {
	Flush() error
}

// EventKind says what happened to a source.
type EventKind int

const (
	// SourceFailed: Run returned an error; the source is restarted after Event.Backoff.
	SourceFailed EventKind = iota + 1
	// SourceRestarted: the source is being started again (Event.Attempt counts the restarts).
	SourceRestarted
	// SourceEnded: a finite source delivered everything (io.EOF); its Final report follows.
	SourceEnded
	// SourceFatal: the source failed before delivering anything; the run stops with Event.Err.
	SourceFatal
)

func (k EventKind) String() string {
	switch k {
	case SourceFailed:
		return "failed"
	case SourceRestarted:
		return "restarted"
	case SourceEnded:
		return "ended"
	case SourceFatal:
		return "fatal"
	}
	return fmt.Sprintf("EventKind(%d)", int(k))
}

// An Event is something that happened to a source, outside the audio path.
type Event struct {
	Source  string
	Kind    EventKind
	Err     error         // the failure, for SourceFailed and SourceFatal
	Attempt int           // restarts so far
	Backoff time.Duration // the wait before the restart, for SourceFailed
}

// A Pipeline meters its inputs; make one with New and start it with Run.
type Pipeline struct {
	opts  Options
	queue *ring.MPSC[Report]
	epoch time.Time

	changing sync.Mutex // one Change at a time

	mu      sync.Mutex
	streams []*stream       // the inputs, in order, those that ended among them; Change takes removed ones out
	state   runState        // whether Run has begun or ended
	ctx     context.Context // Run's; each stream's context derives from it
	stop    context.CancelFunc
	active  int           // streams running, plus a Change holding the run open
	idle    chan struct{} // closed when active falls to 0 during Run: the run is over

	fatalOnce sync.Once
	fatal     error
}

type runState int

const (
	notStarted runState = iota
	running
	stopped
)

// ErrStopped is the error of a Change after the run has ended or while it is ending.
var ErrStopped = errors.New("pipeline: the run is over")

// stream is one source's path: its writer and ring, its meter, and the counters of its supervisor.
type stream struct {
	name       string
	src        audio.Source
	format     audio.Format
	frames     int
	w          *writer
	cons       *ring.Consumer[float32]
	meter      *dsp.Meter
	layout     dsp.Layout // the meter's, shared read-only by every report
	scratch    []float32
	metered    int64
	lost       int64
	errors     atomic.Int64
	restarts   atomic.Int64
	lastError  atomic.Pointer[string]
	started    time.Time
	supervised chan struct{} // closed when the supervisor has closed the producer
	hook       func(source string, n int)
	stall      time.Duration // <= 0: no watchdog

	cancel   context.CancelFunc // stops this source alone
	done     chan struct{}      // closed when the meter has queued the Final report
	added    bool               // added while running: a failure before any audio is not fatal to the run
	ended    atomic.Bool        // the source delivered everything (io.EOF): its audio ends here
	detector *alarm.Detector    // nil: alarms off
	alarmWin int                // the window loudness_high and loudness_low judge (alarmWindow), -1: short-term
	reset    atomic.Bool        // a reset of the since-start values was asked for

	fast        bool  // Input.Fast: reports every perReport frames of audio
	perReport   int64 // frames of audio per report of a fast source
	sinceReport int64 // frames metered since the last report
	retry       bool  // a failure before the first block is retried, not fatal
	streamed    func() audio.StreamStats
	skipped     func() int64 // nil: the source does not count frames it skips
}

// AlarmWindowMin is the shortest sliding window the loudness alarms judge: programme loudness moves by several LU
// from phrase to phrase, so a shorter window would judge phrases, not the programme.
const AlarmWindowMin = time.Minute

// alarmWindow returns the index in spans of the window loudness_high and loudness_low judge, the shortest of
// AlarmWindowMin or longer (its integrated loudness is what a target's tolerance is about), or -1 when there is none
// and they judge the short-term loudness.
func alarmWindow(spans []time.Duration) int {
	best := -1
	for i, d := range spans {
		if d >= AlarmWindowMin && (best < 0 || d < spans[best]) {
			best = i
		}
	}
	return best
}

// streamer is a source that keeps a stream's counters (audio.Command, audio.Stream).
type streamer interface {
	Stats() audio.StreamStats
}

// skipper is a source that counts the frames it lost before delivering them (audio.File, paced).
type skipper interface {
	Skipped() int64
}

// DefaultRingFrames is the ring capacity, in frames, of an Input that does not set one, and the default of the
// configuration's ring_capacity: 341 ms at 48 kHz, enough for a meter held up by a garbage collection or a
// loaded machine.
const DefaultRingFrames = 16384

// DefaultStallTimeout is the stall timeout of a pipeline that does not set one. It is longer than
// audio.Device's own (2 s, 4 s before the first block), so that a device's more specific error comes first.
const DefaultStallTimeout = 5 * time.Second

// ErrStalled is the failure of a source that stopped delivering blocks without returning from Run.
var ErrStalled = errors.New("the source stopped delivering audio")

// New checks opts and makes the rings and meters. Errors name the input.
func New(opts Options) (*Pipeline, error) {
	if len(opts.Inputs) == 0 {
		return nil, errors.New("pipeline: no inputs")
	}
	if opts.Interval <= 0 {
		opts.Interval = 100 * time.Millisecond
	}
	if opts.MinBackoff <= 0 {
		opts.MinBackoff = 100 * time.Millisecond
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = 10 * time.Second
	}
	opts.MaxBackoff = max(opts.MaxBackoff, opts.MinBackoff)
	if opts.StallTimeout == 0 {
		opts.StallTimeout = DefaultStallTimeout
	}
	if opts.QueueLen <= 0 {
		opts.QueueLen = 64 * len(opts.Inputs)
	}
	p := &Pipeline{opts: opts, epoch: time.Now(), idle: make(chan struct{})}
	q, err := ring.NewMPSC[Report](pow2(opts.QueueLen))
	if err != nil {
		return nil, fmt.Errorf("pipeline: report queue: %w", err)
	}
	p.queue = q
	names := map[string]bool{}
	for _, in := range opts.Inputs {
		if in.Name == "" {
			return nil, errors.New("pipeline: an input has no name")
		}
		if names[in.Name] {
			return nil, fmt.Errorf("pipeline: two inputs are named %q", in.Name)
		}
		names[in.Name] = true
		s, err := p.newStream(in)
		if err != nil {
			return nil, fmt.Errorf("source %q: %w", in.Name, err)
		}
		p.streams = append(p.streams, s)
	}
	return p, nil
}

func (p *Pipeline) newStream(in Input) (*stream, error) {
	f := in.Source.Format()
	if f.SampleRate <= 0 {
		return nil, fmt.Errorf("sample rate %d: must be positive", f.SampleRate)
	}
	if f.Channels < 1 || f.Channels > dsp.MaxChannels {
		return nil, fmt.Errorf("%d channels: must be 1 to %d", f.Channels, dsp.MaxChannels)
	}
	frames := in.RingFrames
	if frames == 0 {
		frames = DefaultRingFrames
	}
	if frames < 1 {
		return nil, fmt.Errorf("ring capacity %d frames: %w", frames, ring.ErrInvalidCapacity)
	}
	prod, cons, err := ring.NewSPSC[float32](pow2(frames * f.Channels))
	if err != nil {
		return nil, fmt.Errorf("ring of %d frames: %w", frames, err)
	}
	mc := p.opts.Meter
	mc.SampleRate, mc.Channels = f.SampleRate, f.Channels
	if in.ClipLevel != 0 {
		mc.ClipLevel = in.ClipLevel
	}
	if in.Windows != nil {
		mc.Windows = in.Windows
	}
	if in.Layout != nil {
		mc.Layout = in.Layout
	}
	m, err := dsp.NewMeter(mc)
	if err != nil {
		return nil, err
	}
	// The meter takes the ring in pieces of at most a quarter of it (and at most 100 ms of audio), so a report
	// is never late by more than one piece.
	piece := max(1, min(frames/4, f.SampleRate/10))
	stall := in.StallTimeout
	if stall == 0 {
		stall = p.opts.StallTimeout
	}
	acfg := alarm.DefaultConfig()
	if in.Alarms != nil {
		acfg = *in.Alarms
	}
	var det *alarm.Detector
	for _, r := range acfg.Rules {
		if r.Enabled {
			if det, err = alarm.NewDetector(acfg); err != nil {
				return nil, err
			}
			break
		}
	}
	var streamed func() audio.StreamStats
	if st, ok := in.Source.(streamer); ok {
		streamed = st.Stats
	}
	var skipped func() int64
	if sk, ok := in.Source.(skipper); ok {
		skipped = sk.Skipped
	}
	perReport := max(1, int64(p.opts.Interval)*int64(f.SampleRate)/int64(time.Second))
	return &stream{
		fast:       in.Fast,
		perReport:  perReport,
		detector:   det,
		alarmWin:   alarmWindow(mc.Windows),
		retry:      in.Retry,
		streamed:   streamed,
		skipped:    skipped,
		stall:      stall,
		name:       in.Name,
		src:        in.Source,
		format:     f,
		frames:     frames,
		w:          newWriter(prod, f.Channels, frames, p.epoch),
		cons:       cons,
		meter:      m,
		layout:     m.Layout(),
		scratch:    make([]float32, piece*f.Channels),
		supervised: make(chan struct{}),
		done:       make(chan struct{}),
		hook:       p.opts.beforeMeter,
	}, nil
}

func pow2(n int) int {
	p := 1
	for p < n {
		p <<= 1
	}
	return p
}

// Run meters the inputs until ctx is done or every source has ended, then stops the sources, meters what is
// left in the rings, sends a Final report for each source and flushes the reporters. It returns nil, or the
// error of a source that failed before it delivered anything (which stops the others too). Run may be called
// once. It returns only after the reporters have taken the Final reports: a reporter that never returns holds
// it up (the daemon's second signal is the way out).
func (p *Pipeline) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	p.mu.Lock()
	if p.state != notStarted {
		p.mu.Unlock()
		return errors.New("pipeline: Run called twice")
	}
	p.state, p.ctx, p.stop = running, ctx, cancel
	reported := make(chan struct{})
	go func() {
		defer close(reported)
		p.report()
	}()
	p.active++ // held until every stream has started
	for _, s := range p.streams {
		p.start(s)
	}
	p.release()
	p.mu.Unlock()

	<-p.idle
	p.queue.Close()
	<-reported
	return p.fatal
}

// start runs s's supervisor and meter; p.mu is held. The meter, which returns last, releases s's hold on the run.
func (p *Pipeline) start(s *stream) {
	ctx, cancel := context.WithCancel(p.ctx)
	s.cancel = cancel
	s.started = time.Now()
	p.active++
	go p.supervise(ctx, s, p.stop)
	go func() {
		p.meter(s)
		cancel()
		p.mu.Lock()
		close(s.done)
		p.release()
		p.mu.Unlock()
	}()
}

// release ends one hold on the run; the last ends the run. p.mu is held.
func (p *Pipeline) release() {
	p.active--
	if p.active == 0 && p.state == running {
		p.state = stopped
		close(p.idle)
	}
}

// Change removes the inputs named in remove and then adds the inputs in add, before or while the pipeline
// runs. Each removed source is stopped and its ring metered, and its Final report is queued before Change
// returns; the sources not named keep running untouched. A name may be both removed and added: the source
// restarts with the new input (its counters and meter start again). Nothing changes when an error is
// returned: an unknown name in remove, an added input that New would refuse (its error names it), or
// ErrStopped once the run is over or ending. Added sources share the report queue sized by New.
func (p *Pipeline) Change(remove []string, add []Input) error {
	p.changing.Lock()
	defer p.changing.Unlock()
	p.mu.Lock()
	if p.state == stopped || (p.state == running && p.ctx.Err() != nil) {
		p.mu.Unlock()
		return ErrStopped
	}
	names := map[string]*stream{}
	for _, s := range p.streams {
		names[s.name] = s
	}
	var gone []*stream
	for _, name := range remove {
		s, ok := names[name]
		if !ok {
			p.mu.Unlock()
			return fmt.Errorf("pipeline: no input named %q", name)
		}
		gone = append(gone, s)
		delete(names, name)
	}
	var fresh []*stream
	for _, in := range add {
		if in.Name == "" {
			p.mu.Unlock()
			return errors.New("pipeline: an input has no name")
		}
		if names[in.Name] != nil {
			p.mu.Unlock()
			return fmt.Errorf("pipeline: two inputs are named %q", in.Name)
		}
		s, err := p.newStream(in)
		if err != nil {
			p.mu.Unlock()
			return fmt.Errorf("source %q: %w", in.Name, err)
		}
		names[in.Name] = s
		fresh = append(fresh, s)
	}
	drop := func() {
		for _, s := range gone {
			for i, o := range p.streams {
				if o == s {
					p.streams = append(p.streams[:i:i], p.streams[i+1:]...)
					break
				}
			}
		}
	}
	if p.state == notStarted {
		drop()
		p.streams = append(p.streams, fresh...)
		p.mu.Unlock()
		return nil
	}
	p.active++ // the run stays open while the removed sources end, even if they were all there was
	for _, s := range gone {
		s.cancel()
	}
	p.mu.Unlock()
	for _, s := range gone {
		<-s.done
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	defer p.release()
	drop()
	if p.ctx.Err() != nil { // the run is ending: a source started now would only report nothing
		return ErrStopped
	}
	for _, s := range fresh {
		s.added = true
		p.streams = append(p.streams, s)
		p.start(s)
	}
	return nil
}

// Names returns the names of the inputs, in order, those whose source has ended among them.
func (p *Pipeline) Names() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	names := make([]string, len(p.streams))
	for i, s := range p.streams {
		names[i] = s.name
	}
	return names
}

// supervise runs s's source until ctx is done or the source ends, restarting it when it fails. It closes the
// ring's producer when it returns, which lets the meter drain the ring and finish.
func (p *Pipeline) supervise(ctx context.Context, s *stream, stop context.CancelFunc) {
	defer close(s.supervised)
	defer s.w.prod.Close()
	backoff := p.opts.MinBackoff
	for attempt := 0; ; {
		start := time.Now()
		err := p.runWatched(ctx, s)
		if ctx.Err() != nil {
			return
		}
		if errors.Is(err, io.EOF) {
			s.ended.Store(true)
			p.event(Event{Source: s.name, Kind: SourceEnded, Attempt: attempt})
			return
		}
		if err == nil {
			err = errors.New("the source stopped without an error")
		}
		s.errors.Add(1)
		msg := err.Error()
		s.lastError.Store(&msg)
		if attempt == 0 && s.w.blocks.Load() == 0 && !s.added && !s.retry {
			p.fatalOnce.Do(func() { p.fatal = fmt.Errorf("source %q: %w", s.name, err) })
			p.event(Event{Source: s.name, Kind: SourceFatal, Err: err})
			stop()
			return
		}
		if time.Since(start) > p.opts.MaxBackoff {
			backoff = p.opts.MinBackoff
		}
		p.event(Event{Source: s.name, Kind: SourceFailed, Err: err, Attempt: attempt, Backoff: backoff})
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		backoff = min(2*backoff, p.opts.MaxBackoff)
		attempt++
		s.restarts.Add(1)
		p.event(Event{Source: s.name, Kind: SourceRestarted, Attempt: attempt})
	}
}

// runWatched runs s's source once. A watchdog cancels the run when the source delivers no block for its stall
// timeout while its ring has room, and the run's error is then ErrStalled.
func (p *Pipeline) runWatched(ctx context.Context, s *stream) error {
	if s.stall <= 0 {
		return s.src.Run(ctx, s.w)
	}
	rctx, cancel := context.WithCancel(ctx)
	var stalled atomic.Pointer[time.Duration]
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		s.watch(rctx, cancel, &stalled)
	}()
	err := s.src.Run(rctx, s.w)
	cancel()
	<-watched
	if d := stalled.Load(); d != nil && ctx.Err() == nil {
		return fmt.Errorf("%w: no block for %v", ErrStalled, d.Round(time.Millisecond))
	}
	return err
}

// watch looks a few times per stall timeout at s's block counter until ctx is done; when it has not moved for
// the timeout (twice that before the run's first block) while the ring had room, it records how long and cancels.
func (s *stream) watch(ctx context.Context, cancel context.CancelFunc, stalled *atomic.Pointer[time.Duration]) {
	poll := max(time.Millisecond, s.stall/8)
	t := time.NewTicker(poll)
	defer t.Stop()
	blocks := s.w.blocks.Load()
	first := true
	last := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			b := s.w.blocks.Load()
			// A source waiting for room (a fast file behind a slow meter) is held up by the pipeline, not
			// stalled; so is one whose ring is at least half full (the meter is behind).
			if b != blocks || s.w.waiting.Load() || s.cons.Len() >= s.frames/2*s.format.Channels {
				if b != blocks {
					first = false
				}
				blocks, last = b, now
				continue
			}
			limit := s.stall
			if first {
				limit *= 2
			}
			if d := now.Sub(last); d >= limit {
				stalled.Store(&d)
				cancel()
				return
			}
		}
	}
}

func (p *Pipeline) event(e Event) {
	if p.opts.OnEvent != nil {
		p.opts.OnEvent(e)
	}
}

// meter is s's DSP goroutine: it meters what arrives in the ring and reports at every interval, until the
// producer is closed and the ring is empty.
//
// It sleeps until the next report is due or the ring is half full, whichever comes first: a report drains the
// ring before the snapshot, so waking for every block would cost wake-ups without making reports fresher, and
// half a ring leaves the other half for the source while the meter catches up.
func (p *Pipeline) meter(s *stream) {
	if s.fast {
		p.meterFast(s)
		return
	}
	ch := s.format.Channels
	interval := p.opts.Interval
	next := s.started.Add(interval)
	batch := max(1, s.frames/2) * ch
	for {
		// A report that is already due only checks (timeout 0), so a meter that runs late still sees the end.
		err := s.cons.Wait(batch, max(0, time.Until(next)))
		s.drain()
		if now := time.Now(); !now.Before(next) {
			p.snapshot(s, false)
			next = next.Add(interval)
			if next.Before(now) { // the meter fell behind (a stall): skip the missed reports
				next = now.Add(interval)
			}
		}
		if errors.Is(err, ring.ErrClosed) {
			break
		}
	}
	<-s.supervised
	p.snapshot(s, true)
}

// meterFast is the DSP goroutine of a fast source: it reports every perReport frames of audio, whatever the
// wall clock says, until the producer is closed and the ring is empty. It waits for a report's worth of frames
// (or the interval, to notice the end).
func (p *Pipeline) meterFast(s *stream) {
	want := int(min(s.perReport, int64(s.frames/2))) * s.format.Channels
	for {
		err := s.cons.Wait(max(s.format.Channels, want), p.opts.Interval)
		for s.drainUpTo(s.perReport - s.sinceReport) {
			p.snapshot(s, false)
		}
		if errors.Is(err, ring.ErrClosed) {
			break
		}
	}
	<-s.supervised
	p.snapshot(s, true)
}

// drainUpTo meters what is in the ring, at most n frames, and reports whether it metered n.
func (s *stream) drainUpTo(n int64) bool {
	ch := s.format.Channels
	for n > 0 {
		take := min(int64(len(s.scratch)/ch), n, int64(s.cons.Len()/ch))
		if take <= 0 {
			return false
		}
		got := s.cons.Read(s.scratch[:take*int64(ch)]) / ch
		if hook := s.hook; hook != nil {
			hook(s.name, got)
		}
		s.meter.Process(s.scratch[:got*ch])
		s.metered += int64(got)
		s.sinceReport += int64(got)
		n -= int64(got)
	}
	return true
}

// drain meters what is in the ring when it is called, in pieces. It does not chase frames that arrive while it
// runs: a source read as fast as the meter goes refills the ring as it is drained, and a drain that took those
// too would never end, and the reports would stop.
func (s *stream) drain() {
	ch := s.format.Channels
	for left := s.cons.Len(); left > 0; {
		n := s.cons.Read(s.scratch[:min(len(s.scratch), left)])
		if n == 0 {
			break
		}
		left -= n
		if hook := s.hook; hook != nil {
			hook(s.name, n/ch)
		}
		s.meter.Process(s.scratch[:n])
		s.metered += int64(n / ch)
		s.sinceReport += int64(n / ch)
	}
}

// snapshot takes s's levels and queues a Report. It loads the drop count before it drains the ring: every drop
// counted belongs to a block whose stored frames are then metered, so Captured = Metered + Dropped exactly.
func (p *Pipeline) snapshot(s *stream, final bool) {
	fill := s.cons.Len() / s.format.Channels
	var skipped int64
	if s.skipped != nil {
		// Before the overflows: a source counts its skipped frames before it flags the block after them.
		skipped = s.skipped()
	}
	dropped := s.w.dropped.Load()
	newest := s.w.newest.Load()
	if !s.fast || final {
		// A fast source drops nothing (it waits for room), and its reports end at their frame count.
		s.drain()
	}
	s.sinceReport = 0
	var r Report
	r.Source = s.name
	r.Time = time.Now()
	r.Final = final
	r.Started = s.started
	if newest > 0 {
		r.Newest = p.epoch.Add(time.Duration(newest))
	}
	if e := s.lastError.Load(); e != nil {
		r.LastError = *e
	}
	if s.streamed != nil {
		r.Stream = s.streamed()
		r.IsStream = true
	}
	if final && s.ended.Load() {
		// The audio ends here, in silence: measure the true peak of its last samples. A live source that is
		// stopped is not measured so, because its audio goes on where the meter stops listening.
		s.meter.End()
	}
	r.Interval = s.meter.Interval()
	r.Layout = s.layout
	r.Total = s.meter.Levels()
	if s.reset.Swap(false) {
		// After the snapshot, right after Interval, so that the report just taken and the intervals keep every
		// frame and the maxima start at the reset. Only the since-start loudness values and peak maxima: the
		// sliding windows go on, and the sample totals stay monotonic for the counters made from them.
		s.meter.ResetIntegrated()
	}
	if d := s.detector; d != nil {
		in := alarm.Input{Wall: r.Time}
		if s.alarmWin >= 0 {
			in.Loudness, in.LoudnessSet = r.Total.Loudness.Windows[s.alarmWin].Integrated, true
		}
		ev := d.Update(&r.Interval, in, r.Alarms[:0]) // into the report's own array: Update and Stop never grow it
		if final {
			// Nothing is measured after this: the alarms still active end here, so that the logs, the webhooks
			// and the page see every alarm that started end.
			ev = d.Stop(r.Time, ev)
		}
		r.NumAlarms = len(ev)
		r.AlarmStatus = d.Statuses()
		r.AlarmsOn = true
	}
	r.Counters = Counters{
		Captured:  s.metered + dropped,
		Metered:   s.metered,
		Dropped:   dropped,
		Overflows: s.w.overflows.Load(),
		Skipped:   skipped,
		Restarts:  s.restarts.Load(),
		Errors:    s.errors.Load(),
		Lost:      s.lost,
		RingFill:  fill,
		RingCap:   s.frames,
	}
	if !final && !s.fast {
		if p.queue.Push(r) != nil {
			s.lost++
		}
		return
	}
	// The Final report, and every report of a fast source, must get through: the reporter goroutine is
	// draining, so space comes.
	for p.queue.Push(r) != nil {
		time.Sleep(time.Millisecond)
	}
}

// Reset asks the DSP goroutine of the source named source, or of every source when source is "", to reset its
// since-start values (integrated loudness, loudness range, loudness and peak maxima; Report.Total; see
// dsp.Meter.ResetIntegrated) right after its next report.
// It returns false when no source has that name. It never waits for the DSP goroutine.
func (p *Pipeline) Reset(source string) bool {
	found := false
	for _, s := range p.streams {
		if source == "" || s.name == source {
			s.reset.Store(true)
			found = true
		}
	}
	return found
}

// Sources returns the names of the sources, in the order of Options.Inputs.
func (p *Pipeline) Sources() []string {
	names := make([]string, len(p.streams))
	for i, s := range p.streams {
		names[i] = s.name
	}
	return names
}

// report is the reporter goroutine: it hands every queued report to every reporter, until the queue is closed
// and empty, then flushes the reporters.
func (p *Pipeline) report() {
	// One Report, reused: reporters do not keep it past the call (see Reporter). Taking the address of a fresh
	// one per report moved each to the heap, 3 KB of garbage per report (20 kB/s per source at 100 ms).
	var r Report
	for {
		var err error
		r, err = p.queue.Pop()
		if err == nil {
			for _, rep := range p.opts.Reporters {
				rep.Report(&r)
			}
			continue
		}
		if errors.Is(err, ring.ErrClosed) {
			break
		}
		p.queue.Wait(1, time.Second)
	}
	for _, rep := range p.opts.Reporters {
		if f, ok := rep.(Flusher); ok {
			f.Flush()
		}
	}
}
