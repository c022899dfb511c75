package main

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// jsonFiles is the "file" of each JSON line of out, in order.
func jsonFiles(t *testing.T, out string) []string {
	t.Helper()
	var names []string
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		var v struct {
			File string `json:"file"`
		}
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			t.Fatalf("not a JSON line: %q: %v", line, err)
		}
		names = append(names, v.File)
	}
	return names
}

// TestAnalyzeParallelOrder: files of very different lengths measured two at a time come out in the order given,
// byte for byte as one at a time gives them, and a file that fails is reported in its place without stopping the
// others.
func TestAnalyzeParallelOrder(t *testing.T) {
	long := writeWAVSpec(t, "long.wav", wavSpec{rate: 48000, channels: 2}, toneIn(48000, 2, 6, -10, 0, 1))
	short := writeWAVSpec(t, "short.wav", wavSpec{rate: 48000, channels: 2}, toneIn(48000, 2, 0.2, -20, 0))
	mid := writeWAVSpec(t, "mid.wav", wavSpec{rate: 44100, channels: 1, pcm16: true}, toneIn(44100, 1, 2, -6, 0))
	tiny := writeWAVSpec(t, "tiny.wav", wavSpec{rate: 48000, channels: 1}, toneIn(48000, 1, 0.01, -3, 0))
	missing := filepath.Join(t.TempDir(), "missing.wav")
	files := []string{long, short, missing, mid, tiny, long}
	var serial string
	for _, jobs := range []string{"1", "2", "4"} {
		t.Run("j"+jobs, func(t *testing.T) {
			out, errs, status := analyze(t, append([]string{"--json", "-j", jobs}, files...)...)
			if status != 1 {
				t.Errorf("status %d, want 1 (one file missing)", status)
			}
			if want := "levelmeter analyze: " + missing + ": no such file or directory\n"; errs != want {
				t.Errorf("stderr %q, want %q", errs, want)
			}
			want := []string{long, short, mid, tiny, long}
			if got := jsonFiles(t, out); strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("order:\n got %q\nwant %q", got, want)
			}
			if jobs == "1" {
				serial = out
			} else if out != serial {
				t.Errorf("-j %s differs from -j 1:\n%s\n%s", jobs, out, serial)
			}
		})
	}
	// Text reports come in the same order, one blank line between them.
	out, _, _ := analyze(t, "-j", "2", long, short, mid)
	if i, j, k := strings.Index(out, long+"\n"), strings.Index(out, short+"\n"), strings.Index(out, mid+"\n"); !(i == 0 && i < j && j < k) {
		t.Errorf("text reports out of order (%d %d %d):\n%s", i, j, k, out)
	}
}

func TestAnalyzeJobsUsage(t *testing.T) {
	for _, jobs := range []string{"0", "-3"} {
		_, errs, status := analyze(t, "-j", jobs, td+"dc.wav")
		if status != exitUsage || !strings.HasPrefix(errs, "levelmeter analyze: --jobs "+jobs+": give at least 1") {
			t.Errorf("-j %s: status %d, stderr %q", jobs, status, errs)
		}
	}
	_, errs, status := analyze(t, "-", td+"dc.wav", "-")
	if status != exitUsage || !strings.HasPrefix(errs, "levelmeter analyze: standard input (-) is given 2 times; it can be read once") {
		t.Errorf("- twice: status %d, stderr %q", status, errs)
	}
}

// TestAnalyzeDirectory: a directory stands for the audio files under it, recursively, sorted by name, without
// its hidden files and files that are not audio by name.
func TestAnalyzeDirectory(t *testing.T) {
	dir := t.TempDir()
	wav := wavBytes(wavSpec{rate: 48000, channels: 1}, toneIn(48000, 1, 0.1, -10, 0))
	for _, name := range []string{"b.wav", "a/z.WAV", "a/b/c.wav", ".hidden.wav", "cover.jpg", "notes.txt"} {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, wav, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out, errs, status := analyze(t, "--json", "-j", "2", dir, td+"dc.wav")
	if status != 0 || errs != "" {
		t.Fatalf("status %d, stderr %q", status, errs)
	}
	want := []string{filepath.Join(dir, "a/b/c.wav"), filepath.Join(dir, "a/z.WAV"), filepath.Join(dir, "b.wav"), td + "dc.wav"}
	if got := jsonFiles(t, out); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("files:\n got %q\nwant %q", got, want)
	}
}

// streamedWAV is a 16-bit WAV whose RIFF and data sizes are 0xFFFFFFFF, as a writer to a pipe leaves them.
func streamedWAV(samples []float32, channels int) []byte {
	b := wavBytes(wavSpec{rate: 48000, channels: channels, pcm16: true}, samples)
	copy(b[4:8], []byte{0xFF, 0xFF, 0xFF, 0xFF})
	i := bytes.Index(b, []byte("data"))
	copy(b[i+4:i+8], []byte{0xFF, 0xFF, 0xFF, 0xFF})
	return b
}

// TestAnalyzeStdin runs the built binary as a user does: a WAV stream with sizes never written piped into
// `analyze -` and into /dev/stdin, and a FLAC stream from ffmpeg when it is installed. The values are those of the
// same audio in a file.
func TestAnalyzeStdin(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	samples := toneIn(48000, 2, 1.5, -12, 0, 1)
	file := writeWAVSpec(t, "tone.wav", wavSpec{rate: 48000, channels: 2, pcm16: true}, samples)
	_, ref, _ := runBinary(t, bin, nil, "analyze", "--json", file)
	stream := streamedWAV(samples, 2)
	pipe := func(input []byte, args ...string) (string, string, int) {
		t.Helper()
		cmd := exec.Command(bin, args...)
		in, err := cmd.StdinPipe() // a pipe, not a file: nothing can seek
		if err != nil {
			t.Fatal(err)
		}
		var o, e bytes.Buffer
		cmd.Stdout, cmd.Stderr = &o, &e
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() { in.Write(input); in.Close() }()
		cmd.Wait()
		return o.String(), e.String(), cmd.ProcessState.ExitCode()
	}
	for _, name := range []string{"-", "/dev/stdin"} {
		out, errs, status := pipe(stream, "analyze", "--json", name)
		// Sizes never written are how a WAV is streamed: no warning.
		if status != 0 || errs != "" {
			t.Errorf("%s: status %d, stderr %q", name, status, errs)
		}
		if strings.Contains(out, `"warnings":[{`) {
			t.Errorf("%s: JSON warnings for a streamed WAV: %s", name, out)
		}
		got, want := levelsOf(t, out), levelsOf(t, ref)
		if got != want {
			t.Errorf("%s: levels\n%s\nwant those of the file\n%s", name, got, want)
		}
	}
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("ffmpeg is not installed: FLAC on standard input not tested")
	}
	flac, err := exec.Command("ffmpeg", "-v", "error", "-i", file, "-f", "flac", "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	out, errs, status := pipe(flac, "analyze", "--json", "-")
	if status != 0 || errs != "" || levelsOf(t, out) != levelsOf(t, ref) {
		t.Errorf("FLAC on stdin: status %d, stderr %q\n%s\nwant\n%s", status, errs, levelsOf(t, out), levelsOf(t, ref))
	}
}

// levelsOf is a JSON report without its file name and warnings: the values measured.
func levelsOf(t *testing.T, line string) string {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal([]byte(line), &v); err != nil {
		t.Fatalf("%q: %v", line, err)
	}
	delete(v, "file")
	delete(v, "warnings")
	b, _ := json.Marshal(v)
	return string(b)
}

// TestAnalyzeInterrupt: Ctrl-C stops analyze with status 130 even while it waits on a pipe that sends nothing.
func TestAnalyzeInterrupt(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	cmd := exec.Command(bin, "analyze", "-")
	in, _ := cmd.StdinPipe()
	defer in.Close()
	var e bytes.Buffer
	cmd.Stderr = &e
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	in.Write(streamedWAV(toneIn(48000, 2, 0.5, -12, 0), 2)) // then nothing more, the pipe left open
	time.Sleep(500 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGINT)
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatal("analyze did not stop within 10 s of SIGINT")
	}
	if code := cmd.ProcessState.ExitCode(); code != exitInterrupted || !strings.Contains(e.String(), "interrupted") {
		t.Errorf("status %d, stderr %q", code, e.String())
	}
}

// TestAnalyzeFormats measures the same signal as WAV and as FLAC, AIFF, MP3 and Ogg Vorbis made by ffmpeg: the
// lossless ones give the WAV's values exactly; the lossy ones agree within 0.1 LU in loudness, and within 0.1 dB in
// peak level with ffmpeg's decode of the same file.
func TestAnalyzeFormats(t *testing.T) {
	ffmpeg, err := exec.LookPath("ffmpeg")
	if err != nil {
		t.Skip("ffmpeg is not installed: the formats are not tested")
	}
	dir := t.TempDir()
	wav := filepath.Join(dir, "tone.wav")
	gen := func(out string, args ...string) {
		t.Helper()
		a := append([]string{"-v", "error", "-i", wav}, args...)
		if b, err := exec.Command(ffmpeg, append(a, "-y", out)...).CombinedOutput(); err != nil {
			t.Fatalf("ffmpeg %s: %v\n%s", out, err, b)
		}
	}
	// Two tones at different levels in the two channels, 4 s, 24-bit.
	if b, err := exec.Command(ffmpeg, "-v", "error", "-f", "lavfi", "-i", "sine=f=997:d=4", "-f", "lavfi", "-i",
		"sine=f=440:d=4", "-filter_complex", "[0][1]amerge=inputs=2,volume=-6dB", "-c:a", "pcm_s24le", "-ar", "48000",
		"-y", wav).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, b)
	}
	ref, _, _ := analyzeOne(t, wav)
	tests := []struct {
		name  string
		args  []string
		exact bool
	}{
		{"tone.flac", nil, true},
		{"tone.aiff", []string{"-c:a", "pcm_s24be"}, true},
		{"tone.mp3", []string{"-b:a", "320k"}, false},
		{"tone.ogg", []string{"-c:a", "libvorbis", "-q:a", "8"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(dir, tt.name)
			gen(p, tt.args...)
			got, line, errs := analyzeOne(t, p)
			if errs != "" {
				t.Fatalf("stderr %q", errs)
			}
			if tt.exact {
				if levelsOf(t, line) != levelsOf(t, ref.line) {
					t.Errorf("values differ from the WAV's:\n%s\n%s", levelsOf(t, line), levelsOf(t, ref.line))
				}
				return
			}
			// Loudness against the original; peaks, which a lossy codec moves by tenths of a dB, against
			// ffmpeg's decode of the same file.
			dec := filepath.Join(dir, tt.name+".wav")
			if b, err := exec.Command(ffmpeg, "-v", "error", "-i", p, "-c:a", "pcm_f32le", "-y", dec).CombinedOutput(); err != nil {
				t.Fatalf("ffmpeg: %v\n%s", err, b)
			}
			ff, _, _ := analyzeOne(t, dec)
			for _, c := range []struct {
				what      string
				got, want float64
			}{
				{"integrated vs the original", got.Integrated, ref.Integrated},
				{"momentary max vs the original", got.MomentaryMax, ref.MomentaryMax},
				{"integrated vs ffmpeg's decode", got.Integrated, ff.Integrated},
				{"sample peak vs ffmpeg's decode", got.SamplePeak, ff.SamplePeak},
				{"true peak vs ffmpeg's decode", got.TruePeak, ff.TruePeak},
			} {
				if math.Abs(c.got-c.want) > 0.1 {
					t.Errorf("%s: %.3f, want %.3f", c.what, c.got, c.want)
				}
			}
		})
	}
	// A format nothing reads: one line naming the file and listing the formats that are read.
	odd := filepath.Join(dir, "tone.xyz")
	os.WriteFile(odd, []byte("#!/bin/sh\necho not audio\n"), 0o644)
	_, errs, status := analyze(t, odd)
	want := "levelmeter analyze: " + odd + `: is not in a known audio format (it starts with "#!/bin/s"); levelmeter reads WAV (RF64/BW64 too), FLAC, MP3, Ogg Vorbis and AIFF`
	if status != 1 || strings.Count(errs, "\n") != 1 || !strings.HasPrefix(errs, want) {
		t.Errorf("status %d, stderr %q", status, errs)
	}
}

type formatLevels struct {
	line                                           string
	Integrated, MomentaryMax, SamplePeak, TruePeak float64
}

func analyzeOne(t *testing.T, name string) (formatLevels, string, string) {
	t.Helper()
	out, errs, _ := analyze(t, "--json", name)
	var v struct {
		Overall struct {
			SamplePeak float64 `json:"sample_peak_dbfs"`
			TruePeak   float64 `json:"true_peak_dbtp"`
		} `json:"overall"`
		Loudness struct {
			Integrated   float64 `json:"integrated_lufs"`
			MomentaryMax float64 `json:"momentary_max_lufs"`
		} `json:"loudness"`
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("%s: %q: %v (stderr %q)", name, out, err, errs)
	}
	return formatLevels{line: strings.TrimSuffix(out, "\n"), Integrated: v.Loudness.Integrated,
		MomentaryMax: v.Loudness.MomentaryMax, SamplePeak: v.Overall.SamplePeak, TruePeak: v.Overall.TruePeak}, out, errs
}
