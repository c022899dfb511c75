package dsp

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// Sliding windows: integrated loudness and loudness range over the last Span of programme.
//
// Since-start values stop meaning much after hours of a 24/7 feed; a sliding window says what the programme did in
// the last minute, hour or day. A window of span S holds the last S/100ms of the 400 ms gating blocks (one every
// 100 ms) and as many 3 s short-term values (one every 100 ms): the blocks and short-term windows that ended within
// the last S. Each value is computed from those exactly as the since-start value is from all of them: BS.1770's
// absolute (-70 LUFS) and relative (-10 LU) gates for Integrated, EBU Tech 3342's gates (-70 LUFS, -20 LU) and the
// 95th minus the 10th percentile for Range. Until S has passed since the start, a window holds everything since the
// start.
//
// How, with bounded memory and O(1) work per block:
//   - The meter keeps one ring of the last sub-block energies (float32, one per 100 ms) long enough for the longest
//     window plus 3 s, shared by all windows. When a block or short-term value leaves a window it is recomputed
//     from that ring, in the same order and precision as when it entered, so it leaves exactly as it came.
//   - Each window keeps two histograms (gating blocks and short-term values) in the 0.01 LU bins of the
//     since-start ones, with add and remove. An energy is stored quantised to its 1 LU group's lower edge:
//     m = round(energy/edge · 2^26), so bins and groups keep integer sums that add and subtract exactly, forever:
//     nothing drifts however long the meter runs. The quantisation moves an energy by at most 2^-27 of itself
//     (3.3e-8 dB).
//   - Integrated loudness is exact in the relative gate's bin too, as in gating.go, for windows up to 1 hour: the
//     gating blocks of the last hour are linked per bin, oldest to newest (an int32 per 100 ms, for the last hour
//     at most; per window, the oldest block of each bin), and a query walks the gate bin's blocks. So such a
//     window's Integrated equals a brute-force gating of its blocks to within 1e-6 LU (tested, largest seen
//     2e-7), and equals the since-start value while the window covers the whole programme. A longer window walks
//     the gate bin's blocks of the last hour and takes its older ones whole if their mean reaches the gate, and
//     leaves them out otherwise, as the since-start value does after 24 hours: being n of the N blocks that pass,
//     each within a bin's width of the gate, they move the result by at most 3.9·n/N dB (see gating.go); on real
//     programme n is a handful of N in the hundreds of thousands, so within 0.001 LU. That halves a 24 h window's
//     memory, which matters with tens of sources.
//   - Range takes the bin of the relative gate whole or not at all and reads each percentile as the mean of its
//     bin, as the since-start range does: within 0.02 LU of the exact value, typically 0.001 LU.
//   - Energies above +30 LUFS (only float input far beyond full scale) count as +30 LUFS in windows; a sub-block
//     whose energy exceeds float32 (samples beyond 1e17) keeps its blocks out of the windows.
//
// Memory per meter, all allocated when the windows are set (Process allocates nothing for them): 4 bytes per
// 100 ms of the longest window plus 4 bytes per 100 ms of it up to an hour (24 h: 3.6 MB; 1 h: 288 KB; 10 min:
// 48 KB), 120 KB for the bins' newest and oldest linked blocks, and 283 KB per window (two histograms and the
// oldest block per bin). So 1 min, 10 min, 1 h and 24 h take 4.9 MB per source; without the day, 1.3 MB.
// Work: per 100 ms, per window, two histogram adds and two removes with a log10 each; per query, a few hundred
// bin and group steps per window, plus the blocks in the gate's 0.01 LU bin (a handful on real programmes; a
// contrived programme with half its blocks in that one bin makes a query walk them all, up to an hour's).

// Window limits.
const (
	MaxWindows    = 4                      // windows per meter
	MinWindowSpan = time.Second            // the shortest window
	MaxWindowSpan = 24 * time.Hour         // the longest window
	WindowStep    = 100 * time.Millisecond // a span is a multiple of it: the blocks' step
)

// ErrWindows is the error NewMeter and LoudnessMeter.SetWindows wrap when a window span is not supported.
var ErrWindows = errors.New("loudness window not supported")

// WindowLoudness holds the loudness of one sliding window: Integrated in LUFS (-Inf when no block in the window
// passes the absolute gate: silence) and Range in LU (0 when there is nothing to measure). An entry with Span 0 is
// unused.
type WindowLoudness struct {
	Span       time.Duration
	Integrated float64
	Range      float64
}

// SpanLabel returns a window span as people write it and as a metric label carries it: "1m", "10m", "1h", "24h",
// "1h30m", "2.5s" (time.Duration's String without its trailing zero units).
func SpanLabel(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2] // "24h0m0s" -> "24h0m"
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2] // "24h0m" -> "24h"
	}
	return s
}

// checkWindows returns an error naming the first unsupported span.
func checkWindows(spans []time.Duration) error {
	if len(spans) > MaxWindows {
		return fmt.Errorf("%w: %d windows given, at most %d", ErrWindows, len(spans), MaxWindows)
	}
	for i, s := range spans {
		if s < MinWindowSpan || s > MaxWindowSpan || s%WindowStep != 0 {
			return fmt.Errorf("%w: window %d is %v; want a multiple of %v from %v to %v", ErrWindows, i, s,
				WindowStep, MinWindowSpan, MaxWindowSpan)
		}
		for _, t := range spans[:i] {
			if t == s {
				return fmt.Errorf("%w: window %d repeats %v", ErrWindows, i, s)
			}
		}
	}
	return nil
}

// Quantised energies. A code holds a gated energy's bin (14 bits) and m - binEdge[bin%histGroup] (18 bits),
// where m = round(energy/groupBase[bin/histGroup] · 2^wqBits) is in [2^wqBits, wqTop).
const (
	wqBits    = 26
	wqOne     = 1 << wqBits
	wqOffBits = 18
	wqOffMask = 1<<wqOffBits - 1
	wqNone    = ^uint32(0) // not gated: below the absolute gate, or not finite
)

var (
	groupBase [histGroups]float64  // the energy at the lower edge of each 1 LU group
	binEdge   [histGroup + 1]int64 // the smallest m of each bin of a group; binEdge[histGroup] is wqTop
	wqTop     int64
)

func init() {
	for g := range groupBase {
		groupBase[g] = math.Pow(10, (histLow+float64(g)+0.691)/10)
	}
	for j := range binEdge {
		binEdge[j] = int64(math.Ceil(math.Pow(10, float64(j)/(10*histRes)) * wqOne))
	}
	wqTop = binEdge[histGroup]
}

// quant returns m for energy e in group g, clamped to the group.
func quant(e float64, g int) int64 {
	m := int64(math.Round(e / groupBase[g] * wqOne))
	return min(max(m, wqOne), wqTop-1)
}

// encode returns the code of energy e, wqNone if it is below the absolute gate or not finite.
func encode(e float64) uint32 {
	if !(e >= absoluteGateEnergy && e <= math.MaxFloat64) {
		return wqNone
	}
	l := (lufs(e) - histLow) * histRes
	k := min(max(int(l), 0), histBins-1)
	g := k / histGroup
	m := quant(e, g)
	j := k % histGroup
	for j > 0 && m < binEdge[j] {
		j--
	}
	for j < histGroup-1 && m >= binEdge[j+1] {
		j++
	}
	return uint32(g*histGroup+j)<<wqOffBits | uint32(m-binEdge[j])
}

// decode returns the bin and m of a code other than wqNone.
func decode(c uint32) (k int, m int64) {
	k = int(c >> wqOffBits)
	return k, binEdge[k%histGroup] + int64(c&wqOffMask)
}

// qenergy is the energy of quantised value m in group g.
func qenergy(m float64, g int) float64 { return groupBase[g] * m / wqOne }

// A whist is a histogram of quantised energies with exact add and remove.
type whist struct {
	n  [histBins]int32
	m  [histBins]int64 // sums of m
	gn [histGroups]int64
	gm [histGroups]int64
}

// add adds (d = 1) or removes (d = -1) the value of code c.
func (h *whist) add(c uint32, d int32) {
	if c == wqNone {
		return
	}
	k, m := decode(c)
	g := k / histGroup
	h.n[k] += d
	h.m[k] += int64(d) * m
	h.gn[g] += int64(d)
	h.gm[g] += int64(d) * m
}

// binEnergy is the energy sum of bin k.
func (h *whist) binEnergy(k int) float64 { return qenergy(float64(h.m[k]), k/histGroup) }

// from returns the count and energy sum of the values in bin first and above.
func (h *whist) from(first int) (n int64, sum float64) {
	if first < 0 || first >= histBins {
		return 0, 0
	}
	g := first / histGroup
	var m int64 // the bins of a group share its base: sum their m, convert once
	for k := first; k < (g+1)*histGroup; k++ {
		n += int64(h.n[k])
		m += h.m[k]
	}
	sum = qenergy(float64(m), g)
	for g++; g < histGroups; g++ {
		n += h.gn[g]
		sum += qenergy(float64(h.gm[g]), g)
	}
	return n, sum
}

// locate returns the bin a threshold energy falls in, -1 below the histogram (everything is at or above it).
func locate(thr float64) int {
	if thr < groupBase[0] {
		return -1
	}
	l := (lufs(thr) - histLow) * histRes
	k := min(max(int(l), 0), histBins-1)
	g := k / histGroup
	for g > 0 && thr < groupBase[g] {
		g--
		k = g*histGroup + histGroup - 1
	}
	for g < histGroups-1 && thr >= groupBase[g+1] {
		g++
		k = g * histGroup
	}
	j := k % histGroup
	m := thr / groupBase[g] * wqOne
	for j > 0 && m < float64(binEdge[j]) {
		j--
	}
	for j < histGroup-1 && m >= float64(binEdge[j+1]) {
		j++
	}
	return g*histGroup + j
}

// spread is histogram.spread for a whist: the difference in LU between the high and low percentiles of the values
// that pass the relative gate, taking the gate's bin whole if its mean reaches the gate; 0 if none pass.
func (h *whist) spread(gate, low, high float64) float64 {
	n, sum := h.from(0)
	if n == 0 {
		return 0
	}
	thr := sum / float64(n) * math.Pow(10, gate/10)
	first := max(locate(thr), 0)
	if h.n[first] > 0 && h.binEnergy(first)/float64(h.n[first]) < thr {
		first++
	}
	n, _ = h.from(first)
	if n == 0 {
		return 0
	}
	lo := h.rank(first, int64(float64(n-1)*low+0.5))
	hi := h.rank(first, int64(float64(n-1)*high+0.5))
	return hi - lo
}

// rank returns the loudness of the value at rank r (from 0) counting from bin first: the mean of its bin.
func (h *whist) rank(first int, r int64) float64 {
	var seen int64
	k := first
	for ; k < min((first/histGroup+1)*histGroup, histBins); k++ {
		if seen+int64(h.n[k]) > r {
			return lufs(h.binEnergy(k) / float64(h.n[k]))
		}
		seen += int64(h.n[k])
	}
	for ; k < histBins && seen+h.gn[k/histGroup] <= r; k += histGroup {
		seen += h.gn[k/histGroup]
	}
	for ; k < histBins; k++ {
		if seen+int64(h.n[k]) > r {
			return lufs(h.binEnergy(k) / float64(h.n[k]))
		}
		seen += int64(h.n[k])
	}
	return math.NaN() // unreachable: r < the count from first
}

// A window is one sliding window's state.
type window struct {
	span   time.Duration
	blocks int64 // the span in 100 ms steps
	linked bool  // its blocks are all in the link zone: it keeps heads and its integrated loudness is exact
	mom    whist // the gating blocks in the window
	st     whist // the short-term values in the window
	head   [histBins]uint32
	// head holds, per bin, the tag of the oldest gating block of the bin in the window, 0 for none (linked only).
}

// exactBlocks is the longest window, in blocks, whose integrated loudness is exact in the gate's bin too: 1 hour.
// Longer windows walk the blocks of the last hour in that bin and take the older ones whole or not at all.
const exactBlocks = 36000

// Blocks are named by tags, their sequence numbers (from 1) modulo tagMod, plus 1, so that 0 means none: a tag
// finds a block both in the ring and in the links, which have different lengths.
const tagMod = 1<<32 - 1

func tag(j int64) uint32 { return uint32((j-1)%tagMod) + 1 }

// A windowBank holds a meter's sliding windows and the ring they share.
type windowBank struct {
	sub  int       // frames per sub-block
	ring []float32 // the weighted sums of squares of the last len(ring) sub-blocks
	next []uint32  // per block of the link zone (the last len(next)-1): the tag of the next newer in its bin
	last [histBins]int64
	// last holds, per bin, the sequence number (from 1) of the newest gating block of the bin, 0 for none.
	zone  [histBins]uint32 // per bin, the tag of the oldest gating block in the link zone, for unlinked windows
	zoned bool             // some window is longer than the link zone
	n     int64            // sub-blocks pushed
	win   [MaxWindows]*window
	nwin  int
	dirty bool
	out   [MaxWindows]WindowLoudness
}

// newWindowBank returns the bank for checked spans, with everything allocated: windows of up to linkLimit blocks
// are exact.
func newWindowBank(sub int, spans []time.Duration, linkLimit int64) *windowBank {
	b := &windowBank{sub: sub, nwin: len(spans)}
	var longest int64
	for i, s := range spans {
		w := &window{span: s, blocks: int64(s / WindowStep)}
		longest = max(longest, w.blocks)
		b.win[i] = w
	}
	links := min(longest, linkLimit) + 1
	for _, w := range b.win[:b.nwin] {
		w.linked = w.blocks < links
		b.zoned = b.zoned || !w.linked
	}
	b.ring = make([]float32, longest+shortTermBlocks)
	b.next = make([]uint32, links)
	b.reset()
	return b
}

// reset forgets everything: the windows start empty.
func (b *windowBank) reset() {
	b.n = 0
	b.last = [histBins]int64{}
	b.zone = [histBins]uint32{}
	for i := range b.nwin {
		w := b.win[i]
		w.mom, w.st = whist{}, whist{}
		w.head = [histBins]uint32{}
	}
	b.dirty = true
}

// seq returns the sequence number of the block tagged t, one of the last 2^32-1.
func (b *windowBank) seq(t uint32) int64 {
	d := (int64(tag(b.n)) - int64(t)) % tagMod
	if d < 0 {
		d += tagMod
	}
	return b.n - d
}

// slot returns the ring slot of block j.
func (b *windowBank) slot(j int64) int { return int((j - 1) % int64(len(b.ring))) }

// link returns the link slot of block j.
func (b *windowBank) link(j int64) int { return int((j - 1) % int64(len(b.next))) }

// energy returns the mean square of the n sub-blocks ending in slot s, always summed in the same order, so that a
// block leaving a window has the energy it entered with.
func (b *windowBank) energy(s, n int) float64 {
	sum := 0.0
	for range n {
		sum += float64(b.ring[s])
		if s--; s < 0 {
			s = len(b.ring) - 1
		}
	}
	return sum / float64(n*b.sub)
}

// push adds a sub-block of weighted sum of squares e: the gating block and short-term value ending with it enter
// every window, and those that fall out of a window leave it.
func (b *windowBank) push(e float64) {
	b.n++
	j := b.n
	s := b.slot(j)
	b.ring[s] = float32(e)
	b.next[b.link(j)] = 0
	mc, sc := wqNone, wqNone
	if j >= momentaryBlocks {
		mc = b.code(s, momentaryBlocks)
	}
	if j >= shortTermBlocks {
		sc = b.code(s, shortTermBlocks)
	}
	k := -1
	if mc != wqNone {
		k, _ = decode(mc)
		if l := b.last[k]; l != 0 && j-l < int64(len(b.next)) {
			b.next[b.link(l)] = tag(j)
		}
		b.last[k] = j
	}
	if b.zoned {
		if k >= 0 && b.zone[k] == 0 {
			b.zone[k] = tag(j)
		}
		if q := j - int64(len(b.next)-1); q >= momentaryBlocks { // the block leaving the link zone
			if c := b.code(b.slot(q), momentaryBlocks); c != wqNone {
				kq, _ := decode(c)
				b.zone[kq] = b.next[b.link(q)]
			}
		}
	}
	for i := range b.nwin {
		w := b.win[i]
		w.mom.add(mc, 1)
		if w.linked && k >= 0 && w.head[k] == 0 {
			w.head[k] = tag(j)
		}
		w.st.add(sc, 1)
		o := j - w.blocks // the block leaving the window
		if o < 1 {
			continue
		}
		os := b.slot(o)
		if o >= momentaryBlocks {
			if c := b.code(os, momentaryBlocks); c != wqNone {
				w.mom.add(c, -1)
				if w.linked {
					ko, _ := decode(c)
					w.head[ko] = b.next[b.link(o)]
				}
			}
		}
		if o >= shortTermBlocks {
			w.st.add(b.code(os, shortTermBlocks), -1)
		}
	}
	b.dirty = true
}

// code returns the code of the block of n sub-blocks ending in slot s.
func (b *windowBank) code(s, n int) uint32 {
	e := b.energy(s, n)
	if e > math.MaxFloat64 {
		return wqNone
	}
	return encode(e)
}

// integrated returns window w's gated loudness. In the relative gate's bin it walks the bin's blocks: all of them
// for a linked window, which is exact; those of the link zone for a longer one, which takes the rest of the bin
// whole if their mean reaches the gate and leaves it out otherwise.
func (b *windowBank) integrated(w *window) float64 {
	h := &w.mom
	n, sum := h.from(0)
	if n == 0 {
		return math.Inf(-1)
	}
	thr := sum / float64(n) * math.Pow(10, relativeGate/10)
	k := locate(thr)
	if k < 0 {
		return lufs(sum / float64(n))
	}
	n, sum = h.from(k + 1)
	g := k / histGroup
	p := b.zone[k]
	if w.linked {
		p = w.head[k]
	}
	var walked, walkedM int64
	for p != 0 {
		q := b.seq(p)
		m := quant(b.energy(b.slot(q), momentaryBlocks), g)
		walked++
		walkedM += m
		if e := qenergy(float64(m), g); e >= thr {
			n++
			sum += e
		}
		p = b.next[b.link(q)]
	}
	if rest := int64(h.n[k]) - walked; rest > 0 { // an unlinked window's blocks older than the link zone
		restE := qenergy(float64(h.m[k]-walkedM), g)
		if restE/float64(rest) >= thr {
			n += rest
			sum += restE
		}
	}
	if n == 0 {
		return math.Inf(-1) // unreachable: the loudest block is above the mean, so above the gate
	}
	return lufs(sum / float64(n))
}

// values returns the windows' loudness, computed again only after new sub-blocks.
func (b *windowBank) values() [MaxWindows]WindowLoudness {
	if b.dirty {
		for i := range b.nwin {
			w := b.win[i]
			b.out[i] = WindowLoudness{
				Span:       w.span,
				Integrated: b.integrated(w),
				Range:      w.st.spread(rangeGate, rangeLow, rangeHigh),
			}
		}
		b.dirty = false
	}
	return b.out
}

// SetWindows sets the sliding windows the meter measures integrated loudness and loudness range over, in the
// order given (Loudness.Windows follows it), and starts them empty; no spans removes them. Each span must be a
// multiple of WindowStep from MinWindowSpan to MaxWindowSpan, at most MaxWindows of them, no two alike; the error
// (wrapping ErrWindows) says which is not. It allocates all the windows' memory (see the top of windows.go: 4
// bytes per 100 ms of the longest window, 4 more per 100 ms up to an hour, 120 KB, and 283 KB per window), so that
// Process allocates nothing for them.
func (l *LoudnessMeter) SetWindows(spans ...time.Duration) error {
	if err := checkWindows(spans); err != nil {
		return fmt.Errorf("dsp: loudness: %w", err)
	}
	if l.channels == 0 {
		return nil
	}
	l.win = nil
	if len(spans) > 0 {
		l.win = newWindowBank(l.sub, spans, exactBlocks)
	}
	return nil
}

// ResetIntegrated starts the since-start values over: integrated loudness, loudness range and the momentary and
// short-term maxima, which then take the 400 ms blocks and 3 s windows that begin after it (after the 100 ms
// sub-block in progress, if one is). It leaves the current momentary and short-term windows and the sliding windows as they were,
// so a meter reset by an operator keeps reading the programme without a gap, and the last hour stays the last
// hour.
func (l *LoudnessMeter) ResetIntegrated() {
	if l.channels == 0 {
		return
	}
	l.since = l.nsub
	if l.pos > 0 {
		l.since++ // the sub-block in progress began before the reset
	}
	l.clearCounted()
}

// clearCounted drops the since-start values: the gating blocks, the loudness-range values and the maxima.
func (l *LoudnessMeter) clearCounted() {
	l.momentaryMax, l.shortTermMax = 0, 0
	l.gating.reset()
	l.blocks.reset()
	l.rng.reset()
	l.integrated, l.lra = math.Inf(-1), 0
	l.dirty = false
}
