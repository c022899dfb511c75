package dsp

import (
	"errors"
	"fmt"
	"math"
	"math/cmplx"
)

// The analog prototype of the BS.1770 K-weighting filter, as libebur128 derives it: the coefficients for any
// sample rate come from the bilinear transform of these, and at 48 kHz they reproduce the table in BS.1770-4.
const (
	shelfF0   = 1681.974450955533  // Hz, stage 1 (head-related high shelf)
	shelfGain = 3.999843853973347  // dB
	shelfQ    = 0.7071752369554196 // quality factor
	shelfVb   = 0.4996667741545416 // exponent of the band gain relative to the high-frequency gain
	rlbF0     = 38.13547087602444  // Hz, stage 2 (RLB high-pass)
	rlbQ      = 0.5003270373238773 // quality factor
)

// MinSampleRate and MaxSampleRate bound the sample rates the meters accept, in frames per second: the one range
// every part of levelmeter checks against. Below 8 kHz the K-weighting shelf (1.7 kHz) comes too close to
// Nyquist for the bilinear transform to keep its shape: at 6 kHz its gain at fs/2.2 is already 0.6 dB off, at
// 4 kHz 1.5 dB, and below 3.4 kHz the shelf's poles leave the unit circle and the filter is unstable. A meter
// that cannot weigh loudness correctly does not measure at all. Above 768 kHz nothing records.
const (
	MinSampleRate = 8000
	MaxSampleRate = 768000
)

// ErrSampleRate is the error the meters' constructors wrap when the sample rate is outside MinSampleRate to
// MaxSampleRate.
var ErrSampleRate = errors.New("sample rate not supported")

// checkRate returns nil for a supported sample rate, an error in the user's words otherwise.
func checkRate(rate int) error {
	if rate < MinSampleRate || rate > MaxSampleRate {
		return fmt.Errorf("dsp: %w: %d Hz, want %d to %d Hz", ErrSampleRate, rate, MinSampleRate, MaxSampleRate)
	}
	return nil
}

// kweight holds the two K-weighting biquads for one sample rate, normalised so that a0 = 1. The numerator of
// the high-pass stage is 1, -2, 1 at every rate (as in BS.1770 and libebur128), so it needs no coefficients.
type kweight struct {
	b0, b1, b2, a1, a2 float64 // stage 1: high shelf
	c1, c2             float64 // stage 2: high-pass denominator
}

// newKWeight designs the K-weighting filter for sampleRate, which must be within the supported range.
func newKWeight(sampleRate int) kweight {
	k := designKWeight(float64(sampleRate))

	// Calibrate at 1 kHz. BS.1770 defines the filter by its 48 kHz coefficients, and its -0.691 dB offset makes a
	// 1 kHz tone read its RMS level through them. The bilinear transform of one analog prototype does not give
	// the same gain at 1 kHz at every rate: the shelf warps differently, and the high-pass keeps the table's
	// un-normalised numerator 1, -2, 1, whose pass-band gain (+0.043 dB at 48 kHz) drifts with the rate. As
	// libebur128 and ffmpeg leave it, a 1 kHz tone reads 0.017 LU lower at 96 kHz than at 48 kHz, 0.027 LU lower
	// at 192 kHz, and 0.003 LU higher at 44.1 kHz. A constant gain, exactly 1 at 48 kHz, puts every rate's
	// 1 kHz gain on the 48 kHz one.
	if sampleRate != 48000 {
		g := math.Sqrt(kpower(designKWeight(48000), 48000, 1000) / kpower(k, float64(sampleRate), 1000))
		k.b0 *= g
		k.b1 *= g
		k.b2 *= g
	}
	return k
}

// designKWeight is the bilinear transform of the analog prototype at fs, exactly as libebur128 computes it.
func designKWeight(fs float64) kweight {
	var k kweight

	K := math.Tan(math.Pi * shelfF0 / fs)
	vh := math.Pow(10, shelfGain/20)
	vb := math.Pow(vh, shelfVb)
	a0 := 1 + K/shelfQ + K*K
	k.b0 = (vh + vb*K/shelfQ + K*K) / a0
	k.b1 = 2 * (K*K - vh) / a0
	k.b2 = (vh - vb*K/shelfQ + K*K) / a0
	k.a1 = 2 * (K*K - 1) / a0
	k.a2 = (1 - K/shelfQ + K*K) / a0

	K = math.Tan(math.Pi * rlbF0 / fs)
	a0 = 1 + K/rlbQ + K*K
	k.c1 = 2 * (K*K - 1) / a0
	k.c2 = (1 - K/rlbQ + K*K) / a0
	return k
}

// kpower returns the power gain of the filter k (designed for sampleRate) at freq Hz.
func kpower(k kweight, sampleRate, freq float64) float64 {
	z := cmplx.Exp(complex(0, -2*math.Pi*freq/sampleRate)) // z^-1
	h1 := (complex(k.b0, 0) + complex(k.b1, 0)*z + complex(k.b2, 0)*z*z) /
		(1 + complex(k.a1, 0)*z + complex(k.a2, 0)*z*z)
	h2 := (1 - 2*z + z*z) / (1 + complex(k.c1, 0)*z + complex(k.c2, 0)*z*z)
	a := cmplx.Abs(h1 * h2)
	return a * a
}

// kstate is the state of one channel's K-weighting filter, in direct form I: the last two input samples, the last
// two outputs of the shelf (which are also the last two inputs of the high-pass) and the last two outputs of the
// high-pass. Direct form I keeps each stage's feedback to one multiply and one subtraction per sample: the
// recursion, not the arithmetic, is what limits the speed of an IIR filter.
type kstate struct {
	x1, x2 float64 // input
	y1, y2 float64 // shelf output, high-pass input
	z1, z2 float64 // high-pass output
}

// flush zeroes registers that have decayed to nothing, and the whole state if it has been spoilt. After the input
// falls silent the state decays geometrically towards the subnormal range, where every operation on x86 costs a
// hundred cycles; values below 1e-100 contribute nothing measurable (their squares are below 1e-200), so they are
// cut to zero well before that. A non-finite register (after NaN or ±Inf input) would poison the channel forever:
// the filter restarts from silence instead, all of it, since a state half old and half zeroed would ring.
//
// It also rounds every register to 32 significant bits (a relative change of at most 1.2e-10, every 100 ms: the
// loudness moves by less than 1e-9 dB), so that two filters fed the same input from different starting states
// end with the same state to the last bit: their difference decays below 1e-10 within 0.2 s, but in float64
// arithmetic the filters' rounding keeps it alive at the last bits for ever (at 192 kHz and above, around
// 1e-12), and rounding it away is what lets a meter primed on the seconds before a part of an input
// (Meter.Prime) measure that part exactly as a meter fed the input from its start (TestPrimeSettlesFilters: at
// 8 kHz to 768 kHz the states agree to the last bit within 0.2 s).
func (s *kstate) flush() {
	if v := s.x1 + s.x2 + s.y1 + s.y2 + s.z1 + s.z2; v-v != 0 { // NaN or ±Inf somewhere
		*s = kstate{}
		return
	}
	s.x1, s.x2 = flushReg(s.x1), flushReg(s.x2)
	s.y1, s.y2 = flushReg(s.y1), flushReg(s.y2)
	s.z1, s.z2 = flushReg(s.z1), flushReg(s.z2)
}

func flushReg(v float64) float64 {
	if math.Abs(v) < 1e-100 {
		return 0
	}
	const drop = 52 - 31 // mantissa bits rounded away: 32 significant bits are left
	b := math.Float64bits(v)
	return math.Float64frombits((b + 1<<(drop-1)) &^ (1<<drop - 1)) // to nearest, ties away from zero
}

// run1 filters the channel whose samples are p[0], p[stride], p[2*stride], ... and returns acc plus the sum of
// the squares of the filtered samples, added one at a time in order so that the result does not depend on how
// the input was split into blocks.
func (k *kweight) run1(p []float32, stride int, st *kstate, acc float64) float64 {
	b0, b1, b2, a1, a2, c1, c2 := k.b0, k.b1, k.b2, k.a1, k.a2, k.c1, k.c2
	x1, x2, y1, y2, z1, z2 := st.x1, st.x2, st.y1, st.y2, st.z1, st.z2
	for i := 0; i < len(p); i += stride {
		x := float64(p[i])
		// the parenthesised parts do not depend on the previous output: only the last multiply-subtract of
		// each stage is on the loop-carried chain
		y := (b0*x + b1*x1 + b2*x2 - a2*y2) - a1*y1
		z := (y - 2*y1 + y2 - c2*z2) - c1*z1
		x2, x1 = x1, x
		y2, y1 = y1, y
		z2, z1 = z1, z
		acc += z * z
	}
	st.x1, st.x2, st.y1, st.y2, st.z1, st.z2 = x1, x2, y1, y2, z1, z2
	return acc
}

// run2 is run1 for two adjacent channels at once (p[0] and p[1] are their first samples). The recursions of one
// channel are a chain of dependent multiply-adds; interleaving two independent chains lets the CPU overlap them.
func (k *kweight) run2(p []float32, stride int, sa, sb *kstate, acca, accb float64) (float64, float64) {
	b0, b1, b2, a1, a2, c1, c2 := k.b0, k.b1, k.b2, k.a1, k.a2, k.c1, k.c2
	x1, x2, y1, y2, z1, z2 := sa.x1, sa.x2, sa.y1, sa.y2, sa.z1, sa.z2
	u1, u2, v1, v2, w1, w2 := sb.x1, sb.x2, sb.y1, sb.y2, sb.z1, sb.z2
	for i := 0; i+1 < len(p); i += stride {
		x := float64(p[i])
		u := float64(p[i+1])
		y := (b0*x + b1*x1 + b2*x2 - a2*y2) - a1*y1
		v := (b0*u + b1*u1 + b2*u2 - a2*v2) - a1*v1
		z := (y - 2*y1 + y2 - c2*z2) - c1*z1
		w := (v - 2*v1 + v2 - c2*w2) - c1*w1
		x2, x1 = x1, x
		u2, u1 = u1, u
		y2, y1 = y1, y
		v2, v1 = v1, v
		z2, z1 = z1, z
		w2, w1 = w1, w
		acca += z * z
		accb += w * w
	}
	sa.x1, sa.x2, sa.y1, sa.y2, sa.z1, sa.z2 = x1, x2, y1, y2, z1, z2
	sb.x1, sb.x2, sb.y1, sb.y2, sb.z1, sb.z2 = u1, u2, v1, v2, w1, w2
	return acca, accb
}
