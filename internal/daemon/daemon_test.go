package daemon_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"go.uber.org/goleak"

	"github.com/levelmeter/levelmeter/config"
	"github.com/levelmeter/levelmeter/internal/daemon"
)

// syncBuffer is a log the daemon writes while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) lines(t *testing.T, message string) []map[string]any {
	t.Helper()
	var found []map[string]any
	for _, m := range s.all(t) {
		if m["message"] == message {
			found = append(found, m)
		}
	}
	return found
}

// all returns every line of the log, decoded.
func (s *syncBuffer) all(t *testing.T) []map[string]any {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	var all []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(s.b.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		all = append(all, m)
	}
	return all
}

// wavConfig is a valid configuration metering one test file as fast as it can be read.
func wavConfig(t *testing.T, loop bool, listen string) *config.Config {
	t.Helper()
	cfg := config.Default()
	cfg.Sources = []config.Source{{WAV: filepath.Join("..", "..", "testdata", "sine-s16-stereo.wav"), Pace: config.PaceFast, Loop: loop}}
	cfg.HTTP.Listen = listen
	cfg.ReportInterval = 10 * time.Millisecond
	cfg.SetDefaults()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestDaemonServesUntilCancelled: New binds the listener (port 0: a free one) and Addr says where; Run serves the
// metrics while it meters, and returns nil promptly once its context is cancelled, leaving nothing running.
func TestDaemonServesUntilCancelled(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	var logs syncBuffer
	d, err := daemon.New(wavConfig(t, true, "127.0.0.1:0"), zerolog.New(&logs), daemon.WithVersion("v0-test"))
	if err != nil {
		t.Fatal(err)
	}
	addr := d.Addr()
	if addr == nil {
		t.Fatal("no address")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ran := make(chan error, 1)
	go func() { ran <- d.Run(ctx) }()

	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := client.Get("http://" + addr.String() + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == 200 && strings.Contains(string(body), `levelmeter_frames_metered_total{source="sine-s16-stereo"}`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no metered frames in /metrics:\n%s", body)
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-ran:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after the cancellation")
	}
	start := logs.lines(t, "levelmeter starting")
	if len(start) != 1 || start[0]["listen"] != addr.String() || start[0]["version"] != "v0-test" {
		t.Errorf("start-up lines %v; want one, listening on %s", start, addr)
	}
	if len(logs.lines(t, "summary")) != 1 || len(logs.lines(t, "stopped")) != 1 {
		t.Error("no summary, or no stopped line")
	}
	if _, err := net.Dial("tcp", addr.String()); err == nil {
		t.Error("the listener is still open after Run")
	}
	if err := d.Run(context.Background()); err == nil {
		t.Error("a second Run did not fail")
	}
}

// TestDaemonSourceEnds: without a listen address nothing is served (Addr is nil), and Run returns by itself
// when the only source, a file replayed once, has ended.
func TestDaemonSourceEnds(t *testing.T) {
	var logs syncBuffer
	d, err := daemon.New(wavConfig(t, false, ""), zerolog.New(&logs))
	if err != nil {
		t.Fatal(err)
	}
	if d.Addr() != nil {
		t.Fatalf("Addr %v without a listen address", d.Addr())
	}
	if err := d.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	sum := logs.lines(t, "summary")
	if len(sum) != 1 || sum[0]["metered"].(float64) != 24000 || sum[0]["dropped"].(float64) != 0 {
		t.Fatalf("summaries %v; want one, all 24000 frames (0.5 s) metered", sum)
	}
}

// TestDaemonNewErrors: New's errors name the key at fault and wrap the cause, for the command line's remedy.
func TestDaemonNewErrors(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	cfg := wavConfig(t, false, busy.Addr().String())
	_, err = daemon.New(cfg, zerolog.Nop())
	if !errors.Is(err, syscall.EADDRINUSE) || !strings.HasPrefix(err.Error(), "http.listen: ") {
		t.Errorf("address in use: %v; want an http.listen error wrapping EADDRINUSE", err)
	}

	cfg = wavConfig(t, false, "")
	cfg.Sources[0].SampleRate = 44100
	_, err = daemon.New(cfg, zerolog.Nop())
	if err == nil || !strings.Contains(err.Error(), "sources[0].sample_rate: 44100 does not match the file, which is 48000 Hz") {
		t.Errorf("rate mismatch: %v", err)
	}
}

// TestInput: a configured WAV source becomes an input with the configured ring, blocks and pace.
func TestInput(t *testing.T) {
	cfg := wavConfig(t, true, "")
	cfg.Sources[0].RingCapacity = 4096
	in, err := daemon.Input(cfg, 0)
	if err != nil {
		t.Fatal(err)
	}
	if in.Name != "sine-s16-stereo" || in.RingFrames != 4096 || in.ClipLevel != float64(float32(32767.0/32768)) {
		t.Errorf("input %+v", in)
	}
	if f := in.Source.Format(); f.SampleRate != 48000 || f.Channels != 2 {
		t.Errorf("format %+v", f)
	}
}
