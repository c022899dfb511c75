package pipeline

import (
	"time"

	"github.com/levelmeter/levelmeter/alarm"
	"github.com/levelmeter/levelmeter/audio"
	"github.com/levelmeter/levelmeter/dsp"
)

// A Report is one source's levels at the end of a report interval, or its summary when it stops. It is a plain
// value: reporters may keep it.
type Report struct {
	Source string    // the source's label, unique in a run
	Time   time.Time // when the DSP goroutine took the snapshot
	Final  bool      // the source has stopped: Total is its summary and no more reports follow

	// Started is when the source's metering began; Time - Started is the wall time a Final report covers.
	Started time.Time
	// Newest is when the newest frame this report covers was handed to the pipeline by the source (for a
	// device, on the audio thread); zero when no frame has arrived yet. A reporter that receives the report at
	// time t has shown that frame t - Newest after it was captured: the end-to-end latency.
	Newest time.Time
	// LastError is the source's most recent failure, "" if it has not failed.
	LastError string

	// Interval covers the frames metered since the previous report; its Loudness and Display fields are the
	// meter's current state.
	Interval dsp.Levels
	// Total covers everything metered since the source started.
	Total dsp.Levels
	// Layout is the channels' positions the meter measures with (Labels gives the labels to show). It is
	// shared by every report of the source: read it, never modify it.
	Layout dsp.Layout

	Counters Counters

	// AlarmsOn says the source's alarms are judged (Input.Alarms enables at least one); the fields below are
	// zero otherwise.
	AlarmsOn bool
	// Alarms[:NumAlarms] are the alarm events this report raised (starts and ends), at most one per kind, except
	// in a Final report: there every alarm still active ends (alarm.Event.Stopped), so an alarm that started in
	// it ends in it too. They are fixed arrays, not slices, so that the DSP goroutine fills them without
	// allocating.
	Alarms    [2 * alarm.NumKinds]alarm.Event
	NumAlarms int
	// AlarmStatus is every alarm kind's state after this report, indexed by alarm.Kind.
	AlarmStatus [alarm.NumKinds]alarm.Status
	// IsStream says the source is a stream that paces itself (a command, standard input), and Stream holds its
	// counters: its runs, how many ended by exiting or stalling, and its lag behind the wall clock.
	IsStream bool
	Stream   audio.StreamStats
}

// Events returns the alarm events of the report: r.Alarms[:r.NumAlarms].
func (r *Report) Events() []alarm.Event { return r.Alarms[:r.NumAlarms] }

// Counters account for every frame a source delivered. At every report, Captured == Metered + Dropped exactly.
type Counters struct {
	Captured  int64 // frames the source delivered to the pipeline
	Metered   int64 // frames the DSP goroutine measured
	Dropped   int64 // frames lost because the ring was full
	Overflows int64 // blocks the device itself flagged as overflowed (PortAudio input overflow)
	Skipped   int64 // frames the source lost before delivering them, where it knows (a paced replay held up over a second); not in Captured
	Restarts  int64 // times the source was restarted after failing
	Errors    int64 // source failures seen
	Lost      int64 // earlier reports of this source that were discarded because the reporters fell behind
	RingFill  int   // frames waiting in the ring when the report was taken
	RingCap   int   // the ring's capacity in frames
}

// A Reporter receives every Report. Report is called from the pipeline's one reporter goroutine; it must return
// promptly (a slow reporter delays the others, never the audio path) and must not keep r past the call unless it
// copies it.
type Reporter interface {
	Report(r *Report)
}

// ReporterFunc adapts an ordinary function to a Reporter.
type ReporterFunc func(r *Report)

// Report calls f(r).
func (f ReporterFunc) Report(r *Report) { f(r) }
