package fleettest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestSilenceAlertArrivesAndResolves scrapes two stand-ins for daemons, one of which has a silence alarm that
// goes on and off, and checks that the shipped rules turn it into an alert that Alertmanager delivers and then
// resolves, for that daemon and source only.
func TestSilenceAlertArrivesAndResolves(t *testing.T) {
	var silent atomic.Int64
	exporter := func(source string, alarm *atomic.Int64) string {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/plain; version=0.0.4")
			fmt.Fprintf(w, "levelmeter_source_up{source=%q} 1\n", source)
			fmt.Fprintf(w, "levelmeter_alarm_active{source=%q,alarm=\"silence\"} %d\n", source, alarm.Load())
			fmt.Fprintf(w, "levelmeter_alarm_active{source=%q,alarm=\"clipping\"} 0\n", source)
		}))
		t.Cleanup(srv.Close)
		return strings.TrimPrefix(srv.URL, "http://")
	}
	var never atomic.Int64
	meter1, meter2 := exporter("a", &silent), exporter("b", &never)

	begin := time.Now()
	f := Start(t, Options{Targets: []string{meter1, meter2}})
	t.Logf("Prometheus and Alertmanager ready in %v", time.Since(begin).Round(time.Millisecond))

	// The series exist at 0 before the alarm starts, as they do in a daemon.
	deadline := time.Now().Add(20 * time.Second)
	for {
		if res, err := f.Query(`count(levelmeter_alarm_active{alarm="silence"} == 0) == 2`); err == nil && strings.Contains(res, `"2"`) {
			break
		}
		if time.Now().After(deadline) {
			f.Dump(t)
			t.Fatal("Prometheus did not scrape both exporters within 20 s")
		}
		time.Sleep(200 * time.Millisecond)
	}

	ctx := context.Background()
	want := map[string]string{"alertname": "LevelmeterSilence", "source": "a", "job": Job, "instance": meter1}
	on := time.Now()
	silent.Store(1)
	firing, ok := f.Receiver.Wait(ctx, 30*time.Second, "firing", want)
	if !ok {
		f.Dump(t)
		t.Fatal("no firing LevelmeterSilence alert within 30 s of the alarm")
	}
	t.Logf("firing after %v: %v", firing.Received.Sub(on).Round(time.Millisecond), firing)
	if firing.Labels["severity"] != "critical" || firing.Annotations["summary"] != "a is silent" {
		t.Errorf("firing alert %v; want severity critical and summary %q", firing, "a is silent")
	}

	off := time.Now()
	silent.Store(0)
	resolved, ok := f.Receiver.Wait(ctx, 30*time.Second, "resolved", want)
	if !ok {
		f.Dump(t)
		t.Fatal("the LevelmeterSilence alert did not resolve within 30 s of the alarm's end")
	}
	t.Logf("resolved after %v: %v", resolved.Received.Sub(off).Round(time.Millisecond), resolved)

	for _, a := range f.Receiver.Alerts() {
		if a.Labels["instance"] != meter1 || a.Labels["alertname"] != "LevelmeterSilence" {
			t.Errorf("unexpected alert %v", a)
		}
	}

	// The same Prometheus parses every query of the Grafana dashboard, with Grafana's variables filled in.
	for _, q := range dashboardQueries(t) {
		if _, err := f.Query(q); err != nil {
			t.Errorf("grafana/levelmeter.json: %v", err)
		}
	}
	t.Logf("whole test %v", time.Since(begin).Round(time.Millisecond))
}

func dashboardQueries(t *testing.T) []string {
	raw, err := os.ReadFile(filepath.Join(filepath.Dir(RulesFile()), "..", "grafana", "levelmeter.json"))
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Annotations struct{ List []struct{ Expr string } }
		Panels      []struct{ Targets []struct{ Expr string } }
	}
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatal(err)
	}
	vars := strings.NewReplacer("$source", "a|b", "$__rate_interval", "1m", "$__interval", "15s", "$__range", "1h")
	var q []string
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			q = append(q, vars.Replace(tg.Expr))
		}
	}
	for _, a := range dash.Annotations.List {
		if a.Expr != "" {
			q = append(q, vars.Replace(a.Expr))
		}
	}
	if len(q) < 20 {
		t.Fatalf("found %d queries in the dashboard", len(q))
	}
	return q
}
