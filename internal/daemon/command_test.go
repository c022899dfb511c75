package daemon_test

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/levelmeter/levelmeter/config"
	"github.com/levelmeter/levelmeter/internal/daemon"
)

// TestMain runs the generator when the test binary is started as one (a command source of the tests).
func TestMain(m *testing.M) {
	if os.Getenv("LEVELMETER_TEST_GEN") != "" {
		os.Exit(generate())
	}
	os.Exit(m.Run())
}

// generate writes a 997 Hz sine as s16le stereo at 48 kHz to standard output in real time, 10 ms at a time, as
// the environment says:
//
//	GEN_AMP        the sine's peak, 0 to 1
//	GEN_SECONDS    seconds of audio, then GEN_THEN: "exit" (status 0) or "stall" (write nothing more)
//	GEN_FAIL_ONCE  a file: when it does not exist, create it, say "boom" on standard error and exit 3 at once
//	GEN_PIDS       a file to append this process's id to
func generate() int {
	if f := os.Getenv("GEN_PIDS"); f != "" {
		pf, _ := os.OpenFile(f, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
		fmt.Fprintln(pf, os.Getpid())
		pf.Close()
	}
	if f := os.Getenv("GEN_FAIL_ONCE"); f != "" {
		if _, err := os.Stat(f); err != nil {
			os.WriteFile(f, nil, 0o600)
			os.Stderr.WriteString("boom\n")
			return 3
		}
	}
	amp, _ := strconv.ParseFloat(os.Getenv("GEN_AMP"), 64)
	secs, _ := strconv.ParseFloat(os.Getenv("GEN_SECONDS"), 64)
	const rate, block = 48000, 480
	buf := make([]byte, block*4)
	start := time.Now()
	for i := 0; float64(i) < secs*rate; {
		for j := 0; j < block; j++ {
			v := int16(math.Round(amp * 32767 * math.Sin(2*math.Pi*997*float64(i+j)/rate)))
			binary.LittleEndian.PutUint16(buf[4*j:], uint16(v))
			binary.LittleEndian.PutUint16(buf[4*j+2:], uint16(v))
		}
		if _, err := os.Stdout.Write(buf); err != nil {
			return 1
		}
		i += block
		time.Sleep(time.Until(start.Add(time.Duration(i) * time.Second / rate)))
	}
	if os.Getenv("GEN_THEN") == "stall" {
		time.Sleep(time.Hour)
	}
	return 0
}

// commandConfig is one command source running this test binary as the generator.
func commandConfig(t *testing.T, stall time.Duration) *config.Config {
	t.Helper()
	cfg := config.Default()
	cfg.Sources = []config.Source{{Name: "gen", Command: config.Argv{os.Args[0], "-test.run=^$"}, Format: "s16le",
		SampleRate: 48000, Channels: 2, StallTimeout: stall, KillGrace: 500 * time.Millisecond}}
	cfg.HTTP.Listen = "127.0.0.1:0"
	cfg.ReportInterval = 50 * time.Millisecond
	cfg.SetDefaults()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	return cfg
}

var metricLine = regexp.MustCompile(`^(\w+)(\{[^}]*\})? (\S+)$`)

// scrape returns /metrics as name{labels} → value.
func scrape(t *testing.T, addr string) map[string]float64 {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	m := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if g := metricLine.FindStringSubmatch(sc.Text()); g != nil {
			v, _ := strconv.ParseFloat(g[3], 64)
			m[g[1]+g[2]] = v
		}
	}
	return m
}

// waitMetrics scrapes until ok holds, for at most limit.
func waitMetrics(t *testing.T, addr string, limit time.Duration, what string, ok func(m map[string]float64) bool) map[string]float64 {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		m := scrape(t, addr)
		if ok(m) {
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v; metrics: %v", what, limit, filter(m, `source="gen"`))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func filter(m map[string]float64, sub string) map[string]float64 {
	out := map[string]float64{}
	for k, v := range m {
		if strings.Contains(k, sub) {
			out[k] = v
		}
	}
	return out
}

// alive lists the processes of pids that still exist (a zombie counts: it was not waited for).
func alive(t *testing.T, pidFile string) []string {
	t.Helper()
	data, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, pid := range strings.Fields(string(data)) {
		if stat, err := os.ReadFile("/proc/" + pid + "/stat"); err == nil {
			left = append(left, string(stat))
		}
	}
	return left
}

// TestCommandSourceRestartsAndMeters: a command that fails at once (its feed down at start-up) does not end the
// run; it is started again, its standard error is logged with the source, its sine is metered at its level, its
// exits are counted in /metrics as restarts, and after the run no process of it is left.
func TestCommandSourceRestartsAndMeters(t *testing.T) {
	dir := t.TempDir()
	pids := filepath.Join(dir, "pids")
	t.Setenv("LEVELMETER_TEST_GEN", "1")
	// A race-enabled generator would wait a second at its exit for races to report: long enough to count as a
	// stall instead of an exit.
	t.Setenv("GORACE", "atexit_sleep_ms=0")
	t.Setenv("GEN_AMP", "0.1")
	t.Setenv("GEN_SECONDS", "1")
	t.Setenv("GEN_THEN", "exit")
	t.Setenv("GEN_FAIL_ONCE", filepath.Join(dir, "failed"))
	t.Setenv("GEN_PIDS", pids)
	var logs syncBuffer
	d, err := daemon.New(commandConfig(t, 3*time.Second), zerolog.New(&logs))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	defer func() {
		cancel()
		<-done
	}()
	addr := d.Addr().String()
	m := waitMetrics(t, addr, 20*time.Second, "two exits and a restart after metering", func(m map[string]float64) bool {
		return m[`levelmeter_source_stream_ends_total{reason="exit",source="gen"}`] >= 2 &&
			m[`levelmeter_source_restarts_total{source="gen"}`] >= 2 &&
			m[`levelmeter_frames_metered_total{source="gen"}`] >= 48000
	})
	// A steady 997 Hz sine in both channels reads its peak level in dBFS as LUFS (BS.1770's calibration).
	want := 20 * math.Log10(0.1)
	if got := m[`levelmeter_momentary_max_lufs{source="gen"}`]; math.Abs(got-want) > 0.1 {
		t.Errorf("momentary max %.3f LUFS, want %.3f ± 0.1", got, want)
	}
	if got := m[`levelmeter_frames_dropped_total{source="gen"}`]; got != 0 {
		t.Errorf("%v frames dropped", got)
	}
	if _, ok := m[`levelmeter_source_lag_seconds{source="gen"}`]; !ok {
		t.Errorf("no lag gauge")
	}
	found := false
	for _, l := range logs.lines(t, "the source's command wrote to standard error") {
		found = found || (l["source"] == "gen" && l["stderr"] == "boom" && l["level"] == "warn")
	}
	if !found {
		t.Errorf("the command's standard error is not in the log as a warning of the source")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	done <- nil
	if left := alive(t, pids); len(left) > 0 {
		t.Errorf("processes left after the run: %q", left)
	}
}

// TestCommandSourceStall: a command that stops writing without exiting is noticed after its stall timeout,
// counted as a stall, stopped and started again; when the run ends, none of its processes is left.
func TestCommandSourceStall(t *testing.T) {
	pids := filepath.Join(t.TempDir(), "pids")
	t.Setenv("LEVELMETER_TEST_GEN", "1")
	t.Setenv("GORACE", "atexit_sleep_ms=0")
	t.Setenv("GEN_AMP", "0.5")
	t.Setenv("GEN_SECONDS", "0.3")
	t.Setenv("GEN_THEN", "stall")
	t.Setenv("GEN_PIDS", pids)
	var logs syncBuffer
	d, err := daemon.New(commandConfig(t, 300*time.Millisecond), zerolog.New(&logs))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	waitMetrics(t, d.Addr().String(), 20*time.Second, "two stalls", func(m map[string]float64) bool {
		return m[`levelmeter_source_stream_ends_total{reason="stall",source="gen"}`] >= 2 &&
			m[`levelmeter_source_restarts_total{source="gen"}`] >= 2
	})
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	if left := alive(t, pids); len(left) > 0 {
		t.Errorf("processes left after the run: %q", left)
	}
}
