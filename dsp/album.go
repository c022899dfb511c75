package dsp

// An Album combines the loudness of several programmes (the files of an album or a batch) into one integrated
// loudness and one loudness range, as ReplayGain's album gain does: not an average of the programmes' values but
// the gates applied to all their blocks together, as if the programmes had been measured one after the other by
// one meter, except for the few windows that would straddle two programmes, which an Album does not invent.
//
// It is exact in the way a LoudnessMeter is: it merges the programmes' gating histograms bin by bin (counts and
// energy sums add exactly) and copies every stored gated block's energy into its own block store, in the order
// measured, so that the album of one programme reads that programme's Integrated and Range to the last bit. The
// store keeps 24 hours of blocks in all, as a meter's does; beyond that the whole-bin rule of gating.go applies,
// with the same bound.
//
// Memory: about 330 KB for the two histograms, plus 48 KiB per 6.8 minutes of programme above the gate, at most
// 10 MiB. An Album is not safe for concurrent use: add the meters from one goroutine, each after its programme
// has been measured (the meter must not be in use while it is added).
type Album struct {
	gating, rng histogram
	blocks      *blockStore
	programmes  int
}

// NewAlbum returns an empty Album.
func NewAlbum() *Album { return &Album{blocks: newBlockStore()} }

// Add adds the loudness measured by m since it was made or reset. m stays as it was.
func (a *Album) Add(m *Meter) { a.AddLoudness(m.loud) }

// AddLoudness adds the loudness measured by l since it was made or reset. l stays as it was.
func (a *Album) AddLoudness(l *LoudnessMeter) {
	if l == nil || l.channels == 0 {
		return
	}
	a.gating.merge(l.gating)
	a.rng.merge(l.rng)
	a.blocks.addAll(l.blocks)
	a.programmes++
}

// Programmes returns the number of meters added.
func (a *Album) Programmes() int { return a.programmes }

// Integrated returns the gated loudness of all the programmes' blocks together in LUFS, -Inf when none passed
// the absolute gate (as Loudness.Integrated).
func (a *Album) Integrated() float64 { return a.gating.exactGated(a.blocks, relativeGate) }

// Range returns the loudness range of all the programmes' short-term values together in LU, 0 when none passed
// the gates (as Loudness.Range).
func (a *Album) Range() float64 { return a.rng.spread(rangeGate, rangeLow, rangeHigh) }

// merge adds the counts and sums of b to h.
func (h *histogram) merge(b *histogram) {
	for k := range h.n {
		h.n[k] += b.n[k]
		h.e[k] += b.e[k]
	}
	for g := range h.gn {
		h.gn[g] += b.gn[g]
		h.ge[g] += b.ge[g]
	}
}
