package wavfile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// runTool runs a program that writes a WAV file and returns its standard output; the test is skipped, saying
// why, where the program is not installed.
func runTool(t *testing.T, name string, args ...string) []byte {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s is not installed: the files it writes are not tested", name)
	}
	var stderr bytes.Buffer
	cmd := exec.Command(path, args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %q: %v\n%s", name, args, err, stderr.Bytes())
	}
	return out
}

// TestFilesToolsWrite reads what ffmpeg and SoX write, to a file and to a pipe, in RIFF and RF64, and such files
// cut short, with their size never patched, or after an ID3v2 tag: every frame the file holds, each the same as in
// the tool's plain file, with the warning the header calls for.
func TestFilesToolsWrite(t *testing.T) {
	dir := t.TempDir()
	sine := []string{"-v", "error", "-f", "lavfi", "-i", "sine=f=1000:d=0.1:sample_rate=48000", "-c:a", "pcm_s16le"}
	ffmpeg := func(t *testing.T, args ...string) []byte {
		args = append(append([]string{}, sine...), args...)
		if out := args[len(args)-1]; out != "-" {
			runTool(t, "ffmpeg", append([]string{"-y"}, args...)...)
			b, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
		return runTool(t, "ffmpeg", args...)
	}
	var plain []byte // ffmpeg's plain file, written once
	ffmpegFile := func(t *testing.T) []byte {
		if plain == nil {
			plain = ffmpeg(t, filepath.Join(dir, "ffmpeg.wav"))
		}
		return append([]byte{}, plain...)
	}
	sox := func(t *testing.T, out string, format ...string) []byte {
		args := append(append([]string{"-D", "-n", "-r", "48000"}, format...), "-t", "wav", out, "synth", "0.1", "sine", "1000")
		b := runTool(t, "sox", args...)
		if out != "-" {
			var err error
			if b, err = os.ReadFile(out); err != nil {
				t.Fatal(err)
			}
		}
		return b
	}
	soxFile := func(t *testing.T) []byte { return sox(t, filepath.Join(dir, "sox.wav"), "-b", "16", "-c", "1") }

	tests := []struct {
		name      string
		file      func(t *testing.T) []byte
		ref       func(t *testing.T) []byte // the same signal, whose samples the file's must start with
		frames    int64
		container string
		warn      error
	}{
		{"ffmpeg to a file", ffmpegFile, ffmpegFile, 4800, "RIFF", nil},
		{"ffmpeg to a pipe", func(t *testing.T) []byte { return ffmpeg(t, "-f", "wav", "-") }, ffmpegFile, 4800, "RIFF",
			ErrSizeUnknown},
		{"ffmpeg -rf64 always to a file", func(t *testing.T) []byte {
			return ffmpeg(t, "-rf64", "always", filepath.Join(dir, "rf64.wav"))
		}, ffmpegFile, 4800, "RF64", nil},
		{"ffmpeg -rf64 always to a pipe", func(t *testing.T) []byte { return ffmpeg(t, "-rf64", "always", "-f", "wav", "-") },
			ffmpegFile, 4800, "RF64", ErrSizeUnknown},
		{"ffmpeg -rf64 auto to a file", func(t *testing.T) []byte {
			return ffmpeg(t, "-rf64", "auto", filepath.Join(dir, "auto.wav"))
		}, ffmpegFile, 4800, "RIFF", nil},
		{"ffmpeg file whose data size was never patched", func(t *testing.T) []byte {
			b := ffmpegFile(t)
			i := bytes.Index(b, []byte("data"))
			binary.LittleEndian.PutUint32(b[i+4:], 0)
			return b
		}, ffmpegFile, 4800, "RIFF", ErrSizeUnknown},
		{"ffmpeg file cut short", func(t *testing.T) []byte {
			b := ffmpegFile(t)
			return b[:len(b)-1001]
		}, ffmpegFile, 4800 - 501, "RIFF", ErrTruncated},
		{"ffmpeg file after an ID3v2 tag", func(t *testing.T) []byte {
			return append(id3Tag(1000, false), ffmpegFile(t)...)
		}, ffmpegFile, 4800, "RIFF", nil},
		{"SoX to a file", soxFile, soxFile, 4800, "RIFF", nil},
		{"SoX to a pipe", func(t *testing.T) []byte { return sox(t, "-", "-b", "16", "-c", "1") }, soxFile, 4800,
			"RIFF", ErrSizeUnknown},
		{"SoX to a pipe, 3 channels of 24 bits", func(t *testing.T) []byte { return sox(t, "-", "-b", "24", "-c", "3") },
			func(t *testing.T) []byte { return sox(t, filepath.Join(dir, "sox3.wav"), "-b", "24", "-c", "3") }, 4800,
			"RIFF", ErrSizeUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := tt.file(t)
			r, err := NewReader(bytes.NewReader(file))
			if err != nil {
				t.Fatal(err)
			}
			ws := r.Warnings()
			if (tt.warn == nil) != (len(ws) == 0) || len(ws) > 1 || tt.warn != nil && !errors.Is(ws[0], tt.warn) {
				t.Errorf("warnings %q, want %v", ws, tt.warn)
			}
			if info := r.Info(); info.Frames != tt.frames || info.Container != tt.container {
				t.Fatalf("Frames, Container = %d, %q; want %d, %q", info.Frames, info.Container, tt.frames, tt.container)
			}
			ref, err := NewReader(bytes.NewReader(tt.ref(t)))
			if err != nil {
				t.Fatal(err)
			}
			got, want := readAll(t, r, 1000), readAll(t, ref, 1000)
			if len(got) == 0 || len(got) > len(want) || !equal(got, want[:len(got)]) {
				t.Fatalf("%d samples differ from the %d of the tool's plain file", len(got), len(want))
			}
		})
	}
}

// TestChannelMaskToolsWrite: the masks ffmpeg writes for its layouts, and SoX's none.
func TestChannelMaskToolsWrite(t *testing.T) {
	tests := []struct {
		layout string
		want   uint32
	}{
		{"mono", 0}, // not extensible
		{"stereo", 0},
		{"3.0", 0x7},
		{"quad", 0x33},
		{"5.1", 0x3F},
		{"5.1(side)", 0x60F},
		{"6.0", 0x707},
		{"7.1", 0x63F},
		{"hexadecagonal", 0}, // 16 channels, some in positions a WAV mask cannot name
	}
	for _, tt := range tests {
		t.Run(tt.layout, func(t *testing.T) {
			b := runTool(t, "ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=d=0.01:sample_rate=48000", "-af",
				"aformat=channel_layouts="+tt.layout, "-c:a", "pcm_s16le", "-f", "wav", "-")
			r, err := NewReader(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			if got := r.Info().ChannelMask; got != tt.want {
				t.Errorf("ChannelMask = %#x, want %#x", got, tt.want)
			}
		})
	}
	t.Run("SoX, 3 channels", func(t *testing.T) {
		b := runTool(t, "sox", "-D", "-n", "-r", "48000", "-b", "16", "-c", "3", "-t", "wav", "-", "synth", "0.01", "sine", "1000")
		r, err := NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if info := r.Info(); !info.Extensible || info.ChannelMask != 0 {
			t.Errorf("Extensible, ChannelMask = %v, %#x; want true, 0", info.Extensible, info.ChannelMask)
		}
	})
}
