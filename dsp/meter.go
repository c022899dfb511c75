package dsp

import (
	"fmt"
	"math"
	"time"
)

// Config configures a Meter. The zero values of the optional fields select the defaults.
type Config struct {
	SampleRate int // frames per second, > 0
	Channels   int // 1 to MaxChannels

	// Layout gives each channel's position, one per channel: a file's channel mask (LayoutFromMask), or what
	// the user gave (ParseLayout). nil selects DefaultLayout(Channels), ffmpeg's layout for the channel count.
	// The loudness weights and the channel labels follow from it.
	Layout Layout

	// Weights are the BS.1770 channel weights for loudness, one per channel, for a user who knows better than
	// the layout; nil selects the layout's weights (L, R, C 1.0; surrounds 1.41; LFE 0: see Layout).
	Weights []float64

	// PeakHold is how long the peak-hold marker stays before it falls; 0 selects 2 s.
	PeakHold time.Duration
	// PeakDecay is how fast the bar and the marker fall, in dB per second; 0 selects IEC 60268-18's
	// 20 dB in 1.7 s.
	PeakDecay float64

	// ClipLevel is the |x| at or above which a sample counts as clipped, 0 < ClipLevel <= 1; 0 selects 1.0 (full
	// scale). A source that knows its integer format sets the positive extreme, so that both extremes count:
	// 32767/32768 for 16-bit, (2²³-1)/2²³ for 24-bit.
	ClipLevel float64

	// Windows are the spans of the sliding windows that integrated loudness and loudness range are also measured
	// over (Loudness.Windows), besides since the start: each a multiple of WindowStep (100 ms) from MinWindowSpan
	// (1 s) to MaxWindowSpan (24 h), at most MaxWindows (4), no two alike; nil for none. Memory, allocated by
	// NewMeter: 1 min, 10 min, 1 h and 24 h take 4.9 MB, without the day 1.3 MB (see LoudnessMeter.SetWindows).
	Windows []time.Duration
}

// A Meter measures interleaved float32 audio fed to it in blocks of any size. It is not safe for concurrent use:
// one goroutine feeds it and takes snapshots, and hands the snapshots (plain values) to others.
//
// Results do not depend on how the input is cut into blocks: a meter fed one frame at a time and one fed the same
// frames in one block report the same levels, bit for bit. That is because the meter cuts time itself, into
// ticks of 10 ms counted in frames from the start: sums run within a tick and are merged at its end, and the
// display ballistics advance once per tick.
type Meter struct {
	cfg        Config
	channels   int
	tickFrames int     // frames per tick: the unit of partial sums and of display time
	tickPos    int     // frames into the current tick
	clip       float64 // the clip level
	tpf        tpFilter

	part   part // the current tick's running sums
	cur    span // the current interval, ticks closed so far
	closed span // the intervals before the current one

	tp      [MaxChannels]truePeak
	disp    [MaxChannels]ballistic
	ballist ballistics

	loud    *LoudnessMeter
	scratch []float32 // a block with non-finite samples zeroed, for the loudness meter
}

// NewMeter returns a Meter for cfg, or an error that names the bad field.
func NewMeter(cfg Config) (*Meter, error) {
	if err := checkRate(cfg.SampleRate); err != nil {
		return nil, err
	}
	if err := checkChannels(cfg.Channels); err != nil {
		return nil, err
	}
	switch {
	case cfg.Layout != nil && len(cfg.Layout) != cfg.Channels:
		return nil, fmt.Errorf("%w: %v has %d channels, the audio %d", ErrLayout, cfg.Layout, len(cfg.Layout), cfg.Channels)
	case cfg.Weights != nil && len(cfg.Weights) != cfg.Channels:
		return nil, fmt.Errorf("%w: %d given for %d channels, want one per channel", ErrWeights, len(cfg.Weights), cfg.Channels)
	case cfg.PeakHold < 0:
		return nil, fmt.Errorf("dsp: Config.PeakHold is %v; it must be positive, or 0 for the default %v", cfg.PeakHold, DefaultPeakHold)
	case cfg.PeakDecay < 0 || math.IsNaN(cfg.PeakDecay) || math.IsInf(cfg.PeakDecay, 0):
		return nil, fmt.Errorf("dsp: Config.PeakDecay is %v; it must be a positive number of dB per second, or 0 for the default %.2f", cfg.PeakDecay, DefaultPeakDecay)
	case !(cfg.ClipLevel >= 0 && cfg.ClipLevel <= 1):
		return nil, fmt.Errorf("dsp: Config.ClipLevel is %v; it must be above 0 and at most 1 (full scale), or 0 for the default 1", cfg.ClipLevel)
	}
	for i, w := range cfg.Weights {
		if !(w >= 0) || math.IsInf(w, 0) {
			return nil, fmt.Errorf("dsp: Config.Weights[%d] is %v; a channel weight must be a finite number >= 0", i, w)
		}
	}
	if cfg.PeakHold == 0 {
		cfg.PeakHold = DefaultPeakHold
	}
	if cfg.PeakDecay == 0 {
		cfg.PeakDecay = DefaultPeakDecay
	}
	if cfg.ClipLevel == 0 {
		cfg.ClipLevel = 1
	}
	if cfg.Layout == nil {
		cfg.Layout = DefaultLayout(cfg.Channels)
	} else {
		cfg.Layout = append(Layout(nil), cfg.Layout...) // the caller may reuse its slice
	}
	if cfg.Weights != nil {
		cfg.Weights = append([]float64(nil), cfg.Weights...)
	} else {
		cfg.Weights = cfg.Layout.Weights()
	}

	if err := checkWindows(cfg.Windows); err != nil {
		return nil, fmt.Errorf("dsp: Config.Windows: %w", err)
	}
	cfg.Windows = append([]time.Duration(nil), cfg.Windows...)

	loud, err := NewLoudnessMeter(cfg.SampleRate, cfg.Channels, cfg.Weights)
	if err != nil {
		return nil, fmt.Errorf("dsp: Config: %w", err)
	}
	if err := loud.SetWindows(cfg.Windows...); err != nil {
		return nil, fmt.Errorf("dsp: Config: %w", err) // unreachable: checked above
	}

	tick := max(1, cfg.SampleRate/100) // 10 ms
	m := &Meter{
		cfg:        cfg,
		channels:   cfg.Channels,
		tickFrames: tick,
		clip:       cfg.ClipLevel,
		tpf:        newTPFilter(),
		ballist:    newBallistics(cfg.SampleRate, tick, cfg.PeakHold, cfg.PeakDecay),
		loud:       loud,
		scratch:    make([]float32, tick*cfg.Channels),
	}
	for c := range m.channels {
		m.tp[c] = newTruePeak(tick)
	}
	m.Reset()
	return m, nil
}

// Layout returns the channel layout the meter measures with (Config.Layout, or the default for the channel
// count), a copy: Labels gives the channel labels to show.
func (m *Meter) Layout() Layout { return append(Layout(nil), m.cfg.Layout...) }

// Weights returns the loudness weight of each channel the meter measures with, a copy.
func (m *Meter) Weights() []float64 { return append([]float64(nil), m.cfg.Weights...) }

// Process measures the interleaved samples in p; len(p) must be a multiple of the channel count (a trailing
// partial frame is ignored). It allocates nothing but, once per 6.8 minutes of audio above the loudness gate in
// the first 24 hours, a 48 KiB chunk for exact integrated loudness (see LoudnessMeter).
func (m *Meter) Process(p []float32) {
	nch := m.channels
	p = p[:len(p)/nch*nch]
	for len(p) > 0 {
		n := min(m.tickFrames-m.tickPos, len(p)/nch)
		m.block(p[:n*nch], n)
		p = p[n*nch:]
	}
}

// block measures n frames that do not cross a tick boundary.
func (m *Meter) block(p []float32, n int) {
	nch := m.channels
	var nonFinite int64
	for c := range nch {
		q := &m.part.ch[c]
		before, beforeNF := q.clipped, q.nonFinite
		x := m.tp[c].block(n)
		chanPass(q, x, p, c, nch, m.clip)
		nonFinite += q.nonFinite - beforeNF

		d := &m.disp[c]
		d.tickPeak = max(d.tickPeak, q.peak)
		if q.clipped > before {
			d.clips(x, m.clip)
		} else {
			d.run = 0
		}

		// The interval's true peak so far bounds what the oversampler must look at: the samples pending when it
		// started, the values it found and the sample peaks of the ticks closed so far, not the samples of this
		// block, so that which intervals it refines depends on where ticks and intervals start, never on how the
		// input is cut into blocks.
		sp := &m.cur.ch[c]
		sp.tp = m.tp[c].process(&m.tpf, n, sp.tp)
	}
	if nch == 2 {
		m.part.lr = dot(m.part.lr, m.tp[0].last(n), m.tp[1].last(n))
	}
	m.part.frames += int64(n)

	if nonFinite > 0 {
		// The loudness filters would carry a NaN forever: they get the zeros the statistics counted.
		s := m.scratch[:len(p)]
		for i, v := range p {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				v = 0
			}
			s[i] = v
		}
		p = s
	}
	m.loud.Process(p)

	m.tickPos += n
	if m.tickPos == m.tickFrames {
		m.cur.addPart(&m.part, nch)
		m.part = part{}
		for c := range nch {
			m.disp[c].endTick(&m.ballist, int64(m.tickFrames))
		}
		m.tickPos = 0
	}
}

// End marks the end of the input: a file or a stream that stopped. The true peak between the last samples and
// the silence that follows them (the band-limited signal of a finite input rings on past its last sample, as an
// ideal D/A converter's output does) is measured now, into the current interval; without End it would wait for
// samples that never come. Call it once after the last Process and before the final Interval or Levels; input
// processed after End is measured as though silence had come between. It allocates nothing.
func (m *Meter) End() {
	for c := range m.channels {
		sp := &m.cur.ch[c]
		sp.tp = m.tp[c].flush(&m.tpf, max(sp.tp, m.part.ch[c].peak))
	}
}

// Levels returns the levels of everything processed since the meter was made or reset.
func (m *Meter) Levels() Levels {
	s := m.closed
	s.merge(&m.cur, m.channels)
	s.addPart(&m.part, m.channels)
	return m.levels(&s)
}

// Interval returns the levels of what was processed since the previous call to Interval (or since the meter was
// made or reset) and starts a new interval. The loudness and display fields are the current state.
//
// The intervals partition the input: the Levels of the total are the merge of the intervals' (peaks are the
// largest, sums and counts add up). The true peak between the last few samples of an interval and the next
// sample is only known once the next sample arrives; it counts in the interval in which it becomes known.
func (m *Meter) Interval() Levels {
	m.cur.addPart(&m.part, m.channels)
	p := &m.part
	p.frames, p.lr = 0, 0
	for c := range m.channels {
		p.ch[c] = chanPart{}
	}
	l := m.levels(&m.cur)
	m.closed.merge(&m.cur, m.channels)
	m.cur = span{}
	m.seedTruePeak()
	return l
}

// seedTruePeak starts the new interval's true peak at the largest of the samples whose intervals it is yet to
// judge (the last TruePeakLag or so, received but not yet measured between): the true peak there is at least
// that. It spares the long filter every candidate below it, which a fresh interval would otherwise refine one
// after another as its maximum climbs, and it depends only on where the interval starts.
func (m *Meter) seedTruePeak() {
	for c := range m.channels {
		m.cur.ch[c].tp = m.tp[c].pending()
	}
}

// Reset forgets everything processed: the meter is as new.
func (m *Meter) Reset() {
	m.tickPos = 0
	m.part, m.cur, m.closed = part{}, span{}, span{}
	for c := range m.channels {
		m.tp[c].reset()
		m.disp[c].reset()
	}
	m.loud.Reset()
}

// ResetIntegrated starts the since-start values over as an operator's reset button does: the loudness values
// (integrated loudness, loudness range, the momentary and short-term maxima; see LoudnessMeter.ResetIntegrated)
// and the sample-peak and true-peak maxima of Levels, which then cover what was processed since the last call to
// Interval (call it right after Interval for a reset at that point). The sliding windows, the current momentary
// and short-term values, the display and the other sample statistics (frames, RMS, DC, clipped and non-finite
// samples) are left alone, so that counters built on Levels stay monotonic.
func (m *Meter) ResetIntegrated() {
	m.loud.ResetIntegrated()
	for c := range m.channels {
		m.closed.ch[c].peak, m.closed.ch[c].tp = 0, 0
	}
}

func (m *Meter) levels(s *span) Levels {
	l := Levels{
		SampleRate:  m.cfg.SampleRate,
		Channels:    m.channels,
		Frames:      s.frames,
		Overall:     s.overall(m.channels),
		Correlation: s.correlation(m.channels),
	}
	for c := range m.channels {
		l.Channel[c] = s.stats(c)
		l.Display[c] = m.disp[c].display()
	}
	l.Loudness = m.loud.Loudness()
	return l
}
