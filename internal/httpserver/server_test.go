package httpserver

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/levelmeter/levelmeter/internal/httpheader"
	"github.com/levelmeter/levelmeter/metrics"
	"github.com/levelmeter/levelmeter/web"
)

// start serves opts on a loopback port until the test ends and returns the server and its base URL.
func start(t *testing.T, opts Options) (*Server, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	opts.Log = zerolog.New(zerolog.NewTestWriter(t))
	s := New(opts)
	served := make(chan error, 1)
	go func() { served <- s.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			s.Close()
		}
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("Serve: %v", err)
		}
	})
	return s, "http://" + ln.Addr().String()
}

// daemonHandler is the daemon's mux: the web meter at / and the metrics at /metrics, registered without a
// method as the daemon does.
func daemonHandler(w *web.Server) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/metrics", metrics.New(nil, metrics.Options{Version: "test"}).Handler())
	mux.Handle("/", w.Handler())
	return mux
}

func newWeb(t *testing.T, opts web.Options) *web.Server {
	w := web.New(opts)
	t.Cleanup(func() { w.Close() })
	return w
}

func get(t *testing.T, c *http.Client, method, url, host string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestHostAllowed(t *testing.T) {
	allowed := []string{"meter.example.org", ".studio.test", "UPPER.example"}
	local := &net.TCPAddr{IP: net.ParseIP("192.168.1.20"), Port: 9464}
	for _, tc := range []struct {
		host string
		want bool
	}{
		{"", true},
		{"localhost", true},
		{"localhost:9464", true},
		{"LOCALHOST.", true},
		{"app.localhost:9464", true},
		{"127.0.0.1:9464", true},
		{"127.1.2.3", true},
		{"[::1]:9464", true},
		{"[::1]", true},
		{"192.168.1.20:9464", true}, // the address the client connected to
		{"[::ffff:192.168.1.20]", true},
		{"192.168.1.21:9464", false}, // another machine's: not how anyone reaches this server
		{"10.1.2.3", false},
		{"[fe80::1%25eth0]:9464", false},
		{"meter.example.org:9464", true},
		{"METER.example.org", true},
		{"upper.example", true},
		{"studio.test", true},
		{"a.b.studio.test:80", true},
		{"evil.example", false},
		{"localhost.evil.example", false},
		{"example.org", false},
		{"xstudio.test", false},
		{"meter.example.org.evil", false},
		{"127.0.0.1.nip.io", false},
		{":9464", false},
	} {
		if got := HostAllowed(tc.host, local, allowed); got != tc.want {
			t.Errorf("HostAllowed(%q) = %v, want %v", tc.host, got, tc.want)
		}
	}
	if !HostAllowed("anything.example", local, []string{"*"}) {
		t.Error(`"*" does not allow any host`)
	}
	if !HostAllowed("10.1.2.3", nil, []string{"10.1.2.3"}) {
		t.Error("an address in the list is refused")
	}
}

func TestHostCheck(t *testing.T) {
	_, base := start(t, Options{Handler: daemonHandler(newWeb(t, web.Options{})), AllowedHosts: []string{"meter.example.org"}})
	for _, tc := range []struct {
		host string
		want int
	}{
		{"", http.StatusOK}, // the URL's, 127.0.0.1:port
		{"localhost", http.StatusOK},
		{"meter.example.org", http.StatusOK},
		{"rebind.evil.example", http.StatusForbidden},
		{"127.0.0.2", http.StatusOK},
		{"10.1.2.3", http.StatusForbidden},          // not the address the client reached
		{"evil\x01.example", http.StatusBadRequest}, // net/http refuses it before the check
	} {
		for _, path := range []string{"/", "/events", "/metrics", "/healthz"} {
			if tc.host == "" || tc.want == http.StatusBadRequest {
				if path != "/" {
					continue
				}
			}
			if path == "/events" && tc.want == http.StatusOK {
				continue // a stream: its 200 is tested elsewhere
			}
			resp, body := rawGet(t, base, path, tc.host)
			if resp.StatusCode != tc.want {
				t.Errorf("Host %q %s: %d, want %d", tc.host, path, resp.StatusCode, tc.want)
			}
			if tc.want == http.StatusForbidden && !strings.Contains(body, "http.allowed_hosts") {
				t.Errorf("Host %q %s: 403 body %q does not say how to allow it", tc.host, path, body)
			}
		}
	}
}

// rawGet sends a GET with the given Host header as written, which http.Client would refuse to send.
func rawGet(t *testing.T, base, path, host string) (*http.Response, string) {
	t.Helper()
	addr := strings.TrimPrefix(base, "http://")
	if host == "" {
		host = addr
	}
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", path, host)
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("GET %s (Host %q): %v", path, host, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestMethods(t *testing.T) {
	_, base := start(t, Options{Handler: daemonHandler(newWeb(t, web.Options{}))})
	c := &http.Client{Timeout: 5 * time.Second}
	for _, path := range []string{"/metrics", "/", "/healthz"} {
		for _, m := range []string{"POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "BREW"} {
			resp, _ := get(t, c, m, base+path, "")
			if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "GET, HEAD" {
				t.Errorf("%s %s: %d, Allow %q; want 405, Allow \"GET, HEAD\"", m, path, resp.StatusCode, resp.Header.Get("Allow"))
			}
		}
		for _, m := range []string{"GET", "HEAD"} {
			if resp, _ := get(t, c, m, base+path, ""); resp.StatusCode != http.StatusOK {
				t.Errorf("%s %s: %d, want 200", m, path, resp.StatusCode)
			}
		}
	}
}

// TestHeadersOnEveryRoute: the security headers are on every answer, the page's, the metrics', the errors'.
func TestHeadersOnEveryRoute(t *testing.T) {
	block := make(chan struct{})
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-block })
	mux := http.NewServeMux()
	mux.Handle("/metrics", slow)
	mux.Handle("/", daemonHandler(newWeb(t, web.Options{})))
	_, base := start(t, Options{Handler: mux, MaxRequests: 1})
	c := &http.Client{Timeout: 5 * time.Second}

	// Hold the one /metrics slot so that the next scrape gets 503.
	held := make(chan struct{})
	go func() {
		defer close(held)
		if resp, err := c.Get(base + "/metrics"); err == nil {
			resp.Body.Close()
		}
	}()
	defer func() { close(block); <-held }()
	deadline := time.Now().Add(5 * time.Second)

	for _, tc := range []struct {
		method, path, host string
		want               int
	}{
		{"GET", "/", "", 200},
		{"GET", "/static/meter.js", "", 200},
		{"GET", "/static/meter.css", "", 200},
		{"GET", "/healthz", "", 200},
		{"GET", "/nothing", "", 404},
		{"POST", "/", "", 405},
		{"GET", "/", "evil.example", 403},
		{"GET", "/metrics", "", 503},
	} {
		var resp *http.Response
		for {
			resp, _ = get(t, c, tc.method, base+tc.path, tc.host)
			if resp.StatusCode == tc.want || time.Now().After(deadline) {
				break
			}
			time.Sleep(10 * time.Millisecond) // the held scrape may not have arrived yet
		}
		if resp.StatusCode != tc.want {
			t.Errorf("%s %s: %d, want %d", tc.method, tc.path, resp.StatusCode, tc.want)
		}
		for _, kv := range httpheader.Values {
			if got := resp.Header.Get(kv[0]); got != kv[1] {
				t.Errorf("%s %s (%d): %s = %q, want %q", tc.method, tc.path, resp.StatusCode, kv[0], got, kv[1])
			}
		}
	}
}

// TestMaxRequests: scrapes beyond the limit get 503 at once; the page is not limited.
func TestMaxRequests(t *testing.T) {
	entered := make(chan struct{}, 100)
	block := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("/metrics", func(w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		<-block
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {})
	_, base := start(t, Options{Handler: mux, MaxRequests: 3})
	c := &http.Client{Timeout: 5 * time.Second}
	var held sync.WaitGroup
	for range 3 {
		held.Go(func() {
			if resp, err := c.Get(base + "/metrics"); err == nil {
				resp.Body.Close()
			}
		})
	}
	for range 3 {
		<-entered
	}
	for range 5 {
		if resp, _ := get(t, c, "GET", base+"/metrics", ""); resp.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("a 4th concurrent scrape: %d, want 503", resp.StatusCode)
		}
		if resp, _ := get(t, c, "GET", base+"/", ""); resp.StatusCode != http.StatusOK {
			t.Errorf("the page while scrapes are at the limit: %d, want 200", resp.StatusCode)
		}
	}
	close(block)
	held.Wait()
	if resp, _ := get(t, c, "GET", base+"/metrics", ""); resp.StatusCode != http.StatusOK {
		t.Errorf("a scrape after the others ended: %d, want 200", resp.StatusCode)
	}
}

// TestStreamOutlivesTimeouts: an event stream goes on long after the server's read, write and idle timeouts:
// the web meter's, which sets its own write deadlines, and a plain one, which does not and is kept whole by
// Options.StreamPaths. Without StreamPaths the plain stream is cut at WriteTimeout.
func TestStreamOutlivesTimeouts(t *testing.T) {
	const (
		timeout = 300 * time.Millisecond
		beat    = 50 * time.Millisecond
	)
	plain := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		tick := time.NewTicker(beat)
		defer tick.Stop()
		for {
			if _, err := io.WriteString(w, ": heartbeat\n\n"); err != nil {
				return
			}
			if err := http.NewResponseController(w).Flush(); err != nil {
				return
			}
			select {
			case <-r.Context().Done():
				return
			case <-tick.C:
			}
		}
	})
	for _, tc := range []struct {
		name    string
		handler func(t *testing.T) http.Handler
		paths   []string
		cut     bool
	}{
		{"web", func(t *testing.T) http.Handler { return daemonHandler(newWeb(t, web.Options{Heartbeat: beat})) }, nil, false},
		{"plain", func(*testing.T) http.Handler { return plain }, nil, false},
		{"plain, no StreamPaths", func(*testing.T) http.Handler { return plain }, []string{}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, base := start(t, Options{
				Handler: tc.handler(t), StreamPaths: tc.paths,
				ReadTimeout: timeout, WriteTimeout: timeout, IdleTimeout: timeout, ReadHeaderTimeout: timeout,
			})
			resp, err := http.Get(base + "/events")
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("/events: %d", resp.StatusCode)
			}
			r := bufio.NewReader(resp.Body)
			end := time.Now().Add(8 * timeout)
			beats := 0
			for time.Now().Before(end) {
				line, err := r.ReadString('\n')
				if err != nil {
					if !tc.cut {
						t.Fatalf("the stream ended after %d heartbeats: %v", beats, err)
					}
					return
				}
				if strings.HasPrefix(line, ": heartbeat") {
					beats++
				}
			}
			if tc.cut {
				t.Fatalf("the stream outlived WriteTimeout (%d heartbeats) without StreamPaths", beats)
			}
			if beats < 10 {
				t.Errorf("%d heartbeats in %v, want about %d", beats, 8*timeout, 8*timeout/beat)
			}
		})
	}
}

// TestErrorLog: the http.Server's own errors come out as JSON lines, and a flood of them is capped.
func TestErrorLog(t *testing.T) {
	var buf syncBuf
	log := zerolog.New(&buf)
	ew := newErrorWriter(log.With().Str("component", "http").Logger())
	for i := range 3 * errorLogBurst {
		fmt.Fprintf(ew, "http: TLS handshake error from 127.0.0.1:%d: EOF\n", 40000+i)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != errorLogBurst {
		t.Fatalf("%d lines for %d errors in a second, want %d", len(lines), 3*errorLogBurst, errorLogBurst)
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, `{"level":"warn","component":"http","message":"http: TLS handshake error from 127.0.0.1:`) {
			t.Errorf("line %s", l)
		}
	}
}
