package logreport_test

import (
	"bytes"
	"math"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/levelmeter/levelmeter/alarm"
	"github.com/levelmeter/levelmeter/logreport"
	"github.com/levelmeter/levelmeter/pipeline"
)

// TestAlarmLines: an alarm's start is one warning and its end one info line with its duration and values;
// digital silence is null.
func TestAlarmLines(t *testing.T) {
	var b bytes.Buffer
	lr := logreport.New(zerolog.New(&b), time.Hour)
	r := &pipeline.Report{Source: "studio", Time: time.Unix(1700000000, 0), Started: time.Unix(1700000000, 0),
		Interval: silence(), AlarmsOn: true, NumAlarms: 2}
	r.Alarms[0] = alarm.Event{Kind: alarm.Silence, State: alarm.Start, Stream: 13 * time.Second, Held: 10 * time.Second,
		Value: math.Inf(-1), Threshold: -50, Channel: -1}
	r.Alarms[1] = alarm.Event{Kind: alarm.ChannelDead, State: alarm.End, Stream: 17 * time.Second, Held: 2 * time.Second,
		Duration: 4 * time.Second, Value: -12.345, Threshold: -70, Worst: -90, Channel: 1}
	lr.Report(r)
	ls := lines(t, &b)
	if len(ls) != 2 {
		t.Fatalf("%d lines: %v", len(ls), ls)
	}
	s, e := ls[0], ls[1]
	if s["level"] != "warn" || s["message"] != "alarm started: silence" || s["source"] != "studio" ||
		s["value"] != nil || s["threshold"] != -50.0 || s["unit"] != "dBFS" || s["stream_s"] != 13.0 ||
		s["held_s"] != 10.0 || s["channel"] != nil || s["duration_s"] != nil {
		t.Errorf("start line %v", s)
	}
	if e["level"] != "info" || e["message"] != "alarm ended: channel_dead" || e["state"] != "end" ||
		e["value"] != -12.345 || e["worst"] != -90.0 || e["channel"] != 1.0 || e["duration_s"] != 4.0 {
		t.Errorf("end line %v", e)
	}
}
