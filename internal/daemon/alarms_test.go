package daemon_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/levelmeter/levelmeter/config"
	"github.com/levelmeter/levelmeter/internal/daemon"
	"github.com/levelmeter/levelmeter/internal/termmeter"
	"github.com/levelmeter/levelmeter/web"
)

const rate = 48000

// writeWAV writes stereo float32 frames made by sample(t) (t in seconds) as a WAV file of IEEE floats.
func writeWAV(t *testing.T, path string, seconds float64, sample func(t float64) (l, r float64)) {
	t.Helper()
	n := int(seconds * rate)
	frames := make([]float32, 2*n)
	for i := range n {
		l, r := sample(float64(i) / rate)
		frames[2*i], frames[2*i+1] = float32(l), float32(r)
	}
	var data bytes.Buffer
	binary.Write(&data, binary.LittleEndian, frames)
	var b bytes.Buffer
	b.WriteString("RIFF")
	binary.Write(&b, binary.LittleEndian, uint32(4+8+16+8+data.Len()))
	b.WriteString("WAVEfmt ")
	for _, v := range []any{uint32(16), uint16(3), uint16(2), uint32(rate), uint32(rate * 8), uint16(8), uint16(32)} {
		binary.Write(&b, binary.LittleEndian, v)
	}
	b.WriteString("data")
	binary.Write(&b, binary.LittleEndian, uint32(data.Len()))
	b.Write(data.Bytes())
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// parseConfig parses and validates a configuration as a file would hold it.
func parseConfig(t *testing.T, yaml string) *config.Config {
	t.Helper()
	cfg, err := config.Parse([]byte(yaml), "x.yaml")
	if err == nil {
		err = cfg.Validate()
	}
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func tone(t, amp float64) float64 { return amp * math.Sin(2*math.Pi*997*t) }

// step is a's value before s seconds (or after e), b's between.
func between(t, s, e float64) bool { return t >= s && t < e }

// An expected alarm event: kind, state and the true moment (the condition's onset plus the delay, in seconds of
// audio), worked out from the signal and the rule.
type want struct {
	alarm, state string
	at           float64
}

// TestAlarmsThroughDaemon replays generated faults through the daemon in fast mode, as configured in a file,
// and checks from its log that each alarm starts and ends within one report interval (100 ms) of the truth,
// and that the bundled demo raises nothing.
func TestAlarmsThroughDaemon(t *testing.T) {
	dir := t.TempDir()
	const a = 0.25
	writeWAV(t, filepath.Join(dir, "gap.wav"), 17.5, func(s float64) (float64, float64) {
		if between(s, 3, 15) {
			return 0, 0
		}
		return tone(s, a), tone(s, a)
	})
	writeWAV(t, filepath.Join(dir, "clip.wav"), 14.5, func(s float64) (float64, float64) {
		v := tone(s, a)
		if between(s, 3, 4) {
			v = max(-1, min(1, tone(s, 2))) // hard clipped at full scale
		}
		return v, v
	})
	writeWAV(t, filepath.Join(dir, "flip.wav"), 18, func(s float64) (float64, float64) {
		if between(s, 3, 15) {
			return tone(s, a), -tone(s, a)
		}
		return tone(s, a), tone(s, a)
	})
	writeWAV(t, filepath.Join(dir, "dead.wav"), 17.5, func(s float64) (float64, float64) {
		if between(s, 3, 15) {
			return tone(s, a), 0
		}
		return tone(s, a), tone(s, a)
	})
	// -20 LUFS (a 997 Hz sine of amplitude 0.1 on both channels), 10 dB louder from 4 s to 12 s.
	lo, hi := 0.1, 0.1*math.Sqrt(10)
	writeWAV(t, filepath.Join(dir, "step.wav"), 17.5, func(s float64) (float64, float64) {
		if between(s, 4, 12) {
			return tone(s, hi), tone(s, hi)
		}
		return tone(s, lo), tone(s, lo)
	})
	demo, _ := filepath.Abs(filepath.Join("..", "..", "testdata", "demo.wav"))
	yaml := fmt.Sprintf(`
sources:
  - {wav: gap.wav, pace: fast}
  - {wav: clip.wav, pace: fast}
  - {wav: flip.wav, pace: fast}
  - {wav: dead.wav, pace: fast}
  - wav: step.wav
    pace: fast
    alarms:
      loudness_high: {enabled: true, threshold: -17, on_delay: 2s, off_delay: 2s}
  - {wav: %s, pace: fast}
report_interval: 100ms
http: {listen: ""}
# No window of a minute or more: loudness_high judges the short-term loudness, whose crossings are computed below.
loudness_windows: [10s]
`, demo)
	path := filepath.Join(dir, "levelmeter.yaml")
	os.WriteFile(path, []byte(yaml), 0o644)
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	d, err := daemon.New(cfg, zerolog.New(&logs))
	if err != nil {
		t.Fatal(err)
	}
	// Under the race detector on a loaded machine the replay takes minutes; the files end by themselves.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	if err := d.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if ctx.Err() != nil {
		t.Fatal("the replay did not end within 10 minutes")
	}

	// Short-term loudness (3 s) crosses -17 LUFS when 11.06 % of its window is at -10 LUFS and the rest at -20
	// (10^-1.7 = f·10^-1 + (1-f)·10^-2), and falls below -17.5 (the hysteresis) when 8.65 % is.
	stOn, stOff := 3*(math.Pow(10, -1.7)-0.01)/0.09, 3*(1-(math.Pow(10, -1.75)-0.01)/0.09)
	wants := map[string][]want{
		"gap": {{"silence", "start", 3 + 10}, {"silence", "end", 15 + 2}},
		// Clipping starts with the first clipped samples and ends 5 s after the 1 s window last held one;
		// the true peak ends 10 s after the last over.
		"clip": {{"clipping", "start", 3}, {"true_peak_over", "start", 3}, {"clipping", "end", 4 + 1 + 5},
			{"true_peak_over", "end", 4 + 10}},
		// The correlation over 1 s reaches -0.5 when 75 % of the window is inverted, and is back above -0.2
		// when less than 60 % is.
		"flip": {{"phase_inverted", "start", 3 + 0.75 + 5}, {"phase_inverted", "end", 15 + 0.4 + 2}},
		"dead": {{"channel_dead", "start", 3 + 10}, {"channel_dead", "end", 15 + 2}},
		"step": {{"loudness_high", "start", 4 + stOn + 2}, {"loudness_high", "end", 12 + stOff + 2}},
		"demo": nil,
	}
	got := map[string][]want{}
	for _, msg := range []string{"alarm started: ", "alarm ended: "} {
		for _, k := range []string{"silence", "clipping", "true_peak_over", "loudness_high", "loudness_low",
			"phase_inverted", "channel_dead", "dc_offset", "source_stalled"} {
			for _, l := range logs.lines(t, msg+k) {
				got[l["source"].(string)] = append(got[l["source"].(string)],
					want{l["alarm"].(string), l["state"].(string), l["stream_s"].(float64)})
			}
		}
	}
	for source, ws := range wants {
		gs := got[source]
		sort.Slice(gs, func(i, j int) bool { return gs[i].at < gs[j].at })
		sort.Slice(ws, func(i, j int) bool { return ws[i].at < ws[j].at })
		if len(gs) != len(ws) {
			t.Errorf("%s: events %v, want %v", source, gs, ws)
			continue
		}
		for i := range ws {
			e := gs[i].at - ws[i].at
			if gs[i].alarm != ws[i].alarm || gs[i].state != ws[i].state || math.Abs(e) > 0.1+1e-9 {
				t.Errorf("%s: event %v, want %v within one report (100 ms)", source, gs[i], ws[i])
				continue
			}
			t.Logf("%-5s %-15s %-5s at %6.2f s, truth %6.3f s: error %+4.0f ms", source, ws[i].alarm, ws[i].state,
				gs[i].at, ws[i].at, e*1000)
		}
	}
	for _, s := range logs.lines(t, "summary") {
		if s["captured"] != s["metered"] || s["dropped"].(float64) != 0 || s["reports_lost"].(float64) != 0 {
			t.Errorf("summary %v: a fast replay drops nothing", s)
		}
	}
}

// TestHungWebhook: a webhook receiver that never answers costs the audio nothing: every frame of a fast replay
// is metered, no report is lost, and the daemon stops within the webhooks' closing deadline.
func TestHungWebhook(t *testing.T) {
	hung := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-hung:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(hung)
	dir := t.TempDir()
	writeWAV(t, filepath.Join(dir, "gap.wav"), 20, func(s float64) (float64, float64) {
		if between(s, 1, 19) {
			return 0, 0
		}
		return tone(s, 0.25), tone(s, 0.25)
	})
	cfg := parseConfig(t, fmt.Sprintf(`
sources: [{wav: %s, pace: fast}]
http: {listen: ""}
alarms:
  silence: {on_delay: 1s}
  webhooks: [{name: hung, url: %s, timeout: 1h, queue: 2}]
`, filepath.Join(dir, "gap.wav"), srv.URL))
	var logs syncBuffer
	d, err := daemon.New(cfg, zerolog.New(&logs))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := d.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 15*time.Second {
		t.Errorf("the daemon took %v to stop behind a hung webhook", took)
	}
	sum := logs.lines(t, "summary")
	if len(sum) != 1 || sum[0]["metered"].(float64) != 20*rate || sum[0]["dropped"].(float64) != 0 ||
		sum[0]["reports_lost"].(float64) != 0 {
		t.Fatalf("summary %v: want every frame metered, nothing dropped or lost", sum)
	}
	if len(logs.lines(t, "alarm started: silence")) != 1 {
		t.Error("no silence alarm in the log")
	}
	if !strings.Contains(logs.String(), "hung") {
		t.Log("no webhook warning in the log")
	}
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestResetAPI: POST /api/reset resets one source or all; other methods, cross-origin requests and unknown
// sources are refused.
func TestResetAPI(t *testing.T) {
	var logs syncBuffer
	d, err := daemon.New(wavConfig(t, true, "127.0.0.1:0"), zerolog.New(&logs))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- d.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-ran; err != nil {
			t.Error(err)
		}
	}()
	base := "http://" + d.Addr().String() + "/api/reset"
	for _, tc := range []struct {
		name, method, query string
		header              map[string]string
		status              int
		body                string
	}{
		{"all", "POST", "", nil, 200, `{"reset":["sine-s16-stereo"]}`},
		{"one", "POST", "?source=sine-s16-stereo", nil, 200, `{"reset":["sine-s16-stereo"]}`},
		{"same origin", "POST", "", map[string]string{"Origin": "http://" + d.Addr().String(), "Sec-Fetch-Site": "same-origin"}, 200, ""},
		{"unknown", "POST", "?source=nope", nil, 404, "no source named nope"},
		{"get", "GET", "", nil, 405, "use POST"},
		{"cross origin", "POST", "", map[string]string{"Origin": "http://evil.example"}, 403, "cross-origin"},
		{"cross site", "POST", "", map[string]string{"Sec-Fetch-Site": "cross-site"}, 403, "cross-origin"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, base+tc.query, nil)
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var b bytes.Buffer
			b.ReadFrom(resp.Body)
			if resp.StatusCode != tc.status || !strings.Contains(b.String(), tc.body) {
				t.Fatalf("%s %s: %s %q, want %d %q", tc.method, tc.query, resp.Status, b.String(), tc.status, tc.body)
			}
			if tc.status == 405 && resp.Header.Get("Allow") != "POST" {
				t.Fatalf("Allow %q", resp.Header.Get("Allow"))
			}
		})
	}
	if n := len(logs.lines(t, "since-start values reset")); n != 3 {
		t.Errorf("%d reset lines logged, want 3", n)
	}
}

// TestWebhookEvents: a configured webhook receives each alarm's start and end as JSON, with the source, the
// values, and the duration on the end.
func TestWebhookEvents(t *testing.T) {
	got := make(chan map[string]any, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m map[string]any
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil || r.Header.Get("Authorization") != "Bearer x" {
			t.Errorf("request %v, %v", err, r.Header)
		}
		got <- m
	}))
	defer srv.Close()
	dir := t.TempDir()
	writeWAV(t, filepath.Join(dir, "gap.wav"), 8, func(s float64) (float64, float64) {
		if between(s, 1, 5) {
			return 0, 0
		}
		return tone(s, 0.25), tone(s, 0.25)
	})
	cfg := parseConfig(t, fmt.Sprintf(`
sources: [{name: studio, wav: %s, pace: fast}]
http: {listen: ""}
alarms:
  silence: {on_delay: 1s}
  webhooks: [{name: test, url: %s, headers: {Authorization: Bearer x}}]
`, filepath.Join(dir, "gap.wav"), srv.URL))
	d, err := daemon.New(cfg, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	close(got)
	var events []map[string]any
	for m := range got {
		events = append(events, m)
	}
	if len(events) != 2 {
		t.Fatalf("%d events: %v", len(events), events)
	}
	s, e := events[0], events[1]
	if s["source"] != "studio" || s["alarm"] != "silence" || s["state"] != "start" || s["duration_seconds"] != nil {
		t.Errorf("start event %v", s)
	}
	if v := s["values"].(map[string]any); v["value"] != nil || v["threshold"] != -50.0 || v["channel"] != nil {
		t.Errorf("start values %v: want digital silence as null, the threshold, no channel", v)
	}
	if e["state"] != "end" || e["reason"] != "cleared" || math.Abs(e["duration_seconds"].(float64)-(5+2-2)) > 0.1+1e-9 {
		t.Errorf("end event %v: want the alarm's duration, 5 s (from 2 s to 7 s of audio)", e)
	}
}

// TestAlarmsEndWhenSourceStops: an alarm still active when its source stops ends there, with reason
// source_stopped, in the log and at the webhook, so a receiver never keeps an alarm open for a meter that is gone;
// one that cleared says so.
func TestAlarmsEndWhenSourceStops(t *testing.T) {
	got := make(chan map[string]any, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m map[string]any
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
			t.Error(err)
		}
		got <- m
	}))
	defer srv.Close()
	dir := t.TempDir()
	writeWAV(t, filepath.Join(dir, "gap.wav"), 6, func(s float64) (float64, float64) {
		if s >= 1 {
			return 0, 0 // silent to the end
		}
		return tone(s, 0.25), tone(s, 0.25)
	})
	cfg := parseConfig(t, fmt.Sprintf(`
sources: [{name: studio, wav: %s, pace: fast}]
http: {listen: ""}
report_interval: 100ms
alarms:
  silence: {on_delay: 1s}
  webhooks: [{url: %s}]
`, filepath.Join(dir, "gap.wav"), srv.URL))
	var logs syncBuffer
	d, err := daemon.New(cfg, zerolog.New(&logs))
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	close(got)
	var events []map[string]any
	for m := range got {
		events = append(events, m)
	}
	if len(events) != 2 || events[0]["state"] != "start" || events[1]["state"] != "end" {
		t.Fatalf("webhook events %v: want a start and an end", events)
	}
	if e := events[1]; e["reason"] != "source_stopped" || math.Abs(e["duration_seconds"].(float64)-(6-2)) > 0.1+1e-9 {
		t.Errorf("end event %v: want reason source_stopped and the alarm's 4 s (from 2 s to the end at 6 s)", e)
	}
	ended := logs.lines(t, "alarm ended: silence")
	if len(ended) != 1 || ended[0]["reason"] != "source_stopped" {
		t.Errorf("log lines %v: want one alarm end with reason source_stopped", ended)
	}
}

// TestAlarmsAndTargetOnPage: the web meter's reports carry the sources' active alarms and their profiles'
// targets, as the page draws them and levelmeter watch prints them.
func TestAlarmsAndTargetOnPage(t *testing.T) {
	dir := t.TempDir()
	writeWAV(t, filepath.Join(dir, "quiet.wav"), 2, func(float64) (float64, float64) { return 0, 0 })
	writeWAV(t, filepath.Join(dir, "tone.wav"), 2, func(s float64) (float64, float64) { return tone(s, 0.1), tone(s, 0.1) })
	cfg := parseConfig(t, fmt.Sprintf(`
sources:
  - {name: quiet, wav: %s, loop: true}
  - {name: tone, wav: %s, loop: true, alarms: {profile: house}}
http: {listen: "127.0.0.1:0"}
report_interval: 100ms
profiles: [{name: house, target: -16, tolerance: 1.5, max_true_peak: -2}]
alarms:
  profile: ebu-r128
  silence: {on_delay: 500ms}
`, filepath.Join(dir, "quiet.wav"), filepath.Join(dir, "tone.wav")))
	d, err := daemon.New(cfg, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- d.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-ran; err != nil {
			t.Error(err)
		}
	}()

	resp, err := http.Get("http://" + d.Addr().String() + "/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	type report struct {
		Source string      `json:"source"`
		Alarms []web.Alarm `json:"alarms"`
		Target *web.Target `json:"target"`
	}
	last := map[string]report{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	deadline := time.Now().Add(30 * time.Second)
	for sc.Scan() && time.Now().Before(deadline) {
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue
		}
		var r report
		if json.Unmarshal([]byte(data), &r) != nil || r.Source == "" {
			continue
		}
		last[r.Source] = r
		if q := last["quiet"]; len(q.Alarms) > 0 && last["tone"].Target != nil {
			break
		}
	}
	q, tn := last["quiet"], last["tone"]
	if len(q.Alarms) != 1 || q.Alarms[0].Name != "silence" || q.Alarms[0].Since.IsZero() {
		t.Errorf("quiet source's alarms %+v: want silence, with the time it started", q.Alarms)
	}
	if q.Target == nil || q.Target.Name != "ebu-r128" || q.Target.LUFS != -23 || q.Target.Tolerance != 1 || q.Target.MaxTruePeak != -1 {
		t.Errorf("quiet source's target %+v: want the top-level profile, ebu-r128", q.Target)
	}
	if tn.Target == nil || tn.Target.Name != "house" || tn.Target.LUFS != -16 || tn.Target.Tolerance != 1.5 || tn.Target.MaxTruePeak != -2 {
		t.Errorf("tone source's target %+v: want its own profile, house", tn.Target)
	}
	if len(tn.Alarms) != 0 {
		t.Errorf("tone source's alarms %+v: want none", tn.Alarms)
	}

	var out bytes.Buffer
	if err := termmeter.Run(ctx, termmeter.Options{URL: "http://" + d.Addr().String(), Once: true, Out: &out}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"ALARM silence since ", "target ebu-r128 -23 ±1 LUFS", "target house -16 ±1.5 LUFS"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("levelmeter watch --once shows no %q:\n%s", want, out.String())
		}
	}
}
