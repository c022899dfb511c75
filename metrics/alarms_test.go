package metrics

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/levelmeter/levelmeter/alarm"
	"github.com/levelmeter/levelmeter/pipeline"
)

// TestAlarmMetrics: a source with alarms on exports every kind's state, starts and active time; the active
// gauge goes with the final report, the counters stay; a source with alarms off exports none.
func TestAlarmMetrics(t *testing.T) {
	r := New(prometheus.NewRegistry(), Options{})
	on := report("on", stereo(), pipeline.Counters{})
	on.AlarmsOn = true
	for _, k := range alarm.Kinds() {
		on.AlarmStatus[k].Kind = k
	}
	on.AlarmStatus[alarm.Silence] = alarm.Status{Kind: alarm.Silence, Active: true, Starts: 2, ActiveTime: 12500 * time.Millisecond}
	r.Report(on)
	r.Report(report("off", stereo(), pipeline.Counters{}))
	mfs, _ := scrape(t, r.Handler())
	for _, tc := range []struct {
		name, alarm string
		want        float64
	}{
		{"levelmeter_alarm_active", "silence", 1},
		{"levelmeter_alarm_starts_total", "silence", 2},
		{"levelmeter_alarm_active_seconds_total", "silence", 12.5},
		{"levelmeter_alarm_active", "clipping", 0},
		{"levelmeter_alarm_starts_total", "source_stalled", 0},
	} {
		if v, ok := value(mfs, tc.name, "source", "on", "alarm", tc.alarm); !ok || v != tc.want {
			t.Errorf("%s{alarm=%q} = %v (%v), want %v", tc.name, tc.alarm, v, ok, tc.want)
		}
	}
	if n := len(mfs["levelmeter_alarm_active"].GetMetric()); n != alarm.NumKinds {
		t.Errorf("%d levelmeter_alarm_active series, want one per kind of the source with alarms on", n)
	}
	on.Final = true
	r.Report(on)
	mfs, _ = scrape(t, r.Handler())
	if _, ok := value(mfs, "levelmeter_alarm_active", "source", "on", "alarm", "silence"); ok {
		t.Error("levelmeter_alarm_active after the final report")
	}
	if v, _ := value(mfs, "levelmeter_alarm_starts_total", "source", "on", "alarm", "silence"); v != 2 {
		t.Errorf("starts after the final report %v, want 2", v)
	}
}
