package dsp

import (
	"math"
	"math/rand/v2"
	"os/exec"
	"testing"
)

// The worst case for a histogram: a third of the programme on each side of the relative gate, inside the
// one 0.01 LU bin the gate falls in (and a loud third that puts the gate there). Taken whole or left out, that
// bin moves integrated loudness by more than 2 LU; the meter keeps the blocks and agrees with the exact
// list-based computation and with libebur128 (exact mode) within 0.01 LU.
func TestIntegratedExactAtTheGate(t *testing.T) {
	const rate, delta, seconds = 48000, 0.002, 10.0 // the quiet thirds are the gate ± delta dB
	gen := func(loud, gate float64) []float32 {
		return tone(rate, 1000, toneLevel(loud, 1, seconds), toneLevel(gate+delta, 1, seconds), toneLevel(gate-delta, 1, seconds))
	}
	// The gate relative to the loud third: find the fixed point (the quiet blocks move the gate they sit at).
	// Levels are peak dBFS of a sine; LUFS differ from them by a constant, so offsets are the same in both.
	const loud = -10.0
	r := -14.47
	for range 4 {
		_, thr := referenceGate(gen(loud, loud+r), rate)
		r = lufs(thr) - (lufs(energyOfTone(loud)))
	}
	// Shift everything so that the gate sits in the middle of a bin, with both quiet thirds in that bin.
	gateLUFS := lufs(energyOfTone(loud)) + r
	centre := histLow + (math.Floor((gateLUFS-histLow)*histRes)+0.5)/histRes
	shift := centre - gateLUFS
	p := gen(loud+shift, loud+shift+r)

	blocks, thr := referenceGate(p, rate)
	k := bin(thr)
	above, below := 0, 0
	for _, e := range blocks {
		if bin(e) == k {
			if e >= thr {
				above++
			} else {
				below++
			}
		}
	}
	if above < len(blocks)/4 || below < len(blocks)/4 {
		t.Fatalf("the gate's bin holds %d blocks above the gate and %d below, of %d: not the worst case", above, below, len(blocks))
	}

	l := newLoudness(t, rate, 1, nil)
	l.Process(p)
	got := l.Loudness().Integrated
	want := referenceLoudness(p, rate, 1, []float64{1}).Integrated
	whole := l.gating.gated(relativeGate) // the histogram alone, as before
	t.Logf("%d blocks, %d above and %d below the gate in its bin: I %.4f, exact %.4f, the bin whole or not %.4f",
		len(blocks), above, below, got, want, whole)
	if !nearLU(got, want, 0.01) {
		t.Errorf("Integrated = %.4f, exact %.4f", got, want)
	}
	if nearLU(whole, want, 1) {
		t.Errorf("the histogram alone reads %.4f, the exact value %.4f: the case does not show what it should", whole, want)
	}
	if _, err := exec.LookPath("gcc"); err == nil {
		bin := buildLibebur128(t, t.TempDir())
		lib := runLibebur128(t, bin, p, rate, 1, []float64{1}, "measure")
		t.Logf("libebur128: %.4f", lib[0])
		if !nearLU(got, lib[0], 0.01) {
			t.Errorf("Integrated = %.4f, libebur128 %.4f", got, lib[0])
		}
	}
}

// energyOfTone is the K-weighted mean square of a 1 kHz sine at peak level dbfs (the 1 kHz gain is 1 at 48 kHz
// after calibration, within 0.001 dB).
func energyOfTone(dbfs float64) float64 {
	return math.Pow(10, dbfs/10) / 2 * kpower(newKWeight(48000), 48000, 1000)
}

// referenceGate returns the energies of the 400 ms blocks of mono p that pass the absolute gate, and the
// relative gate's threshold energy, computed from the exact list.
func referenceGate(p []float32, rate int) ([]float64, float64) {
	l, _ := NewLoudnessMeter(rate, 1, nil)
	var blocks []float64
	sub := (rate + 5) / 10
	for i := 0; i+sub <= len(p); i += sub {
		l.Process(p[i : i+sub])
		if l.nsub >= momentaryBlocks && l.momentary >= absoluteGateEnergy {
			blocks = append(blocks, l.momentary)
		}
	}
	sum := 0.0
	for _, e := range blocks {
		sum += e
	}
	return blocks, sum / float64(len(blocks)) * math.Pow(10, relativeGate/10)
}

// The block store stops at its bound (24 hours of blocks) and allocates nothing more; beyond it the gate's bin
// falls back to the whole-bin rule for the blocks it no longer stores, and the result stays within the
// documented bound.
func TestBlockStoreBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("fills 10 MiB of block store")
	}
	h, s := new(histogram), newBlockStore()
	e := func(lufs float64) float64 { return math.Pow(10, (lufs+0.691)/10) }
	add := func(v float64) {
		if k, ok := h.add(v); ok {
			s.add(k, v)
		}
	}
	for i := range storeLimit {
		add(e(-20 - 0.001*float64(i%1000)))
	}
	if s.n != storeLimit || len(s.chunks) != storeChunks || cap(s.chunks) != storeChunks {
		t.Fatalf("store: %d blocks in %d chunks (capacity %d), want %d in %d", s.n, len(s.chunks), cap(s.chunks), storeLimit, storeChunks)
	}
	exact := h.exactGated(s, relativeGate)
	if n := testing.AllocsPerRun(1000, func() { add(e(-25)) }); n != 0 {
		t.Errorf("adding beyond the bound allocates %v times", n)
	}
	if s.n != storeLimit {
		t.Errorf("the store grew beyond its bound: %d", s.n)
	}
	if got := h.exactGated(s, relativeGate); !nearLU(got, exact, 0.01) || got == exact {
		t.Errorf("after the bound: %.6f, before %.6f", got, exact)
	}

	// Blocks in the gate's bin that came after the bound count by the whole-bin rule: a few just below the gate
	// (but with the bin's mean above it) are taken, which the exact rule would not.
	n0, sum0 := h.from(0)
	k := bin(sum0 / float64(n0) * math.Pow(10, relativeGate/10))
	lo := math.Pow(10, (histLow+float64(k)/histRes+0.691)/10) * 1.0000001 // the bottom of the gate's bin
	hi := math.Pow(10, (histLow+float64(k+1)/histRes+0.691)/10) * 0.9999999
	before := h.exactGated(s, relativeGate)
	add(lo)
	add(hi)
	if s.n != storeLimit || bin(lo) != k || bin(hi) != k {
		t.Fatalf("bins %d %d, want %d; store %d", bin(lo), bin(hi), k, s.n)
	}
	nPass, sumPass := h.from(k + 1)
	n0, sum0 = h.from(0)
	if thr := sum0 / float64(n0) * math.Pow(10, relativeGate/10); bin(thr) != k {
		t.Fatalf("the gate moved to bin %d", bin(thr))
	} else if (lo+hi)/2 >= thr {
		nPass, sumPass = nPass+2, sumPass+lo+hi
	}
	wantWhole := lufs(sumPass / float64(nPass))
	if got := h.exactGated(s, relativeGate); math.Abs(got-wantWhole) > 1e-9 || !nearLU(got, before, 0.01) {
		t.Errorf("gate's bin after the bound: %.9f, want %.9f (the whole-bin rule), before %.6f", got, wantWhole, before)
	}
	s.reset()
	h.reset()
	add(e(-23))
	if got := h.exactGated(s, relativeGate); !nearLU(got, -23, 1e-9) {
		t.Errorf("after reset: %.6f, want -23", got)
	}
}

// The cost of a query with the exact store against the histogram alone, on an hour of programme-like block
// energies (a spread of 20 LU): the store adds the walk of the gate's bin. Compare the two as a ratio.
func BenchmarkIntegratedQuery(b *testing.B) {
	h, s := new(histogram), newBlockStore()
	r := rand.New(rand.NewPCG(5, 6))
	for range 36000 {
		e := math.Pow(10, (-30+5*r.NormFloat64()+0.691)/10)
		if k, ok := h.add(e); ok {
			s.add(k, e)
		}
	}
	b.Run("histogram", func(b *testing.B) {
		for b.Loop() {
			_ = h.gated(relativeGate)
		}
	})
	b.Run("exact", func(b *testing.B) {
		for b.Loop() {
			_ = h.exactGated(s, relativeGate)
		}
	})
}
