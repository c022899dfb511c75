package fleettest

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestSilenceAlertArrivesAndResolves scrapes a stand-in for a daemon whose silence alarm goes on and off, and
// checks that the shipped rules turn it into an alert that Alertmanager delivers and then resolves.
func TestSilenceAlertArrivesAndResolves(t *testing.T) {
	var silent atomic.Int64
	exporter := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		fmt.Fprintf(w, "levelmeter_source_up{source=\"a\"} 1\n")
		fmt.Fprintf(w, "levelmeter_alarm_active{source=\"a\",alarm=\"silence\"} %d\n", silent.Load())
		fmt.Fprintf(w, "levelmeter_alarm_active{source=\"b\",alarm=\"silence\"} 0\n")
	}))
	defer exporter.Close()

	begin := time.Now()
	f := Start(t, Options{Targets: []string{strings.TrimPrefix(exporter.URL, "http://")}})
	t.Logf("Prometheus and Alertmanager ready in %v", time.Since(begin).Round(time.Millisecond))

	// The series exists at 0 before the alarm starts, as it does in a daemon.
	deadline := time.Now().Add(20 * time.Second)
	for {
		if res, err := f.Query(`levelmeter_alarm_active{source="a"} == 0`); err == nil && strings.Contains(res, `"source":"a"`) {
			break
		}
		if time.Now().After(deadline) {
			f.Dump(t)
			t.Fatal("Prometheus did not scrape the exporter within 20 s")
		}
		time.Sleep(200 * time.Millisecond)
	}

	ctx := context.Background()
	want := map[string]string{"alertname": "LevelmeterSilence", "source": "a", "job": Job}
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
		if a.Labels["source"] == "b" || a.Labels["alertname"] == "LevelmeterDown" {
			t.Errorf("unexpected alert %v", a)
		}
	}
	t.Logf("whole test %v", time.Since(begin).Round(time.Millisecond))
}
