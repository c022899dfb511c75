package main

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// burstWAV is 44.1 kHz stereo: 3 s of a tone at -20 dBFS, 0.5 s at -3 dBFS, 2.05 s at -20 dBFS (5.55 s: 55 whole
// hops of 100 ms and a partial one), and the number of frames.
func burstWAV(t *testing.T, name string) (string, int64) {
	t.Helper()
	var s []float32
	s = append(s, toneIn(44100, 2, 3, -20, 0, 1)...)
	s = append(s, toneIn(44100, 2, 0.5, -3, 0, 1)...)
	s = append(s, toneIn(44100, 2, 2.05, -20, 0, 1)...)
	return writeWAVSpec(t, name, wavSpec{rate: 44100, channels: 2}, s), int64(len(s) / 2)
}

// readSeries parses a --series file back into its column names and rows; an empty cell or null is -Inf.
func readSeries(t *testing.T, name string) ([]string, [][]float64) {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cols []string
	var rows [][]float64
	if strings.HasSuffix(name, ".csv") {
		recs, err := csv.NewReader(f).ReadAll()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		cols = recs[0]
		for _, r := range recs[1:] {
			row := make([]float64, len(r))
			for i, c := range r {
				row[i] = math.Inf(-1)
				if c != "" {
					if row[i], err = strconv.ParseFloat(c, 64); err != nil {
						t.Fatalf("%s: %v", name, err)
					}
				}
			}
			rows = append(rows, row)
		}
		return cols, rows
	}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// The keys in the order written: decode into an ordered list of pairs.
		dec := json.NewDecoder(strings.NewReader(sc.Text()))
		dec.UseNumber()
		if _, err := dec.Token(); err != nil {
			t.Fatal(err)
		}
		var keys []string
		var row []float64
		for dec.More() {
			k, _ := dec.Token()
			var v *json.Number
			if err := dec.Decode(&v); err != nil {
				t.Fatalf("%s: %q: %v", name, sc.Text(), err)
			}
			x := math.Inf(-1)
			if v != nil {
				x, _ = v.Float64()
			}
			keys = append(keys, k.(string))
			row = append(row, x)
		}
		if cols == nil {
			cols = keys
		} else if strings.Join(keys, ",") != strings.Join(cols, ",") {
			t.Fatalf("%s: keys %v, first row's %v", name, keys, cols)
		}
		rows = append(rows, row)
	}
	return cols, rows
}

// TestAnalyzeSeries: --series writes a row per 100 ms (and one for the partial last hop), in either format, with
// times that rise to the file's end, and values that are the meter's: their maxima are the report's, to the bit.
func TestAnalyzeSeries(t *testing.T) {
	wav, frames := burstWAV(t, "burst.wav")
	for _, tc := range []struct {
		ext        string
		perChannel bool
	}{{".csv", false}, {".jsonl", false}, {".csv", true}, {".jsonl", true}} {
		t.Run(tc.ext+strconv.FormatBool(tc.perChannel), func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "s"+tc.ext)
			args := []string{"--json", "--series", out, wav}
			if tc.perChannel {
				args = append(args, "--series-channels")
			}
			stdout, stderr, status := analyze(t, args...)
			if status != 0 || stderr != "" {
				t.Fatalf("status %d, stderr %q", status, stderr)
			}
			var rep struct {
				Overall struct {
					SamplePeak float64 `json:"sample_peak_dbfs"`
					TruePeak   float64 `json:"true_peak_dbtp"`
				} `json:"overall"`
				Loudness struct {
					MomentaryMax float64 `json:"momentary_max_lufs"`
					ShortTermMax float64 `json:"shortterm_max_lufs"`
				} `json:"loudness"`
			}
			if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
				t.Fatal(err)
			}
			cols, rows := readSeries(t, out)
			want := []string{"t_s", "momentary_lufs", "short_term_lufs", "sample_peak_dbfs", "true_peak_dbtp"}
			if tc.perChannel {
				want = append(want, "sample_peak_dbfs_L", "true_peak_dbtp_L", "sample_peak_dbfs_R", "true_peak_dbtp_R")
			}
			if strings.Join(cols, ",") != strings.Join(want, ",") {
				t.Fatalf("columns %v, want %v", cols, want)
			}
			if len(rows) != 56 {
				t.Fatalf("%d rows, want 56 (55 hops of 100 ms and a partial one)", len(rows))
			}
			maxOf := make([]float64, len(cols))
			for i := range maxOf {
				maxOf[i] = math.Inf(-1)
			}
			for k, r := range rows {
				if k > 0 && !(r[0] > rows[k-1][0]) {
					t.Errorf("row %d: t_s %v after %v", k, r[0], rows[k-1][0])
				}
				for i, v := range r {
					maxOf[i] = max(maxOf[i], v)
				}
			}
			if end := float64(frames) / 44100; rows[len(rows)-1][0] != end || rows[0][0] != 0.1 {
				t.Errorf("t_s from %v to %v, want 0.1 to %v", rows[0][0], rows[len(rows)-1][0], end)
			}
			for _, c := range []struct {
				col  int
				want float64
			}{{1, rep.Loudness.MomentaryMax}, {2, rep.Loudness.ShortTermMax}, {3, rep.Overall.SamplePeak},
				{4, rep.Overall.TruePeak}} {
				if maxOf[c.col] != c.want {
					t.Errorf("largest %s %v, the report's %v", cols[c.col], maxOf[c.col], c.want)
				}
			}
			if tc.perChannel && (maxOf[6] != rep.Overall.TruePeak || maxOf[5] != rep.Overall.SamplePeak) {
				t.Errorf("channel L's largest peaks %v %v, the report's %v %v", maxOf[5], maxOf[6],
					rep.Overall.SamplePeak, rep.Overall.TruePeak)
			}
		})
	}
}

// TestAnalyzeSeriesMaxima: with --series, the text report names when the maxima were reached; without, it says
// nothing of it (finding the times costs the 100 ms hops).
func TestAnalyzeSeriesMaxima(t *testing.T) {
	wav, _ := burstWAV(t, "burst.wav")
	out := filepath.Join(t.TempDir(), "s.csv")
	stdout, stderr, status := analyze(t, "--series", out, wav)
	if status != 0 || stderr != "" {
		t.Fatalf("status %d, stderr %q", status, stderr)
	}
	for _, want := range []string{"  peaks at       true peak -3.00 dBTP at 0:03.0, sample peak -3.00 dBFS at 0:03.0\n",
		"  series         " + out + "\n"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("report lacks %q:\n%s", want, stdout)
		}
	}
	for _, line := range []string{"momentary max", "short-term max"} {
		i := strings.Index(stdout, line)
		if end := strings.IndexByte(stdout[i:], '\n'); i < 0 || !strings.Contains(stdout[i:i+end], " at 0:0") {
			t.Errorf("%s names no time:\n%s", line, stdout)
		}
	}
	plain, _, _ := analyze(t, wav)
	if strings.Contains(plain, " at ") {
		t.Errorf("without --series the report names times:\n%s", plain)
	}
}

// TestAnalyzeSeriesFiles: with several files each gets its own series, named after it; a name that is neither
// .csv nor .jsonl, and --series-channels alone, are usage errors.
func TestAnalyzeSeriesFiles(t *testing.T) {
	a := writeWAVSpec(t, "a.wav", wavSpec{rate: 48000, channels: 1}, toneIn(48000, 1, 1, -10, 0))
	b := writeWAVSpec(t, "b.wav", wavSpec{rate: 48000, channels: 1}, toneIn(48000, 1, 0.35, -10, 0))
	dir := t.TempDir()
	_, stderr, status := analyze(t, "--series", filepath.Join(dir, "out.jsonl"), a, b)
	if status != 0 || stderr != "" {
		t.Fatalf("status %d, stderr %q", status, stderr)
	}
	for name, n := range map[string]int{"out-a.jsonl": 10, "out-b.jsonl": 4} {
		if _, rows := readSeries(t, filepath.Join(dir, name)); len(rows) != n {
			t.Errorf("%s: %d rows, want %d", name, len(rows), n)
		}
	}
	for _, args := range [][]string{{"--series", "out.txt", a}, {"--series-channels", a}} {
		_, stderr, status := analyze(t, args...)
		if status != 2 || strings.Count(stderr, "\n") != 2 {
			t.Errorf("%v: status %d, stderr %q; want 2 and a line with a hint", args, status, stderr)
		}
	}
}

func TestSeriesNames(t *testing.T) {
	for _, tc := range []struct {
		out   string
		files []string
		want  []string
	}{
		{"", []string{"a.wav"}, nil},
		{"s.csv", []string{"x/a.wav"}, []string{"s.csv"}},
		{"d/s.jsonl", []string{"x/a.wav", "y/b.flac", "-"}, []string{"d/s-a.jsonl", "d/s-b.jsonl", "d/s-stdin.jsonl"}},
		{"s.csv", []string{"x/a.wav", "y/a.flac"}, []string{"s-a-1.csv", "s-a-2.csv"}},
	} {
		if got := seriesNames(tc.out, tc.files); strings.Join(got, " ") != strings.Join(tc.want, " ") ||
			(got == nil) != (tc.want == nil) {
			t.Errorf("seriesNames(%q, %q) = %q, want %q", tc.out, tc.files, got, tc.want)
		}
	}
}

// TestAnalyzeSeriesRefused: a file --strict refuses leaves no series behind, as it leaves no report.
func TestAnalyzeSeriesRefused(t *testing.T) {
	samples := toneIn(48000, 1, 1, -10, 0)
	long := int64(len(samples)*2 + 1000)
	cut := writeWAVSpec(t, "cut.wav", wavSpec{rate: 48000, channels: 1, pcm16: true, dataSize: &long}, samples)
	out := filepath.Join(t.TempDir(), "s.csv")
	if _, _, status := analyze(t, "--strict", "--series", out, cut); status != exitTruncated {
		t.Errorf("status %d, want %d", status, exitTruncated)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("the series of a refused file is there: %v", err)
	}
	if _, _, status := analyze(t, "--series", out, cut); status != 0 {
		t.Errorf("without --strict: status %d, want 0", status)
	}
	if _, rows := readSeries(t, out); len(rows) != 10 {
		t.Errorf("without --strict: %d rows, want 10", len(rows))
	}
}
