package daemon_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/crypto/bcrypt"

	"github.com/levelmeter/levelmeter/config"
	"github.com/levelmeter/levelmeter/internal/daemon"
	"github.com/levelmeter/levelmeter/internal/testcert"
)

// runDaemon starts a daemon for cfg and stops it at the end of the test; it returns its address and its log.
func runDaemon(t *testing.T, cfg *config.Config) (string, *syncBuffer) {
	t.Helper()
	var logs syncBuffer
	d, err := daemon.New(cfg, zerolog.New(&logs))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- d.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-ran; err != nil {
			t.Error(err)
		}
	})
	// The server says it listens (through the exporter toolkit) once Run has logged its start-up lines.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if len(logs.lines(t, "Listening on")) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the server did not start")
		}
	}
	return d.Addr().String(), &logs
}

// TestDaemonHTTPChecks: the daemon's server is the hardened one: a foreign Host gets 403 (DNS rebinding), a
// host listed in http.allowed_hosts is served, and /metrics answers 405 with Allow to a POST.
func TestDaemonHTTPChecks(t *testing.T) {
	cfg := wavConfig(t, true, "127.0.0.1:0")
	cfg.HTTP.AllowedHosts = []string{"meter.example.org"}
	addr, _ := runDaemon(t, cfg)
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	for _, tc := range []struct {
		method, host, path string
		want               int
	}{
		{"GET", "rebind.example", "/metrics", http.StatusForbidden},
		{"GET", "rebind.example", "/events", http.StatusForbidden},
		{"GET", "meter.example.org:9464", "/metrics", http.StatusOK},
		{"GET", "localhost", "/", http.StatusOK},
		{"POST", "localhost", "/metrics", http.StatusMethodNotAllowed},
	} {
		req, _ := http.NewRequest(tc.method, "http://"+addr+tc.path, strings.NewReader(""))
		req.Host = tc.host
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%s %s with Host %s: %d, want %d", tc.method, tc.path, tc.host, resp.StatusCode, tc.want)
		}
		if tc.want == http.StatusMethodNotAllowed && resp.Header.Get("Allow") != "GET, HEAD" {
			t.Errorf("405 with Allow %q, want GET, HEAD", resp.Header.Get("Allow"))
		}
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s %s: no security headers", tc.method, tc.path)
		}
	}
}

// TestDaemonTLSAndAuth: a configuration file naming a web-config.yml next to it (a relative path) turns on TLS
// and basic auth; plain HTTP and a missing or wrong password are refused, the right one is served.
func TestDaemonTLSAndAuth(t *testing.T) {
	dir := t.TempDir()
	pool := testcert.SelfSigned(t, dir)
	hash, err := bcrypt.GenerateFromPassword([]byte("secret"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "web-config.yml"),
		"tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\nbasic_auth_users:\n  prometheus: "+string(hash)+"\n")
	wav, _ := filepath.Abs(filepath.Join("..", "..", "testdata", "sine-s16-stereo.wav"))
	write(t, filepath.Join(dir, "config.yaml"), "sources:\n  - wav: "+wav+"\n    loop: true\n"+
		"http:\n  listen: 127.0.0.1:0\n  web_config: web-config.yml\n")
	cfg, err := config.Load(filepath.Join(dir, "config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	addr, logs := runDaemon(t, cfg)

	tlsClient := &http.Client{Transport: &http.Transport{DisableKeepAlives: true, TLSClientConfig: &tls.Config{RootCAs: pool}}}
	get := func(c *http.Client, url, user, pass string) int {
		t.Helper()
		req, _ := http.NewRequest("GET", url, nil)
		if user != "" {
			req.SetBasicAuth(user, pass)
		}
		resp, err := c.Do(req)
		if err != nil {
			return 0
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	plain := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 5 * time.Second}
	if code := get(plain, "http://"+addr+"/metrics", "prometheus", "secret"); code == http.StatusOK {
		t.Error("plain HTTP served with TLS on")
	}
	if code := get(tlsClient, "https://"+addr+"/metrics", "", ""); code != http.StatusUnauthorized {
		t.Errorf("no password: %d, want 401", code)
	}
	if code := get(tlsClient, "https://"+addr+"/metrics", "prometheus", "wrong"); code != http.StatusUnauthorized {
		t.Errorf("wrong password: %d, want 401", code)
	}
	if code := get(tlsClient, "https://"+addr+"/metrics", "prometheus", "secret"); code != http.StatusOK {
		t.Errorf("right password over TLS: %d, want 200", code)
	}
	for _, w := range logs.levels(t, "warn") {
		if w["component"] != "http" { // the server's own: the plain request's failed handshake
			t.Errorf("a warning on loopback with TLS and auth: %v", w)
		}
	}
}

// TestDaemonExposureWarning: listening on every interface without TLS or auth is said once at start-up, as a
// warning naming the remedy; loopback is not.
func TestDaemonExposureWarning(t *testing.T) {
	for _, tc := range []struct {
		listen string
		warn   bool
	}{{"0.0.0.0:0", true}, {"127.0.0.1:0", false}} {
		_, logs := runDaemon(t, wavConfig(t, true, tc.listen))
		w := logs.levels(t, "warn")
		if got := len(w) == 1 && strings.Contains(w[0]["message"].(string), "listens beyond loopback without TLS or basic auth") &&
			strings.Contains(w[0]["message"].(string), "http.web_config"); got != tc.warn {
			t.Errorf("listen %s: warnings %v, want a warning: %v", tc.listen, w, tc.warn)
		}
	}
}

// TestDaemonBadWebConfig: a web-config file the server could not use stops New with an error on http.web_config.
func TestDaemonBadWebConfig(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ name, content, want string }{
		{"missing", "", "no such file"},
		{"unknown key", "tls_server_confg: {}\n", "field tls_server_confg not found"},
		{"missing certificate", "tls_server_config:\n  cert_file: nope.crt\n  key_file: nope.key\n", "nope.crt"},
	} {
		path := filepath.Join(dir, tc.name+".yml")
		if tc.content != "" {
			write(t, path, tc.content)
		}
		cfg := wavConfig(t, false, "127.0.0.1:0")
		cfg.HTTP.WebConfig = path
		_, err := daemon.New(cfg, zerolog.Nop())
		if err == nil || !strings.HasPrefix(err.Error(), `http.web_config: "`+path+`" cannot be used: `) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v; want an http.web_config error saying %q", tc.name, err, tc.want)
		}
	}
}

func (s *syncBuffer) levels(t *testing.T, level string) []map[string]any {
	t.Helper()
	var found []map[string]any
	for _, m := range s.all(t) {
		if m["level"] == level {
			found = append(found, m)
		}
	}
	return found
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestDaemonMaxConnections: http.max_connections reaches the server: with a cap of 3, a fourth connection is
// served by closing idle keep-alive ones (with the default cap of 2048, idle connections stay open for 60 s).
func TestDaemonMaxConnections(t *testing.T) {
	cfg := wavConfig(t, true, "127.0.0.1:0")
	cfg.HTTP.MaxConnections = 3
	addr, _ := runDaemon(t, cfg)
	get := func(c net.Conn) error {
		c.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n"); err != nil {
			return err
		}
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			return err
		}
		io.Copy(io.Discard, resp.Body)
		return resp.Body.Close()
	}
	var idle []net.Conn
	for range 3 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if err := get(c); err != nil {
			t.Fatal(err)
		}
		idle = append(idle, c)
	}
	fourth, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer fourth.Close()
	if err := get(fourth); err != nil {
		t.Fatalf("the fourth connection was not served: %v", err)
	}
	closed := 0
	for _, c := range idle {
		c.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
		if _, err := c.Read(make([]byte, 1)); errors.Is(err, io.EOF) {
			closed++
		}
	}
	if closed == 0 {
		t.Error("no idle connection was closed to make room for the fourth: the cap of 3 is not applied")
	}
}
