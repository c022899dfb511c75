package dsp

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// splitSignal is seconds of interleaved test programme: tones and noise whose level changes every second (so
// that the gates, the range and the maxima have something to do), with a stretch of digital silence.
func splitSignal(rate, channels int, seconds float64, seed uint64) []float32 {
	n := int(seconds * float64(rate))
	r := rand.New(rand.NewPCG(seed, 1))
	x := make([]float32, n*channels)
	gain := 0.3
	for i := range n {
		if i%rate == 0 {
			gain = 0.02 + 0.5*r.Float64()
		}
		if i >= 7*rate && i < 8*rate {
			continue // a second of silence
		}
		t := float64(i) / float64(rate)
		for c := range channels {
			f := 220 * float64(c+1)
			v := gain * (0.6*math.Sin(2*math.Pi*f*t+float64(c)) + 0.3*(2*r.Float64()-1))
			x[i*channels+c] = float32(v)
		}
	}
	return x
}

// feed processes x into m in blocks of varying sizes, calling Interval at every multiple of grid frames from
// the input's start (first is the frame x starts at) and stopping there, as a caller that cuts an input at
// those places does.
func feed(m *Meter, x []float32, channels int, first, grid int64, r *rand.Rand) {
	pos := first
	for len(x) > 0 {
		n := int64(1 + r.IntN(3000))
		if next := (pos/grid + 1) * grid; pos+n > next {
			n = next - pos
		}
		n = min(n, int64(len(x)/channels))
		m.Process(x[:n*int64(channels)])
		x = x[n*int64(channels):]
		pos += n
		if pos%grid == 0 {
			m.Interval()
		}
	}
}

// wholeAndSplit measures x with one meter and with one meter per part (cut at the frames in cuts, each a
// multiple of grid), merged; it returns both Levels.
func wholeAndSplit(t *testing.T, cfg Config, x []float32, cuts []int64, grid int64) (whole, split Levels) {
	t.Helper()
	ch := cfg.Channels
	r := rand.New(rand.NewPCG(7, 7))
	m, err := NewMeter(cfg)
	if err != nil {
		t.Fatal(err)
	}
	feed(m, x, ch, 0, grid, r)
	m.End()
	whole = m.Levels()

	frames := int64(len(x) / ch)
	bounds := append(append([]int64{0}, cuts...), frames)
	var merged *Meter
	for k := range len(bounds) - 1 {
		a, b := bounds[k], bounds[k+1]
		p, err := NewMeter(cfg)
		if err != nil {
			t.Fatal(err)
		}
		from := max(0, a-int64(PrimeFrames(cfg.SampleRate)))
		p.Prime(x[from*int64(ch) : a*int64(ch)])
		feed(p, x[a*int64(ch):b*int64(ch)], ch, a, grid, r)
		if k == len(bounds)-2 {
			p.End()
		}
		if merged == nil {
			merged = p
			continue
		}
		if err := merged.Merge(p); err != nil {
			t.Fatal(err)
		}
	}
	return whole, merged.Levels()
}

// relDiff is |a-b| relative to the larger, 0 when both are equal (infinities and NaNs included).
func relDiff(a, b float64) float64 {
	if a == b || math.IsNaN(a) && math.IsNaN(b) {
		return 0
	}
	return math.Abs(a-b) / max(math.Abs(a), math.Abs(b))
}

// compareLevels fails unless the merged levels are the whole's: peaks, counts and loudness exactly, the sums
// (RMS, DC offset, crest factor, correlation) within tol relative; it returns the largest relative deviation.
func compareLevels(t *testing.T, whole, split Levels, tol float64) float64 {
	t.Helper()
	worst := 0.0
	near := func(what string, a, b float64) {
		d := relDiff(a, b)
		worst = max(worst, d)
		if d > tol {
			t.Errorf("%s: whole %v, split %v (relative %.3g)", what, a, b, d)
		}
	}
	exact := func(what string, a, b float64) {
		if relDiff(a, b) != 0 {
			t.Errorf("%s: whole %v, split %v: want the same", what, a, b)
		}
	}
	if whole.Frames != split.Frames {
		t.Errorf("frames: whole %d, split %d", whole.Frames, split.Frames)
	}
	stats := func(what string, w, s Stats) {
		exact(what+" sample peak", w.SamplePeak, s.SamplePeak)
		exact(what+" true peak", w.TruePeak, s.TruePeak)
		near(what+" RMS", w.RMS, s.RMS)
		if math.Abs(w.DCOffset-s.DCOffset) > tol {
			t.Errorf("%s DC offset: whole %v, split %v", what, w.DCOffset, s.DCOffset)
		}
		worst = max(worst, math.Abs(w.DCOffset-s.DCOffset))
		near(what+" crest factor", w.CrestFactor, s.CrestFactor)
		if w.Clipped != s.Clipped || w.NonFinite != s.NonFinite {
			t.Errorf("%s counts: whole %d clipped, %d non-finite; split %d, %d", what, w.Clipped, w.NonFinite,
				s.Clipped, s.NonFinite)
		}
	}
	stats("overall", whole.Overall, split.Overall)
	for c := range whole.Channels {
		stats("channel", whole.Channel[c], split.Channel[c])
	}
	near("correlation", whole.Correlation, split.Correlation)
	wl, sl := whole.Loudness, split.Loudness
	near("integrated", wl.Integrated, sl.Integrated)
	near("range", wl.Range, sl.Range)
	exact("momentary max", wl.MomentaryMax, sl.MomentaryMax)
	exact("short-term max", wl.ShortTermMax, sl.ShortTermMax)
	exact("momentary", wl.Momentary, sl.Momentary)
	exact("short-term", wl.ShortTerm, sl.ShortTerm)
	if whole.Notes() != split.Notes() {
		t.Errorf("notes: whole %+v, split %+v", whole.Notes(), split.Notes())
	}
	return worst
}

func TestMeterSplitMatchesWhole(t *testing.T) {
	type edit func(x []float32, rate, ch int)
	spike := func(frame int, v float32) edit {
		return func(x []float32, rate, ch int) { x[frame*ch] = v }
	}
	clipRun := func(frame int) edit {
		return func(x []float32, rate, ch int) {
			for i := frame - 3; i < frame+3; i++ {
				for c := range ch {
					x[i*ch+c] = 1
				}
			}
		}
	}
	silence := func(x []float32, rate, ch int) { clear(x) }
	tests := []struct {
		name     string
		rate, ch int
		seconds  float64
		grid     int64 // frames
		cuts     []int64
		edits    []edit
	}{
		{"two halves, stereo", 48000, 2, 8, 4800, []int64{288000}, nil},
		{"three parts, mono, not whole 100 ms", 16000, 1, 11.57, 1600, []int64{64000, 128000}, nil},
		{"parts shorter than the priming, 5.1", 8000, 6, 9, 800, []int64{8000, 16000, 16800, 24000, 56000}, nil},
		{"every 100 ms for a second", 44100, 2, 4.5, 4410, []int64{4410, 8820, 13230, 17640, 22050, 26460, 30870, 35280, 39690, 44100, 176400}, nil},
		{"peak at a cut", 16000, 2, 8, 3200, []int64{96000}, []edit{spike(96000, 0.99), spike(95999, -0.98)}},
		{"peak just before a cut", 16000, 2, 8, 3200, []int64{96000}, []edit{spike(95999, 0.99)}},
		{"clipping across a cut", 16000, 2, 8, 1600, []int64{96000}, []edit{clipRun(96000)}},
		{"silence", 48000, 2, 8, 4800, []int64{96000, 288000}, []edit{silence}},
		{"coarse grid, 96 kHz", 96000, 2, 6.5, 96000, []int64{480000}, nil},
	}
	worst := 0.0
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := splitSignal(tt.rate, tt.ch, tt.seconds, uint64(i))
			for _, e := range tt.edits {
				e(x, tt.rate, tt.ch)
			}
			whole, split := wholeAndSplit(t, Config{SampleRate: tt.rate, Channels: tt.ch}, x, tt.cuts, tt.grid)
			worst = max(worst, compareLevels(t, whole, split, 1e-12))
		})
	}
	t.Logf("largest relative deviation of the sums: %.3g", worst)
}

// A tone whose peaks are all within the refinement margin of one another is where which intervals are refined
// depends on the maximum found so far: the parts must refine the same ones as the whole. After the cut the tone
// is louder by less than the margin: a meter that carried its maximum across the cut would not refine it.
func TestMeterSplitSteadyTone(t *testing.T) {
	const rate = 48000
	x := make([]float32, 8*rate*2)
	for i := range 8 * rate {
		a := 0.9
		if i >= 192000 {
			a *= 1.0005 // +0.004 dB
		}
		v := float32(a * math.Sin(2*math.Pi*float64(i)/48.5)) // the crest half-way between samples
		x[2*i], x[2*i+1] = v, -v
	}
	for _, grid := range []int64{4800, 48000, 192000} {
		whole, split := wholeAndSplit(t, Config{SampleRate: rate, Channels: 2}, x, []int64{192000}, grid)
		compareLevels(t, whole, split, 1e-12)
	}
}

// Results do not depend on how the input is cut into blocks, the true peak included.
func TestMeterTruePeakBlockIndependent(t *testing.T) {
	const rate = 48000
	x := make([]float32, rate)
	for i := range x {
		x[i] = float32(0.9 * math.Sin(2*math.Pi*997.3*float64(i)/rate))
	}
	var want float64
	for k, size := range []int{3, 7, 480, 1000, 8192, len(x)} {
		m, _ := NewMeter(Config{SampleRate: rate, Channels: 1})
		for p := x; len(p) > 0; {
			n := min(size, len(p))
			m.Process(p[:n])
			p = p[n:]
		}
		m.End()
		got := m.Levels().Overall.TruePeak
		if k == 0 {
			want = got
		} else if got != want {
			t.Errorf("blocks of %d: true peak %v, blocks of 3: %v", size, got, want)
		}
	}
}

func TestMeterMergeRefuses(t *testing.T) {
	mk := func(cfg Config) *Meter {
		m, err := NewMeter(cfg)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	stereo := Config{SampleRate: 48000, Channels: 2}
	mid := mk(stereo)
	mid.Process(make([]float32, 2*100))
	same := mk(stereo)
	tests := []struct {
		name    string
		m, next *Meter
	}{
		{"itself", same, same},
		{"rates", mk(stereo), mk(Config{SampleRate: 44100, Channels: 2})},
		{"channels", mk(stereo), mk(Config{SampleRate: 48000, Channels: 1})},
		{"weights", mk(stereo), mk(Config{SampleRate: 48000, Channels: 2, Weights: []float64{1, 0}})},
		{"windows", mk(stereo), mk(Config{SampleRate: 48000, Channels: 2, Windows: []time.Duration{time.Minute}})},
		{"mid sub-block", mid, mk(stereo)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.m.Merge(tt.next); !errors.Is(err, ErrMerge) {
				t.Errorf("Merge: %v, want ErrMerge", err)
			}
		})
	}
}

func TestMeterPrimeAllocatesNothing(t *testing.T) {
	m, _ := NewMeter(Config{SampleRate: 48000, Channels: 2})
	p := make([]float32, 2*4800)
	if n := testing.AllocsPerRun(20, func() { m.Prime(p) }); n != 0 {
		t.Errorf("Prime allocates %v times, want 0", n)
	}
}

// After PrimeFrames of priming, a meter's K-weighting filters and loudness windows hold what a meter fed the
// input from its start holds, to the last bit, whatever the signal and rate.
func TestPrimeSettlesFilters(t *testing.T) {
	tests := []struct {
		name   string
		rate   int
		signal func(i, rate int) float64
	}{
		{"noise, 48 kHz", 48000, func(i, rate int) float64 { return 0.5 * math.Sin(float64(i)*float64(i)*1e-7) }},
		{"25 Hz, 44.1 kHz", 44100, func(i, rate int) float64 { return 0.7 * math.Sin(2*math.Pi*25*float64(i)/float64(rate)) }},
		{"3 kHz, 192 kHz", 192000, func(i, rate int) float64 { return 0.3 * math.Sin(2*math.Pi*3000*float64(i)/float64(rate)) }},
		{"1 kHz, 768 kHz", 768000, func(i, rate int) float64 { return 0.3 * math.Sin(2*math.Pi*1000*float64(i)/float64(rate)) }},
		{"quiet then loud, 8 kHz", 8000, func(i, rate int) float64 {
			if i < 7*rate {
				return 1e-6 * math.Sin(float64(i))
			}
			return 0.9 * math.Sin(float64(i)*0.3)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			at := 8 * tt.rate // where the part starts
			x := make([]float32, at)
			for i := range x {
				x[i] = float32(tt.signal(i, tt.rate))
			}
			cfg := Config{SampleRate: tt.rate, Channels: 1}
			whole, _ := NewMeter(cfg)
			whole.Process(x)
			part, _ := NewMeter(cfg)
			part.Prime(x[at-PrimeFrames(tt.rate):])
			w, p := whole.loud, part.loud
			if w.state[0] != p.state[0] || w.pos != p.pos {
				t.Errorf("after priming: state %+v\nfrom the start: state %+v", p.state[0], w.state[0])
			}
			for k := range w.ring {
				// the ring is in the same order: both started on a sub-block boundary a multiple of 30 apart
				if j := (k + p.head - w.head + len(w.ring)) % len(w.ring); w.ring[k] != p.ring[j] {
					t.Errorf("sub-block %d: %v after priming, %v from the start", k, p.ring[j], w.ring[k])
				}
			}
		})
	}
}
