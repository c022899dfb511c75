package dsp

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
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

// loudProgramme renders a deterministic programme-like signal: coloured noise (independent per channel, each with its
// own gain) under a level envelope that steps, ramps, dips below the absolute gate and falls silent, so that both
// gates and the percentiles have work to do.
func loudProgramme(seed uint64, rate, channels int, seconds float64) []float32 {
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	frames := int(seconds * float64(rate))
	out := make([]float32, frames*channels)
	gain := make([]float64, channels)
	lp := make([]float64, channels)
	for c := range gain {
		gain[c] = math.Pow(10, -6*r.Float64()/20)
	}
	// the envelope: a new target level every 0.5 to 4 s, approached with a time constant of about 200 ms
	target, env, a := -20.0, -20.0, 0.1
	next := 0
	alpha := 1 - math.Exp(-1/(0.2*float64(rate)))
	for i := range frames {
		if i == next {
			switch p := r.Float64(); {
			case p < 0.08:
				target = -200 // silence
			case p < 0.15:
				target = -75 - 10*r.Float64() // below the absolute gate
			default:
				target = -45 + 40*r.Float64()
			}
			next = i + int((0.5+3.5*r.Float64())*float64(rate))
		}
		if i%32 == 0 { // the envelope is slow: a new gain every 32 frames is smooth enough
			env += 32 * alpha * (target - env)
			a = math.Pow(10, env/20)
			if env < -190 {
				a = 0
			}
		}
		for c := range channels {
			// white noise through a one-pole low-pass: most of its energy in the lower half of the band, where
			// the K-weighting shelf and the high-pass both matter
			lp[c] += 0.3 * (r.NormFloat64() - lp[c])
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
			l.Process(tone(rate, 1000, toneSegment{c.dbfs, 5}))
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
		{3, []float64{1, 1, 1}},
		{4, []float64{1, 1, 1, 1}},
		{5, []float64{1, 1, 1, 1.41, 1.41}},
		{6, []float64{1, 1, 1, 0, 1.41, 1.41}},
		{7, []float64{1, 1, 1, 1, 1, 1, 1}},
		{8, []float64{1, 1, 1, 1, 1, 1, 1, 1}},
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
		{"7 channels, 7th", 7, nil, 6, base},
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
		{0, 2, nil, "sampleRate 0"},
		{-48000, 2, nil, "sampleRate -48000"},
		{7999, 2, nil, "sampleRate 7999"},
		{768001, 2, nil, "sampleRate 768001"},
		{48000, 0, nil, "channels 0"},
		{48000, 9, nil, "channels 9"},
		{48000, -1, nil, "channels -1"},
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
		{96000, 8, []float64{1, 2, 3, 4, 5, 6, 7, 8}},
	} {
		p := loudProgramme(7, c.rate, c.channels, 6.35)
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
// without a single allocation: nothing can grow with the programme's length.
func TestLoudnessMemoryBounded(t *testing.T) {
	const rate = 8000
	l := newLoudness(t, rate, 1, nil)
	minutes := 60
	if testing.Short() {
		minutes = 5
	}
	block := loudProgramme(11, rate, 1, 60) // a minute, fed again and again
	n := testing.AllocsPerRun(1, func() {
		for range minutes / 2 {
			l.Process(block)
		}
		_ = l.Loudness()
	})
	if n != 0 {
		t.Errorf("%d minutes of audio: %v allocations", minutes, n)
	}
	v := l.Loudness()
	if l.nsub != int64(minutes*60*10) {
		t.Errorf("%d sub-blocks measured, want %d", l.nsub, minutes*60*10)
	}
	// the same minute over and over: the integrated loudness and the range are those of one minute
	one := newLoudness(t, rate, 1, nil)
	one.Process(block)
	one.Process(block)
	w := one.Loudness()
	if !nearLU(v.Integrated, w.Integrated, 0.01) || !nearLU(v.Range, w.Range, 0.1) {
		t.Errorf("an hour of the same minute: I %.3f LRA %.3f; two minutes: I %.3f LRA %.3f",
			v.Integrated, v.Range, w.Integrated, w.Range)
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
		{"nothing", nil, Loudness{inf, inf, inf, inf, inf, 0}},
		{"digital silence", make([]float32, 2*48000*10), Loudness{inf, inf, inf, inf, inf, 0}},
		{"below the gate", tone(48000, 1000, toneLevel(-75, 2, 10)), Loudness{-75, -75, -75, -75, inf, 0}},
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
	if v := l.Loudness(); v != (Loudness{inf, inf, inf, inf, inf, 0}) {
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

// Non-finite input is the caller's to remove, but it must not panic the meter, and the meter recovers.
func TestLoudnessNonFinite(t *testing.T) {
	for _, bad := range []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), math.MaxFloat32} {
		l := newLoudness(t, 48000, 2, nil)
		tone := tone(48000, 1000, toneLevel(-23, 2, 20))
		l.Process(tone[:2*48000*5])
		burst := make([]float32, 2*480)
		for i := range burst {
			burst[i] = bad
		}
		l.Process(burst)
		l.Process(tone[2*48000*5:])
		v := l.Loudness()
		if !nearLU(v.Momentary, -23, 0.01) || !nearLU(v.ShortTerm, -23, 0.01) {
			t.Errorf("%v burst: did not recover: M %v S %v", bad, v.Momentary, v.ShortTerm)
		}
		if bad != math.MaxFloat32 && !nearLU(v.Integrated, -23, 0.01) {
			t.Errorf("%v burst: Integrated %v, want -23 from the finite blocks", bad, v.Integrated)
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
	if h.lo <= h.hi {
		t.Errorf("values below the gate or not finite were counted: lo %d hi %d", h.lo, h.hi)
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
}
