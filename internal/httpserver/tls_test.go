package httpserver

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/levelmeter/levelmeter/internal/testcert"
	"github.com/levelmeter/levelmeter/web"
)

// writeWebConfig writes a web-config.yml with TLS (the certificate from testcert.SelfSigned, by relative paths, as an
// operator would) and one basic-auth user, scrape:secret.
func writeWebConfig(t *testing.T) (path string, pool *x509.CertPool) {
	t.Helper()
	dir := t.TempDir()
	pool = testcert.SelfSigned(t, dir)
	hash, err := bcrypt.GenerateFromPassword([]byte("secret"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	path = filepath.Join(dir, "web-config.yml")
	cfg := "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\nbasic_auth_users:\n  scrape: " + string(hash) + "\n"
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, pool
}

// TestTLSAndBasicAuth: with a web-config.yml, the server speaks only TLS and wants the password, as Prometheus's
// tls_config and basic_auth expect, and the other checks still apply.
func TestTLSAndBasicAuth(t *testing.T) {
	path, pool := writeWebConfig(t)
	_, base := start(t, Options{Handler: daemonHandler(newWeb(t, web.Options{})), WebConfigFile: path})
	addr := base[len("http://"):]
	// An unknown user is checked against the toolkit's own bcrypt hash of cost 10, which a race build on a busy
	// machine takes seconds over.
	c := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}

	for _, tc := range []struct {
		name, method, url, user, pass, host string
		want                                int
	}{
		{"right password", "GET", "https://" + addr + "/metrics", "scrape", "secret", "", 200},
		{"the page", "GET", "https://" + addr + "/", "scrape", "secret", "", 200},
		{"by name", "GET", "https://localhost:" + addr[len("127.0.0.1:"):] + "/healthz", "scrape", "secret", "", 200},
		{"no password", "GET", "https://" + addr + "/metrics", "", "", "", 401},
		{"wrong password", "GET", "https://" + addr + "/metrics", "scrape", "wrong", "", 401},
		{"unknown user", "GET", "https://" + addr + "/metrics", "root", "secret", "", 401},
		{"POST", "POST", "https://" + addr + "/metrics", "scrape", "secret", "", 405},
		{"foreign Host", "GET", "https://" + addr + "/metrics", "scrape", "secret", "evil.example", 403},
	} {
		req, _ := http.NewRequest(tc.method, tc.url, nil)
		if tc.user != "" {
			req.SetBasicAuth(tc.user, tc.pass)
		}
		if tc.host != "" {
			req.Host = tc.host
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, resp.StatusCode, tc.want)
		}
	}

	// Plain HTTP is not served.
	resp, err := http.Get(base + "/metrics")
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("plain HTTP to the TLS port: %d, want 400 or a failure", resp.StatusCode)
		}
	}
}

func TestCheckExposure(t *testing.T) {
	full, _ := writeWebConfig(t)
	dir := t.TempDir()
	tlsOnly := filepath.Join(dir, "tls.yml")
	testcert.SelfSigned(t, dir)
	os.WriteFile(tlsOnly, []byte("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"), 0o600)
	authOnly := filepath.Join(dir, "auth.yml")
	hash, _ := bcrypt.GenerateFromPassword([]byte("x"), bcrypt.MinCost)
	os.WriteFile(authOnly, []byte("basic_auth_users:\n  a: "+string(hash)+"\n"), 0o600)
	bad := filepath.Join(dir, "bad.yml")
	os.WriteFile(bad, []byte("tls_server_config:\n  cert_file: missing.crt\n  key_file: missing.key\n"), 0o600)
	unknown := filepath.Join(dir, "unknown.yml")
	os.WriteFile(unknown, []byte("basic_auth: {}\n"), 0o600)

	for _, tc := range []struct {
		listen, file string
		want         Exposure
		warn, err    bool
	}{
		{"127.0.0.1:9464", "", Exposure{}, false, false},
		{"localhost:9464", "", Exposure{}, false, false},
		{"[::1]:9464", "", Exposure{}, false, false},
		{"127.0.0.2:9464", "", Exposure{}, false, false},
		{":9464", "", Exposure{BeyondLoopback: true}, true, false},
		{"0.0.0.0:9464", "", Exposure{BeyondLoopback: true}, true, false},
		{"[::]:9464", "", Exposure{BeyondLoopback: true}, true, false},
		{"192.168.1.2:9464", "", Exposure{BeyondLoopback: true}, true, false},
		{"meter.example.org:9464", "", Exposure{BeyondLoopback: true}, true, false},
		{":9464", full, Exposure{BeyondLoopback: true, TLS: true, Auth: true}, false, false},
		{":9464", tlsOnly, Exposure{BeyondLoopback: true, TLS: true}, true, false},
		{":9464", authOnly, Exposure{BeyondLoopback: true, Auth: true}, true, false},
		{"127.0.0.1:9464", authOnly, Exposure{Auth: true}, false, false},
		{":9464", bad, Exposure{}, false, true},
		{":9464", unknown, Exposure{}, false, true},
		{":9464", filepath.Join(dir, "absent.yml"), Exposure{}, false, true},
	} {
		got, err := CheckExposure(tc.listen, tc.file)
		if (err != nil) != tc.err {
			t.Errorf("CheckExposure(%q, %s): error %v", tc.listen, filepath.Base(tc.file), err)
			continue
		}
		if err != nil {
			continue
		}
		if got != tc.want {
			t.Errorf("CheckExposure(%q, %s) = %+v, want %+v", tc.listen, filepath.Base(tc.file), got, tc.want)
		}
		if w := got.Warning(); (w != "") != tc.warn {
			t.Errorf("CheckExposure(%q, %s).Warning() = %q", tc.listen, filepath.Base(tc.file), w)
		}
	}
}
