package dsp

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestIdealTruePeak checks the oracle against a brute-force search of the sinc sum on a fine grid, on short
// signals whose peaks lie anywhere, also just outside the samples.
func TestIdealTruePeak(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	for _, tc := range []struct {
		name string
		x    []float64
	}{
		{"pair at the end", []float64{0, 0.01, -0.02, 0.5, 0.5}},
		{"alternating", []float64{0.5, -0.5, 0.5, -0.5}},
		{"impulse", []float64{0, 0, 1, 0}},
		{"white", func() []float64 {
			x := make([]float64, 200)
			for i := range x {
				x[i] = r.Float64()*2 - 1
			}
			return x
		}()},
	} {
		brute := 0.0
		for t := -20.0; t < float64(len(tc.x))+20; t += 1.0 / 4096 {
			brute = max(brute, math.Abs(sincSum(tc.x, t)))
		}
		got := idealTruePeak(tc.x)
		// The brute-force grid is at most 1/8192 sample from the peak: (π/8192)²/2 relative at most.
		if d := DB(got) - DB(brute); d < -1e-9 || d > 1e-6 {
			t.Errorf("%s: oracle %.9f dB, brute force %.9f dB", tc.name, DB(got), DB(brute))
		}
	}
}

// meterTruePeak runs x through a mono Meter at rate in blocks of block frames, ends it, and returns its true
// peak in dBTP.
func meterTruePeak(tb testing.TB, rate int, x []float32, block int) float64 {
	m := newTestMeter(tb, Config{SampleRate: rate, Channels: 1})
	for i := 0; i < len(x); i += block {
		m.Process(x[i:min(i+block, len(x))])
	}
	m.End()
	return m.Levels().Channel[0].TruePeak
}

// TestTruePeakEnd checks that End measures the last samples: a pair of 0.5 samples at the very end of the input
// peaks between them, at -3.92 dBTP, which a meter that waits for more input never sees.
func TestTruePeakEnd(t *testing.T) {
	for _, rate := range []int{44100, 48000, 96000, 192000} {
		x := make([]float32, 1000)
		x[998], x[999] = 0.5, 0.5
		want := DB(idealTruePeak(toFloat64(x)))
		for _, block := range []int{1, 7, 1000} {
			got := meterTruePeak(t, rate, x, block)
			if math.Abs(got-want) > 0.1 {
				t.Errorf("%d Hz, blocks of %d: %.3f dBTP, ideal %.3f", rate, block, got, want)
			}
		}
	}
	m := newTestMeter(t, Config{SampleRate: 48000, Channels: 2})
	m.Process([]float32{0, 0, 0.5, 0.5, 0.5, 0.5})
	before := m.Levels().Overall.TruePeak
	m.End()
	iv := m.Interval().Overall.TruePeak
	after := m.Levels().Overall.TruePeak
	if !(after > before) || iv != after {
		t.Errorf("End: true peak %.3f before, %.3f after (interval %.3f): want it raised, in the interval", before, after, iv)
	}
	if n := testing.AllocsPerRun(100, m.End); n != 0 {
		t.Errorf("End allocates %v times", n)
	}
}
