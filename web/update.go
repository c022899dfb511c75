package web

import (
	"math"
	"strconv"
	"time"

	"github.com/levelmeter/levelmeter/dsp"
	"github.com/levelmeter/levelmeter/pipeline"
)

// An Update is the JSON form of one pipeline.Report, the data of a "report" event on /events. Levels are in the
// units of dsp.Levels (dBFS, dBTP, LUFS, LU); -Inf (silence) and NaN (undefined) are null.
type Update struct {
	Source     string    `json:"source"`
	Time       time.Time `json:"time"`
	Final      bool      `json:"final"` // the source has stopped; no more updates for it follow
	SampleRate int       `json:"sampleRate"`
	Started    time.Time `json:"started,omitzero"`    // when the source's metering began
	LastError  string    `json:"lastError,omitempty"` // the source's most recent failure
	// Latency is the time in seconds from the capture of the newest frame the report covers to its conversion
	// by NewUpdate; null before the first frame.
	Latency Float `json:"latency"`

	Channels []Channel `json:"channels"`
	// Labels name the channels, one per channel, from the source's layout (dsp.Layout.Labels): L R C LFE Ls Rs
	// for 5.1.
	Labels []string `json:"labels"`
	// Correlation of channels 0 and 1 over the report interval, -1 to +1; null for mono or silent input.
	Correlation Float    `json:"correlation"`
	Loudness    Loudness `json:"loudness"`
	// TruePeakMax and SamplePeakMax are the largest over all channels since the source started.
	TruePeakMax   Float    `json:"truePeakMax"`
	SamplePeakMax Float    `json:"samplePeakMax"`
	Counters      Counters `json:"counters"`

	// Alarms are the alarms active on the source (Server.SetAlarms); omitted when none is.
	Alarms []Alarm `json:"alarms,omitempty"`
	// Target is the source's loudness target (Options.Targets); omitted when it has none.
	Target *Target `json:"target,omitempty"`
}

// A Channel holds one channel's levels: the report interval's statistics, the display ballistics, and totals
// since the source started.
type Channel struct {
	SamplePeak Float `json:"samplePeak"` // dBFS, the interval
	TruePeak   Float `json:"truePeak"`   // dBTP, the interval
	RMS        Float `json:"rms"`        // dBFS, the interval
	DCOffset   Float `json:"dcOffset"`   // linear, the interval
	Crest      Float `json:"crest"`      // dB, the interval

	Peak Float `json:"peak"` // dBFS, the bar of the peak meter
	Hold Float `json:"hold"` // dBFS, the peak-hold marker
	Clip bool  `json:"clip"` // the clip light

	TruePeakMax Float `json:"truePeakMax"` // dBTP since the source started
	Clipped     int64 `json:"clipped"`     // clipped samples since the source started
}

// Loudness mirrors dsp.Loudness.
type Loudness struct {
	Momentary    Float `json:"momentary"`
	ShortTerm    Float `json:"shortTerm"`
	MomentaryMax Float `json:"momentaryMax"`
	ShortTermMax Float `json:"shortTermMax"`
	Integrated   Float `json:"integrated"`
	Range        Float `json:"range"`
	// Windows are the sliding windows' values (config's loudness_windows), shortest first as configured; none
	// when the source measures none.
	Windows []Window `json:"windows,omitempty"`
}

// Window mirrors dsp.WindowLoudness: Span as dsp.SpanLabel writes it ("1m"), the label of the metrics too.
type Window struct {
	Span       string `json:"span"`
	Integrated Float  `json:"integrated"`
	Range      Float  `json:"range"`
}

// Counters mirrors pipeline.Counters.
type Counters struct {
	Captured  int64 `json:"captured"`
	Metered   int64 `json:"metered"`
	Dropped   int64 `json:"dropped"`
	Overflows int64 `json:"overflows"`
	Restarts  int64 `json:"restarts"`
	Errors    int64 `json:"errors"`
	Lost      int64 `json:"lost"` // reports discarded because the reporters fell behind
	RingFill  int   `json:"ringFill"`
	RingCap   int   `json:"ringCap"`
}

// NewUpdate converts a report to its JSON form, labelling the channels by the report's layout (or
// dsp.DefaultLayout when it carries none that fits). It sets no alarms and no target: a Server adds those.
func NewUpdate(r *pipeline.Report) Update {
	l := r.Layout
	if n := reportChannels(r); len(l) != n {
		l = dsp.DefaultLayout(n)
	}
	return newUpdate(r, l.Labels())
}

// reportChannels is the number of channels r's update shows.
func reportChannels(r *pipeline.Report) int { return min(max(r.Interval.Channels, 0), dsp.MaxChannels) }

// newUpdate converts r, whose channels have the given labels.
func newUpdate(r *pipeline.Report, labels []string) Update {
	iv, tot := &r.Interval, &r.Total
	n := reportChannels(r)
	u := Update{
		Labels:        labels,
		Source:        r.Source,
		Time:          r.Time,
		Final:         r.Final,
		SampleRate:    iv.SampleRate,
		Started:       r.Started,
		LastError:     r.LastError,
		Latency:       Float(math.NaN()),
		Channels:      make([]Channel, n),
		Correlation:   Float(iv.Correlation),
		TruePeakMax:   Float(tot.Overall.TruePeak),
		SamplePeakMax: Float(tot.Overall.SamplePeak),
		Loudness: Loudness{
			Momentary:    Float(iv.Loudness.Momentary),
			ShortTerm:    Float(iv.Loudness.ShortTerm),
			MomentaryMax: Float(iv.Loudness.MomentaryMax),
			ShortTermMax: Float(iv.Loudness.ShortTermMax),
			Integrated:   Float(iv.Loudness.Integrated),
			Range:        Float(iv.Loudness.Range),
		},
		Counters: Counters{
			Captured: r.Counters.Captured, Metered: r.Counters.Metered, Dropped: r.Counters.Dropped,
			Overflows: r.Counters.Overflows, Restarts: r.Counters.Restarts, Errors: r.Counters.Errors,
			Lost: r.Counters.Lost, RingFill: r.Counters.RingFill, RingCap: r.Counters.RingCap,
		},
	}
	for i := range iv.Loudness.Windows {
		if w := &iv.Loudness.Windows[i]; w.Span > 0 {
			u.Loudness.Windows = append(u.Loudness.Windows, Window{Span: dsp.SpanLabel(w.Span), Integrated: Float(w.Integrated), Range: Float(w.Range)})
		}
	}
	if !r.Newest.IsZero() {
		u.Latency = Float(time.Since(r.Newest).Seconds())
	}
	if r.Final && iv.Channels == 0 {
		// A final report may carry only the summary.
		u.SampleRate = tot.SampleRate
		u.Loudness = Loudness{
			Momentary:    Float(tot.Loudness.Momentary),
			ShortTerm:    Float(tot.Loudness.ShortTerm),
			MomentaryMax: Float(tot.Loudness.MomentaryMax),
			ShortTermMax: Float(tot.Loudness.ShortTermMax),
			Integrated:   Float(tot.Loudness.Integrated),
			Range:        Float(tot.Loudness.Range),
		}
	}
	for i := range u.Channels {
		s, d, t := &iv.Channel[i], &iv.Display[i], &tot.Channel[i]
		u.Channels[i] = Channel{
			SamplePeak: Float(s.SamplePeak), TruePeak: Float(s.TruePeak), RMS: Float(s.RMS),
			DCOffset: Float(s.DCOffset), Crest: Float(s.CrestFactor),
			Peak: Float(d.Peak), Hold: Float(d.Hold), Clip: d.Clip,
			TruePeakMax: Float(t.TruePeak), Clipped: t.Clipped,
		}
	}
	return u
}

// Float is a float64 whose JSON form is a number, or null for the values JSON cannot hold (±Inf and NaN).
// null decodes as NaN: a reader cannot tell a silent level (-Inf) from an undefined one, and a display shows
// both as no level.
type Float float64

// MarshalJSON encodes f as the shortest number that reads back as f, or null.
func (f Float) MarshalJSON() ([]byte, error) {
	v := float64(f)
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, v, 'g', -1, 64), nil
}

// UnmarshalJSON decodes a number, or null as NaN.
func (f *Float) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*f = Float(math.NaN())
		return nil
	}
	v, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return err
	}
	*f = Float(v)
	return nil
}

// Valid reports whether f is a number (not null on the wire).
func (f Float) Valid() bool { return !math.IsNaN(float64(f)) && !math.IsInf(float64(f), 0) }
