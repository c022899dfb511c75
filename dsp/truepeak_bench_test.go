//go:build unix

package dsp

import (
	"bytes"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// libebur128TruePeakSource times libebur128 with everything the Meter measures that it has: integrated loudness,
// loudness range and true peak (EBUR128_MODE_TRUE_PEAK, which includes the sample peak), over raw interleaved
// float32 samples on stdin fed in 100 ms blocks, and prints the CPU seconds spent in ebur128_add_frames_float.
const libebur128TruePeakSource = `
#include <ebur128.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv) {
	if (argc != 3) return 2;
	unsigned long rate = strtoul(argv[1], NULL, 10);
	unsigned ch = (unsigned) atoi(argv[2]);
	ebur128_state *st = ebur128_init(ch, rate, EBUR128_MODE_I | EBUR128_MODE_LRA | EBUR128_MODE_TRUE_PEAK);
	if (!st) { fprintf(stderr, "ebur128_init failed\n"); return 1; }
	size_t cap = 1 << 20, n = 0, r;
	float *buf = malloc(cap * sizeof *buf);
	while ((r = fread(buf + n, sizeof *buf, cap - n, stdin)) > 0) {
		n += r;
		if (n == cap) buf = realloc(buf, (cap *= 2) * sizeof *buf);
	}
	size_t frames = n / ch, sub = (rate + 5) / 10, done = 0;
	struct timespec t0, t1;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
	for (; done < frames; done += sub)
		ebur128_add_frames_float(st, buf + done * ch, done + sub <= frames ? sub : frames - done);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
	double tp = 0;
	for (unsigned c = 0; c < ch; c++) { double v; ebur128_true_peak(st, c, &v); if (v > tp) tp = v; }
	printf("%.9f %.17g\n", (t1.tv_sec - t0.tv_sec) + 1e-9 * (t1.tv_nsec - t0.tv_nsec), tp);
	return 0;
}
`

// BenchmarkMeterVsLibebur128TruePeak runs 20 s of 48 kHz stereo noise through the whole Meter (true peak, loudness,
// statistics, ballistics) and through libebur128 1.2.6 with integrated loudness, loudness range and true peak, on
// the same core, in 100 ms blocks, and reports CPU ns per frame of each and the ratio of their rates (CPU time, so
// that a busy machine skews both sides alike). libebur128's time is the best of three runs, measured inside the C
// program around its ebur128_add_frames_float calls.
func BenchmarkMeterVsLibebur128TruePeak(b *testing.B) {
	const rate, channels, seconds = 48000, 2, 20
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		b.Skip("gcc is not installed: skipping the comparison with libebur128")
	}
	dir := b.TempDir()
	src, bin := filepath.Join(dir, "tp.c"), filepath.Join(dir, "tp")
	if err := os.WriteFile(src, []byte(libebur128TruePeakSource), 0o644); err != nil {
		b.Fatal(err)
	}
	if out, err := exec.Command(gcc, "-O2", "-o", bin, src, "-lebur128", "-lm").CombinedOutput(); err != nil {
		b.Skipf("cannot build against libebur128 (apt-get install libebur128-dev): %v\n%s", err, out)
	}
	sec := benchSignal(rate, channels)
	p := make([]float32, 0, len(sec)*seconds)
	for range seconds {
		p = append(p, sec...)
	}
	frames := len(p) / channels
	best := math.Inf(1)
	for range 3 {
		cmd := exec.Command(bin, strconv.Itoa(rate), strconv.Itoa(channels))
		cmd.Stdin = bytes.NewReader(rawF32(p))
		out, err := cmd.Output()
		if err != nil {
			b.Fatalf("libebur128: %v", err)
		}
		v, err := strconv.ParseFloat(strings.Fields(string(out))[0], 64)
		if err != nil {
			b.Fatalf("libebur128 printed %q: %v", out, err)
		}
		best = min(best, v)
	}
	libNS := best * 1e9 / float64(frames)

	m, err := NewMeter(Config{SampleRate: rate, Channels: channels})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	start := cpuTime()
	for range b.N {
		m.Reset()
		for q := p; len(q) > 0; {
			n := min(len(q), rate/10*channels)
			m.Process(q[:n])
			q = q[n:]
		}
		if e, ok := any(m).(interface{ End() }); ok {
			e.End()
		}
		_ = m.Levels()
	}
	b.StopTimer()
	ours := float64((cpuTime() - start).Nanoseconds()) / float64(b.N) / float64(frames)
	b.ReportMetric(ours, "ns/frame")
	b.ReportMetric(libNS, "libebur128-ns/frame")
	b.ReportMetric(libNS/ours, "x-libebur128")
	b.ReportMetric(0, "ns/op")
}
