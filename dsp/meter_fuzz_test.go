package dsp

import (
	"encoding/binary"
	"math"
	"testing"
)

// FuzzMeter feeds arbitrary float32 samples (NaN, ±Inf, huge and subnormal values included) to meters of one to
// eight channels, cut at an arbitrary point, and checks the invariants: nothing panics, the result does not
// depend on the cut, nothing measured is NaN where it must be a number, the true peak is never below the sample
// peak, and every sample is accounted for.
func FuzzMeter(f *testing.F) {
	seed := func(vs ...float32) []byte {
		b := make([]byte, 4*len(vs))
		for i, v := range vs {
			binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
		}
		return b
	}
	f.Add(uint8(2), uint16(3), seed(0.5, -0.5, 1, 1, 1, 1, float32(math.NaN()), 0))
	f.Add(uint8(1), uint16(0), seed(float32(math.Inf(1)), 3e38, -3e38, 1e-45))
	f.Add(uint8(6), uint16(100), seed(make([]float32, 600)...))
	f.Fuzz(func(t *testing.T, ch uint8, cut uint16, data []byte) {
		channels := int(ch)%MaxChannels + 1
		p := make([]float32, len(data)/4)
		for i := range p {
			p[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:]))
		}
		frames := len(p) / channels
		k := min(int(cut), frames) * channels

		a := newTestMeter(t, Config{SampleRate: 48000, Channels: channels})
		a.Process(p)
		b := newTestMeter(t, Config{SampleRate: 48000, Channels: channels})
		b.Process(p[:k])
		iv := b.Interval()
		b.Process(p[k:])
		la, lb := a.Levels(), b.Levels()
		if levelsString(la) != levelsString(lb) && !sameButRounding(la, lb) {
			t.Fatalf("cut at %d changes the result:\n%+v\n%+v", k, la, lb)
		}
		if la.Frames != int64(frames) || iv.Frames != int64(k/channels) {
			t.Fatalf("frames %d (interval %d), want %d (%d)", la.Frames, iv.Frames, frames, k/channels)
		}
		var nonFinite int64
		for _, v := range p[:frames*channels] {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				nonFinite++
			}
		}
		if la.Overall.NonFinite != nonFinite {
			t.Fatalf("%d non-finite samples counted, want %d", la.Overall.NonFinite, nonFinite)
		}
		for c := -1; c < channels; c++ {
			s := la.Overall
			if c >= 0 {
				s = la.Channel[c]
			}
			if math.IsNaN(s.SamplePeak) || math.IsNaN(s.TruePeak) || math.IsNaN(s.RMS) || math.IsNaN(s.DCOffset) {
				t.Fatalf("channel %d: NaN in %+v", c, s)
			}
			if s.TruePeak < s.SamplePeak {
				t.Fatalf("channel %d: true peak %v below sample peak %v", c, s.TruePeak, s.SamplePeak)
			}
		}
		if l := la.Loudness; math.IsNaN(l.Momentary) || math.IsNaN(l.Integrated) || math.IsNaN(l.Range) {
			t.Fatalf("NaN in loudness %+v", l)
		}
	})
}

// sameButRounding reports whether two Levels differ only where an Interval call legitimately changes the
// rounding of a sum: RMS, DC offset, crest factor and correlation, within 1e-9 relative.
func sameButRounding(a, b Levels) bool {
	eq := func(x, y float64) bool {
		return x == y || math.IsNaN(x) && math.IsNaN(y) || math.Abs(x-y) <= 1e-9*math.Max(math.Abs(x), math.Abs(y))
	}
	st := func(x, y Stats) bool {
		return x.SamplePeak == y.SamplePeak && x.TruePeak == y.TruePeak && x.Clipped == y.Clipped &&
			x.NonFinite == y.NonFinite && eq(x.RMS, y.RMS) && eq(x.DCOffset, y.DCOffset) && eq(x.CrestFactor, y.CrestFactor)
	}
	if !st(a.Overall, b.Overall) || !eq(a.Correlation, b.Correlation) || a.Frames != b.Frames {
		return false
	}
	for c := range a.Channels {
		if !st(a.Channel[c], b.Channel[c]) || a.Display[c] != b.Display[c] {
			return false
		}
	}
	return levelsString(Levels{Loudness: a.Loudness}) == levelsString(Levels{Loudness: b.Loudness})
}
