package main

import (
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/levelmeter/levelmeter/audio/decode"
	"github.com/levelmeter/levelmeter/audio/wavfile"
)

// analyzeStdin runs analyze on "-" with the file's bytes on standard input, through a pipe, which cannot seek.
func analyzeStdin(t *testing.T, file string, args ...string) (stdout, stderr string, status int) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	saved := os.Stdin
	os.Stdin = r
	defer func() { os.Stdin = saved }()
	go func() { w.Write(b); w.Close() }()
	return analyze(t, append(args, "-")...)
}

// TestAnalyzeWAVEncodings: WAV encodings audio/wavfile does not decode, as ffmpeg writes them, are measured
// through ffmpeg, from a path and from a pipe: exactly as ffmpeg's PCM decode of the same file, and as ffmpeg's
// own ebur128 measures it.
func TestAnalyzeWAVEncodings(t *testing.T) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("ffmpeg is not installed (apt-get install ffmpeg): the encodings it decodes are not tested")
	}
	dir := t.TempDir()
	for _, tt := range []struct{ codec, description string }{
		{"pcm_mulaw", "µ-law"}, {"pcm_alaw", "A-law"}, {"adpcm_ima_wav", "IMA ADPCM"}, {"adpcm_ms", "MS ADPCM"},
	} {
		t.Run(tt.codec, func(t *testing.T) {
			p := filepath.Join(dir, tt.codec+".wav")
			ref := filepath.Join(dir, tt.codec+"-f32.wav")
			// Two tones at different levels in the two channels, 3 s at 44.1 kHz (ADPCM's blocks do not
			// divide it).
			if b, err := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "sine=f=997:d=3",
				"-f", "lavfi", "-i", "sine=f=440:d=3", "-filter_complex", "[0][1]amerge=inputs=2,volume=-9dB",
				"-ar", "44100", "-c:a", tt.codec, "-y", p).CombinedOutput(); err != nil {
				t.Fatalf("ffmpeg: %v\n%s", err, b)
			}
			if b, err := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-i", p, "-c:a", "pcm_f32le", "-y",
				ref).CombinedOutput(); err != nil {
				t.Fatalf("ffmpeg: %v\n%s", err, b)
			}
			_, wantLine, _ := analyzeOne(t, ref)
			got, line, errs := analyzeOne(t, p)
			if errs != "" {
				t.Fatalf("by path: stderr %q", errs)
			}
			if levelsOf(t, line) != levelsOf(t, wantLine) {
				t.Errorf("by path: values differ from those of ffmpeg's PCM decode:\n%s\n%s", levelsOf(t, line),
					levelsOf(t, wantLine))
			}
			out, errs, status := analyzeStdin(t, p, "--json")
			if status != 0 || errs != "" {
				t.Fatalf("from a pipe: status %d, stderr %q", status, errs)
			}
			if levelsOf(t, out) != levelsOf(t, wantLine) {
				t.Errorf("from a pipe: values differ from those of ffmpeg's PCM decode:\n%s\n%s", levelsOf(t, out),
					levelsOf(t, wantLine))
			}
			// ffmpeg prints one decimal; its true-peak oversampler is not levelmeter's (they differ by a few
			// hundredths of a dB).
			ff := ffmpegEBUR128(t, p, 2, true)
			i, tp := ff.integrated, ff.overallPeak
			if math.IsNaN(tp) {
				t.Fatalf("no true peak in ffmpeg's ebur128 summary of %s", p)
			}
			if d := got.Integrated - i; d > 0.051 || d < -0.051 {
				t.Errorf("integrated %.3f LUFS, ffmpeg's ebur128 %.1f", got.Integrated, i)
			}
			if d := got.TruePeak - tp; d > 0.1 || d < -0.1 {
				t.Errorf("true peak %.3f dBTP, ffmpeg's ebur128 %.1f", got.TruePeak, tp)
			}
			text, _, _ := analyze(t, p)
			if !strings.Contains(text, "WAV, 44100 Hz, 2 channels (decoded by ffmpeg)") {
				t.Errorf("report does not say how the file was decoded:\n%s", text)
			}
		})
	}
}

// TestAnalyzeWAVEncodingWithoutFFmpeg: without ffmpeg such a file is refused with one line that names the
// encoding and says what to do, from a path and from a pipe.
func TestAnalyzeWAVEncodingWithoutFFmpeg(t *testing.T) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("ffmpeg is not installed (apt-get install ffmpeg): it writes the file this test reads")
	}
	p := filepath.Join(t.TempDir(), "mulaw.wav")
	if b, err := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "sine=d=1", "-c:a",
		"pcm_mulaw", p).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, b)
	}
	t.Setenv("PATH", t.TempDir()) // no ffmpeg on it
	for name, run := range map[string]func() (string, string, int){
		p:   func() (string, string, int) { return analyze(t, p) },
		"-": func() (string, string, int) { return analyzeStdin(t, p) },
	} {
		out, errs, status := run()
		want := "levelmeter analyze: " + name + ": is encoded as µ-law, not PCM or float: it needs ffmpeg, which is " +
			"not installed; install ffmpeg (e.g. apt-get install ffmpeg) to read it, or convert it to PCM WAV"
		if status != exitFailed || out != "" || strings.Count(errs, "\n") != 1 || !strings.HasPrefix(errs, want) {
			t.Errorf("%s: status %d, stdout %q, stderr %q; want status %d and one line starting %q", name, status,
				out, errs, exitFailed, want)
		}
	}
}

// TestFileRemedy: the command adds to each condition audio/decode states what to do about it, on the same line.
func TestFileRemedy(t *testing.T) {
	derr := func(cause error, msg string) error { return &decode.Error{File: "f", Msg: msg, Err: cause} }
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"unknown format", derr(decode.ErrUnknownFormat, "is not in a known audio format (it starts with \"abc\")"),
			`f: is not in a known audio format (it starts with "abc"); levelmeter reads WAV (RF64/BW64 too), FLAC, `},
		{"needs ffmpeg", derr(decode.ErrNeedsFFmpeg, "is Ogg Opus, which needs ffmpeg, and ffmpeg is not installed"),
			"f: is Ogg Opus, which needs ffmpeg, and ffmpeg is not installed; install ffmpeg (e.g. apt-get install " +
				"ffmpeg) or convert the file to WAV or FLAC"},
		{"WAV encoding needs ffmpeg", derr(fmt.Errorf("%w: %w", decode.ErrNeedsFFmpeg, wavfile.ErrEncoding),
			"is encoded as GSM 6.10, not PCM or float: it needs ffmpeg, which is not installed"),
			"f: is encoded as GSM 6.10, not PCM or float: it needs ffmpeg, which is not installed; install ffmpeg " +
				"(e.g. apt-get install ffmpeg) to read it, or convert it to PCM WAV with another tool"},
		{"channels", derr(decode.ErrChannelCount, "has 20 channels, more than 16"),
			"f: has 20 channels, more than 16; levelmeter measures at most 16 channels: extract the channels"},
		{"AIFF-C encoding", derr(decode.ErrEncoding, `is compressed as "ima4", not PCM or float`),
			`f: is compressed as "ima4", not PCM or float; convert it to PCM or float WAV first, e.g. ffmpeg -i`},
		{"AIFF from a pipe", derr(decode.ErrNeedsSeek, "has its sound data before its COMM chunk, which cannot be read from a stream"),
			"f: has its sound data before its COMM chunk, which cannot be read from a stream; give the file's path " +
				"instead of a pipe, or rewrite it"},
		{"MP4 from a pipe", derr(fmt.Errorf("%w: %w", decode.ErrFFmpeg, decode.ErrNeedsSeek),
			"ffmpeg decoded no audio from it, read as a stream: Invalid data found when processing input"),
			"f: ffmpeg decoded no audio from it, read as a stream: Invalid data found when processing input; give " +
				"the file's path instead of a pipe, so that ffmpeg can seek in it (MP4/M4A keeps its index at the end)"},
		{"WAV encoding ffmpeg does not read", derr(fmt.Errorf("%w: %w", decode.ErrFFmpeg, wavfile.ErrEncoding),
			"is encoded as format tag 0x1234, not PCM or float, and ffmpeg could not decode it: Decoder (codec none) "+
				"not found for input stream #0:0"),
			"f: is encoded as format tag 0x1234, not PCM or float, and ffmpeg could not decode it: Decoder (codec " +
				"none) not found for input stream #0:0; convert it to PCM or float WAV with a tool that reads it"},
		{"ffmpeg failed", derr(decode.ErrFFmpeg, "ffmpeg decoded no audio from it: Invalid data"),
			"f: ffmpeg decoded no audio from it: Invalid data; the file may be damaged or incomplete"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := withFileRemedy(tt.err)
			if !errors.Is(err, tt.err) {
				t.Errorf("%v does not wrap the condition", err)
			}
			if got := err.Error(); !strings.HasPrefix(got, tt.want) || strings.Contains(got, "\n") {
				t.Errorf("got  %q\nwant %q...", got, tt.want)
			}
		})
	}
}
