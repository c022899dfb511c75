package pipeline_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/levelmeter/levelmeter/audio"
	"github.com/levelmeter/levelmeter/logreport"
	"github.com/levelmeter/levelmeter/pipeline"
)

// tone is a device-like source: a sine in blocks, one block per period, for a fixed number of frames.
type tone struct {
	block, total      int
	period            time.Duration
	offered, accepted atomic.Int64
	done              chan struct{} // closed, if set, once the last block has been written
}

func (tn *tone) Format() audio.Format { return audio.Format{SampleRate: 48000, Channels: 2} }

func (tn *tone) Run(ctx context.Context, w audio.Writer) error {
	buf := make([]float32, 2*tn.block)
	tick := time.NewTicker(tn.period)
	defer tick.Stop()
	for pos := 0; pos < tn.total; pos += tn.block {
		for i := range tn.block {
			v := float32(0.5 * math.Sin(2*math.Pi*1000*float64(pos+i)/48000))
			buf[2*i], buf[2*i+1] = v, v
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		n := w.Write(buf, 0)
		tn.offered.Add(int64(tn.block))
		tn.accepted.Add(int64(n))
	}
	if tn.done != nil {
		close(tn.done)
	}
	return io.EOF
}

// TestStallDropsCounted slows the meter down on purpose while a real-time source fills a small ring: frames are
// dropped and every one is counted, captured = metered + dropped at every report and at the end, the log warns
// (at most once per log interval, with the counts since the previous warning), and once the stall ends nothing
// more is dropped.
func TestStallDropsCounted(t *testing.T) {
	src := &tone{block: 250, total: 48000, period: 5 * time.Millisecond} // 50 000 frames/s, about real time
	var (
		mu         sync.Mutex
		reports    []pipeline.Report
		once       sync.Once
		stallUntil time.Time
	)
	var logs bytes.Buffer
	logger, err := logreport.NewLogger(&logs, "json", "info")
	if err != nil {
		t.Fatal(err)
	}
	const logEvery = 50 * time.Millisecond
	p, err := pipeline.New(pipeline.WithBeforeMeter(pipeline.Options{
		Inputs:   []pipeline.Input{{Name: "mic", Source: src, RingFrames: 4096}},
		Interval: 10 * time.Millisecond,
		Reporters: []pipeline.Reporter{
			pipeline.ReporterFunc(func(r *pipeline.Report) {
				mu.Lock()
				reports = append(reports, *r)
				mu.Unlock()
			}),
			logreport.New(logger, logEvery),
		},
	}, func(_ string, n int) {
		// One stall of 300 ms at the first block; afterwards the meter runs at full speed.
		once.Do(func() { stallUntil = time.Now().Add(300 * time.Millisecond) })
		if d := time.Until(stallUntil); d > 0 {
			time.Sleep(d)
		}
	}))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}

	mu.Lock()
	defer mu.Unlock()
	for i, r := range reports {
		c := r.Counters
		if c.Captured != c.Metered+c.Dropped {
			t.Fatalf("report %d: captured %d != metered %d + dropped %d", i, c.Captured, c.Metered, c.Dropped)
		}
	}
	final := reports[len(reports)-1]
	c := final.Counters
	if !final.Final || c.Captured != 48000 || c.Captured != src.offered.Load() {
		t.Fatalf("final report %+v (Final %v); the source offered %d", c, final.Final, src.offered.Load())
	}
	if c.Metered != src.accepted.Load() || c.Dropped != src.offered.Load()-src.accepted.Load() {
		t.Fatalf("counters %+v; the source saw %d of %d frames accepted", c, src.accepted.Load(), src.offered.Load())
	}
	if c.Dropped == 0 {
		t.Fatal("nothing dropped: the stall did not fill the ring")
	}
	late := 0
	for _, r := range reports {
		// The ring (82 ms) drains in a few milliseconds once the stall ends; 100 ms leaves room for a loaded
		// machine's scheduling delays, which are not what this test is about.
		if r.Time.After(stallUntil.Add(100*time.Millisecond)) && r.Counters.Dropped != c.Dropped {
			late++
		}
	}
	if late > 0 {
		t.Errorf("%d reports after the stall ended still saw new drops: the meter did not recover", late)
	}
	t.Logf("stall 300 ms, ring 4096 frames, 50 000 frames/s: captured %d = metered %d + dropped %d (%.1f ms of audio); %d reports",
		c.Captured, c.Metered, c.Dropped, float64(c.Dropped)/50, len(reports))

	var warnings []time.Time
	var warned int64
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line is not JSON: %q: %v", line, err)
		}
		if m["level"] == "warn" {
			ts, _ := time.Parse(time.RFC3339Nano, m["time"].(string))
			warnings = append(warnings, ts)
			warned += int64(m["dropped"].(float64))
		}
	}
	if len(warnings) == 0 {
		t.Fatalf("no warning about the dropped frames in the log:\n%s", logs.String())
	}
	if warned > c.Dropped || warned == 0 {
		t.Fatalf("the warnings count %d dropped frames; %d were dropped", warned, c.Dropped)
	}
	t.Logf("%d warning(s) in the log, counting %d of the %d dropped frames (the summary has the total)", len(warnings), warned, c.Dropped)
}

// blockingWriter is a log destination that stalls: every write waits for gate to close (if set), then takes
// delay.
type blockingWriter struct {
	gate   <-chan struct{}
	delay  time.Duration
	mu     sync.Mutex
	writes int
}

func (b *blockingWriter) Write(p []byte) (int, error) {
	if b.gate != nil {
		<-b.gate
	}
	time.Sleep(b.delay)
	b.mu.Lock()
	b.writes++
	b.mu.Unlock()
	return len(p), nil
}

// TestSlowLogWriter: a log writer that is stuck, then takes 50 ms a line, never back-pressures the audio path:
// no frame is dropped; reports are discarded and counted instead.
func TestSlowLogWriter(t *testing.T) {
	// The writer is stuck until the source has delivered its last frame, then takes 50 ms a line: the queue of 8
	// fills with the reports of the run (one per 5 ms over at least 96 ms) however slow the machine is.
	src := &tone{block: 250, total: 24000, period: time.Millisecond, done: make(chan struct{})} // 4.8× real time
	logger, _ := logreport.NewLogger(&blockingWriter{gate: src.done, delay: 50 * time.Millisecond}, "json", "info")
	var final pipeline.Report
	p, err := pipeline.New(pipeline.Options{
		// 16384 frames are 68 ms at 240 000 frames/s: room for scheduling delays, yet a log writer that held the
		// audio path up (50 ms a line, a line every few milliseconds) would overflow it within the run.
		Inputs:   []pipeline.Input{{Name: "mic", Source: src, RingFrames: 16384}},
		Interval: 5 * time.Millisecond,
		QueueLen: 8,
		Reporters: []pipeline.Reporter{logreport.New(logger, time.Millisecond), pipeline.ReporterFunc(func(r *pipeline.Report) {
			if r.Final {
				final = *r
			}
		})},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	c := final.Counters
	if !final.Final || c.Dropped != 0 || c.Captured != 24000 || c.Metered != 24000 || c.Lost == 0 {
		t.Fatalf("final counters %+v: want every frame metered, none dropped, reports lost", c)
	}
	t.Logf("log writer at 50 ms a line: 0 of %d frames dropped, %d reports discarded", c.Captured, c.Lost)
}
