package dsp

import (
	"errors"
	"math"
)

// A LoudnessMeter measures ITU-R BS.1770-4 loudness and EBU Tech 3342 loudness range.
type LoudnessMeter struct{}

// NewLoudnessMeter returns a loudness meter for interleaved input of the given rate and channel count. weights
// holds one BS.1770 weight per channel; nil selects the standard weights for the channel count.
func NewLoudnessMeter(sampleRate, channels int, weights []float64) (*LoudnessMeter, error) {
	return nil, errors.New("dsp: not implemented")
}

// Process measures the interleaved samples in p. It allocates nothing.
func (l *LoudnessMeter) Process(p []float32) {}

// Loudness returns the current values.
func (l *LoudnessMeter) Loudness() Loudness {
	inf := math.Inf(-1)
	return Loudness{inf, inf, inf, inf, inf, 0}
}

// Reset forgets everything measured.
func (l *LoudnessMeter) Reset() {}
