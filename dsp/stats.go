package dsp

import "math"

// Sample statistics.
//
// The per-sample work happens once, in chanPass, which sums a block of one channel into the running partial sums
// of the current tick (a fixed stretch of frames counted from the start, see Meter). A tick's partial sums are
// plain float64 sums of at most a few thousand samples; at the end of the tick they are added to the interval's
// compensated (Kahan–Neumaier) sums, so a sum of squares over a day of audio keeps about 15 significant digits.
// Because the ticks are counted in frames, not in blocks, the result does not depend on how the input was cut
// into blocks.

// ksum is a compensated sum (Neumaier's variant of Kahan summation).
type ksum struct{ s, c float64 }

func (k *ksum) add(x float64) {
	t := k.s + x
	if math.Abs(k.s) >= math.Abs(x) {
		k.c += (k.s - t) + x
	} else {
		k.c += (x - t) + k.s
	}
	k.s = t
}

func (k *ksum) merge(o ksum) {
	k.add(o.s)
	k.add(o.c)
}

func (k ksum) value() float64 { return k.s + k.c }

// chanPart is the running sums of one channel within the current tick.
type chanPart struct {
	peak      float64 // largest |x|
	sum, sq   float64
	clipped   int64
	nonFinite int64
}

// part is the running sums of all channels within the current tick.
type part struct {
	frames int64
	ch     [MaxChannels]chanPart
	lr     float64 // Σ x₀·x₁
}

// chanSpan is the statistics of one channel over a span of ticks.
type chanSpan struct {
	peak      float64 // largest |x|
	tp        float64 // largest |x| of the oversampled signal, ≥ peak
	sum, sq   ksum
	clipped   int64
	nonFinite int64
}

// span is the statistics of all channels over a span of frames: an interval or the total.
type span struct {
	frames int64
	ch     [MaxChannels]chanSpan
	lr     ksum
}

// addPart adds a tick's partial sums to s.
func (s *span) addPart(p *part, channels int) {
	s.frames += p.frames
	for c := range channels {
		d, q := &s.ch[c], &p.ch[c]
		d.peak = max(d.peak, q.peak)
		d.tp = max(d.tp, q.peak)
		d.sum.add(q.sum)
		d.sq.add(q.sq)
		d.clipped += q.clipped
		d.nonFinite += q.nonFinite
	}
	s.lr.add(p.lr)
}

// merge adds the span o to s.
func (s *span) merge(o *span, channels int) {
	s.frames += o.frames
	for c := range channels {
		d, q := &s.ch[c], &o.ch[c]
		d.peak = max(d.peak, q.peak)
		d.tp = max(d.tp, q.tp)
		d.sum.merge(q.sum)
		d.sq.merge(q.sq)
		d.clipped += q.clipped
		d.nonFinite += q.nonFinite
	}
	s.lr.merge(o.lr)
}

// chanPass measures channel c of the interleaved block p (whole frames of nch channels) into q, and writes the
// channel's samples, as float64 with non-finite ones replaced by zero, to dst (one per frame). Samples with
// |x| >= clip count as clipped.
func chanPass(q *chanPart, dst []float64, p []float32, c, nch int, clip float64) {
	peak, sum, sq := q.peak, q.sum, q.sq
	var clipped, nonFinite int64
	dst = dst[:len(p)/nch]
	j := 0
	for i := c; i < len(p); i += nch {
		x := float64(p[i])
		a := math.Abs(x)
		if !(a <= math.MaxFloat32) { // NaN or ±Inf
			nonFinite++
			x, a = 0, 0
		}
		dst[j] = x
		j++
		if a > peak {
			peak = a
		}
		if a >= clip {
			clipped++
		}
		sum += x
		sq += x * x
	}
	q.peak, q.sum, q.sq = peak, sum, sq
	q.clipped += clipped
	q.nonFinite += nonFinite
}

// stats turns the span's sums of channel c into Stats.
func (s *span) stats(c int) Stats {
	q := &s.ch[c]
	st := Stats{
		SamplePeak: DB(q.peak),
		TruePeak:   DB(max(q.tp, q.peak)),
		RMS:        math.Inf(-1),
		Clipped:    q.clipped,
		NonFinite:  q.nonFinite,
	}
	if s.frames > 0 {
		n := float64(s.frames)
		st.RMS = Power(max(q.sq.value(), 0) / n)
		st.DCOffset = q.sum.value() / n
	}
	st.CrestFactor = crest(q.peak, st.RMS)
	return st
}

// overall combines the channels as meters.md defines it: the largest peak and true peak, the RMS of all samples
// of all channels, the DC offset of the channel with the largest magnitude, the sums of the counts.
func (s *span) overall(channels int) Stats {
	var peak, tp float64
	var sq ksum
	st := Stats{RMS: math.Inf(-1)}
	for c := range channels {
		q := &s.ch[c]
		peak = max(peak, q.peak)
		tp = max(tp, q.tp, q.peak)
		sq.merge(q.sq)
		st.Clipped += q.clipped
		st.NonFinite += q.nonFinite
		if s.frames > 0 {
			if dc := q.sum.value() / float64(s.frames); math.Abs(dc) > math.Abs(st.DCOffset) {
				st.DCOffset = dc
			}
		}
	}
	st.SamplePeak, st.TruePeak = DB(peak), DB(tp)
	if s.frames > 0 {
		st.RMS = Power(max(sq.value(), 0) / (float64(s.frames) * float64(channels)))
	}
	st.CrestFactor = crest(peak, st.RMS)
	return st
}

// crest returns the crest factor in dB of a linear peak and an RMS in dBFS; NaN for silence.
func crest(peak, rms float64) float64 {
	if peak == 0 {
		return math.NaN()
	}
	return DB(peak) - rms
}
