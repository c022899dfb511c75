package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// shortSplits lets analyze cut files of a second or more at every 200 ms, as it cuts long files at every 5 minutes,
// for the duration of the test.
func shortSplits(t *testing.T) {
	t.Helper()
	stretch, least := splitStretch, splitMin
	splitStretch, splitMin = 2, 10
	t.Cleanup(func() { splitStretch, splitMin = stretch, least })
}

// programme renders seconds of interleaved test programme: tones and noise whose level changes every 300 ms,
// with 400 ms of digital silence, so that the gates, the loudness range and the maxima have something to do.
func programme(rate, channels int, seconds float64, seed uint64) []float32 {
	n := int(math.Round(seconds * float64(rate)))
	r := rand.New(rand.NewPCG(seed, 3))
	x := make([]float32, n*channels)
	gain := 0.3
	for i := range n {
		if i%(3*rate/10) == 0 {
			gain = 0.02 + 0.6*r.Float64()
		}
		if i >= rate && i < rate+4*rate/10 {
			continue
		}
		t := float64(i) / float64(rate)
		for c := range channels {
			v := gain * (0.6*math.Sin(2*math.Pi*(300+170*float64(c))*t+float64(c)) + 0.3*(2*r.Float64()-1))
			x[i*channels+c] = float32(v)
		}
	}
	return x
}

// jsonDiff compares two JSON reports field by field: numbers within tol relative (the largest deviation is
// returned), everything else exactly; it returns what differs.
func jsonDiff(a, b string, tol float64) (diffs []string, worst float64) {
	var va, vb any
	da := json.NewDecoder(strings.NewReader(a))
	da.UseNumber()
	db := json.NewDecoder(strings.NewReader(b))
	db.UseNumber()
	if err := da.Decode(&va); err != nil {
		return []string{err.Error()}, 0
	}
	if err := db.Decode(&vb); err != nil {
		return []string{err.Error()}, 0
	}
	var walk func(path string, x, y any)
	walk = func(path string, x, y any) {
		switch x := x.(type) {
		case map[string]any:
			ym, ok := y.(map[string]any)
			if !ok || len(ym) != len(x) {
				diffs = append(diffs, fmt.Sprintf("%s: %v vs %v", path, x, y))
				return
			}
			for k, v := range x {
				walk(path+"."+k, v, ym[k])
			}
		case []any:
			ys, ok := y.([]any)
			if !ok || len(ys) != len(x) {
				diffs = append(diffs, fmt.Sprintf("%s: %v vs %v", path, x, y))
				return
			}
			for i := range x {
				walk(path+"["+strconv.Itoa(i)+"]", x[i], ys[i])
			}
		case json.Number:
			yn, ok := y.(json.Number)
			fx, _ := x.Float64()
			fy, _ := yn.Float64()
			if !ok {
				diffs = append(diffs, fmt.Sprintf("%s: %v vs %v", path, x, y))
				return
			}
			d := math.Abs(fx - fy)
			if m := max(math.Abs(fx), math.Abs(fy)); m > 1 {
				d /= m
			}
			worst = max(worst, d)
			if d > tol {
				diffs = append(diffs, fmt.Sprintf("%s: %v vs %v", path, x, y))
			}
		default:
			if x != y {
				diffs = append(diffs, fmt.Sprintf("%s: %v vs %v", path, x, y))
			}
		}
	}
	walk("", va, vb)
	return diffs, worst
}

// TestAnalyzeSplitMatchesOnePass measures files in parts (more jobs than files) and in one pass (-j 1), and
// wants the same reports: the text report identical, every JSON field within 1e-9 (relative above 1).
func TestAnalyzeSplitMatchesOnePass(t *testing.T) {
	shortSplits(t)
	type edit func(x []float32, rate, ch int, cuts []int64)
	atCut := func(offset int, v float32) edit { // a sample of channel 0 at a cut
		return func(x []float32, rate, ch int, cuts []int64) { x[(int(cuts[0])+offset)*ch] = v }
	}
	clipAcross := func(x []float32, rate, ch int, cuts []int64) {
		for i := int(cuts[0]) - 5; i < int(cuts[0])+5; i++ {
			for c := range ch {
				x[i*ch+c] = 1
			}
		}
	}
	silence := func(x []float32, rate, ch int, cuts []int64) { clear(x) }
	// A tone whose crest falls half-way between samples, louder after the cut by less than the true peak's
	// refinement margin: a meter that carried its maximum across the cut would not refine it.
	marginal := func(x []float32, rate, ch int, cuts []int64) {
		for i := range len(x) / ch {
			a := 0.9
			if int64(i) >= cuts[0] {
				a *= 1.0005
			}
			if edge := min(i, len(x)/ch-1-i); edge < rate/10 { // faded in and out: an abrupt edge overshoots
				a *= 0.5 - 0.5*math.Cos(math.Pi*float64(edge)/float64(rate/10))
			}
			for c := range ch {
				x[i*ch+c] = float32(a * math.Sin(2*math.Pi*float64(i)/48.5))
			}
		}
	}
	tests := []struct {
		name         string
		rate, ch     int
		pcm16        bool
		seconds      float64
		parts, jobs  int
		edits        []edit
		args         []string
		minParts     int // parts at least: up to partsPerJob per job, one per stretch at most
		unsplittable bool
		text         bool // compare the text reports too (the JSON has every value, at full precision)
	}{
		{name: "stereo float, two jobs", rate: 48000, ch: 2, seconds: 4, jobs: 2, minParts: 8, text: true},
		{name: "mono 16-bit, three jobs, not whole 100 ms", rate: 48000, ch: 1, pcm16: true, seconds: 3.33, jobs: 3, minParts: 3},
		{name: "5.1, parts shorter than the priming", rate: 48000, ch: 6, seconds: 2.6, jobs: 7, minParts: 13},
		{name: "44.1 kHz stereo, four jobs", rate: 44100, ch: 2, pcm16: true, seconds: 3.05, jobs: 4, minParts: 4},
		{name: "peak at a cut", rate: 48000, ch: 2, seconds: 2.4, jobs: 2, minParts: 2, edits: []edit{atCut(0, 0.999)}, text: true},
		{name: "peak before a cut", rate: 48000, ch: 2, seconds: 2.4, jobs: 2, minParts: 2, edits: []edit{atCut(-1, -0.999)}},
		{name: "clipping across a cut", rate: 48000, ch: 2, pcm16: true, seconds: 2.4, jobs: 3, minParts: 3, edits: []edit{clipAcross}},
		{name: "tone louder after a cut by less than the margin", rate: 48000, ch: 2, seconds: 2.4, jobs: 2, minParts: 2, edits: []edit{marginal}},
		{name: "silence", rate: 48000, ch: 2, seconds: 2, jobs: 2, minParts: 2, edits: []edit{silence}},
		{name: "album and profile", rate: 48000, ch: 2, seconds: 2.2, jobs: 2, minParts: 2, args: []string{"--album", "--profile", "ebu-r128"}, text: true},
		{name: "too short to split", rate: 48000, ch: 2, seconds: 0.9, jobs: 2, unsplittable: true},
		{name: "22.05 kHz is not split", rate: 22050, ch: 2, seconds: 2, jobs: 2, unsplittable: true},
	}
	worst := 0.0
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := programme(tt.rate, tt.ch, tt.seconds, uint64(i))
			frames := int64(len(x) / tt.ch)
			cuts := splitCuts(frames, tt.rate, tt.jobs*partsPerJob)
			if tt.unsplittable != (cuts == nil) {
				t.Fatalf("splitCuts(%d, %d, %d) = %v", frames, tt.rate, tt.jobs*partsPerJob, cuts)
			}
			for _, e := range tt.edits {
				e(x, tt.rate, tt.ch, cuts)
			}
			name := writeWAVSpec(t, "split.wav", wavSpec{rate: tt.rate, channels: tt.ch, pcm16: tt.pcm16}, x)
			var mu sync.Mutex
			var seen [][]int64
			onSplit = func(c []int64) { mu.Lock(); seen = append(seen, c); mu.Unlock() }
			defer func() { onSplit = nil }()
			modes := []bool{true}
			if tt.text {
				modes = append(modes, false)
			}
			for _, asJSON := range modes {
				args := append([]string{name}, tt.args...)
				if asJSON {
					args = append(args, "--json")
				}
				one, e1, s1 := analyze(t, append(args, "-j", "1")...)
				split, e2, s2 := analyze(t, append(args, "-j", strconv.Itoa(tt.jobs))...)
				if s1 != s2 || e1 != e2 {
					t.Fatalf("status %d, %d; stderr %q, %q", s1, s2, e1, e2)
				}
				if !asJSON {
					if one != split {
						t.Errorf("text report in one pass:\n%s\nin parts:\n%s", one, split)
					}
					continue
				}
				ol, sl := strings.Split(strings.TrimSpace(one), "\n"), strings.Split(strings.TrimSpace(split), "\n")
				if len(ol) != len(sl) {
					t.Fatalf("%d lines, %d lines", len(ol), len(sl))
				}
				for j := range ol {
					d, w := jsonDiff(ol[j], sl[j], 1e-9)
					worst = max(worst, w)
					for _, s := range d {
						t.Errorf("one pass and parts differ: %s", s)
					}
				}
			}
			want := 0
			if !tt.unsplittable {
				want = len(modes) // once per run in parts
			}
			if len(seen) != want || want > 0 && (len(seen[0]) != len(cuts) || len(cuts)+1 < tt.minParts) {
				t.Errorf("cut as %v, want %d runs in %d parts or more", seen, want, tt.minParts)
			}
		})
	}
	t.Logf("largest deviation between one pass and parts: %.3g", worst)
}

// --no-split and plots measure in one pass.
func TestAnalyzeSplitOff(t *testing.T) {
	shortSplits(t)
	name := writeWAVSpec(t, "long.wav", wavSpec{rate: 48000, channels: 2}, programme(48000, 2, 2, 9))
	dir := t.TempDir()
	split := 0
	onSplit = func([]int64) { split++ }
	defer func() { onSplit = nil }()
	for _, args := range [][]string{
		{"--no-split"},
		{"--plot", dir + "/p.png"},
		{"--plot", dir + "/p.png", "--series", dir + "/s.csv"},
	} {
		if _, stderr, status := analyze(t, append([]string{name, "-j", "2", "--json"}, args...)...); status != 0 {
			t.Fatalf("%v: status %d: %s", args, status, stderr)
		}
	}
	if split != 0 {
		t.Errorf("measured in parts %d times, want none", split)
	}
	// A stream is read in one pass: it cannot be read from the middle.
	src, f, err := openStream(bytes.NewReader(wavBytes(wavSpec{rate: 48000, channels: 2}, programme(48000, 2, 2, 9))), "-", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if _, cuts := splitPlan(src, f, analyzeOptions{parts: 2}); cuts != nil {
		t.Errorf("a stream is cut at %v", cuts)
	}
}

func TestSplitCuts(t *testing.T) {
	tests := []struct {
		frames      int64
		rate, parts int
		want        []int64
	}{
		{frames: 3600 * 48000, rate: 48000, parts: 2, want: []int64{1800 * 48000}},
		{frames: 3600 * 48000, rate: 48000, parts: 3, want: []int64{1200 * 48000, 2400 * 48000}},
		{frames: 1250 * 44100, rate: 44100, parts: 2, want: []int64{600 * 44100}}, // 625 s rounds to a 5-minute stretch
		{frames: 1300 * 48000, rate: 48000, parts: 40, want: nil},                 // more parts than stretches: one per stretch
		{frames: 599 * 48000, rate: 48000, parts: 2, want: nil},                   // under 10 minutes
		{frames: 3600 * 22050, rate: 22050, parts: 2, want: nil},                  // ticks and sub-blocks do not line up
		{frames: 3600 * 48000, rate: 48000, parts: 1, want: nil},
	}
	for _, tt := range tests {
		got := splitCuts(tt.frames, tt.rate, tt.parts)
		if tt.parts == 40 {
			// Every stretch from 5 to 20 minutes, each once.
			if len(got) != 4 || got[0] != 300*48000 || got[3] != 1200*48000 {
				t.Errorf("splitCuts(%d, %d, %d) = %v", tt.frames, tt.rate, tt.parts, got)
			}
			continue
		}
		if fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("splitCuts(%d, %d, %d) = %v, want %v", tt.frames, tt.rate, tt.parts, got, tt.want)
		}
	}
}

// A --series written in parts is the file written in one pass, and so are the report's times of the maxima.
func TestAnalyzeSplitSeries(t *testing.T) {
	shortSplits(t)
	tests := []struct {
		name     string
		seconds  float64
		jobs     int
		out      string
		channels bool
	}{
		{"CSV, two parts", 3, 2, "s.csv", false},
		{"JSON lines per channel, five parts, a partial last hop", 2.63, 5, "s.jsonl", true},
		{"CSV per channel, parts shorter than the priming", 2.2, 7, "s.csv", true},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := programme(48000, 2, tt.seconds, uint64(40+i))
			cuts := splitCuts(int64(len(x)/2), 48000, tt.jobs*partsPerJob)
			x[2*cuts[0]] = 0.99 // the peak at a cut
			name := writeWAVSpec(t, "series.wav", wavSpec{rate: 48000, channels: 2}, x)
			dir := t.TempDir()
			var reports, files []string
			split := 0
			onSplit = func([]int64) { split++ }
			defer func() { onSplit = nil }()
			for _, jobs := range []int{1, tt.jobs} {
				out := filepath.Join(dir, strconv.Itoa(jobs)+tt.out)
				args := []string{name, "--series", out, "-j", strconv.Itoa(jobs)}
				if tt.channels {
					args = append(args, "--series-channels")
				}
				stdout, stderr, status := analyze(t, args...)
				if status != 0 {
					t.Fatalf("status %d: %s", status, stderr)
				}
				b, err := os.ReadFile(out)
				if err != nil {
					t.Fatal(err)
				}
				reports = append(reports, strings.ReplaceAll(stdout, out, "OUT"))
				files = append(files, string(b))
			}
			if split != 1 {
				t.Errorf("measured in parts %d times, want once", split)
			}
			if reports[0] != reports[1] {
				t.Errorf("report in one pass:\n%s\nin parts:\n%s", reports[0], reports[1])
			}
			if files[0] != files[1] {
				t.Errorf("series in one pass and in parts differ:\n%.300s\n%.300s", files[0], files[1])
			}
			if n := strings.Count(files[0], "\n"); n < int(tt.seconds*10) {
				t.Errorf("%d lines for %.2f s", n, tt.seconds)
			}
			if left, _ := filepath.Glob(filepath.Join(dir, ".*part*")); len(left) > 0 {
				t.Errorf("left behind: %v", left)
			}
		})
	}
}
