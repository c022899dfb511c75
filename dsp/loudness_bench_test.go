package dsp

import (
	"fmt"
	"testing"
)

// BenchmarkLoudnessProcess measures Process on 48 kHz audio in blocks of 4800 frames (100 ms), the size the
// daemon's DSP goroutine typically drains, and reports frames per second and the multiple of real time.
func BenchmarkLoudnessProcess(b *testing.B) {
	for _, ch := range []int{1, 2, 6} {
		b.Run(fmt.Sprintf("48kHz/%dch", ch), func(b *testing.B) {
			benchLoudness(b, 48000, ch, 4800)
		})
	}
	// tiny blocks: the per-call overhead
	b.Run("48kHz/2ch/64frames", func(b *testing.B) { benchLoudness(b, 48000, 2, 64) })
}

func benchLoudness(b *testing.B, rate, channels, block int) {
	l := newLoudness(b, rate, channels, nil)
	p := loudProgramme(1, rate, channels, 10)
	frames := len(p) / channels
	b.SetBytes(int64(block * channels * 4))
	b.ReportAllocs()
	b.ResetTimer()
	off := 0
	for range b.N {
		if off+block > frames {
			off = 0
		}
		l.Process(p[off*channels : (off+block)*channels])
		off += block
	}
	b.StopTimer()
	fps := float64(b.N) * float64(block) / b.Elapsed().Seconds()
	b.ReportMetric(fps, "frames/s")
	b.ReportMetric(fps/float64(rate), "x-realtime")
	b.ReportMetric(0, "ns/op")
}
