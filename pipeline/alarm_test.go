package pipeline

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/levelmeter/levelmeter/alarm"
)

// loudSilence is a silence rule that the test signal (sines at -6 and -12 dBFS) meets: every report counts as
// silent, so the alarm starts after its on-delay on the stream clock.
func loudSilence(on time.Duration) *alarm.Config {
	c := alarmsOff()
	c.Rules[alarm.Silence] = alarm.Rule{Enabled: true, Threshold: 20, OnDelay: on}
	return &c
}

// alarmsOff is the default configuration with every rule disabled.
func alarmsOff() alarm.Config {
	c := alarm.DefaultConfig()
	for i := range c.Rules {
		c.Rules[i].Enabled = false
	}
	return c
}

// TestSnapshotAllocs: the DSP goroutine's report path allocates nothing, with the default detectors, with a
// detector raising events, with the detectors off, and with a reset pending.
func TestSnapshotAllocs(t *testing.T) {
	off := alarmsOff()
	for _, tc := range []struct {
		name   string
		alarms *alarm.Config
	}{
		{"defaults", nil},
		{"events", loudSilence(0)},
		{"off", &off},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := &fakeSource{format: stereo48k, block: 480}
			p, err := New(Options{Inputs: []Input{{Name: "a", Source: src, Alarms: tc.alarms}}})
			if err != nil {
				t.Fatal(err)
			}
			s := p.streams[0]
			if (s.detector != nil) != (tc.alarms != &off) {
				t.Fatalf("detector %v with alarms %+v", s.detector != nil, tc.alarms)
			}
			s.started = time.Now()
			block := signal(480, stereo48k)
			events := 0
			allocs := testing.AllocsPerRun(200, func() {
				s.w.Write(block, 0)
				p.Reset("a")
				p.snapshot(s, false)
				r, err := p.queue.Pop()
				if err != nil {
					t.Fatal(err)
				}
				events += r.NumAlarms
			})
			if allocs != 0 {
				t.Fatalf("snapshot allocates %.1f times per report", allocs)
			}
			if tc.name == "events" && events == 0 {
				t.Fatal("the test raised no alarm event")
			}
		})
	}
}

// TestAlarmsInReports: a source's alarm events and states arrive in its reports, on the stream clock: the
// silence alarm starts within one report of its on-delay, and a source with alarms off reports none.
func TestAlarmsInReports(t *testing.T) {
	const on = 500 * time.Millisecond
	var col collector
	off := alarmsOff()
	p, err := New(Options{
		Inputs: []Input{
			{Name: "on", Source: &fakeSource{format: stereo48k, block: 480, total: 48000}, Alarms: loudSilence(on)},
			{Name: "off", Source: &fakeSource{format: stereo48k, block: 480, total: 48000}, Alarms: &off},
		},
		Interval:  5 * time.Millisecond,
		Reporters: []Reporter{&col},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := p.Run(ctx); err != nil {
		t.Fatal(err)
	}
	var starts []alarm.Event
	for _, r := range col.of("on") {
		if !r.AlarmsOn {
			t.Fatal("a report of a source with alarms on says they are off")
		}
		for _, e := range r.Events() {
			if e.State == alarm.End && e.Stopped && r.Final {
				continue // checked below
			}
			starts = append(starts, e)
			span := time.Duration(r.Interval.Frames) * time.Second / 48000
			if e.Kind != alarm.Silence || e.State != alarm.Start || e.Stream < on || e.Stream > on+span {
				t.Fatalf("event %+v; want silence starting within %v (the report's span) after %v", e, span, on)
			}
		}
	}
	if len(starts) != 1 {
		t.Fatalf("%d events, want one start: %+v", len(starts), starts)
	}
	// The source stopped with the alarm active: the Final report ends it.
	final, _ := col.final("on")
	if ev := final.Events(); len(ev) == 0 || ev[len(ev)-1].Kind != alarm.Silence || ev[len(ev)-1].State != alarm.End || !ev[len(ev)-1].Stopped {
		t.Fatalf("final report's events %+v; want silence ending because the source stopped", ev)
	}
	if st := final.AlarmStatus[alarm.Silence]; st.Active || st.Starts != 1 {
		t.Fatalf("final silence status %+v, want inactive after one start", st)
	}
	for _, r := range col.of("off") {
		if r.AlarmsOn || r.NumAlarms != 0 {
			t.Fatalf("a source with alarms off reported %+v", r.Events())
		}
	}
}

// TestReset: a reset clears the since-start totals after the next report, and Reset finds sources by name.
func TestReset(t *testing.T) {
	src := &fakeSource{format: stereo48k, block: 480}
	p, err := New(Options{Inputs: []Input{{Name: "a", Source: src}}})
	if err != nil {
		t.Fatal(err)
	}
	if p.Reset("b") {
		t.Fatal("Reset found a source that does not exist")
	}
	s := p.streams[0]
	s.started = time.Now()
	pop := func() Report {
		r, err := p.queue.Pop()
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	var r Report
	for range 5 { // a second, in reports of 200 ms (the ring holds 16384 frames)
		s.w.Write(signal(9600, stereo48k), 0)
		p.snapshot(s, false)
		r = pop()
	}
	if r.Total.Frames != 48000 || math.IsInf(r.Total.Loudness.Integrated, -1) {
		t.Fatalf("total %d frames, integrated %v before the reset", r.Total.Frames, r.Total.Loudness.Integrated)
	}
	if !p.Reset("a") {
		t.Fatal("Reset did not find the source")
	}
	s.w.Write(signal(480, stereo48k), 0)
	p.snapshot(s, false)
	if r := pop(); r.Total.Frames != 48480 || r.Interval.Frames != 480 || math.IsInf(r.Total.Loudness.Integrated, -1) {
		t.Fatalf("the report that sees the reset covers %d frames in total, %d in the interval, integrated %v; "+
			"want all of them, before the reset", r.Total.Frames, r.Interval.Frames, r.Total.Loudness.Integrated)
	}
	s.w.Write(signal(960, stereo48k), 0)
	p.snapshot(s, false)
	// The since-start loudness starts again (no 400 ms block has ended since the reset); the sample totals go on,
	// so that the counters made from them stay monotonic.
	if r := pop(); r.Total.Frames != 48000+480+960 || r.Counters.Metered != 48000+480+960 ||
		!math.IsInf(r.Total.Loudness.Integrated, -1) {
		t.Fatalf("after the reset: total %d frames, metered %d, integrated %v; want every frame, and no block since the reset",
			r.Total.Frames, r.Counters.Metered, r.Total.Loudness.Integrated)
	}
}

// TestFastReportsOnStreamClock: a fast source is reported every Interval of audio, however fast it is metered,
// nothing is lost behind a slow reporter, and its alarms start at the same stream position on every machine.
func TestFastReportsOnStreamClock(t *testing.T) {
	const on = 500 * time.Millisecond
	var col collector
	slow := ReporterFunc(func(*Report) { time.Sleep(50 * time.Microsecond) })
	p, err := New(Options{
		Inputs: []Input{{Name: "f", Source: &fakeSource{format: stereo48k, block: 1000, total: 48000*2 + 100},
			Fast: true, RingFrames: 4096, Alarms: loudSilence(on)}},
		Interval:  10 * time.Millisecond,
		QueueLen:  4,
		Reporters: []Reporter{&col, slow},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := p.Run(ctx); err != nil {
		t.Fatal(err)
	}
	reports := col.of("f")
	final := checkCounters(t, reports)
	if len(reports) != 201 || final.Counters.Lost != 0 || final.Counters.Metered != 96100 || final.Interval.Frames != 100 {
		t.Fatalf("%d reports, final %+v covering %d frames; want 200 of 480 frames and a final one of 100, none lost",
			len(reports), final.Counters, final.Interval.Frames)
	}
	var events []alarm.Event
	for _, r := range reports[:200] {
		if r.Interval.Frames != 480 {
			t.Fatalf("a report covers %d frames, want 480 (10 ms)", r.Interval.Frames)
		}
		events = append(events, r.Events()...)
	}
	if len(events) != 1 || events[0].Stream != on {
		t.Fatalf("events %+v; want silence starting at exactly %v of audio", events, on)
	}
}
