package daemon_test

import (
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/levelmeter/levelmeter/config"
)

// TestLoudnessWindowsThroughDaemon replays a loudness step of +20 LU (a 997 Hz sine from -26 to -6 dBFS, which
// reads -26 and -6 LUFS) configured as a file would configure it, and follows the sliding windows in /metrics:
// the 1 s window reads the quiet part, then the loud part, while the 3 s window still holds some of the quiet
// part. The file is replayed in realtime, because /metrics shows a source's levels while it runs: a fast source
// is over before a scrape could follow it.
func TestLoudnessWindowsThroughDaemon(t *testing.T) {
	dir := t.TempDir()
	const stepAt = 2.0
	writeWAV(t, filepath.Join(dir, "step.wav"), 5, func(s float64) (float64, float64) {
		a := 0.05
		if s >= stepAt {
			a = 0.5
		}
		return tone(s, a), tone(s, a)
	})
	path := filepath.Join(dir, "levelmeter.yaml")
	os.WriteFile(path, []byte(`
sources:
  - {wav: step.wav, name: step}
  - {wav: step.wav, name: own, loudness_windows: [2s]}
  - {wav: step.wav, name: none, loudness_windows: []}
report_interval: 50ms
loudness_windows: [1s, 3s]
http: {listen: "127.0.0.1:0", web: false}
`), 0o644)
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	addr, logs := runDaemon(t, cfg)

	window := func(body []byte, span string) (float64, bool) {
		re := regexp.MustCompile(fmt.Sprintf(`(?m)^levelmeter_loudness_window_lufs\{source="step",window="%s"\} (\S+)$`, span))
		m := re.FindSubmatch(body)
		if m == nil {
			return 0, false
		}
		v, err := strconv.ParseFloat(string(m[1]), 64)
		return v, err == nil
	}
	near := func(v, want float64) bool { return math.Abs(v-want) < 0.2 }
	const lo, hi = -26.0, -6.0
	var sawLo, sawHi, sawOwn bool
	var lag float64 // the 3 s window when the 1 s window first reads the loud part
	for deadline := time.Now().Add(20 * time.Second); !sawHi && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		resp, err := http.Get("http://" + addr + "/metrics")
		if err != nil {
			break // the file ended and the daemon with it
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if sources := regexp.MustCompile(`levelmeter_loudness_window_lufs\{source="(own|none)",window="([^"]*)"\}`).FindAllSubmatch(body, -1); len(sources) > 0 &&
			(len(sources) != 1 || string(sources[0][1]) != "own" || string(sources[0][2]) != "2s") {
			t.Errorf("the sources with their own windows export %q; want source own's 2s window alone", sources)
		} else if len(sources) == 1 {
			sawOwn = true
		}
		one, ok1 := window(body, "1s")
		three, ok3 := window(body, "3s")
		if !ok1 || !ok3 {
			continue
		}
		switch {
		case !sawLo && near(one, lo):
			sawLo = true
			if !near(three, lo) {
				t.Errorf("the 3 s window reads %.2f LUFS while the 1 s window reads the quiet part, %.2f; want both %.0f", three, one, lo)
			}
		case sawLo && near(one, hi):
			sawHi, lag = true, three
		}
	}
	if !sawLo || !sawHi {
		t.Fatalf("the 1 s window did not follow the step: saw %.0f LUFS %v, then %.0f LUFS %v", lo, sawLo, hi, sawHi)
	}
	// One second after the step the 3 s window holds at most two quiet seconds and at least one loud one: its gated
	// loudness is at least the loud part's minus 10·log10(3) (one loud second of three) and below it.
	if lag < hi-10*math.Log10(3)-0.2 || lag > hi-0.05 {
		t.Errorf("the 3 s window reads %.2f LUFS as the 1 s window reaches %.0f; want it between %.2f and %.0f (still holding quiet seconds)",
			lag, hi, hi-10*math.Log10(3), hi)
	}
	if !sawOwn {
		t.Error("source own's 2s window was never exported")
	}
	// The start line gives the windows, and each source's own in place of them.
	start := logs.lines(t, "levelmeter starting")
	if len(start) != 1 {
		t.Fatalf("%d start lines", len(start))
	}
	got := fmt.Sprint(start[0]["loudness_windows"])
	for _, s := range start[0]["sources"].([]any) {
		src := s.(map[string]any)
		got += fmt.Sprintf(" %v:%v", src["name"], src["loudness_windows"])
	}
	if want := "[1s 3s] step:<nil> own:[2s] none:[]"; got != want {
		t.Errorf("the start line gives the windows as %s, want %s", got, want)
	}
}
