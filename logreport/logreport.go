// Package logreport writes levelmeter's reports as log lines with zerolog: a level line per source at a fixed
// interval, warnings when audio is lost (at most one per source per interval, carrying the counts since the
// previous one), the sources' failures and restarts, a summary per source when it stops, and the sources' alarms:
// one warning when an alarm starts and one info line when it ends, with its duration and values.
//
// Levels in dB that are -Inf (digital silence, nothing measured yet) or undefined are written as null, so every
// line is valid JSON with the same keys.
package logreport

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/rs/zerolog"

	"github.com/levelmeter/levelmeter/alarm"
	"github.com/levelmeter/levelmeter/dsp"
	"github.com/levelmeter/levelmeter/pipeline"
)

// NewLogger returns a logger writing to w at level (trace, debug, info, warn, error) in format: "json" (one
// object per line), "console" (for people) or "auto" (console when w is a terminal, JSON otherwise). Writes are
// serialised, so the logger may be used from several goroutines whatever w is.
func NewLogger(w io.Writer, format, level string) (zerolog.Logger, error) {
	lvl, err := zerolog.ParseLevel(level)
	if err != nil || level == "" {
		return zerolog.Nop(), fmt.Errorf("log level %q: use trace, debug, info, warn or error", level)
	}
	switch format {
	case "json":
	case "console":
		w = zerolog.ConsoleWriter{Out: w, TimeFormat: "15:04:05.000", NoColor: !isTerminal(w), FormatFieldValue: consoleValue}
	case "auto":
		if isTerminal(w) {
			w = zerolog.ConsoleWriter{Out: w, TimeFormat: "15:04:05.000", FormatFieldValue: consoleValue}
		}
	default:
		return zerolog.Nop(), fmt.Errorf("log format %q: use json, console or auto", format)
	}
	return zerolog.New(zerolog.SyncWriter(w)).Level(lvl).With().Timestamp().Logger(), nil
}

// consoleValue shows a field in a console line: numbers with a fraction rounded to 0.01 for people (the JSON
// lines carry every digit the meter computed), everything else as it is.
func consoleValue(i any) string {
	if n, ok := i.(json.Number); ok && strings.ContainsAny(string(n), ".eE") {
		if f, err := n.Float64(); err == nil {
			return strconv.FormatFloat(math.Round(f*100)/100, 'f', -1, 64)
		}
	}
	if m, ok := i.(map[string]any); ok { // window_lufs: {1m: -23.12, 1h: null}, the windows by span
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		span := func(k string) time.Duration { d, _ := time.ParseDuration(k); return d }
		sort.Slice(keys, func(a, b int) bool { return span(keys[a]) < span(keys[b]) })
		parts := make([]string, len(keys))
		for j, k := range keys {
			v := "null"
			if m[k] != nil {
				v = consoleValue(m[k])
			}
			parts[j] = k + ": " + v
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return fmt.Sprintf("%s", i)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

// A Reporter logs reports. Report must be called from one goroutine (the pipeline's reporter goroutine); Event
// may be called from any.
type Reporter struct {
	log      zerolog.Logger
	interval time.Duration
	now      func() time.Time
	sources  map[string]*source
}

// source is what the reporter remembers of one source between lines.
type source struct {
	nextLine time.Time // when the next level line is due: on a fixed schedule from the source's start
	acc      accumulator

	lastWarn                                 time.Time
	warnedDropped, warnedOverflows, warnLost int64
	warnedSkipped                            int64
}

// accumulator combines the interval levels of the reports since the last level line.
type accumulator struct {
	frames             int64
	peak, truePeak     float64 // dB
	sumSquares         float64 // mean square × frames
	clipped, nonFinite int64
}

func newAccumulator() accumulator {
	return accumulator{peak: math.Inf(-1), truePeak: math.Inf(-1)}
}

func (a *accumulator) add(l *dsp.Levels) {
	if l.Frames == 0 {
		return
	}
	a.frames += l.Frames
	a.peak = maxDB(a.peak, l.Overall.SamplePeak)
	a.truePeak = maxDB(a.truePeak, l.Overall.TruePeak)
	if ms := math.Pow(10, l.Overall.RMS/10); !math.IsNaN(ms) {
		a.sumSquares += ms * float64(l.Frames)
	}
	a.clipped += l.Overall.Clipped
	a.nonFinite += l.Overall.NonFinite
}

func maxDB(a, b float64) float64 {
	if math.IsNaN(b) {
		return a
	}
	return math.Max(a, b)
}

// New returns a Reporter that writes a level line per source every interval (of report time) to log.
func New(log zerolog.Logger, interval time.Duration) *Reporter {
	return &Reporter{log: log, interval: interval, now: time.Now, sources: map[string]*source{}}
}

// Report logs r: a level line when the interval has passed since the source's previous one, a warning when
// frames or reports were lost (at most one per interval), and the summary when r is Final.
func (lr *Reporter) Report(r *pipeline.Report) {
	s := lr.sources[r.Source]
	if s == nil {
		s = &source{nextLine: r.Started.Add(lr.interval), acc: newAccumulator()}
		lr.sources[r.Source] = s
	}
	s.acc.add(&r.Interval)
	for i := range r.Events() {
		lr.alarm(r.Source, &r.Alarms[i])
	}
	c := &r.Counters
	if (c.Dropped > s.warnedDropped || c.Overflows > s.warnedOverflows || c.Lost > s.warnLost) &&
		(s.lastWarn.IsZero() || r.Time.Sub(s.lastWarn) >= lr.interval) {
		e := lr.log.Warn().Str("source", r.Source).
			Int64("dropped", c.Dropped-s.warnedDropped).
			Int64("overflows", c.Overflows-s.warnedOverflows)
		if n := c.Skipped - s.warnedSkipped; n > 0 {
			// A source that knows what its overflow lost (a paced replay held up) says how much.
			e = e.Int64("skipped_frames", n)
			if rate := r.Total.SampleRate; rate > 0 {
				e = e.Float64("skipped_seconds", float64(n)/float64(rate))
			}
		}
		if c.Lost > s.warnLost {
			e = e.Int64("reports_lost", c.Lost-s.warnLost)
		}
		if !s.lastWarn.IsZero() {
			e = e.Dur("since_ms", r.Time.Sub(s.lastWarn))
		}
		e.Int64("dropped_total", c.Dropped).
			Int64("overflows_total", c.Overflows).
			Int("ring_fill", c.RingFill).
			Int("ring_capacity", c.RingCap).
			Msg(lossMessage(c.Dropped > s.warnedDropped, c.Overflows > s.warnedOverflows, c.Skipped > s.warnedSkipped))
		s.lastWarn = r.Time
		s.warnedDropped, s.warnedOverflows, s.warnLost, s.warnedSkipped = c.Dropped, c.Overflows, c.Lost, c.Skipped
	}
	if r.Final {
		lr.summary(r)
		delete(lr.sources, r.Source)
		return
	}
	if !r.Time.Before(s.nextLine) {
		lr.levels(r, s)
		s.nextLine = s.nextLine.Add(lr.interval)
		if !s.nextLine.After(r.Time) { // the reports fell behind: start the schedule again from now
			s.nextLine = r.Time.Add(lr.interval)
		}
		s.acc = newAccumulator()
	}
}

func lossMessage(dropped, overflows, skipped bool) string {
	switch {
	case skipped && dropped:
		return "audio lost: the source was held up and skipped what it missed, and the ring was full"
	case skipped:
		return "audio lost: the source was held up and skipped what it missed, as a device overruns"
	case dropped && overflows:
		return "audio lost: the ring was full and the device overflowed"
	case dropped:
		return "audio lost: the meter fell behind and the ring was full"
	case overflows:
		return "audio lost: the device overflowed before the frames were read"
	}
	return "reports lost: the reporters fell behind"
}

func (lr *Reporter) levels(r *pipeline.Report, s *source) {
	if !lr.log.Info().Enabled() {
		return
	}
	a := &s.acc
	rms := math.Inf(-1)
	if a.frames > 0 {
		rms = dsp.Power(a.sumSquares / float64(a.frames))
	}
	l := &r.Interval.Loudness
	c := &r.Counters
	e := lr.log.Info().Str("source", r.Source)
	e = db(e, "peak_dbfs", a.peak)
	e = db(e, "true_peak_dbtp", a.truePeak)
	e = db(e, "rms_dbfs", rms)
	e = db(e, "momentary_lufs", l.Momentary)
	e = db(e, "short_term_lufs", l.ShortTerm)
	e = db(e, "integrated_lufs", l.Integrated)
	e = windows(e, l)
	if a.clipped > 0 {
		e = e.Int64("clipped", a.clipped)
	}
	if a.nonFinite > 0 {
		e = e.Int64("non_finite", a.nonFinite)
	}
	e = e.Int64("frames", a.frames).
		Int64("captured", c.Captured).
		Int64("metered", c.Metered).
		Int64("dropped", c.Dropped).
		Int64("overflows", c.Overflows)
	if c.Restarts > 0 || c.Errors > 0 {
		e = e.Int64("errors", c.Errors).Int64("restarts", c.Restarts)
	}
	if !r.Newest.IsZero() {
		e = e.Float64("latency_ms", float64(lr.now().Sub(r.Newest))/1e6)
	}
	e.Msg("levels")
}

func (lr *Reporter) summary(r *pipeline.Report) {
	t := &r.Total
	c := &r.Counters
	e := lr.log.Info().Str("source", r.Source).
		Float64("duration_s", r.Time.Sub(r.Started).Seconds())
	if t.SampleRate > 0 {
		e = e.Float64("audio_s", float64(t.Frames)/float64(t.SampleRate))
	}
	e = db(e, "integrated_lufs", t.Loudness.Integrated)
	e = db(e, "lra_lu", t.Loudness.Range)
	e = db(e, "max_true_peak_dbtp", t.Overall.TruePeak)
	e = db(e, "max_peak_dbfs", t.Overall.SamplePeak)
	e = db(e, "rms_dbfs", t.Overall.RMS)
	e = db(e, "momentary_max_lufs", t.Loudness.MomentaryMax)
	e = db(e, "short_term_max_lufs", t.Loudness.ShortTermMax)
	e.Int64("clipped", t.Overall.Clipped).
		Int64("non_finite", t.Overall.NonFinite).
		Int64("captured", c.Captured).
		Int64("metered", c.Metered).
		Int64("dropped", c.Dropped).
		Int64("overflows", c.Overflows).
		Int64("skipped_frames", c.Skipped).
		Int64("errors", c.Errors).
		Int64("restarts", c.Restarts).
		Int64("reports_lost", c.Lost).
		Msg("summary")
}

// alarm logs an alarm starting (a warning) or ending (info). stream_s is the position in the source's audio at
// which the report that raised the event ended; held_s how long the condition (or its absence) had held; reason,
// on an end, whether the condition cleared or the source stopped.
func (lr *Reporter) alarm(source string, ev *alarm.Event) {
	var e *zerolog.Event
	msg := "alarm started: " + ev.Kind.String()
	if ev.State == alarm.Start {
		e = lr.log.Warn()
	} else {
		e = lr.log.Info()
		msg = "alarm ended: " + ev.Kind.String()
	}
	if !e.Enabled() {
		return
	}
	unit := ev.Kind.Unit()
	e = e.Str("source", source).Str("alarm", ev.Kind.String()).Str("state", ev.State.String())
	e = value(e, "value", ev.Value, unit)
	e = value(e, "threshold", ev.Threshold, unit)
	if unit != "" {
		e = e.Str("unit", unit)
	}
	if ev.Channel >= 0 {
		e = e.Int("channel", ev.Channel)
	}
	e = e.Float64("stream_s", ev.Stream.Seconds()).Float64("held_s", ev.Held.Seconds())
	if ev.State == alarm.End {
		e = value(e, "worst", ev.Worst, unit).Float64("duration_s", ev.Duration.Seconds()).Str("reason", endReason(ev))
	}
	e.Msg(msg)
}

// endReason says why an alarm ended: "cleared" (the condition was absent for the off-delay) or
// "source_stopped" (alarm.Event.Stopped), as the webhooks say it too.
func endReason(ev *alarm.Event) string {
	if ev.Stopped {
		return "source_stopped"
	}
	return "cleared"
}

// value adds an alarm's value: a level in dB or LU as db does; another number (a correlation, a DC offset, a
// count) in full, as rounding 0.004 to 0 would lie; null when not finite.
func value(e *zerolog.Event, key string, v float64, unit string) *zerolog.Event {
	if strings.HasPrefix(unit, "dB") || strings.HasPrefix(unit, "LU") {
		return db(e, key, v)
	}
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return e.RawJSON(key, null)
	}
	return e.Float64(key, v)
}

// Event logs a source's failure, restart or end.
func (lr *Reporter) Event(ev pipeline.Event) {
	switch ev.Kind {
	case pipeline.SourceFailed:
		lr.log.Error().Str("source", ev.Source).Err(ev.Err).Int("attempt", ev.Attempt+1).
			Dur("retry_in_ms", ev.Backoff).Msg("source failed; restarting it")
	case pipeline.SourceRestarted:
		lr.log.Info().Str("source", ev.Source).Int("restarts", ev.Attempt).Msg("source restarted")
	case pipeline.SourceEnded:
		lr.log.Info().Str("source", ev.Source).Msg("source ended")
	case pipeline.SourceFatal:
		lr.log.Error().Str("source", ev.Source).Err(ev.Err).Msg("source could not start")
	}
}

// Flush does nothing: every line is written when it is logged.
func (lr *Reporter) Flush() error { return nil }

var null = []byte("null")

// db adds a level in dB at the precision the meter computed it (a console line rounds it: consoleValue), or null
// when it is -Inf or undefined.
// windows adds the sliding windows' integrated loudness, if the source measures any, as window_lufs: {"1m": -23.1,
// "1h": -22.8}, keyed by dsp.SpanLabel as the metrics' window label; null for a window of silence.
func windows(e *zerolog.Event, l *dsp.Loudness) *zerolog.Event {
	if l.Windows[0].Span == 0 {
		return e
	}
	d := zerolog.Dict()
	for i := range l.Windows {
		if w := &l.Windows[i]; w.Span > 0 {
			d = db(d, dsp.SpanLabel(w.Span), w.Integrated)
		}
	}
	return e.Dict("window_lufs", d)
}

func db(e *zerolog.Event, key string, v float64) *zerolog.Event {
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return e.RawJSON(key, null)
	}
	return e.Float64(key, v)
}
