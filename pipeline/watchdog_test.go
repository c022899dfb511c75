package pipeline

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestStalledSourceRestarted: a source that stops calling back without returning (a device whose thread hung)
// is noticed after the stall timeout, its run cancelled and restarted with backoff, counted as an error and a
// restart, and the signal resumes; a source beside it is untouched.
func TestStalledSourceRestarted(t *testing.T) {
	hung := &fakeSource{format: stereo48k, block: 256, period: time.Millisecond, stallAfter: 20}
	good := &fakeSource{format: stereo48k, block: 256, period: time.Millisecond}
	var col collector
	var mu sync.Mutex
	var failed []Event
	p, err := New(Options{
		// The good source's ring holds 4 s of its 256 000 frames/s, so that a loaded machine that holds the
		// meter up does not make it drop: only what the hung source did could.
		Inputs:       []Input{{Name: "hung", Source: hung}, {Name: "good", Source: good, RingFrames: 1 << 20}},
		Interval:     10 * time.Millisecond,
		Reporters:    []Reporter{&col},
		MinBackoff:   10 * time.Millisecond,
		MaxBackoff:   20 * time.Millisecond,
		StallTimeout: 200 * time.Millisecond, // well above how long a loaded machine holds up the good source
		OnEvent: func(e Event) {
			mu.Lock()
			defer mu.Unlock()
			if e.Kind == SourceFailed || e.Kind == SourceFatal {
				failed = append(failed, e)
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := p.Run(ctx); err != nil {
		t.Fatal(err)
	}
	h := checkCounters(t, col.of("hung"))
	g := checkCounters(t, col.of("good"))
	if h.Counters.Errors < 2 || h.Counters.Restarts < 2 || hung.runs.Load() < 3 {
		t.Fatalf("hung source: %d errors, %d restarts, %d runs; want each stall noticed and restarted",
			h.Counters.Errors, h.Counters.Restarts, hung.runs.Load())
	}
	if !strings.HasPrefix(h.LastError, ErrStalled.Error()+": no block for ") {
		t.Fatalf("LastError %q", h.LastError)
	}
	// Every run delivered its 20 blocks: the restarts brought the audio back.
	if want := (hung.runs.Load() - 1) * 20 * 256; h.Counters.Captured < want {
		t.Fatalf("hung source captured %d frames in %d runs, want at least %d", h.Counters.Captured, hung.runs.Load(), want)
	}
	if g.Counters.Errors != 0 || g.Counters.Restarts != 0 || g.Counters.Dropped != 0 {
		t.Fatalf("the good source was affected: %+v", g.Counters)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, e := range failed {
		if e.Source != "hung" || e.Kind != SourceFailed || !errors.Is(e.Err, ErrStalled) {
			t.Errorf("event %+v", e)
		}
	}
	t.Logf("hung source: %d stalls noticed at 200 ms, %d restarts, %d frames; good source: %d frames, nothing dropped",
		h.Counters.Errors, h.Counters.Restarts, h.Counters.Captured, g.Counters.Captured)
}

// TestStalledAtStart: a source that never delivers a block fails the run with ErrStalled after twice the stall
// timeout (the first block's allowance), as a source that cannot start does.
func TestStalledAtStart(t *testing.T) {
	dead := &fakeSource{format: stereo48k, block: 256, period: time.Millisecond, stallAfter: -1}
	p, err := New(Options{Inputs: []Input{{Name: "dead", Source: dead, StallTimeout: 40 * time.Millisecond}}})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err = p.Run(context.Background())
	if !errors.Is(err, ErrStalled) || time.Since(start) < 80*time.Millisecond {
		t.Fatalf("Run = %v after %v, want ErrStalled after 80 ms", err, time.Since(start))
	}
	t.Logf("%v", err)
}

// TestFullRingIsNotAStall: a source read as fast as the meter goes waits for room while the meter is stalled
// for many stall timeouts; that wait is the pipeline's, not the source's, and nothing is restarted.
func TestFullRingIsNotAStall(t *testing.T) {
	src := &fakeSource{format: stereo48k, block: 256, total: 48000}
	var col collector
	p, err := New(Options{
		Inputs:       []Input{{Name: "fast", Source: src, RingFrames: 1024}},
		Interval:     10 * time.Millisecond,
		Reporters:    []Reporter{&col},
		StallTimeout: 100 * time.Millisecond, // above how long a loaded machine holds up the source
		beforeMeter: func(_ string, n int) {
			if src.accepted.Load() > 4096 && src.accepted.Load() < 8192 {
				time.Sleep(150 * time.Millisecond) // ten pieces: 1.5 s, fifteen stall timeouts
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	f := checkCounters(t, col.of("fast"))
	if f.Counters.Errors != 0 || f.Counters.Restarts != 0 || f.Counters.Captured != 48000 || f.Counters.Dropped != 0 {
		t.Fatalf("counters %+v: want 48000 frames, no drop, no restart", f.Counters)
	}
}

// TestFastSourceKeepsReporting: a source read as fast as the meter goes keeps the ring from ever emptying; the
// meter still reports at its interval instead of chasing the frames that arrive while it drains.
func TestFastSourceKeepsReporting(t *testing.T) {
	src := &fakeSource{format: stereo48k, block: 256}
	var col collector
	p, err := New(Options{
		Inputs:      []Input{{Name: "fast", Source: src, RingFrames: 1024}},
		Interval:    10 * time.Millisecond,
		Reporters:   []Reporter{&col},
		beforeMeter: func(string, int) { time.Sleep(time.Millisecond) }, // a meter slower than the source
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if err := p.Run(ctx); err != nil {
		t.Fatal(err)
	}
	r := checkCounters(t, col.of("fast"))
	// 30 intervals; a drain that chased the source would make 1 report and the Final.
	if n := len(col.of("fast")); n < 5 || r.Counters.Dropped != 0 {
		t.Fatalf("%d reports in 300 ms at 10 ms, %d frames dropped; want the reports to keep coming and nothing dropped", n, r.Counters.Dropped)
	}
}

// TestBigBlocksBehindStalledMeter: a fast source whose blocks are most of the ring waits for room with the ring
// less than half full while the meter is stalled; it is still not taken for stalled.
func TestBigBlocksBehindStalledMeter(t *testing.T) {
	src := &fakeSource{format: stereo48k, block: 1000, total: 48000}
	var col collector
	var once sync.Once
	piece := 0
	p, err := New(Options{
		Inputs:       []Input{{Name: "fast", Source: src, RingFrames: 1024}},
		Interval:     10 * time.Millisecond,
		Reporters:    []Reporter{&col},
		StallTimeout: 100 * time.Millisecond, // above how long a loaded machine holds up the source
		// The meter takes each 1000-frame block in pieces of 256, 256, 256 and 232 frames; it stalls after the
		// second piece of a block, with 488 frames (less than half the ring) left and the source waiting for 1000.
		beforeMeter: func(_ string, n int) {
			if piece++; n < 256 {
				piece = 0
			}
			if piece == 2 && src.accepted.Load() > 10000 {
				once.Do(func() { time.Sleep(time.Second) }) // ten stall timeouts
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	f := checkCounters(t, col.of("fast"))
	if f.Counters.Errors != 0 || f.Counters.Captured != 48000 || f.Counters.Dropped != 0 {
		t.Fatalf("counters %+v: want 48000 frames, no drop, no restart", f.Counters)
	}
}
