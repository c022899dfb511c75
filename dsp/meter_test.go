package dsp

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

var meterRates = []int{44100, 48000, 88200, 96000, 192000}

// gen returns frames frames of interleaved audio with sample (c, i) = f(c, i).
func gen(channels, frames int, f func(c, i int) float64) []float32 {
	p := make([]float32, channels*frames)
	for i := range frames {
		for c := range channels {
			p[i*channels+c] = float32(f(c, i))
		}
	}
	return p
}

func newTestMeter(t testing.TB, cfg Config) *Meter {
	t.Helper()
	m, err := NewMeter(cfg)
	if err != nil {
		t.Fatalf("NewMeter(%+v): %v", cfg, err)
	}
	return m
}

// closeTo reports whether got is want within tol; -Inf equals -Inf and NaN equals NaN.
func closeTo(got, want, tol float64) bool {
	if math.IsNaN(want) || math.IsInf(want, 0) {
		return math.IsNaN(got) && math.IsNaN(want) || got == want
	}
	return math.Abs(got-want) <= tol
}

// statsWant describes the expected Stats of one channel; the true peak is checked separately.
type statsWant struct {
	peak, rms, dc, crest float64 // dBFS, dBFS, linear, dB
	clipped, nonFinite   int64
}

func checkStats(t *testing.T, what string, got Stats, w statsWant) {
	t.Helper()
	const tolDB, tolDC = 1e-4, 1e-9
	if !closeTo(got.SamplePeak, w.peak, tolDB) {
		t.Errorf("%s: sample peak %v dBFS, want %v", what, got.SamplePeak, w.peak)
	}
	if !closeTo(got.RMS, w.rms, tolDB) {
		t.Errorf("%s: RMS %v dBFS, want %v", what, got.RMS, w.rms)
	}
	if !closeTo(got.DCOffset, w.dc, tolDC) {
		t.Errorf("%s: DC offset %v, want %v", what, got.DCOffset, w.dc)
	}
	if !closeTo(got.CrestFactor, w.crest, tolDB) {
		t.Errorf("%s: crest factor %v dB, want %v", what, got.CrestFactor, w.crest)
	}
	if got.Clipped != w.clipped || got.NonFinite != w.nonFinite {
		t.Errorf("%s: %d clipped, %d non-finite samples; want %d, %d", what, got.Clipped, got.NonFinite, w.clipped, w.nonFinite)
	}
	// The true peak is never below the sample peak, and for these signals not far above it. A sample-sharp step
	// from -a to +a overshoots to 1.27·a (+2.1 dB) between the samples after it; the int16 extremes alternate
	// at fs/2, and the band-limited signal of a tone at fs/2 that starts from silence overshoots without bound,
	// with the logarithm of its length (+10.4 dB ideally after 4800 samples; +9.2 dB read by the true-peak
	// refinement, whose filter spans 4096 samples).
	if got.TruePeak < got.SamplePeak || got.TruePeak > got.SamplePeak+11 && !math.IsInf(got.SamplePeak, -1) {
		t.Errorf("%s: true peak %v dBTP for a sample peak of %v dBFS", what, got.TruePeak, got.SamplePeak)
	}
}

// TestMeterStats checks the sample statistics against signals whose values are known analytically, at every supported
// sample rate, with 1 to 8 channels. Channel c of a multichannel signal is the signal at a gain of -c dB, so the
// channels differ and the overall values are checked too.
func TestMeterStats(t *testing.T) {
	const sineDB = -3.010299956639812 // the RMS of a full-scale sine
	inf := math.Inf(-1)
	nan := math.NaN()
	cases := []struct {
		name string
		// sample returns sample i of a signal of the given rate with peak amplitude a.
		sample func(i, rate int, a float64) float64
		// expect returns the Stats of n samples of it at peak amplitude a.
		expect func(a float64, n int) statsWant
	}{
		{"sine", func(i, rate int, a float64) float64 {
			return a * math.Sin(2*math.Pi*float64(i)/48) // 48 samples a period: sample 12 is the crest
		}, func(a float64, n int) statsWant { return statsWant{DB(a), DB(a) + sineDB, 0, -sineDB, 0, 0} }},
		{"dc", func(i, rate int, a float64) float64 { return -a }, func(a float64, n int) statsWant {
			return statsWant{DB(a), DB(a), -a, 0, 0, 0}
		}},
		{"square", func(i, rate int, a float64) float64 {
			if i/10%2 == 0 {
				return a
			}
			return -a
		}, func(a float64, n int) statsWant { return statsWant{DB(a), DB(a), 0, 0, 0, 0} }},
		{"silence", func(i, rate int, a float64) float64 { return 0 }, func(a float64, n int) statsWant {
			return statsWant{inf, inf, 0, nan, 0, 0}
		}},
		{"full-scale square", func(i, rate int, a float64) float64 {
			return float64(1 - 2*(i/10%2))
		}, func(a float64, n int) statsWant { return statsWant{0, 0, 0, 0, int64(n), 0} }},
		{"int16 extremes", func(i, rate int, a float64) float64 {
			// -32768/32768 is exactly -1: 0 dBFS, and clipped; +32767/32768 is not.
			return float64([]int{-32768, 32767}[i%2]) / 32768
		}, func(a float64, n int) statsWant {
			p, q := 1.0, 32767.0/32768
			return statsWant{0, Power((p*p + q*q) / 2), (q - p) / 2, -Power((p*p + q*q) / 2), int64(n / 2), 0}
		}},
		{"non-finite", func(i, rate int, a float64) float64 {
			switch i % 100 {
			case 7:
				return math.NaN()
			case 8:
				return math.Inf(1)
			case 9:
				return math.Inf(-1)
			}
			return a // the non-finite samples count as zero: 97 of 100 samples at a
		}, func(a float64, n int) statsWant {
			return statsWant{DB(a), Power(a * a * 0.97), a * 0.97, DB(a) - Power(a*a*0.97), 0, int64(n / 100 * 3)}
		}},
	}
	for _, tc := range cases {
		for _, rate := range meterRates {
			for channels := 1; channels <= MaxChannels; channels++ {
				if tc.name != "sine" && channels != 1 && channels != 2 && channels != MaxChannels {
					continue // the channel count matters for the overall values; one shape of signal shows that
				}
				if raceBuild && channels > 2 && channels != MaxChannels {
					continue // the race detector has nothing to find here, and slows the numbers tenfold
				}
				t.Run(fmt.Sprintf("%s/%d/%d", tc.name, rate, channels), func(t *testing.T) {
					const frames = 4800 // a multiple of 48, 20 and 100
					gain := func(c int) float64 { return math.Pow(10, -float64(c)/20) }
					level := 0.5
					p := gen(channels, frames, func(c, i int) float64 { return tc.sample(i, rate, level*gain(c)) })
					m := newTestMeter(t, Config{SampleRate: rate, Channels: channels})
					m.Process(p)
					l := m.Levels()
					if l.Frames != frames || l.SampleRate != rate || l.Channels != channels {
						t.Fatalf("Levels cover %d frames at %d Hz, %d channels; want %d, %d, %d",
							l.Frames, l.SampleRate, l.Channels, frames, rate, channels)
					}
					var all statsWant
					all.peak, all.dc = inf, 0
					sq := 0.0
					for c := range channels {
						w := tc.expect(float64(float32(level*gain(c))), frames) // the samples are float32
						checkStats(t, fmt.Sprintf("channel %d", c), l.Channel[c], w)
						all.peak = max(all.peak, w.peak)
						sq += math.Pow(10, w.rms/10)
						if math.Abs(w.dc) > math.Abs(all.dc) {
							all.dc = w.dc
						}
						all.clipped += w.clipped
						all.nonFinite += w.nonFinite
					}
					all.rms = Power(sq / float64(channels))
					all.crest = all.peak - all.rms
					if math.IsInf(all.peak, -1) {
						all.crest = nan
					}
					checkStats(t, "overall", l.Overall, all)
					if l.Overall.TruePeak != maxTruePeak(l) {
						t.Errorf("overall true peak %v, want the largest channel's, %v", l.Overall.TruePeak, maxTruePeak(l))
					}
					for _, v := range []float64{l.Loudness.Momentary, l.Loudness.Integrated, l.Loudness.Range} {
						if math.IsNaN(v) {
							t.Errorf("loudness has NaN: %+v (non-finite samples must reach it as zeros)", l.Loudness)
						}
					}
				})
			}
		}
	}
}

func maxTruePeak(l Levels) float64 {
	m := math.Inf(-1)
	for c := range l.Channels {
		m = max(m, l.Channel[c].TruePeak)
	}
	return m
}

// TestMeterLongSums checks that the sums of 24 hours at 48 kHz lose nothing. A meter adds one tick's partial sums
// (480 samples) to its interval 100 times a second, and an interval to the total at each Interval call: here an
// hour of ticks of mean square 0.1003 goes into an interval, and 24 such intervals into the total. A plain float64
// running sum of the same ticks is off by about 1e-10 relative.
func TestMeterLongSums(t *testing.T) {
	const tick = 480 * 0.1003
	var hour, total span
	q := part{frames: 480}
	q.ch[0] = chanPart{peak: 1, sum: 480 * 1e-7, sq: tick}
	for range 3600 * 100 {
		hour.addPart(&q, 1)
	}
	for range 24 {
		total.merge(&hour, 1)
	}
	st := total.stats(0)
	if got, want := total.ch[0].sq.value()/(24*3600*100*tick), 1.0; got != want {
		t.Errorf("sum of squares after 24 h: relative error %.3g", got-want)
	}
	if got, want := st.RMS, Power(0.1003); math.Abs(got-want) > 1e-13 {
		t.Errorf("RMS after 24 h: %.15f dBFS, want %.15f", got, want)
	}
	if got, want := st.DCOffset, 1e-7; math.Abs(got/want-1) > 1e-14 {
		t.Errorf("DC after 24 h: %.17g, want %.17g", got, want)
	}
}

// TestMeterCorrelation checks the stereo correlation against pairs of signals with a known correlation.
func TestMeterCorrelation(t *testing.T) {
	sine := func(i int) float64 { return math.Sin(2 * math.Pi * float64(i) / 48) }
	cosine := func(i int) float64 { return math.Cos(2 * math.Pi * float64(i) / 48) }
	noise := rand.New(rand.NewPCG(3, 4))
	n1 := make([]float64, 48000)
	n2 := make([]float64, 48000)
	for i := range n1 {
		n1[i], n2[i] = noise.NormFloat64()*0.1, noise.NormFloat64()*0.1
	}
	cases := []struct {
		name     string
		channels int
		f        func(c, i int) float64
		want     float64
		tol      float64
	}{
		{"identical", 2, func(c, i int) float64 { return 0.5 * sine(i) }, 1, 1e-12},
		{"different gains", 2, func(c, i int) float64 { return (0.5 - 0.4*float64(c)) * sine(i) }, 1, 1e-12},
		{"anti-phase", 2, func(c, i int) float64 { return 0.5 * sine(i) * float64(1-2*c) }, -1, 1e-12},
		{"quadrature", 2, func(c, i int) float64 {
			if c == 0 {
				return sine(i)
			}
			return cosine(i)
		}, 0, 1e-6},
		{"independent noise", 2, func(c, i int) float64 { return [][]float64{n1, n2}[c][i] }, 0, 0.02},
		// L = a + b, R = a - b with a, b independent and of equal power: correlation 0; with b at half a's
		// amplitude: (1 - 1/4) / (1 + 1/4) = 0.6.
		{"mid-side", 2, func(c, i int) float64 { return n1[i] + float64(1-2*c)*0.5*n2[i] }, 0.6, 0.02},
		{"right silent", 2, func(c, i int) float64 { return sine(i) * float64(1-c) }, math.NaN(), 0},
		{"silence", 2, func(c, i int) float64 { return 0 }, math.NaN(), 0},
		{"mono", 1, func(c, i int) float64 { return sine(i) }, math.NaN(), 0},
		{"three channels", 3, func(c, i int) float64 { return sine(i) }, math.NaN(), 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := newTestMeter(t, Config{SampleRate: 48000, Channels: tc.channels})
			m.Process(gen(tc.channels, 48000, tc.f))
			if got := m.Levels().Correlation; !closeTo(got, tc.want, tc.tol) {
				t.Errorf("correlation %v, want %v ± %v", got, tc.want, tc.tol)
			}
		})
	}
}

// levelsString prints every field of l, floats exactly (the shortest representation that reads back as the same
// number), so that two Levels compare equal as strings only if they are identical, NaNs included.
func levelsString(l Levels) string { return fmt.Sprintf("%+v", l) }

// noisySignal returns frames of seeded noise with bursts, clipping runs, non-finite samples and silence: a
// signal that exercises every path of the meter.
func noisySignal(channels, frames int, seed uint64) []float32 {
	r := rand.New(rand.NewPCG(seed, 1))
	p := make([]float32, channels*frames)
	for i := range frames {
		env := 0.3 * (1 + math.Sin(float64(i)/3000))
		for c := range channels {
			v := env * r.NormFloat64()
			switch {
			case i%7919 < 5:
				v = 1 // a clipped run
			case i%10007 == 3:
				v = math.NaN()
			case i%12007 == 4:
				v = math.Inf(-1)
			case i%20000 < 2000:
				v = 0
			}
			p[i*channels+c] = float32(v)
		}
	}
	return p
}

// TestMeterBlockSizeIndependence feeds the same input one frame at a time, in random blocks, in blocks straddling
// every tick boundary, and in one block, and requires identical Levels.
func TestMeterBlockSizeIndependence(t *testing.T) {
	for _, tc := range []struct{ rate, channels int }{{48000, 2}, {44100, 1}, {96000, 6}, {192000, 2}} {
		t.Run(fmt.Sprintf("%d/%d", tc.rate, tc.channels), func(t *testing.T) {
			frames := tc.rate / 2
			p := noisySignal(tc.channels, frames, 7)
			feed := map[string]func(m *Meter){
				"one block": func(m *Meter) { m.Process(p) },
				"one frame at a time": func(m *Meter) {
					for i := 0; i < len(p); i += tc.channels {
						m.Process(p[i : i+tc.channels])
					}
				},
				"random blocks": func(m *Meter) {
					r := rand.New(rand.NewPCG(1, 1))
					for q := p; len(q) > 0; {
						n := min(len(q), (r.IntN(3000)+0)*tc.channels)
						m.Process(q[:n]) // empty blocks included
						q = q[n:]
					}
				},
				"partial frames": func(m *Meter) {
					// A trailing partial frame is ignored, so a caller that cuts mid-frame loses it; cut
					// whole frames, and append a partial frame that must not count.
					for q := p; len(q) > 0; {
						n := min(len(q), 333*tc.channels)
						m.Process(q[:n])
						if tc.channels > 1 {
							m.Process(q[:tc.channels-1])
						}
						q = q[n:]
					}
				},
			}
			var ref string
			for _, name := range []string{"one block", "one frame at a time", "random blocks", "partial frames"} {
				m := newTestMeter(t, Config{SampleRate: tc.rate, Channels: tc.channels})
				feed[name](m)
				got := levelsString(m.Levels())
				if ref == "" {
					ref = got
					continue
				}
				if got != ref {
					t.Errorf("%s:\n got %s\nwant %s", name, got, ref)
				}
			}
		})
	}
}

// TestMeterIntervals checks that intervals partition the input: merging the Levels of the intervals gives the
// Levels of the whole, and a meter that was never asked for intervals agrees.
func TestMeterIntervals(t *testing.T) {
	const rate, channels = 48000, 2
	p := noisySignal(channels, rate, 11)
	whole := newTestMeter(t, Config{SampleRate: rate, Channels: channels})
	whole.Process(p)
	m := newTestMeter(t, Config{SampleRate: rate, Channels: channels})
	r := rand.New(rand.NewPCG(5, 5))
	var ivs []Levels
	for q := p; len(q) > 0; {
		n := min(len(q), r.IntN(5000)*channels)
		m.Process(q[:n])
		q = q[n:]
		if r.IntN(3) == 0 {
			ivs = append(ivs, m.Interval())
		}
	}
	ivs = append(ivs, m.Interval())
	ivs = append(ivs, m.Interval()) // an empty interval
	if e := ivs[len(ivs)-1]; e.Frames != 0 || !math.IsInf(e.Overall.SamplePeak, -1) || !math.IsInf(e.Overall.RMS, -1) {
		t.Errorf("empty interval: %+v", e.Overall)
	}
	total := m.Levels()
	for _, ref := range []Levels{total, whole.Levels()} {
		for c := -1; c < channels; c++ {
			get := func(l Levels) Stats {
				if c < 0 {
					return l.Overall
				}
				return l.Channel[c]
			}
			var frames, clipped, nonFinite int64
			peak, tp, energy := math.Inf(-1), math.Inf(-1), 0.0
			for _, iv := range ivs {
				s := get(iv)
				frames += iv.Frames
				clipped += s.Clipped
				nonFinite += s.NonFinite
				peak = max(peak, s.SamplePeak)
				tp = max(tp, s.TruePeak)
				if iv.Frames > 0 {
					energy += float64(iv.Frames) * math.Pow(10, s.RMS/10)
				}
			}
			s := get(ref)
			if frames != ref.Frames || clipped != s.Clipped || nonFinite != s.NonFinite || peak != s.SamplePeak {
				t.Errorf("channel %d: intervals sum to %d frames, %d clipped, %d non-finite, peak %v; the whole has %d, %d, %d, %v",
					c, frames, clipped, nonFinite, peak, ref.Frames, s.Clipped, s.NonFinite, s.SamplePeak)
			}
			if tp != s.TruePeak {
				t.Errorf("channel %d: largest interval true peak %v, the whole's %v", c, tp, s.TruePeak)
			}
			if rms := Power(energy / float64(frames)); math.Abs(rms-s.RMS) > 1e-9 {
				t.Errorf("channel %d: intervals' RMS %v, the whole's %v", c, rms, s.RMS)
			}
		}
	}
	if a, b := total.Correlation, whole.Levels().Correlation; math.Abs(a-b) > 1e-12 {
		t.Errorf("correlation %v with intervals, %v without", a, b)
	}
}

// TestMeterReset checks that a reset meter is as new.
func TestMeterReset(t *testing.T) {
	cfg := Config{SampleRate: 48000, Channels: 2}
	p := noisySignal(2, 30000, 3)
	fresh := newTestMeter(t, cfg)
	fresh.Process(p)
	m := newTestMeter(t, cfg)
	m.Process(noisySignal(2, 12345, 4))
	m.Interval()
	m.Process(noisySignal(2, 777, 5))
	m.Reset()
	m.Process(p)
	if a, b := levelsString(m.Levels()), levelsString(fresh.Levels()); a != b {
		t.Errorf("after Reset:\n got %s\nwant %s", a, b)
	}
}

// TestMeterAllocatesNothing proves that Process, Interval and Levels allocate nothing, on every path: tick boundaries,
// clipping runs, non-finite samples.
func TestMeterAllocatesNothing(t *testing.T) {
	for _, channels := range []int{1, 2, 6} {
		m := newTestMeter(t, Config{SampleRate: 48000, Channels: channels})
		p := noisySignal(channels, 48000, 9)
		i := 0
		if n := testing.AllocsPerRun(50, func() {
			m.Process(p[i*channels*960 : (i+1)*channels*960])
			i = (i + 1) % 50
		}); n != 0 {
			t.Errorf("%d channels: Process allocates %v times per call", channels, n)
		}
		if n := testing.AllocsPerRun(50, func() { m.Process(p[:channels*7]); m.Interval() }); n != 0 {
			t.Errorf("%d channels: Interval allocates %v times per call", channels, n)
		}
		if n := testing.AllocsPerRun(50, func() { _ = m.Levels() }); n != 0 {
			t.Errorf("%d channels: Levels allocates %v times per call", channels, n)
		}
	}
}

// TestNewMeterErrors checks that every bad field is refused with an error that names it.
func TestNewMeterErrors(t *testing.T) {
	ok := Config{SampleRate: 48000, Channels: 2}
	for _, tc := range []struct {
		field string
		edit  func(c *Config)
		is    error // the sentinel the error wraps, where a caller must tell it apart
	}{
		{"sample rate not supported: 0 Hz, want 8000 to 768000 Hz", func(c *Config) { c.SampleRate = 0 }, ErrSampleRate},
		{"sample rate not supported: -44100 Hz", func(c *Config) { c.SampleRate = -44100 }, ErrSampleRate},
		{"sample rate not supported: 4000 Hz", func(c *Config) { c.SampleRate = 4000 }, ErrSampleRate},
		{"channel count not supported: 0 channels, want 1 to 16", func(c *Config) { c.Channels = 0 }, ErrChannels},
		{"channel count not supported: 17 channels", func(c *Config) { c.Channels = MaxChannels + 1 }, ErrChannels},
		{"5.1 has 6 channels, the audio 2", func(c *Config) { c.Layout = DefaultLayout(6) }, ErrLayout},
		{"bad channel weights: 1 given for 2 channels", func(c *Config) { c.Weights = []float64{1} }, ErrWeights},
		{"Weights[1]", func(c *Config) { c.Weights = []float64{1, math.NaN()} }, nil},
		{"Weights[0]", func(c *Config) { c.Weights = []float64{-1, 1} }, nil},
		{"PeakHold", func(c *Config) { c.PeakHold = -time.Second }, nil},
		{"PeakDecay", func(c *Config) { c.PeakDecay = -1 }, nil},
		{"PeakDecay", func(c *Config) { c.PeakDecay = math.Inf(1) }, nil},
		{"ClipLevel", func(c *Config) { c.ClipLevel = 1.5 }, nil},
		{"ClipLevel", func(c *Config) { c.ClipLevel = -0.5 }, nil},
		{"ClipLevel", func(c *Config) { c.ClipLevel = math.NaN() }, nil},
	} {
		cfg := ok
		tc.edit(&cfg)
		m, err := NewMeter(cfg)
		if err == nil || m != nil {
			t.Errorf("NewMeter(%+v) = %v, %v; want an error", cfg, m, err)
			continue
		}
		if tc.is != nil {
			if !errors.Is(err, tc.is) || !strings.Contains(err.Error(), tc.field) {
				t.Errorf("NewMeter(%+v): error %q, want one that wraps %q and says %q", cfg, err, tc.is, tc.field)
			}
			continue
		}
		if !strings.Contains(err.Error(), "Config."+tc.field+" ") {
			t.Errorf("NewMeter(%+v): error %q does not name Config.%s", cfg, err, tc.field)
		}
	}
	if _, err := NewMeter(Config{SampleRate: 48000, Channels: 2, Weights: []float64{1, 0}}); err != nil {
		t.Errorf("weights 1, 0: %v", err)
	}
}

// TestMeterLoudness checks that the Meter feeds its LoudnessMeter: a stereo 1 kHz sine at -20 dBFS reads
// -20 LUFS, with NaN samples among it or not (they reach the loudness filters as zeros, as they do the
// statistics), and the loudness state survives Interval but not Reset.
func TestMeterLoudness(t *testing.T) {
	a := math.Pow(10, -20.0/20)
	for _, withNaN := range []bool{false, true} {
		m := newTestMeter(t, Config{SampleRate: 48000, Channels: 2})
		p := gen(2, 48000*4, func(c, i int) float64 {
			if withNaN && i == 1000 {
				return math.NaN()
			}
			return a * math.Sin(2*math.Pi*1000*float64(i)/48000)
		})
		m.Process(p)
		iv := m.Interval()
		l := m.Levels()
		if !closeTo(l.Loudness.Integrated, -20, 0.02) || !closeTo(iv.Loudness.Integrated, -20, 0.02) {
			t.Errorf("NaN %v: integrated %v LUFS (interval %v), want -20", withNaN, l.Loudness.Integrated, iv.Loudness.Integrated)
		}
		if withNaN && l.Overall.NonFinite != 2 {
			t.Errorf("%d non-finite samples, want 2", l.Overall.NonFinite)
		}
		m.Reset()
		if l := m.Levels(); !math.IsInf(l.Loudness.Integrated, -1) || !math.IsInf(l.Loudness.MomentaryMax, -1) {
			t.Errorf("after Reset: loudness %+v, want -Inf", l.Loudness)
		}
	}
}

// TestMeterInt16FullScale checks the convention that makes an int16 -32768 exactly full scale: normalised by
// 32768 it is -1.0, which reads exactly 0 dBFS and counts as clipped; +32767 does not, unless the source sets
// ClipLevel to its positive extreme.
func TestMeterInt16FullScale(t *testing.T) {
	for _, tc := range []struct {
		clip    float64
		clipped int64
	}{{0, 1}, {32767.0 / 32768, 2}} {
		m := newTestMeter(t, Config{SampleRate: 44100, Channels: 1, ClipLevel: tc.clip})
		m.Process([]float32{0, -32768.0 / 32768, 0, 32767.0 / 32768, 0})
		l := m.Levels()
		if l.Overall.SamplePeak != 0 || l.Overall.Clipped != tc.clipped {
			t.Errorf("ClipLevel %v: sample peak %v dBFS, %d clipped; want exactly 0, %d", tc.clip, l.Overall.SamplePeak, l.Overall.Clipped, tc.clipped)
		}
	}
}
