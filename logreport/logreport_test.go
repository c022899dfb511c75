package logreport_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/levelmeter/levelmeter/dsp"
	"github.com/levelmeter/levelmeter/logreport"
	"github.com/levelmeter/levelmeter/pipeline"
)

func lines(t *testing.T, b *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("not JSON: %q: %v", l, err)
		}
		out = append(out, m)
	}
	return out
}

func silence() dsp.Levels {
	inf := math.Inf(-1)
	s := dsp.Stats{SamplePeak: inf, TruePeak: inf, RMS: inf, CrestFactor: math.NaN()}
	return dsp.Levels{SampleRate: 48000, Channels: 2, Frames: 4800, Overall: s, Correlation: math.NaN(),
		Loudness: dsp.Loudness{Momentary: inf, ShortTerm: inf, MomentaryMax: inf, ShortTermMax: inf, Integrated: inf}}
}

// TestSilenceIsNull: -Inf and NaN levels are written as null, and every line is valid JSON.
func TestSilenceIsNull(t *testing.T) {
	var b bytes.Buffer
	log, err := logreport.NewLogger(&b, "json", "info")
	if err != nil {
		t.Fatal(err)
	}
	lr := logreport.New(log, 100*time.Millisecond)
	start := time.Now()
	r := pipeline.Report{Source: "mic", Started: start, Time: start.Add(100 * time.Millisecond), Interval: silence(), Total: silence()}
	lr.Report(&r)
	r.Final, r.Time = true, r.Time.Add(time.Millisecond)
	lr.Report(&r)
	got := lines(t, &b)
	if len(got) != 2 || got[0]["message"] != "levels" || got[1]["message"] != "summary" {
		t.Fatalf("lines %v", got)
	}
	for _, k := range []string{"peak_dbfs", "rms_dbfs", "momentary_lufs", "short_term_lufs", "true_peak_dbtp"} {
		if v, ok := got[0][k]; !ok || v != nil {
			t.Errorf("levels %s = %v, want null", k, v)
		}
	}
	for _, k := range []string{"integrated_lufs", "max_true_peak_dbtp", "momentary_max_lufs"} {
		if v, ok := got[1][k]; !ok || v != nil {
			t.Errorf("summary %s = %v, want null", k, v)
		}
	}
	if got[1]["lra_lu"] != 0.0 || got[1]["audio_s"] != 0.1 {
		t.Errorf("summary %v", got[1])
	}
}

// TestLevelLineCadence: one level line per interval, combining the reports in between: the largest peak, the
// RMS of all their frames.
func TestLevelLineCadence(t *testing.T) {
	var b bytes.Buffer
	log, _ := logreport.NewLogger(&b, "json", "info")
	lr := logreport.New(log, time.Second)
	start := time.Now()
	for i := 1; i <= 30; i++ { // 3 s of reports every 100 ms
		l := silence()
		l.Overall.SamplePeak = -20 + float64(i%10)
		l.Overall.TruePeak = l.Overall.SamplePeak
		l.Overall.RMS = -30
		if i%10 == 5 {
			l.Overall.RMS = math.Inf(-1) // one silent report in each second
		}
		r := pipeline.Report{Source: "a", Started: start, Time: start.Add(time.Duration(i) * 100 * time.Millisecond), Interval: l}
		lr.Report(&r)
	}
	got := lines(t, &b)
	if len(got) != 3 {
		t.Fatalf("%d lines in 3 s at 1 s, want 3: %v", len(got), got)
	}
	for _, m := range got {
		// 9 reports at -30 dB and one silent: 10·log10(0.9) below, at full precision (JSON lines are not rounded).
		if m["peak_dbfs"] != -11.0 || m["rms_dbfs"] != -30+10*math.Log10(0.9) || m["frames"] != 48000.0 {
			t.Errorf("line %v: want peak -11, rms -30.46, 48000 frames", m)
		}
	}
}

// TestWarningsRateLimited: drops in every report give at most one warning per interval, each with the counts
// since the previous one, adding up to the total.
func TestWarningsRateLimited(t *testing.T) {
	var b bytes.Buffer
	log, _ := logreport.NewLogger(&b, "json", "warn")
	lr := logreport.New(log, 100*time.Millisecond)
	start := time.Now()
	var c pipeline.Counters
	for i := 1; i <= 100; i++ { // 1 s of reports every 10 ms, each with 7 frames dropped and an overflow
		c.Dropped += 7
		c.Overflows++
		c.Captured += 480
		c.Metered = c.Captured - c.Dropped
		r := pipeline.Report{Source: "mic", Started: start, Time: start.Add(time.Duration(i) * 10 * time.Millisecond),
			Interval: silence(), Counters: c}
		lr.Report(&r)
	}
	got := lines(t, &b)
	if len(got) < 9 || len(got) > 11 {
		t.Fatalf("%d warnings in 1 s at 100 ms", len(got))
	}
	var dropped, overflows float64
	for i, m := range got {
		if m["level"] != "warn" || !strings.Contains(m["message"].(string), "ring was full and the device overflowed") {
			t.Fatalf("line %v", m)
		}
		dropped += m["dropped"].(float64)
		overflows += m["overflows"].(float64)
		if i > 0 && m["since_ms"].(float64) < 100 {
			t.Errorf("warning %d only %v ms after the previous one", i, m["since_ms"])
		}
	}
	last := got[len(got)-1]
	if dropped != last["dropped_total"].(float64) || overflows != last["overflows_total"].(float64) {
		t.Fatalf("warnings add up to %v dropped, %v overflows; the last says %v and %v in total",
			dropped, overflows, last["dropped_total"], last["overflows_total"])
	}
}

func TestEvents(t *testing.T) {
	var b bytes.Buffer
	log, _ := logreport.NewLogger(&b, "json", "info")
	lr := logreport.New(log, time.Second)
	lr.Event(pipeline.Event{Source: "mic", Kind: pipeline.SourceFailed, Err: errors.New("unplugged"), Backoff: 200 * time.Millisecond})
	lr.Event(pipeline.Event{Source: "mic", Kind: pipeline.SourceRestarted, Attempt: 1})
	got := lines(t, &b)
	if len(got) != 2 || got[0]["level"] != "error" || got[0]["error"] != "unplugged" || got[0]["retry_in_ms"] != 200.0 ||
		got[1]["restarts"] != 1.0 {
		t.Fatalf("lines %v", got)
	}
}

func TestNewLogger(t *testing.T) {
	var b bytes.Buffer
	log, err := logreport.NewLogger(&b, "console", "debug")
	if err != nil {
		t.Fatal(err)
	}
	log.Debug().Str("k", "v").Msg("hello")
	if s := b.String(); !strings.Contains(s, "DBG hello k=v") || strings.Contains(s, "\x1b[") {
		t.Fatalf("console line %q: want plain text on a buffer", s)
	}
	b.Reset()
	log, _ = logreport.NewLogger(&b, "auto", "info")
	log.Info().Msg("x")
	if !strings.HasPrefix(b.String(), "{") {
		t.Fatalf("auto on a buffer wrote %q, want JSON", b.String())
	}
	if _, err := logreport.NewLogger(&b, "xml", "info"); err == nil {
		t.Fatal("format xml accepted")
	}
	if _, err := logreport.NewLogger(&b, "json", "loud"); err == nil {
		t.Fatal("level loud accepted")
	}
}

// TestWindowLoudness: a source measuring sliding windows logs their integrated loudness on its level lines,
// keyed by span as the metrics label them; a window of silence is null; a source without windows has no key.
func TestWindowLoudness(t *testing.T) {
	var b bytes.Buffer
	log, err := logreport.NewLogger(&b, "json", "info")
	if err != nil {
		t.Fatal(err)
	}
	lr := logreport.New(log, 100*time.Millisecond)
	start := time.Now()
	l := silence()
	l.Loudness.Windows[0] = dsp.WindowLoudness{Span: time.Minute, Integrated: -23.125}
	l.Loudness.Windows[1] = dsp.WindowLoudness{Span: time.Hour, Integrated: math.Inf(-1)}
	lr.Report(&pipeline.Report{Source: "a", Started: start, Time: start.Add(100 * time.Millisecond), Interval: l, Total: l})
	lr.Report(&pipeline.Report{Source: "b", Started: start, Time: start.Add(100 * time.Millisecond), Interval: silence(), Total: silence()})
	got := lines(t, &b)
	if len(got) != 2 {
		t.Fatalf("lines %v", got)
	}
	w, ok := got[0]["window_lufs"].(map[string]any)
	if !ok || len(w) != 2 || w["1m"] != -23.125 || w["1h"] != nil {
		t.Errorf("source a: window_lufs %v, want {1m: -23.125, 1h: null}", got[0]["window_lufs"])
	}
	if _, ok := got[1]["window_lufs"]; ok {
		t.Errorf("source b, without windows: window_lufs %v", got[1]["window_lufs"])
	}
}

// TestSkippedFramesLogged: a source that knows how many frames its overflow lost (a paced replay held up) has the
// warning say how many and how long, and the summary the total.
func TestSkippedFramesLogged(t *testing.T) {
	var b bytes.Buffer
	log, _ := logreport.NewLogger(&b, "json", "info")
	lr := logreport.New(log, 100*time.Millisecond)
	start := time.Now()
	c := pipeline.Counters{Captured: 4800, Metered: 4800, Overflows: 1, Skipped: 96000}
	r := pipeline.Report{Source: "demo", Started: start, Time: start.Add(time.Second), Interval: silence(),
		Total: silence(), Counters: c}
	lr.Report(&r)
	r.Final, r.Time = true, r.Time.Add(time.Second)
	lr.Report(&r)
	var warned, summed bool
	for _, m := range lines(t, &b) {
		switch m["message"] {
		case "audio lost: the source was held up and skipped what it missed, as a device overruns":
			warned = true
			if m["overflows"] != 1.0 || m["skipped_frames"] != 96000.0 || m["skipped_seconds"] != 2.0 {
				t.Errorf("warning %v: want 1 overflow, 96000 frames, 2 s skipped", m)
			}
		case "summary":
			summed = true
			if m["skipped_frames"] != 96000.0 {
				t.Errorf("summary %v: want 96000 frames skipped", m)
			}
		}
	}
	if !warned || !summed {
		t.Errorf("no warning or no summary:\n%s", b.String())
	}
}
