package web

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/levelmeter/levelmeter/dsp"
	"github.com/levelmeter/levelmeter/internal/httpheader"
	"github.com/levelmeter/levelmeter/pipeline"
)

// day is 24 hours of second summaries ending at end (exclusive): a steady programme with one loud second and
// one quiet second, so that downsampling can be checked to keep both.
func day(end int64) (secs []second, loud, quiet int64) {
	loud, quiet = end-5000, end-7000
	for t := end - 86400; t < end; t++ {
		x := second{t: uint32(t), m: -23, s: -23, sp: -10, tp: -9.5}
		switch t {
		case loud:
			x.m, x.sp, x.tp, x.alarms = -3, -0.5, 0.3, 1
		case quiet:
			x.m, x.s = float32(math.Inf(-1)), -60
		}
		secs = append(secs, x)
	}
	return secs, loud, quiet
}

func TestDownsample(t *testing.T) {
	const end = 1_800_000_000
	secs, loud, quiet := day(end)
	cases := []struct {
		window       time.Duration
		step, points int64
		seesPeaks    bool
	}{
		{time.Minute, 1, 60, false},
		{10 * time.Minute, 1, 600, false},
		{time.Hour, 6, 600, false},
		{2 * time.Hour, 12, 600, true},
		{24 * time.Hour, 144, 600, true},
	}
	for _, c := range cases {
		t.Run(c.window.String(), func(t *testing.T) {
			h := downsample(secs, end, c.window, []string{"clipping"})
			if h.Step != c.step || int64(len(h.Points)) != c.points || len(h.Points) > MaxHistoryPoints {
				t.Fatalf("step %d, %d points; want %d, %d", h.Step, len(h.Points), c.step, c.points)
			}
			if h.End != end || h.Start%h.Step != 0 || h.Points[0].Time < end-int64(c.window/time.Second) {
				t.Errorf("start %d, end %d, first point %d: not within the window", h.Start, h.End, h.Points[0].Time)
			}
			var loudSeen, quietSeen, alarmSeen bool
			for i, p := range h.Points {
				if i > 0 && p.Time != h.Points[i-1].Time+h.Step {
					t.Fatalf("point %d at %d follows %d: not one step", i, p.Time, h.Points[i-1].Time)
				}
				in := func(x int64) bool { return x >= p.Time && x < p.Time+h.Step }
				if in(loud) {
					loudSeen = p.Momentary[1] == -3 && p.Momentary[0] == -23 && p.TruePeak == 0.3 && p.SamplePeak == -0.5
					alarmSeen = fmt.Sprint(p.Alarms) == "[clipping]"
				} else if p.Alarms != nil {
					t.Errorf("point %d has alarms %v, outside the loud second", i, p.Alarms)
				}
				if in(quiet) {
					quietSeen = p.ShortTerm[0] == -60 && p.ShortTerm[1] == -23 && math.IsInf(float64(p.Momentary[0]), -1)
				}
			}
			if c.seesPeaks && !(loudSeen && quietSeen && alarmSeen) {
				t.Errorf("the loud second (seen %v, alarm %v) or the quiet one (seen %v) did not survive downsampling", loudSeen, alarmSeen, quietSeen)
			}
		})
	}
}

// historyServer returns a Server with a clock the test sets and a short history.
func historyServer(length time.Duration, now *time.Time) *Server {
	s := New(Options{History: length})
	s.now = func() time.Time { return *now }
	return s
}

func getHistory(t *testing.T, h http.Handler, query string) (int, History, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/history"+query, nil))
	var out History
	if rec.Code == 200 {
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("%s: %v\n%s", query, err, rec.Body)
		}
	}
	return rec.Code, out, rec.Body.String()
}

func TestHistoryAPI(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	s := historyServer(time.Hour, &now)
	h := s.Handler()
	// Two hours of reports, ten a second: the history keeps the last hour.
	start := now
	for i := range 2 * 3600 * 10 {
		now = start.Add(time.Duration(i) * 100 * time.Millisecond)
		r := synth("studio", i, -23)
		r.Time = now
		r.Interval.Loudness.Momentary = -30 + float64(i%10) // the largest of each second: -21
		s.Report(r)
	}
	if src := s.sources["studio"]; src.history.ring.Len() != 3600 || src.history.ring.Cap() != 3600 {
		t.Errorf("the history holds %d of %d seconds, want 3600 of 3600", src.history.ring.Len(), src.history.ring.Cap())
	}

	code, out, body := getHistory(t, h, "?source=studio&window=1m")
	if code != 200 || out.Source != "studio" || out.Window != "1m" || out.Step != 1 || len(out.Points) != 60 {
		t.Fatalf("1m: %d, %d points, step %d\n%.300s", code, len(out.Points), out.Step, body)
	}
	if last := out.Points[len(out.Points)-1]; last.Time != now.Unix() || last.Momentary[1] != -21 || last.Momentary[0] != -21 {
		t.Errorf("the newest point is %+v, want the current second (%d) with momentary max -21", last, now.Unix())
	}
	if code, out, _ = getHistory(t, h, "?source=studio&window=1h"); code != 200 || out.Step != 6 || len(out.Points) != 600 {
		t.Errorf("1h: %d, %d points of %d s", code, len(out.Points), out.Step)
	}
	if code, out, _ = getHistory(t, h, "?source=studio"); code != 200 || out.Window != "10m" || len(out.Points) != 600 {
		t.Errorf("no window: %d, window %q, %d points; want 10m, 600", code, out.Window, len(out.Points))
	}

	errors := []struct {
		query string
		code  int
		says  string
	}{
		{"?source=nobody&window=1m", 404, `no source "nobody"`},
		{"?window=1m", 400, "missing ?source"},
		{"?source=studio&window=24h", 400, "from 10s to 1h"}, // longer than this server keeps
		{"?source=studio&window=5x", 400, `bad window "5x"`},
		{"?source=studio&window=1s", 400, "bad window"},
		{"?source=studio&window=-1m", 400, "bad window"},
		{"?source=studio&window=1.5s", 400, "bad window"},
	}
	for _, c := range errors {
		if code, _, body := getHistory(t, h, c.query); code != c.code || !strings.Contains(body, c.says) {
			t.Errorf("%s: %d %q, want %d saying %q", c.query, code, body, c.code, c.says)
		}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/api/history?source=studio", nil))
	if rec.Code != 405 {
		t.Errorf("POST /api/history: %d, want 405", rec.Code)
	}
}

// The history survives the client: a new page asks for it after reports arrived, and a final report completes
// the last second.
func TestHistoryAfterFinalReport(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	s := historyServer(DefaultHistory, &now)
	for i := range 30 {
		r := synth("file", i, -23)
		r.Time = now.Add(time.Duration(i) * 100 * time.Millisecond)
		r.Final = i == 29
		s.Report(r)
	}
	now = now.Add(10 * time.Second)
	code, out, body := getHistory(t, s.Handler(), "?source=file&window=1m")
	if code != 200 || len(out.Points) != 3 {
		t.Fatalf("%d, %d points, want the 3 seconds reported\n%s", code, len(out.Points), body)
	}
	if s.sources["file"].history.cur.t != 0 {
		t.Error("the final report left a second open")
	}
}

// A second's summary is as small as documented on Options.History: 24 bytes, so 24 h take 1.98 MiB a source.
func TestHistorySize(t *testing.T) {
	if n := unsafe.Sizeof(second{}); n != 24 {
		t.Errorf("a second's summary takes %d bytes, documented as 24", n)
	}
	s := New(Options{})
	s.Report(synth("a", 0, -23))
	if c := s.sources["a"].history.ring.Cap(); c != 86400 {
		t.Errorf("the default history holds %d seconds, want 86400", c)
	}
}

// Recording a report in the history is O(1) and allocates nothing.
func TestHistoryRecordAllocs(t *testing.T) {
	s := New(Options{History: time.Minute})
	s.Report(synth("a", 0, -23))
	h := &s.sources["a"].history
	r := synth("a", 1, -23)
	at := time.Unix(1_800_000_000, 0)
	if n := testing.AllocsPerRun(1000, func() {
		at = at.Add(300 * time.Millisecond)
		h.record(r, at, 3)
	}); n != 0 {
		t.Errorf("history.record: %v allocations per report, want 0", n)
	}
}

func TestUpdateLabelsAlarmsTarget(t *testing.T) {
	fiveOne := func(source string) *pipeline.Report {
		r := synth(source, 0, -23)
		r.Interval.Channels, r.Total.Channels = 6, 6
		return r
	}
	quad, err := dsp.ParseLayout("FL,FR,SL,SR")
	if err != nil {
		t.Fatal(err)
	}
	s := New(Options{
		Layouts: map[string]dsp.Layout{"quad": quad, "wrong": dsp.DefaultLayout(3)},
		Targets: map[string]Target{"": {Name: "ebu-r128", LUFS: -23, Tolerance: 1, MaxTruePeak: -1}, "web": {LUFS: -14, Tolerance: 1, MaxTruePeak: Float(math.NaN())}},
	})
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	defer s.Close()
	since := time.Date(2026, 11, 29, 19, 0, 0, 0, time.UTC)
	s.SetAlarms("film", []Alarm{{Name: "silence", Since: since, Value: Float(math.Inf(-1))}, {Name: "channel_dead", Since: since, Value: 4}})
	s.SetAlarms("web", []Alarm{{Name: "loudness_high", Since: since, Value: -11.5}})
	s.SetAlarms("web", nil) // ended

	quadReportFor := func(source string) *pipeline.Report {
		r := fiveOne(source)
		r.Interval.Channels, r.Total.Channels = 4, 4
		return r
	}
	quadReport := quadReportFor("quad")
	withLayout := func(r *pipeline.Report, name string) *pipeline.Report {
		l, err := dsp.ParseLayout(name)
		if err != nil {
			t.Fatal(err)
		}
		r.Layout = l
		return r
	}
	cases := []struct {
		r      *pipeline.Report
		labels string
		alarms string
		target string
	}{
		{fiveOne("film"), "[L R C LFE Ls Rs]", "[silence@19:00:00=NaN channel_dead@19:00:00=4]", "ebu-r128 -23±1 -1"},
		{synth("web", 0, -14), "[L R]", "[]", " -14±1 NaN"},
		{mono("talk", 0, -20), "[M]", "[]", "ebu-r128 -23±1 -1"},
		{quadReport, "[L R Ls Rs]", "[]", "ebu-r128 -23±1 -1"},
		{fiveOne("wrong"), "[L R C LFE Ls Rs]", "[]", "ebu-r128 -23±1 -1"},                                // a layout of 3 channels does not fit 6
		{withLayout(fiveOne("measured"), "7.1"), "[L R C LFE Ls Rs]", "[]", "ebu-r128 -23±1 -1"},          // 8 positions, 6 channels
		{withLayout(quadReportFor("measured4"), "FL,FR,BL,BR"), "[L R Ls Rs]", "[]", "ebu-r128 -23±1 -1"}, // the report's layout
	}
	er := subscribe(t, srv)
	for _, c := range cases {
		c.r.Time = time.Now()
		s.Report(c.r)
		u := decode(t, next(t, er, "report"))
		var alarms []string
		for _, a := range u.Alarms {
			alarms = append(alarms, fmt.Sprintf("%s@%s=%v", a.Name, a.Since.UTC().Format(time.TimeOnly), a.Value))
		}
		target := ""
		if u.Target != nil {
			target = fmt.Sprintf("%s %v±%v %v", u.Target.Name, u.Target.LUFS, u.Target.Tolerance, u.Target.MaxTruePeak)
		}
		if got := fmt.Sprint(u.Labels); got != c.labels {
			t.Errorf("%s: labels %s, want %s", c.r.Source, got, c.labels)
		}
		if got := fmt.Sprint(alarms); got != fmt.Sprint(c.alarms) && !(alarms == nil && c.alarms == "[]") {
			t.Errorf("%s: alarms %s, want %s", c.r.Source, got, c.alarms)
		}
		if target != c.target {
			t.Errorf("%s: target %q, want %q", c.r.Source, target, c.target)
		}
	}
	// The alarms are in the history too.
	code, out, _ := getHistory(t, s.Handler(), "?source=film&window=24h")
	if code != 200 || len(out.Points) != 1 || fmt.Sprint(out.Points[0].Alarms) != "[silence channel_dead]" {
		t.Errorf("film's history: %d %+v, want one point with both alarms", code, out.Points)
	}
}

// Every route sends the security headers, and /static/ sends the browser to the page rather than serving it
// where its relative links break.
func TestRoutesHeadersAndStatic(t *testing.T) {
	metrics := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("up 1\n")) })
	s := New(Options{Metrics: metrics})
	s.Report(synth("a", 0, -23))
	h := s.Handler()
	cases := []struct {
		method, path string
		code         int
		location     string
	}{
		{"GET", "/", 200, ""},
		{"GET", "/static/meter.js", 200, ""},
		{"GET", "/static/meter.css", 200, ""},
		{"GET", "/static/", 301, "/"},
		{"GET", "/static/index.html", 301, "/"},
		{"GET", "/static/nothing", 301, "/"},
		{"GET", "/static", 301, "/"},
		{"GET", "/healthz", 200, ""},
		{"GET", "/api/history?source=a&window=1m", 200, ""},
		{"GET", "/api/history?source=b", 404, ""},
		{"GET", "/metrics", 200, ""},
		{"GET", "/nothing", 404, ""},
		{"POST", "/", 405, ""},
		{"HEAD", "/static/meter.css", 200, ""},
	}
	for _, c := range cases {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(c.method, c.path, nil))
		if rec.Code != c.code || rec.Header().Get("Location") != c.location {
			t.Errorf("%s %s: %d, Location %q; want %d, %q", c.method, c.path, rec.Code, rec.Header().Get("Location"), c.code, c.location)
		}
		for _, kv := range httpheader.Values {
			if got := rec.Header().Get(kv[0]); got != kv[1] {
				t.Errorf("%s %s: %s %q, want %q", c.method, c.path, kv[0], got, kv[1])
			}
		}
	}
}
