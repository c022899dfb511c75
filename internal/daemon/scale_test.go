package daemon_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/levelmeter/levelmeter/config"
	"github.com/levelmeter/levelmeter/internal/daemon"
)

// TestScaleProfile profiles the daemon metering many live sources, in this process: half command sources (this
// test binary as a paced generator) and half WAV files replayed in real time, with /metrics scraped every
// second and /events read. It runs only when LEVELMETER_SCALE_PROFILE names the CPU profile to write;
// LEVELMETER_SCALE_SOURCES (64) and LEVELMETER_SCALE_SECONDS (20) set its size. scripts/scale.sh measures the
// built binary the same way, without the profile.
func TestScaleProfile(t *testing.T) {
	out := os.Getenv("LEVELMETER_SCALE_PROFILE")
	if out == "" {
		t.Skip("set LEVELMETER_SCALE_PROFILE=FILE to profile the daemon with many sources")
	}
	n, secs := 64, 20
	if v, err := strconv.Atoi(os.Getenv("LEVELMETER_SCALE_SOURCES")); err == nil {
		n = v
	}
	if v, err := strconv.Atoi(os.Getenv("LEVELMETER_SCALE_SECONDS")); err == nil {
		secs = v
	}
	t.Setenv("LEVELMETER_TEST_GEN", "1")
	t.Setenv("GEN_AMP", "0.1")
	t.Setenv("GEN_SECONDS", "100000")
	cfg := config.Default()
	demo, _ := filepath.Abs(filepath.Join("..", "..", "testdata", "demo.wav"))
	for i := range n {
		if i%2 == 0 {
			cfg.Sources = append(cfg.Sources, config.Source{Name: fmt.Sprintf("feed%d", i),
				Command: config.Argv{os.Args[0], "-test.run=^$"}, Format: "s16le", SampleRate: 48000, Channels: 2})
		} else {
			cfg.Sources = append(cfg.Sources, config.Source{Name: fmt.Sprintf("file%d", i), WAV: demo, Loop: true})
		}
	}
	cfg.HTTP.Listen = "127.0.0.1:0"
	cfg.SetDefaults()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	d, err := daemon.New(cfg, zerolog.New(io.Discard))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	base := "http://" + d.Addr().String()
	go func() {
		if resp, err := http.Get(base + "/events"); err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}()
	time.Sleep(3 * time.Second)
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	pprof.StartCPUProfile(f)
	for range secs {
		if resp, err := http.Get(base + "/metrics"); err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		time.Sleep(time.Second)
	}
	pprof.StopCPUProfile()
	f.Close()
	m := scrape(t, d.Addr().String())
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	var dropped float64
	for k, v := range m {
		if len(k) > 30 && k[:30] == "levelmeter_frames_dropped_tota" {
			dropped += v
		}
	}
	t.Logf("%d sources, %d s profiled into %s; %v frames dropped", n, secs, out, dropped)
}
