package main

import (
	"bytes"
	"context"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"go.uber.org/goleak"

	"github.com/levelmeter/levelmeter/dsp"
	"github.com/levelmeter/levelmeter/pipeline"
	"github.com/levelmeter/levelmeter/web"
)

func watchReport(source string, integrated float64, channels int) *pipeline.Report {
	l := dsp.Levels{SampleRate: 48000, Channels: channels, Correlation: 0.42}
	for c := range channels {
		l.Channel[c] = dsp.Stats{SamplePeak: -12 - float64(c), TruePeak: -11.5, RMS: -24}
		l.Display[c] = dsp.Display{Peak: -12 - float64(c), Hold: -3, Clip: c == 0}
	}
	l.Loudness = dsp.Loudness{Momentary: -21.5, ShortTerm: -22.5, Integrated: integrated, Range: 5.5}
	t := l
	t.Overall.TruePeak = -0.5
	return &pipeline.Report{Source: source, Interval: l, Total: t, Newest: time.Now().Add(-20 * time.Millisecond),
		LastError: "device gone: " + strings.Repeat("x", 200),
		Counters:  pipeline.Counters{Captured: 1234567, Metered: 1234560, Dropped: 7, Lost: 3, RingFill: 100, RingCap: 1000}}
}

// watchDaemon serves a web.Server with two sources, as levelmeter run does.
func watchDaemon(t *testing.T) (*web.Server, string) {
	t.Helper()
	s := web.New(web.Options{Version: "v2.0.0"})
	s.Report(watchReport("studio", -23.4, 2))
	s.Report(watchReport("backup", -31.2, 1))
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(func() { s.Close(); srv.Close() })
	return s, strings.TrimPrefix(srv.URL, "http://")
}

func TestWatchOnce(t *testing.T) {
	_, addr := watchDaemon(t)
	for _, a := range []string{addr, "http://" + addr, "http://" + addr + "/"} {
		var out, errb bytes.Buffer
		if code := runWatch([]string{"--addr", a, "--once"}, &out, &errb); code != 0 {
			t.Fatalf("watch --addr %s --once: exit %d, stderr %q", a, code, errb.String())
		}
		s := out.String()
		for _, want := range []string{"v2.0.0", "studio", "backup", "-23.4", "-31.2", "LUFS", "CLIP", "corr +0.42", "mono",
			"captured 1 234 567", "dropped 7", "metered 1 234 560", "ring 10%", "  L ", "  R ", "  M ",
			"lost reports 3", " ms", "last error: device gone: xxx"} {
			if !strings.Contains(s, want) {
				t.Errorf("watch --once output lacks %q:\n%s", want, s)
			}
		}
		if strings.Contains(s, "\x1b") {
			t.Errorf("watch --once wrote escape codes:\n%q", s)
		}
		if strings.Index(s, "backup") > strings.Index(s, "studio") {
			t.Error("sources are not in name order")
		}
	}
}

func TestWatchNoDaemon(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	var out, errb bytes.Buffer
	code := runWatch([]string{"--addr", addr}, &out, &errb)
	want := "no levelmeter daemon at " + addr + ": start one with levelmeter run"
	if code != 1 || !strings.Contains(errb.String(), want) {
		t.Errorf("watch with nothing listening: exit %d, stderr %q; want 1 and %q", code, errb.String(), want)
	}
}

func TestWatchNotADaemon(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")
	var out, errb bytes.Buffer
	code := runWatch([]string{"--addr", addr}, &out, &errb)
	if code != 1 || !strings.Contains(errb.String(), "404") || !strings.Contains(errb.String(), "http.web") {
		t.Errorf("watch of a server that is not a daemon: exit %d, stderr %q", code, errb.String())
	}
}

func TestWatchBadFlags(t *testing.T) {
	cases := [][]string{{"--addr", "localhost"}, {"--addr", "ftp://x:1"}, {"extra"}, {"--nope"}}
	for _, args := range cases {
		var out, errb bytes.Buffer
		if code := runWatch(args, &out, &errb); code != 2 || errb.Len() == 0 {
			t.Errorf("watch %q: exit %d, stderr %q; want 2 and a message", args, code, errb.String())
		}
	}
}

// TestWatchFollowsAndStops draws as reports arrive, survives the daemon closing the stream, and returns 0 when
// its context ends (Ctrl-C).
func TestWatchFollowsAndStops(t *testing.T) {
	s, addr := watchDaemon(t)
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent()) // the watcher's goroutines end with it
	base, _ := watchURL(addr)
	out := &watchBuffer{}
	w := &watcher{base: base, addr: addr, out: out, errOut: out, width: 100}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	go func() { done <- w.run(ctx) }()

	waitFor := func(what string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !strings.Contains(out.String(), what) {
			if time.Now().After(deadline) {
				t.Fatalf("watch never showed %q:\n%s", what, out.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitFor("-23.4")
	s.Report(watchReport("studio", -19.9, 2))
	waitFor("-19.9")
	s.Close() // the daemon ends the stream: the watcher says so and retries
	waitFor("disconnected, reconnecting")
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("watch after Ctrl-C: exit %d, want 0", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("watch did not stop when its context ended")
	}
}

var watchANSI = regexp.MustCompile(`\x1b\[[0-9;?]*[A-Za-z]`)

func TestRenderWatchFitsTheWidth(t *testing.T) {
	r := watchReport("a-source-with-a-long-name", math.Inf(-1), 6)
	r.Interval.Loudness.Momentary = -449.8
	u := web.NewUpdate(r)
	for _, width := range []int{60, 80, 132} {
		for _, color := range []bool{false, true} {
			s := renderWatch(map[string]*web.Update{u.Source: &u}, "header", width, color)
			if color != strings.Contains(s, "\x1b[") {
				t.Errorf("width %d color %v: escape codes present = %v", width, color, !color)
			}
			for line := range strings.Lines(watchANSI.ReplaceAllString(s, "")) {
				line = strings.TrimSuffix(line, "\n")
				if n := utf8.RuneCountInString(line); n > width {
					t.Errorf("width %d: a line of %d columns: %q", width, n, line)
				}
			}
			if !strings.Contains(s, "<-70") {
				t.Errorf("a momentary loudness below the gate is not shown as <-70:\n%s", s)
			}
			if !strings.Contains(s, "-inf") {
				t.Errorf("silent integrated loudness is not shown as -inf:\n%s", s)
			}
		}
	}
}

func TestWatchBar(t *testing.T) {
	plain := func(code, s string) string { return s }
	cases := []struct {
		peak, hold float64
		want       string
	}{
		{math.Inf(-1), math.Inf(-1), "··········"},
		{-60, -60, "··········"},
		{-30, -12, "█████···│·"},
		{0, 0, "██████████"},
		{-27, -3, "█████▌···│"},
		{-30, math.NaN(), "█████·····"},
	}
	for _, c := range cases {
		if got := watchBar(web.Float(c.peak), web.Float(c.hold), 10, plain); got != c.want {
			t.Errorf("watchBar(%v, %v) = %q, want %q", c.peak, c.hold, got, c.want)
		}
	}
}

// watchBuffer is a bytes.Buffer safe for one writer and one reader at once.
type watchBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *watchBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *watchBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
