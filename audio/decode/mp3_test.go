package decode

import (
	"math"
	"testing"
)

// TestMP3GaplessAgainstFFmpeg: an MP3 with a Xing/Info header and a LAME tag decodes to ffmpeg's length, frame
// for frame, with its samples where ffmpeg puts them: the header frame, the encoder delay and the padding are
// dropped. A file without the header decodes whole, as ffmpeg decodes it.
func TestMP3GaplessAgainstFFmpeg(t *testing.T) {
	needTool(t, "ffmpeg")
	dir := t.TempDir()
	tests := []struct {
		name     string
		file     string
		channels int
		args     []string
	}{
		{"CBR stereo 48 kHz (Info)", "cbr.mp3", 2, []string{"-c:a", "libmp3lame", "-b:a", "192k"}},
		{"CBR mono 44.1 kHz", "m44.mp3", 1, []string{"-ar", "44100", "-c:a", "libmp3lame"}},
		{"VBR stereo (Xing)", "vbr.mp3", 2, []string{"-c:a", "libmp3lame", "-q:a", "2"}},
		{"MPEG-2 24 kHz mono", "lsf.mp3", 1, []string{"-ar", "24000", "-c:a", "libmp3lame", "-b:a", "64k"}},
		{"no Xing header", "noxing.mp3", 2, []string{"-c:a", "libmp3lame", "-write_xing", "0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := ffmpegGen(t, dir, tt.file, tt.channels, 3.3, append([]string{"-af", "volume=0.5"}, tt.args...)...)
			want := ffmpegDecode(t, p)
			for how, r := range openBoth(t, p) {
				got := readAll(t, r)
				if len(got) != len(want) {
					t.Fatalf("%s: %d frames, ffmpeg decodes %d", how, len(got)/tt.channels, len(want)/tt.channels)
				}
				// go-mp3 decodes to 16 bits, ffmpeg to float: aligned, the two differ by the rounding and the
				// decoders' arithmetic (measured: 78 dB below the signal for MPEG-1, 48 dB for MPEG-2, where
				// go-mp3 is less precise); one frame off, they differ by about as much as the signal.
				var diff, sig float64
				for i := range got {
					d := float64(got[i] - want[i])
					diff += d * d
					sig += float64(want[i]) * float64(want[i])
				}
				snr := 10 * math.Log10(sig/diff)
				t.Logf("%s: %d frames, signal to difference %.1f dB", how, len(got)/tt.channels, snr)
				if snr < 40 {
					t.Errorf("%s: the decode differs from ffmpeg's by %.1f dB below the signal; want 40 dB or more", how, snr)
				}
			}
		})
	}
}
