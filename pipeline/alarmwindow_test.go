package pipeline_test

import (
	"testing"
	"time"

	"github.com/levelmeter/levelmeter/pipeline"
)

// TestAlarmWindow: the loudness alarms judge the shortest window of a minute or longer, whatever the order.
func TestAlarmWindow(t *testing.T) {
	for _, tc := range []struct {
		spans []time.Duration
		want  int
	}{
		{nil, -1},
		{[]time.Duration{time.Second, 3 * time.Second}, -1},
		{[]time.Duration{time.Minute, 10 * time.Minute, time.Hour}, 0},
		{[]time.Duration{time.Hour, 10 * time.Second, 10 * time.Minute}, 2},
		{[]time.Duration{59 * time.Second, 24 * time.Hour}, 1},
	} {
		if got := pipeline.AlarmWindow(tc.spans); got != tc.want {
			t.Errorf("AlarmWindow(%v) = %d, want %d", tc.spans, got, tc.want)
		}
	}
}
