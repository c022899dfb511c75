package alarm

import (
	"errors"
	"io"
	"math"
	"testing"
	"time"

	"github.com/levelmeter/levelmeter/audio/wavfile"
	"github.com/levelmeter/levelmeter/dsp"
)

// reportInterval is the daemon's default report interval, the one the timing tests hold the detector to.
const reportInterval = 100 * time.Millisecond

// epoch is the wall clock of the tests' first report.
var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// run feeds every report's levels to a Detector for cfg, with the wall clock advancing one interval a report,
// and returns the events.
func run(t *testing.T, cfg Config, reports func(each func(lv *dsp.Levels))) []Event {
	t.Helper()
	return runWall(t, cfg, reportInterval, reports)
}

// runWall is run with the wall clock advancing step a report: less than the interval for a file replayed
// faster than real time.
func runWall(t *testing.T, cfg Config, step time.Duration, reports func(each func(lv *dsp.Levels))) []Event {
	t.Helper()
	d, err := NewDetector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var all []Event
	var buf [NumKinds]Event
	wall := epoch
	reports(func(lv *dsp.Levels) {
		wall = wall.Add(step)
		all = append(all, d.Update(lv, Input{Wall: wall}, buf[:0])...)
	})
	return all
}

// meterReports meters interleaved samples with a dsp.Meter and calls each with the levels of every report
// interval (the last may be shorter).
func meterReports(t *testing.T, rate, channels int, samples []float32, clip float64) func(func(lv *dsp.Levels)) {
	return func(each func(lv *dsp.Levels)) {
		m, err := dsp.NewMeter(dsp.Config{SampleRate: rate, Channels: channels, ClipLevel: clip})
		if err != nil {
			t.Fatal(err)
		}
		per := int(int64(rate)*int64(reportInterval)/int64(time.Second)) * channels
		for len(samples) > 0 {
			n := min(per, len(samples))
			m.Process(samples[:n])
			samples = samples[n:]
			lv := m.Interval()
			each(&lv)
		}
	}
}

// wavReports meters the named WAV file with a dsp.Meter as analyze does (integer PCM: the positive extreme
// counts as clipped) and calls each with the levels of every report interval.
func wavReports(t *testing.T, name string) func(func(lv *dsp.Levels)) {
	return func(each func(lv *dsp.Levels)) {
		r, err := wavfile.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		info := r.Info()
		cfg := dsp.Config{SampleRate: info.SampleRate, Channels: info.Channels}
		if info.Encoding == wavfile.PCM {
			full := math.Ldexp(1, info.BitsPerSample-1)
			cfg.ClipLevel = float64(float32((full - 1) / full))
		}
		m, err := dsp.NewMeter(cfg)
		if err != nil {
			t.Fatal(err)
		}
		per := int(int64(info.SampleRate)*int64(reportInterval)/int64(time.Second)) * info.Channels
		buf := make([]float32, per)
		fill := 0
		for {
			n, err := r.Read(buf[fill:])
			fill += n
			if fill == len(buf) || (errors.Is(err, io.EOF) && fill > 0) {
				m.Process(buf[:fill])
				lv := m.Interval()
				each(&lv)
				fill = 0
			}
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				t.Fatal(err)
			}
		}
	}
}
