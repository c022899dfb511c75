package main

// End-to-end tests of the ways people and machines look at the meter: a daemon replaying a WAV file in real
// time, e2eScrape by a Prometheus client, shown in a real browser, and followed by many event-stream clients.
// The daemon runs in this process through runDaemon(), on a free port of 127.0.0.1.

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/levelmeter/levelmeter/dsp"
	"github.com/levelmeter/levelmeter/internal/browsertest"
	"github.com/levelmeter/levelmeter/web"
)

// e2eDaemon is `levelmeter run` running in this process.
type e2eDaemon struct {
	addr      string
	out, errs syncBuffer
	sigs      chan os.Signal
	done      chan int
	code      int
	stopped   bool
}

// startE2E runs the daemon with args, JSON logs and a free port of 127.0.0.1, and waits until it listens.
// The test's cleanup stops it if the test has not.
func startE2E(t *testing.T, args ...string) *e2eDaemon {
	t.Helper()
	d := &e2eDaemon{sigs: make(chan os.Signal, 2), done: make(chan int, 1)}
	args = append(args, "--log-format", "json", "--listen", "127.0.0.1:0")
	go func() { d.done <- runDaemon(args, &d.out, &d.errs, d.sigs) }()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(d.out.String(), `"message":"levelmeter starting"`) {
		select {
		case code := <-d.done:
			t.Fatalf("the daemon exited with %d before it started: %s\n%s", code, d.errs.String(), d.out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("the daemon did not start within 20 s:\n%s", d.out.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	start := logLines(t, d.out.String(), "levelmeter starting")
	d.addr, _ = start[0]["listen"].(string)
	t.Cleanup(func() { d.stop(t) })
	if d.addr == "" {
		t.Fatalf("no listen address in the start line %v", start[0])
	}
	return d
}

// stop sends SIGTERM and returns the exit status.
func (d *e2eDaemon) stop(t *testing.T) int {
	t.Helper()
	if d.stopped {
		return d.code
	}
	d.stopped = true
	d.sigs <- syscall.SIGTERM
	select {
	case d.code = <-d.done:
	case <-time.After(20 * time.Second):
		t.Errorf("the daemon did not stop within 20 s of SIGTERM")
		d.code = -1
	}
	return d.code
}

func (d *e2eDaemon) url(path string) string { return "http://" + d.addr + path }

// e2eConfig writes a configuration of a WAV file replayed once in real time ("clip") and the demo replayed in a
// loop ("keep"), which keeps the daemon running after the clip has ended. It returns its path.
func e2eConfig(t *testing.T, clip string) string {
	t.Helper()
	demo := abs(t, "../../testdata/demo.wav")
	body := fmt.Sprintf(`sources:
  - name: clip
    wav: %s
    pace: realtime
    loop: false
    frames_per_buffer: 1024
    ring_capacity: 262144
  - name: keep
    wav: %s
    pace: realtime
    loop: true
    frames_per_buffer: 1024
    ring_capacity: 262144
report_interval: 100ms
`, clip, demo)
	p := filepath.Join(t.TempDir(), "levelmeter.yaml")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// ─── WAV files ─────────────────────────────────────────────────────────────────────────────────────────────────

// e2eWAV is a WAV file's format chunk and sample bytes.
type e2eWAV struct {
	format     []byte // the fmt chunk's body, as in the file
	data       []byte
	blockAlign int // bytes per frame
}

func e2eReadWAV(t *testing.T, path string) e2eWAV {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 12 || string(b[:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		t.Fatalf("%s is not a RIFF WAVE file", path)
	}
	var w e2eWAV
	for p := 12; p+8 <= len(b); {
		id, n := string(b[p:p+4]), int(binary.LittleEndian.Uint32(b[p+4:p+8]))
		body := b[p+8 : min(len(b), p+8+n)]
		switch id {
		case "fmt ":
			w.format = body
			w.blockAlign = int(binary.LittleEndian.Uint16(body[12:14]))
		case "data":
			w.data = body
		}
		p += 8 + n + n%2
	}
	if w.format == nil || w.data == nil || w.blockAlign == 0 {
		t.Fatalf("%s: no fmt or data chunk", path)
	}
	return w
}

// writePrefix writes the first n frames of w as a WAV file of the same format.
func (w e2eWAV) writePrefix(t *testing.T, path string, n int64) {
	t.Helper()
	data := w.data[:n*int64(w.blockAlign)]
	chunk := func(b *bytes.Buffer, id string, body []byte) {
		b.WriteString(id)
		binary.Write(b, binary.LittleEndian, uint32(len(body)))
		b.Write(body)
		if len(body)%2 == 1 {
			b.WriteByte(0)
		}
	}
	var body bytes.Buffer
	body.WriteString("WAVE")
	chunk(&body, "fmt ", w.format)
	chunk(&body, "data", data)
	var f bytes.Buffer
	chunk(&f, "RIFF", body.Bytes())
	if err := os.WriteFile(path, f.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// e2eLiveTruePeak returns the true peak per channel, in dBTP, that a meter reads of the WAV at path while its
// audio goes on: without dsp.Meter.End.
func e2eLiveTruePeak(t *testing.T, path string) []float64 {
	t.Helper()
	info, samples := readWAVSamples(t, path)
	m, err := dsp.NewMeter(dsp.Config{SampleRate: info.SampleRate, Channels: info.Channels})
	if err != nil {
		t.Fatal(err)
	}
	m.Process(samples)
	l := m.Levels()
	tp := make([]float64, info.Channels)
	for c := range tp {
		tp[c] = l.Channel[c].TruePeak
	}
	return tp
}

// e2eClip writes the first seconds of the demo (tones, chords and noise at varied loudness) as the clip the
// tests replay, and returns its path.
func e2eClip(t *testing.T, seconds float64) string {
	t.Helper()
	demo := "../../testdata/demo.wav"
	if _, err := os.Stat(demo); err != nil {
		t.Skip(err)
	}
	w := e2eReadWAV(t, demo)
	p := filepath.Join(t.TempDir(), "clip.wav")
	w.writePrefix(t, p, int64(seconds*48000))
	return p
}

// e2eAnalysis is one line of `levelmeter analyze --json`.
type e2eAnalysis struct {
	File       string `json:"file"`
	Frames     int64  `json:"frames"`
	Overall    e2eStats
	PerChannel []e2eStats `json:"per_channel"`
	Loudness   struct {
		Integrated   *float64 `json:"integrated_lufs"`
		Range        *float64 `json:"lra_lu"`
		MomentaryMax *float64 `json:"momentary_max_lufs"`
		ShortTermMax *float64 `json:"shortterm_max_lufs"`
	} `json:"loudness"`
}

type e2eStats struct {
	SamplePeak *float64 `json:"sample_peak_dbfs"`
	TruePeak   *float64 `json:"true_peak_dbtp"`
}

// e2eAnalyze runs `levelmeter analyze --json` on files.
func e2eAnalyze(t *testing.T, files ...string) []e2eAnalysis {
	t.Helper()
	var out, errs bytes.Buffer
	if code := dispatch(append([]string{"analyze", "--json"}, files...), &out, &errs); code != 0 {
		t.Fatalf("levelmeter analyze --json: exit %d: %s", code, errs.String())
	}
	var res []e2eAnalysis
	dec := json.NewDecoder(&out)
	for {
		var a e2eAnalysis
		if err := dec.Decode(&a); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("analyze --json: %v", err)
		}
		res = append(res, a)
	}
	if len(res) != len(files) {
		t.Fatalf("analyze --json gave %d reports for %d files", len(res), len(files))
	}
	return res
}

// ─── Prometheus ────────────────────────────────────────────────────────────────────────────────────────────────

// e2eScrape is one scrape of /metrics.
type e2eScrape struct {
	at   time.Time
	fams map[string]*dto.MetricFamily
	body []byte
}

func e2eGet(t *testing.T, c *http.Client, url string) e2eScrape {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET %s: %v %v", url, resp.Status, err)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("the scrape does not parse: %v\n%s", err, body)
	}
	return e2eScrape{at: time.Now(), fams: fams, body: body}
}

// value returns the value of the sample of name whose labels include the pairs in labels.
func (s e2eScrape) value(name string, labels ...string) (float64, bool) {
	f := s.fams[name]
	if f == nil {
		return 0, false
	}
next:
	for _, m := range f.Metric {
		for i := 0; i+1 < len(labels); i += 2 {
			found := false
			for _, l := range m.Label {
				if l.GetName() == labels[i] && l.GetValue() == labels[i+1] {
					found = true
				}
			}
			if !found {
				continue next
			}
		}
		switch {
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Untyped != nil:
			return m.Untyped.GetValue(), true
		}
	}
	return 0, false
}

// must is value for a sample that has to be there.
func (s e2eScrape) must(t *testing.T, name string, labels ...string) float64 {
	t.Helper()
	v, ok := s.value(name, labels...)
	if !ok {
		t.Fatalf("no %s%v in the scrape:\n%s", name, labels, s.body)
	}
	return v
}

// e2eGauge compares one gauge with analyze's (rounded to 0.01) number for the same frames.
type e2eGauge struct {
	metric string
	labels []string
	want   *float64 // analyze's; nil is analyze's null (silence or undefined)
	floor  float64  // the gauge's floor
}

// TestE2EMetricsDuringReplay scrapes /metrics while the daemon replays a 4 s file in real time. Every scrape
// parses; the counters move between scrapes at the file's rate; every scrape's loudness and peak gauges are
// `levelmeter analyze --json` of the frames that scrape covers (the first frames_metered_total frames of the
// file), to analyze's rounding; after the file's final report the counters hold every frame of the file.
func TestE2EMetricsDuringReplay(t *testing.T) {
	t.Parallel()
	clip := e2eClip(t, 4)
	d := startE2E(t, "--config", e2eConfig(t, clip))
	client := &http.Client{Timeout: 10 * time.Second}
	src := []string{"source", "clip"}

	// Scrape every 200 ms until the clip has ended, then once more.
	var scrapes []e2eScrape
	deadline := time.Now().Add(30 * time.Second)
	for {
		s := e2eGet(t, client, d.url("/metrics"))
		if up, ok := s.value("levelmeter_source_up", src...); ok && up == 0 {
			scrapes = append(scrapes, s)
			break
		}
		if _, ok := s.value("levelmeter_frames_captured_total", src...); ok {
			scrapes = append(scrapes, s)
		}
		if time.Now().After(deadline) {
			t.Fatalf("the 4 s clip has not ended after 30 s:\n%s", s.body)
		}
		time.Sleep(200 * time.Millisecond)
	}
	final := scrapes[len(scrapes)-1]
	live := scrapes[:len(scrapes)-1]
	if len(live) < 5 { // 20 on a quiet machine; a loaded one serves and parses them more slowly
		t.Fatalf("only %d scrapes while the 4 s clip played", len(live))
	}

	// The live daemon's exposition passes the client library's lint (promtool's checks), and promtool where
	// it is installed.
	problems, err := promlint.New(bytes.NewReader(live[len(live)/2].body)).Lint()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("promlint: %s: %s", p.Metric, p.Text)
	}
	if promtool, err := exec.LookPath("promtool"); err == nil {
		cmd := exec.Command(promtool, "check", "metrics")
		cmd.Stdin = bytes.NewReader(live[len(live)/2].body)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("promtool check metrics: %v\n%s", err, out)
		}
	}

	// The counters move, account for every frame, and nothing is dropped.
	var prev float64
	for i, s := range live {
		c, m, dr := s.must(t, "levelmeter_frames_captured_total", src...), s.must(t, "levelmeter_frames_metered_total", src...),
			s.must(t, "levelmeter_frames_dropped_total", src...)
		if c != m+dr || dr != 0 {
			t.Errorf("scrape %d: captured %v, metered %v, dropped %v", i, c, m, dr)
		}
		// Monotonic; a scrape may see no new frames when a loaded machine held the replay up (the rate below
		// shows that they kept coming).
		if i > 0 && c < prev {
			t.Errorf("scrape %d: frames_captured_total %v went down from %v", i, c, prev)
		}
		prev = c
	}
	first, last := live[0], live[len(live)-1]
	dFrames := last.must(t, "levelmeter_frames_captured_total", src...) - first.must(t, "levelmeter_frames_captured_total", src...)
	dTime := last.must(t, "levelmeter_last_report_timestamp_seconds", src...) - first.must(t, "levelmeter_last_report_timestamp_seconds", src...)
	rate := dFrames / dTime
	// Real time, not as fast as possible (which would be many times faster); the bound is loose because a
	// paced replay that a loaded machine holds up catches up in a burst.
	if math.Abs(rate-48000) > 0.25*48000 {
		t.Errorf("captured %v frames in %.3f s of reports: %.0f frames/s, want the file's 48000 (real time)", dFrames, dTime, rate)
	}
	t.Logf("%d scrapes while the clip played; frames captured at %.0f frames/s (file: 48000)", len(live), rate)

	// Every live scrape's gauges are analyze's for the frames it covers.
	w := e2eReadWAV(t, clip)
	dir := t.TempDir()
	var files []string
	for i, s := range live {
		n := int64(s.must(t, "levelmeter_frames_metered_total", src...))
		p := filepath.Join(dir, fmt.Sprintf("prefix-%02d.wav", i))
		w.writePrefix(t, p, n)
		files = append(files, p)
	}
	files = append(files, clip)
	results := e2eAnalyze(t, files...)
	whole := results[len(results)-1]
	// analyze measures true peak to a file's last sample (dsp.Meter.End, as though silence followed); a live
	// source's audio goes on, so its true peak lags the input by the interpolator's reach (dsp.TruePeakLag
	// samples). A scrape's true peak is therefore a meter's of the same frames without End.
	liveTP := make([][]float64, len(live))
	for i := range live {
		liveTP[i] = e2eLiveTruePeak(t, files[i])
	}

	checks := func(a e2eAnalysis, truePeak []float64) []e2eGauge {
		cs := []e2eGauge{
			{"levelmeter_integrated_lufs", src, a.Loudness.Integrated, -70},
			{"levelmeter_loudness_range_lu", src, a.Loudness.Range, 0},
			{"levelmeter_momentary_max_lufs", src, a.Loudness.MomentaryMax, dsp.LoudnessFloor},
			{"levelmeter_short_term_max_lufs", src, a.Loudness.ShortTermMax, dsp.LoudnessFloor},
		}
		for c, st := range a.PerChannel {
			l := []string{"source", "clip", "channel", strconv.Itoa(c)}
			tp := st.TruePeak
			if truePeak != nil {
				tp = &truePeak[c]
			}
			cs = append(cs, e2eGauge{"levelmeter_sample_peak_max_dbfs", l, st.SamplePeak, -120},
				e2eGauge{"levelmeter_true_peak_max_dbtp", l, tp, -120})
		}
		return cs
	}
	worst := map[string]float64{}
	compared := 0
	for i, s := range live {
		a := results[i]
		for _, c := range checks(a, liveTP[i]) {
			got, ok := s.value(c.metric, c.labels...)
			if c.want == nil {
				// analyze's null: silence, or a range or short-term level not defined yet. The gauge reads its
				// floor, or is absent (undefined), or (the range) 0.
				if ok && got != c.floor {
					t.Errorf("scrape %d (%d frames): %s%v = %v, analyze: null", i, a.Frames, c.metric, c.labels, got)
				}
				continue
			}
			want := math.Max(*c.want, c.floor)
			if !ok {
				t.Errorf("scrape %d (%d frames): no %s%v; analyze: %v", i, a.Frames, c.metric, c.labels, want)
				continue
			}
			compared++
			dev := math.Abs(got - want)
			worst[c.metric] = math.Max(worst[c.metric], dev)
			tol := 0.005
			if c.metric == "levelmeter_true_peak_max_dbtp" {
				tol = dsp.TruePeakMargin // the daemon's reports fall elsewhere than one Process call
			}
			if dev > tol+1e-9 {
				t.Errorf("scrape %d (%d frames): %s%v = %.4f, analyze of the same frames: %v", i, a.Frames, c.metric, c.labels, got, want)
			}
		}
	}
	names := make([]string, 0, len(worst))
	for n := range worst {
		names = append(names, n)
	}
	sort.Strings(names)
	var sb strings.Builder
	for _, n := range names {
		fmt.Fprintf(&sb, "\n  %-34s max |gauge - analyze| %.4f", n, worst[n])
	}
	t.Logf("%d gauge values of %d scrapes compared with analyze --json of the frames each covered:%s", compared, len(live), sb.String())

	// The last live scrape against the whole file: it misses the frames of the last report interval at most.
	var lastDev strings.Builder
	for _, c := range checks(whole, nil) {
		got, ok := last.value(c.metric, c.labels...)
		if ok && c.want != nil {
			fmt.Fprintf(&lastDev, "\n  %s%v: %.4f, analyze of the whole file %v (Δ %+.4f)", c.metric, c.labels[2:], got, *c.want, got-*c.want)
		}
	}
	t.Logf("last live scrape (%v of %d frames) against the whole file:%s",
		last.must(t, "levelmeter_frames_metered_total", src...), whole.Frames, lastDev.String())

	// After the final report: the counters hold every frame of the file, the source reads down, and its level
	// gauges are gone (the metrics package's documented choice); the other source goes on.
	n := float64(whole.Frames)
	if c, m, dr := final.must(t, "levelmeter_frames_captured_total", src...), final.must(t, "levelmeter_frames_metered_total", src...),
		final.must(t, "levelmeter_frames_dropped_total", src...); c != n || m != n || dr != 0 {
		t.Errorf("after the final report: captured %v, metered %v, dropped %v; want all %v frames metered", c, m, dr, n)
	}
	if _, ok := final.value("levelmeter_integrated_lufs", src...); ok {
		t.Errorf("after the final report the clip still has an integrated loudness gauge")
	}
	if up := final.must(t, "levelmeter_source_up", "source", "keep"); up != 1 {
		t.Errorf("the looping source reads up %v", up)
	}
	if code := d.stop(t); code != 0 {
		t.Fatalf("exit %d: %s", code, d.errs.String())
	}
	sum := logLines(t, d.out.String(), "summary")
	for _, s := range sum {
		checkSummary(t, s)
		if s["source"] == "clip" && (s["captured"] != n || math.Abs(s["integrated_lufs"].(float64)-*whole.Loudness.Integrated) > 0.005+1e-9) {
			t.Errorf("clip's summary %v; analyze: %d frames, %v LUFS", s, whole.Frames, *whole.Loudness.Integrated)
		}
	}
}

// ─── The web meter in a browser ────────────────────────────────────────────────────────────────────────────────

// e2eBrowser starts a headless Chromium (or skips the test when there is none); anything the page throws or logs
// as an error fails the test at its end.
func e2eBrowser(t *testing.T, width, height int) context.Context {
	t.Helper()
	ctx := browsertest.Start(t, width, height)
	errs := browsertest.Errors(t, ctx)
	t.Cleanup(func() {
		if e := errs(); len(e) > 0 {
			t.Errorf("the page threw: %q", e)
		}
	})
	return ctx
}

// e2eEval evaluates a JavaScript expression in the page and decodes its JSON value into v.
func e2eEval(t *testing.T, ctx context.Context, expr string, v any) {
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

// e2eDo runs a's steps, with a time limit.
func e2eDo(t *testing.T, ctx context.Context, what string, limit time.Duration, a chromedp.Action[chromedp.Void]) {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	if err := chromedp.Do(c, a); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// TestE2EAlarmsInBrowser opens the web meter in Chromium against the daemon metering a silent file with a
// profile: the silence alarm's badge appears on the source's card and overview row, and the card names the
// profile's target.
func TestE2EAlarmsInBrowser(t *testing.T) {
	t.Parallel()
	ctx := e2eBrowser(t, 1280, 800)
	cfg := filepath.Join(t.TempDir(), "levelmeter.yaml")
	body := fmt.Sprintf(`sources:
  - {name: quiet, wav: %s, loop: true}
report_interval: 100ms
alarms:
  profile: ebu-r128
  silence: {on_delay: 500ms}
`, abs(t, "../../testdata/silence.wav"))
	if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	d := startE2E(t, "--config", cfg)
	e2eDo(t, ctx, "open the page and wait for the silence badge", 30*time.Second, chromedp.Steps(
		chromedp.Navigate(d.url("/")),
		chromedp.WaitVisible(`.card[data-source="quiet"] .badge[data-alarm="silence"]`),
	))
	var shown struct {
		Row    int
		Target string
	}
	e2eEval(t, ctx, `({row: document.querySelectorAll('.badges .badge[data-alarm="silence"]').length,
	        target: document.querySelector('.card[data-source="quiet"] .target-name').textContent})`, &shown)
	if shown.Row != 2 || !strings.Contains(shown.Target, "ebu-r128") || !strings.Contains(shown.Target, "-23 LUFS ±1") {
		t.Errorf("the page shows %d silence badges (want 2: card and overview row) and the target %q (want ebu-r128 · -23 LUFS ±1)",
			shown.Row, shown.Target)
	}
}

// TestE2EPageInBrowser opens the web meter in Chromium against the daemon replaying a 4 s file in real time:
// the page shows the source by name, its bars move while it plays, and when the file has ended the page shows
// the integrated loudness, loudness range and peaks of `levelmeter analyze` for the file.
func TestE2EPageInBrowser(t *testing.T) {
	t.Parallel()
	clip := e2eClip(t, 4)
	ctx := e2eBrowser(t, 1400, 1000)
	d := startE2E(t, "--config", e2eConfig(t, clip))

	e2eDo(t, ctx, "open the page", 20*time.Second, chromedp.Steps(
		chromedp.Navigate(d.url("/")),
		chromedp.WaitVisible(`.card[data-source="clip"]`),
	))
	const card = `document.querySelector('.card[data-source="clip"]')`
	var name string
	e2eEval(t, ctx, card+`.querySelector('.name').textContent`, &name)
	if name != "clip" {
		t.Errorf("the card shows the name %q, want clip", name)
	}

	// The bars move: the level drawn under each bar and the page's update count change while the file plays.
	const look = `({bars: [...` + card + `.querySelectorAll('.fill')].map(f => f.dataset.db + ' ' + f.style.clipPath),
	                 updates: window.levelmeter.updates, state: ` + card + `.querySelector('.state').textContent})`
	type barLook struct {
		Bars    []string
		Updates int
		State   string
	}
	// Look every 100 ms until three looks have seen new reports, or the clip has ended: reports arrive every
	// 100 ms, but how many a look sees depends on the machine's load, so the test counts looks, not time.
	var looks []barLook
	newer, changed := 0, 0
	for start := time.Now(); newer < 3 && time.Since(start) < 20*time.Second; {
		var l barLook
		e2eEval(t, ctx, look, &l)
		if l.State != "running" {
			break
		}
		if n := len(looks); n > 0 && l.Updates > looks[n-1].Updates {
			newer++
			if fmt.Sprint(l.Bars) != fmt.Sprint(looks[n-1].Bars) {
				changed++
			}
		}
		if n := len(looks); n == 0 || l.Updates > looks[n-1].Updates {
			looks = append(looks, l)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if len(looks) == 0 || len(looks[0].Bars) != 2 || newer < 3 || changed < 2 {
		t.Errorf("while the clip played, %d looks saw new reports and %d saw the bars move; want 3 and 2: %+v", newer, changed, looks)
	} else {
		t.Logf("while playing: %d of %d looks at new reports saw the bars move; bars %q", changed, newer, looks[len(looks)-1].Bars)
	}

	// After the end: the page shows the file's numbers.
	e2eDo(t, ctx, "wait for the clip's final report", 20*time.Second,
		chromedp.Poll[chromedp.Void](`window.levelmeter.sources.clip && window.levelmeter.sources.clip.last.final`))
	var shown map[string]string
	e2eEval(t, ctx, `(() => { const c = `+card+`; const q = (s) => c.querySelector(s).textContent;
	        return {integrated: q('.integrated'), range: q('.range'), tp: q('.true-peak-max'), sp: q('.sample-peak-max'),
	                state: q('.state'), dropped: q('.dropped')}; })()`, &shown)
	a, err := analyzePath(clip, analyzeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{"integrated": a.Levels.Loudness.Integrated, "range": a.lra(),
		"tp": a.Levels.Overall.TruePeak, "sp": a.Levels.Overall.SamplePeak}
	for k, w := range want {
		got, err := strconv.ParseFloat(shown[k], 64)
		if err != nil || math.Abs(got-w) > 0.05+1e-9 {
			t.Errorf("the page shows %s %q; analyze: %.3f", k, shown[k], w)
		}
	}
	if shown["state"] != "stopped" || shown["dropped"] != "0" {
		t.Errorf("after the end the page shows state %q, dropped %q; want stopped, 0", shown["state"], shown["dropped"])
	}
	t.Logf("after the end the page shows integrated %s LUFS, LRA %s LU, true peak %s dBTP, sample peak %s dBFS; analyze: %.3f, %.3f, %.3f, %.3f",
		shown["integrated"], shown["range"], shown["tp"], shown["sp"], want["integrated"], want["range"], want["tp"], want["sp"])

	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "web-meter.png")
	if err := os.WriteFile(p, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s (%d bytes)", p, len(shot))
}

// ─── Many event-stream clients ─────────────────────────────────────────────────────────────────────────────────

// e2eStalledDialer dials connections that will never be read. A stalled client's kernel buffers are what the
// server fills before its writes block; with the smallest receive buffer and segment size they fill in about
// 30 kB (a few seconds of reports) instead of megabytes, so that the test sees the server give up on them.
var e2eStalledDialer = net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
	var serr error
	err := c.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 1) // raised to the minimum
		if serr == nil {
			serr = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_MAXSEG, 536)
		}
	})
	if err != nil {
		return err
	}
	return serr
}}

// e2eReader is an event-stream client that reads every event.
type e2eReader struct {
	reports []time.Time // arrival of each report event after the first batch
	err     error
}

// TestE2EManyClients runs the shipped configuration (the demo replayed in real time, a report every 100 ms) with
// 100 clients on /events, half of which stop reading: the readers keep getting a report every interval, the
// stalled clients are disconnected, and the pipeline drops no frame and loses no report.
func TestE2EManyClients(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("../../testdata/demo.wav"); err != nil {
		t.Skip(err)
	}
	const readers, stalled = 50, 50
	// A ring of 5.5 s: the readers and the daemon share this process, and on a loaded machine they can hold the
	// meter up for longer than the default 341 ms. A stalled client that held the reporter up would lose reports,
	// and one that held the meter up for the server's 10 s write timeout would still drop frames.
	d := startE2E(t, "--config", "../../config.yaml", "--ring-capacity", "262144")
	client := &http.Client{Timeout: 10 * time.Second}
	health := func() web.Health {
		t.Helper()
		resp, err := client.Get(d.url("/healthz"))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var h web.Health
		if err := json.NewDecoder(resp.Body).Decode(&h); err != nil || resp.StatusCode != 200 {
			t.Fatalf("/healthz: %s, %v", resp.Status, err)
		}
		return h
	}
	waitClients := func(n int, limit time.Duration) time.Duration {
		t.Helper()
		start := time.Now()
		for {
			h := health()
			if h.Clients == n {
				return time.Since(start)
			}
			if time.Since(start) > limit {
				t.Fatalf("/healthz counts %d clients after %v, want %d", h.Clients, limit, n)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	for health().Sources == 0 {
		time.Sleep(20 * time.Millisecond)
	}

	// The readers.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stream := &http.Client{Transport: &http.Transport{}}
	rs := make([]e2eReader, readers)
	var wg sync.WaitGroup
	for i := range rs {
		wg.Add(1)
		go func(r *e2eReader) {
			defer wg.Done()
			req, _ := http.NewRequestWithContext(ctx, "GET", d.url("/events"), nil)
			resp, err := stream.Do(req)
			if err != nil {
				r.err = err
				return
			}
			defer resp.Body.Close()
			er := web.NewEventReader(resp.Body)
			for {
				ev, err := er.Next()
				if err != nil {
					r.err = err
					return
				}
				if ev.Name == "report" {
					r.reports = append(r.reports, time.Now())
				}
			}
		}(&rs[i])
	}
	defer func() { cancel(); wg.Wait() }()

	// The stalled clients: they ask for the stream and never read a byte of it.
	conns := make([]net.Conn, stalled)
	for i := range conns {
		c, err := e2eStalledDialer.Dial("tcp", d.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		fmt.Fprintf(c, "GET /events HTTP/1.1\r\nHost: %s\r\nAccept: text/event-stream\r\n\r\n", d.addr)
		conns[i] = c
	}
	waitClients(readers+stalled, 10*time.Second)
	t0 := time.Now()
	took := waitClients(readers, 60*time.Second)
	t.Logf("%d clients connected; the %d that stopped reading were disconnected after %v", readers+stalled, stalled, took.Round(100*time.Millisecond))

	// The server has closed the stalled connections: what it had sent reads to the end.
	var sentStalled int64
	for i, c := range conns {
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, err := io.Copy(io.Discard, c)
		sentStalled += n
		if err != nil {
			t.Errorf("stalled client %d: %v after %d bytes; want the server to have closed the connection", i, err, n)
		}
	}
	time.Sleep(time.Second) // the readers go on after the stalled clients are gone
	t1 := time.Now()

	// Nothing was dropped or lost.
	s := e2eGet(t, client, d.url("/metrics"))
	src := []string{"source", "demo"}
	c, m, dr, lost := s.must(t, "levelmeter_frames_captured_total", src...), s.must(t, "levelmeter_frames_metered_total", src...),
		s.must(t, "levelmeter_frames_dropped_total", src...), s.must(t, "levelmeter_reports_lost_total", src...)
	if c != m+dr || dr != 0 || lost != 0 {
		t.Errorf("with %d clients: captured %v, metered %v, dropped %v, reports lost %v; want nothing dropped or lost", readers+stalled, c, m, dr, lost)
	}
	cancel()
	wg.Wait()

	// Every reader got a report every 100 ms throughout.
	want := t1.Sub(t0).Seconds() / 0.1
	var total int
	var maxGap time.Duration
	var gaps []time.Duration
	for i, r := range rs {
		if r.err != nil && !errors.Is(r.err, context.Canceled) {
			t.Errorf("reader %d: %v", i, r.err)
		}
		n := 0
		for j, at := range r.reports {
			if at.Before(t0) || at.After(t1) {
				continue
			}
			n++
			if j > 0 {
				g := at.Sub(r.reports[j-1])
				gaps = append(gaps, g)
				maxGap = max(maxGap, g)
			}
		}
		total += n
		// Loose bounds: a loaded machine (the race detector, other packages' tests) can hold the daemon or the
		// readers up for a while; a stalled client that held the others up would hold them for its whole 10 s
		// write timeout.
		if float64(n) < 0.5*want {
			t.Errorf("reader %d got %d reports in %v, want about %.0f (one per 100 ms)", i, n, t1.Sub(t0).Round(time.Millisecond), want)
		}
	}
	sort.Slice(gaps, func(i, j int) bool { return gaps[i] < gaps[j] })
	if maxGap > 3*time.Second {
		t.Errorf("a reader waited %v for a report", maxGap)
	}
	p99 := gaps[len(gaps)*99/100]
	t.Logf("over %v: each of %d readers got %.1f reports on average (%.0f expected at 100 ms); gap between reports p99 %v, max %v; the stalled clients were sent %d bytes in all",
		t1.Sub(t0).Round(time.Millisecond), readers, float64(total)/readers, want, p99.Round(time.Millisecond), maxGap.Round(time.Millisecond), sentStalled)
	t.Logf("metrics: frames captured %v, metered %v, dropped %v, reports lost %v", c, m, dr, lost)

	if code := d.stop(t); code != 0 {
		t.Fatalf("exit %d: %s", code, d.errs.String())
	}
	for _, s := range logLines(t, d.out.String(), "summary") {
		checkSummary(t, s)
		if s["dropped"] != 0.0 {
			t.Errorf("summary %v: frames dropped", s)
		}
	}
}
