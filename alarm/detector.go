package alarm

import (
	"math"
	"time"

	"github.com/levelmeter/levelmeter/dsp"
)

// State is whether an Event starts or ends an alarm.
type State int

// The states of an Event.
const (
	Start State = iota + 1
	End
)

func (s State) String() string {
	switch s {
	case Start:
		return "start"
	case End:
		return "end"
	}
	return "unknown"
}

// An Event is an alarm starting or ending. It does not name the source: the caller, who feeds one Detector per
// source, adds that.
type Event struct {
	Kind  Kind
	State State

	// Stream is the stream position (frames metered / sample rate) and Wall the wall-clock time of the report
	// that raised or cleared the alarm.
	Stream time.Duration
	Wall   time.Time

	// Held is how long the condition (for Start) or its absence (for End) had held when the event was raised:
	// at least the on- or off-delay. Duration, on End, is how long the alarm was active. Both are on the stream
	// clock, except for source_stalled, whose are on the wall clock.
	Held     time.Duration
	Duration time.Duration

	// Value is the value the report measured (on Start, the one that raised the alarm; for source_stalled 0,
	// no frames, or 1, frames again); Threshold the rule's
	// threshold; Worst, on End, the most extreme value while the alarm was active (the lowest for silence,
	// loudness_low, phase_inverted and channel_dead, the highest for the others).
	Value, Threshold, Worst float64

	// Channel is the channel concerned (the clipped, over, dead or offset channel; the one with the most
	// clipped samples or the highest true peak in the report), or -1 when the alarm concerns the whole source.
	Channel int

	// Stopped, on End, says the alarm ended because the source stopped (Detector.Stop), not because the
	// condition cleared: Held is 0 and Value the last value measured.
	Stopped bool
}

// Input is what a Detector needs at one report besides the levels.
type Input struct {
	// Wall is the wall-clock time of the report; only source_stalled uses it.
	Wall time.Time

	// Loudness, when LoudnessSet, is the loudness in LUFS that loudness_high and loudness_low judge instead of
	// Levels.Loudness.ShortTerm: the value of a longer sliding window the caller keeps.
	Loudness    float64
	LoudnessSet bool
}

// Status is the state of one alarm kind, for metrics and status pages.
type Status struct {
	Kind   Kind
	Active bool
	// Starts counts the alarm's starts; ActiveTime is how long it has been active in total, including the
	// current alarm up to the last report (stream clock; wall clock for source_stalled).
	Starts     int64
	ActiveTime time.Duration
	// Since is the wall-clock time the current alarm started, and Raised the value that started it (Event.Value
	// of its Start); both zero when inactive.
	Since  time.Time
	Raised float64
	// Value is the value measured at the last report that had one; NaN before that.
	Value float64
}

// verdict is what one report says about a condition.
type verdict int

const (
	hold verdict = iota // no evidence: no frames, or below the gate
	bad                 // the condition holds
	band                // within the hysteresis band: neither
	good                // clear of the condition by more than the hysteresis
)

// never marks a pending delay that is not running.
const never = time.Duration(math.MinInt64)

// kindState is the state machine of one kind.
type kindState struct {
	active      bool
	badSince    time.Duration // when the condition began (the start of the first report showing it), or never
	goodSince   time.Duration // when its absence began, or never
	start       time.Duration // when the current alarm started
	startWall   time.Time
	starts      int64
	total       time.Duration // active time of the alarms that ended
	now         time.Duration // the kind's clock at the last report
	value       float64
	worst       float64
	raised      float64 // the value that started the current alarm
	lastChannel int     // the channel of the last report that showed the condition
}

// slot is the sums of one report, for the windowed kinds.
type slot struct {
	end     time.Duration // stream position at the end of the report
	frames  int64
	clipped int64
	sum     [dsp.MaxChannels]float64 // Σx per channel (DC)
	xx, yy  float64                  // Σx² of channels 0 and 1
	xy      float64                  // Σx₀x₁
}

// A Detector watches one source's reports for every enabled alarm kind. It is not safe for concurrent use: the
// goroutine that meters the source calls Update; other goroutines learn of alarms through the events (and the
// Status values) it hands them.
type Detector struct {
	cfg Config

	rate    int
	frames  int64         // frames judged: the stream clock
	pos     time.Duration // the stream clock, frames / rate
	epoch   time.Time     // the first Update's wall time: zero of the wall clock
	wall    time.Duration // the wall clock at the last Update, since epoch
	started bool

	st [NumKinds]kindState

	ring  [MaxWindowReports]slot
	head  int // index of the newest slot
	count int // slots filled
}

// NewDetector returns a Detector for cfg, or the error of Config.Validate.
func NewDetector(cfg Config) (*Detector, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	d := &Detector{cfg: cfg}
	if d.cfg.Rules[ChannelDead].Channels == 0 {
		d.cfg.Rules[ChannelDead].Channels = 0b11
	}
	for i := range d.st {
		s := &d.st[i]
		s.badSince, s.goodSince = never, never
		s.value, s.worst, s.lastChannel = math.NaN(), math.NaN(), -1
	}
	return d, nil
}

// Config returns the detector's configuration.
func (d *Detector) Config() Config { return d.cfg }

// Stream returns the stream clock: the duration of the frames judged so far.
func (d *Detector) Stream() time.Duration { return d.pos }

// Update judges one report: lv is the interval's levels (Meter.Interval() since the previous report; nil, or
// Frames 0, when no frames arrived since), in the rest. It appends to out the events the report raised: at most
// one per kind, so an out with capacity NumKinds never grows and Update allocates nothing (nor does it keep lv,
// so a caller's lv on its stack stays there). It returns the extended slice.
//
// The audio kinds advance on the stream clock: lv.Frames / lv.SampleRate per report, whatever the wall clock
// says, so a file replayed as fast as it can be read raises the same alarms at the same stream positions as in
// real time. source_stalled alone uses in.Wall.
func (d *Detector) Update(lv *dsp.Levels, in Input, out []Event) []Event {
	if !d.started {
		d.started, d.epoch = true, in.Wall
	}
	wallPrev := d.wall
	d.wall = in.Wall.Sub(d.epoch)

	frames := int64(0)
	if lv != nil && lv.SampleRate > 0 && lv.Frames > 0 {
		frames = lv.Frames
	}

	if frames == 0 {
		return d.stalled(false, wallPrev, in.Wall, out)
	}

	if d.rate != lv.SampleRate {
		// A new rate (the source was reopened): keep the position, count on from it in the new rate.
		d.rate = lv.SampleRate
		rate := int64(d.rate)
		d.frames = int64(d.pos/time.Second)*rate + int64(d.pos%time.Second)*rate/int64(time.Second)
	}
	t0 := d.pos
	d.frames += frames
	rate := int64(d.rate)
	// Whole seconds and the rest apart: frames·1e9 would overflow an int64 after 53 hours at 48 kHz.
	d.pos = time.Duration(d.frames/rate)*time.Second + time.Duration(d.frames%rate)*time.Second/time.Duration(rate)
	t := d.pos
	d.push(lv, t)
	out = d.stalled(true, wallPrev, in.Wall, out)

	r := &d.cfg.Rules
	nch := min(lv.Channels, dsp.MaxChannels)

	if r[Silence].Enabled {
		v := math.Inf(-1)
		for c := range nch {
			v = max(v, lv.Channel[c].RMS)
		}
		out = d.step(Silence, d.judge(Silence, v), v, -1, t0, t, in.Wall, out)
	}
	if r[Clipping].Enabled {
		n := d.clipped(r[Clipping].Window, t)
		ch, most := -1, int64(0)
		for c := range nch {
			if lv.Channel[c].Clipped > most {
				ch, most = c, lv.Channel[c].Clipped
			}
		}
		out = d.step(Clipping, d.judge(Clipping, n), n, ch, t0, t, in.Wall, out)
	}
	if r[TruePeakOver].Enabled {
		v, ch := math.Inf(-1), -1
		for c := range nch {
			if tp := lv.Channel[c].TruePeak; tp > v {
				v, ch = tp, c
			}
		}
		out = d.step(TruePeakOver, d.judge(TruePeakOver, v), v, ch, t0, t, in.Wall, out)
	}
	if r[LoudnessHigh].Enabled || r[LoudnessLow].Enabled {
		v := lv.Loudness.ShortTerm
		if in.LoudnessSet {
			v = in.Loudness
		}
		if r[LoudnessHigh].Enabled {
			vd := hold
			if !math.IsNaN(v) {
				vd = d.judge(LoudnessHigh, v)
			}
			out = d.step(LoudnessHigh, vd, v, -1, t0, t, in.Wall, out)
		}
		if r[LoudnessLow].Enabled {
			vd := hold
			if v >= r[LoudnessLow].Gate {
				vd = d.judge(LoudnessLow, v)
			}
			out = d.step(LoudnessLow, vd, v, -1, t0, t, in.Wall, out)
		}
	}
	if r[PhaseInverted].Enabled && lv.Channels == 2 {
		v, vd := d.phase(t)
		out = d.step(PhaseInverted, vd, v, -1, t0, t, in.Wall, out)
	}
	if r[ChannelDead].Enabled {
		rule := &r[ChannelDead]
		quiet, loud, ch, n := math.Inf(1), math.Inf(-1), -1, 0
		for c := range nch {
			if rule.Channels&(1<<c) == 0 {
				continue
			}
			n++
			rms := lv.Channel[c].RMS
			if rms < quiet {
				quiet, ch = rms, c
			}
			loud = max(loud, rms)
		}
		vd := hold
		if n >= 2 && loud >= rule.Gate {
			vd = d.judge(ChannelDead, quiet)
		}
		out = d.step(ChannelDead, vd, quiet, ch, t0, t, in.Wall, out)
	}
	if r[DCOffset].Enabled {
		v, ch := d.dc(r[DCOffset].Window, t, nch)
		out = d.step(DCOffset, d.judge(DCOffset, v), v, ch, t0, t, in.Wall, out)
	}
	return out
}

// stalled steps source_stalled, on the wall clock: whether frames arrived since the previous report at wallPrev.
func (d *Detector) stalled(arrived bool, wallPrev time.Duration, wall time.Time, out []Event) []Event {
	if !d.cfg.Rules[SourceStalled].Enabled {
		return out
	}
	v, n := bad, 0.0
	if arrived {
		v, n = good, 1
	}
	return d.step(SourceStalled, v, n, -1, wallPrev, d.wall, wall, out)
}

// judge compares v with kind k's threshold and hysteresis.
func (d *Detector) judge(k Kind, v float64) verdict {
	r := &d.cfg.Rules[k]
	if math.IsNaN(v) {
		return hold
	}
	if low(k) {
		switch {
		case v <= r.Threshold:
			return bad
		case v > r.Threshold+r.Hysteresis:
			return good
		}
		return band
	}
	switch {
	case v >= r.Threshold:
		return bad
	case v < r.Threshold-r.Hysteresis:
		return good
	}
	return band
}

// step advances kind k's state machine by one report that covered (t0, t] on the kind's clock, and appends the
// event it raised, if any.
func (d *Detector) step(k Kind, v verdict, value float64, ch int, t0, t time.Duration, wall time.Time, out []Event) []Event {
	s := &d.st[k]
	r := &d.cfg.Rules[k]
	s.now = t
	if !math.IsNaN(value) && v != hold {
		s.value = value
	}
	if v == bad && ch >= 0 {
		s.lastChannel = ch // the channel that showed the fault, also on the End event
	}
	if s.active && v != hold && !math.IsNaN(value) {
		if low(k) {
			s.worst = min(s.worst, value)
		} else {
			s.worst = max(s.worst, value)
		}
	}
	switch v {
	case hold:
		return out
	case bad:
		s.goodSince = never
		if s.active {
			return out
		}
		if s.badSince == never {
			s.badSince = t0
		}
		if held := t - s.badSince; held >= r.OnDelay {
			s.active, s.start, s.startWall = true, t, wall
			s.starts++
			s.worst, s.raised = value, value
			s.badSince = never
			return append(out, Event{Kind: k, State: Start, Stream: d.pos, Wall: wall, Held: held,
				Value: value, Threshold: r.Threshold, Worst: value, Channel: s.lastChannel})
		}
	case band:
		s.badSince, s.goodSince = never, never
	case good:
		s.badSince = never
		if !s.active {
			return out
		}
		if s.goodSince == never {
			s.goodSince = t0
		}
		if held := t - s.goodSince; held >= r.OffDelay {
			s.goodSince = never
			dur := s.end()
			return append(out, Event{Kind: k, State: End, Stream: d.pos, Wall: wall, Held: held, Duration: dur,
				Value: value, Threshold: r.Threshold, Worst: s.worst, Channel: s.lastChannel})
		}
	}
	return out
}

// end ends the active alarm at the kind's clock and returns how long it was active.
func (s *kindState) end() time.Duration {
	dur := s.now - s.start
	s.active, s.total, s.startWall = false, s.total+dur, time.Time{}
	return dur
}

// push records the report's sums in the ring.
func (d *Detector) push(lv *dsp.Levels, t time.Duration) {
	d.head = (d.head + 1) % MaxWindowReports
	d.count = min(d.count+1, MaxWindowReports)
	s := &d.ring[d.head]
	*s = slot{end: t, frames: lv.Frames, clipped: lv.Overall.Clipped}
	n := float64(lv.Frames)
	nch := min(lv.Channels, dsp.MaxChannels)
	for c := range nch {
		s.sum[c] = lv.Channel[c].DCOffset * n
	}
	if lv.Channels == 2 {
		s.xx = energy(lv.Channel[0].RMS, n)
		s.yy = energy(lv.Channel[1].RMS, n)
		if !math.IsNaN(lv.Correlation) {
			s.xy = lv.Correlation * math.Sqrt(s.xx) * math.Sqrt(s.yy)
		}
	}
}

// energy returns Σx² of n samples whose RMS is rms dBFS.
func energy(rms, n float64) float64 {
	if math.IsInf(rms, -1) || math.IsNaN(rms) {
		return 0
	}
	return math.Pow(10, rms/10) * n
}

// clipped returns the clipped samples counted over the window.
func (d *Detector) clipped(w, t time.Duration) float64 {
	var n int64
	for i := range d.count {
		s := &d.ring[(d.head-i+MaxWindowReports)%MaxWindowReports]
		if i > 0 && s.end <= t-w {
			break
		}
		n += s.clipped
	}
	return float64(n)
}

// phase returns the stereo correlation over phase_inverted's window, and its verdict: hold unless both channels
// reach the gate over the window.
func (d *Detector) phase(t time.Duration) (float64, verdict) {
	r := &d.cfg.Rules[PhaseInverted]
	var xx, yy, xy float64
	var n int64
	for i := range d.count {
		s := &d.ring[(d.head-i+MaxWindowReports)%MaxWindowReports]
		if i > 0 && s.end <= t-r.Window {
			break
		}
		xx, yy, xy, n = xx+s.xx, yy+s.yy, xy+s.xy, n+s.frames
	}
	gate := math.Pow(10, r.Gate/10) * float64(n)
	if n == 0 || xx < gate || yy < gate {
		return math.NaN(), hold
	}
	c := max(-1, min(1, xy/(math.Sqrt(xx)*math.Sqrt(yy))))
	return c, d.judge(PhaseInverted, c)
}

// dc returns the mean sample value over dc_offset's window of the channel where its magnitude is largest, and
// that channel.
func (d *Detector) dc(w, t time.Duration, nch int) (float64, int) {
	var sum [dsp.MaxChannels]float64
	var n int64
	for i := range d.count {
		s := &d.ring[(d.head-i+MaxWindowReports)%MaxWindowReports]
		if i > 0 && s.end <= t-w {
			break
		}
		for c := range nch {
			sum[c] += s.sum[c]
		}
		n += s.frames
	}
	best, ch := 0.0, -1
	for c := range nch {
		if m := math.Abs(sum[c]) / float64(n); m > best || ch < 0 {
			best, ch = m, c
		}
	}
	return best, ch
}

// Stop ends every active alarm because the source stopped, so that whoever was told an alarm started is told
// that it ended: it appends an End event with Stopped set for each, at the stream position reached and at wall
// time wall, and drops pending delays. It allocates nothing when out has room for NumKinds more events. The
// Detector may be used again afterwards; the counts in Status go on.
func (d *Detector) Stop(wall time.Time, out []Event) []Event {
	for k := range d.st {
		s := &d.st[k]
		s.badSince, s.goodSince = never, never
		if !s.active {
			continue
		}
		dur := s.end()
		out = append(out, Event{Kind: Kind(k), State: End, Stream: d.pos, Wall: wall, Duration: dur,
			Value: s.value, Threshold: d.cfg.Rules[k].Threshold, Worst: s.worst, Channel: s.lastChannel, Stopped: true})
	}
	return out
}

// Active reports whether alarm k is active.
func (d *Detector) Active(k Kind) bool { return d.st[k].active }

// Status returns the state of alarm k.
func (d *Detector) Status(k Kind) Status {
	s := &d.st[k]
	st := Status{Kind: k, Active: s.active, Starts: s.starts, ActiveTime: s.total, Value: s.value}
	if s.active {
		st.ActiveTime += s.now - s.start
		st.Since, st.Raised = s.startWall, s.raised
	}
	return st
}

// Statuses returns the state of every alarm kind, indexed by Kind.
func (d *Detector) Statuses() [NumKinds]Status {
	var a [NumKinds]Status
	for i := range a {
		a[i] = d.Status(Kind(i))
	}
	return a
}
