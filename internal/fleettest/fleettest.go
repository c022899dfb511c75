// Package fleettest runs the way many levelmeter daemons are watched together, for tests: a real Prometheus
// server scraping given /metrics endpoints with the shipped alerting rules, and a real Alertmanager delivering
// the alerts to a webhook receiver inside the test, which records them.
//
// Both are the Debian packages' binaries (prometheus, prometheus-alertmanager; upstream's alertmanager binary
// name works too), started on free loopback ports with their storage in the test's temporary directory, fast
// timings (scrape and rule evaluation every second, Alertmanager grouping each alert alone and flushing every
// second), and Alertmanager's clustering switched off. Start skips the test when either binary is missing, and
// the test's cleanup stops both. Nothing listens beyond 127.0.0.1.
//
// A test of real daemons starts each with StartProcess listening on a FreeAddr, waits for its /metrics with
// WaitReady, calls Start with their addresses as Targets, and waits for the alerts with Receiver.Wait:
//
//	addr := fleettest.FreeAddr(t)
//	fleettest.StartProcess(t, dir, "meter1", bin, "run", "--config", cfg) // cfg has web.listen: addr
//	fleettest.WaitReady(t, dir, "meter1", "http://"+addr+"/metrics")
//	f := fleettest.Start(t, fleettest.Options{Targets: []string{addr}})
//	a, ok := f.Receiver.Wait(ctx, time.Minute, "firing", map[string]string{"alertname": "LevelmeterSilence"})
package fleettest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Job is the scrape job's name; the shipped rules' health alerts select it.
const Job = "levelmeter"

// RulesFile returns the path of the shipped alerting rules, prometheus/alerts.yml in the source tree.
func RulesFile() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "prometheus", "alerts.yml")
}

// Options configure Start.
type Options struct {
	// Targets are the host:port addresses whose /metrics Prometheus scrapes, in job Job.
	Targets []string
	// RuleFiles are the rule files Prometheus evaluates; nil selects RulesFile().
	RuleFiles []string
}

// A Fleet is a running Prometheus and Alertmanager.
type Fleet struct {
	PrometheusURL   string // e.g. http://127.0.0.1:41234
	AlertmanagerURL string
	Receiver        *Receiver
	dir             string
}

// Start starts Alertmanager and Prometheus and waits until both are ready. It skips t when a binary is missing
// and fails it when one does not start; t's cleanup stops both.
func Start(t testing.TB, opts Options) *Fleet {
	t.Helper()
	promBin := lookPath(t, "prometheus")
	amBin := lookPath(t, "prometheus-alertmanager", "alertmanager")
	if opts.RuleFiles == nil {
		opts.RuleFiles = []string{RulesFile()}
	}
	dir := t.TempDir()
	f := &Fleet{Receiver: newReceiver(t), dir: dir}

	amAddr := FreeAddr(t)
	amConfig := fmt.Sprintf(`route:
  receiver: test
  group_by: ['...']
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: test
    webhook_configs:
      - url: %q
        send_resolved: true
`, f.Receiver.URL)
	writeFile(t, filepath.Join(dir, "alertmanager.yml"), amConfig)
	StartProcess(t, dir, "alertmanager", amBin,
		"--config.file="+filepath.Join(dir, "alertmanager.yml"),
		"--storage.path="+filepath.Join(dir, "alertmanager-data"),
		"--web.listen-address="+amAddr,
		"--cluster.listen-address=",
	)
	f.AlertmanagerURL = "http://" + amAddr

	rules := make([]string, len(opts.RuleFiles))
	for i, r := range opts.RuleFiles {
		abs, err := filepath.Abs(r)
		if err != nil {
			t.Fatal(err)
		}
		rules[i] = abs
	}
	promAddr := FreeAddr(t)
	promConfig := fmt.Sprintf(`global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files: %s
alerting:
  alertmanagers:
    - static_configs:
        - targets: [%q]
scrape_configs:
  - job_name: %s
    static_configs:
      - targets: %s
`, jsonList(rules), amAddr, Job, jsonList(opts.Targets))
	writeFile(t, filepath.Join(dir, "prometheus.yml"), promConfig)
	StartProcess(t, dir, "prometheus", promBin,
		"--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(dir, "prometheus-data"),
		"--web.listen-address="+promAddr,
	)
	f.PrometheusURL = "http://" + promAddr

	WaitReady(t, dir, "alertmanager", f.AlertmanagerURL+"/-/ready")
	WaitReady(t, dir, "prometheus", f.PrometheusURL+"/-/ready")
	return f
}

// Dump logs what Prometheus knows of its targets and alerts and the tail of both servers' logs: call it when a
// wait failed.
func (f *Fleet) Dump(t testing.TB) {
	t.Helper()
	for _, path := range []string{"/api/v1/targets?state=active", "/api/v1/alerts"} {
		t.Logf("prometheus %s: %s", path, get(f.PrometheusURL+path))
	}
	t.Logf("alertmanager /api/v2/alerts: %s", get(f.AlertmanagerURL+"/api/v2/alerts"))
	for _, name := range []string{"prometheus", "alertmanager"} {
		t.Logf("%s log (tail):\n%s", name, tail(filepath.Join(f.dir, name+".log"), 3000))
	}
}

// Query evaluates a PromQL instant query and returns Prometheus's JSON answer's data field.
func (f *Fleet) Query(expr string) (string, error) {
	resp, err := http.Get(f.PrometheusURL + "/api/v1/query?query=" + url.QueryEscape(expr))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var body struct {
		Status string
		Data   json.RawMessage
		Error  string
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return "", err
	}
	if body.Status != "success" {
		return "", fmt.Errorf("query %s: %s", expr, body.Error)
	}
	return string(body.Data), nil
}

func lookPath(t testing.TB, names ...string) string {
	t.Helper()
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	t.Skipf("%s is not installed (Debian packages prometheus and prometheus-alertmanager; `make deps-test` installs them)", names[0])
	return ""
}

// FreeAddr returns a loopback address with a port that was free a moment ago.
func FreeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func jsonList(s []string) string {
	if s == nil {
		s = []string{}
	}
	b, _ := json.Marshal(s)
	return string(b)
}

// StartProcess runs bin with its output in dir/name.log and stops it in t's cleanup: SIGTERM, then SIGKILL after
// 5 s. Tests use it for the daemons the fleet scrapes as well.
func StartProcess(t testing.TB, dir, name, bin string, args ...string) {
	t.Helper()
	log, err := os.Create(filepath.Join(dir, name+".log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.Dir = dir
	dieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		log.Close()
		t.Fatalf("%s: %v", name, err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		log.Close()
	})
}

// WaitReady polls u until it answers 200, for up to 30 s, and fails t with the tail of dir/name.log if it does
// not.
func WaitReady(t testing.TB, dir, name, u string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(u)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s not ready at %s after 30 s; its log:\n%s", name, u, tail(filepath.Join(dir, name+".log"), 3000))
}

func get(u string) string {
	resp, err := http.Get(u)
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 16<<10))
	return string(b)
}

func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

// An Alert is one alert of an Alertmanager webhook notification, with the notification's arrival time.
type Alert struct {
	Status      string            `json:"status"` // "firing" or "resolved"
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	StartsAt    time.Time         `json:"startsAt"`
	EndsAt      time.Time         `json:"endsAt"`
	Received    time.Time         `json:"-"`
}

// A Receiver is an Alertmanager webhook receiver that records every alert it is sent.
type Receiver struct {
	URL string

	mu     sync.Mutex
	alerts []Alert
	added  chan struct{} // closed and replaced when alerts grows
}

func newReceiver(t testing.TB) *Receiver {
	r := &Receiver{added: make(chan struct{})}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		var msg struct{ Alerts []Alert }
		if err := json.NewDecoder(req.Body).Decode(&msg); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		now := time.Now()
		r.mu.Lock()
		for _, a := range msg.Alerts {
			a.Received = now
			r.alerts = append(r.alerts, a)
		}
		close(r.added)
		r.added = make(chan struct{})
		r.mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	r.URL = srv.URL + "/alerts"
	return r
}

// Alerts returns the alerts received so far, in order of arrival.
func (r *Receiver) Alerts() []Alert {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Alert(nil), r.alerts...)
}

// Wait returns the first alert received, before or during the wait, with the given status whose labels include
// all of labels (alertname among them, usually). It returns false if none arrives within timeout or ctx ends.
func (r *Receiver) Wait(ctx context.Context, timeout time.Duration, status string, labels map[string]string) (Alert, bool) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	seen := 0
	for {
		r.mu.Lock()
		alerts, added := r.alerts, r.added
		r.mu.Unlock()
		for ; seen < len(alerts); seen++ {
			if a := alerts[seen]; a.Status == status && matches(a.Labels, labels) {
				return a, true
			}
		}
		select {
		case <-added:
		case <-ctx.Done():
			return Alert{}, false
		}
	}
}

func matches(have, want map[string]string) bool {
	for k, v := range want {
		if have[k] != v {
			return false
		}
	}
	return true
}

// String renders an alert for test logs.
func (a Alert) String() string {
	var l []string
	for k, v := range a.Labels {
		l = append(l, k+"="+v)
	}
	sort.Strings(l)
	return fmt.Sprintf("%s %v starts %s ends %s received %s: %s", a.Status, l, a.StartsAt.Format(time.RFC3339Nano),
		a.EndsAt.Format(time.RFC3339Nano), a.Received.Format(time.RFC3339Nano), a.Annotations["summary"])
}
