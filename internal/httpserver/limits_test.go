package httpserver

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
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
				if got := rawAnswer(t, addr, headerOfSize(t, addr, tc.size)).StatusCode; got != tc.status {
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

// rawAnswer sends req as written on a new connection to addr and returns the answer.
func rawAnswer(t *testing.T, addr, req string) *http.Response {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write([]byte(req)); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("reading the answer to %.40q: %v", req, err)
	}
	resp.Body.Close()
	return resp
}

// TestHeadersOnRawErrors: the answers net/http writes on the connection without a handler (431, 400 for a
// malformed request, 501, and 400 to plain HTTP on the TLS port) carry the security headers too.
func TestHeadersOnRawErrors(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
	_, base := start(t, Options{Handler: ok})
	addr := strings.TrimPrefix(base, "http://")
	path, _ := writeWebConfig(t)
	_, tlsBase := start(t, Options{Handler: ok, WebConfigFile: path})
	tlsAddr := strings.TrimPrefix(tlsBase, "http://")
	for _, tc := range []struct {
		name, addr, req string
		want            int
	}{
		{"header over the cap", addr, headerOfSize(t, addr, DefaultMaxHeaderBytes+1), 431},
		{"malformed", addr, "GET / HTTP/1.1\r\nHost: " + addr + "\r\nno colon here\r\n\r\n", 400},
		{"no Host", addr, "GET / HTTP/1.1\r\n\r\n", 400},
		{"unknown transfer coding", addr, "POST / HTTP/1.1\r\nHost: " + addr + "\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501},
		{"plain HTTP to the TLS port", tlsAddr, "GET /metrics HTTP/1.1\r\nHost: " + tlsAddr + "\r\n\r\n", 400},
		{"served", addr, "GET / HTTP/1.1\r\nHost: " + addr + "\r\nConnection: close\r\n\r\n", 200},
	} {
		resp := rawAnswer(t, tc.addr, tc.req)
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

// TestWithSecurityHeaders: only net/http's own error answers are rewritten, never a handler's answer or a body.
func TestWithSecurityHeaders(t *testing.T) {
	for _, tc := range []struct {
		in      string
		rewrite bool
	}{
		{"HTTP/1.1 431 Request Header Fields Too Large" + rawErrorHeaders + "431 Request Header Fields Too Large", true},
		{"HTTP/1.1 400 Bad Request: missing required Host header" + rawErrorHeaders + "400 Bad Request: missing required Host header", true},
		{rawPlainToTLS + "Client sent an HTTP request to an HTTPS server.\n", true},
		{"HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nDate: x\r\nConnection: close\r\n\r\nhi", false},
		{"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi", false},
		{"HTTP/1.1 404 Not Found" + rawErrorHeaders[:len(rawErrorHeaders)-2], false}, // no end of header
		{"data: HTTP/1.1 400 Bad Request" + rawErrorHeaders, false},
		{"", false},
		{"HTTP/1.", false},
	} {
		out := withSecurityHeaders([]byte(tc.in))
		if (out != nil) != tc.rewrite {
			t.Errorf("%.40q: rewritten %v, want %v", tc.in, out != nil, tc.rewrite)
			continue
		}
		if out == nil {
			continue
		}
		resp, err := http.ReadResponse(bufio.NewReader(strings.NewReader(string(out))), nil)
		if err != nil {
			t.Fatalf("%.40q rewritten: %v\n%q", tc.in, err, out)
		}
		for _, kv := range httpheader.Values {
			if got := resp.Header.Get(kv[0]); got != kv[1] {
				t.Errorf("%.40q: %s = %q, want %q", tc.in, kv[0], got, kv[1])
			}
		}
		body := new(strings.Builder)
		io.Copy(body, resp.Body)
		if want := tc.in[strings.Index(tc.in, "\r\n\r\n")+4:]; body.String() != want {
			t.Errorf("%.40q: body %q, want %q", tc.in, body.String(), want)
		}
	}
}
