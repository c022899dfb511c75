package web

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/levelmeter/levelmeter/dsp"
	"github.com/levelmeter/levelmeter/pipeline"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// synth returns the i-th report of a synthetic source: a stereo programme whose levels swing with i, at a
// fixed integrated loudness so that a display of it can be checked.
func synth(source string, i int, integrated float64) *pipeline.Report {
	swing := 12 * math.Sin(float64(i)/5)
	l := dsp.Levels{SampleRate: 48000, Channels: 2, Frames: 4800, Correlation: 0.6 + 0.3*math.Sin(float64(i)/9)}
	for c := range 2 {
		pk := -10 + swing - 4*float64(c)
		l.Channel[c] = dsp.Stats{SamplePeak: pk, TruePeak: pk + 0.4, RMS: pk - 12, CrestFactor: 12}
		l.Display[c] = dsp.Display{Peak: pk, Hold: math.Max(pk, -4-4*float64(c)), Clip: false}
	}
	l.Overall = l.Channel[0]
	l.Loudness = dsp.Loudness{
		Momentary: -22 + swing/2, ShortTerm: -23 + swing/4, MomentaryMax: -12, ShortTermMax: -16,
		Integrated: integrated, Range: 7.3,
	}
	tot := l
	tot.Overall.TruePeak = 0.7
	tot.Channel[0].Clipped = 3
	n := int64(i+1) * 4800
	return &pipeline.Report{
		Source: source, Time: time.Unix(1700000000, 0).Add(time.Duration(i) * 100 * time.Millisecond),
		Interval: l, Total: tot,
		Started:  time.Unix(1700000000, 0),
		Newest:   time.Now().Add(-30 * time.Millisecond),
		Counters: pipeline.Counters{Captured: n, Metered: n - 96, Dropped: 96, Overflows: 1, Lost: 2, RingFill: 480, RingCap: 8192},
	}
}

// silentReport is a report of a mono source that has seen only digital silence.
func silentReport(source string) *pipeline.Report {
	inf := math.Inf(-1)
	l := dsp.Levels{SampleRate: 44100, Channels: 1, Correlation: math.NaN()}
	l.Channel[0] = dsp.Stats{SamplePeak: inf, TruePeak: inf, RMS: inf, CrestFactor: math.NaN()}
	l.Display[0] = dsp.Display{Peak: inf, Hold: inf}
	l.Overall = l.Channel[0]
	l.Loudness = dsp.Loudness{Momentary: inf, ShortTerm: inf, MomentaryMax: inf, ShortTermMax: inf, Integrated: inf}
	return &pipeline.Report{Source: source, Interval: l, Total: l}
}

// subscribe opens /events on srv and returns a reader of its events; the stream closes with the test.
func subscribe(t *testing.T, srv *httptest.Server) *EventReader {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), "GET", srv.URL+"/events", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("GET /events: %s, Content-Type %q", resp.Status, resp.Header.Get("Content-Type"))
	}
	return NewEventReader(resp.Body)
}

func next(t *testing.T, er *EventReader, name string) Event {
	t.Helper()
	for {
		ev, err := er.Next()
		if err != nil {
			t.Fatalf("waiting for a %q event: %v", name, err)
		}
		if ev.Name == name {
			return ev
		}
	}
}

func decode(t *testing.T, ev Event) Update {
	t.Helper()
	var u Update
	if err := json.Unmarshal(ev.Data, &u); err != nil {
		t.Fatalf("report event: %v\n%s", err, ev.Data)
	}
	return u
}

func TestEventsDeliverReports(t *testing.T) {
	s := New(Options{Version: "v9"})
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	defer s.Close()

	er := subscribe(t, srv)
	var h Hello
	if err := json.Unmarshal(next(t, er, "hello").Data, &h); err != nil || h.Version != "v9" {
		t.Fatalf("hello: %+v, %v", h, err)
	}
	for i := range 5 {
		r := synth("studio", i, -23.4)
		s.Report(r)
		u := decode(t, next(t, er, "report"))
		if u.Source != "studio" || len(u.Channels) != 2 || u.SampleRate != 48000 {
			t.Fatalf("report %d: %+v", i, u)
		}
		checks := []struct {
			name      string
			got, want float64
		}{
			{"integrated", float64(u.Loudness.Integrated), r.Interval.Loudness.Integrated},
			{"momentary", float64(u.Loudness.Momentary), r.Interval.Loudness.Momentary},
			{"range", float64(u.Loudness.Range), r.Interval.Loudness.Range},
			{"correlation", float64(u.Correlation), r.Interval.Correlation},
			{"channel 1 peak", float64(u.Channels[1].Peak), r.Interval.Display[1].Peak},
			{"channel 0 true peak", float64(u.Channels[0].TruePeak), r.Interval.Channel[0].TruePeak},
			{"true peak max", float64(u.TruePeakMax), r.Total.Overall.TruePeak},
			{"clipped", float64(u.Channels[0].Clipped), float64(r.Total.Channel[0].Clipped)},
			{"captured", float64(u.Counters.Captured), float64(r.Counters.Captured)},
			{"lost", float64(u.Counters.Lost), float64(r.Counters.Lost)},
			{"started", float64(u.Started.Unix()), float64(r.Started.Unix())},
		}
		if lat := float64(u.Latency); !(lat >= 0.03 && lat < 10) {
			t.Errorf("report %d: latency = %v s, want the time since Newest (30 ms ago)", i, lat)
		}
		for _, c := range checks {
			if c.got != c.want {
				t.Errorf("report %d: %s = %v, want %v", i, c.name, c.got, c.want)
			}
		}
	}
}

func TestSilenceIsNull(t *testing.T) {
	frame := encodeEvent("report", NewUpdate(silentReport("quiet")))
	data := strings.TrimSuffix(strings.TrimPrefix(string(frame), "event: report\ndata: "), "\n\n")
	var raw map[string]any
	if err := json.Unmarshal([]byte(data), &raw); err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	loud := raw["loudness"].(map[string]any)
	for _, k := range []string{"momentary", "shortTerm", "integrated"} {
		if loud[k] != nil {
			t.Errorf("loudness.%s of silence = %v, want null", k, loud[k])
		}
	}
	if raw["correlation"] != nil {
		t.Errorf("correlation of silence = %v, want null", raw["correlation"])
	}
	ch := raw["channels"].([]any)[0].(map[string]any)
	for _, k := range []string{"samplePeak", "truePeak", "rms", "crest", "peak", "hold"} {
		if ch[k] != nil {
			t.Errorf("channels[0].%s of silence = %v, want null", k, ch[k])
		}
	}
	if loud["range"] != 0.0 {
		t.Errorf("loudness.range of silence = %v, want 0", loud["range"])
	}
}

func TestNewClientGetsLatestOfEverySource(t *testing.T) {
	s := New(Options{})
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	defer s.Close()

	s.Report(synth("b", 0, -20))
	s.Report(synth("a", 0, -30))
	s.Report(synth("a", 1, -31))
	er := subscribe(t, srv)
	first, second := decode(t, next(t, er, "report")), decode(t, next(t, er, "report"))
	if first.Source != "a" || first.Loudness.Integrated != -31 || second.Source != "b" {
		t.Errorf("a new client got %s %v then %s; want the latest of a (-31), then b", first.Source, first.Loudness.Integrated, second.Source)
	}
}

func TestHealthz(t *testing.T) {
	get := func(t *testing.T, s *Server) (int, Health) {
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
		var h Health
		if err := json.Unmarshal(rec.Body.Bytes(), &h); err != nil {
			t.Fatalf("/healthz: %v\n%s", err, rec.Body)
		}
		return rec.Code, h
	}
	final := synth("a", 1, -23)
	final.Final = true
	cases := []struct {
		name     string
		stale    time.Duration
		reports  []*pipeline.Report
		wait     time.Duration
		code     int
		sources  int
		running  int
		hasAge   bool
		ageUnder float64
	}{
		{"starting", time.Minute, nil, 0, 200, 0, 0, false, 0},
		{"never reported", 10 * time.Millisecond, nil, 30 * time.Millisecond, 503, 0, 0, false, 0},
		{"reporting", time.Minute, []*pipeline.Report{synth("a", 0, -23), synth("b", 0, -23)}, 0, 200, 2, 2, true, 30},
		{"stuck", 10 * time.Millisecond, []*pipeline.Report{synth("a", 0, -23)}, 30 * time.Millisecond, 503, 1, 1, true, 30},
		{"finished", 10 * time.Millisecond, []*pipeline.Report{synth("a", 0, -23), final}, 30 * time.Millisecond, 200, 1, 0, true, 30},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := New(Options{StaleAfter: c.stale, Version: "v1"})
			for _, r := range c.reports {
				s.Report(r)
			}
			time.Sleep(c.wait)
			code, h := get(t, s)
			if code != c.code || h.OK != (c.code == 200) || h.Sources != c.sources || h.Running != c.running || h.Version != "v1" {
				t.Errorf("got %d %+v; want %d, sources %d, running %d", code, h, c.code, c.sources, c.running)
			}
			if (h.LastReportAge != nil) != c.hasAge || (h.LastReportAge != nil && *h.LastReportAge > c.ageUnder) {
				t.Errorf("lastReportAgeSeconds = %v, want present %v", h.LastReportAge, c.hasAge)
			}
		})
	}
}

func TestPageAndAssets(t *testing.T) {
	metrics := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "levelmeter_up 1\n") })
	h := New(Options{Metrics: metrics}).Handler()
	cases := []struct {
		path, contentType, contains string
		code                        int
	}{
		{"/", "text/html", `<script src="static/meter.js">`, 200},
		{"/static/meter.js", "javascript", "EventSource", 200},
		{"/static/meter.css", "text/css", "--bar-h", 200},
		{"/metrics", "", "levelmeter_up 1", 200},
		{"/nothing", "", "", 404},
	}
	for _, c := range cases {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", c.path, nil))
		if rec.Code != c.code || !strings.Contains(rec.Header().Get("Content-Type"), c.contentType) || !strings.Contains(rec.Body.String(), c.contains) {
			t.Errorf("GET %s: %d %q, want %d %q containing %q", c.path, rec.Code, rec.Header().Get("Content-Type"), c.code, c.contentType, c.contains)
		}
	}
	// The page loads nothing from elsewhere.
	for _, p := range []string{"/", "/static/meter.js", "/static/meter.css"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", p, nil))
		for _, bad := range []string{"http://", "https://", "//cdn", "@import", "fonts.g"} {
			if strings.Contains(rec.Body.String(), bad) {
				t.Errorf("%s refers to an external asset (%q)", p, bad)
			}
		}
	}
	rec := httptest.NewRecorder()
	New(Options{}).Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 404 {
		t.Errorf("/metrics without Options.Metrics: %d, want 404", rec.Code)
	}
}

func TestCloseEndsStreams(t *testing.T) {
	s := New(Options{})
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	er := subscribe(t, srv)
	next(t, er, "hello")
	s.Close()
	for {
		if _, err := er.Next(); err != nil {
			break
		}
	}
	resp, err := srv.Client().Get(srv.URL + "/events")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 503 {
		t.Errorf("/events after Close: %s, want 503", resp.Status)
	}
	s.Report(synth("a", 0, -23)) // still fine
}

// smallBuffers makes every accepted connection's send buffer small, so that a client that stops reading fills it
// after a few reports instead of after megabytes.
type smallBuffers struct{ net.Listener }

func (l smallBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetWriteBuffer(4096)
	}
	return c, err
}

// TestStalledClientsDoNotHoldTheReporter connects 100 clients that never read and one that does, and reports
// as fast as the reporter goroutine can: Report must return every time, the stalled clients must be dropped,
// and the reading client must get the last report.
func TestStalledClientsDoNotHoldTheReporter(t *testing.T) {
	const stalled = 100
	const timeout = time.Second
	s := New(Options{ClientBuffer: 16, WriteTimeout: timeout})
	srv := httptest.NewUnstartedServer(s.Handler())
	srv.Listener = smallBuffers{srv.Listener}
	srv.Start()
	defer srv.Close()
	defer s.Close()

	addr := srv.Listener.Addr().String()
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range stalled {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		c.(*net.TCPConn).SetReadBuffer(4096)
		conns = append(conns, c)
		fmt.Fprintf(c, "GET /events HTTP/1.1\r\nHost: %s\r\n\r\n", addr)
	}

	// The reading client.
	er := subscribe(t, srv)
	next(t, er, "hello")
	got := make(chan Update, 1)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var last Update
		for {
			ev, err := er.Next()
			if err != nil {
				got <- last
				return
			}
			if ev.Name == "report" {
				json.Unmarshal(ev.Data, &last)
				if last.Final {
					got <- last
					return
				}
			}
		}
	}()

	deadline := time.Now().Add(10 * time.Second)
	for s.Stats().Clients < stalled+1 {
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d clients connected", s.Stats().Clients, stalled+1)
		}
		time.Sleep(10 * time.Millisecond)
	}

	// Report for 3 write timeouts: long enough for every stalled client to be found out.
	var slowest time.Duration
	start := time.Now()
	i := 0
	for time.Since(start) < 3*timeout || s.Stats().Disconnected < stalled {
		if time.Since(start) > 20*timeout {
			break
		}
		r := synth("studio", i, -23)
		t0 := time.Now()
		s.Report(r)
		slowest = max(slowest, time.Since(t0))
		i++
		if i%50 == 0 {
			time.Sleep(5 * time.Millisecond)
		}
	}
	fin := synth("studio", i, -23)
	fin.Final = true
	s.Report(fin)

	last := <-got
	wg.Wait()
	st := s.Stats()
	t.Logf("%d reports in %v; slowest Report %v; stats %+v", i+1, time.Since(start).Round(time.Millisecond), slowest, st)
	if slowest >= timeout {
		t.Errorf("a Report took %v: it waited for a client", slowest)
	}
	if st.Disconnected != stalled {
		t.Errorf("%d clients disconnected for not reading, want %d", st.Disconnected, stalled)
	}
	if st.Dropped == 0 {
		t.Error("no report was dropped for a stalled client")
	}
	if st.Clients != 1 {
		t.Errorf("%d clients still connected, want the reading one", st.Clients)
	}
	if !last.Final || last.Source != "studio" {
		t.Errorf("the reading client's last report: %+v, want the final one", last)
	}
	if st.Reports != int64(i+1) {
		t.Errorf("Stats.Reports = %d, want %d", st.Reports, i+1)
	}
}

func TestEventReader(t *testing.T) {
	in := "retry: 2000\n\n: comment\nevent: hello\ndata: {\"a\":1}\n\n" +
		"data: one\r\ndata: two\r\n\r\n" +
		"id: 7\n\n" + // no data: no event
		"event: report\ndata:x\n\n" +
		"event: cr\rdata: y\r\r" + // a lone CR ends a line too
		"event:\r0\ndata\n\n" + // the fuzzer's: an empty event name, then a line "0"
		"event: cut\ndata: off"
	er := NewEventReader(bufio.NewReaderSize(strings.NewReader(in), 16))
	want := []Event{{"hello", []byte(`{"a":1}`)}, {"message", []byte("one\ntwo")}, {"report", []byte("x")}, {"cr", []byte("y")},
		{"message", nil}}
	for _, w := range want {
		ev, err := er.Next()
		if err != nil || ev.Name != w.Name || string(ev.Data) != string(w.Data) {
			t.Fatalf("Next = %q %q, %v; want %q %q", ev.Name, ev.Data, err, w.Name, w.Data)
		}
	}
	if ev, err := er.Next(); err != io.EOF {
		t.Errorf("Next at the end = %q, %v; want io.EOF", ev.Name, err)
	}
}

func TestFloatJSON(t *testing.T) {
	cases := []struct {
		in   float64
		json string
	}{{-23.25, "-23.25"}, {0, "0"}, {math.Inf(-1), "null"}, {math.Inf(1), "null"}, {math.NaN(), "null"}, {1e-7, "1e-07"}}
	for _, c := range cases {
		b, err := json.Marshal(Float(c.in))
		if err != nil || string(b) != c.json {
			t.Errorf("Marshal(%v) = %s, %v; want %s", c.in, b, err, c.json)
		}
		var f Float
		if err := json.Unmarshal(b, &f); err != nil {
			t.Fatal(err)
		}
		if c.json == "null" && f.Valid() || c.json != "null" && float64(f) != c.in {
			t.Errorf("Unmarshal(%s) = %v", b, f)
		}
	}
}

// BenchmarkReport measures Report with no client (the cost of encoding a report, the baseline), with 100
// clients that keep up, and with 100 stalled clients whose full queues make every offer drop the oldest report.
func BenchmarkReport(b *testing.B) {
	for _, bc := range []struct {
		name    string
		clients int
		stalled bool
	}{{"clients=0", 0, false}, {"clients=100/reading", 100, false}, {"clients=100/stalled", 100, true}} {
		b.Run(bc.name, func(b *testing.B) {
			s := New(Options{ClientBuffer: 16, WriteTimeout: time.Hour})
			var queues []chan []byte
			for range bc.clients {
				c := &client{queue: make(chan []byte, 16), kick: make(chan struct{})}
				s.clients[c] = struct{}{}
				queues = append(queues, c.queue)
			}
			r := synth("studio", 0, -23)
			b.ReportAllocs()
			for b.Loop() {
				s.Report(r)
				if !bc.stalled {
					for _, q := range queues {
						<-q
					}
				}
			}
			if st := s.Stats(); bc.stalled != (st.Dropped > 0) || st.Disconnected != 0 {
				b.Fatalf("stats %+v", st)
			}
		})
	}
}

// TestAppendUpdateIsJSON holds appendUpdate to the bytes encoding/json writes for the same Update.
func TestAppendUpdateIsJSON(t *testing.T) {
	withError := synth("caf\u00e9 <1> \"2\"", 3, -23)
	withError.LastError = "device \"hw:1\" gone\n\tretrying & waiting"
	eight := synth("eight", 5, -30)
	eight.Interval.Channels, eight.Total.Channels = 8, 8
	final := synth("fin", 9, math.Inf(-1))
	final.Final = true
	final.Started, final.Newest = time.Time{}, time.Time{}
	reports := []*pipeline.Report{synth("studio", 0, -23.4), silentReport("quiet"), withError, eight, final, {}}
	for i, r := range reports {
		u := NewUpdate(r)
		switch i {
		case 2:
			u.Alarms = []Alarm{{Name: "silence \"<1>\"", Since: time.Unix(1700000000, 5), Value: Float(math.Inf(-1))}, {Name: "clipping", Value: 12}}
			u.Target = &Target{Name: "ebu-r128", LUFS: -23, Tolerance: 1, MaxTruePeak: -1}
		case 3:
			u.Target = &Target{LUFS: -14, Tolerance: Float(math.NaN()), MaxTruePeak: Float(math.NaN())}
			u.Labels = []string{"L", "R", "C", "LFE", "Lb", "Rb", "Ls", "R\u00e9"}
		case 5:
			u.Labels = nil
		}
		want, err := json.Marshal(u)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendUpdate(nil, &u); string(got) != string(want) {
			t.Errorf("source %q:\nappendUpdate: %s\njson.Marshal: %s", r.Source, got, want)
		}
	}
}
