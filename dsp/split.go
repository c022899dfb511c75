package dsp

import (
	"errors"
	"fmt"
	"slices"
)

// Measuring one long input in parts, at once (on several cores).
//
// A Meter for a part that does not start at the beginning is first primed on the input just before the part
// (Prime): that settles its filters without counting anything. The part's meter then measures the part, and the
// meters of consecutive parts are merged in order (Merge). The result is what one meter fed the whole input would
// report, exactly, when the parts are cut as PrimeFrames says:
//
//   - Loudness: a part's 100 ms sub-blocks are those of the whole input when its priming starts on a sub-block
//     boundary counted from the start of the input. After PrimeFrames of priming the K-weighting filters carry the
//     state the whole input's meter carries, to the last bit (their memory decays within 0.2 s, and the rounding
//     of their state every 100 ms, see kstate.flush, removes what float64 arithmetic would leave at the last
//     bits), so the sub-block energies are the same, and so are the momentary and short-term windows that end
//     inside the part, which are all it counts: the gating blocks, the loudness-range values and the maxima. The
//     merge adds the gating histograms bin by bin and appends the stored gated blocks in order, as Album does, so
//     integrated loudness and loudness range read the whole input's to the last bit or within a few units of the
//     last place (the histograms' energy sums are added in another order).
//   - Sample statistics: each part counts its own frames; peaks merge by their maximum, counts by their sum, and
//     the compensated sums of the RMS, DC offset and correlation are added, to within a few units of the last
//     place of the whole input's.
//   - True peak: the interpolator reads the samples themselves (no filter state to settle), the 2·2048 samples
//     around each interval, so priming on at least that many gives each interval the same value. Which intervals
//     are measured with the long filter depends on the maximum found so far since the last Interval (see
//     truepeak.go); a part's meter starts with none. So a part is the whole input's to the last bit when the whole
//     input's meter also starts an Interval where the part starts (and at the same places within the part): a
//     caller that cuts a long input at fixed positions calls Interval at all of them in both cases.
//   - The current values (momentary, short-term, display) are those of the last part, as a single meter's are
//     those of the end of the input.
//
// Sliding windows (Config.Windows) are not merged: Merge refuses meters that have them.

// PrimeFrames is how many frames of input a part's meter is primed on, at the sample rate rate, so that it
// measures as a meter fed the input from its start: 5 seconds, enough for the 3 s short-term window, the
// K-weighting filters' memory, and the true-peak interpolator's 2048 samples. A part that starts less than
// PrimeFrames into the input is primed on everything before it.
func PrimeFrames(rate int) int { return 5 * rate }

// ErrMerge is the error Merge wraps when two meters cannot be merged.
var ErrMerge = errors.New("dsp: meters cannot be merged")

// Prime feeds p, interleaved as for Process, to a meter that is to measure a part of a longer input, as the input
// just before the part: the filters, the loudness windows and the true-peak interpolator's history settle on it,
// and nothing of it is counted (no frames, peaks, sums, gating blocks, loudness-range values or maxima). Call it
// before any Process, on the PrimeFrames(rate) frames before the part (fewer when the part starts closer to the
// beginning; then all of them), starting on a 100 ms boundary counted from the start of the input; several
// calls continue one another. A window that ends in the part counts even though it started in the priming, as it
// would in a meter fed the whole input. It allocates nothing.
func (m *Meter) Prime(p []float32) {
	m.Process(p)
	m.closed, m.cur = span{}, span{}
	m.seedTruePeak() // as an Interval here would
	// A tick in progress keeps its place in time, not its sums.
	pt := &m.part
	pt.frames, pt.lr = 0, 0
	for c := range m.channels {
		pt.ch[c] = chanPart{}
	}
	m.loud.forget()
}

// Merge adds to m what next measured: next must have been primed (Prime) on the input that m measured last and
// have measured the input that follows it, so that m's input ends on a 100 ms boundary (counted from the start of
// m's input). Afterwards m is the meter that measured both, one after the other: Levels reports the whole, as one
// meter fed all of it would (see above for how exactly), and m can go on to merge the next part or, as next
// would, measure more input. next is left as it was. The meters must have the same configuration and no sliding
// windows; the error (ErrMerge) says what is wrong.
func (m *Meter) Merge(next *Meter) error {
	switch {
	case m == next:
		return fmt.Errorf("%w: a meter merged with itself", ErrMerge)
	case m.cfg.SampleRate != next.cfg.SampleRate || m.channels != next.channels:
		return fmt.Errorf("%w: %d Hz, %d channels and %d Hz, %d channels", ErrMerge, m.cfg.SampleRate, m.channels,
			next.cfg.SampleRate, next.channels)
	case !slices.Equal(m.cfg.Weights, next.cfg.Weights):
		return fmt.Errorf("%w: the channel weights differ", ErrMerge)
	case m.loud.win != nil || next.loud.win != nil:
		return fmt.Errorf("%w: sliding windows (Config.Windows) are not merged", ErrMerge)
	case m.loud.pos != 0:
		return fmt.Errorf("%w: the first ends %d frames into a 100 ms sub-block", ErrMerge, m.loud.pos)
	}
	m.closed.merge(&m.cur, m.channels)
	m.closed.addPart(&m.part, m.channels)
	m.closed.merge(&next.closed, m.channels)
	m.cur, m.part, m.tickPos = next.cur, next.part, next.tickPos
	for c := range m.channels {
		a, b := &m.tp[c], &next.tp[c]
		copy(a.buf, b.buf)
		a.w = b.w
	}
	m.disp = next.disp
	m.loud.merge(next.loud)
	return nil
}

// forget drops what was counted (gating blocks, loudness-range values, maxima) but keeps the filters, the
// windows and the count of sub-blocks, after priming.
func (l *LoudnessMeter) forget() {
	l.clearCounted()
	l.primed = l.nsub
}

// merge adds what next counted to l and takes next's current state, as though l had measured next's part.
func (l *LoudnessMeter) merge(next *LoudnessMeter) {
	l.gating.merge(next.gating)
	l.rng.merge(next.rng)
	l.blocks.addAll(next.blocks)
	l.momentaryMax = max(l.momentaryMax, next.momentaryMax)
	l.shortTermMax = max(l.shortTermMax, next.shortTermMax)
	l.state, l.acc, l.pos = next.state, next.acc, next.pos
	l.ring, l.head = next.ring, next.head
	l.momentary, l.shortTerm = next.momentary, next.shortTerm
	l.nsub += next.nsub - next.primed
	l.dirty = true
}
