package pipeline

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/levelmeter/levelmeter/audio"
	"github.com/levelmeter/levelmeter/dsp"
	"github.com/levelmeter/levelmeter/dsp/dsptest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var stereo48k = audio.Format{SampleRate: 48000, Channels: 2}

// checkCounters verifies the accounting of every report of a source and returns its Final report.
func checkCounters(t *testing.T, reports []Report) Report {
	t.Helper()
	if len(reports) == 0 {
		t.Fatal("no reports")
	}
	var prev Counters
	for i, r := range reports {
		c := r.Counters
		if c.Captured != c.Metered+c.Dropped {
			t.Fatalf("report %d: captured %d != metered %d + dropped %d", i, c.Captured, c.Metered, c.Dropped)
		}
		if c.Captured < prev.Captured || c.Metered < prev.Metered || c.Dropped < prev.Dropped {
			t.Fatalf("report %d: counters went backwards: %+v after %+v", i, c, prev)
		}
		if r.Final != (i == len(reports)-1) {
			t.Fatalf("report %d of %d: Final = %v", i, len(reports), r.Final)
		}
		prev = c
	}
	return reports[len(reports)-1]
}

// TestFastExact replays a signal as fast as the meter takes it through rings of several sizes and block sizes
// that do not divide them: nothing is dropped, and the final levels are exactly those of one meter fed the whole
// signal in one call.
func TestFastExact(t *testing.T) {
	const frames = 48000 * 3
	for _, tc := range []struct {
		format     audio.Format
		block, cap int
	}{
		{stereo48k, 256, 16384},
		{stereo48k, 1000, 1024},
		{audio.Format{SampleRate: 44100, Channels: 3}, 333, 512}, // frames straddle the ring's end
		{audio.Format{SampleRate: 8000, Channels: 1}, 1, 16},
	} {
		t.Run(fmt.Sprintf("%dch_block%d_ring%d", tc.format.Channels, tc.block, tc.cap), func(t *testing.T) {
			total := int64(frames)
			if tc.cap < 2048 {
				total = int64(tc.format.SampleRate) // small rings hand over often: keep the run short
			}
			src := &fakeSource{format: tc.format, block: tc.block, total: total}
			var col collector
			p, err := New(Options{
				Inputs:    []Input{{Name: "file", Source: src, RingFrames: tc.cap}},
				Interval:  5 * time.Millisecond,
				Reporters: []Reporter{&col},
			})
			if err != nil {
				t.Fatal(err)
			}
			if err := p.Run(context.Background()); err != nil {
				t.Fatal(err)
			}
			final := checkCounters(t, col.of("file"))
			c := final.Counters
			if c.Captured != total || c.Metered != total || c.Dropped != 0 {
				t.Fatalf("counters %+v, want %d captured and metered, none dropped", c, total)
			}
			if got := p.streams[0].w.captured.Load(); got != c.Captured {
				t.Fatalf("the writer counted %d frames captured, the final report %d", got, c.Captured)
			}
			m, err := dsp.NewMeter(dsp.Config{SampleRate: tc.format.SampleRate, Channels: tc.format.Channels})
			if err != nil {
				t.Fatal(err)
			}
			m.Process(signal(total, tc.format))
			m.End() // as the final report does
			want := m.Levels()
			if d := dsptest.Diff(final.Total, want); d != "" {
				t.Fatalf("final levels differ from one meter over the whole signal:\n%s", d)
			}
			if fmt.Sprintf("%+v", final.Total) != fmt.Sprintf("%+v", want) {
				t.Logf("identical but for the last bits of the means (dsp merges sums at each Interval)")
			}
		})
	}
}

// TestFailingSourceRestarted: a source that fails every few blocks is restarted with growing backoff and counted,
// while another source keeps reporting at its pace.
func TestFailingSourceRestarted(t *testing.T) {
	bad := &fakeSource{format: stereo48k, block: 256, period: time.Millisecond, failAfter: 5}
	good := &fakeSource{format: stereo48k, block: 256, period: time.Millisecond}
	var col collector
	var mu sync.Mutex
	var events []Event
	p, err := New(Options{
		// The good source's ring holds 4 s of its 256 000 frames/s, so that a loaded machine that holds the
		// meter up does not make it drop: only what the bad source did could.
		Inputs:     []Input{{Name: "bad", Source: bad}, {Name: "good", Source: good, RingFrames: 1 << 20}},
		Interval:   10 * time.Millisecond,
		Reporters:  []Reporter{&col},
		MinBackoff: 10 * time.Millisecond,
		MaxBackoff: 40 * time.Millisecond,
		OnEvent: func(e Event) {
			mu.Lock()
			events = append(events, e)
			mu.Unlock()
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 600*time.Millisecond)
	defer cancel()
	if err := p.Run(ctx); err != nil {
		t.Fatal(err)
	}
	b := checkCounters(t, col.of("bad")).Counters
	g := checkCounters(t, col.of("good"))
	if b.Errors < 3 || b.Restarts < 2 || b.Restarts > b.Errors {
		t.Fatalf("bad source: %d errors, %d restarts; want at least 3 and 2", b.Errors, b.Restarts)
	}
	if g.Counters.Errors != 0 || g.Counters.Restarts != 0 || g.Counters.Dropped != 0 {
		t.Fatalf("good source was affected: %+v", g.Counters)
	}
	if n := len(col.of("good")); n < 5 {
		t.Fatalf("good source made %d reports in 600 ms at 10 ms", n)
	}
	if last := col.of("bad"); last[len(last)-1].LastError != errUnplugged.Error() {
		t.Fatalf("LastError = %q", last[len(last)-1].LastError)
	}
	var backoffs []time.Duration
	mu.Lock()
	for _, e := range events {
		if e.Source != "bad" {
			t.Errorf("event for the good source: %+v", e)
		}
		if e.Kind == SourceFailed {
			if !errors.Is(e.Err, errUnplugged) {
				t.Errorf("event error %v", e.Err)
			}
			backoffs = append(backoffs, e.Backoff)
		}
	}
	mu.Unlock()
	// Each wait doubles the one before up to the cap; a run that lasted longer than MaxBackoff (a busy machine
	// can stretch five 1 ms blocks that far) starts again from MinBackoff.
	want := []time.Duration{10 * time.Millisecond, 20 * time.Millisecond, 40 * time.Millisecond}
	if len(backoffs) < 3 || backoffs[0] != want[0] || !slices.Contains(backoffs, 40*time.Millisecond) {
		t.Fatalf("backoffs %v, want %v then 40ms", backoffs, want)
	}
	for i, d := range backoffs[1:] {
		if d != min(2*backoffs[i], 40*time.Millisecond) && d != 10*time.Millisecond {
			t.Fatalf("backoff %v after %v: %v", d, backoffs[i], backoffs)
		}
	}
	t.Logf("bad source: %d errors, %d restarts; good source: %d reports", b.Errors, b.Restarts, len(col.of("good")))
}

// TestFatalAtStart: a source that cannot start ends the run with its error, and the others stop cleanly with
// their summaries.
func TestFatalAtStart(t *testing.T) {
	bad := &fakeSource{format: stereo48k, block: 256, period: time.Millisecond, failFirst: true}
	good := &fakeSource{format: stereo48k, block: 256, period: time.Millisecond}
	var col collector
	p, err := New(Options{
		Inputs:    []Input{{Name: "good", Source: good}, {Name: "mic", Source: bad}},
		Reporters: []Reporter{&col},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = p.Run(ctx)
	if err == nil || !errors.Is(err, errUnplugged) || !strings.Contains(err.Error(), `source "mic"`) {
		t.Fatalf("Run = %v, want the mic's error naming it", err)
	}
	if ctx.Err() != nil {
		t.Fatal("Run waited for the context instead of stopping at the failure")
	}
	for _, name := range []string{"good", "mic"} {
		if _, ok := col.final(name); !ok {
			t.Errorf("no Final report for %s", name)
		}
	}
}

// TestEndedSource: a finite source ends with its Final report while the other goes on.
func TestEndedSource(t *testing.T) {
	short := &fakeSource{format: stereo48k, block: 480, period: time.Millisecond, total: 4800}
	long := &fakeSource{format: stereo48k, block: 480, period: time.Millisecond}
	var col collector
	var ended []string
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var longAfter int
	var shortDone bool
	watch := ReporterFunc(func(r *Report) {
		switch {
		case r.Source == "short" && r.Final:
			shortDone = true
		case r.Source == "long" && shortDone:
			if longAfter++; longAfter == 5 {
				cancel()
			}
		}
	})
	p, err := New(Options{
		Inputs:    []Input{{Name: "short", Source: short}, {Name: "long", Source: long}},
		Interval:  5 * time.Millisecond,
		Reporters: []Reporter{&col, watch},
		OnEvent: func(e Event) {
			if e.Kind == SourceEnded {
				ended = append(ended, e.Source)
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Fatal("the short source never ended")
	}
	sf := checkCounters(t, col.of("short"))
	lf := checkCounters(t, col.of("long"))
	if sf.Counters.Captured != 4800 || !sf.Time.Before(lf.Time) || longAfter < 5 {
		t.Fatalf("short source: %+v at %v; long ended at %v after %d more reports", sf.Counters, sf.Time, lf.Time, longAfter)
	}
	if !slices.Equal(ended, []string{"short"}) {
		t.Fatalf("ended events %v", ended)
	}
}

// TestStuckReporter: a reporter that blocks never slows the audio path: reports are lost and counted, frames
// are not.
func TestStuckReporter(t *testing.T) {
	src := &fakeSource{format: stereo48k, block: 256, period: time.Millisecond}
	var col collector
	slow := ReporterFunc(func(r *Report) { time.Sleep(30 * time.Millisecond) })
	p, err := New(Options{
		// 16384 frames are 64 ms at this source's 256 000 frames/s: room for a loaded machine's scheduling
		// delays, yet a reporter that held the audio path up for the run's 300 ms would overflow it 4 times over.
		Inputs:    []Input{{Name: "mic", Source: src, RingFrames: 16384}},
		Interval:  time.Millisecond,
		QueueLen:  4,
		Reporters: []Reporter{slow, &col},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if err := p.Run(ctx); err != nil {
		t.Fatal(err)
	}
	c := checkCounters(t, col.of("mic")).Counters
	if c.Dropped != 0 || c.Lost == 0 || c.Captured != src.offered.Load() {
		t.Fatalf("counters %+v (offered %d): want no frames dropped, reports lost", c, src.offered.Load())
	}
	t.Logf("blocked reporter: %d reports delivered, %d lost, 0 frames dropped of %d", len(col.of("mic")), c.Lost, c.Captured)
}

// TestLatency measures the time from a block entering the pipeline (Write) to the report that covers it reaching
// the reporter, with a device-like source at 48 kHz, 256-frame blocks.
func TestLatency(t *testing.T) {
	src := &fakeSource{format: stereo48k, block: 256, period: 256 * time.Second / 48000}
	var col collector
	p, err := New(Options{
		Inputs:    []Input{{Name: "mic", Source: src}},
		Interval:  20 * time.Millisecond,
		Reporters: []Reporter{&col},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	if err := p.Run(ctx); err != nil {
		t.Fatal(err)
	}
	var lat []time.Duration
	col.mu.Lock()
	for i, r := range col.reports {
		if !r.Newest.IsZero() && !r.Final {
			lat = append(lat, col.arrived[i].Sub(r.Newest))
		}
	}
	col.mu.Unlock()
	if len(lat) < 3 {
		t.Fatalf("%d reports with frames of %d", len(lat), len(col.reports))
	}
	slices.Sort(lat)
	for _, d := range lat {
		if d < 0 {
			t.Fatalf("negative latency %v", d)
		}
	}
	t.Logf("end-to-end latency (Write → reporter), %d reports: median %v, p90 %v, max %v",
		len(lat), lat[len(lat)/2], lat[len(lat)*9/10], lat[len(lat)-1])
}

func TestNewErrors(t *testing.T) {
	good := &fakeSource{format: stereo48k, block: 256}
	for _, tc := range []struct {
		name string
		in   []Input
		want string
	}{
		{"none", nil, "no inputs"},
		{"unnamed", []Input{{Source: good}}, "no name"},
		{"duplicate", []Input{{Name: "a", Source: good}, {Name: "a", Source: good}}, `two inputs are named "a"`},
		{"ring", []Input{{Name: "a", Source: good, RingFrames: -1}}, `source "a": ring capacity -1 frames: ring: invalid capacity`},
		{"channels", []Input{{Name: "a", Source: &fakeSource{format: audio.Format{SampleRate: 48000, Channels: 17}}}}, `source "a": 17 channels: must be 1 to 16`},
		{"rate", []Input{{Name: "a", Source: &fakeSource{format: audio.Format{Channels: 2}}}}, `source "a": sample rate 0: must be positive`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(Options{Inputs: tc.in})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("New = %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

// TestStopDuringBackoff: a signal while a failed source waits to be restarted ends the run at once, with the
// summaries.
func TestStopDuringBackoff(t *testing.T) {
	bad := &fakeSource{format: stereo48k, block: 256, period: time.Millisecond, failAfter: 3}
	var col collector
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p, err := New(Options{
		Inputs:     []Input{{Name: "bad", Source: bad}},
		Reporters:  []Reporter{&col},
		MinBackoff: time.Hour,
		OnEvent: func(e Event) {
			if e.Kind == SourceFailed {
				cancel() // stop while the source waits an hour for its restart
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := p.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("Run took %v to stop during a backoff", d)
	}
	f := checkCounters(t, col.of("bad"))
	if f.Counters.Errors != 1 || f.Counters.Restarts != 0 || f.Counters.Captured != 768 {
		t.Fatalf("final counters %+v", f.Counters)
	}
}

// TestStopBeforeStart: a run whose context is already done stops at once with an empty summary per source.
func TestStopBeforeStart(t *testing.T) {
	src := &fakeSource{format: stereo48k, block: 256, period: time.Millisecond}
	var col collector
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	p, err := New(Options{Inputs: []Input{{Name: "a", Source: src}}, Reporters: []Reporter{&col}})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Run(ctx); err != nil {
		t.Fatal(err)
	}
	f := checkCounters(t, col.of("a"))
	if !f.Final || f.Counters.Captured != 0 {
		t.Fatalf("final %+v", f.Counters)
	}
}

// TestLateMeterEnds: a meter that is always behind its report schedule (every piece takes longer than the
// interval) still sees its source end and finishes.
func TestLateMeterEnds(t *testing.T) {
	src := &fakeSource{format: stereo48k, block: 64, total: 4800}
	var col collector
	p, err := New(Options{
		Inputs:      []Input{{Name: "a", Source: src, RingFrames: 64}},
		Interval:    time.Millisecond,
		Reporters:   []Reporter{&col},
		beforeMeter: func(string, int) { time.Sleep(2 * time.Millisecond) },
	})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error)
	go func() { done <- p.Run(context.Background()) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Run did not end")
	}
	if f := checkCounters(t, col.of("a")); f.Counters.Metered != 4800 {
		t.Fatalf("final %+v", f.Counters)
	}
}

// TestInputLayout: an input's layout reaches its meter (the loudness weights) and every report, and an input
// without one gets the default for its channel count.
func TestInputLayout(t *testing.T) {
	f := audio.Format{SampleRate: 48000, Channels: 3}
	lfeLast := dsp.Layout{dsp.FrontLeft, dsp.FrontRight, dsp.LowFrequency}
	backCentre := dsp.Layout{dsp.FrontLeft, dsp.FrontRight, dsp.BackCenter}
	var col collector
	p, err := New(Options{
		Inputs: []Input{
			{Name: "default", Source: &fakeSource{format: f, block: 480, total: 48000}},
			{Name: "set", Source: &fakeSource{format: f, block: 480, total: 48000}, Layout: backCentre},
		},
		Interval:  5 * time.Millisecond,
		Reporters: []Reporter{&col},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		want dsp.Layout
	}{{"default", lfeLast}, {"set", backCentre}} {
		final, ok := col.final(tc.name)
		if !ok || final.Layout.String() != tc.want.String() {
			t.Fatalf("%s: final report's layout %v, want %v", tc.name, final.Layout, tc.want)
		}
		m, err := dsp.NewMeter(dsp.Config{SampleRate: f.SampleRate, Channels: f.Channels, Layout: tc.want})
		if err != nil {
			t.Fatal(err)
		}
		m.Process(signal(48000, f))
		if got, want := final.Total.Loudness.Integrated, m.Levels().Loudness.Integrated; got != want {
			t.Errorf("%s: integrated %v, want %v (the layout's weights)", tc.name, got, want)
		}
	}
	d, _ := col.final("default")
	s, _ := col.final("set")
	if d.Total.Loudness.Integrated == s.Total.Loudness.Integrated {
		t.Errorf("the third channel weighs the same as LFE and as back centre: %v", d.Total.Loudness.Integrated)
	}
}
