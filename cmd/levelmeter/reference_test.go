package main

// The reference tools analyze is checked against: ffmpeg's ebur128 and astats filters, and libebur128 through a
// small C program compiled at test time. Each returns its numbers at full printed precision; the tests decide
// what agreement means.

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/levelmeter/levelmeter/audio/wavfile"
)

// refLevels are one tool's measurements of a file. Fields a tool does not measure are NaN.
type refLevels struct {
	integrated, lra, momentaryMax, shortTermMax float64
	samplePeak, truePeak, rms, dc               []float64 // per channel; dB, dB, dB, linear
	overallPeak, overallRMS, overallDC          float64
}

func nanLevels(channels int) refLevels {
	nan := math.NaN()
	r := refLevels{integrated: nan, lra: nan, momentaryMax: nan, shortTermMax: nan, overallPeak: nan,
		overallRMS: nan, overallDC: nan}
	for range channels {
		r.samplePeak = append(r.samplePeak, nan)
		r.truePeak = append(r.truePeak, nan)
		r.rms = append(r.rms, nan)
		r.dc = append(r.dc, nan)
	}
	return r
}

// needTool skips the test when a tool is missing: CI installs them (make deps-test).
func needTool(t *testing.T, names ...string) {
	t.Helper()
	for _, n := range names {
		if _, err := exec.LookPath(n); err != nil {
			t.Skipf("%s is not installed (apt-get install ffmpeg libebur128-dev gcc, or make deps-test): "+
				"skipping the comparison with the reference tools", n)
		}
	}
}

// parseNum reads a number as ffmpeg and printf print it, "-inf" and "nan" included.
func parseNum(s string) float64 {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return math.NaN()
	}
	return v
}

var (
	ffFrameRe = regexp.MustCompile(`\bM:\s*(\S+)\s+S:\s*(\S+)\s+I:\s*(\S+)\s+LUFS\s+LRA:\s*(\S+)\s+LU(?:.*\bTPK:((?:\s+\S+)+)\s+dBFS)?\s*$`)
	ffIRe     = regexp.MustCompile(`^\s*I:\s+(\S+)\s+LUFS`)
	ffLRARe   = regexp.MustCompile(`^\s*LRA:\s+(\S+)\s+LU`)
	ffTPRe    = regexp.MustCompile(`^\s*Peak:\s+(\S+)\s+dBFS`)
	prefixRe  = regexp.MustCompile(`^\[[^\]]*\]\s?`)
)

// ffmpegEBUR128 runs ffmpeg's ebur128 filter with its per-100 ms frame log. ffmpeg prints loudness to 0.1 LU.
// With truePeak false it skips its (slow) true-peak meter and the truePeak fields stay NaN.
// Momentary and short-term maxima are the largest values of the frame log; ffmpeg prints -120.7 for windows of
// silence, which count as -inf.
func ffmpegEBUR128(t *testing.T, file string, channels int, truePeak bool) refLevels {
	t.Helper()
	filter := "ebur128=framelog=verbose"
	if truePeak {
		filter += ":peak=true"
	}
	out, err := exec.Command("ffmpeg", "-nostats", "-hide_banner", "-nostdin", "-v", "verbose", "-i", file,
		"-af", filter, "-f", "null", "-").CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg ebur128 %s: %v\n%s", file, err, out)
	}
	r := nanLevels(channels)
	r.momentaryMax, r.shortTermMax = math.Inf(-1), math.Inf(-1)
	inSummary := false
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		body := prefixRe.ReplaceAllString(line, "")
		if strings.HasPrefix(body, "Summary:") {
			inSummary = true
			continue
		}
		if !inSummary {
			m := ffFrameRe.FindStringSubmatch(body)
			if m == nil {
				continue
			}
			if v := parseNum(m[1]); v > -120 {
				r.momentaryMax = math.Max(r.momentaryMax, v)
			}
			if v := parseNum(m[2]); v > -120 {
				r.shortTermMax = math.Max(r.shortTermMax, v)
			}
			tp := strings.Fields(m[5]) // empty without peak=true
			for c := 0; c < channels && c < len(tp); c++ {
				r.truePeak[c] = parseNum(tp[c]) // the last frame's running maximum
			}
			continue
		}
		if m := ffIRe.FindStringSubmatch(line); m != nil {
			r.integrated = parseNum(m[1])
		} else if m := ffLRARe.FindStringSubmatch(line); m != nil {
			r.lra = parseNum(m[1])
		} else if m := ffTPRe.FindStringSubmatch(line); m != nil {
			r.overallPeak = parseNum(m[1]) // the true peak, in ebur128's summary
		}
	}
	if math.IsNaN(r.integrated) {
		t.Fatalf("ffmpeg ebur128 %s: no summary in its output:\n%s", file, out)
	}
	if r.integrated <= -70 {
		r.integrated = math.Inf(-1) // ffmpeg prints -70.0 when nothing passed the gate
	}
	return r
}

// ffmpegAstats runs ffmpeg's astats filter on the samples converted to double first, so that integers are divided
// by 2^(bits-1) (astats on integer input divides by 2^(bits-1)-1 and reads -32768 as +0.0003 dBFS).
func ffmpegAstats(t *testing.T, file string, channels int) refLevels {
	t.Helper()
	out, err := exec.Command("ffmpeg", "-nostats", "-hide_banner", "-nostdin", "-i", file,
		"-af", "aformat=sample_fmts=dbl,astats", "-f", "null", "-").CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg astats %s: %v\n%s", file, err, out)
	}
	r := nanLevels(channels)
	section := -2 // -1: overall; >= 0: a channel
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		if !strings.Contains(line, "astats") {
			continue
		}
		body := prefixRe.ReplaceAllString(line, "")
		key, val, ok := strings.Cut(body, ":")
		switch {
		case body == "Overall":
			section = -1
		case ok && key == "Channel":
			section = int(parseNum(val)) - 1
		case ok && section >= 0 && section < channels:
			switch key {
			case "DC offset":
				r.dc[section] = parseNum(val)
			case "Peak level dB":
				r.samplePeak[section] = parseNum(val)
			case "RMS level dB":
				r.rms[section] = parseNum(val)
			}
		case ok && section == -1:
			switch key {
			case "DC offset":
				r.overallDC = parseNum(val)
			case "Peak level dB":
				r.overallPeak = parseNum(val)
			case "RMS level dB":
				r.overallRMS = parseNum(val)
			}
		}
	}
	if math.IsNaN(r.samplePeak[0]) {
		t.Fatalf("ffmpeg astats %s: no per-channel statistics in its output:\n%s", file, out)
	}
	return r
}

// ebur128Source is the libebur128 reference: it reads interleaved float32 frames on stdin, feeds them 100 ms at a
// time and takes the momentary and short-term loudness after each 100 ms, as a meter updating ten times a second
// does, then prints everything at full precision.
const ebur128Source = `#include <ebur128.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
	if (argc != 3) { fprintf(stderr, "usage: ebur128ref RATE CHANNELS < f32le\n"); return 2; }
	unsigned long rate = strtoul(argv[1], 0, 10);
	unsigned ch = (unsigned)strtoul(argv[2], 0, 10);
	ebur128_state *st = ebur128_init(ch, rate, EBUR128_MODE_I | EBUR128_MODE_LRA | EBUR128_MODE_M |
		EBUR128_MODE_S | EBUR128_MODE_SAMPLE_PEAK | EBUR128_MODE_TRUE_PEAK);
	if (!st) { fprintf(stderr, "ebur128_init failed\n"); return 1; }
	size_t hop = rate / 10, n, total = 0;
	float *buf = malloc(hop * ch * sizeof(float));
	double mmax = -HUGE_VAL, smax = -HUGE_VAL, v;
	while ((n = fread(buf, sizeof(float) * ch, hop, stdin)) > 0) {
		if (ebur128_add_frames_float(st, buf, n) != EBUR128_SUCCESS) { fprintf(stderr, "add_frames failed\n"); return 1; }
		total += n;
		if (n < hop) break;
		if (total >= rate * 4 / 10 && ebur128_loudness_momentary(st, &v) == EBUR128_SUCCESS && v > mmax) mmax = v;
		if (total >= rate * 3 && ebur128_loudness_shortterm(st, &v) == EBUR128_SUCCESS && v > smax) smax = v;
	}
	double I = -HUGE_VAL, lra = NAN;
	ebur128_loudness_global(st, &I);
	if (ebur128_loudness_range(st, &lra) != EBUR128_SUCCESS) lra = NAN;
	printf("I %.6f\nLRA %.6f\nMMAX %.6f\nSMAX %.6f\n", I, lra, mmax, smax);
	for (unsigned c = 0; c < ch; c++) {
		double sp = 0, tp = 0;
		ebur128_sample_peak(st, c, &sp);
		ebur128_true_peak(st, c, &tp);
		printf("SP %u %.12f\nTP %u %.12f\n", c, sp, c, tp);
	}
	ebur128_destroy(&st);
	return 0;
}
`

// buildEBUR128 compiles the libebur128 reference into dir and returns its path. It skips the test when gcc or
// libebur128 is missing.
func buildEBUR128(t *testing.T, dir string) string {
	t.Helper()
	needTool(t, "gcc")
	src := filepath.Join(dir, "ebur128ref.c")
	if err := os.WriteFile(src, []byte(ebur128Source), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "ebur128ref")
	out, err := exec.Command("gcc", "-O2", "-o", bin, src, "-lebur128", "-lm").CombinedOutput()
	if err != nil {
		if bytes.Contains(out, []byte("ebur128.h")) || bytes.Contains(out, []byte("lebur128")) {
			t.Skipf("libebur128 is not installed (apt-get install libebur128-dev, or make deps-test): %s", out)
		}
		t.Fatalf("cannot build the libebur128 reference: %v\n%s", err, out)
	}
	return bin
}

// libebur128 measures file with libebur128 (bin, from buildEBUR128), fed the samples wavfile decodes (whose exactness the wavfile tests
// prove against go-audio and known samples).
func libebur128(t *testing.T, bin, file string) refLevels {
	t.Helper()
	r, err := wavfile.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	info := r.Info()
	cmd := exec.Command(bin, strconv.Itoa(info.SampleRate), strconv.Itoa(info.Channels))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(stdin, 1<<16)
	buf := make([]float32, 4096*info.Channels)
	for {
		n, err := r.Read(buf)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := binary.Write(w, binary.LittleEndian, buf[:n]); err != nil {
			t.Fatal(err)
		}
	}
	w.Flush()
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("libebur128 reference on %s: %v\n%s", file, err, errb.String())
	}
	res := nanLevels(info.Channels)
	for _, line := range strings.Split(out.String(), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) == 2 && f[0] == "I":
			res.integrated = parseNum(f[1])
		case len(f) == 2 && f[0] == "LRA":
			res.lra = parseNum(f[1])
		case len(f) == 2 && f[0] == "MMAX":
			res.momentaryMax = parseNum(f[1])
		case len(f) == 2 && f[0] == "SMAX":
			res.shortTermMax = parseNum(f[1])
		case len(f) == 3 && (f[0] == "SP" || f[0] == "TP"):
			c, _ := strconv.Atoi(f[1])
			v := 20 * math.Log10(parseNum(f[2]))
			if f[0] == "SP" {
				res.samplePeak[c] = v
			} else {
				res.truePeak[c] = v
			}
		}
	}
	return res
}
