// Package prometheus_test checks the alerting rules shipped in this directory: promtool accepts them, their unit
// tests in alerts_test.yml pass, and every metric they query is one levelmeter exports.
package prometheus_test

import (
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/levelmeter/levelmeter/metrics"
	"github.com/levelmeter/levelmeter/webhook"
)

func promtool(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool is not installed (Debian package prometheus; `make deps-test` installs it)")
	}
	return p
}

func TestAlertingRules(t *testing.T) {
	tool := promtool(t)
	for _, args := range [][]string{
		{"check", "rules", "alerts.yml"},
		{"test", "rules", "alerts_test.yml"},
	} {
		out, err := exec.Command(tool, args...).CombinedOutput()
		if err != nil {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

// TestRulesQueryExportedMetrics catches a rule that would never fire because it names a metric nobody exports.
func TestRulesQueryExportedMetrics(t *testing.T) {
	raw, err := os.ReadFile("alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	descs := make(chan *prometheus.Desc, 200)
	metrics.New(prometheus.NewRegistry(), metrics.Options{}).Describe(descs)
	n, err := webhook.New(nil, webhook.Options{})
	if err != nil {
		t.Fatal(err)
	}
	n.Describe(descs)
	close(descs)
	name := regexp.MustCompile(`fqName: "([a-z_]+)"`)
	for d := range descs {
		known[name.FindStringSubmatch(d.String())[1]] = true
	}

	used := map[string]bool{}
	expr := regexp.MustCompile(`(?m)^\s+expr:((?:.*\n)(?:\s{10,}.*\n)*)`)
	for _, e := range expr.FindAllStringSubmatch(string(raw), -1) {
		for _, m := range regexp.MustCompile(`levelmeter_[a-z_]+`).FindAllString(e[1], -1) {
			used[m] = true
			if !known[m] {
				t.Errorf("alerts.yml queries %s, which levelmeter does not export", m)
			}
		}
	}
	if len(used) < 10 {
		t.Errorf("found %d metrics in the rules' expressions; the pattern no longer matches the file", len(used))
	}
	// The metrics the rules are about: alarms and the sliding loudness windows.
	for _, m := range []string{"levelmeter_alarm_active", "levelmeter_alarm_starts_total", "levelmeter_loudness_window_lufs"} {
		if !used[m] {
			t.Errorf("no rule uses %s", m)
		}
	}
}

// TestExampleConfigs checks the example prometheus.yml and alertmanager.yml, and where the example routes each
// severity.
func TestExampleConfigs(t *testing.T) {
	tool := promtool(t)
	if out, err := exec.Command(tool, "check", "config", "prometheus.example.yml").CombinedOutput(); err != nil {
		t.Errorf("promtool check config: %v\n%s", err, out)
	}
	amtool, err := exec.LookPath("amtool")
	if err != nil {
		t.Skip("amtool is not installed (Debian package prometheus-alertmanager; `make deps-test` installs it)")
	}
	if out, err := exec.Command(amtool, "check-config", "alertmanager.example.yml").CombinedOutput(); err != nil {
		t.Errorf("amtool check-config: %v\n%s", err, out)
	}
	for _, tc := range []struct {
		labels   []string
		receiver string
	}{
		{[]string{"alertname=LevelmeterSilence", "severity=critical", "source=studio"}, "pager"},
		{[]string{"alertname=LevelmeterClipping", "severity=warning", "source=studio"}, "chat"},
		{[]string{"alertname=LevelmeterDCOffset", "severity=info", "source=studio"}, "logbook"},
	} {
		args := append([]string{"config", "routes", "test", "--config.file=alertmanager.example.yml", "--verify.receivers=" + tc.receiver}, tc.labels...)
		if out, err := exec.Command(amtool, args...).CombinedOutput(); err != nil {
			t.Errorf("%v should go to %s: %v\n%s", tc.labels, tc.receiver, err, out)
		}
	}
}
