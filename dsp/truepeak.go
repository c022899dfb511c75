package dsp

import "math"

// True peak: the largest |x(t)| of the band-limited signal x(t) = Σ x[k]·sinc(t−k) that the samples stand for
// (what an ideal D/A converter puts out), silence before the first sample and after the last. Measured against
// that ideal (TestTruePeakAccuracy: an exact oracle by zero-padded FFT upsampling ×32 and the exact sinc sum), on
// white (uniform and Gaussian) and pink noise, clipped drums and chords, a square wave and faded sines up to
// 0.498·fs, at 44.1 to 192 kHz, it reads within 0.05 dB (0.048 on 132 signals with -tp.long), never more than
// 0.046 dB above; tones of 0.45 to 0.4989·fs cut abruptly read within 0.05 dB (TestTruePeakAbruptTone). Noise
// whose energy piles up at fs/2 reads further off: white noise differentiated, x[n] = w[n] − w[n−1], reads
// −0.03 to +0.08 dB (48 seeds of 0.5 s at 48 kHz; +0.043 at most on 47 of them). Its peaks depend on the sinc's
// 1/d tail far beyond the long filter's 4096 taps (its error falls as the square root of the taps: 8192 taps
// give +0.031 on 16 seeds, at twice the cost of each measured interval and twice the lag).
//
// ITU-R BS.1770-4 Annex 2 oversamples 4× with a 48-tap filter and takes the largest |x| of the oversampled signal.
// That reads up to 0.7 dB low on a peak between two points of the 4× grid, and a short filter rolls off near
// fs/2: on full-band noise such meters (ffmpeg, libebur128, and this one before) read 0.2 to 1.3 dB low, and
// above 176.4 kHz BS.1770 does not oversample at all. BS.1770's 4× is a minimum; this meter does better, in two
// stages, at every sample rate:
//
//   - The detector oversamples 4× with a short filter, a Kaiser-windowed sinc (β = 5) of 20 taps per phase (its
//     error stays under 0.04 dB up to 0.40·fs), and marks every interval between two samples where the
//     oversampled signal, raised by the detector's possible shortfall, could beat the maximum so far. The
//     shortfall grows with the content near fs/2: it is taken as 0.001 dB plus a quarter of the largest third
//     difference of the nearby samples (whose gain is (2·sin(πf))³), at most 3 dB. Where content near fs/2
//     dominates (nyqTrack), the detector is blind beyond any such limit: there the shortfall is half the
//     largest third difference, without a limit. An interval must be able to raise the maximum by 0.01 dB to be
//     marked, so that the equal peaks of a steady tone are not refined again and again: the true peak may read
//     up to 0.01 dB low for that.
//   - Each marked interval is refined with a long filter, the sinc under the window 1−(d/2048)² over 4096
//     taps: on a grid of eighths of a sample, then at the vertex of the parabola through the best point and its
//     neighbours. Only refined values and the samples themselves make the true peak; the detector's values never
//     do, so that its ripple cannot read high. The taps farther than 64 samples from the interval change slowly
//     across it and are summed once per interval, as a quadratic in the position.
//
// The long filter makes true peak lag the input by up to TruePeakLag samples (43 ms at 48 kHz); Meter.End
// measures the rest at the end of a file or stream, as though silence followed. A tone above 0.4989·fs that
// starts or stops abruptly is beyond the guarantee: its band-limited overshoot near the cut sums 1/n over more
// samples than the 4096 taps reach (0.17 dB low at 0.499·fs), and at fs/2 itself it grows with the logarithm of
// the tone's length without bound; the meter reads what its taps see (TestTruePeakAbruptTone).
//
// The detector's filters fold: the half-sample phase is symmetric, and the quarter and three-quarter phases are
// mirror images, computed together as their sum S (a symmetric filter) and difference D (an antisymmetric one),
// with max(|y¼|, |y¾|) = (|S| + |D|)/2: 30 multiplications per input sample instead of 60. Phase 0 is the sample
// itself (the sample peak, measured anyway), so the true peak is never below the sample peak.
//
// Most of the time nothing in a stretch of signal can beat the maximum already found: the detector's |y| ≤
// gain·max|x| over its window, where gain is the largest sum of |taps| of a phase. Such stretches are skipped, and
// so are single points whose four central taps plus a bound on the rest cannot beat it (both with the largest
// shortfall the detector allows for), so refinement is rare.

const (
	tpTaps = 20       // taps per phase of the detector
	tpHalf = 10       // tpTaps/2: the folded length
	tpHist = 19       // tpTaps-1: the detector's window beyond its first sample
	tpBeta = 5.0      // the detector's Kaiser window shape
	tpSpan = 20       // outputs per skip decision: tpSpan >= tpHist
	tpSafe = 1 + 1e-9 // margin for rounding in the bound

	tpD       = 2048           // the long filter's taps on each side of an interval
	tpNear    = 64             // of which the nearest, tabulated for each point of the grid
	tpCarry   = 2*tpD - 1      // samples carried from one block to the next
	tpFlush   = tpD + tpHalf   // zeros that flush reads: up to the detector windows past the last sample
	tpGrid    = 8              // the refinement's first grid: eighths of a sample
	tpMargin  = 3.0            // dB by which the detector may read below the band-limited signal, at most
	tpSmall   = 0.001          // dB by which it may read below on a signal without high frequencies
	tpK       = 0.25           // and by how much more per unit of hf, up to tpMargin
	tpKNyq    = 0.5            // or, where content near fs/2 dominates, without the limit (see nyqTrack)
	tpGainMin = TruePeakMargin // dB by which a refinement must be able to raise the maximum

	tpNyq      = 100         // Σ(third difference)² / Σ(third sum)² above which content near fs/2 dominates
	tpNyqAhead = 64          // samples by which those sums run ahead of the detector
	tpNyqDecay = 1 - 1.0/128 // their decay per term: one term every 4 samples, a time constant of 512 samples
	tpNyqFloor = 1e-20       // added to both per call: silence is not near fs/2, and no sum decays to a denormal
)

// TruePeakMargin is how much, in dB, a candidate between samples must be able to raise the maximum so far to be
// measured with the long filter, so that the equal peaks of a steady tone are not measured again and again. A
// true peak may read up to this much low for it, and two meters whose Interval calls fall differently may
// differ by up to this much.
const TruePeakMargin = 0.01

// TruePeakLag is how far, in samples, the true peak may lag the input: the intervals among the last TruePeakLag
// samples are measured once the samples after them have arrived (the long filter reaches 2048 samples ahead, the
// detector 10 more), or by Meter.End at the end of the audio. 43 ms at 48 kHz.
const TruePeakLag = tpFlush

// tpFilter holds the detector's folded coefficients, in the order of the window (tap j pairs w[j] with
// w[tpTaps-1-j]), and the long filter's table.
type tpFilter struct {
	half    [tpHalf]float64 // the half-sample phase
	sum     [tpHalf]float64 // quarter plus three-quarter phase
	diff    [tpHalf]float64 // quarter minus three-quarter phase
	gain    float64         // the largest Σ|taps| of a phase: the bound on |y| / max|x|
	tailH   float64         // Σ|taps| of the half phase but the central four: the bound on their share of |y|
	tailQ   float64         // the same for the quarter (and three-quarter) phase
	margin  float64         // tpMargin as a factor
	small   float64         // tpSmall as a factor
	gainMin float64         // tpGainMin as a factor

	// near[k-1] is the long filter's central 2·tpNear taps at u = k/tpGrid of the way from x[tpD-1] to
	// x[tpD], sin(πu)/π included; far holds the rest of the taps as a Taylor series in u around ½, without
	// sin(πu)/π (see longTaylor).
	near *[tpGrid - 1][2 * tpNear]float64
	far  *[3][2 * tpD]float64
}

// newTPFilter designs the detector and tabulates the long filter.
func newTPFilter() tpFilter {
	f := tpFilter{margin: math.Pow(10, tpMargin/20), small: math.Pow(10, tpSmall/20), gainMin: math.Pow(10, tpGainMin/20), near: new([tpGrid - 1][2 * tpNear]float64), far: new([3][2 * tpD]float64)}
	half := tpPhase(0.5)
	for j := range tpHalf {
		f.half[j] = half[j]
	}
	f.tailH = (sumAbs(half[:]) - sumAbs(half[tpHalf-2:tpHalf+2])) * tpSafe
	q := tpPhase(0.25)
	for j := range tpHalf {
		// The three-quarter phase is the quarter phase reversed.
		f.sum[j] = q[j] + q[tpTaps-1-j]
		f.diff[j] = q[j] - q[tpTaps-1-j]
	}
	f.gain = max(sumAbs(half[:]), sumAbs(q[:])) * tpSafe
	f.tailQ = (sumAbs(q[:]) - sumAbs(q[tpHalf-2:tpHalf+2])) * tpSafe
	for k := 1; k < tpGrid; k++ {
		u := float64(k) / tpGrid
		g := math.Sin(math.Pi*u) / math.Pi
		for i := range 2 * tpNear {
			f.near[k-1][i] = g * longTap(i+tpD-tpNear, u)
		}
	}
	for i := range 2 * tpD {
		if i >= tpD-tpNear && i < tpD+tpNear {
			continue
		}
		f.far[0][i], f.far[1][i], f.far[2][i] = longTaylor(i)
	}
	return f
}

// tpPhase returns the filter that interpolates at fraction frac (0 < frac < 1) of the way between window samples
// tpHalf-1 and tpHalf: tap i weighs window sample i, at distance i-(tpHalf-1)-frac from the point.
func tpPhase(frac float64) [tpTaps]float64 {
	var h [tpTaps]float64
	sum := 0.0
	for i := range h {
		t := float64(i-(tpHalf-1)) - frac
		r := t / tpHalf
		h[i] = sinc(t) * besselI0(tpBeta*math.Sqrt(1-r*r)) / besselI0(tpBeta)
		sum += h[i]
	}
	for i := range h {
		h[i] /= sum
	}
	return h
}

func sinc(t float64) float64 {
	if t == 0 {
		return 1
	}
	return math.Sin(math.Pi*t) / (math.Pi * t)
}

// besselI0 is the modified Bessel function of the first kind, order 0, by its power series.
func besselI0(x float64) float64 {
	s, term := 1.0, 1.0
	for k := 1.0; k < 100; k++ {
		term *= (x / (2 * k)) * (x / (2 * k))
		s += term
		if term < s*1e-17 {
			break
		}
	}
	return s
}

func sumAbs(h []float64) float64 {
	s := 0.0
	for _, v := range h {
		s += math.Abs(v)
	}
	return s
}

// truePeak is the running measurement of one channel. Its buffer holds the tpCarry samples before the current
// block, then the current block, which starts at w; when the next block does not fit, the carried samples move to
// the front. The detector and the refinement run tpD samples behind the newest sample, so that the refinement's
// window is complete: a block of n samples measures the n intervals between samples p and p+1 for
// p = w-tpD … w-tpD+n-1, and the intervals within tpD samples of the newest are measured with the next block (or
// by flush).
type truePeak struct {
	buf []float64
	w   int

	// ehf and elf are decaying sums of the squared third differences and third sums of the samples, one
	// position in four (the next ph positions past the last one taken), tpNyqAhead samples ahead of the
	// detector: see nyqTrack.
	ehf, elf float64
	ph       int
}

func newTruePeak(maxBlock int) truePeak {
	return truePeak{buf: make([]float64, tpCarry+4*max(maxBlock, tpFlush)), w: tpCarry}
}

// block returns where the caller writes the next block of n samples.
func (t *truePeak) block(n int) []float64 {
	if t.w+n > len(t.buf) {
		copy(t.buf, t.buf[t.w-tpCarry:t.w])
		t.w = tpCarry
	}
	return t.buf[t.w : t.w+n]
}

// pending returns the largest |x| of the samples received whose intervals are still to be measured (those at and
// after the first interval the next block measures).
func (t *truePeak) pending() float64 { return spanMax(t.buf[t.w-tpD : t.w]) }

// last returns the block of n samples process measured last.
func (t *truePeak) last(n int) []float64 { return t.buf[t.w-n : t.w] }

// process measures the n samples the caller wrote into block(n) and returns the larger of peak and the true peak
// found. peak is the maximum found so far (sample peaks included): stretches that cannot exceed it are skipped.
func (t *truePeak) process(f *tpFilter, n int, peak float64) float64 {
	// The detector's windows: window i interpolates between samples w-tpD+i and w-tpD+i+1.
	off := t.w - tpD - (tpHalf - 1)
	win := t.buf[off : off+n+tpHist]
	// Outputs s..s+tpSpan-1 read win[s : s+tpSpan+tpHist], within two consecutive spans, so the bound takes the
	// larger of the two spans' max|x|.
	next := spanMax(win[:min(tpSpan, len(win))])
	for s := 0; s < n; s += tpSpan {
		m := next
		next = spanMax(win[s+tpSpan : min(s+2*tpSpan, len(win))])
		w := max(m, next)
		e := min(s+tpSpan, n)
		t.nyqTrack(off+s+tpHalf-1+tpNyqAhead, e-s)
		// Where content near fs/2 dominates, the detector may read far more than tpMargin low (see
		// nyqTrack): there only the shortfall by hf bounds what it can miss.
		margin, k := f.margin, tpK
		if t.ehf > tpNyq*t.elf {
			margin, k = math.Inf(1), tpKNyq
		}
		if g := w * f.gain; g*margin <= peak || g*f.small <= peak*f.gainMin && (g*f.small+8*k*w <= peak*f.gainMin ||
			g*f.small+k*thirdMax(win[s+tpHalf-4:e+tpHalf+3]) <= peak*f.gainMin) {
			continue // no point can be marked: the detector's bound, raised by the largest shortfall fir4 allows
		}
		peak = t.fir4(f, off+s, e-s, peak, w, margin, k)
	}
	t.w += n
	return peak
}

// flush measures the intervals up to the last sample and the ringing after it, as though silence followed, and
// leaves silence carried. It returns the larger of peak and what it found.
func (t *truePeak) flush(f *tpFilter, peak float64) float64 {
	clear(t.block(tpFlush))
	return t.process(f, tpFlush, peak)
}

// spanMax returns max|x| of finite samples. A non-negative float64 orders as its bits do, so the maxima are
// taken on the bits: an integer compare and move, where max on floats is a chain of five instructions (it must
// order NaNs and signed zeros), four running maxima in parallel.
func spanMax(x []float64) float64 {
	const abs = 1<<63 - 1
	var m0, m1, m2, m3 uint64
	i := 0
	for ; i+3 < len(x); i += 4 {
		m0 = max(m0, math.Float64bits(x[i])&abs)
		m1 = max(m1, math.Float64bits(x[i+1])&abs)
		m2 = max(m2, math.Float64bits(x[i+2])&abs)
		m3 = max(m3, math.Float64bits(x[i+3])&abs)
	}
	for ; i < len(x); i++ {
		m0 = max(m0, math.Float64bits(x[i])&abs)
	}
	return math.Float64frombits(max(m0, m1, m2, m3))
}

// reset forgets the carried samples.
func (t *truePeak) reset() {
	t.w = tpCarry
	clear(t.buf[:tpCarry])
	t.ehf, t.elf, t.ph = 0, 0, 0
}

// nyqTrack adds the count positions from buffer index q0 to the decaying sums of squared third differences
// (x[q-1] - 3x[q] + 3x[q+1] - x[q+2], whose gain is (2·sin(πf))³) and third sums (x[q-1] + 3x[q] + 3x[q+1] +
// x[q+2], gain (2·cos(πf))³), one position in four. Their ratio tells content near fs/2 from the rest: a tone
// at f gives tan⁶(πf), above tpNyq from 0.36·fs on (63 000 at 0.45·fs), white noise 1, programme less.
//
// There the detector is blind in a way no local measure shows: the band-limited signal of a tone at 0.49·fs
// peaks between the samples wherever the samples themselves pass near zero (every 50 samples), and where the
// tone starts or stops it overshoots by up to 0.8 dB, at a point where the samples, their third differences and
// the detector read 10 to 14 dB below it. The sums run tpNyqAhead samples ahead of the detector and decay over
// about 512 samples, so that the edges of such a tone count as near fs/2 too.
func (t *truePeak) nyqTrack(q0, count int) {
	// The terms of one call are summed apart, and the running sums decay once per call: the decay is one
	// multiplication in a chain per call rather than two per term.
	var hs, ls float64
	q, end := q0+t.ph, q0+count
	terms := 0
	for ; q < end; q += 4 {
		x := (*[4]float64)(t.buf[q-1 : q+3])
		a, b := x[0]+x[3], x[1]+x[2]
		c, d := x[0]-x[3], x[1]-x[2]
		s3, d3 := a+3*b, c-3*d
		ls += s3 * s3
		hs += d3 * d3
		terms++
	}
	decay := nyqDecay[terms]
	t.ehf = t.ehf*decay + hs + tpNyqFloor
	t.elf = t.elf*decay + ls + tpNyqFloor
	t.ph = q - end
}

// nyqDecay[k] is tpNyqDecay to the power k: the decay over k terms, at most tpSpan/4 rounded up in one call.
var nyqDecay = func() (d [(tpSpan+3)/4 + 1]float64) {
	for k := range d {
		d[k] = math.Pow(tpNyqDecay, float64(k))
	}
	return d
}()

// refine returns the largest |x(t)| of the band-limited signal between buffer samples p and p+1, by the long
// filter: on a grid of eighths of a sample, then at the vertex of the parabola through the best grid point and
// its neighbours.
//
// The taps beyond the nearest tpNear on each side change slowly with the position u between the samples (their
// distance is at least 64 samples), so their share is a quadratic in u around ½, exact to about 1e-9 of it: three
// dot products per interval instead of one per point.
func (t *truePeak) refine(f *tpFilter, p int) float64 {
	x := t.buf[p-(tpD-1) : p+tpD+1]
	xn := x[tpD-tpNear : tpD+tpNear]
	var a0, a1, a2 float64
	for _, part := range [2][2]int{{0, tpD - tpNear}, {tpD + tpNear, 2 * tpD}} {
		lo, hi := part[0], part[1]
		b0, b1, b2 := dot2x3(f.far[0][lo:hi], f.far[1][lo:hi], f.far[2][lo:hi], x[lo:hi])
		a0, a1, a2 = a0+b0, a1+b1, a2+b2
	}
	far := func(u float64) float64 { e := u - 0.5; return math.Sin(math.Pi*u) / math.Pi * (a0 + e*(a1+e*a2)) }

	var v [tpGrid + 1]float64
	v[0], v[tpGrid] = x[tpD-1], x[tpD]
	best := 0
	for k := 1; k < tpGrid; k++ {
		v[k] = dot4(f.near[k-1][:], xn) + far(float64(k)/tpGrid)
		if math.Abs(v[k]) > math.Abs(v[best]) {
			best = k
		}
	}
	if math.Abs(v[tpGrid]) > math.Abs(v[best]) {
		best = tpGrid
	}
	r := math.Abs(v[best])
	if best == 0 || best == tpGrid {
		return r // the sample: its neighbourhood belongs to the next interval's refinement if it is higher
	}
	a, b, c := v[best-1], v[best], v[best+1]
	if den := a - 2*b + c; den*b < 0 { // a maximum of |v|: curvature against the sign of the value
		u := (float64(best) + 0.5*(a-c)/den) / tpGrid // within 1/16 of best, since b is the largest of the three
		s := 0.0
		for i, xi := range xn {
			s += xi * longTap(i+tpD-tpNear, u)
		}
		r = max(r, math.Abs(math.Sin(math.Pi*u)/math.Pi*s+far(u)))
	}
	return r
}

// dot4 is a dot product in four chains; len(h) is a multiple of 4 and len(x) >= len(h).
func dot4(h, x []float64) float64 {
	x = x[:len(h)]
	var s0, s1, s2, s3 float64
	for k := 0; k+3 < len(h); k += 4 {
		s0 += h[k] * x[k]
		s1 += h[k+1] * x[k+1]
		s2 += h[k+2] * x[k+2]
		s3 += h[k+3] * x[k+3]
	}
	return (s0 + s1) + (s2 + s3)
}

// dot2x3 returns the dot products of x with g0, g1 and g2 (each at least as long as x, len(x) even) in one pass
// over x, each in two chains: x is loaded once for three products (4 loads per 6 multiplications instead of 6), and
// two chains per product keep the six sums and two samples in registers. A third faster than three dot4 calls.
func dot2x3(g0, g1, g2, x []float64) (float64, float64, float64) {
	g0, g1, g2 = g0[:len(x)], g1[:len(x)], g2[:len(x)]
	var p0, p1, q0, q1, r0, r1 float64
	for k := 0; k+1 < len(x); k += 2 {
		x0, x1 := x[k], x[k+1]
		p0 += g0[k] * x0
		p1 += g0[k+1] * x1
		q0 += g1[k] * x0
		q1 += g1[k+1] * x1
		r0 += g2[k] * x0
		r1 += g2[k+1] * x1
	}
	return p0 + p1, q0 + q1, r0 + r1
}

// The long filter is the sinc under the Welch window 1-(d/tpD)² at distance d from the point, over 2·tpD taps.
// A window that tapers less keeps more of the sinc's slow 1/d tail, on which the peaks of content near fs/2
// depend: against (1-(d/tpD)²)², the largest error on the generated set falls from 0.052 to 0.048 dB, on
// differentiated white noise from +0.089 to +0.079 dB (48 seeds), on a tone at 0.499·fs cut abruptly from
// -0.17 to -0.14 dB. Its response to a steady tone stays at or under 1 up to fs/2 (0.02 dB under at
// 0.499·fs), where that window's rose 0.03 dB above.
// With sin(π(u-j)) = (-1)^j·sin(πu), tap k (at offset j = k-(tpD-1) from x[tpD-1]) is (-1)^j·g(u-j) times
// the factor sin(πu)/π that all taps share, where g(d) = (1-(d/tpD)²)/d = 1/d - d/tpD².

// longTap returns (-1)^j·g(u-j) for tap k.
func longTap(k int, u float64) float64 {
	j := k - (tpD - 1)
	d := u - float64(j)
	r := d / tpD
	w := 1 - r*r
	if j&1 != 0 {
		w = -w
	}
	return w / d
}

// longTaylor returns tap k's (-1)^j·g(u-j) as the coefficients of its Taylor series in u around ½: the value,
// the first derivative and half the second.
func longTaylor(k int) (c0, c1, c2 float64) {
	j := k - (tpD - 1)
	d := 0.5 - float64(j)
	const d2 = float64(tpD) * tpD
	c0 = 1/d - d/d2
	c1 = -1/(d*d) - 1/d2
	c2 = 1 / (d * d * d)
	if j&1 != 0 {
		c0, c1, c2 = -c0, -c1, -c2
	}
	return c0, c1, c2
}

// longAt evaluates the long filter, every tap exactly, at fraction u of the way from x[tpD-1] to x[tpD].
func longAt(x []float64, u float64) float64 {
	s := 0.0
	for k := range 2 * tpD {
		s += x[k] * longTap(k, u)
	}
	return math.Sin(math.Pi*u) / math.Pi * s
}

// fir4 returns the larger of peak and the true peak of the count intervals whose detector windows start at
// buffer index s0. Every |x| in those windows is at most wmax. The detector is the ¼, ½ and ¾ phases of the short
// filter; an interval where any of them, raised by the margin, beats peak is refined with the long filter, and
// only refined values (and samples) ever raise peak. Before the whole short filter, each point is bounded by its
// four central taps exactly and the rest by their Σ|taps|·wmax; a point whose bound cannot beat peak is skipped.
func (t *truePeak) fir4(f *tpFilter, s0, count int, peak, wmax, m, k float64) float64 {
	h, cs, cd := &f.half, &f.sum, &f.diff
	// Compare 2|y|·m with lim2 = 2·peak: |S|+|D| = 2·max(|y¼|, |y¾|) saves a multiplication per point.
	lim2, th2, tq2 := 2*peak/m, 2*f.tailH*wmax, 2*f.tailQ*wmax
	w := t.buf[s0 : s0+count+tpHist]
	for i := 0; i+tpTaps <= len(w); i++ {
		x := (*[tpTaps]float64)(w[i : i+tpTaps])
		u8, v8 := x[8]+x[11], x[8]-x[11]
		u9, v9 := x[9]+x[10], x[9]-x[10]
		yc := h[9]*u9 + h[8]*u8
		sc := cs[9]*u9 + cs[8]*u8
		dc := cd[9]*v9 + cd[8]*v8
		if 2*math.Abs(yc)+th2 <= lim2 && math.Abs(sc)+math.Abs(dc)+tq2 <= lim2 {
			continue
		}
		u0, v0 := x[0]+x[19], x[0]-x[19]
		u1, v1 := x[1]+x[18], x[1]-x[18]
		u2, v2 := x[2]+x[17], x[2]-x[17]
		u3, v3 := x[3]+x[16], x[3]-x[16]
		u4, v4 := x[4]+x[15], x[4]-x[15]
		u5, v5 := x[5]+x[14], x[5]-x[14]
		u6, v6 := x[6]+x[13], x[6]-x[13]
		u7, v7 := x[7]+x[12], x[7]-x[12]
		// Three short chains per sum. Not math.FMA: unless built with GOAMD64=v3, every call tests the CPU and
		// keeps a fallback that spills registers, which costs twice what fusing saves.
		y := yc + (h[7]*u7 + h[6]*u6 + h[5]*u5) + (h[4]*u4 + h[3]*u3 + h[2]*u2) + (h[1]*u1 + h[0]*u0)
		s := sc + (cs[7]*u7 + cs[6]*u6 + cs[5]*u5) + (cs[4]*u4 + cs[3]*u3 + cs[2]*u2) + (cs[1]*u1 + cs[0]*u0)
		d := dc + (cd[7]*v7 + cd[6]*v6 + cd[5]*v5) + (cd[4]*v4 + cd[3]*v3 + cd[2]*v2) + (cd[1]*v1 + cd[0]*v0)
		a := math.Abs(s) + math.Abs(d)
		b := 2 * math.Abs(y)
		if a > b {
			b = a
		}
		if b > lim2 && b*f.small+2*k*hf(x) > 2*peak*f.gainMin {
			if r := t.refine(f, s0+i+tpHalf-1); r > peak {
				peak = r
				lim2 = 2 * peak / m
			}
		}
	}
	return peak
}

// thirdMax returns the largest |third difference| in x: the largest hf of the windows whose centres it spans. Its
// maxima are taken on the bits, in two running maxima, as spanMax's are (a third difference of finite samples is
// finite).
func thirdMax(x []float64) float64 {
	const abs = 1<<63 - 1
	var e0, e1 uint64
	i := 0
	for ; i+4 < len(x); i += 2 {
		w := (*[5]float64)(x[i : i+5])
		e0 = max(e0, math.Float64bits(w[0]-3*w[1]+3*w[2]-w[3])&abs)
		e1 = max(e1, math.Float64bits(w[1]-3*w[2]+3*w[3]-w[4])&abs)
	}
	for ; i+3 < len(x); i++ {
		e0 = max(e0, math.Float64bits(x[i]-3*x[i+1]+3*x[i+2]-x[i+3])&abs)
	}
	return math.Float64frombits(max(e0, e1))
}

// hf returns the largest |third difference| of the samples around the centre of the detector's window x: a
// measure of the signal's content near fs/2 (the third difference has a gain of (2·sin(πf))³: 8 at fs/2, 0.24 at
// 0.1·fs, 0.002 at 0.02·fs), which is what the detector reads low.
func hf(x *[tpTaps]float64) float64 {
	e := 0.0
	for i := tpHalf - 3; i <= tpHalf+1; i++ {
		e = max(e, math.Abs(x[i-1]-3*x[i]+3*x[i+1]-x[i+2]))
	}
	return e
}
