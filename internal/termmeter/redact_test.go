package termmeter

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/levelmeter/levelmeter/web"
)

func TestRedactAddr(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"127.0.0.1:9464", "127.0.0.1:9464"},
		{"http://127.0.0.1:9464", "http://127.0.0.1:9464"},
		{"https://user:s3cret@host:9464", "https://user:xxxxx@host:9464"},
		{"https://user:s3cret@host:9464/base/", "https://user:xxxxx@host:9464/base/"},
		{"https://user@host:9464", "https://user@host:9464"},
		{"https://user:p%40ss:w@rd@host:9464", "https://user:xxxxx@host:9464"},
		{"user:s3cret@host:9464", "user:xxxxx@host:9464"},
		{"https://us er:s3cret@host:9464/x", "https://us er:xxxxx@host:9464/x"}, // url.Parse refuses it
		{"", ""},
	} {
		if got := RedactAddr(tc.in); got != tc.want {
			t.Errorf("RedactAddr(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestRunHidesThePassword: watch --addr https://user:pass@host prints the address in its header line without
// the password, while the password still reaches the server as basic auth.
func TestRunHidesThePassword(t *testing.T) {
	s := web.New(web.Options{Version: "v2.0.0"})
	s.Report(testReport("studio", -23.4, 2))
	var gotUser, gotPass string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotUser, gotPass, _ = r.BasicAuth()
		s.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(func() { s.Close(); srv.Close() })
	withPass := strings.Replace(srv.URL, "http://", "http://meter:s3cret@", 1)
	for _, opts := range []Options{{URL: withPass}, {URL: withPass, Addr: withPass}} {
		var out bytes.Buffer
		opts.Once, opts.Out = true, &out
		if err := Run(context.Background(), opts); err != nil {
			t.Fatal(err)
		}
		header, _, _ := strings.Cut(out.String(), "\n")
		if strings.Contains(out.String(), "s3cret") || !strings.Contains(header, "meter:xxxxx@") {
			t.Errorf("the output shows the password or no user:\n%s", out.String())
		}
		if gotUser != "meter" || gotPass != "s3cret" {
			t.Errorf("the server got user %q password %q", gotUser, gotPass)
		}
	}
	err := Run(context.Background(), Options{URL: "ftp://meter:s3cret@host", Out: &bytes.Buffer{}})
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("Run's error shows the password: %v", err)
	}
}
