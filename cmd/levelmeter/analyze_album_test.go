package main

import (
	"encoding/json"
	"math"
	"os/exec"
	"strings"
	"testing"
)

// albumOf runs analyze --json --album and returns the per-file integrated loudness and the album line.
func albumOf(t *testing.T, files ...string) ([]float64, jsonAlbumRead) {
	t.Helper()
	stdout, stderr, status := analyze(t, append([]string{"--json", "--album", "-j", "2"}, files...)...)
	if status != 0 || stderr != "" {
		t.Fatalf("status %d, stderr %q", status, stderr)
	}
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	if len(lines) != len(files)+1 {
		t.Fatalf("%d lines, want %d reports and the album:\n%s", len(lines), len(files), stdout)
	}
	var ints []float64
	for _, l := range lines[:len(files)] {
		var r struct {
			Loudness struct {
				Integrated float64 `json:"integrated_lufs"`
				Range      float64 `json:"lra_lu"`
			} `json:"loudness"`
		}
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatal(err)
		}
		ints = append(ints, r.Loudness.Integrated, r.Loudness.Range)
	}
	var a struct {
		Album jsonAlbumRead `json:"album"`
	}
	dec := json.NewDecoder(strings.NewReader(lines[len(files)]))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&a); err != nil {
		t.Fatalf("album line %q: %v", lines[len(files)], err)
	}
	return ints, a.Album
}

type jsonAlbumRead struct {
	Files       int      `json:"files"`
	NotMeasured int      `json:"files_not_measured"`
	Integrated  *float64 `json:"integrated_lufs"`
	Range       *float64 `json:"lra_lu"`
}

// TestAnalyzeAlbum: the album of one file is that file, to the bit; the album of two is their concatenation
// measured as one file, but for the few windows that would straddle the two: 3 of 350 blocks, within 0.01 LU
// for a 6 dB step between them, and so ffmpeg's ebur128 of the concatenation is within its printed precision.
func TestAnalyzeAlbum(t *testing.T) {
	loud := toneIn(48000, 2, 20, -14, 0, 1)
	quiet := toneIn(48000, 2, 15, -20, 0, 1)
	a := writeWAVSpec(t, "a.wav", wavSpec{rate: 48000, channels: 2}, loud)
	b := writeWAVSpec(t, "b.wav", wavSpec{rate: 48000, channels: 2}, quiet)
	both := writeWAVSpec(t, "ab.wav", wavSpec{rate: 48000, channels: 2}, append(append([]float32{}, loud...), quiet...))

	one, album := albumOf(t, a)
	if album.Files != 1 || album.Integrated == nil || *album.Integrated != one[0] || album.Range == nil || *album.Range != one[1] {
		t.Errorf("album of one file %+v, want its integrated %v and range %v", album, one[0], one[1])
	}
	whole, _ := albumOf(t, both)
	_, album = albumOf(t, a, b)
	if album.Files != 2 || album.Integrated == nil || math.Abs(*album.Integrated-whole[0]) > 0.01 {
		t.Errorf("album of two files %+v, want the concatenation's integrated %v within 0.01 LU", album, whole[0])
	}
	if album.Range == nil || math.Abs(*album.Range-whole[1]) > 0.1 {
		t.Errorf("album range %v, want the concatenation's %v within 0.1 LU", album.Range, whole[1])
	}
	t.Logf("album %v LUFS %v LU; concatenation %v LUFS %v LU", *album.Integrated, *album.Range, whole[0], whole[1])
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Log("ffmpeg is not installed: the album is not compared with ffmpeg's ebur128 of the concatenation")
		return
	}
	// ffmpeg prints integrated loudness to 0.1 LU: within its rounding and the 0.01 LU above.
	if ff := ffmpegEBUR128(t, both, 2, false); math.Abs(*album.Integrated-ff.integrated) > 0.06 {
		t.Errorf("album %v LUFS, ffmpeg's ebur128 of the concatenation %v LUFS", *album.Integrated, ff.integrated)
	}
}

// TestAnalyzeAlbumText: the text report ends with the album, and says which files were left out.
func TestAnalyzeAlbumText(t *testing.T) {
	a := writeWAVSpec(t, "a.wav", wavSpec{rate: 48000, channels: 1}, toneIn(48000, 1, 4, -12, 0))
	silent := writeWAVSpec(t, "s.wav", wavSpec{rate: 48000, channels: 1}, make([]float32, 48000))
	stdout, _, status := analyze(t, "--album", a, "missing.wav")
	if status != 1 {
		t.Errorf("status %d, want 1 (a file is missing)", status)
	}
	if want := "\n\nalbum: 1 file (1 not measured, left out), measured together in the order given\n  integrated     -"; !strings.Contains(stdout, want) || strings.Contains(stdout, "\n\n\n") {
		t.Errorf("report lacks %q or has two blank lines:\n%s", want, stdout)
	}
	stdout, _, _ = analyze(t, "--album", silent)
	if !strings.HasSuffix(stdout, "\n\nalbum: 1 file, measured together in the order given\n"+
		"  integrated     n/a (nothing above the -70 LUFS gate in any file)\n"+
		"  loudness range n/a (no 3 s window of any file above the -70 LUFS gate)\n") {
		t.Errorf("album of silence:\n%s", stdout)
	}
}
