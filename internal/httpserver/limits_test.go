package httpserver

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/levelmeter/levelmeter/internal/httpheader"
	"github.com/levelmeter/levelmeter/web"
)

// headerOfSize returns a GET request whose header, from the request line to the blank line that ends it, is
// exactly n bytes long.
func headerOfSize(t *testing.T, host string, n int) string {
	t.Helper()
	head := "GET /healthz HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\nX-Pad: "
	const tail = "\r\n\r\n"
	pad := n - len(head) - len(tail)
	if pad < 1 {
		t.Fatalf("a header of %d bytes is too short to pad", n)
	}
	return head + strings.Repeat("a", pad) + tail
}

// statusOf sends req on a new connection and returns the status code of the answer.
func statusOf(t *testing.T, addr, req string) int {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write([]byte(req)); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("reading the answer to a %d-byte header: %v", len(req), err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestHeaderCap: a header of exactly the cap is served, one byte more gets 431, for the default cap (16 KiB)
// and a smaller one. net/http alone would serve up to the cap plus 4 KiB.
func TestHeaderCap(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
	for _, limit := range []int{0, 8 << 10, minHeaderBytes} {
		t.Run(fmt.Sprint(limit), func(t *testing.T) {
			_, base := start(t, Options{Handler: ok, MaxHeaderBytes: limit})
			addr := strings.TrimPrefix(base, "http://")
			want := limit
			if limit == 0 {
				want = DefaultMaxHeaderBytes
			}
			for _, tc := range []struct {
				size, status int
			}{
				{200, 200},
				{want - 1, 200},
				{want, 200},
				{want + 1, 431},
				{want + 1024, 431},
				{want + headerSlop - 1, 431},
				{want + headerSlop + 1024, 431},
			} {
				if got := statusOf(t, addr, headerOfSize(t, addr, tc.size)); got != tc.status {
					t.Errorf("a %d-byte header under a cap of %d: %d, want %d", tc.size, want, got, tc.status)
				}
			}
		})
	}
}

// TestHeadersOnAuthErrors: the answers the exporter toolkit writes itself, basic auth's 401 among them, carry
// the security headers as every other answer does.
func TestHeadersOnAuthErrors(t *testing.T) {
	path, pool := writeWebConfig(t)
	_, base := start(t, Options{Handler: daemonHandler(newWeb(t, web.Options{})), WebConfigFile: path})
	addr := base[len("http://"):]
	c := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	for _, tc := range []struct {
		name, path, user, pass string
		want                   int
	}{
		{"no password", "/metrics", "", "", 401},
		{"wrong password", "/metrics", "scrape", "wrong", 401},
		{"no password, the page", "/", "", "", 401},
		{"right password", "/metrics", "scrape", "secret", 200},
	} {
		req, _ := http.NewRequest("GET", "https://"+addr+tc.path, nil)
		if tc.user != "" {
			req.SetBasicAuth(tc.user, tc.pass)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, resp.StatusCode, tc.want)
		}
		for _, kv := range httpheader.Values {
			if got := resp.Header.Get(kv[0]); got != kv[1] {
				t.Errorf("%s (%d): %s = %q, want %q", tc.name, resp.StatusCode, kv[0], got, kv[1])
			}
		}
	}
}
