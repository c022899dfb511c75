package pipeline

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/levelmeter/levelmeter/audio"
)

// pausingSource runs a Source and holds its goroutine still for pause in the block after the first after
// blocks, as SIGSTOP or a loaded machine would.
type pausingSource struct {
	audio.Source
	after int
	pause time.Duration
}

// Skipped is the File's: the pipeline reads it from the source it was given.
func (s *pausingSource) Skipped() int64 { return s.Source.(*audio.File).Skipped() }

func (s *pausingSource) Run(ctx context.Context, w audio.Writer) error {
	n := 0
	return s.Source.Run(ctx, audio.WriterFunc(func(p []float32, st audio.Status) int {
		n++
		if n == s.after+1 {
			time.Sleep(s.pause)
		}
		return w.Write(p, st)
	}))
}

// TestPausedReplay: a real-time file replay paused for 1.5 s or 3 s loses what it missed as a device that
// overran its buffer does: the pipeline counts one overflow and the frames skipped (and the log and the metrics
// show them), and every frame delivered is still accounted for, captured = metered + dropped.
func TestPausedReplay(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: runs in real time for several seconds")
	}
	var wg sync.WaitGroup
	for _, pause := range []time.Duration{1500 * time.Millisecond, 3 * time.Second} {
		wg.Go(func() {
			f, err := audio.OpenFile("../testdata/sine-s16-stereo.wav")
			if err != nil {
				t.Error(err)
				return
			}
			f.Paced, f.Loop = true, true // 1024-frame blocks: a pause after 10 comes about 0.2 s in
			src := &pausingSource{Source: f, after: 10, pause: pause}
			var final Report
			p, err := New(Options{
				Inputs: []Input{{Name: "replay", Source: src}},
				// The pause is the test's, not a stall.
				StallTimeout: -1,
				Reporters: []Reporter{ReporterFunc(func(r *Report) {
					if r.Final {
						final = *r
					}
				})},
			})
			if err != nil {
				t.Error(err)
				return
			}
			run := pause + time.Second
			ctx, cancel := context.WithTimeout(context.Background(), run)
			defer cancel()
			start := time.Now()
			if err := p.Run(ctx); err != nil {
				t.Error(err)
				return
			}
			elapsed := time.Since(start)
			c := final.Counters
			t.Logf("paused %v in %v: captured %d = metered %d + dropped %d, overflows %d, skipped %d", pause, elapsed.Round(time.Millisecond), c.Captured, c.Metered, c.Dropped, c.Overflows, c.Skipped)
			if c.Captured != c.Metered+c.Dropped {
				t.Errorf("paused %v: captured %d != metered %d + dropped %d", pause, c.Captured, c.Metered, c.Dropped)
			}
			if c.Overflows != 1 {
				t.Errorf("paused %v: %d overflows, want 1", pause, c.Overflows)
			}
			// The frames skipped are counted: all the pause missed but the block due when it ended.
			if lo, hi := int64((pause-300*time.Millisecond).Seconds()*48000), int64((pause+time.Second).Seconds()*48000); c.Skipped < lo || c.Skipped > hi {
				t.Errorf("paused %v: %d frames skipped, want %d to %d", pause, c.Skipped, lo, hi)
			}
			// What was captured is the run's time less the pause, not the whole run's: the missed frames were
			// skipped, not delivered late.
			if max := int64((elapsed - pause + 200*time.Millisecond).Seconds() * 48000); c.Captured > max {
				t.Errorf("paused %v: captured %d frames in %v, more than %d: the pause was made up for", pause, c.Captured, elapsed, max)
			}
		})
	}
	wg.Wait()
}
