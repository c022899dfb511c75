package pipeline_test

import (
	"context"
	"flag"
	"io"
	"math"
	"net/http/httptest"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/levelmeter/levelmeter/audio"
	"github.com/levelmeter/levelmeter/dsp"
	"github.com/levelmeter/levelmeter/logreport"
	"github.com/levelmeter/levelmeter/metrics"
	"github.com/levelmeter/levelmeter/pipeline"
	"github.com/levelmeter/levelmeter/web"
)

// soak is the length of audio TestSoak meters: `go test -run TestSoak -timeout 3h ./pipeline -args -soak=24h` (make
// soak) runs a day of audio. The default is an hour (two minutes in a race build), a few seconds of wall time.
var soak = flag.Duration("soak", 0, "length of audio TestSoak meters (default 1h; 2m with -race)")

// limited ends a looping source after a number of frames, with io.EOF, as a finite source does.
type limited struct {
	audio.Source
	frames int64
}

func (l *limited) Run(ctx context.Context, w audio.Writer) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	lw := &limitWriter{w: w.(audio.SpaceWaiter), left: l.frames, ch: l.Format().Channels, done: cancel}
	err := l.Source.Run(ctx, lw)
	if lw.left == 0 {
		return io.EOF
	}
	return err
}

type limitWriter struct {
	w    audio.SpaceWaiter
	left int64
	ch   int
	done context.CancelFunc
}

func (l *limitWriter) Write(p []float32, s audio.Status) int {
	if n := int64(len(p) / l.ch); n > l.left {
		p = p[:l.left*int64(l.ch)]
	}
	n := l.w.Write(p, s)
	if l.left -= int64(len(p) / l.ch); l.left == 0 {
		l.done()
	}
	return n
}

func (l *limitWriter) WaitFree(ctx context.Context, n int) error { return l.w.WaitFree(ctx, n) }

// sample is one reading of the process's size.
type sample struct {
	heap       uint64 // live heap after a collection, bytes
	goroutines int
	frames     int64 // metered when it was taken
}

func measure(frames int64) sample {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return sample{heap: ms.HeapAlloc, goroutines: runtime.NumGoroutine(), frames: frames}
}

// TestSoak meters hours of 48 kHz stereo audio (a 1 kHz sine at -20 dBFS, the 16-bit test file replayed in a
// loop as fast as the meter goes) through the daemon's whole reporting chain (log, metrics, web, and a scrape of
// /metrics every second). The heap and the goroutine count stay flat, every report keeps captured = metered +
// dropped with nothing dropped, and at the end the integrated loudness, peak and RMS are still the signal's.
func TestSoak(t *testing.T) {
	length := *soak
	if length == 0 {
		length = time.Hour
		if raceBuild {
			length = 2 * time.Minute
		}
	}
	f, err := audio.OpenFile("../testdata/sine-s16-stereo.wav")
	if err != nil {
		t.Skip(err)
	}
	f.Loop = true
	f.FramesPerBuffer = 4096
	const rate = 48000
	total := int64(length.Seconds() * rate)
	src := &limited{Source: f, frames: total}

	log, err := logreport.NewLogger(io.Discard, "json", "info")
	if err != nil {
		t.Fatal(err)
	}
	m := metrics.New(nil, metrics.Options{Version: "soak"})
	w := web.New(web.Options{Version: "soak", Metrics: m.Handler()})
	defer w.Close()

	var (
		reports, bad atomic.Int64
		metered      atomic.Int64
		mu           sync.Mutex
		first, final pipeline.Report
	)
	check := pipeline.ReporterFunc(func(r *pipeline.Report) {
		c := r.Counters
		if c.Captured != c.Metered+c.Dropped || c.Dropped != 0 || c.Errors != 0 || c.Restarts != 0 {
			if bad.Add(1) == 1 {
				t.Errorf("report %d: %+v", reports.Load(), c)
			}
		}
		metered.Store(c.Metered)
		mu.Lock()
		if reports.Add(1) == 1 || (first.Counters.Metered < 60*rate && c.Metered >= 60*rate) {
			first = *r // the first report after a minute of audio (or the first): the loudness has settled
		}
		if r.Final {
			final = *r
		}
		mu.Unlock()
	})
	p, err := pipeline.New(pipeline.Options{
		Inputs:    []pipeline.Input{{Name: "soak", Source: src, ClipLevel: 32767.0 / 32768}},
		Reporters: []pipeline.Reporter{logreport.New(log, time.Second), m, w, check},
		OnEvent:   func(e pipeline.Event) { t.Logf("event %v: %v", e.Kind, e.Err) },
	})
	if err != nil {
		t.Fatal(err)
	}

	start := measure(0)
	t0 := time.Now()
	var samples []sample
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				rec := httptest.NewRecorder()
				m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
				if rec.Code != 200 {
					t.Errorf("/metrics: %d", rec.Code)
				}
				samples = append(samples, measure(metered.Load()))
			}
		}
	}()
	if err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	wall := time.Since(t0)
	close(stop)
	<-sampled
	end := measure(final.Counters.Metered)

	c := final.Counters
	if !final.Final || c.Captured != total || c.Metered != total || c.Dropped != 0 || c.Lost != 0 || bad.Load() != 0 {
		t.Fatalf("final counters %+v (%d bad reports); want %d frames captured and metered, none dropped or lost", c, bad.Load(), total)
	}
	lv := final.Total
	checkNear := func(what string, got, want, tol float64) {
		if math.Abs(got-want) > tol {
			t.Errorf("%s after %v of audio: %.3f, want %.3f ± %.3f", what, length, got, want, tol)
		}
	}
	checkNear("integrated loudness", lv.Loudness.Integrated, -20.0, 0.05)
	checkNear("integrated loudness against the first report's", lv.Loudness.Integrated, first.Total.Loudness.Integrated, 0.01)
	checkNear("sample peak", lv.Overall.SamplePeak, -20.0, 0.01)
	checkNear("RMS", lv.Overall.RMS, -23.01, 0.01)
	checkNear("loudness range", lv.Loudness.Range, 0, 0.1)
	if lv.Overall.Clipped != 0 || lv.Overall.NonFinite != 0 || lv.Frames != total {
		t.Errorf("levels %+v", lv.Overall)
	}
	if !isSine(lv) {
		t.Errorf("correlation %v, want 1", lv.Correlation)
	}

	// The heap and the goroutines once the pipeline is running (the first sample) against the last sample,
	// taken just before the end: the run holds everything it needs from the start.
	if len(samples) >= 2 {
		a, b := samples[0], samples[len(samples)-1]
		if b.heap > a.heap+1<<20 || b.goroutines > a.goroutines {
			t.Errorf("grew from %d B and %d goroutines (after %d frames) to %d B and %d goroutines (after %d frames)",
				a.heap, a.goroutines, a.frames, b.heap, b.goroutines, b.frames)
		}
		t.Logf("running: heap %.2f MiB, %d goroutines after %.0f s of audio; %.2f MiB, %d goroutines after %.0f s",
			mib(a.heap), a.goroutines, float64(a.frames)/rate, mib(b.heap), b.goroutines, float64(b.frames)/rate)
	}
	t.Logf("%v of 48 kHz stereo audio (%d frames) in %v wall: %.0f× real time; %d reports, %d heap samples",
		length, total, wall.Round(time.Millisecond), length.Seconds()/wall.Seconds(), reports.Load(), len(samples))
	t.Logf("before: heap %.2f MiB, %d goroutines; after: heap %.2f MiB, %d goroutines",
		mib(start.heap), start.goroutines, mib(end.heap), end.goroutines)
	t.Logf("end: integrated %.3f LUFS (%.3f after %.0f s), LRA %.2f LU, peak %.3f dBFS, RMS %.3f dBFS; captured %d = metered %d + dropped %d",
		lv.Loudness.Integrated, first.Total.Loudness.Integrated, float64(first.Counters.Metered)/rate, lv.Loudness.Range, lv.Overall.SamplePeak, lv.Overall.RMS,
		c.Captured, c.Metered, c.Dropped)
}

func isSine(lv dsp.Levels) bool { return math.Abs(lv.Correlation-1) < 1e-6 }

func mib(b uint64) float64 { return float64(b) / (1 << 20) }
