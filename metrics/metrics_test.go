package metrics

import (
	"bytes"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/levelmeter/levelmeter/dsp"
	"github.com/levelmeter/levelmeter/pipeline"
)

var inf = math.Inf(-1)

// stereo returns the levels of a stereo source with distinct values in every field, so that a metric wired to
// the wrong field shows.
func stereo() dsp.Levels {
	l := dsp.Levels{SampleRate: 48000, Channels: 2, Frames: 4800, Correlation: 0.875}
	l.Channel[0] = dsp.Stats{SamplePeak: -3.25, TruePeak: -2.75, RMS: -18.5, DCOffset: 0.0125, CrestFactor: 15.25, Clipped: 3, NonFinite: 1}
	l.Channel[1] = dsp.Stats{SamplePeak: -6.5, TruePeak: -6.125, RMS: -21.75, DCOffset: -0.5, CrestFactor: 15.25, Clipped: 7}
	l.Overall = l.Channel[0]
	l.Loudness = dsp.Loudness{Momentary: -20.5, ShortTerm: -22.25, MomentaryMax: -14.5, ShortTermMax: -18.75, Integrated: -23.125, Range: 6.5}
	return l
}

// silent returns the levels of a stereo source that has seen nothing but digital silence.
func silent() dsp.Levels {
	l := dsp.Levels{SampleRate: 44100, Channels: 2, Frames: 4410, Correlation: math.NaN()}
	for i := range 2 {
		l.Channel[i] = dsp.Stats{SamplePeak: inf, TruePeak: inf, RMS: inf, CrestFactor: math.NaN()}
	}
	l.Overall = l.Channel[0]
	l.Loudness = dsp.Loudness{Momentary: inf, ShortTerm: inf, MomentaryMax: inf, ShortTermMax: inf, Integrated: inf}
	return l
}

func report(source string, l dsp.Levels, c pipeline.Counters) *pipeline.Report {
	return &pipeline.Report{Source: source, Time: time.Unix(1700000000, 250e6), Interval: l, Total: l, Counters: c}
}

// scrape fetches h's metrics in the text format and parses them.
func scrape(t *testing.T, h http.Handler) (map[string]*dto.MetricFamily, []byte) {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 {
		t.Fatalf("scrape: %s\n%s", resp.Status, body)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("parse scrape: %v\n%s", err, body)
	}
	return mfs, body
}

// value finds the sample of name with exactly the given label values ("source", "channel" pairs).
func value(mfs map[string]*dto.MetricFamily, name string, labels ...string) (float64, bool) {
	mf := mfs[name]
	if mf == nil {
		return 0, false
	}
next:
	for _, m := range mf.Metric {
		want := map[string]string{}
		for i := 0; i+1 < len(labels); i += 2 {
			want[labels[i]] = labels[i+1]
		}
		if len(m.Label) != len(want) {
			continue
		}
		for _, lp := range m.Label {
			if want[lp.GetName()] != lp.GetValue() {
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

func TestGaugesMatchLevels(t *testing.T) {
	loud, quiet := stereo(), silent()
	cases := []struct {
		name   string
		labels []string
		want   float64 // NaN: the series must be absent
	}{
		{"levelmeter_sample_peak_dbfs", []string{"source", "a", "channel", "0"}, loud.Channel[0].SamplePeak},
		{"levelmeter_sample_peak_dbfs", []string{"source", "a", "channel", "1"}, loud.Channel[1].SamplePeak},
		{"levelmeter_true_peak_dbtp", []string{"source", "a", "channel", "0"}, loud.Channel[0].TruePeak},
		{"levelmeter_true_peak_dbtp", []string{"source", "a", "channel", "1"}, loud.Channel[1].TruePeak},
		{"levelmeter_rms_dbfs", []string{"source", "a", "channel", "0"}, loud.Channel[0].RMS},
		{"levelmeter_rms_dbfs", []string{"source", "a", "channel", "1"}, loud.Channel[1].RMS},
		{"levelmeter_dc_offset_ratio", []string{"source", "a", "channel", "1"}, loud.Channel[1].DCOffset},
		{"levelmeter_crest_factor_db", []string{"source", "a", "channel", "0"}, loud.Channel[0].CrestFactor},
		{"levelmeter_clipped_samples_total", []string{"source", "a", "channel", "1"}, 7},
		{"levelmeter_nonfinite_samples_total", []string{"source", "a", "channel", "0"}, 1},
		{"levelmeter_momentary_lufs", []string{"source", "a"}, loud.Loudness.Momentary},
		{"levelmeter_short_term_lufs", []string{"source", "a"}, loud.Loudness.ShortTerm},
		{"levelmeter_momentary_max_lufs", []string{"source", "a"}, loud.Loudness.MomentaryMax},
		{"levelmeter_short_term_max_lufs", []string{"source", "a"}, loud.Loudness.ShortTermMax},
		{"levelmeter_integrated_lufs", []string{"source", "a"}, loud.Loudness.Integrated},
		{"levelmeter_loudness_range_lu", []string{"source", "a"}, loud.Loudness.Range},
		{"levelmeter_correlation", []string{"source", "a"}, loud.Correlation},
		{"levelmeter_sample_rate_hertz", []string{"source", "a"}, 48000},
		{"levelmeter_channels", []string{"source", "a"}, 2},
		{"levelmeter_source_up", []string{"source", "a"}, 1},
		{"levelmeter_ring_fill_frames", []string{"source", "a"}, 512},
		{"levelmeter_ring_capacity_frames", []string{"source", "a"}, 8192},
		{"levelmeter_last_report_timestamp_seconds", []string{"source", "a"}, 1700000000.25},

		// Silence reads the documented floors; undefined values are absent.
		{"levelmeter_sample_peak_dbfs", []string{"source", "b", "channel", "0"}, Floor},
		{"levelmeter_true_peak_dbtp", []string{"source", "b", "channel", "1"}, Floor},
		{"levelmeter_rms_dbfs", []string{"source", "b", "channel", "1"}, Floor},
		{"levelmeter_crest_factor_db", []string{"source", "b", "channel", "0"}, math.NaN()},
		{"levelmeter_momentary_lufs", []string{"source", "b"}, dsp.LoudnessFloor},
		{"levelmeter_short_term_lufs", []string{"source", "b"}, dsp.LoudnessFloor},
		{"levelmeter_integrated_lufs", []string{"source", "b"}, LoudnessFloor},
		{"levelmeter_loudness_range_lu", []string{"source", "b"}, 0},
		{"levelmeter_correlation", []string{"source", "b"}, math.NaN()},
		{"levelmeter_sample_rate_hertz", []string{"source", "b"}, 44100},
		// Only two channels exist.
		{"levelmeter_sample_peak_dbfs", []string{"source", "a", "channel", "2"}, math.NaN()},
	}

	r := New(nil, Options{Version: "v1.2.3"})
	r.Report(report("a", loud, pipeline.Counters{Captured: 10, Metered: 9, Dropped: 1, RingFill: 512, RingCap: 8192}))
	r.Report(report("b", quiet, pipeline.Counters{}))
	mfs, body := scrape(t, r.Handler())
	for _, c := range cases {
		got, ok := value(mfs, c.name, c.labels...)
		switch {
		case math.IsNaN(c.want) && ok:
			t.Errorf("%s%v = %v, want the series absent", c.name, c.labels, got)
		case !math.IsNaN(c.want) && !ok:
			t.Errorf("%s%v is missing", c.name, c.labels)
		case !math.IsNaN(c.want) && got != c.want:
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	if v, ok := value(mfs, "levelmeter_build_info", "version", "v1.2.3", "goversion", goVersion()); !ok || v != 1 {
		t.Errorf("levelmeter_build_info{version=v1.2.3} = %v, %v; want 1", v, ok)
	}
	for line := range strings.Lines(string(body)) {
		if strings.HasPrefix(line, "levelmeter_") && (strings.Contains(line, "Inf") || strings.Contains(line, "NaN")) {
			t.Errorf("the scrape holds a non-finite value: %s", line)
		}
	}
	if mfs["go_goroutines"] == nil {
		t.Error("New(nil) did not register the Go collector")
	}
}

func TestCountersAreExact(t *testing.T) {
	r := New(prometheus.NewRegistry(), Options{Version: ""})
	steps := []pipeline.Counters{
		{Captured: 0},
		{Captured: 4800, Metered: 4800},
		{Captured: 9600, Metered: 9000, Dropped: 600, Overflows: 2, Skipped: 96000, Restarts: 1, Errors: 1},
		// Counts that a float64 sum of deltas would round: 2^53 - 1 stays exact as one value.
		{Captured: 1<<53 - 1, Metered: 1<<53 - 2, Dropped: 1, Overflows: 3, Skipped: 1<<53 - 3, Restarts: 1, Errors: 2},
	}
	for _, c := range steps {
		r.Report(report("mic", stereo(), c))
		mfs, _ := scrape(t, r.Handler())
		for name, want := range map[string]int64{
			"levelmeter_frames_captured_total":      c.Captured,
			"levelmeter_frames_metered_total":       c.Metered,
			"levelmeter_frames_dropped_total":       c.Dropped,
			"levelmeter_input_overflows_total":      c.Overflows,
			"levelmeter_input_skipped_frames_total": c.Skipped,
			"levelmeter_source_restarts_total":      c.Restarts,
			"levelmeter_source_errors_total":        c.Errors,
		} {
			got, ok := value(mfs, name, "source", "mic")
			if !ok || got != float64(want) {
				t.Errorf("after %+v: %s = %v (present %v), want %d", c, name, got, ok, want)
			}
		}
	}
	if v, _ := value(mfs0(t, r), "levelmeter_build_info", "version", "unknown", "goversion", goVersion()); v != 1 {
		t.Error("an empty version is not exported as \"unknown\"")
	}
}

func mfs0(t *testing.T, r *Reporter) map[string]*dto.MetricFamily {
	m, _ := scrape(t, r.Handler())
	return m
}

func TestFinalReportKeepsCounters(t *testing.T) {
	r := New(nil, Options{Version: ""})
	c := pipeline.Counters{Captured: 100, Metered: 100}
	r.Report(report("line", stereo(), c))
	fin := report("line", stereo(), c)
	fin.Final = true
	r.Report(fin)
	mfs, _ := scrape(t, r.Handler())
	if v, ok := value(mfs, "levelmeter_source_up", "source", "line"); !ok || v != 0 {
		t.Errorf("levelmeter_source_up after the final report = %v, %v; want 0", v, ok)
	}
	if v, ok := value(mfs, "levelmeter_frames_captured_total", "source", "line"); !ok || v != 100 {
		t.Errorf("levelmeter_frames_captured_total after the final report = %v, %v; want 100", v, ok)
	}
	if _, ok := value(mfs, "levelmeter_momentary_lufs", "source", "line"); ok {
		t.Error("a stopped source still exports its momentary loudness")
	}
	r.Forget("line")
	mfs, _ = scrape(t, r.Handler())
	if _, ok := value(mfs, "levelmeter_frames_captured_total", "source", "line"); ok {
		t.Error("Forget left the source's counters")
	}
}

func TestLint(t *testing.T) {
	r := New(nil, Options{Version: "v0.0.1"})
	r.Report(report("a", stereo(), pipeline.Counters{Captured: 1, Metered: 1}))
	r.Report(report("b", silent(), pipeline.Counters{}))
	_, body := scrape(t, r.Handler())
	problems, err := promlint.New(bytes.NewReader(body)).Lint()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		if strings.HasPrefix(p.Metric, "levelmeter_") {
			t.Errorf("promlint: %s: %s", p.Metric, p.Text)
		}
	}

	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Log("promtool is not installed: checked with promlint only")
		return
	}
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = bytes.NewReader(body)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
}

func TestReportDoesNotAllocate(t *testing.T) {
	r := New(nil, Options{Version: ""})
	rep := report("a", stereo(), pipeline.Counters{})
	r.Report(rep)
	if n := testing.AllocsPerRun(100, func() { r.Report(rep) }); n != 0 {
		t.Errorf("Report of a known source: %v allocations, want 0", n)
	}
}

// TestConcurrentReportAndScrape runs the reporter goroutine and scrapes at once, for the race detector.
func TestConcurrentReportAndScrape(t *testing.T) {
	r := New(nil, Options{Version: ""})
	h := r.Handler()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for i := range 200 {
			r.Report(report([]string{"a", "b", "c"}[i%3], stereo(), pipeline.Counters{Captured: int64(i), Metered: int64(i)}))
		}
	}()
	go func() {
		defer wg.Done()
		for range 10 {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
			if rec.Code != 200 {
				t.Errorf("scrape: %d", rec.Code)
			}
		}
	}()
	wg.Wait()
}

func TestNewTwiceInOneRegistryPanics(t *testing.T) {
	reg := prometheus.NewRegistry()
	New(reg, Options{Version: ""})
	defer func() {
		if recover() == nil {
			t.Error("a second Reporter in one registry did not panic")
		}
	}()
	New(reg, Options{Version: ""})
}

func BenchmarkReport(b *testing.B) {
	r := New(nil, Options{Version: ""})
	rep := report("a", stereo(), pipeline.Counters{})
	b.ReportAllocs()
	for b.Loop() {
		r.Report(rep)
	}
}

func BenchmarkScrape(b *testing.B) {
	r := New(prometheus.NewRegistry(), Options{Version: ""})
	for _, s := range []string{"a", "b", "c", "d"} {
		r.Report(report(s, stereo(), pipeline.Counters{}))
	}
	h := r.Handler()
	req := httptest.NewRequest("GET", "/metrics", nil)
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
}

func goVersion() string { return runtime.Version() }

// TestPeakWindow feeds a loud interval among quiet ones and scrapes as the clock moves: the _max gauges keep the
// peak for the window and then let it go, while the interval gauges show only the latest interval.
func TestPeakWindow(t *testing.T) {
	clock := time.Unix(1800000000, 0)
	r := New(nil, Options{PeakWindow: 3 * time.Second})
	r.now = func() time.Time { return clock }
	quiet, loud := stereo(), stereo()
	quiet.Channel[0].SamplePeak, quiet.Channel[0].TruePeak = -30, -29.5
	loud.Channel[0].SamplePeak, loud.Channel[0].TruePeak = -0.5, 0.25

	feed := func(l dsp.Levels) {
		r.Report(report("a", l, pipeline.Counters{}))
		clock = clock.Add(100 * time.Millisecond)
	}
	feed(quiet)
	feed(loud) // at 0.1 s
	for range 25 {
		feed(quiet) // to 2.6 s
	}
	steps := []struct {
		after            time.Duration
		sampleMax, tpMax float64 // NaN: absent
	}{
		{0, -0.5, 0.25},                            // 2.6 s after the peak
		{time.Second, -30, -29.5},                  // 3.6 s after: past the window, the quiet intervals remain
		{10 * time.Second, math.NaN(), math.NaN()}, // no report within the window
	}
	start := clock
	for _, st := range steps {
		clock = start.Add(st.after)
		mfs, _ := scrape(t, r.Handler())
		l := []string{"source", "a", "channel", "0"}
		for _, c := range []struct {
			name string
			want float64
		}{{"levelmeter_sample_peak_max_dbfs", st.sampleMax}, {"levelmeter_true_peak_max_dbtp", st.tpMax}, {"levelmeter_sample_peak_dbfs", -30}} {
			got, ok := value(mfs, c.name, l...)
			if math.IsNaN(c.want) && ok || !math.IsNaN(c.want) && (!ok || got != c.want) {
				t.Errorf("%v after the last report: %s = %v (present %v), want %v", st.after, c.name, got, ok, c.want)
			}
		}
	}
}

func TestLatencyLostAndStart(t *testing.T) {
	clock := time.Unix(1800000000, 0)
	r := New(nil, Options{})
	r.now = func() time.Time { return clock }
	rep := report("a", stereo(), pipeline.Counters{Lost: 4})
	rep.Newest = clock.Add(-25 * time.Millisecond)
	rep.Started = time.Unix(1799999000, 500e6)
	r.Report(rep)
	mfs, _ := scrape(t, r.Handler())
	for name, want := range map[string]float64{
		"levelmeter_latency_seconds":           0.025,
		"levelmeter_reports_lost_total":        4,
		"levelmeter_source_start_time_seconds": 1799999000.5,
	} {
		if got, ok := value(mfs, name, "source", "a"); !ok || math.Abs(got-want) > 1e-9 {
			t.Errorf("%s = %v (present %v), want %v", name, got, ok, want)
		}
	}

	r.Report(report("b", stereo(), pipeline.Counters{})) // no frame yet, no start time
	mfs, _ = scrape(t, r.Handler())
	for _, name := range []string{"levelmeter_latency_seconds", "levelmeter_source_start_time_seconds"} {
		if v, ok := value(mfs, name, "source", "b"); ok {
			t.Errorf("%s{source=b} = %v, want absent", name, v)
		}
	}
}

// TestChannelInfo: levelmeter_channel_info carries each channel's position from the report's layout, beside the
// numeric channel label the level series keep.
func TestChannelInfo(t *testing.T) {
	r := New(nil, Options{})
	rep := report("a", stereo(), pipeline.Counters{})
	rep.Layout = dsp.Layout{dsp.FrontLeft, dsp.FrontRight}
	r.Report(rep)
	r.Report(report("b", stereo(), pipeline.Counters{})) // no layout: no info series
	mfs, _ := scrape(t, r.Handler())
	for _, c := range []struct{ channel, position string }{{"0", "L"}, {"1", "R"}} {
		if v, ok := value(mfs, "levelmeter_channel_info", "source", "a", "channel", c.channel, "position", c.position); !ok || v != 1 {
			t.Errorf("levelmeter_channel_info{channel=%s,position=%s} = %v, %v; want 1", c.channel, c.position, v, ok)
		}
	}
	if n := len(mfs["levelmeter_channel_info"].GetMetric()); n != 2 {
		t.Errorf("%d channel_info series, want 2 (source a's)", n)
	}
}

// TestLoudnessWindows: each configured window is a series labelled with its span as dsp.SpanLabel writes it, a
// window of silence reads LoudnessFloor, and a source without windows exports no window series.
func TestLoudnessWindows(t *testing.T) {
	r := New(nil, Options{})
	l := stereo()
	l.Loudness.Windows[0] = dsp.WindowLoudness{Span: time.Minute, Integrated: -22.875, Range: 4.25}
	l.Loudness.Windows[1] = dsp.WindowLoudness{Span: 90 * time.Minute, Integrated: inf, Range: 0}
	r.Report(report("a", l, pipeline.Counters{}))
	r.Report(report("b", stereo(), pipeline.Counters{}))
	mfs, _ := scrape(t, r.Handler())
	for _, c := range []struct {
		name, window string
		want         float64
	}{
		{"levelmeter_loudness_window_lufs", "1m", -22.875},
		{"levelmeter_loudness_window_range_lu", "1m", 4.25},
		{"levelmeter_loudness_window_lufs", "1h30m", LoudnessFloor},
		{"levelmeter_loudness_window_range_lu", "1h30m", 0},
	} {
		if v, ok := value(mfs, c.name, "source", "a", "window", c.window); !ok || v != c.want {
			t.Errorf("%s{window=%q} = %v, %v; want %v", c.name, c.window, v, ok, c.want)
		}
	}
	for _, name := range []string{"levelmeter_loudness_window_lufs", "levelmeter_loudness_window_range_lu"} {
		if n := len(mfs[name].GetMetric()); n != 2 {
			t.Errorf("%d %s series, want 2 (source a's)", n, name)
		}
	}
}
