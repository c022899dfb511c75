package dsp

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

// The sample rates every rate-dependent test runs at.
var loudRates = []int{8000, 16000, 22050, 32000, 44100, 48000, 88200, 96000, 176400, 192000, 384000}

// A toneSegment is a stretch of a test signal: a level in dBFS (peak, for a sine) per channel and a duration.
type toneSegment struct {
	dbfs    []float64 // one per channel; math.Inf(-1) for a silent channel
	seconds float64
}

// toneLevel returns a toneSegment with the same level on each of channels channels.
func toneLevel(dbfs float64, channels int, seconds float64) toneSegment {
	s := toneSegment{dbfs: make([]float64, channels), seconds: seconds}
	for c := range s.dbfs {
		s.dbfs[c] = dbfs
	}
	return s
}

// tone renders a sine of freq Hz through the segments, in phase across segment boundaries, at rate. freq must be
// a whole number of hertz: one exact period is tabulated, so long signals cost no calls to math.Sin.
func tone(rate int, freq int, segs ...toneSegment) []float32 {
	period := rate / loudGCD(rate, freq)
	tab := make([]float64, period)
	for i := range tab {
		tab[i] = math.Sin(2 * math.Pi * float64(freq) * float64(i) / float64(rate))
	}
	total := 0
	for _, s := range segs {
		total += int(math.Round(s.seconds*float64(rate))) * len(s.dbfs)
	}
	out := make([]float32, 0, total)
	n := 0
	for _, s := range segs {
		ch := len(s.dbfs)
		amp := make([]float64, ch)
		for c, d := range s.dbfs {
			amp[c] = math.Pow(10, d/20)
		}
		frames := int(math.Round(s.seconds * float64(rate)))
		for range frames {
			x := tab[n%period]
			for c := range ch {
				out = append(out, float32(amp[c]*x))
			}
			n++
		}
	}
	return out
}

func loudGCD(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// loudProgramme renders a deterministic programme-like signal: coloured noise (independent per channel, each with
// its own gain) under a level envelope that steps, ramps, dips below the absolute gate and falls silent, so that
// both gates and the percentiles have work to do. It is deliberately jumpy: a new level from -45 to -5 dBFS
// every 0.5 to 4 s, 8 % of them silence and 7 % below the gate.
func loudProgramme(seed uint64, rate, channels int, seconds float64) []float32 {
	return programme(seed, rate, channels, seconds, envelope{-45, -5, 0.5, 4, true})
}

// smoothProgramme is loudProgramme with the envelope of dialogue or music rather than a test signal: a new level
// from -30 to -16 dBFS every 1 to 6 s, no silences. Its short-term loudness has no gaps in its distribution.
func smoothProgramme(seed uint64, rate, channels int, seconds float64) []float32 {
	return programme(seed, rate, channels, seconds, envelope{-30, -16, 1, 6, false})
}

// An envelope says how a programme's level moves: uniformly within [low, high] dBFS, a new target every minSeg to
// maxSeg seconds, approached with a 200 ms time constant; gaps adds silences and levels below the absolute gate.
type envelope struct {
	low, high      float64
	minSeg, maxSeg float64
	gaps           bool
}

func programme(seed uint64, rate, channels int, seconds float64, e envelope) []float32 {
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	frames := int(seconds * float64(rate))
	out := make([]float32, frames*channels)
	var gain, lp [MaxChannels]float64
	for c := range channels {
		gain[c] = math.Pow(10, -6*r.Float64()/20)
	}
	// the noise: xorshift64*, inline, because the race detector makes anything that touches memory per sample slow
	x := seed | 1
	target, env := (e.low+e.high)/2, (e.low+e.high)/2
	a := math.Pow(10, env/20)
	next := 0
	alpha := 1 - math.Exp(-1/(0.2*float64(rate)))
	for i := range frames {
		if i == next {
			switch p := r.Float64(); {
			case e.gaps && p < 0.08:
				target = -200 // silence
			case e.gaps && p < 0.15:
				target = -75 - 10*r.Float64() // below the absolute gate
			default:
				target = e.low + (e.high-e.low)*r.Float64()
			}
			next = i + int((e.minSeg+(e.maxSeg-e.minSeg)*r.Float64())*float64(rate))
		}
		if i%32 == 0 { // the envelope is slow: a new gain every 32 frames is smooth enough
			env += 32 * alpha * (target - env)
			a = math.Pow(10, env/20)
			if env < -190 {
				a = 0
			}
		}
		for c := range channels {
			x ^= x >> 12
			x ^= x << 25
			x ^= x >> 27
			u := float64(int64(x*2685821657736338717)) / (1 << 63) // uniform in [-1, 1)
			// white noise through a one-pole low-pass: most of its energy in the lower half of the band, where
			// the K-weighting shelf and the high-pass both matter
			lp[c] += 0.3 * (1.7*u - lp[c])
			out[i*channels+c] = float32(a * gain[c] * lp[c])
		}
	}
	return out
}

// feedLoudness processes p in blocks of block frames (all of it at once if block <= 0).
func feedLoudness(l *LoudnessMeter, p []float32, channels, block int) {
	if block <= 0 {
		l.Process(p)
		return
	}
	for len(p) > 0 {
		n := min(block*channels, len(p))
		l.Process(p[:n])
		p = p[n:]
	}
}

func newLoudness(t testing.TB, rate, channels int, weights []float64) *LoudnessMeter {
	t.Helper()
	l, err := NewLoudnessMeter(rate, channels, weights)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func nearLU(got, want, tol float64) bool {
	if math.IsInf(want, 0) || math.IsNaN(want) {
		return got == want || (math.IsNaN(got) && math.IsNaN(want))
	}
	return math.Abs(got-want) <= tol
}

// The 48 kHz design must reproduce the coefficients tabulated in ITU-R BS.1770-4 (given there to 14 decimals).
func TestKWeight48kMatchesBS1770(t *testing.T) {
	k := newKWeight(48000)
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"stage 1 b0", k.b0, 1.53512485958697},
		{"stage 1 b1", k.b1, -2.69169618940638},
		{"stage 1 b2", k.b2, 1.19839281085285},
		{"stage 1 a1", k.a1, -1.69065929318241},
		{"stage 1 a2", k.a2, 0.73248077421585},
		{"stage 2 a1", k.c1, -1.99004745483398},
		{"stage 2 a2", k.c2, 0.99007225036621},
	} {
		if d := math.Abs(c.got - c.want); d > 1e-13 {
			t.Errorf("%s = %.17g, want %.14f (off by %.3g)", c.name, c.got, c.want, d)
		}
	}
}

// kResponse returns the power gain in dB of the K-weighting filter at freq Hz.
func kResponse(k kweight, rate int, freq float64) float64 {
	return 10 * math.Log10(kpower(k, float64(rate), freq))
}

// The response must be the same curve at every rate, up to the warping of the bilinear transform near Nyquist.
func TestKWeightResponseAcrossRates(t *testing.T) {
	ref := newKWeight(48000)
	for _, rate := range loudRates {
		k := newKWeight(rate)
		for _, f := range []float64{20, 50, 100, 500, 1000, 2000, 3000} {
			if f > float64(rate)/4 {
				continue
			}
			got, want := kResponse(k, rate, f), kResponse(ref, 48000, f)
			// The bilinear transform warps frequencies by tan(πf/fs)/(πf/fs), most at low rates where the shelf
			// (1.7 kHz) comes close to Nyquist. Every rate is calibrated to the 48 kHz gain at 1 kHz; elsewhere
			// the curves agree within 0.02 dB from 44.1 kHz up, within 0.15 dB from 16 kHz up, and within 0.45 dB
			// at 8 kHz.
			tol := 0.02
			switch {
			case rate < 16000:
				tol = 0.45
			case rate < 44100:
				tol = 0.15
			}
			if math.Abs(got-want) > tol {
				t.Errorf("%d Hz: response at %g Hz is %.4f dB, 48 kHz has %.4f dB", rate, f, got, want)
			}
		}
	}
	// the shape itself: a second-order high-pass (-6 dB at 38 Hz) and a +4 dB shelf above 2 kHz
	for _, c := range []struct{ f, lo, hi float64 }{
		{10, -24, -23.5}, {38, -6.1, -5.9}, {100, -1.2, -1.1}, {1000, 0.6, 0.75}, {10000, 3.9, 4.1},
	} {
		if g := kResponse(ref, 48000, c.f); g < c.lo || g > c.hi {
			t.Errorf("48 kHz: response at %g Hz is %.3f dB, want %g to %g", c.f, g, c.lo, c.hi)
		}
	}
}

// A stereo 1 kHz sine at X dBFS peak reads X LUFS; mono, or stereo with one channel silent, reads X - 3.01, at
// every rate.
func TestSineLoudness(t *testing.T) {
	inf := math.Inf(-1)
	for _, rate := range loudRates {
		for _, c := range []struct {
			name string
			dbfs []float64
			want float64
		}{
			{"stereo", []float64{-23, -23}, -23},
			{"mono", []float64{-23}, -23 - 3.0103},
			{"left only", []float64{-23, inf}, -23 - 3.0103},
			{"right only", []float64{inf, -10}, -10 - 3.0103},
		} {
			ch := len(c.dbfs)
			want := c.want
			// below 32 kHz the bilinear transform warps the shelf enough to move 1 kHz by a few hundredths of a
			// dB (see the response test): the standard's tolerance of 0.1 LU applies there
			tol := 0.01
			if rate < 32000 {
				tol = 0.1
			}
			l := newLoudness(t, rate, ch, nil)
			l.Process(tone(rate, 1000, toneSegment{c.dbfs, 3.2}))
			v := l.Loudness()
			for _, f := range []struct {
				name string
				got  float64
			}{
				{"Momentary", v.Momentary}, {"ShortTerm", v.ShortTerm}, {"MomentaryMax", v.MomentaryMax},
				{"ShortTermMax", v.ShortTermMax}, {"Integrated", v.Integrated},
			} {
				if !nearLU(f.got, want, tol) {
					t.Errorf("%d Hz %s: %s = %.4f LUFS, want %.4f ±%g", rate, c.name, f.name, f.got, want, tol)
				}
			}
			if !nearLU(v.Range, 0, 0.01) {
				t.Errorf("%d Hz %s: Range = %.4f LU, want 0", rate, c.name, v.Range)
			}
		}
	}
}

// Levels across the dynamic range: a stereo sine at X dBFS reads X LUFS from full scale down to the gate.
func TestLoudnessSineLevels(t *testing.T) {
	for _, dbfs := range []float64{0, -3, -10, -23, -40, -60, -69.9} {
		l := newLoudness(t, 48000, 2, nil)
		l.Process(tone(48000, 1000, toneLevel(dbfs, 2, 4)))
		v := l.Loudness()
		if !nearLU(v.Integrated, dbfs, 0.01) || !nearLU(v.ShortTerm, dbfs, 0.01) || !nearLU(v.Momentary, dbfs, 0.01) {
			t.Errorf("%g dBFS: M %.4f S %.4f I %.4f, want %g", dbfs, v.Momentary, v.ShortTerm, v.Integrated, dbfs)
		}
	}
}

func TestStandardWeights(t *testing.T) {
	for _, c := range []struct {
		channels int
		want     []float64
	}{
		{1, []float64{1}},
		{2, []float64{1, 1}},
		{3, []float64{1, 1, 0}},                      // 2.1
		{4, []float64{1, 1, 1, 1}},                   // 4.0: L R C Cs
		{5, []float64{1, 1, 1, 1.41, 1.41}},          // 5.0
		{6, []float64{1, 1, 1, 0, 1.41, 1.41}},       // 5.1
		{7, []float64{1, 1, 1, 0, 1, 1.41, 1.41}},    // 6.1: L R C LFE Cs Ls Rs
		{8, []float64{1, 1, 1, 0, 1, 1, 1.41, 1.41}}, // 7.1: L R C LFE Lb Rb Ls Rs
		{9, []float64{1, 1, 1, 1, 1, 1, 1, 1, 1}},    // no default layout: every channel 1.0
		{15, []float64{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}},
		// hexadecagonal: L R C Lb Rb Cs Ls Rs, the top layer, Lw Rw
		{16, []float64{1, 1, 1, 1, 1, 1, 1.41, 1.41, 1, 1, 1, 1, 1, 1, 1.41, 1.41}},
	} {
		got := StandardWeights(c.channels)
		if len(got) != len(c.want) {
			t.Fatalf("StandardWeights(%d) = %v, want %v", c.channels, got, c.want)
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("StandardWeights(%d) = %v, want %v", c.channels, got, c.want)
				break
			}
		}
	}
}

// Each channel of a 5.1 input contributes with its weight: a sine on Ls alone reads 10·log10(1.41) above the
// same sine on L alone, and the LFE is not measured at all.
func TestLoudnessWeights(t *testing.T) {
	inf := math.Inf(-1)
	only := func(ch, on int) toneSegment {
		s := toneLevel(inf, ch, 3)
		s.dbfs[on] = -20
		return s
	}
	base := -20 - 3.0103
	surround := base + 10*math.Log10(1.41)
	for _, c := range []struct {
		name     string
		channels int
		weights  []float64
		on       int
		want     float64
	}{
		{"5.0 L", 5, nil, 0, base},
		{"5.0 C", 5, nil, 2, base},
		{"5.0 Ls", 5, nil, 3, surround},
		{"5.0 Rs", 5, nil, 4, surround},
		{"5.1 LFE", 6, nil, 3, inf},
		{"5.1 Ls", 6, nil, 4, surround},
		{"5.1 Rs", 6, nil, 5, surround},
		{"6.1 Rs", 7, nil, 6, surround},
		{"6.1 Cs", 7, nil, 4, base},
		{"6.1 LFE", 7, nil, 3, inf},
		{"2.1 LFE", 3, nil, 2, inf},
		{"7.1 Lb", 8, nil, 4, base},
		{"7.1 Ls", 8, nil, 6, surround},
		{"15 channels, 15th", 15, nil, 14, base},
		{"hexadecagonal Ls", 16, nil, 6, surround},
		{"hexadecagonal Ltr", 16, nil, 11, base},
		{"explicit 2.0", 2, []float64{0.5, 1}, 0, base + 10*math.Log10(0.5)},
		{"explicit 0", 2, []float64{1, 0}, 1, inf},
		{"8 channels, weight 4 on the last", 8, []float64{1, 1, 1, 1, 1, 1, 1, 4}, 7, base + 10*math.Log10(4)},
	} {
		l := newLoudness(t, 48000, c.channels, c.weights)
		l.Process(tone(48000, 1000, only(c.channels, c.on)))
		if got := l.Loudness().Integrated; !nearLU(got, c.want, 0.01) {
			t.Errorf("%s: Integrated = %.4f, want %.4f", c.name, got, c.want)
		}
	}
}

func TestNewLoudnessMeterErrors(t *testing.T) {
	for _, c := range []struct {
		rate, channels int
		weights        []float64
		want           string // in the error
	}{
		{0, 2, nil, "sample rate not supported: 0 Hz"},
		{-48000, 2, nil, "sample rate not supported: -48000 Hz"},
		{7999, 2, nil, "sample rate not supported: 7999 Hz"},
		{768001, 2, nil, "sample rate not supported: 768001 Hz, want 8000 to 768000 Hz"},
		{48000, 0, nil, "channel count not supported: 0 channels"},
		{48000, 17, nil, "channel count not supported: 17 channels, want 1 to 16"},
		{48000, -1, nil, "channel count not supported: -1 channels"},
		{48000, 2, []float64{1}, "weights has 1 entries for 2 channels"},
		{48000, 2, []float64{}, "weights has 0 entries for 2 channels"},
		{48000, 2, []float64{1, -0.5}, "weights[1] is -0.5"},
		{48000, 2, []float64{math.NaN(), 1}, "weights[0] is NaN"},
		{48000, 2, []float64{1, math.Inf(1)}, "weights[1] is +Inf"},
	} {
		l, err := NewLoudnessMeter(c.rate, c.channels, c.weights)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("NewLoudnessMeter(%d, %d, %v) = %v, %v; want an error containing %q",
				c.rate, c.channels, c.weights, l, err, c.want)
		}
	}
	for _, rate := range []int{8000, 768000} {
		if _, err := NewLoudnessMeter(rate, 1, nil); err != nil {
			t.Errorf("NewLoudnessMeter(%d, 1, nil): %v", rate, err)
		}
	}
}

// Feeding the same samples in blocks of any size, down to one frame, gives the same result to the last bit.
func TestLoudnessBlockSizeIndependence(t *testing.T) {
	for _, c := range []struct {
		rate, channels int
		weights        []float64
	}{
		{48000, 2, nil},
		{44100, 1, nil},
		{48000, 3, nil},                   // a pair and a single channel
		{32000, 6, nil},                   // LFE skipped: L R C paired as (L R) (C Ls), then Rs
		{48000, 4, []float64{1, 0, 1, 1}}, // active channels 0, 2, 3: not adjacent, filtered one by one
		{44100, 8, []float64{1, 2, 3, 4, 5, 6, 7, 8}},
	} {
		p := loudProgramme(7, c.rate, c.channels, 3.35)
		ref := newLoudness(t, c.rate, c.channels, c.weights)
		feedLoudness(ref, p, c.channels, 0)
		want := ref.Loudness()
		if math.IsInf(want.Integrated, 0) {
			t.Fatalf("%+v: the programme measured nothing: %+v", c, want)
		}
		blocks := []int{1, 7, c.rate/10 - 1, c.rate / 10, c.rate/10 + 1, 65536}
		for _, block := range blocks {
			l := newLoudness(t, c.rate, c.channels, c.weights)
			feedLoudness(l, p, c.channels, block)
			if got := l.Loudness(); got != want {
				t.Errorf("%d Hz %d ch, blocks of %d frames: %+v, whole: %+v", c.rate, c.channels, block, got, want)
			}
		}
		// random block sizes, including empty blocks and partial frames carried by nobody: the split is on frame
		// boundaries, as Process requires
		r := rand.New(rand.NewPCG(1, 2))
		l := newLoudness(t, c.rate, c.channels, c.weights)
		for q := p; len(q) > 0; {
			n := min(r.IntN(3000)*c.channels, len(q))
			l.Process(q[:n])
			q = q[n:]
		}
		if got := l.Loudness(); got != want {
			t.Errorf("%d Hz %d ch, random blocks: %+v, whole: %+v", c.rate, c.channels, got, want)
		}
	}
}

func TestLoudnessAllocatesNothing(t *testing.T) {
	for _, ch := range []int{1, 2, 5, 6, 8} {
		l := newLoudness(t, 48000, ch, nil)
		p := loudProgramme(3, 48000, ch, 1)
		if n := testing.AllocsPerRun(20, func() { l.Process(p) }); n != 0 {
			t.Errorf("%d channels: Process allocates %v times per call", ch, n)
		}
		if n := testing.AllocsPerRun(20, func() { l.Process(p[:ch]); _ = l.Loudness() }); n != 0 {
			t.Errorf("%d channels: Process of one frame and Loudness allocate %v times per call", ch, n)
		}
	}
}

// An hour of audio (at 8 kHz, to keep the test quick; the histograms do not care about the rate) goes through
// with no allocation but the block store's chunks (48 KiB per 6.8 minutes of programme, see gating.go), and
// nothing drifts. Each minute is
// 30 s of a -20 dBFS tone and 30 s at -30 dBFS, so the range is 10 LU and the integrated loudness that of the
// first minutes.
func TestLoudnessMemoryBounded(t *testing.T) {
	const rate = 8000
	l := newLoudness(t, rate, 1, nil)
	minutes := 60
	if testing.Short() {
		minutes = 10
	}
	minute := tone(rate, 1000, toneLevel(-20, 1, 30), toneLevel(-30, 1, 30))
	for range 4 {
		l.Process(minute)
	}
	first := l.Loudness()
	chunks := len(l.blocks.chunks)
	n := testing.AllocsPerRun(1, func() { // runs twice: once to warm up, once measured
		for range (minutes - 4) / 2 {
			l.Process(minute)
		}
		_ = l.Loudness()
	})
	if added := len(l.blocks.chunks) - chunks; n > float64(added) || cap(l.blocks.chunks) != storeChunks {
		t.Errorf("%d minutes of audio: %v allocations, %d chunks of blocks added (capacity %d)", minutes, n, added, cap(l.blocks.chunks))
	}
	v := l.Loudness()
	if l.nsub != int64(minutes*60*10) {
		t.Errorf("%d sub-blocks measured, want %d", l.nsub, minutes*60*10)
	}
	t.Logf("after 4 minutes: I %.4f LRA %.4f; after %d: I %.4f LRA %.4f", first.Integrated, first.Range,
		minutes, v.Integrated, v.Range)
	if !nearLU(v.Integrated, first.Integrated, 0.01) || !nearLU(v.Range, 10, 0.05) || !nearLU(first.Range, 10, 0.05) {
		t.Errorf("after 4 minutes: I %.4f LRA %.4f; after %d: I %.4f LRA %.4f; want the same I and a range of 10 LU",
			first.Integrated, first.Range, minutes, v.Integrated, v.Range)
	}
}

// Digital silence is -Inf, never a number; a tone below the absolute gate has momentary and short-term values
// but no integrated loudness or range.
func TestLoudnessSilenceAndGate(t *testing.T) {
	inf := math.Inf(-1)
	for _, c := range []struct {
		name string
		p    []float32
		want Loudness
	}{
		{"nothing", nil, Loudness{Momentary: inf, ShortTerm: inf, MomentaryMax: inf, ShortTermMax: inf, Integrated: inf}},
		{"digital silence", make([]float32, 2*48000*10), Loudness{Momentary: inf, ShortTerm: inf, MomentaryMax: inf, ShortTermMax: inf, Integrated: inf}},
		{"below the gate", tone(48000, 1000, toneLevel(-75, 2, 10)), Loudness{Momentary: -75, ShortTerm: -75, MomentaryMax: -75, ShortTermMax: -75, Integrated: inf}},
	} {
		l := newLoudness(t, 48000, 2, nil)
		l.Process(c.p)
		v := l.Loudness()
		for _, f := range []struct {
			name      string
			got, want float64
		}{
			{"Momentary", v.Momentary, c.want.Momentary}, {"ShortTerm", v.ShortTerm, c.want.ShortTerm},
			{"MomentaryMax", v.MomentaryMax, c.want.MomentaryMax},
			{"ShortTermMax", v.ShortTermMax, c.want.ShortTermMax},
			{"Integrated", v.Integrated, c.want.Integrated}, {"Range", v.Range, c.want.Range},
		} {
			if !nearLU(f.got, f.want, 0.01) {
				t.Errorf("%s: %s = %v, want %v", c.name, f.name, f.got, f.want)
			}
		}
	}
}

// The windows report only once they are full, and the momentary value follows the signal within 400 ms.
func TestLoudnessWindowsFillUp(t *testing.T) {
	inf := math.Inf(-1)
	l := newLoudness(t, 48000, 2, nil)
	tone := tone(48000, 1000, toneLevel(-20, 2, 0.1))
	for i := 1; i <= 40; i++ {
		l.Process(tone)
		v := l.Loudness()
		wantM, wantS := inf, inf
		if i >= 4 {
			wantM = -20
		}
		if i >= 30 {
			wantS = -20
		}
		if !nearLU(v.Momentary, wantM, 0.01) || !nearLU(v.ShortTerm, wantS, 0.01) {
			t.Errorf("after %d ms: M %v S %v, want %v %v", i*100, v.Momentary, v.ShortTerm, wantM, wantS)
		}
	}
	// then silence: the momentary window empties 400 ms later, the maxima stay
	quiet := make([]float32, len(tone))
	for i := 1; i <= 4; i++ {
		l.Process(quiet)
	}
	v := l.Loudness()
	// the filters ring on for a few milliseconds after the tone stops: -60-odd LUFS, not quite silence
	if v.Momentary > -50 || !nearLU(v.MomentaryMax, -20, 0.01) || !nearLU(v.ShortTermMax, -20, 0.01) {
		t.Errorf("400 ms after the tone: M %v, M max %v, S max %v; want < -50, -20, -20",
			v.Momentary, v.MomentaryMax, v.ShortTermMax)
	}
	if !nearLU(v.ShortTerm, -20+10*math.Log10(26.0/30), 0.01) {
		t.Errorf("400 ms after the tone: S %v, want %v", v.ShortTerm, -20+10*math.Log10(26.0/30))
	}
}

func TestLoudnessReset(t *testing.T) {
	p := loudProgramme(5, 44100, 2, 8)
	l := newLoudness(t, 44100, 2, nil)
	l.Process(p)
	want := l.Loudness()
	l.Process(tone(44100, 1000, toneLevel(-3, 2, 7.77)))
	l.Reset()
	if v := l.Loudness(); v.Momentary != math.Inf(-1) || v.Integrated != math.Inf(-1) || v.Range != 0 {
		t.Errorf("after Reset: %+v", v)
	}
	l.Process(p)
	if got := l.Loudness(); got != want {
		t.Errorf("after Reset and the same input: %+v, new meter: %+v", got, want)
	}
}

func TestLoudnessZeroValue(t *testing.T) {
	var l LoudnessMeter
	l.Process([]float32{1, 2, 3})
	l.Reset()
	inf := math.Inf(-1)
	if v := l.Loudness(); v != (Loudness{Momentary: inf, ShortTerm: inf, MomentaryMax: inf, ShortTermMax: inf, Integrated: inf}) {
		t.Errorf("zero LoudnessMeter: %+v", v)
	}
}

// A trailing partial frame is ignored: it neither shifts the channels of the next block nor counts.
func TestLoudnessPartialFrame(t *testing.T) {
	p := tone(48000, 1000, toneLevel(-20, 2, 1))
	a := newLoudness(t, 48000, 2, nil)
	a.Process(p)
	b := newLoudness(t, 48000, 2, nil)
	for q := p; len(q) > 0; {
		n := min(481*2, len(q))
		b.Process(append(q[:n:n], 0.9)) // an odd sample past the last frame
		q = q[n:]
	}
	if a.Loudness() != b.Loudness() {
		t.Errorf("with partial frames: %+v, without: %+v", b.Loudness(), a.Loudness())
	}
}

// Non-finite input is the caller's to remove, but it must not panic the meter, must not stick in a maximum, and
// the meter recovers.
func TestLoudnessNonFinite(t *testing.T) {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	for _, c := range []struct {
		name   string
		bad    float32
		frames int // how many bad frames, ending at frame 5 s + 10 ms, or at the end of a sub-block (5 s) if 1
	}{
		{"NaN burst", nan, 480}, {"+Inf burst", inf, 480}, {"-Inf burst", -inf, 480},
		{"one +Inf at the end of a sub-block", inf, 1}, {"one NaN at the end of a sub-block", nan, 1},
		{"MaxFloat32 burst", math.MaxFloat32, 480},
	} {
		l := newLoudness(t, 48000, 2, nil)
		p := tone(48000, 1000, toneLevel(-23, 2, 20))
		end := 2 * (48000*5 + 480)
		if c.frames == 1 {
			end = 2 * 48000 * 5
		}
		for i := end - 2*c.frames; i < end; i++ {
			p[i] = c.bad
		}
		l.Process(p)
		v := l.Loudness()
		if !nearLU(v.Momentary, -23, 0.01) || !nearLU(v.ShortTerm, -23, 0.01) {
			t.Errorf("%s: did not recover: M %v S %v", c.name, v.Momentary, v.ShortTerm)
		}
		if c.bad != math.MaxFloat32 {
			if !nearLU(v.Integrated, -23, 0.01) || !nearLU(v.MomentaryMax, -23, 0.01) || !nearLU(v.ShortTermMax, -23, 0.01) {
				t.Errorf("%s: I %v, M max %v, S max %v; want -23 from the finite blocks", c.name, v.Integrated,
					v.MomentaryMax, v.ShortTermMax)
			}
		}
	}
}

// After the input falls silent the filter state decays towards the subnormal range, which is slow on x86; it must
// be cut to exact zeros instead, within seconds at any rate.
func TestLoudnessFlushesDecay(t *testing.T) {
	for _, rate := range []int{8000, 48000, 192000} {
		l := newLoudness(t, rate, 1, nil)
		l.Process(tone(rate, 1000, toneLevel(0, 1, 1), toneLevel(math.Inf(-1), 1, 8)))
		if l.state[0] != (kstate{}) {
			t.Errorf("%d Hz: after 8 s of silence the filter state is %+v, want zeros", rate, l.state[0])
		}
	}
}

// The histograms: exact means within a bin, the relative gate, the percentile ranks, the clamps at both ends.
func TestLoudnessHistogram(t *testing.T) {
	energy := func(lufs float64) float64 { return math.Pow(10, (lufs+0.691)/10) }
	h := new(histogram)
	h.reset()
	if got := h.gated(-10); got != math.Inf(-1) {
		t.Errorf("empty: gated = %v", got)
	}
	if got := h.spread(-20, 0.1, 0.95); got != 0 {
		t.Errorf("empty: spread = %v", got)
	}
	for _, e := range []float64{0, -1, math.NaN(), math.Inf(1), energy(-70.001)} {
		h.add(e)
	}
	if n, _ := h.from(0); n != 0 {
		t.Errorf("values below the gate or not finite were counted: %d", n)
	}
	h.add(energy(-23.004))
	h.add(energy(-23.006))
	h.add(energy(-70))
	h.add(energy(45))
	if h.n[0] != 1 || h.n[histBins-1] != 1 {
		t.Errorf("clamping: bin 0 has %d, the top bin %d", h.n[0], h.n[histBins-1])
	}
	h.reset()
	h.add(energy(-23.004))
	h.add(energy(-23.006))
	want := lufs((energy(-23.004) + energy(-23.006)) / 2)
	if got := h.gated(-10); math.Abs(got-want) > 1e-12 {
		t.Errorf("gated = %.15f, want the exact mean %.15f", got, want)
	}
	// 100 values from -40 to -30.1 LUFS in 0.1 LU steps: ranks 10 and 94 (of 0..99) are -39 and -30.6
	h.reset()
	for i := range 100 {
		h.add(energy(-40 + 0.1*float64(i)))
	}
	if got := h.spread(-20, 0.1, 0.95); math.Abs(got-8.4) > 1e-9 {
		t.Errorf("spread = %.12f, want 8.4", got)
	}

	// Random programmes' worth of values (up to 1.5 hours of blocks) within the histogram's range, against
	// sorting: the integrated loudness within 0.01 LU, the range within 0.02 LU (each percentile is the mean of
	// its 0.01 LU bin). The integrated loudness's one approximation is the bin the relative gate falls in, taken
	// whole or not at all; holding n of the N blocks that pass, it moves the result by at most 3.9·n/N dB
	// (0.01 LU needs n/N < 0.26 %, which a spread of real loudness values gives: a bin is 0.01 LU wide).
	r := rand.New(rand.NewPCG(3, 4))
	for trial := range 20 {
		h.reset()
		var list []float64
		for range 1000 + r.IntN(50000) {
			l := -75 + 60*r.Float64()*r.Float64()
			if trial%4 == 0 {
				l = -30 + 3*r.NormFloat64() // a narrow distribution
			}
			e := energy(l)
			h.add(e)
			if e >= absoluteGateEnergy {
				list = append(list, e)
			}
		}
		if len(list) == 0 {
			continue
		}
		mean := func(l []float64) float64 {
			s := 0.0
			for _, e := range l {
				s += e
			}
			return s / float64(len(l))
		}
		gate := func(l []float64, lu float64) []float64 {
			thr := mean(l) * math.Pow(10, lu/10)
			return slices.DeleteFunc(slices.Clone(l), func(e float64) bool { return e < thr })
		}
		wantI := lufs(mean(gate(list, -10)))
		kept := gate(list, -20)
		slices.Sort(kept)
		n := len(kept)
		wantR := lufs(kept[int(float64(n-1)*0.95+0.5)]) - lufs(kept[int(float64(n-1)*0.1+0.5)])
		if gotI, gotR := h.gated(-10), h.spread(-20, 0.1, 0.95); !nearLU(gotI, wantI, 0.01) || !nearLU(gotR, wantR, 0.02) {
			t.Errorf("trial %d, %d values: gated %.4f spread %.4f, exact %.4f %.4f", trial, len(list), gotI, gotR, wantI, wantR)
		}
	}
}

// referenceLoudness computes the BS.1770 / EBU Tech 3342 values of p the plain way: it filters the whole signal,
// lists every 400 ms block and every 3 s window (one every `every` 100 ms steps) and gates and sorts the lists
// exactly. It shares only the filter coefficients with LoudnessMeter, not the filter code, the windows or the
// gating.
func referenceLoudness(p []float32, rate, channels int, weights []float64, every ...int) Loudness {
	v, _ := referenceWithRange(p, rate, channels, weights, every...)
	return v
}

// referenceWithRange is referenceLoudness that also returns the short-term energies that passed both of the
// range's gates, sorted, for percentiles ranked in other ways.
func referenceWithRange(p []float32, rate, channels int, weights []float64, every ...int) (Loudness, []float64) {
	step := 1
	if len(every) > 0 {
		step = every[0]
	}
	k := newKWeight(rate)
	frames := len(p) / channels
	sq := make([]float64, frames) // the weighted sum of the squares of the filtered channels, per frame
	for c := range channels {
		var x1, x2, y1, y2, z1, z2 float64
		for i := range frames {
			x := float64(p[i*channels+c])
			y := k.b0*x + k.b1*x1 + k.b2*x2 - k.a1*y1 - k.a2*y2
			z := y - 2*y1 + y2 - k.c1*z1 - k.c2*z2
			x1, x2, y1, y2, z1, z2 = x, x1, y, y1, z, z1
			sq[i] += weights[c] * z * z
		}
	}
	sub := (rate + 5) / 10
	var subs []float64
	for i := 0; i+sub <= frames; i += sub {
		s := 0.0
		for _, v := range sq[i : i+sub] {
			s += v
		}
		subs = append(subs, s)
	}
	window := func(end, n int) float64 { // the mean square of the n sub-blocks ending with end
		s := 0.0
		for _, v := range subs[end-n+1 : end+1] {
			s += v
		}
		return s / float64(n*sub)
	}
	inf := math.Inf(-1)
	v := Loudness{Momentary: inf, ShortTerm: inf, MomentaryMax: inf, ShortTermMax: inf, Integrated: inf}
	var blocks, shorts []float64
	for j := range subs {
		if j >= 3 {
			e := window(j, 4)
			v.Momentary = lufs(e)
			v.MomentaryMax = max(v.MomentaryMax, v.Momentary)
			if e >= absoluteGateEnergy {
				blocks = append(blocks, e)
			}
		}
		if j >= 29 {
			e := window(j, 30)
			v.ShortTerm = lufs(e)
			v.ShortTermMax = max(v.ShortTermMax, v.ShortTerm)
			if (j-29)%step == 0 && e >= absoluteGateEnergy {
				shorts = append(shorts, e)
			}
		}
	}
	gate := func(list []float64, lu float64) []float64 {
		mean := 0.0
		for _, e := range list {
			mean += e
		}
		mean /= float64(len(list))
		var kept []float64
		for _, e := range list {
			if e >= mean*math.Pow(10, lu/10) {
				kept = append(kept, e)
			}
		}
		return kept
	}
	if len(blocks) > 0 {
		kept := gate(blocks, relativeGate)
		mean := 0.0
		for _, e := range kept {
			mean += e
		}
		v.Integrated = lufs(mean / float64(len(kept)))
	}
	var kept []float64
	if len(shorts) > 0 {
		kept = gate(shorts, rangeGate)
		slices.Sort(kept)
		n := len(kept)
		v.Range = lufs(kept[int(float64(n-1)*0.95+0.5)]) - lufs(kept[int(float64(n-1)*0.1+0.5)])
	}
	return v, kept
}

// The meter agrees with the exact list-based computation on programme material at every rate and channel
// layout: the momentary and short-term values to 1e-9 LU (the same sums, added in another order), integrated
// loudness and range within 0.01 LU (the histograms' bins).
func TestLoudnessMatchesReference(t *testing.T) {
	for _, c := range []struct {
		rate, channels int
		seconds        float64
		seed           uint64
	}{
		{48000, 2, 20, 1},
		{44100, 2, 20, 2},
		{48000, 1, 20, 3},
		{96000, 5, 8, 4},
		{192000, 6, 5, 5},
		{88200, 8, 5, 6},
		{16000, 3, 20, 7},
	} {
		p := loudProgramme(c.seed, c.rate, c.channels, c.seconds)
		w := StandardWeights(c.channels)
		for _, every := range []int{1, 10} {
			l := newLoudness(t, c.rate, c.channels, nil)
			l.every = int64(every)
			l.Process(p)
			got, want := l.Loudness(), referenceLoudness(p, c.rate, c.channels, w, every)
			t.Logf("%d Hz %d ch %g s, step %d ms: I %.4f (exact %.4f), LRA %.4f (exact %.4f), M max %.4f, S max %.4f",
				c.rate, c.channels, c.seconds, every*100, got.Integrated, want.Integrated, got.Range, want.Range,
				got.MomentaryMax, got.ShortTermMax)
			for _, f := range []struct {
				name      string
				got, want float64
				tol       float64
			}{
				{"Momentary", got.Momentary, want.Momentary, 1e-9},
				{"ShortTerm", got.ShortTerm, want.ShortTerm, 1e-9},
				{"MomentaryMax", got.MomentaryMax, want.MomentaryMax, 1e-9},
				{"ShortTermMax", got.ShortTermMax, want.ShortTermMax, 1e-9},
				{"Integrated", got.Integrated, want.Integrated, 0.01},
				{"Range", got.Range, want.Range, 0.01},
			} {
				if !nearLU(f.got, f.want, f.tol) {
					t.Errorf("%d Hz %d ch, step %d ms: %s = %.6f, exact %.6f (±%g)",
						c.rate, c.channels, every*100, f.name, f.got, f.want, f.tol)
				}
			}
		}
	}
}

// libebur128Source is a small program that runs libebur128 (in its exact mode, which keeps every block rather
// than a histogram) over raw interleaved float32 samples on stdin, fed in 100 ms blocks.
//
//	ebur128ref RATE CHANNELS measure|time WEIGHT...
//
// "measure" prints integrated loudness, loudness range, the last momentary and short-term values and their
// maxima; "time" prints only the seconds spent in ebur128_add_frames_float. A weight of 0 leaves the channel
// out, one above 1.2 makes it a surround channel (1.41), anything else weighs 1.
const libebur128Source = `
#include <ebur128.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv) {
	if (argc < 4) return 2;
	unsigned long rate = strtoul(argv[1], NULL, 10);
	unsigned ch = (unsigned) atoi(argv[2]);
	int timing = argv[3][0] == 't';
	if ((unsigned) argc != 4 + ch) return 2;
	ebur128_state *st = ebur128_init(ch, rate, EBUR128_MODE_I | EBUR128_MODE_LRA);
	if (!st) { fprintf(stderr, "ebur128_init failed\n"); return 1; }
	for (unsigned c = 0; c < ch; c++) {
		double w = atof(argv[4 + c]);
		ebur128_set_channel(st, c, w == 0 ? EBUR128_UNUSED : w > 1.2 ? EBUR128_LEFT_SURROUND : EBUR128_CENTER);
	}
	size_t cap = 1 << 20, n = 0, r;
	float *buf = malloc(cap * sizeof *buf);
	while ((r = fread(buf + n, sizeof *buf, cap - n, stdin)) > 0) {
		n += r;
		if (n == cap) buf = realloc(buf, (cap *= 2) * sizeof *buf);
	}
	size_t frames = n / ch, sub = (rate + 5) / 10, done = 0, k = 0;
	double m = -HUGE_VAL, s = -HUGE_VAL, mmax = -HUGE_VAL, smax = -HUGE_VAL, I, lra;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (; done + sub <= frames; done += sub) {
		ebur128_add_frames_float(st, buf + done * ch, sub);
		if (timing) continue;
		if (++k >= 4) { ebur128_loudness_momentary(st, &m); if (m > mmax) mmax = m; }
		if (k >= 30) { ebur128_loudness_shortterm(st, &s); if (s > smax) smax = s; }
	}
	if (done < frames) ebur128_add_frames_float(st, buf + done * ch, frames - done);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (timing) {
		printf("%.9f\n", (t1.tv_sec - t0.tv_sec) + 1e-9 * (t1.tv_nsec - t0.tv_nsec));
		return 0;
	}
	ebur128_loudness_global(st, &I);
	ebur128_loudness_range(st, &lra);
	printf("%.17g %.17g %.17g %.17g %.17g %.17g\n", I, lra, m, s, mmax, smax);
	return 0;
}
`

// buildLibebur128 compiles libebur128Source into dir, or skips the test or benchmark if it cannot.
func buildLibebur128(tb testing.TB, dir string) string {
	tb.Helper()
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		tb.Skip("gcc is not installed: skipping the comparison with libebur128")
	}
	src := filepath.Join(dir, "ebur128ref.c")
	bin := filepath.Join(dir, "ebur128ref")
	if err := os.WriteFile(src, []byte(libebur128Source), 0o644); err != nil {
		tb.Fatal(err)
	}
	if out, err := exec.Command(gcc, "-O2", "-o", bin, src, "-lebur128", "-lm").CombinedOutput(); err != nil {
		tb.Skipf("cannot build against libebur128 (apt-get install libebur128-dev): %v\n%s", err, out)
	}
	return bin
}

// runLibebur128 runs the compiled program over p and returns its output fields.
func runLibebur128(tb testing.TB, bin string, p []float32, rate, channels int, weights []float64, mode string) []float64 {
	tb.Helper()
	args := []string{strconv.Itoa(rate), strconv.Itoa(channels), mode}
	for _, w := range weights {
		args = append(args, strconv.FormatFloat(w, 'g', -1, 64))
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdin = bytes.NewReader(rawF32(p))
	out, err := cmd.Output()
	if err != nil {
		tb.Fatalf("libebur128 %v: %v", args, err)
	}
	var vals []float64
	for _, f := range strings.Fields(string(out)) {
		v, err := strconv.ParseFloat(f, 64)
		if err != nil {
			tb.Fatalf("libebur128 %v printed %q: %v", args, out, err)
		}
		vals = append(vals, v)
	}
	return vals
}

// The meter against libebur128 1.2.6 (exact mode) on programme material and the EBU cases, at every rate the
// project supports and more, mono to 8 channels.
//
// Two differences are deliberate and measured here. (1) The 1 kHz calibration (see newKWeight) is a constant
// gain, so every loudness value differs from libebur128's by exactly that gain in dB: 0 at 48 kHz, -0.003 LU at
// 44.1 kHz, +0.016/+0.017 at 88.2/96 kHz, +0.026/+0.027 at 176.4/192 kHz. Once it is taken out, everything
// agrees within 0.01 LU (the histograms; 0.0001 measured) and the windows to 1e-6 (1e-9 measured). (2) The loudness range takes a short-term value every 100 ms
// where libebur128 takes one a second; with the same step the ranges agree within 0.01 LU. With our step they
// differ by what the step changes on the material: nothing on level steps, up to 2 LU on this deliberately
// jumpy programme.
func TestLibebur128(t *testing.T) {
	bin := buildLibebur128(t, t.TempDir())
	type signal struct {
		name     string
		rate, ch int
		gen      func() []float32 // generated one at a time, to keep the test's memory small
	}
	var signals []signal
	for i, c := range []struct {
		rate, ch int
		seconds  float64
	}{
		{48000, 2, 20}, {44100, 2, 20}, {48000, 1, 20}, {88200, 2, 6}, {96000, 5, 6}, {176400, 2, 5},
		{192000, 6, 4}, {32000, 4, 10}, {22050, 8, 8}, {8000, 1, 20},
	} {
		signals = append(signals, signal{fmt.Sprintf("programme %d Hz %d ch", c.rate, c.ch), c.rate, c.ch,
			func() []float32 { return loudProgramme(uint64(100+i), c.rate, c.ch, c.seconds) }})
	}
	signals = append(signals,
		signal{"EBU 3341 case 6", 48000, 5, func() []float32 {
			return tone(48000, 1000, toneSegment{[]float64{-28, -28, -24, -30, -30}, 20})
		}},
		signal{"EBU 3342 case 1", 44100, 2, func() []float32 {
			return tone(44100, 1000, toneLevel(-20, 2, 20), toneLevel(-30, 2, 20))
		}},
	)
	for _, s := range signals {
		p := s.gen()
		w := StandardWeights(s.ch)
		lib := runLibebur128(t, bin, p, s.rate, s.ch, w, "measure")
		libI, libLRA, libM, libS, libMmax, libSmax := lib[0], lib[1], lib[2], lib[3], lib[4], lib[5]
		// the calibration gain, in dB
		cal := 10 * math.Log10(kpower(newKWeight(s.rate), float64(s.rate), 1000)/kpower(designKWeight(float64(s.rate)), float64(s.rate), 1000))

		ours := newLoudness(t, s.rate, s.ch, nil)
		ours.Process(p)
		v := ours.Loudness()
		same := newLoudness(t, s.rate, s.ch, nil) // libebur128's step for the range
		same.every = 10
		same.Process(p)
		lra1s := same.Loudness().Range

		t.Logf("%-26s calibration %+.4f LU | I %.4f vs %.4f (%+.4f) | LRA %.4f (1 s step %.4f) vs %.4f | M max %+.2e S max %+.2e",
			s.name, cal, v.Integrated, libI, v.Integrated-libI, v.Range, lra1s, libLRA,
			v.MomentaryMax-libMmax-cal, v.ShortTermMax-libSmax-cal)
		for _, f := range []struct {
			name      string
			got, want float64
			tol       float64
		}{
			{"Integrated", v.Integrated, libI + cal, 0.01},
			{"Momentary", v.Momentary, libM + cal, 1e-6},
			{"ShortTerm", v.ShortTerm, libS + cal, 1e-6},
			{"MomentaryMax", v.MomentaryMax, libMmax + cal, 1e-6},
			{"ShortTermMax", v.ShortTermMax, libSmax + cal, 1e-6},
			{"Range with a 1 s step", lra1s, libLRA, 0.01},
		} {
			if !nearLU(f.got, f.want, f.tol) {
				t.Errorf("%s: %s = %.6f, libebur128 (+ calibration) %.6f, want ±%g", s.name, f.name, f.got, f.want, f.tol)
			}
		}
		// and without taking the calibration out: the project's tolerance, at the rates it supports
		if s.rate >= 44100 && s.rate <= 192000 && !nearLU(v.Integrated, libI, 0.03) {
			t.Errorf("%s: Integrated = %.4f, libebur128 %.4f: more than 0.03 LU apart", s.name, v.Integrated, libI)
		}
	}
}

// rawF32 returns p as raw little-endian float32 samples.
func rawF32(p []float32) []byte {
	if binary.NativeEndian.Uint16([]byte{1, 0}) == 1 && len(p) > 0 {
		// the samples as they are in memory: converting them one by one is what costs, under the race detector
		return unsafe.Slice((*byte)(unsafe.Pointer(&p[0])), 4*len(p))
	}
	raw := make([]byte, 4*len(p))
	for i, v := range p {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
	}
	return raw
}

// runFFmpeg runs ffmpeg's ebur128 filter over p and returns its last integrated loudness and range, and the
// largest momentary and short-term values it reported (it prints them to 0.001 LU every 100 ms).
func runFFmpeg(tb testing.TB, ffmpeg string, p []float32, rate, channels int) (i, lra, mmax, smax float64) {
	tb.Helper()
	cmd := exec.Command(ffmpeg, "-nostats", "-hide_banner", "-loglevel", "error",
		"-f", "f32le", "-ar", strconv.Itoa(rate), "-ac", strconv.Itoa(channels), "-i", "pipe:0",
		"-af", "ebur128=metadata=1,ametadata=print:file=-", "-f", "null", "-")
	cmd.Stdin = bytes.NewReader(rawF32(p))
	out, err := cmd.Output()
	if err != nil {
		tb.Fatalf("ffmpeg: %v", err)
	}
	inf := math.Inf(-1)
	i, mmax, smax = inf, inf, inf
	for _, line := range strings.Split(string(out), "\n") {
		key, val, ok := strings.Cut(strings.TrimPrefix(line, "lavfi.r128."), "=")
		if !ok {
			continue
		}
		v, err := strconv.ParseFloat(val, 64)
		if err != nil {
			continue
		}
		switch key {
		case "I":
			i = v
		case "LRA":
			lra = v
		case "M":
			if !math.IsNaN(v) { // ffmpeg prints nan for a window of digital silence
				mmax = max(mmax, v)
			}
		case "S":
			if !math.IsNaN(v) {
				smax = max(smax, v)
			}
		}
	}
	return i, lra, mmax, smax
}

// The meter against ffmpeg 5.1's ebur128 filter, which keeps 0.01 LU histograms for both the integrated loudness
// and the range and takes a short-term value every 100 ms as we do, but reads its histograms at the lower bin
// edges: its integrated loudness reads up to 0.01 LU low (a -23 dBFS tone reads -23.000 where the exact value is
// -22.993). Its filter is libebur128's, so the 1 kHz calibration (see TestLibebur128) is taken out first.
// Integrated loudness agrees within 0.015 LU, the maxima within 0.002 LU (the print precision); without taking
// the calibration out, integrated loudness is within 0.05 LU up to 192 kHz (0.027 measured at 96 kHz, 0.037 at
// 192 kHz). ffmpeg ranks the range's percentiles differently (1-based ranks round(0.1·n) and round(0.95·n), where
// libebur128 and we take 0-based round(0.1·(n-1)) and round(0.95·(n-1))) and puts its relative gate on the
// nearest bin edge. On the step signals of EBU 3342 that changes nothing; on a minute of programme-like material
// the ranges agree within 0.1 LU (0.05 measured; 0.11 on 30 s of 5.1, where a rank is a tenth of an LU); on the
// deliberately jumpy test programme, whose few hundred short-term values leave gaps of tenths of an LU between
// neighbours, one rank moves it by 0.13 LU. Ranked ffmpeg's way, the exact values agree with ffmpeg's within
// 0.02 LU on the programme-like material, which shows that the ranking is all there is to it there (on the jumpy
// programme 0.07 LU remains: ffmpeg's gate on the nearest bin edge lets in a value ours leaves out).
func TestFFmpeg(t *testing.T) {
	ffmpeg, err := exec.LookPath("ffmpeg")
	if err != nil {
		t.Skip("ffmpeg is not installed: skipping the comparison with its ebur128 filter")
	}
	for _, c := range []struct {
		name     string
		rate, ch int
		gen      func() []float32
	}{
		{"programme 48 kHz stereo", 48000, 2, func() []float32 { return smoothProgramme(200, 48000, 2, 60) }},
		{"programme 44.1 kHz mono", 44100, 1, func() []float32 { return smoothProgramme(201, 44100, 1, 60) }},
		{"programme 48 kHz 5.1", 48000, 6, func() []float32 { return smoothProgramme(202, 48000, 6, 60) }},
		{"jumpy programme 44.1 kHz mono", 44100, 1, func() []float32 { return loudProgramme(201, 44100, 1, 60) }},
		{"EBU 3341 case 5", 48000, 2, func() []float32 {
			return tone(48000, 1000, toneLevel(-26, 2, 20), toneLevel(-20, 2, 20.1), toneLevel(-26, 2, 20))
		}},
		{"EBU 3342 case 2, 96 kHz", 96000, 2, func() []float32 {
			return tone(96000, 1000, toneLevel(-20, 2, 20), toneLevel(-15, 2, 20))
		}},
	} {
		p := c.gen()
		fi, flra, fm, fs := runFFmpeg(t, ffmpeg, p, c.rate, c.ch)
		l := newLoudness(t, c.rate, c.ch, nil)
		l.Process(p)
		v := l.Loudness()
		// the range with ffmpeg's ranks: the values at 1-based ranks round(0.1·n) and round(0.95·n)
		_, kept := referenceWithRange(p, c.rate, c.ch, StandardWeights(c.ch))
		n := float64(len(kept))
		ffRange := lufs(kept[max(int(0.95*n+0.5)-1, 0)]) - lufs(kept[max(int(0.1*n+0.5)-1, 0)])
		rangeTol, rankedTol := 0.1, 0.02
		if strings.HasPrefix(c.name, "jumpy") {
			rangeTol, rankedTol = 0.2, 0.2 // see above
		}
		cal := 10 * math.Log10(kpower(newKWeight(c.rate), float64(c.rate), 1000)/kpower(designKWeight(float64(c.rate)), float64(c.rate), 1000))
		t.Logf("%-26s calibration %+.4f | I %.4f vs %.3f | LRA %.4f (ranked as ffmpeg %.4f) vs %.3f | M max %.4f vs %.3f | S max %.4f vs %.3f",
			c.name, cal, v.Integrated, fi, v.Range, ffRange, flra, v.MomentaryMax, fm, v.ShortTermMax, fs)
		for _, f := range []struct {
			name           string
			got, want, tol float64
		}{
			{"Integrated", v.Integrated - cal, fi, 0.015},
			{"Range", v.Range, flra, rangeTol},
			{"Range ranked as ffmpeg ranks", ffRange, flra, rankedTol},
			{"MomentaryMax", v.MomentaryMax - cal, fm, 0.002},
			{"ShortTermMax", v.ShortTermMax - cal, fs, 0.002},
			{"Integrated, uncalibrated", v.Integrated, fi, 0.05},
		} {
			if !nearLU(f.got, f.want, f.tol) {
				t.Errorf("%s: %s = %.4f, ffmpeg %.3f, want ±%g", c.name, f.name, f.got, f.want, f.tol)
			}
		}
	}
}
