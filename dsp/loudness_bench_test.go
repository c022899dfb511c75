package dsp

import (
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
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

// BenchmarkLoudnessVsLibebur128 runs the same minute of 48 kHz stereo programme through LoudnessMeter and through
// libebur128 1.2.6 (integrated loudness and range, 100 ms blocks, float input; compiled on the fly, skipped
// without gcc or the library), and reports both rates and their ratio. libebur128's time is the best of three
// runs of its ebur128_add_frames_float calls alone, measured inside the C program.
func BenchmarkLoudnessVsLibebur128(b *testing.B) {
	const rate, channels = 48000, 2
	bin := buildLibebur128(b, b.TempDir())
	p := loudProgramme(1, rate, channels, 60)
	frames := len(p) / channels
	w := StandardWeights(channels)
	best := math.Inf(1)
	for range 3 {
		best = min(best, runLibebur128(b, bin, p, rate, channels, w, "time")[0])
	}
	lib := float64(frames) / best

	l := newLoudness(b, rate, channels, nil)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		feedLoudness(l, p, channels, rate/10)
	}
	b.StopTimer()
	ours := float64(b.N) * float64(frames) / b.Elapsed().Seconds()
	b.ReportMetric(ours, "frames/s")
	b.ReportMetric(ours/rate, "x-realtime")
	b.ReportMetric(lib, "libebur128-frames/s")
	b.ReportMetric(ours/lib, "x-libebur128")
}

// BenchmarkLoudnessVsFFmpeg runs two minutes of 48 kHz stereo programme through LoudnessMeter and through
// ffmpeg's ebur128 filter (loudness only, no peaks; raw float input from a file, so that ffmpeg decodes nothing),
// and reports both rates and their ratio. ffmpeg's time is the best of three whole runs, start-up included (a
// few tens of milliseconds against about a second of work).
func BenchmarkLoudnessVsFFmpeg(b *testing.B) {
	const rate, channels = 48000, 2
	ffmpeg, err := exec.LookPath("ffmpeg")
	if err != nil {
		b.Skip("ffmpeg is not installed")
	}
	p := loudProgramme(1, rate, channels, 120)
	frames := len(p) / channels
	raw := filepath.Join(b.TempDir(), "programme.f32")
	if err := os.WriteFile(raw, rawF32(p), 0o644); err != nil {
		b.Fatal(err)
	}
	best := math.Inf(1)
	for range 3 {
		start := time.Now()
		cmd := exec.Command(ffmpeg, "-nostats", "-hide_banner", "-loglevel", "error", "-f", "f32le",
			"-ar", strconv.Itoa(rate), "-ac", strconv.Itoa(channels), "-i", raw, "-af", "ebur128", "-f", "null", "-")
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("ffmpeg: %v\n%s", err, out)
		}
		best = min(best, time.Since(start).Seconds())
	}
	ff := float64(frames) / best

	l := newLoudness(b, rate, channels, nil)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		feedLoudness(l, p, channels, rate/10)
	}
	b.StopTimer()
	ours := float64(b.N) * float64(frames) / b.Elapsed().Seconds()
	b.ReportMetric(ours, "frames/s")
	b.ReportMetric(ours/rate, "x-realtime")
	b.ReportMetric(ff, "ffmpeg-frames/s")
	b.ReportMetric(ours/ff, "x-ffmpeg")
}
