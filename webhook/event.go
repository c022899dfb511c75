package webhook

import (
	"encoding/json"
	"math"
	"time"
)

// The states of an Event.
const (
	Start = "start" // the alarm began (after its on-delay)
	End   = "end"   // the alarm cleared (after its off-delay)
)

// NoChannel is Event.Channel for an alarm that concerns the whole source rather than one channel.
const NoChannel = -1

// An Event is one alarm starting or ending on one source. It holds no pointers but its two strings, so copying it
// into a queue does not allocate.
type Event struct {
	Source string    // the source's label in the configuration
	Alarm  string    // the alarm's kind: silence, clipping, true_peak_over, …
	State  string    // Start or End
	Time   time.Time // when the alarm started or ended (the audio's time, not the time of sending)

	// Value is the measured value that set the state (dBFS, dBTP, LUFS, a correlation, a ratio, seconds: the
	// unit is the alarm's), Threshold the configured limit it was compared with. Non-finite values (digital
	// silence is -Inf dBFS) are sent as null: JSON has no infinities.
	Value, Threshold float64
	// Channel is the 0-based channel the alarm concerns, or NoChannel.
	Channel int
	// Duration is how long the alarm was active; it is sent only with End.
	Duration time.Duration
	// Stopped, with End, says the alarm ended because the source stopped, not because the condition cleared.
	Stopped bool
}

// wireEvent is the JSON body of a POST. Its field names are the webhook's public format; see the package
// documentation.
type wireEvent struct {
	Source          string     `json:"source"`
	Alarm           string     `json:"alarm"`
	State           string     `json:"state"`
	Time            string     `json:"time"`
	Values          wireValues `json:"values"`
	DurationSeconds *float64   `json:"duration_seconds,omitempty"`
	Reason          string     `json:"reason,omitempty"`
	Host            string     `json:"host"`
	Version         string     `json:"version"`
	Seq             uint64     `json:"seq"`
}

type wireValues struct {
	Value     *float64 `json:"value"`
	Threshold *float64 `json:"threshold"`
	Channel   *int     `json:"channel,omitempty"`
}

// timeLayout is RFC 3339 with milliseconds, always three digits so the strings sort and align.
const timeLayout = "2006-01-02T15:04:05.000Z07:00"

// encode returns the JSON body for ev. It runs on a sender goroutine, never in Enqueue.
func encode(ev *Event, host, version string, seq uint64) ([]byte, error) {
	w := wireEvent{
		Source:  ev.Source,
		Alarm:   ev.Alarm,
		State:   ev.State,
		Time:    ev.Time.UTC().Format(timeLayout),
		Values:  wireValues{Value: finite(ev.Value), Threshold: finite(ev.Threshold)},
		Host:    host,
		Version: version,
		Seq:     seq,
	}
	if ev.Channel >= 0 {
		ch := ev.Channel
		w.Values.Channel = &ch
	}
	if ev.State == End {
		d := ev.Duration.Seconds()
		w.DurationSeconds, w.Reason = &d, "cleared"
		if ev.Stopped {
			w.Reason = "source_stopped"
		}
	}
	return json.Marshal(&w)
}

func finite(v float64) *float64 {
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return nil
	}
	return &v
}
