package termmeter

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
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

func testReport(source string, integrated float64, channels int) *pipeline.Report {
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

// testDaemon serves a web.Server with two sources, as levelmeter run does.
func testDaemon(t *testing.T) (*web.Server, string) {
	t.Helper()
	s := web.New(web.Options{Version: "v2.0.0"})
	s.Report(testReport("studio", -23.4, 2))
	s.Report(testReport("backup", -31.2, 1))
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(func() { s.Close(); srv.Close() })
	return s, srv.URL
}

func TestRunOnce(t *testing.T) {
	_, url := testDaemon(t)
	var out bytes.Buffer
	if err := Run(context.Background(), Options{URL: url + "/", Once: true, Color: true, Out: &out}); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	for _, want := range []string{"levelmeter watch · " + url + "/ · live · v2.0.0", "studio", "backup", "-23.4",
		"-31.2", "LUFS", "CLIP", "corr +0.42", "mono", "captured 1 234 567", "dropped 7", "ring 10%", "  L ", "  M "} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "\x1b") {
		t.Errorf("Once to a buffer wrote escape codes although Color is set:\n%q", s)
	}
}

// TestRunFollowsAndStops draws as reports arrive, survives the daemon closing the stream, and returns nil when
// its context ends (Ctrl-C).
func TestRunFollowsAndStops(t *testing.T) {
	s, url := testDaemon(t)
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent()) // the meter's goroutines end with it
	out := &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- Run(ctx, Options{URL: url, Out: out}) }()

	waitFor := func(what string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !strings.Contains(out.String(), what) {
			if time.Now().After(deadline) {
				t.Fatalf("the meter never showed %q:\n%s", what, out.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitFor("-23.4")
	s.Report(testReport("studio", -19.9, 2))
	waitFor("-19.9")
	s.Close() // the daemon ends the stream: the meter says so and retries
	waitFor("disconnected, reconnecting")
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run after its context ended: %v, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return when its context ended")
	}
}

func TestRunErrors(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String()
	l.Close()
	notFound := httptest.NewServer(http.NotFoundHandler())
	defer notFound.Close()

	var ce *ConnectError
	err = Run(context.Background(), Options{URL: closed, Out: &bytes.Buffer{}})
	if !errors.As(err, &ce) || !strings.Contains(ce.Err.Error(), "refused") {
		t.Errorf("Run with nothing listening: %v; want a ConnectError saying connection refused", err)
	}
	var se *StatusError
	err = Run(context.Background(), Options{URL: notFound.URL, Out: &bytes.Buffer{}})
	if !errors.As(err, &se) || se.Status != "404 Not Found" || se.Body != "404 page not found" {
		t.Errorf("Run against a server that is not a daemon: %#v", err)
	}
	if err := Run(context.Background(), Options{URL: "ftp://x", Out: &bytes.Buffer{}}); err == nil {
		t.Error("Run accepted an ftp URL")
	}
}

// TestRunHostileEndpoint: whatever a remote endpoint sends, in a stream or in an error, reaches neither the
// output nor the error's text with a control character in it.
func TestRunHostileEndpoint(t *testing.T) {
	const evil = "evil\x1b]0;TITLE\x07\x1b[2J\u009b31m\x7f\u202e\xff"
	quoted := func(s string) string { // a JSON string, its control characters in \u escapes as JSON requires
		b, _ := json.Marshal(s)
		return string(b)
	}
	stream := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprintf(w, "event: hello\ndata: {\"version\": %s, \"sources\": [%s]}\n\n", quoted(evil), quoted(evil))
		fmt.Fprintf(w, "event: report\ndata: {\"source\": %s, \"sampleRate\": 48000, \"lastError\": %s, "+
			"\"channels\": [{\"peak\": -10}, {\"peak\": -20}], \"labels\": [%s, \"R\"]}\n\n", quoted(evil), quoted(evil), quoted(evil))
	})
	errorBody := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintf(w, "%s\n", evil)
	})
	badReport := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprintf(w, "event: report\ndata: {\"source\": 1, \"x\x1b[2J\": \x1b[2J}\n\n")
	})
	for _, c := range []struct {
		name    string
		h       http.Handler
		wantErr bool
	}{{"stream", stream, false}, {"error body", errorBody, true}, {"bad report", badReport, true}} {
		for _, color := range []bool{false, true} {
			srv := httptest.NewServer(c.h)
			var out bytes.Buffer
			err := Run(context.Background(), Options{URL: srv.URL, Once: true, Color: color, Out: &out})
			srv.Close()
			if (err != nil) != c.wantErr {
				t.Errorf("%s: Run = %v", c.name, err)
			}
			got := out.String()
			if err != nil {
				got += err.Error()
			}
			if i := strings.IndexFunc(got, func(r rune) bool { return r != '\n' && unsafeRune(r) }); i >= 0 || !utf8.ValidString(got) {
				t.Errorf("%s, color %v: a control character or invalid UTF-8 got through at %d:\n%q", c.name, color, i, got)
			}
			if c.name != "bad report" && !strings.Contains(got, `evil\x1b]0;TITLE\x07\x1b[2J\u009b31m\x7f\u202e`) {
				t.Errorf("%s: the hostile name is not shown escaped:\n%s", c.name, got)
			}
		}
	}
}

// TestRunHostileStatusLine: the reason phrase of the status line is the remote endpoint's text, too.
func TestRunHostileStatusLine(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Read(make([]byte, 4096))
			io.WriteString(c, "HTTP/1.1 500 boom\x1b]0;TITLE\x07\x1b[2J\r\nContent-Length: 6\r\n\r\n\x1b[31m\n")
			c.Close()
		}
	}()
	err = Run(context.Background(), Options{URL: "http://" + l.Addr().String(), Out: &bytes.Buffer{}})
	var se *StatusError
	if !errors.As(err, &se) {
		t.Fatalf("Run = %v, want a StatusError", err)
	}
	if strings.ContainsAny(err.Error(), "\x1b\x07") || se.Status != `500 boom\x1b]0;TITLE\x07\x1b[2J` || se.Body != `\x1b[31m` {
		t.Errorf("Run = %q (status %q, body %q), want every control character escaped", err, se.Status, se.Body)
	}
}

// syncBuffer is a bytes.Buffer safe for one writer and one reader at once.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
