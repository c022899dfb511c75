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

// fiveOne is the i-th report of a synthetic 5.1 source: the stereo programme in L and R, a quieter centre and
// surrounds, and a low LFE.
func fiveOne(source string, i int, integrated float64) *pipeline.Report {
	r := synth(source, i, integrated)
	for _, l := range []*dsp.Levels{&r.Interval, &r.Total} {
		l.Channels = 6
		for c, off := range []float64{0, 0, -3, -14, -9, -10} {
			if c < 2 {
				continue
			}
			pk := l.Channel[0].SamplePeak + off + 2*math.Sin(float64(i+c)/4)
			l.Channel[c] = dsp.Stats{SamplePeak: pk, TruePeak: pk + 0.3, RMS: pk - 12, CrestFactor: 12}
			l.Display[c] = dsp.Display{Peak: pk, Hold: pk + 2}
		}
	}
	return r
}

// silent is the i-th report of a stereo source that went silent.
func silent(source string, i int) *pipeline.Report {
	r := synth(source, i, -24.1)
	inf := math.Inf(-1)
	for c := range 2 {
		r.Interval.Channel[c] = dsp.Stats{SamplePeak: inf, TruePeak: inf, RMS: inf, CrestFactor: math.NaN()}
		r.Interval.Display[c] = dsp.Display{Peak: inf, Hold: inf}
	}
	r.Interval.Overall = r.Interval.Channel[0]
	r.Interval.Correlation = math.NaN()
	r.Interval.Loudness.Momentary, r.Interval.Loudness.ShortTerm = inf, inf
	return r
}

// feed reports the i-th report of every source of the browser test at time at: six sources, one of them 5.1, one
// (fm-backup) silent for the last 200 s of the history with a silence alarm, one (studio-a) that clipped for a
// while.
func feed(s *Server, i int, at time.Time, history bool) {
	var rs []*pipeline.Report
	a := synth("studio-a", i, -23.4)
	a.Interval.Loudness.Windows[0] = dsp.WindowLoudness{Span: time.Minute, Integrated: -22.96, Range: 5}
	a.Interval.Loudness.Windows[1] = dsp.WindowLoudness{Span: time.Hour, Integrated: math.Inf(-1)}
	if !history && i%40 > 30 {
		a.Interval.Display[0].Clip = true // the clip light
		a.Interval.Display[0].Peak, a.Interval.Display[0].Hold = 0, 0
	}
	rs = append(rs, a, mono("line-in", i, -18.7), fiveOne("film", i, -24.2))
	web := synth("web-stream", i+7, -14.3)
	web.Interval.Loudness.Momentary += 9
	web.Interval.Loudness.ShortTerm += 9
	rs = append(rs, web, synth("remote-ob", i+13, -22.8))
	if history && i < 400 {
		rs = append(rs, synth("fm-backup", i+21, -24.1))
	} else {
		rs = append(rs, silent("fm-backup", i))
	}
	for k, r := range rs {
		if l := &r.Interval.Loudness; history && !math.IsInf(l.Momentary, -1) {
			// One report a second: a programme's loudness rather than a sine.
			x := float64(i) + 37*float64(k)
			base := r.Interval.Loudness.Integrated + 1.5
			l.Momentary = base + 3*math.Sin(x/7) + 2.5*math.Sin(x/2.3) + 1.5*math.Sin(x*1.7) - 2*math.Abs(math.Sin(x/41))
			l.ShortTerm = base - 1 + 1.6*math.Sin(x/7-1) + 0.8*math.Sin(x/13) - 1.2*math.Abs(math.Sin(x/41))
		}
		r.Time = at
		r.Newest = time.Now().Add(-30 * time.Millisecond)
		s.Report(r)
	}
}

func TestPageInBrowser(t *testing.T) {
	ctx := browsertest.Start(t, 1280, 1000)
	errs := browsertest.Errors(t, ctx)

	r128 := Target{Name: "ebu-r128", LUFS: -23, Tolerance: 1, MaxTruePeak: -1}
	s := New(Options{Version: "v1.4.0", Targets: map[string]Target{
		"": r128, "web-stream": {Name: "streaming", LUFS: -14, Tolerance: 1, MaxTruePeak: -1},
	}})
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	defer s.Close()

	// Ten minutes the server kept before the page was opened: studio-a clipped for 20 s, fm-backup went silent
	// 200 s ago and has had a silence alarm since.
	start := time.Now().Add(-600 * time.Second)
	silentSince := start.Add(400 * time.Second)
	// The history reaches up to the live reports, however long writing it took.
	n := 0
	for ; !start.Add(time.Duration(n) * time.Second).After(time.Now()); n++ {
		i := n
		switch i {
		case 200:
			s.SetAlarms("studio-a", []Alarm{{Name: "clipping", Since: start.Add(200 * time.Second), Value: 12}})
		case 220:
			s.SetAlarms("studio-a", nil)
		case 410:
			s.SetAlarms("fm-backup", []Alarm{{Name: "silence", Since: silentSince, Value: Float(math.Inf(-1))}})
		}
		feed(s, i, start.Add(time.Duration(i)*time.Second), true)
	}

	// Feed reports every 50 ms until the test ends. For a screenshot worth looking at, feed a longer history.
	shot := os.Getenv("LEVELMETER_SCREENSHOT")
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for i := n; ; i++ {
			feed(s, i, time.Now(), false)
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
		chromedp.WaitVisible(`.ov-row[data-source="web-stream"]`),
		chromedp.Poll[chromedp.Void](`document.querySelectorAll('.ov-row').length === 6`),
	))
	opened := time.Now()

	// The page shows every source in the overview and as a card, with the right channel counts and the
	// layout's labels, and says it is live.
	var shape struct {
		Names, Rows []string
		Bars, Lanes []int
		Film        string
		Conn        string
	}
	eval(`({names: [...document.querySelectorAll('.card')].map(c => c.querySelector('.name').textContent),
	         rows: [...document.querySelectorAll('.ov-row')].map(r => r.querySelector('.ov-name').textContent),
	         bars: [...document.querySelectorAll('.card')].map(c => c.querySelectorAll('.bar').length),
	         lanes: [...document.querySelectorAll('.ov-row')].map(r => r.querySelectorAll('.mini i').length),
	         film: [...document.querySelectorAll('.card[data-source="film"] .ch-name')].map(c => c.textContent).join(' '),
	         conn: document.querySelector('#conn').dataset.state})`, &shape)
	const names = "[film fm-backup line-in remote-ob studio-a web-stream]"
	if fmt.Sprint(shape.Names) != names || fmt.Sprint(shape.Rows) != names || fmt.Sprint(shape.Bars) != "[6 2 1 2 2 2]" ||
		fmt.Sprint(shape.Lanes) != "[6 2 1 2 2 2]" || shape.Conn != "live" {
		t.Errorf("page shows %+v; want cards and rows %s with 6 2 1 2 2 2 channels, live", shape, names)
	}
	if shape.Film != "L R C LFE Ls Rs" {
		t.Errorf("the 5.1 source's channels are labelled %q, want L R C LFE Ls Rs", shape.Film)
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

	// The loudness numbers are the reports'; silence reads −∞.
	var nums map[string]string
	eval(`(() => { const q = (src, sel) => document.querySelector('[data-source="' + src + '"] ' + sel);
	     return {a: q('studio-a', '.integrated').textContent,
	         b: q('line-in', '.integrated').textContent,
	         lra: q('studio-a', '.range').textContent,
	         wins: q('studio-a', '.windows').textContent,
	         winsB: q('line-in', '.windows-fact').hidden ? "hidden" : "shown",
	         tp: q('studio-a', '.true-peak-max').textContent,
	         corr: q('line-in', '.correlation').textContent,
	         dropped: q('studio-a', '.dropped').textContent,
	         lost: q('studio-a', '.lost').textContent,
	         latency: q('studio-a', '.latency').textContent,
	         errA: q('studio-a', '.error').hidden ? "hidden" : "shown",
	         errB: q('line-in', '.error').textContent,
	         rowI: q('web-stream', '.ov-i').textContent,
	         silentM: q('fm-backup', '.momentary').textContent,
	         silentRowS: q('fm-backup', '.ov-s').textContent,
	         target: q('web-stream', '.target-name').textContent,
	         dev: q('studio-a', '.target-dev').textContent,
	         state: q('fm-backup', '.ov-state').textContent,
	         stateA: q('studio-a', '.ov-state').textContent}; })()`, &nums)
	want := map[string]string{"a": "-23.4", "b": "-18.7", "lra": "7.3", "wins": "1m -23.0 \u00b7 1h \u2212\u221e", "winsB": "hidden", "tp": "0.7", "corr": "mono", "dropped": "96",
		"lost": "2", "errA": "hidden", "errB": "device hw:1,0 vanished; restarted", "rowI": "-14.3",
		"silentM": "\u2212\u221e", "silentRowS": "\u2212\u221e", "target": "streaming · -14 LUFS ±1", "dev": "\u22120.4 LU",
		"state": "alarm", "stateA": "running"}
	if !strings.HasSuffix(nums["latency"], " ms") {
		t.Errorf("page shows latency %q, want milliseconds", nums["latency"])
	}
	for k, w := range want {
		if nums[k] != w {
			t.Errorf("page shows %s = %q, want %q", k, nums[k], w)
		}
	}

	// The silent source wears its alarm's badge, in its row and on its card; the others wear none. A new
	// alarm's badge appears with the next report, and goes when the alarm ends.
	var badges map[string][]string
	const badgeJS = `Object.fromEntries([...document.querySelectorAll('.ov-row')].map(r => [r.dataset.source,
	     [...r.querySelectorAll('.badge'), ...document.querySelectorAll('.card[data-source="' + r.dataset.source + '"] .badge')].map(b => b.dataset.alarm)]))`
	eval(badgeJS, &badges)
	if fmt.Sprint(badges) != "map[film:[] fm-backup:[silence silence] line-in:[] remote-ob:[] studio-a:[] web-stream:[]]" {
		t.Errorf("alarm badges: %v, want silence on fm-backup's row and card only", badges)
	}
	s.SetAlarms("film", []Alarm{{Name: "channel_dead", Since: time.Now(), Value: 4}})
	run("a new alarm's badge", chromedp.Poll[chromedp.Void](`document.querySelector('.ov-row[data-source="film"] .badge[data-alarm="channel_dead"]') !== null`))
	s.SetAlarms("film", nil)
	run("an ended alarm's badge goes", chromedp.Poll[chromedp.Void](`document.querySelector('.ov-row[data-source="film"] .badge') === null`))

	// The history the server kept is on the page at once: ten minutes of it, with the clipping that ended.
	historyJS := `(() => { const h = window.levelmeter.sources['studio-a'].hist; return {loaded: window.levelmeter.sources['studio-a'].historyLoaded,
	     window: h.window, step: h.step, points: h.points.length, first: h.points.length ? h.points[0].t : 0,
	     alarms: h.points.filter(p => p.alarms && p.alarms.includes('clipping')).length}; })()`
	var hist struct {
		Loaded        bool
		Window        string
		Step          int64
		Points        int
		First, Alarms int64
	}
	click := func(window string) {
		t.Helper()
		run("show "+window, chromedp.Steps(
			chromedp.Click(`#views button[data-window="`+window+`"]`),
			chromedp.Poll[chromedp.Void](`Object.values(window.levelmeter.sources).every(s => s.historyLoaded && s.hist.window === '`+window+`')`),
		))
	}
	click("10m")
	eval(historyJS, &hist)
	if !hist.Loaded || hist.Step != 1 || hist.Points < 590 || hist.First > opened.Add(-590*time.Second).Unix() || hist.Alarms != 20 {
		t.Errorf("10 min history: %+v; want 600 one-second points from before the page opened, 20 with the clipping alarm", hist)
	}
	click("1h")
	eval(historyJS, &hist)
	if hist.Step != 6 || hist.Points < 95 || hist.Points > 110 || hist.Alarms < 3 {
		t.Errorf("1 h history: %+v; want about 100 six-second points, some with the clipping alarm", hist)
	}
	click("10m")

	// The history canvas has drawn the momentary and short-term curves, the target band, and the alarm strip.
	var drawn map[string]int
	eval(`(() => { const c = document.querySelector('.card[data-source="fm-backup"] canvas');
	         const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; const n = {cyan: 0, red: 0, band: 0};
	         for (let i = 0; i < d.length; i += 4) {
	           const [r, g, b, a] = [d[i], d[i+1], d[i+2], d[i+3]]; /* not premultiplied by alpha */
	           if (a > 200 && b > 200 && r < 120) n.cyan++; /* the momentary line */
	           if (a > 200 && r > 230 && g < 80 && b < 80) n.red++; /* the alarm strip */
	           if (a > 0 && a < 40 && g > 200 && r < 80) n.band++; /* the target band, nearly transparent green */
	         }
	         return n; })()`, &drawn)
	if drawn["cyan"] == 0 || drawn["red"] == 0 || drawn["band"] == 0 {
		t.Errorf("the loudness history shows too little: %v pixels; want the momentary curve, the alarm strip and the target band", drawn)
	}

	// A reload keeps the history: it comes from the server, so the page has it before a minute of reports.
	run("reload", chromedp.Steps(
		chromedp.Reload(),
		chromedp.WaitVisible(`.card[data-source="studio-a"]`),
		chromedp.Poll[chromedp.Void](`Object.values(window.levelmeter.sources).length === 6 && Object.values(window.levelmeter.sources).every(s => s.historyLoaded)`),
	))
	eval(historyJS, &hist)
	if hist.Window != "10m" || hist.Points < 590 || hist.Alarms != 20 {
		t.Errorf("after a reload: %+v; want the 10 min view and its 600 points back", hist)
	}

	// The silent source's history is continuous: no second without its point and its alarm.
	var holes []string
	eval(`(() => { const h = window.levelmeter.sources['fm-backup'].hist, out = [];
	     h.points.forEach((p, i) => { if (i > 0 && p.t !== h.points[i-1].t + h.step) out.push('gap before ' + p.t + ' after ' + h.points[i-1].t);
	       if (p.t > h.points[h.points.length-1].t - 150 && !(p.alarms || []).includes('silence')) out.push('no alarm at ' + p.t + (p.live ? ' live' : '')); });
	     return out; })()`, &holes)
	if len(holes) > 0 {
		t.Errorf("fm-backup's history has holes: %q", holes)
	}

	// A screenshot of the whole page, and for the documentation (LEVELMETER_SCREENSHOT=docs/web-meter.png) one of
	// the overview and the first two cards, the 5.1 source's and the silent one's.
	time.Sleep(time.Second)
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "levelmeter-web.png")
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", p)
	if shot != "" {
		run("size the page for the screenshot", chromedp.EmulateViewport(1280, 1336))
		time.Sleep(3 * time.Second)
		png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(shot, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s", shot)
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

// Sixteen sources fit one 1280×800 screen in the overview, under the server's Content-Security-Policy (the
// style sheet and the script are loaded, nothing inline is needed).
func TestOverviewFitsOneScreen(t *testing.T) {
	ctx := browsertest.Start(t, 1280, 800)
	errs := browsertest.Errors(t, ctx)
	s := New(Options{})
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	defer s.Close()
	report := func() {
		for i := range 16 {
			name := fmt.Sprintf("studio-%02d with a longer name", i)
			var r *pipeline.Report
			switch i % 4 {
			case 0:
				r = fiveOne(name, i, -23)
			case 1:
				r = mono(name, i, -20)
			default:
				r = synth(name, i, -24)
			}
			r.Time = time.Now()
			s.Report(r)
		}
	}
	s.SetAlarms("studio-03 with a longer name", []Alarm{{Name: "silence", Since: time.Now()}, {Name: "phase_inverted", Since: time.Now(), Value: -0.8}})
	report()

	c, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(c, chromedp.Steps(chromedp.Navigate(srv.URL),
		chromedp.Poll[chromedp.Void](`document.querySelectorAll('.ov-row').length === 16`))); err != nil {
		t.Fatalf("open the page: %v (page errors: %q)", err, errs())
	}
	report()
	raw, err := chromedp.Run(c, chromedp.Evaluate[[]byte](`(() => {
	    const rows = [...document.querySelectorAll('.ov-row')];
	    const last = rows[rows.length - 1].getBoundingClientRect();
	    const badges = rows[3].querySelectorAll('.badge');
	    return {bottom: last.bottom, height: innerHeight, scroll: document.documentElement.scrollWidth, width: innerWidth,
	            background: getComputedStyle(document.body).backgroundColor,
	            badges: badges.length, badgeInside: [...badges].every(b => b.getBoundingClientRect().right <= rows[3].getBoundingClientRect().right)};
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Bottom, Height, Scroll, Width float64
		Background                    string
		Badges                        int
		BadgeInside                   bool
	}
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	if got.Bottom > got.Height || got.Scroll > got.Width {
		t.Errorf("16 rows end at %v px of a %v px screen, page %v px wide in %v: they do not fit", got.Bottom, got.Height, got.Scroll, got.Width)
	}
	if got.Background != "rgb(11, 13, 16)" {
		t.Errorf("the page's background is %q: its style sheet did not load under the CSP", got.Background)
	}
	if p := os.Getenv("LEVELMETER_OVERVIEW_SCREENSHOT"); p != "" {
		png, err := chromedp.Run(c, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if got.Badges != 2 || !got.BadgeInside {
		t.Errorf("studio-03's row shows %d badges (inside the row: %v), want 2", got.Badges, got.BadgeInside)
	}
	if e := errs(); len(e) > 0 {
		t.Errorf("the page reported errors: %q", e)
	}
}
