package httpserver

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/levelmeter/levelmeter/web"
)

// openStream opens GET /events on a connection of its own and returns the connection and the answer's status.
// A 200 stream stays open until the test closes the connection.
func openStream(t *testing.T, addr string) (net.Conn, *http.Response) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(c, "GET /events HTTP/1.1\r\nHost: %s\r\n\r\n", addr)
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("GET /events: %v", err)
	}
	c.SetDeadline(time.Time{})
	return c, resp
}

// TestStreamsLeaveRoomForScrapes: with more event-stream clients than the server has connections, the streams
// beyond MaxStreams get 503 with Retry-After, the refusals are logged once for the burst, and /metrics and
// /healthz are answered at once throughout. Without the stream limit the streams took every connection and the
// scrape waited for ever.
func TestStreamsLeaveRoomForScrapes(t *testing.T) {
	const conns = 8
	var log syncBuf
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	w := newWeb(t, web.Options{})
	s := New(Options{Handler: daemonHandler(w), MaxConnections: conns, Log: zerolog.New(&log)})
	served := make(chan error, 1)
	go func() { served <- s.Serve(ln) }()
	t.Cleanup(func() {
		w.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			s.Close()
		}
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("Serve: %v", err)
		}
	})
	addr := ln.Addr().String()
	maxStreams := s.opts.MaxStreams
	if maxStreams != conns-conns/4 {
		t.Fatalf("MaxStreams defaults to %d of %d connections, want %d", maxStreams, conns, conns-conns/4)
	}

	open, refused := 0, 0
	for range 3 * conns {
		_, resp := openStream(t, addr)
		switch resp.StatusCode {
		case http.StatusOK:
			open++
		case http.StatusServiceUnavailable:
			refused++
			if resp.Header.Get("Retry-After") == "" || !resp.Close {
				t.Errorf("a refused stream: Retry-After %q, Connection close %v", resp.Header.Get("Retry-After"), resp.Close)
			}
			resp.Body.Close()
		default:
			t.Fatalf("GET /events: %s", resp.Status)
		}
	}
	if open != maxStreams || refused != 3*conns-maxStreams {
		t.Errorf("%d streams open and %d refused, want %d and %d", open, refused, maxStreams, 3*conns-maxStreams)
	}

	c := &http.Client{Timeout: 5 * time.Second}
	for range 3 {
		for _, path := range []string{"/metrics", "/healthz"} {
			start := time.Now()
			resp, err := c.Get("http://" + addr + path)
			if err != nil {
				t.Fatalf("GET %s with %d streams open: %v", path, open, err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("GET %s with %d streams open: %s", path, open, resp.Status)
			}
			t.Logf("GET %s with %d streams open: %v", path, open, time.Since(start).Round(time.Millisecond))
		}
	}
	if n := strings.Count(log.String(), "event streams at their limit"); n != 1 {
		t.Errorf("%d log lines for one burst of refusals, want 1:\n%s", n, log.String())
	}
	if !strings.Contains(log.String(), `"refused":1`) {
		t.Errorf("the first refusal is not logged at once:\n%s", log.String())
	}
}

// TestMaxStreamsOptions: the stream limit's defaults and bounds.
func TestMaxStreamsOptions(t *testing.T) {
	for _, tc := range []struct{ conns, streams, want int }{
		{0, 0, DefaultMaxConnections - DefaultMaxConnections/4},
		{512, 0, 384},
		{2, 0, 1},
		{1, 0, 0},
		{8, 100, 7},
		{8, 3, 3},
		{8, -1, 7},
		{-1, 0, -1},
		{-1, 50, 50},
	} {
		if got := New(Options{MaxConnections: tc.conns, MaxStreams: tc.streams}).opts.MaxStreams; got != tc.want {
			t.Errorf("MaxConnections %d, MaxStreams %d: %d, want %d", tc.conns, tc.streams, got, tc.want)
		}
	}
}

// TestRefusalLog: a burst is one line at once, then one line per interval with the count since the last.
func TestRefusalLog(t *testing.T) {
	var b syncBuf
	l := &refusalLog{log: zerolog.New(&b), every: 100 * time.Millisecond, max: 3}
	for range 50 {
		l.refused("/events")
	}
	time.Sleep(120 * time.Millisecond)
	l.refused("/events")
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], `"refused":1`) || !strings.Contains(lines[1], `"refused":50`) {
		t.Errorf("log:\n%s", b.String())
	}
}

// syncBuf is a strings.Builder that a server's goroutines may write to while the test reads it.
type syncBuf struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
