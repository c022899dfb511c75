package pipeline

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/levelmeter/levelmeter/dsp"
	"github.com/levelmeter/levelmeter/dsp/dsptest"
)

// waitFor polls cond for up to 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(2 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no %s after 10 s", what)
		}
	}
}

func meteredAtLeast(col *collector, source string, n int64) func() bool {
	return func() bool {
		r := col.of(source)
		return len(r) > 0 && r[len(r)-1].Counters.Metered >= n
	}
}

// TestChangeKeepsOthers: removing, adding and replacing sources while the pipeline runs leaves an untouched
// source running without a gap: one run, one Final report, every frame it delivered captured = metered +
// dropped, and its final levels (integrated loudness among them) those of one meter fed its whole signal. A
// removed source ends with its Final report; a replaced one gets a Final report per run.
func TestChangeKeepsOthers(t *testing.T) {
	device := func() *fakeSource { return &fakeSource{format: stereo48k, block: 96, period: 2 * time.Millisecond} }
	keep, old, new1, new2 := device(), device(), device(), device()
	var col collector
	p, err := New(Options{
		Inputs:    []Input{{Name: "keep", Source: keep}, {Name: "old", Source: old}},
		Interval:  10 * time.Millisecond,
		Reporters: []Reporter{&col},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ran := make(chan error, 1)
	go func() { ran <- p.Run(ctx) }()
	waitFor(t, "audio from keep", meteredAtLeast(&col, "keep", 4800))

	if err := p.Change([]string{"old"}, []Input{{Name: "new", Source: new1}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "Final report of old", func() bool { _, ok := col.final("old"); return ok })
	if got := p.Names(); !slices.Equal(got, []string{"keep", "new"}) {
		t.Fatalf("names %v after the change, want keep, new", got)
	}
	for _, tc := range []struct {
		remove []string
		add    []Input
		want   string
	}{
		{[]string{"nope"}, nil, `pipeline: no input named "nope"`},
		{nil, []Input{{Name: "keep", Source: device()}}, `pipeline: two inputs are named "keep"`},
		{[]string{"new"}, []Input{{Name: "bad", Source: &fakeSource{format: stereo48k}}, {Name: "", Source: device()}}, "pipeline: an input has no name"},
	} {
		if err := p.Change(tc.remove, tc.add); err == nil || err.Error() != tc.want {
			t.Errorf("Change(%v, %d inputs): %v, want %q", tc.remove, len(tc.add), err, tc.want)
		}
	}
	if got := p.Names(); !slices.Equal(got, []string{"keep", "new"}) {
		t.Fatalf("names %v after refused changes, want them unchanged", got)
	}
	waitFor(t, "audio from new", meteredAtLeast(&col, "new", 960))
	if err := p.Change([]string{"new"}, []Input{{Name: "new", Source: new2}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "audio from the replaced new", func() bool {
		r := col.of("new")
		return len(r) > 0 && !r[len(r)-1].Final && r[len(r)-1].Counters.Metered >= 960
	})
	// Long enough across the changes for keep's integrated loudness (400 ms blocks) to be a number.
	waitFor(t, "a second of audio from keep", meteredAtLeast(&col, "keep", 48000))
	cancel()
	if err := <-ran; err != nil {
		t.Fatal(err)
	}
	if err := p.Change(nil, []Input{{Name: "late", Source: device()}}); !errors.Is(err, ErrStopped) {
		t.Errorf("Change after the run: %v, want ErrStopped", err)
	}

	reports := col.of("keep")
	final := checkCounters(t, reports)
	for _, r := range reports {
		if !r.Started.Equal(reports[0].Started) {
			t.Fatalf("keep restarted: started %v, then %v", reports[0].Started, r.Started)
		}
	}
	c := final.Counters
	if c.Captured != keep.offered.Load() || c.Restarts != 0 || keep.runs.Load() != 1 {
		t.Fatalf("keep: counters %+v after %d runs, want every one of the %d frames it delivered, in one run", c, keep.runs.Load(), keep.offered.Load())
	}
	if i := final.Total.Loudness.Integrated; math.IsInf(i, 0) || math.IsNaN(i) {
		t.Fatalf("keep's integrated loudness %v after a second of a sine", i)
	}
	if c.Dropped == 0 { // the signal metered is then the whole signal
		m, err := dsp.NewMeter(dsp.Config{SampleRate: 48000, Channels: 2})
		if err != nil {
			t.Fatal(err)
		}
		m.Process(signal(c.Captured, stereo48k))
		if d := dsptest.Diff(final.Total, m.Levels()); d != "" {
			t.Fatalf("keep's final levels differ from one meter over its whole signal (its meter was reset?):\n%s", d)
		}
	} else {
		t.Logf("keep dropped %d frames on a loaded machine; its levels are not compared", c.Dropped)
	}
	if f := checkCounters(t, col.of("old")); f.Counters.Captured != old.offered.Load() {
		t.Errorf("old: captured %d, delivered %d", f.Counters.Captured, old.offered.Load())
	}
	finals := 0
	for _, r := range col.of("new") {
		if r.Final {
			finals++
		}
	}
	if finals != 2 || new1.runs.Load() != 1 || new2.runs.Load() != 1 {
		t.Errorf("new: %d Final reports, runs %d and %d; want one Final per source", finals, new1.runs.Load(), new2.runs.Load())
	}
}

// TestChangeRunEnds: replacing the only source keeps the run going; removing it ends the run; a source added
// at run time that fails before delivering anything is restarted instead of ending the run.
func TestChangeRunEnds(t *testing.T) {
	device := func() *fakeSource { return &fakeSource{format: stereo48k, block: 96, period: 2 * time.Millisecond} }
	var col collector
	p, err := New(Options{
		Inputs:     []Input{{Name: "a", Source: device()}},
		Interval:   10 * time.Millisecond,
		Reporters:  []Reporter{&col},
		MinBackoff: 5 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	ran := make(chan error, 1)
	go func() { ran <- p.Run(context.Background()) }()
	waitFor(t, "audio from a", meteredAtLeast(&col, "a", 960))
	flaky := &fakeSource{format: stereo48k, block: 96, period: 2 * time.Millisecond, failFirst: true}
	if err := p.Change([]string{"a"}, []Input{{Name: "b", Source: flaky}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "audio from b after its failed start", meteredAtLeast(&col, "b", 960))
	select {
	case err := <-ran:
		t.Fatalf("the run ended (%v) when its only source was replaced", err)
	default:
	}
	if err := p.Change([]string{"b"}, nil); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-ran:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the run did not end when its last source was removed")
	}
	for _, name := range []string{"a", "b"} {
		f := checkCounters(t, col.of(name))
		if name == "b" && (f.Counters.Errors != 1 || !strings.Contains(f.LastError, "unplugged")) {
			t.Errorf("b: %+v, last error %q; want its failed start counted", f.Counters, f.LastError)
		}
	}
}
