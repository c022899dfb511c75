package main

import (
	"bytes"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

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

// TestWatchHidesThePassword: a password in --addr shows in no message, whatever answers.
func TestWatchHidesThePassword(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
	}))
	defer srv.Close()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close()
	for _, addr := range []string{
		strings.Replace(srv.URL, "http://", "http://ops:s3cret@", 1), // a 401
		"http://ops:s3cret@" + closed,                                // nothing listening
		"ftp://ops:s3cret@" + closed,                                 // not a URL watch takes
	} {
		var out, errb bytes.Buffer
		code := runWatch([]string{"--once", "--addr", addr}, &out, &errb)
		if code == 0 || strings.Contains(errb.String()+out.String(), "s3cret") || !strings.Contains(errb.String(), "ops:xxxxx@") {
			t.Errorf("--addr %s: exit %d, stderr %q; want the password shown as xxxxx", addr, code, errb.String())
		}
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

// TestWatchHostileNames: a source name, a version and an error holding escape sequences reach the terminal
// escaped, with --once and with colours off alike.
func TestWatchHostileNames(t *testing.T) {
	const evil = "evil\x1b]0;TITLE\x07\x1b[2J\u009b31m\x7f"
	s := web.New(web.Options{Version: "v2\x1b[31m"})
	r := watchReport(evil, -23.4, 2)
	r.LastError = "boom\x1b[2J"
	s.Report(r)
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(func() { s.Close(); srv.Close() })
	addr := strings.TrimPrefix(srv.URL, "http://")
	for _, args := range [][]string{{"--once"}, {"--once", "--no-color"}} {
		var out, errb bytes.Buffer
		if code := runWatch(append([]string{"--addr", addr}, args...), &out, &errb); code != 0 {
			t.Fatalf("watch %q: exit %d, stderr %q", args, code, errb.String())
		}
		got := out.String() + errb.String()
		if strings.ContainsAny(got, "\x1b\x07\x7f\u009b") {
			t.Errorf("watch %q let control characters through:\n%q", args, got)
		}
		for _, want := range []string{`evil\x1b]0;TITLE\x07\x1b[2J\u009b31m\x7f`, `v2\x1b[31m`, `boom\x1b[2J`} {
			if !strings.Contains(got, want) {
				t.Errorf("watch %q does not show %s escaped:\n%s", args, want, got)
			}
		}
	}
}
