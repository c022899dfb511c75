package dsp

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/dsp/fourier"
)

// The ideal true peak, for tests: the largest |x(t)| of the band-limited signal x(t) = Σ x[k]·sinc(t−k), the
// samples being those of the finite signal and zero before and after it (a meter sees a signal start from and
// end in silence, and so does an ideal D/A converter).
//
// It is found in two steps. The signal, zero-padded to at least four times its length, is upsampled ×32 by the
// FFT: each phase j/32 is the inverse transform of the spectrum shifted by that fraction of a sample, so that the
// grid is exact for the padded periodic signal. That grid is never more than cos(π/64) (0.011 dB) below the peak,
// and the padding keeps the periodic kernel within a hair of sinc over the signal. Every local maximum of the
// grid within 0.1 dB of its largest (the best 40) is then refined with the exact sinc sum over the whole signal, by a
// golden-section search over ±1/32 sample. The result is exact to about 1e-9 dB.
// (TestIdealTruePeak checks it against a brute-force search of the sinc sum.)

// idealPhases is the oversampling of the FFT grid.
const idealPhases = 32

// idealTruePeak returns the ideal true peak of x as a linear magnitude, never below max|x[k]|.
func idealTruePeak(x []float64) float64 {
	peak := 0.0
	for _, v := range x {
		peak = max(peak, math.Abs(v))
	}
	if peak == 0 {
		return 0
	}
	const lead = 64 // zeros before the signal, so that a peak just before its start is on the grid
	m := 1
	for m < 4*len(x)+2*lead {
		m *= 2
	}
	seq := make([]float64, m)
	copy(seq[lead:], x)
	fft := fourier.NewFFT(m)
	spec := fft.Coefficients(nil, seq)
	shifted := make([]complex128, len(spec))
	grid := make([][]float64, idealPhases) // grid[j][i]: x(i - lead + j/idealPhases)
	for j := range idealPhases {
		tau := float64(j) / idealPhases
		step := 2 * math.Pi * tau / float64(m)
		for k, c := range spec {
			if k == m/2 {
				// The Nyquist bin is a cosine: its band-limited shift is the real part.
				shifted[k] = c * complex(math.Cos(math.Pi*tau), 0)
				continue
			}
			sin, cos := math.Sincos(step * float64(k))
			shifted[k] = c * complex(cos, sin)
		}
		grid[j] = fft.Sequence(nil, shifted)
		for i := range grid[j] {
			grid[j][i] /= float64(m)
		}
	}
	at := func(g int) float64 { // |grid point g|, g counting in 1/idealPhases from t = -lead
		if g < 0 || g >= m*idealPhases {
			return 0
		}
		return math.Abs(grid[g%idealPhases][g/idealPhases])
	}
	top := 0.0
	for g := range m * idealPhases {
		top = max(top, at(g))
	}
	type cand struct {
		g int
		v float64
	}
	var cands []cand
	floor := top * math.Pow(10, -0.1/20)
	for g := range m * idealPhases {
		if v := at(g); v >= floor && v >= at(g-1) && v >= at(g+1) {
			cands = append(cands, cand{g, v})
		}
	}
	slices.SortFunc(cands, func(a, b cand) int { return -cmpFloat(a.v, b.v) })
	if len(cands) > 40 {
		cands = cands[:40] // a steady tone has thousands of equal peaks; any of the best is as good
	}
	for _, c := range cands {
		t := float64(c.g)/idealPhases - lead
		peak = max(peak, goldenMax(func(t float64) float64 { return math.Abs(sincSum(x, t)) }, t-1.0/idealPhases, t+1.0/idealPhases))
	}
	return peak
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// sincSum returns Σ x[k]·sinc(t−k) over the whole of x: sin(π(t−k)) = (−1)^k·sin(πt), so one sine serves all
// terms.
func sincSum(x []float64, t float64) float64 {
	if t == math.Trunc(t) {
		if k := int(t); k >= 0 && k < len(x) {
			return x[k]
		}
		return 0
	}
	s := 0.0
	for k := 0; k < len(x); k += 2 {
		s += x[k] / (t - float64(k))
	}
	for k := 1; k < len(x); k += 2 {
		s -= x[k] / (t - float64(k))
	}
	return math.Sin(math.Pi*t) / math.Pi * s
}

// goldenMax returns the largest value of f on [a, b], f being unimodal there, by golden-section search to
// 1e-7 sample (where the relative error of a peak of a band-limited signal is below 1e-12).
func goldenMax(f func(float64) float64, a, b float64) float64 {
	const r = 0.6180339887498949
	c, d := b-r*(b-a), a+r*(b-a)
	fc, fd := f(c), f(d)
	for b-a > 1e-6 {
		if fc > fd {
			b, d, fd = d, c, fc
			c = b - r*(b-a)
			fc = f(c)
		} else {
			a, c, fc = c, d, fd
			d = a + r*(b-a)
			fd = f(d)
		}
	}
	return max(fc, fd, f(a), f(b))
}

// tpSignal is a generated test signal at a sample rate: float32 samples, as a meter gets them.
type tpSignal struct {
	name string
	rate int
	x    []float32
}

// tpSignals returns the generated signal set at rate: seconds long each (segments of longer noise are separate
// signals), deterministic for a seed.
func tpSignals(rate int, seconds float64, seed uint64) []tpSignal {
	n := int(seconds * float64(rate))
	r := rand.New(rand.NewPCG(seed, uint64(rate)))
	mk := func(name string, f func(i int) float64) tpSignal {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(f(i))
		}
		return tpSignal{fmt.Sprintf("%s, %d Hz", name, rate), rate, x}
	}
	fs := float64(rate)
	var sigs []tpSignal
	sigs = append(sigs,
		mk("uniform white 16-bit", func(int) float64 { return float64(r.IntN(65536)-32768) / 32768 }),
		mk("Gaussian white", func(int) float64 { return 0.1 * r.NormFloat64() }),
		mk("pink", pinkNoise(r, 0.05)),
		mk("square 997 Hz", func(i int) float64 {
			if math.Mod(997*float64(i)/fs, 1) < 0.5 {
				return 0.5
			}
			return -0.5
		}),
		mk("drums clipped at 0.8", drums(r, fs, 0.8)),
		mk("plucked chord clipped at 0.5", chord(fs, 0.5)),
	)
	for _, f := range []float64{0.45, 0.48, 0.49, 0.495, 0.498} { // faded: a steady tone
		ph := r.Float64() * 2 * math.Pi
		// Faded in and out over 10 ms: the band-limited signal of a tone near fs/2 cut abruptly overshoots with
		// the logarithm of the tone's length, which no finite filter follows (see TestTruePeakAbruptTone).
		fade := rate / 100
		sigs = append(sigs, mk(fmt.Sprintf("sine %.3g·fs", f), func(i int) float64 {
			return fadeIn(i, fade) * fadeIn(n-1-i, fade) * 0.5 * math.Sin(2*math.Pi*f*float64(i)+ph)
		}))
	}
	return sigs
}

// pinkNoise is Paul Kellet's refined filter over Gaussian white noise of deviation g.
func pinkNoise(r *rand.Rand, g float64) func(int) float64 {
	var b [7]float64
	return func(int) float64 {
		w := r.NormFloat64() * g
		b[0] = 0.99886*b[0] + w*0.0555179
		b[1] = 0.99332*b[1] + w*0.0750759
		b[2] = 0.96900*b[2] + w*0.1538520
		b[3] = 0.86650*b[3] + w*0.3104856
		b[4] = 0.55000*b[4] + w*0.5329522
		b[5] = -0.7616*b[5] - w*0.0168980
		v := b[0] + b[1] + b[2] + b[3] + b[4] + b[5] + b[6] + w*0.5362
		b[6] = w * 0.115926
		return v
	}
}

// drums is a kick (a falling 50 Hz sine) every half second and a snare (noise burst) between, driven into a hard
// clip at level.
func drums(r *rand.Rand, fs, level float64) func(int) float64 {
	return func(i int) float64 {
		t := math.Mod(float64(i)/fs, 0.5)
		kick := 1.6 * math.Exp(-t/0.12) * math.Sin(2*math.Pi*50*t*(1+math.Exp(-t/0.03)))
		st := t - 0.25
		snare := 0.0
		if st >= 0 {
			snare = 1.2 * math.Exp(-st/0.06) * r.NormFloat64() * 0.6
		}
		hat := 0.15 * math.Exp(-math.Mod(t, 0.125)/0.01) * (r.Float64()*2 - 1)
		return max(-level, min(level, kick+snare+hat))
	}
}

// chord is a plucked A minor chord (decaying harmonics, up to 8 kHz), clipped at level.
func chord(fs, level float64) func(int) float64 {
	notes := []float64{220, 261.63, 329.63, 440}
	return func(i int) float64 {
		t := float64(i) / fs
		v := 0.0
		for _, f := range notes {
			for h := 1.0; h*f < 8000; h++ {
				v += 0.5 / h * math.Exp(-t*h/0.8) * math.Sin(2*math.Pi*h*f*t+h)
			}
		}
		return max(-level, min(level, 0.4*v))
	}
}

func toFloat64(p []float32) []float64 {
	x := make([]float64, len(p))
	for i, v := range p {
		x[i] = float64(v)
	}
	return x
}
