package dsp

import (
	"math"
	"math/rand/v2"
	"testing"
)

// benchSignal returns one second of interleaved 48 kHz stereo: pink-ish noise (white noise through a one-pole
// low-pass) at about -20 dBFS RMS with peaks near -6 dBFS, seeded.
func benchSignal(rate, channels int) []float32 {
	r := rand.New(rand.NewPCG(1, 2))
	p := make([]float32, rate*channels)
	var lp [MaxChannels]float64
	for i := 0; i < rate; i++ {
		for c := range channels {
			lp[c] = 0.9*lp[c] + 0.1*r.NormFloat64()
			p[i*channels+c] = float32(0.4 * lp[c])
		}
	}
	return p
}

func benchSine(rate, channels int) []float32 {
	p := make([]float32, rate*channels)
	for i := 0; i < rate; i++ {
		for c := range channels {
			p[i*channels+c] = float32(0.5 * math.Sin(2*math.Pi*997*float64(i)/float64(rate)+float64(c)))
		}
	}
	return p
}

// reportRate reports frames per second and the multiple of real time for b.N passes over frames frames.
func reportRate(b *testing.B, frames, rate int) {
	fps := float64(frames) * float64(b.N) / b.Elapsed().Seconds()
	b.ReportMetric(fps, "frames/s")
	b.ReportMetric(fps/float64(rate), "x_realtime")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkMeterProcess measures everything the Meter does (sample statistics, true peak, loudness, correlation,
// ballistics) on 48 kHz stereo fed in blocks of 1024 frames.
func BenchmarkMeterProcess(b *testing.B) {
	for _, sig := range []struct {
		name string
		p    []float32
	}{{"noise", benchSignal(48000, 2)}, {"sine", benchSine(48000, 2)}} {
		b.Run(sig.name, func(b *testing.B) {
			m, err := NewMeter(Config{SampleRate: 48000, Channels: 2})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				for p := sig.p; len(p) > 0; {
					n := min(len(p), 2048)
					m.Process(p[:n])
					p = p[n:]
				}
			}
			reportRate(b, 48000, 48000)
		})
	}
}

// BenchmarkTruePeak measures the true-peak measurement alone on one channel of 48 kHz, in blocks of 480 frames,
// as the Meter does it: the detector skips the stretches that cannot beat the maximum so far and refines the
// rest.
func BenchmarkTruePeak(b *testing.B) {
	const n = 480
	for _, sig := range []struct {
		name string
		p    []float32
	}{{"noise", benchSignal(48000, 1)}, {"sine", benchSine(48000, 1)}} {
		x := make([]float64, len(sig.p))
		for i, v := range sig.p {
			x[i] = float64(v)
		}
		f := newTPFilter()
		b.Run(sig.name, func(b *testing.B) {
			t := newTruePeak(n)
			for b.Loop() {
				peak := 0.0
				for i := 0; i+n <= len(x); i += n {
					copy(t.block(n), x[i:i+n])
					peak = t.process(&f, n, peak)
				}
			}
			reportRate(b, len(x), 48000)
		})
	}
}
