package dsp

import (
	"fmt"
	"math"
)

// The BS.1770 gates and the EBU Tech 3342 parameters.
const (
	absoluteGate = -70.0 // LUFS: blocks (and short-term values) below it are ignored
	relativeGate = -10.0 // LU below the absolute-gated loudness, for integrated loudness
	rangeGate    = -20.0 // LU below the absolute-gated short-term loudness, for loudness range
	rangeLow     = 0.10  // percentiles of the gated short-term distribution whose difference is the range
	rangeHigh    = 0.95

	momentaryBlocks = 4  // 100 ms sub-blocks in the momentary window (400 ms)
	shortTermBlocks = 30 // ... in the short-term window (3 s)
)

// absoluteGateEnergy is the weighted mean square at the absolute gate.
var absoluteGateEnergy = math.Pow(10, (absoluteGate+0.691)/10)

// LoudnessFloor is the meter's floor for momentary and short-term loudness (and their maxima), in LUFS: a window
// below it reads -Inf, as digital silence does. After the signal stops, the K-weighting filters' decaying tail
// keeps a window's energy above zero for seconds, reading -150, -244, -1900 LUFS and so on down to the smallest
// double; none of that is sound. -120 LUFS is 24 dB below the quietest 16-bit dither and where ffmpeg's ebur128
// bottoms out (-120.7); it is 50 LU below the absolute gate, so no gated value is ever affected. Logs, JSON,
// metrics and the web page all read the same -Inf for the same moment; those that need a finite number (a
// Prometheus gauge) write the floor.
const LoudnessFloor = -120.0

// floorEnergy is the weighted mean square at LoudnessFloor.
var floorEnergy = math.Pow(10, (LoudnessFloor+0.691)/10)

// reading converts a window's energy to the LUFS the meter reports: lufs, but -Inf below LoudnessFloor.
func reading(energy float64) float64 {
	if energy < floorEnergy {
		return math.Inf(-1)
	}
	return lufs(energy)
}

// lufs converts a weighted mean square to LUFS: -Inf for 0, NaN for NaN.
func lufs(energy float64) float64 { return -0.691 + 10*math.Log10(energy) }

// A LoudnessMeter measures ITU-R BS.1770-4 loudness (momentary, short-term and gated integrated loudness) and the
// EBU Tech 3342 loudness range of interleaved audio fed to it in blocks of any size.
//
// Guarantees: Process costs the same per sample whatever the block size, and allocates nothing but, once per
// 6.8 minutes of programme above the absolute gate, a 48 KiB chunk of the store that makes integrated loudness
// exact (see gating.go): memory grows to at most 10 MiB over the first 24 hours and stays fixed after (the
// histograms take a few hundred kilobytes from the start; sliding windows, SetWindows, take what windows.go
// says, all at once); the result does not depend on how the input is split
// into blocks, to the last bit.
//
// How it measures, exactly:
//   - Each channel is K-weighted (two biquads in float64, the bilinear transform of the BS.1770 analog prototype
//     as libebur128 computes it, which at 48 kHz is the BS.1770 table) and its squares are summed over 100 ms
//     sub-blocks of round(sampleRate/10) frames. A sub-block's energy is the weighted sum of its channels' sums;
//     channels of weight 0 are not filtered at all.
//   - At rates other than 48 kHz the filter is scaled by a constant so that its gain at 1 kHz is the 48 kHz
//     filter's: a 1 kHz tone reads the same at every rate (libebur128 and ffmpeg drift by up to 0.03 LU), and
//     every value differs from libebur128's by that constant: 0 at 48 kHz, -0.003 LU at 44.1 kHz, +0.016 and
//     +0.017 LU at 88.2 and 96 kHz, +0.026 and +0.027 LU at 176.4 and 192 kHz. From 44.1 kHz up the response is
//     the 48 kHz one within 0.02 dB up to fs/4; at 16 to 32 kHz within 0.15 dB; at 8 kHz, where the shelf is
//     close to Nyquist, within 0.45 dB.
//   - After every sub-block the momentary (the last 4 sub-blocks, 400 ms) and short-term (the last 30, 3 s)
//     energies are updated: loudness = -0.691 + 10·log10(weighted mean square). A window is reported only once it
//     is full: Momentary is -Inf for the first 400 ms and ShortTerm for the first 3 s (as ffmpeg does; libebur128
//     pads the start with silence instead, which reads low and never changes a maximum).
//   - Integrated loudness gates the 400 ms blocks that start every 100 ms (75 % overlap): blocks below -70 LUFS are
//     dropped, then blocks below the loudness of the remaining ones minus 10 LU.
//   - Loudness range takes a short-term value every 100 ms (the ≥ 10 Hz rate EBU Tech 3342 has required since
//     2016; ffmpeg does the same, libebur128 takes one a second), drops those below -70 LUFS, then those below their
//     loudness minus 20 LU, and returns the 95th minus the 10th percentile of the rest (the percentiles are the
//     values at ranks round((n-1)·p) of the n sorted values, as in libebur128).
//   - Both gates work on histograms of 0.01 LU bins from -70 to +30 LUFS (everything louder shares the top bin)
//     that also keep the sum of the energies in each bin, so that the sums above and below a bin are exact.
//     For integrated loudness the meter also keeps every gated block's energy (for the first 24 hours), listed
//     per bin: of the bin the relative gate falls in it counts exactly the blocks at or above the gate. So
//     integrated loudness is exact (it agrees with libebur128's exact lists to 1e-4 LU, also in the worst case
//     for a histogram, a third of the programme on each side of the gate inside one bin, where taking the bin
//     whole or not at all is off by 2.8 LU). After 24 hours, later blocks in the gate's bin are taken whole if
//     their mean is above the gate, which moves the result by at most 3.9·n/N dB for n such blocks of the N
//     that pass (the gate is at least 10 LU below their mean). For the range, percentiles are the mean of their bin: within 0.02 LU (two bins) of the exact
//     values, typically within 0.001 LU.
//   - A trailing partial sub-block is measured by the filters but enters no value until it is complete.
//
// A LoudnessMeter is not safe for concurrent use. The zero LoudnessMeter measures nothing; use NewLoudnessMeter.
type LoudnessMeter struct {
	channels int
	sub      int // frames per 100 ms sub-block

	k      kweight
	weight [MaxChannels]float64
	active [MaxChannels]int // the channels with a weight > 0, in order
	nact   int

	state [MaxChannels]kstate
	acc   [MaxChannels]float64 // sums of squares of the current sub-block, per channel
	pos   int                  // frames into the current sub-block

	ring   [shortTermBlocks]float64 // weighted sums of squares of the last sub-blocks
	head   int                      // where the next sub-block goes
	nsub   int64                    // sub-blocks completed since the start (or reset)
	since  int64                    // nsub when the since-start values last started over (ResetIntegrated)
	primed int64                    // of nsub, the sub-blocks of priming (Meter.Prime), not counted
	every  int64                    // a loudness-range value every this many sub-blocks (1; tests emulate libebur128 with 10)

	momentary, shortTerm       float64 // energies of the current windows
	momentaryMax, shortTermMax float64

	gating, rng *histogram
	blocks      *blockStore // the gated blocks' energies, for exact integrated loudness
	win         *windowBank // the sliding windows, nil for none (SetWindows)

	// cached results of the histogram walks, valid while !dirty
	dirty           bool
	integrated, lra float64
}

// NewLoudnessMeter returns a loudness meter for interleaved input of the given rate and channel count. weights
// holds one BS.1770 weight per channel; nil selects the weights of DefaultLayout(channels), ffmpeg's layout for
// the count: 1.0 each, but 0 for the LFE of 2.1, 5.1, 6.1 and 7.1, 1.41 for the surrounds of 5.0, 5.1, 6.1 and
// 7.1 (the side pair; 7.1's back pair weighs 1.0). A mono input is one channel of weight 1.0 (not dual-mono,
// which some tools assume, reading 3 dB higher). (libebur128 assumes L R C LFE Ls Rs whatever the count, and
// for 4 channels L R Ls Rs; pass weights to match.)
//
// sampleRate must be within MinSampleRate to MaxSampleRate, channels within 1 to MaxChannels, and explicit
// weights must be finite and not negative, one per channel. The error says which is not.
func NewLoudnessMeter(sampleRate, channels int, weights []float64) (*LoudnessMeter, error) {
	if err := checkRate(sampleRate); err != nil {
		return nil, err
	}
	if err := checkChannels(channels); err != nil {
		return nil, err
	}
	l := &LoudnessMeter{
		channels: channels,
		sub:      (sampleRate + 5) / 10,
		k:        newKWeight(sampleRate),
		every:    1,
		gating:   new(histogram),
		rng:      new(histogram),
		blocks:   newBlockStore(),
	}
	if weights == nil {
		weights = StandardWeights(channels)
	}
	if len(weights) != channels {
		return nil, fmt.Errorf("dsp: loudness: weights has %d entries for %d channels: want one per channel, or nil for the standard weights",
			len(weights), channels)
	}
	for c, w := range weights {
		if !(w >= 0 && w <= math.MaxFloat64) {
			return nil, fmt.Errorf("dsp: loudness: weights[%d] is %v: want a finite weight >= 0", c, w)
		}
		l.weight[c] = w
		if w > 0 {
			l.active[l.nact] = c
			l.nact++
		}
	}
	l.Reset()
	return l, nil
}

// StandardWeights returns the BS.1770 channel weights NewLoudnessMeter uses for channels channels when given
// none: DefaultLayout(channels).Weights().
func StandardWeights(channels int) []float64 {
	if channels < 0 {
		return nil
	}
	return DefaultLayout(channels).Weights()
}

// Process measures the interleaved samples in p: len(p)/channels frames; a trailing partial frame is ignored. It
// allocates nothing but the block store's chunks (see above). The samples should be finite (Meter makes them
// so): a NaN or ±Inf spoils the 100 ms sub-block it falls in, and with it the windows that contain that
// sub-block (NaN or +Inf values for 400 ms, respectively 3 s), which are kept out of the maxima, the integrated
// loudness and the range; then the filters restart from silence and the meter measures normally again. Nothing
// panics, whatever the input.
func (l *LoudnessMeter) Process(p []float32) {
	ch := l.channels
	if ch == 0 {
		return
	}
	frames := len(p) / ch
	p = p[:frames*ch]
	for frames > 0 {
		n := l.sub - l.pos
		if n > frames {
			n = frames
		}
		l.filter(p[:n*ch])
		p = p[n*ch:]
		frames -= n
		l.pos += n
		if l.pos == l.sub {
			l.endSubBlock()
		}
	}
}

// filter runs the K-weighting filters over whole frames q, adding the squares to the sub-block sums.
func (l *LoudnessMeter) filter(q []float32) {
	ch := l.channels
	i := 0
	for ; i+1 < l.nact; i += 2 {
		a, b := l.active[i], l.active[i+1]
		if b == a+1 {
			l.acc[a], l.acc[b] = l.k.run2(q[a:], ch, &l.state[a], &l.state[b], l.acc[a], l.acc[b])
		} else {
			l.acc[a] = l.k.run1(q[a:], ch, &l.state[a], l.acc[a])
			l.acc[b] = l.k.run1(q[b:], ch, &l.state[b], l.acc[b])
		}
	}
	if i < l.nact {
		a := l.active[i]
		l.acc[a] = l.k.run1(q[a:], ch, &l.state[a], l.acc[a])
	}
}

// endSubBlock closes a 100 ms sub-block: it updates the windows and feeds the gating histograms.
func (l *LoudnessMeter) endSubBlock() {
	e := 0.0
	for i := 0; i < l.nact; i++ {
		c := l.active[i]
		e += l.weight[c] * l.acc[c]
		l.acc[c] = 0
		l.state[c].flush()
	}
	l.pos = 0
	if l.win != nil {
		l.win.push(e)
	}
	l.ring[l.head] = e
	l.head++
	if l.head == len(l.ring) {
		l.head = 0
	}
	l.nsub++

	// Sum the windows afresh each time rather than keep running sums: 30 additions every 100 ms cost nothing,
	// and nothing can drift or stay spoilt by a NaN that has left the window.
	// The since-start values take the windows that lie wholly after the last reset (ResetIntegrated).
	if l.nsub >= momentaryBlocks {
		l.momentary = l.window(momentaryBlocks)
		if l.nsub-l.since >= momentaryBlocks {
			if l.momentary > l.momentaryMax && l.momentary <= math.MaxFloat64 {
				l.momentaryMax = l.momentary
			}
			if k, ok := l.gating.add(l.momentary); ok {
				l.blocks.add(k, l.momentary)
			}
		}
		l.dirty = true
	}
	if l.nsub >= shortTermBlocks {
		l.shortTerm = l.window(shortTermBlocks)
		if l.nsub-l.since < shortTermBlocks {
			return
		}
		if l.shortTerm > l.shortTermMax && l.shortTerm <= math.MaxFloat64 {
			l.shortTermMax = l.shortTerm
		}
		if (l.nsub-l.since-shortTermBlocks)%l.every == 0 {
			l.rng.add(l.shortTerm)
			l.dirty = true
		}
	}
}

// window returns the weighted mean square of the last n sub-blocks.
func (l *LoudnessMeter) window(n int) float64 {
	sum := 0.0
	j := l.head
	for range n {
		j--
		if j < 0 {
			j = len(l.ring) - 1
		}
		sum += l.ring[j]
	}
	return sum / float64(n*l.sub)
}

// Loudness returns the current values: Momentary and ShortTerm are those of the last complete window (-Inf until
// the first 400 ms, respectively 3 s, have been measured, and below LoudnessFloor, digital silence included); the maxima are the loudest
// complete windows since the start; Integrated is -Inf until a 400 ms block has passed the gates; Range is 0 until
// 3 s windows have (and for a steady signal). It costs a microsecond or two after new sub-blocks and nothing otherwise; it allocates
// nothing.
func (l *LoudnessMeter) Loudness() Loudness {
	inf := math.Inf(-1)
	v := Loudness{Momentary: inf, ShortTerm: inf, MomentaryMax: inf, ShortTermMax: inf, Integrated: inf}
	if l.channels == 0 {
		return v
	}
	if l.dirty {
		l.integrated = l.gating.exactGated(l.blocks, relativeGate)
		l.lra = l.rng.spread(rangeGate, rangeLow, rangeHigh)
		l.dirty = false
	}
	if l.nsub >= momentaryBlocks {
		v.Momentary = reading(l.momentary)
		v.MomentaryMax = reading(l.momentaryMax)
	}
	if l.nsub >= shortTermBlocks {
		v.ShortTerm = reading(l.shortTerm)
		v.ShortTermMax = reading(l.shortTermMax)
	}
	v.Integrated = l.integrated
	v.Range = l.lra
	if l.win != nil {
		v.Windows = l.win.values()
	}
	return v
}

// Reset forgets everything measured: the meter is as new, with the same rate, channels and weights.
func (l *LoudnessMeter) Reset() {
	if l.channels == 0 {
		return
	}
	l.state = [MaxChannels]kstate{}
	l.acc = [MaxChannels]float64{}
	l.pos = 0
	l.ring = [shortTermBlocks]float64{}
	l.head = 0
	l.nsub, l.since, l.primed = 0, 0, 0
	l.momentary, l.shortTerm, l.momentaryMax, l.shortTermMax = 0, 0, 0, 0
	l.gating.reset()
	l.blocks.reset()
	l.rng.reset()
	l.integrated, l.lra = math.Inf(-1), 0
	l.dirty = false
	if l.win != nil {
		l.win.reset()
	}
}

// The histograms span -70 to +30 LUFS in 0.01 LU bins, the resolution of ffmpeg's (libebur128's optional
// histogram mode uses 0.1 LU). Everything louder than +30 LUFS (possible only with float input far above full
// scale) shares the top bin. Bins are grouped by the LU, and the groups keep their totals, so that a query walks
// at most a group's bins and the groups (a few hundred steps) rather than all 10 000 bins: Loudness stays cheap
// even when it is called after every 100 ms of a file analysed at a thousand times real time.
const (
	histLow    = absoluteGate // LUFS, the bottom edge of bin 0
	histRes    = 100          // bins per LU
	histBins   = 100 * histRes
	histGroup  = histRes // bins per group
	histGroups = histBins / histGroup
)

// A histogram counts gated values (energies at or above the absolute gate) in fixed bins and keeps the sum of
// the energies in each, so that mean energies over whole bins are exact.
type histogram struct {
	n  [histBins]int64
	e  [histBins]float64
	gn [histGroups]int64 // totals per group of histGroup bins
	ge [histGroups]float64
}

func (h *histogram) reset() { *h = histogram{} }

// add counts the energy e if it is at or above the absolute gate and finite, and returns its bin and whether it
// counted.
func (h *histogram) add(e float64) (int, bool) {
	if !(e >= absoluteGateEnergy && e <= math.MaxFloat64) {
		return 0, false
	}
	k := bin(e)
	h.n[k]++
	h.e[k] += e
	h.gn[k/histGroup]++
	h.ge[k/histGroup] += e
	return k, true
}

// bin returns the bin an energy falls in, clamped to the histogram.
func bin(e float64) int {
	l := (lufs(e) - histLow) * histRes
	switch {
	case !(l >= 0): // also -Inf and NaN
		return 0
	case l >= histBins:
		return histBins - 1
	}
	return int(l)
}

// from returns the count and energy sum of the values in bin first and above.
func (h *histogram) from(first int) (n int64, sum float64) {
	if first < 0 || first >= histBins {
		return 0, 0
	}
	g := first / histGroup
	for k := first; k < (g+1)*histGroup; k++ {
		n += h.n[k]
		sum += h.e[k]
	}
	for g++; g < histGroups; g++ {
		n += h.gn[g]
		sum += h.ge[g]
	}
	return n, sum
}

// above returns the first bin at or above the relative gate gate (in LU below the mean of everything counted)
// and the count and energy sum of the values from there up. The bin the gate falls in is taken whole if its
// mean energy reaches the gate, and left out otherwise.
func (h *histogram) above(gate float64) (first int, n int64, sum float64) {
	n, sum = h.from(0)
	if n == 0 {
		return histBins, 0, 0
	}
	threshold := sum / float64(n) * math.Pow(10, gate/10)
	first = bin(threshold)
	if h.n[first] > 0 && h.e[first]/float64(h.n[first]) < threshold {
		first++ // cannot pass the top bin: it holds the loudest value, which is above the mean
	}
	n, sum = h.from(first)
	return first, n, sum
}

// gated returns the loudness of the values that pass the relative gate, -Inf if none do.
func (h *histogram) gated(gate float64) float64 {
	_, n, sum := h.above(gate)
	if n == 0 {
		return math.Inf(-1)
	}
	return lufs(sum / float64(n))
}

// spread returns the difference in LU between the high and low percentiles of the values that pass the
// relative gate, 0 if none do.
func (h *histogram) spread(gate, low, high float64) float64 {
	first, n, _ := h.above(gate)
	if n == 0 {
		return 0
	}
	lo := h.rank(first, int64(float64(n-1)*low+0.5))
	hi := h.rank(first, int64(float64(n-1)*high+0.5))
	return hi - lo
}

// rank returns the loudness of the value at rank r (from 0) counting from bin first: the mean of its bin.
func (h *histogram) rank(first int, r int64) float64 {
	var seen int64
	k := first
	// the rest of first's group bin by bin, then whole groups until the one holding rank r, then its bins
	for ; k < min((first/histGroup+1)*histGroup, histBins); k++ {
		if seen+h.n[k] > r {
			return lufs(h.e[k] / float64(h.n[k]))
		}
		seen += h.n[k]
	}
	for ; k < histBins && seen+h.gn[k/histGroup] <= r; k += histGroup {
		seen += h.gn[k/histGroup]
	}
	for ; k < histBins; k++ {
		if seen+h.n[k] > r {
			return lufs(h.e[k] / float64(h.n[k]))
		}
		seen += h.n[k]
	}
	return math.NaN() // unreachable: r < the count from first
}
