// Package metrics exposes levelmeter's reports as Prometheus metrics.
//
// A Reporter is a pipeline.Reporter and a prometheus.Collector. Report keeps a copy of the latest report of
// each source (a short critical section, no allocation in steady state); a scrape turns those copies into
// constant metrics. Nothing is computed between scrapes, and counters are the pipeline's own cumulative counts,
// so they are exact: a scrape never sees a counter that drifted from Counters.
//
// # Names and labels
//
// Every metric carries the label source (the source's label in the configuration). Per-channel metrics also
// carry channel, the channel's 0-based index in the interleaved frame as a decimal string ("0" is left and "1"
// right in a stereo source). Levels are in the units their names end in: dBFS, dBTP, LUFS, LU.
//
// Per source and channel (gauges, the latest report interval unless noted):
//
//	levelmeter_sample_peak_dbfs      largest |sample| in the interval
//	levelmeter_true_peak_dbtp        the band-limited peak between samples in the interval
//	levelmeter_sample_peak_max_dbfs  largest sample peak over the last Options.PeakWindow
//	levelmeter_true_peak_max_dbtp    largest true peak over the last Options.PeakWindow
//	levelmeter_rms_dbfs              RMS in the interval (a full-scale sine reads -3.01)
//	levelmeter_dc_offset_ratio       mean sample value in the interval, -1 to +1
//	levelmeter_crest_factor_db       peak over RMS in the interval
//	levelmeter_clipped_samples_total      samples at or beyond full scale since the source started (counter)
//	levelmeter_nonfinite_samples_total    NaN and ±Inf samples since the source started (counter)
//	levelmeter_channel_info          1, labelled position: the channel's label from the source's layout
//	                                 (L, R, C, LFE, Ls, Rs, ...; the channel's number from 1 where unknown)
//
// The channel label stays the numeric index, so that series keep their identity when a layout is set or
// changed; levelmeter_channel_info carries the position, to be joined where a panel or alert wants names:
//
//	levelmeter_rms_dbfs * on(source, channel) group_left(position) levelmeter_channel_info
//
// Per source:
//
//	levelmeter_momentary_lufs, levelmeter_short_term_lufs        the current 400 ms and 3 s windows
//	levelmeter_momentary_max_lufs, levelmeter_short_term_max_lufs the largest since the source started
//	levelmeter_integrated_lufs        gated integrated loudness since the source started
//	levelmeter_loudness_range_lu      EBU Tech 3342 loudness range since the source started
//	levelmeter_loudness_window_lufs{window}     gated integrated loudness over the last span of each sliding
//	                                  window (window="1m", "10m", "1h": config's loudness_windows; dsp.SpanLabel),
//	                                  -70 while none of the window's blocks passes the gate; only for sources
//	                                  that measure windows
//	levelmeter_loudness_window_range_lu{window} EBU Tech 3342 loudness range over the window
//	levelmeter_correlation            stereo correlation of channels 0 and 1 in the interval, -1 to +1
//	levelmeter_frames_captured_total, levelmeter_frames_metered_total, levelmeter_frames_dropped_total
//	levelmeter_input_overflows_total  blocks the device flagged as overflowed
//	levelmeter_input_skipped_frames_total  frames a source lost before delivering them, where it can tell (a
//	                                  paced file replay held up for over a second); 0 for the others
//	levelmeter_source_restarts_total, levelmeter_source_errors_total
//	levelmeter_reports_lost_total     reports discarded because the reporters fell behind
//	levelmeter_latency_seconds        from the capture of the newest frame a report covers to the report
//	                                  reaching this Reporter
//	levelmeter_source_start_time_seconds   when the source's metering began (Unix time)
//	levelmeter_ring_fill_frames, levelmeter_ring_capacity_frames
//	levelmeter_sample_rate_hertz, levelmeter_channels
//	levelmeter_source_up              1 while the source runs, 0 after its final report
//	levelmeter_last_report_timestamp_seconds   when the latest report was taken (Unix time)
//	levelmeter_source_lag_seconds     a stream source's (command, stdin) sample clock behind the wall clock
//	levelmeter_source_stream_ends_total{reason="exit"|"stall"}   a stream source's runs that ended, by reason
//
// Per source and alarm kind (label alarm: silence, clipping, true_peak_over, …; package alarm), for sources whose
// alarms are on:
//
//	levelmeter_alarm_active                1 while the alarm is active, 0 otherwise (absent after the final report)
//	levelmeter_alarm_starts_total          times the alarm started since the source started (counter)
//	levelmeter_alarm_active_seconds_total  time the alarm has been active, on the stream clock (counter)
//
// And once per process: levelmeter_build_info{version, goversion} 1.
//
// # Peaks between scrapes
//
// The interval gauges are what the meter read in the latest report interval (100 ms by default); a scrape
// every 15 s sees one interval in 150. So that no peak escapes a dashboard or an alert, the _max gauges hold the
// largest peak over the last Options.PeakWindow (15 s by default, rounded up to whole seconds): scraped at
// least that often, max_over_time of them sees every peak. Clipping is also counted exactly by
// levelmeter_clipped_samples_total.
//
// # Silence and undefined values
//
// Digital silence is -Inf in dsp.Levels. Prometheus can carry -Inf, but Grafana cannot scale a graph around it
// and avg_over_time, deriv and friends turn into -Inf or NaN over any range that touches it; an absent series
// is worse, because "the input has gone silent" is exactly what an alert wants to see. So levels below a
// floor, digital silence included, are exported at the floor: Floor (-120) for dBFS and dBTP levels,
// dsp.LoudnessFloor (-120, below which the meter reports a window as silence) for momentary and short-term
// loudness, and LoudnessFloor (-70, the absolute gate of BS.1770) for integrated loudness, which no gated block
// can put lower. A meter reading exactly the floor means "at or below the floor". An alert for silence is then
// `levelmeter_rms_dbfs <= -90` or `levelmeter_short_term_lufs <= -70`, and max_over_time, avg_over_time and
// graphs stay finite.
//
// Values that are undefined (NaN: the correlation of a mono or silent input, the crest factor of silence) have
// no number that would not lie, so their series is left out of the scrape while they are undefined.
//
// After a source's final report its level gauges are removed, levelmeter_source_up reads 0, and its counters
// stay at their final values so that rate() and increase() keep working.
package metrics

import (
	"math"
	"net/http"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/levelmeter/levelmeter/dsp"
	"github.com/levelmeter/levelmeter/pipeline"
)

// The floors below which levels are exported as the floor itself; see the package documentation.
const (
	Floor         = -120.0 // dBFS and dBTP
	LoudnessFloor = -70.0  // LUFS: integrated loudness and the windows, whose blocks are gated at -70
)

// Options configure a Reporter. The zero value selects the defaults.
type Options struct {
	// Version is the value of the version label of levelmeter_build_info; "" reads "unknown".
	Version string
	// PeakWindow is the span of the _max peak gauges; 0 selects 15 s. It is rounded up to whole seconds.
	PeakWindow time.Duration
}

// A Reporter turns reports into Prometheus metrics. Create one with New; its methods are safe for concurrent
// use.
type Reporter struct {
	gatherer prometheus.Gatherer
	version  string
	window   int64            // seconds
	now      func() time.Time // the clock, replaced in tests

	mu      sync.Mutex
	sources map[string]*source
}

// source is what the Reporter keeps of one source.
type source struct {
	last    pipeline.Report
	latency float64 // seconds; NaN when unknown
	// peaks holds the largest peaks per second of arrival, a ring of window+1 seconds.
	peaks []peakSecond
}

type peakSecond struct {
	sec            int64 // Unix second the maxima belong to
	sample, truePk [dsp.MaxChannels]float64
}

// New returns a Reporter registered with reg. If reg is nil, the Reporter gets a registry of its own holding
// it and the Go runtime and process collectors; Handler serves that registry.
//
// New panics if reg refuses the Reporter (a second Reporter in one registry), as MustRegister does.
func New(reg prometheus.Registerer, opts Options) *Reporter {
	if opts.Version == "" {
		opts.Version = "unknown"
	}
	if opts.PeakWindow <= 0 {
		opts.PeakWindow = 15 * time.Second
	}
	r := &Reporter{
		version: opts.Version,
		window:  int64((opts.PeakWindow + time.Second - 1) / time.Second),
		now:     time.Now,
		sources: make(map[string]*source),
	}
	if reg == nil {
		own := prometheus.NewRegistry()
		own.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
		reg = own
	}
	reg.MustRegister(r)
	if g, ok := reg.(prometheus.Gatherer); ok {
		r.gatherer = g
	} else {
		own := prometheus.NewRegistry()
		own.MustRegister(r)
		r.gatherer = own
	}
	return r
}

// Handler serves the metrics in the Prometheus text and OpenMetrics formats: the registry given to New if it is
// also a Gatherer (a *prometheus.Registry is), otherwise a registry holding only this Reporter.
func (r *Reporter) Handler() http.Handler {
	return promhttp.HandlerFor(r.gatherer, promhttp.HandlerOpts{EnableOpenMetrics: true})
}

// Report keeps a copy of rep as its source's latest report and adds its peaks to the window. It allocates only
// for a source it has not seen.
func (r *Reporter) Report(rep *pipeline.Report) {
	now := r.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.sources[rep.Source]
	if s == nil {
		s = &source{peaks: make([]peakSecond, r.window+1)}
		r.sources[rep.Source] = s
	}
	s.last = *rep
	s.latency = math.NaN()
	if !rep.Newest.IsZero() {
		s.latency = now.Sub(rep.Newest).Seconds()
	}

	sec := now.Unix()
	p := &s.peaks[sec%int64(len(s.peaks))]
	if p.sec != sec {
		p.sec = sec
		for i := range p.sample {
			p.sample[i], p.truePk[i] = math.Inf(-1), math.Inf(-1)
		}
	}
	for i := range min(max(rep.Interval.Channels, 0), dsp.MaxChannels) {
		p.sample[i] = math.Max(p.sample[i], rep.Interval.Channel[i].SamplePeak)
		p.truePk[i] = math.Max(p.truePk[i], rep.Interval.Channel[i].TruePeak)
	}
}

// Forget removes a source's metrics, counters included, for a source that is gone for good (a run that
// reconfigures its sources). A source's final report does not remove its counters; Forget does.
func (r *Reporter) Forget(source string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.sources, source)
}

type desc struct {
	d *prometheus.Desc
	t prometheus.ValueType
}

func newDesc(name, help string, t prometheus.ValueType, labels ...string) desc {
	return desc{prometheus.NewDesc(name, help, labels, nil), t}
}

var (
	src = []string{"source"}
	ch  = []string{"source", "channel"}

	descBuildInfo = newDesc("levelmeter_build_info", "A metric with a constant 1 labelled with the build's version.", prometheus.GaugeValue, "version", "goversion")

	descSamplePeak    = newDesc("levelmeter_sample_peak_dbfs", "Largest absolute sample in the latest report interval, in dBFS; -120 means at or below -120 (digital silence included).", prometheus.GaugeValue, ch...)
	descSamplePeakMax = newDesc("levelmeter_sample_peak_max_dbfs", "Largest sample peak over the last peak window (15 s by default), in dBFS; -120 means at or below -120.", prometheus.GaugeValue, ch...)
	descTruePeakMax   = newDesc("levelmeter_true_peak_max_dbtp", "Largest true peak over the last peak window (15 s by default), in dBTP; -120 means at or below -120.", prometheus.GaugeValue, ch...)
	descTruePeak      = newDesc("levelmeter_true_peak_dbtp", "True peak (the band-limited peak between samples, within 0.05 dB) in the latest report interval, in dBTP; -120 means at or below -120.", prometheus.GaugeValue, ch...)
	descRMS           = newDesc("levelmeter_rms_dbfs", "RMS level in the latest report interval, in dBFS (a full-scale sine reads -3.01); -120 means at or below -120.", prometheus.GaugeValue, ch...)
	descDC            = newDesc("levelmeter_dc_offset_ratio", "Mean sample value in the latest report interval, -1 to +1.", prometheus.GaugeValue, ch...)
	descCrest         = newDesc("levelmeter_crest_factor_db", "Peak over RMS in the latest report interval, in dB; absent for silence.", prometheus.GaugeValue, ch...)
	descClipped       = newDesc("levelmeter_clipped_samples_total", "Samples at or beyond full scale since the source started.", prometheus.CounterValue, ch...)
	descChannelInfo   = newDesc("levelmeter_channel_info", "A metric with a constant 1 labelled with the channel's position in the source's layout (L, R, C, LFE, Ls, Rs, ...; its number from 1 where unknown).", prometheus.GaugeValue, "source", "channel", "position")
	descNonFinite     = newDesc("levelmeter_nonfinite_samples_total", "NaN and infinite samples since the source started (measured as zero).", prometheus.CounterValue, ch...)

	descMomentary    = newDesc("levelmeter_momentary_lufs", "Momentary loudness (400 ms window, EBU R 128), in LUFS; -120 means at or below -120 (the meter's floor, digital silence included).", prometheus.GaugeValue, src...)
	descShortTerm    = newDesc("levelmeter_short_term_lufs", "Short-term loudness (3 s window, EBU R 128), in LUFS; -120 means at or below -120 (the meter's floor, digital silence included).", prometheus.GaugeValue, src...)
	descMomentaryMax = newDesc("levelmeter_momentary_max_lufs", "Largest momentary loudness since the source started, in LUFS.", prometheus.GaugeValue, src...)
	descShortTermMax = newDesc("levelmeter_short_term_max_lufs", "Largest short-term loudness since the source started, in LUFS.", prometheus.GaugeValue, src...)
	descIntegrated   = newDesc("levelmeter_integrated_lufs", "Gated integrated loudness (ITU-R BS.1770-4) since the source started, in LUFS; -70 until a block passes the gate.", prometheus.GaugeValue, src...)
	descRange        = newDesc("levelmeter_loudness_range_lu", "Loudness range (EBU Tech 3342) since the source started, in LU.", prometheus.GaugeValue, src...)
	winLabels        = []string{"source", "window"}
	descWindowLUFS   = newDesc("levelmeter_loudness_window_lufs", "Gated integrated loudness (ITU-R BS.1770-4) over the last span of the window label (1m, 10m, 1h, ...; loudness_windows), in LUFS; -70 while no block in the window passes the gate (silence).", prometheus.GaugeValue, winLabels...)
	descWindowRange  = newDesc("levelmeter_loudness_window_range_lu", "Loudness range (EBU Tech 3342) over the last span of the window label, in LU; 0 while there is nothing to measure.", prometheus.GaugeValue, winLabels...)
	descCorrelation  = newDesc("levelmeter_correlation", "Stereo correlation of channels 0 and 1 in the latest report interval, -1 to +1; absent for mono or silent input.", prometheus.GaugeValue, src...)

	descCaptured  = newDesc("levelmeter_frames_captured_total", "Frames the source delivered to the pipeline (captured = metered + dropped).", prometheus.CounterValue, src...)
	descMetered   = newDesc("levelmeter_frames_metered_total", "Frames the meter measured.", prometheus.CounterValue, src...)
	descDropped   = newDesc("levelmeter_frames_dropped_total", "Frames lost because the ring between the audio thread and the meter was full.", prometheus.CounterValue, src...)
	descOverflows = newDesc("levelmeter_input_overflows_total", "Blocks the audio device flagged as overflowed (PortAudio input overflow).", prometheus.CounterValue, src...)
	descSkipped   = newDesc("levelmeter_input_skipped_frames_total", "Frames the source lost before delivering them, counted where the source knows: a file replayed in real time that was held up (the process stopped, the machine loaded) for over a second skips what it missed, as a device overrun does, and flags one overflow. 0 for sources that cannot tell (a device counts only levelmeter_input_overflows_total); not in levelmeter_frames_captured_total.", prometheus.CounterValue, src...)
	descRestarts  = newDesc("levelmeter_source_restarts_total", "Times the source was restarted after failing.", prometheus.CounterValue, src...)
	descErrors    = newDesc("levelmeter_source_errors_total", "Source failures seen.", prometheus.CounterValue, src...)
	descRingFill  = newDesc("levelmeter_ring_fill_frames", "Frames waiting in the ring when the latest report was taken.", prometheus.GaugeValue, src...)
	descRingCap   = newDesc("levelmeter_ring_capacity_frames", "Capacity of the ring, in frames.", prometheus.GaugeValue, src...)
	descRate      = newDesc("levelmeter_sample_rate_hertz", "Sample rate of the source.", prometheus.GaugeValue, src...)
	descChannels  = newDesc("levelmeter_channels", "Channel count of the source.", prometheus.GaugeValue, src...)
	descLost      = newDesc("levelmeter_reports_lost_total", "Reports of the source discarded because the reporters fell behind.", prometheus.CounterValue, src...)
	descLatency   = newDesc("levelmeter_latency_seconds", "Time from the capture of the newest frame the latest report covers to the report reaching the metrics reporter.", prometheus.GaugeValue, src...)
	descStarted   = newDesc("levelmeter_source_start_time_seconds", "When the source's metering began, in seconds since the Unix epoch.", prometheus.GaugeValue, src...)
	descUp        = newDesc("levelmeter_source_up", "1 while the source runs, 0 after its final report.", prometheus.GaugeValue, src...)
	descLag       = newDesc("levelmeter_source_lag_seconds", "How far a stream source's sample clock (a command, standard input) is behind the wall clock since its run's first block: near 0 for a feed that keeps time, growing for one slower than real time or stalled; 0 between runs.", prometheus.GaugeValue, src...)
	descEnds      = newDesc("levelmeter_source_stream_ends_total", "Runs of a stream source (a command, standard input) that ended, by reason: exit (the command exited or closed its output) or stall (no bytes for its stall timeout).", prometheus.CounterValue, "source", "reason")
	descLastTime  = newDesc("levelmeter_last_report_timestamp_seconds", "When the latest report was taken, in seconds since the Unix epoch.", prometheus.GaugeValue, src...)

	alarmLabels       = []string{"source", "alarm"}
	descAlarmActive   = newDesc("levelmeter_alarm_active", "1 while the alarm is active (after its on-delay, until its off-delay), 0 otherwise.", prometheus.GaugeValue, alarmLabels...)
	descAlarmStarts   = newDesc("levelmeter_alarm_starts_total", "Times the alarm started since the source started.", prometheus.CounterValue, alarmLabels...)
	descAlarmDuration = newDesc("levelmeter_alarm_active_seconds_total", "Time the alarm has been active since the source started, in seconds of audio (wall-clock seconds for source_stalled).", prometheus.CounterValue, alarmLabels...)

	allDescs = []desc{
		descAlarmActive, descAlarmStarts, descAlarmDuration,
		descBuildInfo,
		descSamplePeak, descTruePeak, descSamplePeakMax, descTruePeakMax, descRMS, descDC, descCrest, descClipped, descNonFinite, descChannelInfo,
		descMomentary, descShortTerm, descMomentaryMax, descShortTermMax, descIntegrated, descRange, descCorrelation,
		descWindowLUFS, descWindowRange,
		descCaptured, descMetered, descDropped, descOverflows, descSkipped, descRestarts, descErrors, descRingFill, descRingCap,
		descRate, descChannels, descUp, descLastTime, descLost, descLatency, descStarted, descLag, descEnds,
	}
)

// channelLabels are the values of the channel label, computed once.
var channelLabels = func() (l [dsp.MaxChannels]string) {
	for i := range l {
		l[i] = strconv.Itoa(i)
	}
	return l
}()

// Describe sends the descriptors of every metric the Reporter can export.
func (r *Reporter) Describe(out chan<- *prometheus.Desc) {
	for _, d := range allDescs {
		out <- d.d
	}
}

// Collect sends the metrics of the latest report of every source.
func (r *Reporter) Collect(out chan<- prometheus.Metric) {
	out <- prometheus.MustNewConstMetric(descBuildInfo.d, descBuildInfo.t, 1, r.version, runtime.Version())

	nowSec := r.now().Unix()
	r.mu.Lock()
	snaps := make([]snapshot, 0, len(r.sources))
	for _, s := range r.sources {
		snap := snapshot{rep: s.last, latency: s.latency, recent: false}
		for i := range snap.sampleMax {
			snap.sampleMax[i], snap.trueMax[i] = math.Inf(-1), math.Inf(-1)
		}
		for _, p := range s.peaks {
			if p.sec > nowSec-r.window && p.sec <= nowSec {
				snap.recent = true
				for i := range p.sample {
					snap.sampleMax[i] = math.Max(snap.sampleMax[i], p.sample[i])
					snap.trueMax[i] = math.Max(snap.trueMax[i], p.truePk[i])
				}
			}
		}
		snaps = append(snaps, snap)
	}
	r.mu.Unlock()
	sort.Slice(snaps, func(i, j int) bool { return snaps[i].rep.Source < snaps[j].rep.Source })

	for i := range snaps {
		collect(out, &snaps[i])
	}
}

// snapshot is a source's state, copied for a scrape.
type snapshot struct {
	rep                pipeline.Report
	latency            float64
	recent             bool // a report arrived within the peak window
	sampleMax, trueMax [dsp.MaxChannels]float64
}

func collect(out chan<- prometheus.Metric, snap *snapshot) {
	rep := &snap.rep
	s := rep.Source
	emit := func(d desc, v float64, labels ...string) {
		if math.IsNaN(v) {
			return
		}
		out <- prometheus.MustNewConstMetric(d.d, d.t, v, labels...)
	}
	c := &rep.Counters
	emit(descCaptured, float64(c.Captured), s)
	emit(descMetered, float64(c.Metered), s)
	emit(descDropped, float64(c.Dropped), s)
	emit(descOverflows, float64(c.Overflows), s)
	emit(descSkipped, float64(c.Skipped), s)
	emit(descRestarts, float64(c.Restarts), s)
	emit(descErrors, float64(c.Errors), s)
	emit(descRingCap, float64(c.RingCap), s)
	emit(descLost, float64(c.Lost), s)
	if !rep.Started.IsZero() {
		emit(descStarted, unixSeconds(rep.Started), s)
	}
	if rep.IsStream {
		emit(descEnds, float64(rep.Stream.Exits), s, "exit")
		emit(descEnds, float64(rep.Stream.Stalls), s, "stall")
		if !rep.Final {
			emit(descLag, rep.Stream.Lag.Seconds(), s)
		}
	}

	n := min(max(rep.Total.Channels, rep.Interval.Channels, 0), dsp.MaxChannels)
	for i := range n {
		t := &rep.Total.Channel[i]
		emit(descClipped, float64(t.Clipped), s, channelLabels[i])
		emit(descNonFinite, float64(t.NonFinite), s, channelLabels[i])
		if i < len(rep.Layout) {
			emit(descChannelInfo, 1, s, channelLabels[i], rep.Layout.Label(i))
		}
	}

	if rep.AlarmsOn {
		for k := range rep.AlarmStatus {
			st := &rep.AlarmStatus[k]
			name := st.Kind.String()
			emit(descAlarmStarts, float64(st.Starts), s, name)
			emit(descAlarmDuration, st.ActiveTime.Seconds(), s, name)
			if !rep.Final {
				active := 0.0
				if st.Active {
					active = 1
				}
				emit(descAlarmActive, active, s, name)
			}
		}
	}

	emit(descLastTime, unixSeconds(rep.Time), s)
	if rep.Final {
		emit(descUp, 0, s)
		return
	}
	emit(descUp, 1, s)
	emit(descRingFill, float64(c.RingFill), s)
	emit(descLatency, snap.latency, s)

	lv := &rep.Interval
	emit(descRate, float64(lv.SampleRate), s)
	emit(descChannels, float64(lv.Channels), s)
	for i := range min(max(lv.Channels, 0), dsp.MaxChannels) {
		st := &lv.Channel[i]
		l := channelLabels[i]
		emit(descSamplePeak, floor(st.SamplePeak, Floor), s, l)
		emit(descTruePeak, floor(st.TruePeak, Floor), s, l)
		if snap.recent {
			emit(descSamplePeakMax, floor(snap.sampleMax[i], Floor), s, l)
			emit(descTruePeakMax, floor(snap.trueMax[i], Floor), s, l)
		}
		emit(descRMS, floor(st.RMS, Floor), s, l)
		emit(descDC, st.DCOffset, s, l)
		if !math.IsInf(st.CrestFactor, 0) {
			emit(descCrest, st.CrestFactor, s, l)
		}
	}
	ld := &lv.Loudness
	emit(descMomentary, floor(ld.Momentary, dsp.LoudnessFloor), s)
	emit(descShortTerm, floor(ld.ShortTerm, dsp.LoudnessFloor), s)
	emit(descMomentaryMax, floor(ld.MomentaryMax, dsp.LoudnessFloor), s)
	emit(descShortTermMax, floor(ld.ShortTermMax, dsp.LoudnessFloor), s)
	emit(descIntegrated, floor(ld.Integrated, LoudnessFloor), s)
	emit(descRange, ld.Range, s)
	for i := range ld.Windows {
		if w := &ld.Windows[i]; w.Span > 0 {
			l := dsp.SpanLabel(w.Span)
			emit(descWindowLUFS, floor(w.Integrated, LoudnessFloor), s, l)
			emit(descWindowRange, w.Range, s, l)
		}
	}
	emit(descCorrelation, lv.Correlation, s)
}

func unixSeconds(t time.Time) float64 {
	return float64(t.Unix()) + float64(t.Nanosecond())/1e9
}

// floor returns v, or f if v is below f (-Inf included). NaN stays NaN.
func floor(v, f float64) float64 {
	if v < f {
		return f
	}
	return v
}
