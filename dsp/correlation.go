package dsp

import "math"

// Stereo correlation: Σ L·R / sqrt(Σ L² · Σ R²) over a span, the normalised cross-correlation at lag zero. +1 is
// mono-compatible (identical channels, whatever their gains), 0 unrelated channels, -1 one channel inverted. The
// sums of squares are the channels' own RMS sums; only Σ L·R is extra work.

// dot returns acc + Σ a[i]·b[i], summed in order.
func dot(acc float64, a, b []float64) float64 {
	b = b[:len(a)]
	for i, x := range a {
		acc += x * b[i]
	}
	return acc
}

// correlation returns the stereo correlation of the span, or NaN unless there are exactly two channels and
// neither is silent.
func (s *span) correlation(channels int) float64 {
	if channels != 2 {
		return math.NaN()
	}
	ll, rr := s.ch[0].sq.value(), s.ch[1].sq.value()
	if ll <= 0 || rr <= 0 {
		return math.NaN()
	}
	r := s.lr.value() / (math.Sqrt(ll) * math.Sqrt(rr))
	// Rounding can carry an exactly (anti)correlated pair a hair past ±1.
	return max(-1, min(1, r))
}
