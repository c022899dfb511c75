package dsp

import (
	"math"
	"math/rand/v2"
	"testing"
)

// albumRate is the rate of the album tests: the gates do not depend on it, and 16 kHz mono keeps minutes of
// programme cheap.
const albumRate = 16000

// albumTrack returns seconds of mono noise whose level wanders by about 20 dB over a period of period seconds,
// starting at phase, so that short-term values spread and the loudness range means something.
func albumTrack(seed uint64, seconds, period, phase, gain float64) []float32 {
	r := rand.New(rand.NewPCG(seed, 1))
	n := int(seconds * albumRate)
	p := make([]float32, n)
	a := 0.0
	for i := range n {
		if i%160 == 0 { // the envelope moves every 10 ms
			t := float64(i) / albumRate
			a = gain * math.Pow(10, (-10+10*math.Sin(2*math.Pi*t/period+phase))/20)
		}
		p[i] = float32(a * (2*r.Float64() - 1))
	}
	return p
}

func measured(t *testing.T, parts ...[]float32) *Meter {
	t.Helper()
	m, err := NewMeter(Config{SampleRate: albumRate, Channels: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range parts {
		m.Process(p)
	}
	return m
}

// TestAlbumOfOne: the album of one programme is that programme, to the last bit.
func TestAlbumOfOne(t *testing.T) {
	for _, seconds := range []float64{0.2, 2, 20} {
		m := measured(t, albumTrack(1, seconds, 7, 0, 0.5))
		a := NewAlbum()
		a.Add(m)
		l := m.Levels().Loudness
		if got := a.Integrated(); got != l.Integrated {
			t.Errorf("%v s: album integrated %v, programme %v", seconds, got, l.Integrated)
		}
		if got := a.Range(); got != l.Range {
			t.Errorf("%v s: album range %v, programme %v", seconds, got, l.Range)
		}
	}
	a := NewAlbum()
	if !math.IsInf(a.Integrated(), -1) || a.Range() != 0 || a.Programmes() != 0 {
		t.Errorf("empty album: %v LUFS, %v LU, %d programmes", a.Integrated(), a.Range(), a.Programmes())
	}
}

// TestAlbumIsConcatenation: the album of A and B is the programme A then B, but for the windows that straddle the
// join (3 momentary blocks, 29 short-term values) and the filters' state across it. Integrated loudness: within
// 0.01 LU for three-minute programmes (3 blocks in 3600; measured up to 0.0077, where the join goes from A's
// loudest moment to a programme 20 dB quieter). Loudness range: the 29 straddling values, 0.8 % of
// the 3600, can move each percentile by up to 29 ranks, which on these envelopes is a few hundredths of an LU
// (measured 0.010 and 0.022; 0.000 on other noise): within 0.05 LU.
func TestAlbumIsConcatenation(t *testing.T) {
	tests := []struct {
		name string
		a, b []float32
	}{
		{"similar", albumTrack(1, 200, 9, 0, 0.5), albumTrack(2, 180, 11, 1, 0.4)},
		{"6 dB apart", albumTrack(3, 180, 8, 0, 0.5), albumTrack(4, 180, 13, 2, 0.25)},
		{"20 dB apart", albumTrack(5, 180, 10, 0, 0.5), albumTrack(6, 180, 10, 0, 0.05)},
	}
	for _, tt := range tests {
		ma, mb := measured(t, tt.a), measured(t, tt.b)
		a := NewAlbum()
		a.Add(ma)
		a.Add(mb)
		whole := measured(t, tt.a, tt.b).Levels().Loudness
		if d := a.Integrated() - whole.Integrated; math.Abs(d) > 0.01 {
			t.Errorf("%s: album %.4f LUFS, concatenation %.4f", tt.name, a.Integrated(), whole.Integrated)
		}
		if d := a.Range() - whole.Range; math.Abs(d) > 0.05 {
			t.Errorf("%s: album range %.4f LU, concatenation %.4f", tt.name, a.Range(), whole.Range)
		}
		ia, ib := ma.Levels().Loudness.Integrated, mb.Levels().Loudness.Integrated
		t.Logf("%s: album %.4f LUFS %.4f LU, concatenation %.4f LUFS %.4f LU; programmes %.2f and %.2f LUFS",
			tt.name, a.Integrated(), a.Range(), whole.Integrated, whole.Range, ia, ib)
		if a.Programmes() != 2 {
			t.Errorf("%d programmes", a.Programmes())
		}
		// the meters are as they were
		if l := ma.Levels().Loudness.Integrated; l != ia {
			t.Errorf("adding changed the meter: %v, was %v", l, ia)
		}
	}
}

// naiveGated is BS.1770's integrated loudness of a list of block energies, as the standard writes it.
func naiveGated(blocks []float64) float64 {
	gated := func(thr float64) (n, sum float64) {
		for _, e := range blocks {
			if e >= absoluteGateEnergy && e >= thr {
				n++
				sum += e
			}
		}
		return n, sum
	}
	n, sum := gated(0)
	n, sum = gated(sum / n / 10)
	return lufs(sum / n)
}

func storedBlocks(s *blockStore) []float64 {
	var v []float64
	for i := range s.n {
		v = append(v, s.chunks[i>>storeChunkBits].e[i&(storeChunk-1)])
	}
	return v
}

// TestAlbumExact: the album's integrated loudness is that of all the programmes' blocks in one list, gated as the
// standard says, whatever the programmes' levels.
func TestAlbumExact(t *testing.T) {
	a := NewAlbum()
	var all []float64
	for i, gain := range []float64{0.5, 0.02, 0.3, 0.001, 0.1} {
		m := measured(t, albumTrack(uint64(i), 20, 7, float64(i), gain))
		a.Add(m)
		all = append(all, storedBlocks(m.loud.blocks)...)
	}
	if got, want := a.Integrated(), naiveGated(all); math.Abs(got-want) > 1e-9 {
		t.Errorf("album %v LUFS, the blocks gated together %v", got, want)
	}
}

func TestAlbumAllocs(t *testing.T) {
	m := measured(t, albumTrack(1, 10, 7, 0, 0.5))
	a := NewAlbum()
	a.Add(m)
	if n := testing.AllocsPerRun(10, func() { a.Integrated(); a.Range() }); n != 0 {
		t.Errorf("%v allocations per query", n)
	}
}
