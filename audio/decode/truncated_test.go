package decode

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTruncatedEveryFormat: a file cut short (a copy interrupted) is reported the same way in every format that
// can tell: every frame decoded before the cut is handed out, then Read fails with ErrTruncated and a message
// that starts "is truncated" and says how many frames came before the cut, which are the frames handed out. A
// caller that measures what is there treats that error as the end.
func TestTruncatedEveryFormat(t *testing.T) {
	needTool(t, "ffmpeg")
	dir := t.TempDir()
	tests := []struct {
		name   string
		file   string
		args   []string
		native bool // FLAC through the native decoder instead of ffmpeg
	}{
		{"FLAC through ffmpeg", "t.flac", []string{"-c:a", "flac"}, false},
		{"FLAC native", "t.flac", []string{"-c:a", "flac"}, true},
		{"Ogg Vorbis", "t.ogg", []string{"-c:a", "libvorbis"}, false},
		{"MP3 with a LAME tag", "t.mp3", []string{"-c:a", "libmp3lame"}, false},
		{"AIFF", "t.aiff", []string{"-c:a", "pcm_s16be"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.native {
				flacByFFmpeg = false
				defer func() { flacByFFmpeg = true }()
			}
			p := ffmpegGen(t, dir, tt.file, 2, 4, append([]string{"-af", "volume=0.5"}, tt.args...)...)
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			cut := filepath.Join(dir, "cut-"+tt.file)
			if err := os.WriteFile(cut, b[:len(b)*6/10], 0o644); err != nil {
				t.Fatal(err)
			}
			for how, r := range openBoth(t, cut) {
				buf := make([]float32, 2*999)
				var frames int
				for {
					n, err := r.Read(buf)
					frames += n / 2
					if err == nil {
						continue
					}
					if !errors.Is(err, ErrTruncated) {
						t.Fatalf("%s: Read after %d frames = %v, want ErrTruncated", how, frames, err)
					}
					msg := err.Error()
					if !strings.Contains(msg, ": is truncated") || !strings.Contains(msg, fmt.Sprintf(" after %d frames (", frames)) || strings.Contains(msg, "@ 0x") || strings.Contains(msg, "\n") {
						t.Errorf("%s: error %q after %d frames: want one line saying it is truncated after those", how,
							msg, frames)
					}
					if frames == 0 || frames >= 4*48000 {
						t.Errorf("%s: %d frames handed out before the cut", how, frames)
					}
					t.Logf("%s: %v", how, err)
					break
				}
			}
		})
	}
}
