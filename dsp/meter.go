package dsp

import (
	"errors"
	"math"
	"time"
)

// Config configures a Meter. The zero values of the optional fields select the defaults.
type Config struct {
	SampleRate int // frames per second, > 0
	Channels   int // 1 to MaxChannels

	// Weights are the BS.1770 channel weights for loudness, one per channel; nil selects the standard ones for
	// the channel count (L, R, C 1.0; Ls, Rs 1.41; LFE 0 in a 6-channel 5.1 layout).
	Weights []float64

	// PeakHold is how long the peak-hold marker stays before it falls; 0 selects 2 s.
	PeakHold time.Duration
	// PeakDecay is how fast the bar and the marker fall, in dB per second; 0 selects IEC 60268-18's
	// 20 dB in 1.7 s.
	PeakDecay float64
}

// A Meter measures interleaved float32 audio fed to it in blocks of any size. It is not safe for concurrent use:
// one goroutine feeds it and takes snapshots, and hands the snapshots (plain values) to others.
type Meter struct {
	cfg Config
}

// NewMeter returns a Meter for cfg, or an error that names the bad field.
func NewMeter(cfg Config) (*Meter, error) {
	if cfg.SampleRate <= 0 || cfg.Channels < 1 || cfg.Channels > MaxChannels {
		return nil, errors.New("dsp: not implemented")
	}
	return &Meter{cfg: cfg}, nil
}

// Process measures the interleaved samples in p; len(p) must be a multiple of the channel count (a trailing
// partial frame is ignored). It allocates nothing.
func (m *Meter) Process(p []float32) {}

// Levels returns the levels of everything processed since the meter was made or reset.
func (m *Meter) Levels() Levels { return m.empty() }

// Interval returns the levels of what was processed since the previous call to Interval (or since the meter was
// made or reset) and starts a new interval. The loudness and display fields are the current state.
func (m *Meter) Interval() Levels { return m.empty() }

// Reset forgets everything processed: the meter is as new.
func (m *Meter) Reset() {}

func (m *Meter) empty() Levels {
	l := Levels{SampleRate: m.cfg.SampleRate, Channels: m.cfg.Channels, Correlation: math.NaN()}
	return l
}
