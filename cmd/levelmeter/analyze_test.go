package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/levelmeter/levelmeter/dsp"
)

const td = "../../testdata/"

func analyze(t *testing.T, args ...string) (stdout, stderr string, status int) {
	t.Helper()
	var o, e bytes.Buffer
	status = dispatch(append([]string{"analyze"}, args...), &o, &e)
	return o.String(), e.String(), status
}

// TestJSONContract checks the field names, their order and nesting, and the values of a known file.
func TestJSONContract(t *testing.T) {
	out, errs, status := analyze(t, "--json", td+"sine-s16-stereo.wav")
	if status != 0 || errs != "" {
		t.Fatalf("status %d, stderr %q", status, errs)
	}
	if strings.Count(out, "\n") != 1 || !strings.HasSuffix(out, "}\n") {
		t.Fatalf("want one JSON object on one line, got %q", out)
	}
	keys := regexp.MustCompile(`"([a-z_0-9]+)":`).FindAllStringSubmatch(out, -1)
	var order []string
	for _, k := range keys {
		order = append(order, k[1])
	}
	stats := "sample_peak_dbfs rms_dbfs dc_offset crest_factor_db clipped_samples true_peak_dbtp"
	want := "file sample_rate channels layout channel_labels weights frames duration_s warnings overall " + stats +
		" per_channel label " + stats + " label " + stats +
		" loudness integrated_lufs lra_lu momentary_max_lufs shortterm_max_lufs notes shortterm lra stereo_correlation"
	if got := strings.Join(order, " "); got != want {
		t.Errorf("keys in order:\n got %s\nwant %s", got, want)
	}
	var v struct {
		File       string             `json:"file"`
		SampleRate int                `json:"sample_rate"`
		Channels   int                `json:"channels"`
		Frames     int64              `json:"frames"`
		Duration   float64            `json:"duration_s"`
		Overall    map[string]float64 `json:"overall"`
		PerChannel []map[string]any   `json:"per_channel"`
		Loudness   struct {
			Integrated *float64 `json:"integrated_lufs"`
		} `json:"loudness"`
		Corr    *float64  `json:"stereo_correlation"`
		Layout  string    `json:"layout"`
		Labels  []string  `json:"channel_labels"`
		Weights []float64 `json:"weights"`
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatal(err)
	}
	if v.File != td+"sine-s16-stereo.wav" || v.SampleRate != 48000 || v.Channels != 2 || v.Frames != 24000 ||
		v.Duration != 0.5 {
		t.Errorf("header fields: %+v", v)
	}
	for k, w := range map[string]float64{"sample_peak_dbfs": -20, "rms_dbfs": -23.01, "dc_offset": 0,
		"crest_factor_db": 3.01, "clipped_samples": 0, "true_peak_dbtp": -20} {
		if got := v.Overall[k]; math.Abs(got-w) > 0.005 {
			t.Errorf("overall.%s = %v, want %v", k, got, w)
		}
	}
	if len(v.PerChannel) != 2 {
		t.Errorf("per_channel has %d entries", len(v.PerChannel))
	}
	if v.Layout != "stereo" || strings.Join(v.Labels, " ") != "L R" || len(v.Weights) != 2 || v.Weights[0] != 1 ||
		v.PerChannel[1]["label"] != "R" {
		t.Errorf("layout %q, labels %q, weights %v, per_channel[1].label %v", v.Layout, v.Labels, v.Weights,
			v.PerChannel[1]["label"])
	}
	if i := v.Loudness.Integrated; i == nil || math.Abs(*i - -20) > 0.02 {
		t.Errorf("integrated_lufs = %v, want -20", i)
	}
	if v.Corr == nil || *v.Corr != 1 {
		t.Errorf("stereo_correlation = %v, want 1", v.Corr)
	}
}

func TestJSONNulls(t *testing.T) {
	tests := []struct {
		file  string
		nulls []string // keys that must be null (every occurrence)
	}{
		{"silence.wav", []string{"sample_peak_dbfs", "rms_dbfs", "crest_factor_db", "true_peak_dbtp",
			"integrated_lufs", "lra_lu", "momentary_max_lufs", "shortterm_max_lufs", "stereo_correlation"}},
		{"empty.wav", []string{"sample_peak_dbfs", "integrated_lufs", "stereo_correlation"}},
		{"sine-s24-mono.wav", []string{"stereo_correlation"}},
		{"sine-s16x-5.1.wav", []string{"stereo_correlation"}},
	}
	for _, tt := range tests {
		out, errs, status := analyze(t, "--json", td+tt.file)
		if status != 0 {
			t.Fatalf("%s: status %d, %s", tt.file, status, errs)
		}
		for _, k := range tt.nulls {
			if n := strings.Count(out, `"`+k+`":`); n == 0 || n != strings.Count(out, `"`+k+`":null`) {
				t.Errorf("%s: %s is not null everywhere in %s", tt.file, k, out)
			}
		}
		if strings.Contains(out, "Inf") || strings.Contains(out, "NaN") || strings.Contains(out, "-0,") {
			t.Errorf("%s: %s", tt.file, out)
		}
	}
}

func TestJSONValues(t *testing.T) {
	tests := []struct {
		file string
		want map[string]string // substrings of the JSON line
	}{
		{"clip.wav", map[string]string{"clipped": `"clipped_samples":6800`, "peak": `"sample_peak_dbfs":0,`}},
		{"antiphase.wav", map[string]string{"correlation": `"stereo_correlation":-1}`}},
		{"dc.wav", map[string]string{"dc": `"dc_offset":0.25,`, "crest": `"crest_factor_db":0,`}},
		{"sine-u8-mono.wav", map[string]string{"8-bit centred": `"dc_offset":0,`}},
		{"sine-s16x-5.1.wav", map[string]string{"5.1": `"integrated_lufs":-18.0`}},
	}
	for _, tt := range tests {
		out, _, _ := analyze(t, "--json", td+tt.file)
		for what, sub := range tt.want {
			if !strings.Contains(out, sub) {
				t.Errorf("%s (%s): %s not in %s", tt.file, what, sub, out)
			}
		}
	}
}

// TestNumPrecision: JSON numbers carry every digit the meter computed (the shortest decimal that reads back as
// the same float64), with no "-0", and null for what is not a number.
func TestNumPrecision(t *testing.T) {
	tests := []struct {
		n    num
		want string
	}{
		{-23.0149, "-23.0149"}, {-32.99512, "-32.99512"}, {num(math.Copysign(0, -1)), "0"}, {num(math.Inf(-1)), "null"},
		{num(math.NaN()), "null"}, {1e-9, "1e-9"}, {0.1234567891, "0.1234567891"}, {10, "10"},
		{-1.0 / 3, "-0.3333333333333333"},
	}
	for _, tt := range tests {
		b, _ := tt.n.MarshalJSON()
		if string(b) != tt.want {
			t.Errorf("%v: %s, want %s", float64(tt.n), b, tt.want)
		}
		var back float64
		if tt.want != "null" && (json.Unmarshal(b, &back) != nil || back != float64(tt.n)) {
			t.Errorf("%s does not read back as %v", b, float64(tt.n))
		}
	}
}

// analyzePath opens and measures a file as analyze does.
func analyzePath(name string, opts analyzeOptions) (*analysis, error) {
	src, f, err := openAudio(name)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	return analyzeFile(context.Background(), name, src, f, opts, "")
}

func TestHumanReport(t *testing.T) {
	out, _, status := analyze(t, td+"sine-s16-stereo.wav", td+"silence.wav", td+"nonfinite-f32.wav")
	if status != 0 {
		t.Fatalf("status %d", status)
	}
	for _, want := range []string{
		"sine-s16-stereo.wav\n  format         48000 Hz, 2 channels, 16-bit PCM\n  duration       0.500 s (24000 frames)",
		"  sample peak      -20.00 dBFS   -20.00 dBFS   -20.00 dBFS",
		"  RMS              -23.01 dBFS",
		"  integrated     -20.0 LUFS",
		"  correlation    +1.000",
		"  sample peak        -inf dBFS",
		"  correlation    n/a (a channel is silent)",
		"  NaN/Inf                    4",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
}

// TestBadFiles: each unreadable file gets one line on stderr naming it, the others are still measured, and the
// status is 1.
func TestBadFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	mp3 := write("song.wav", []byte("ID3\x04\x00\x00\x00\x00\x00\x00rest of an mp3"))
	flac := write("song.flac", []byte("fLaC\x00\x00\x00\x22rest"))
	text := write("notes.wav", []byte("these are my notes about the mix"))
	missing := filepath.Join(dir, "missing.wav")
	tests := []struct{ file, line string }{
		{missing, "levelmeter analyze: " + missing + ": no such file or directory"},
		{mp3, "levelmeter analyze: " + mp3 + `: is not in a known audio format (it starts with "rest of "); levelmeter reads WAV`},
		{flac, "levelmeter analyze: " + flac + ": cannot read the FLAC header"},
		{text, "levelmeter analyze: " + text + `: is not in a known audio format (it starts with "these ar"); levelmeter reads WAV`},
	}
	for _, tt := range tests {
		out, errs, status := analyze(t, "--json", tt.file, td+"dc.wav")
		if status != 1 {
			t.Errorf("%s: status %d, want 1", tt.file, status)
		}
		if strings.Count(errs, "\n") != 1 || !strings.HasPrefix(errs, tt.line) {
			t.Errorf("%s: stderr\n%q\nwant one line starting\n%q", tt.file, errs, tt.line)
		}
		if !strings.Contains(out, `"file":"`+td+`dc.wav"`) {
			t.Errorf("%s: the good file was not measured: %q", tt.file, out)
		}
	}
}

func TestNonFiniteWarning(t *testing.T) {
	_, errs, status := analyze(t, "--json", td+"nonfinite-f32.wav")
	if status != 0 || !strings.Contains(errs, "nonfinite-f32.wav: warning: 4 NaN or infinite samples were measured as silence") {
		t.Errorf("status %d, stderr %q", status, errs)
	}
}

func TestUsage(t *testing.T) {
	tests := []struct {
		args   []string
		status int
		stderr string
	}{
		{nil, 2, "no files given"},
		{[]string{"--json"}, 2, "no files given"},
		{[]string{"--bogus", td + "dc.wav"}, 2, "flag provided but not defined: --bogus"},
		{[]string{"--plot", "out.txt", td + "dc.wav"}, 2, "give a name ending in .png"},
		{[]string{"--plot"}, 2, "flag needs an argument"},
		{[]string{"-h"}, 0, ""},
	}
	for _, tt := range tests {
		_, errs, status := analyze(t, tt.args...)
		if status != tt.status || !strings.Contains(errs, tt.stderr) {
			t.Errorf("analyze %q: status %d, stderr %q; want %d and %q", tt.args, status, errs, tt.status, tt.stderr)
		}
	}
	// Flags may follow the files.
	if out, _, status := analyze(t, td+"dc.wav", "--json"); status != 0 || !strings.HasPrefix(out, "{") {
		t.Errorf("a flag after the file: status %d, %q", status, out)
	}
}

func TestPlot(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "levels.png")
	if _, errs, status := analyze(t, "--plot", out, td+"sine-s16-stereo.wav", td+"silence.wav"); status != 0 {
		t.Fatalf("status %d: %s", status, errs)
	}
	for _, name := range []string{"levels-sine-s16-stereo.png", "levels-silence.png"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(b, []byte("\x89PNG")) {
			t.Errorf("%s is not a PNG", name)
		}
	}
}

func TestPlotNames(t *testing.T) {
	tests := []struct {
		out   string
		files []string
		want  []string
	}{
		{"", []string{"a.wav"}, nil},
		{"p.png", []string{"x/a.wav"}, []string{"p.png"}},
		{"d/p.png", []string{"a.wav", "x/b.wav"}, []string{"d/p-a.png", "d/p-b.png"}},
		{"p.png", []string{"x/a.wav", "y/a.wav", "c.wav"}, []string{"p-a-1.png", "p-a-2.png", "p-c.png"}},
	}
	for _, tt := range tests {
		if got := plotNames(tt.out, tt.files); strings.Join(got, " ") != strings.Join(tt.want, " ") {
			t.Errorf("plotNames(%q, %q) = %q, want %q", tt.out, tt.files, got, tt.want)
		}
	}
}

// TestSeriesBounded: a plot's memory does not grow with the file's length.
func TestSeriesBounded(t *testing.T) {
	s := newSeries()
	var l dsp.Levels
	for i := range 10 * maxPoints {
		l.Loudness.Momentary = float64(i % 100)
		s.add(float64(i)/10, l)
	}
	if len(s.t) > maxPoints || len(s.t) < maxPoints/2 {
		t.Errorf("%d points kept, want at most %d and at least half", len(s.t), maxPoints)
	}
	if s.t[len(s.t)-1] != float64(10*maxPoints-1)/10 {
		t.Errorf("the last point is at %v s", s.t[len(s.t)-1])
	}
	if s.momentary[0] != 15 { // 16 points merged into the first: 0..15
		t.Errorf("merged points keep the largest value: got %v", s.momentary[0])
	}
}

// TestAnalyzeWithAndWithoutSeries: cutting the stream into 100 ms hops for the plot changes no result.
func TestAnalyzeWithAndWithoutSeries(t *testing.T) {
	a, err := analyzePath(td+"demo.wav", analyzeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := analyzePath(td+"demo.wav", analyzeOptions{withSeries: true})
	if err != nil {
		t.Fatal(err)
	}
	ja, _ := a.MarshalJSON()
	jb, _ := b.MarshalJSON()
	if !bytes.Equal(ja, jb) {
		t.Errorf("with series:\n%s\nwithout:\n%s", jb, ja)
	}
	if n := len(b.series.t); n != 100 {
		t.Errorf("%d points for 10 s, want 100", n)
	}
}
