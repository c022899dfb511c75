package alarm

import (
	"math"
	"testing"
	"time"

	"github.com/levelmeter/levelmeter/dsp"
)

// clean returns the levels of one 100 ms report of clean stereo programme: a -20 dBFS sine in both channels.
func clean() dsp.Levels {
	lv := dsp.Levels{SampleRate: 48000, Channels: 2, Frames: 4800, Correlation: 1}
	for c := range 2 {
		lv.Channel[c] = dsp.Stats{SamplePeak: -20, TruePeak: -20, RMS: -23, CrestFactor: 3}
	}
	lv.Overall = lv.Channel[0]
	lv.Loudness = dsp.Loudness{Momentary: -20, ShortTerm: -20, Integrated: -20}
	return lv
}

// A run of n reports whose levels set changes from clean programme.
type reports struct {
	n   int
	set func(lv *dsp.Levels)
}

func loudest(db float64) func(lv *dsp.Levels) {
	return func(lv *dsp.Levels) { lv.Channel[0].RMS, lv.Channel[1].RMS = db, db }
}

func noFrames(lv *dsp.Levels) { lv.Frames = 0 }

// want is an expected event: its kind, state, and the stream position of the report that raised it.
type want struct {
	kind   Kind
	state  State
	stream time.Duration
}

func TestDetectorSequences(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name string
		cfg  func(c *Config)
		seq  []reports
		want []want

		windowLoudness float64 // Input.Loudness, when not 0
	}{
		{
			name: "silence starts after the on-delay and ends after the off-delay",
			seq:  []reports{{20, nil}, {150, loudest(-60)}, {50, nil}},
			want: []want{{Silence, Start, 12000 * ms}, {Silence, End, 19000 * ms}},
		},
		{
			name: "a sound within the on-delay restarts it",
			seq:  []reports{{99, loudest(-60)}, {1, nil}, {100, loudest(-60)}},
			want: []want{{Silence, Start, 20000 * ms}},
		},
		{
			name: "the hysteresis band neither ends the alarm nor lets the off-delay run",
			seq: []reports{{100, loudest(-60)}, {50, loudest(-47)}, {19, loudest(-40)}, {1, loudest(-47)},
				{20, loudest(-40)}},
			want: []want{{Silence, Start, 10000 * ms}, {Silence, End, 19000 * ms}},
		},
		{
			name: "the hysteresis band does not start an alarm either",
			seq:  []reports{{300, loudest(-48)}},
		},
		{
			name: "reports without frames stop the stream clock, and stall the source on the wall clock",
			seq:  []reports{{60, loudest(-60)}, {70, noFrames}, {40, loudest(-60)}, {5, nil}},
			want: []want{{SourceStalled, Start, 6000 * ms}, {SourceStalled, End, 6100 * ms},
				{Silence, Start, 10000 * ms}},
		},
		{
			name: "zero delays: one over starts, the next clean report ends",
			cfg:  func(c *Config) { c.Rules[TruePeakOver].OffDelay = 0 },
			seq:  []reports{{3, nil}, {1, func(lv *dsp.Levels) { lv.Channel[1].TruePeak = 0.3 }}, {3, nil}},
			want: []want{{TruePeakOver, Start, 400 * ms}, {TruePeakOver, End, 500 * ms}},
		},
		{
			name: "a report below phase_inverted's gate holds the pending delay",
			seq: []reports{{30, func(lv *dsp.Levels) { lv.Correlation = -1 }},
				{10, func(lv *dsp.Levels) { lv.Correlation = -1; loudest(-60)(lv) }},
				{20, func(lv *dsp.Levels) { lv.Correlation = -1 }}},
			// Once the 1 s window holds only quiet reports it is below the gate: the delay runs through.
			want: []want{{PhaseInverted, Start, 5000 * ms}},
		},
		{
			name: "a disabled rule raises nothing",
			cfg:  func(c *Config) { c.Rules[Silence].Enabled = false },
			seq:  []reports{{200, loudest(-90)}},
		},
		{
			name: "a caller's window loudness replaces the short-term",
			cfg: func(c *Config) {
				p, _ := LookupProfile("ebu-r128")
				c.ApplyProfile(p)
				c.Rules[LoudnessHigh].OnDelay = time.Second
			},
			seq: []reports{{20, nil}},
			// clean() reads -20 LUFS short-term, which would start loudness_high after 1 s; the caller's
			// window reads -23 LUFS, on target.
			windowLoudness: -23,
		},
		{
			name: "channel_dead on mono and on channels it does not watch raises nothing",
			cfg:  func(c *Config) { c.Rules[ChannelDead].Channels = 0b101 },
			seq:  []reports{{200, func(lv *dsp.Levels) { lv.Channel[1].RMS = math.Inf(-1) }}},
		},
		{
			name: "channel_dead reports the dead channel on both events",
			seq:  []reports{{150, func(lv *dsp.Levels) { lv.Channel[0].RMS = -80 }}, {30, nil}},
			want: []want{{ChannelDead, Start, 10000 * ms}, {ChannelDead, End, 17000 * ms}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig()
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			d, err := NewDetector(cfg)
			if err != nil {
				t.Fatal(err)
			}
			var got []Event
			var buf [NumKinds]Event
			wall := epoch
			for _, r := range tc.seq {
				for range r.n {
					lv := clean()
					if r.set != nil {
						r.set(&lv)
					}
					wall = wall.Add(reportInterval)
					in := Input{Wall: wall}
					if tc.windowLoudness != 0 {
						in.Loudness, in.LoudnessSet = tc.windowLoudness, true
					}
					got = append(got, d.Update(&lv, in, buf[:0])...)
				}
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %d events %+v; want %d %+v", len(got), got, len(tc.want), tc.want)
			}
			for i, w := range tc.want {
				e := got[i]
				if e.Kind != w.kind || e.State != w.state || e.Stream != w.stream {
					t.Errorf("event %d: %s %s at %v; want %s %s at %v", i, e.Kind, e.State, e.Stream, w.kind, w.state, w.stream)
				}
				if e.Kind == ChannelDead && e.Channel != 0 {
					t.Errorf("event %d: channel %d; want 0", i, e.Channel)
				}
			}
		})
	}
}

// TestStatus checks the counters the metrics export: active, starts, active time.
func TestStatus(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Rules[Silence].OnDelay, cfg.Rules[Silence].OffDelay = time.Second, 0
	d, err := NewDetector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	wall := epoch
	feed := func(n int, db float64) {
		for range n {
			lv := clean()
			loudest(db)(&lv)
			wall = wall.Add(reportInterval)
			d.Update(&lv, Input{Wall: wall}, nil)
		}
	}
	feed(30, -60) // starts at 1.0 s, active 2.0 s so far
	st := d.Status(Silence)
	if !st.Active || st.Starts != 1 || st.ActiveTime != 2*time.Second || !st.Since.Equal(epoch.Add(time.Second)) {
		t.Errorf("during the first alarm: %+v", st)
	}
	if st.Raised != -60 {
		t.Errorf("during the first alarm: raised by %v, want -60, the value of its start", st.Raised)
	}
	feed(5, -20) // ends at once
	feed(20, -60)
	feed(1, -20)
	st = d.Status(Silence)
	if st.Active || st.Starts != 2 || st.ActiveTime != 3200*time.Millisecond || st.Value != -20 {
		// 1.0 s to 3.1 s (the first clean report ends it), and 4.5 s to 5.6 s.
		t.Errorf("after two alarms: %+v; want inactive, 2 starts, 3.2s", st)
	}
	if all := d.Statuses(); all[Silence] != st || all[Clipping].Starts != 0 {
		t.Errorf("Statuses disagrees with Status: %+v", all[Silence])
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		edit func(c *Config)
		want string
	}{
		{"negative on-delay", func(c *Config) { c.Rules[Silence].OnDelay = -time.Second }, "alarm: silence: OnDelay is -1s; it must be 0 or more"},
		{"NaN threshold", func(c *Config) { c.Rules[DCOffset].Threshold = math.NaN() }, "alarm: dc_offset: Threshold is NaN; it must be a finite number"},
		{"negative hysteresis", func(c *Config) { c.Rules[Clipping].Hysteresis = -1 }, "alarm: clipping: Hysteresis is -1; it must be a finite number >= 0"},
		{"no window", func(c *Config) { c.Rules[PhaseInverted].Window = 0 }, "alarm: phase_inverted: Window is 0s; it must be more than 0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := DefaultConfig()
			tc.edit(&c)
			_, err := NewDetector(c)
			if err == nil || err.Error() != tc.want {
				t.Errorf("got %v; want %s", err, tc.want)
			}
		})
	}
	c := DefaultConfig()
	if err := c.Validate(); err != nil {
		t.Errorf("the defaults: %v", err)
	}
}

func TestParseKind(t *testing.T) {
	for _, k := range Kinds() {
		got, err := ParseKind(k.String())
		if err != nil || got != k {
			t.Errorf("ParseKind(%q) = %v, %v", k, got, err)
		}
	}
	_, err := ParseKind("silense")
	if err == nil || err.Error() != `alarm: unknown alarm "silense"; did you mean "silence"?` {
		t.Errorf("ParseKind(silense): %v", err)
	}
}

// TestUpdateAllocatesNothing proves the hot-path guarantee: Update, with every kind enabled and events raised,
// allocates nothing.
func TestUpdateAllocatesNothing(t *testing.T) {
	cfg := DefaultConfig()
	p, _ := LookupProfile("ebu-r128")
	cfg.ApplyProfile(p)
	for i := range cfg.Rules {
		cfg.Rules[i].OnDelay, cfg.Rules[i].OffDelay = 0, 0
	}
	d, err := NewDetector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	good, faulty := clean(), clean()
	faulty.Channel[0].RMS, faulty.Channel[1].RMS = -90, -90
	faulty.Overall.Clipped, faulty.Channel[0].TruePeak, faulty.Correlation = 100, 1, -1
	faulty.Channel[0].DCOffset = 0.5
	var buf [NumKinds]Event
	wall := epoch
	i, n := 0, 0
	allocs := testing.AllocsPerRun(1000, func() {
		i++
		lv := good // a local, as the caller's report is: Update must not make it escape
		if i%2 == 0 {
			lv = faulty
		}
		wall = wall.Add(reportInterval)
		n += len(d.Update(&lv, Input{Wall: wall}, buf[:0]))
	})
	if allocs != 0 {
		t.Errorf("Update allocates %v times per report; want 0", allocs)
	}
	if n == 0 {
		t.Error("no events raised: the test did not exercise them")
	}
}

// TestStop: Stop ends every active alarm, and only those, with Stopped set, the alarm's duration and its last
// value; pending delays are dropped, the counts go on, and it allocates nothing.
func TestStop(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Rules[Silence].OnDelay = time.Second
	d, err := NewDetector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	wall := epoch
	feed := func(n int, set func(lv *dsp.Levels)) {
		for range n {
			lv := clean()
			set(&lv)
			wall = wall.Add(reportInterval)
			d.Update(&lv, Input{Wall: wall}, nil)
		}
	}
	feed(30, loudest(-60)) // silence from 1.0 s; the correlation is 1, so phase_inverted never pends
	var buf [NumKinds]Event
	var ev []Event
	if allocs := testing.AllocsPerRun(1, func() { ev = d.Stop(wall, buf[:0]) }); allocs != 0 {
		t.Errorf("Stop allocates %v times", allocs)
	}
	// AllocsPerRun ran Stop twice (a warm-up, then the run): the second found nothing active.
	if len(ev) != 0 {
		t.Errorf("a second Stop raised %+v", ev)
	}
	d, _ = NewDetector(cfg)
	wall = epoch
	feed(30, loudest(-60))
	feed(5, func(lv *dsp.Levels) { loudest(-60)(lv); lv.Channel[1].RMS = -20 }) // channel_dead pending
	ev = d.Stop(wall, nil)
	if len(ev) != 1 {
		t.Fatalf("Stop raised %+v; want silence's end alone", ev)
	}
	e := ev[0]
	if e.Kind != Silence || e.State != End || !e.Stopped || e.Duration != 2500*time.Millisecond || e.Value != -20 ||
		e.Held != 0 || !e.Wall.Equal(wall) || e.Stream != 3500*time.Millisecond {
		t.Errorf("Stop raised %+v; want silence's end, stopped, after 2.5 s, at 3.5 s of audio", e)
	}
	if st := d.Status(Silence); st.Active || st.Starts != 1 || st.ActiveTime != 2500*time.Millisecond {
		t.Errorf("after Stop: %+v", st)
	}
	// The pending channel_dead was dropped: ten more seconds of it start it only then.
	feed(99, func(lv *dsp.Levels) { lv.Channel[0].RMS = -90 })
	if d.Active(ChannelDead) {
		t.Error("channel_dead started before its on-delay counted from after Stop")
	}
}
