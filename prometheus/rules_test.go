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

// alarmMetrics are exported by the daemon's alarm reporting rather than by package metrics or webhook.
var alarmMetrics = []string{
	"levelmeter_alarm_active",
	"levelmeter_alarm_starts_total",
	"levelmeter_alarm_active_seconds_total",
	"levelmeter_loudness_window_lufs",
}

// TestRulesQueryExportedMetrics catches a rule that would never fire because it names a metric nobody exports.
func TestRulesQueryExportedMetrics(t *testing.T) {
	raw, err := os.ReadFile("alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, m := range alarmMetrics {
		known[m] = true
	}
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
	for _, m := range alarmMetrics {
		if m != "levelmeter_alarm_active_seconds_total" && !used[m] {
			t.Errorf("no rule uses %s", m)
		}
	}
}
