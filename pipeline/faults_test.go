package pipeline_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/levelmeter/levelmeter/audio"
	"github.com/levelmeter/levelmeter/metrics"
	"github.com/levelmeter/levelmeter/pipeline"
)

// faulty is a device-like source that delivers blocks at a steady pace and, after a number of blocks in each
// run, either fails or hangs: it stops calling back without returning until its run is cancelled.
type faulty struct {
	after int
	hang  bool
}

var errGone = errors.New("device gone")

func (f *faulty) Format() audio.Format { return audio.Format{SampleRate: 48000, Channels: 2} }

func (f *faulty) Run(ctx context.Context, w audio.Writer) error {
	buf := make([]float32, 2*256)
	for i := range buf {
		buf[i] = 0.1
	}
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for blocks := 0; ; blocks++ {
		if f.after > 0 && blocks == f.after {
			if !f.hang {
				return errGone
			}
			<-ctx.Done()
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		w.Write(buf, 0)
	}
}

// TestFaultsInMetrics: a source that fails after some blocks and one that hangs are both restarted with backoff
// and counted in /metrics (levelmeter_source_errors_total, levelmeter_source_restarts_total), while a healthy
// source beside them shows no error, no restart and no drop.
func TestFaultsInMetrics(t *testing.T) {
	m := metrics.New(nil, metrics.Options{})
	p, err := pipeline.New(pipeline.Options{
		Inputs: []pipeline.Input{
			{Name: "failing", Source: &faulty{after: 10}},
			{Name: "hanging", Source: &faulty{after: 10, hang: true}},
			// 4 s of ring, so that only interference could make the healthy source drop, not a loaded machine.
			{Name: "healthy", Source: &faulty{}, RingFrames: 1 << 20},
		},
		Interval:     10 * time.Millisecond,
		Reporters:    []pipeline.Reporter{m},
		MinBackoff:   10 * time.Millisecond,
		MaxBackoff:   20 * time.Millisecond,
		StallTimeout: 200 * time.Millisecond, // well above how long a loaded machine holds up the healthy source
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := p.Run(ctx); err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body := rec.Body.String()
	value := func(name, source string) float64 {
		t.Helper()
		re := regexp.MustCompile(`(?m)^` + name + `\{source="` + source + `"\} (\S+)$`)
		sm := re.FindStringSubmatch(body)
		if sm == nil {
			t.Fatalf("no %s for %s in\n%s", name, source, body)
		}
		v, _ := strconv.ParseFloat(sm[1], 64)
		return v
	}
	for _, src := range []string{"failing", "hanging"} {
		errs, restarts := value("levelmeter_source_errors_total", src), value("levelmeter_source_restarts_total", src)
		if errs < 2 || restarts < 2 {
			t.Errorf("%s: %v errors, %v restarts in /metrics; want each failure counted and restarted", src, errs, restarts)
		}
		t.Logf("%s: levelmeter_source_errors_total %v, levelmeter_source_restarts_total %v", src, errs, restarts)
	}
	if e, r, d := value("levelmeter_source_errors_total", "healthy"), value("levelmeter_source_restarts_total", "healthy"),
		value("levelmeter_frames_dropped_total", "healthy"); e != 0 || r != 0 || d != 0 {
		t.Errorf("healthy source: %v errors, %v restarts, %v dropped", e, r, d)
	}
}
