package web

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/levelmeter/levelmeter/dsp"
	"github.com/levelmeter/levelmeter/internal/browsertest"
	"github.com/levelmeter/levelmeter/pipeline"
)

// mono is the i-th report of a synthetic mono source with a steady, quieter programme.
func mono(source string, i int, integrated float64) *pipeline.Report {
	r := synth(source, i, integrated)
	l := &r.Interval
	l.Channels = 1
	l.Correlation = math.NaN()
	l.SampleRate = 44100
	pk := -20 + 6*math.Sin(float64(i)/3)
	l.Channel[0] = dsp.Stats{SamplePeak: pk, TruePeak: pk + 0.2, RMS: pk - 10, CrestFactor: 10}
	l.Display[0] = dsp.Display{Peak: pk, Hold: -13.5}
	l.Loudness.Momentary, l.Loudness.ShortTerm = -19+3*math.Sin(float64(i)/3), -18.9+math.Sin(float64(i)/20)
	r.Total = *l
	r.Total.Overall.TruePeak = -12.8
	r.Counters.Dropped, r.Counters.Overflows, r.Counters.Metered, r.Counters.Lost = 0, 0, r.Counters.Captured, 0
	r.Counters.Restarts, r.Counters.Errors = 1, 1
	r.LastError = "device hw:1,0 vanished; restarted"
	return r
}

func TestPageInBrowser(t *testing.T) {
	ctx := browsertest.Start(t, 1480, 1000)
	errs := browsertest.Errors(t, ctx)

	s := New(Options{Version: "v1.4.0"})
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	defer s.Close()

	// Feed reports every 50 ms until the test ends. For a screenshot worth looking at, feed a longer history.
	shot := os.Getenv("LEVELMETER_SCREENSHOT")
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for i := 0; ; i++ {
			a := synth("studio-a", i, -23.4)
			if i%40 > 30 {
				a.Interval.Display[0].Clip = true // the clip light
				a.Interval.Display[0].Peak, a.Interval.Display[0].Hold = 0, 0
			}
			s.Report(a)
			s.Report(mono("line-in", i, -18.7))
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	defer func() { close(stop); wg.Wait() }()

	run := func(what string, a chromedp.Action[chromedp.Void]) {
		t.Helper()
		c, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		if err := chromedp.Do(c, a); err != nil {
			t.Fatalf("%s: %v (page errors: %q)", what, err, errs())
		}
	}
	eval := func(expr string, v any) {
		t.Helper()
		c, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		raw, err := chromedp.Run(c, chromedp.Evaluate[[]byte](expr))
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		if err := json.Unmarshal(raw, v); err != nil {
			t.Fatalf("%s = %s: %v", expr, raw, err)
		}
	}

	run("open the page", chromedp.Steps(
		chromedp.Navigate(srv.URL),
		chromedp.WaitVisible(`.card[data-source="studio-a"]`),
		chromedp.WaitVisible(`.card[data-source="line-in"]`),
	))

	// The page shows both sources with the right channel counts, and says it is live.
	var shape struct {
		Names []string
		Bars  []int
		Conn  string
	}
	eval(`({names: [...document.querySelectorAll('.card')].map(c => c.querySelector('.name').textContent),
	         bars: [...document.querySelectorAll('.card')].map(c => c.querySelectorAll('.bar').length),
	         conn: document.querySelector('#conn').dataset.state})`, &shape)
	if fmt.Sprint(shape.Names) != "[line-in studio-a]" || fmt.Sprint(shape.Bars) != "[1 2]" || shape.Conn != "live" {
		t.Errorf("page shows %+v; want cards line-in (1 bar) and studio-a (2 bars), live", shape)
	}

	// The bars move: the level under the bar changes between two looks.
	const bars = `[...document.querySelectorAll('.card[data-source="studio-a"] .fill')].map(f => f.dataset.db + ' ' + f.style.clipPath)`
	var before, after []string
	eval(bars, &before)
	time.Sleep(500 * time.Millisecond)
	eval(bars, &after)
	if len(before) != 2 || fmt.Sprint(before) == fmt.Sprint(after) || strings.Contains(fmt.Sprint(after), "undefined") {
		t.Errorf("the bars did not move: %q, then %q", before, after)
	}

	// The loudness numbers are the reports'.
	var nums map[string]string
	eval(`({a: document.querySelector('.card[data-source="studio-a"] .integrated').textContent,
	         b: document.querySelector('.card[data-source="line-in"] .integrated').textContent,
	         lra: document.querySelector('.card[data-source="studio-a"] .range').textContent,
	         tp: document.querySelector('.card[data-source="studio-a"] .true-peak-max').textContent,
	         corr: document.querySelector('.card[data-source="line-in"] .correlation').textContent,
	         dropped: document.querySelector('.card[data-source="studio-a"] .dropped').textContent,
	         lost: document.querySelector('.card[data-source="studio-a"] .lost').textContent,
	         latency: document.querySelector('.card[data-source="studio-a"] .latency').textContent,
	         errA: document.querySelector('.card[data-source="studio-a"] .error').hidden ? "hidden" : "shown",
	         errB: document.querySelector('.card[data-source="line-in"] .error').textContent})`, &nums)
	want := map[string]string{"a": "-23.4", "b": "-18.7", "lra": "7.3", "tp": "0.7", "corr": "mono", "dropped": "96",
		"lost": "2", "errA": "hidden", "errB": "device hw:1,0 vanished; restarted"}
	if !strings.HasSuffix(nums["latency"], " ms") {
		t.Errorf("page shows latency %q, want milliseconds", nums["latency"])
	}
	for k, w := range want {
		if nums[k] != w {
			t.Errorf("page shows %s = %q, want %q", k, nums[k], w)
		}
	}

	// The history canvas has drawn the momentary and short-term curves.
	var drawn int
	eval(`(() => { const c = document.querySelector('.card[data-source="studio-a"] canvas');
	         const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;
	         for (let i = 0; i < d.length; i += 4) if (d[i+2] > 200 && d[i] < 120) n++; /* the cyan momentary line */
	         return n; })()`, &drawn)
	if drawn == 0 {
		t.Error("the loudness history shows no momentary curve")
	}

	if shot != "" {
		time.Sleep(12 * time.Second)
	} else {
		time.Sleep(time.Second)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{filepath.Join(t.TempDir(), "levelmeter-web.png"), shot} {
		if p == "" {
			continue
		}
		if err := os.WriteFile(p, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s", p)
	}

	// The page reconnects after the connection drops.
	var updates int
	eval(`window.levelmeter.updates`, &updates)
	srv.CloseClientConnections()
	run("reconnect", chromedp.Poll[chromedp.Void](fmt.Sprintf(`window.levelmeter.connected && window.levelmeter.updates > %d + 10`, updates)))
	if st := s.Stats(); st.Connected < 2 {
		t.Errorf("the page connected %d times, want a reconnection", st.Connected)
	}

	if e := errs(); len(e) > 0 {
		t.Errorf("the page reported errors: %q", e)
	}
}
