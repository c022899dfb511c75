package decode

import (
	"encoding/binary"
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
				wantFrames := int64(len(want) / tt.channels)
				if tt.file == "noxing.mp3" {
					wantFrames = -1
				}
				if info := r.Info(); info.Frames != wantFrames {
					t.Errorf("%s: Info().Frames = %d, want %d", how, info.Frames, wantFrames)
				}
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

// mp3InfoFrame builds the first frame of an MP3 as LAME and ffmpeg write it: MPEG-1 layer III, 128 kbit/s,
// 44.1 kHz, stereo (417 bytes), holding a tag ("Info" or "Xing") with the given flags and frame count, and a LAME
// extension of the given encoder name, delay and padding.
func mp3InfoFrame(tag string, flags, frames uint32, encoder string, delay, padding int) []byte {
	b := make([]byte, 417)
	copy(b, "\xFF\xFB\x90\x64")
	p := 4 + 32
	copy(b[p:], tag)
	binary.BigEndian.PutUint32(b[p+4:], flags)
	p += 8
	if flags&1 != 0 {
		binary.BigEndian.PutUint32(b[p:], frames)
		p += 4
	}
	if flags&2 != 0 {
		binary.BigEndian.PutUint32(b[p:], 100000)
		p += 4
	}
	if flags&4 != 0 {
		p += 100
	}
	if flags&8 != 0 {
		p += 4
	}
	copy(b[p:], encoder)
	v := uint32(delay)<<12 | uint32(padding)
	b[p+21], b[p+22], b[p+23] = byte(v>>16), byte(v>>8), byte(v)
	return b
}

func TestParseMP3Gapless(t *testing.T) {
	tests := []struct {
		name string
		b    []byte
		want mp3Gapless
	}{
		{"ffmpeg's Info and LAME tag", mp3InfoFrame("Info", 15, 501, "Lavc59.37", 576, 576),
			mp3Gapless{skipBytes: 417, start: 576 + 529, endFrom: 501*1152 - 576 + 529, endTo: 501 * 1152,
				declared: 501 * 1152, spf: 1152}},
		{"LAME's Xing, frames only", mp3InfoFrame("Xing", 1, 10, "LAME3.100", 576, 1000),
			mp3Gapless{skipBytes: 417, start: 1105, endFrom: 11520 - 1000 + 529, endTo: 11520, declared: 11520, spf: 1152}},
		{"padding shorter than the decoder delay: nothing dropped at the end", mp3InfoFrame("Info", 1, 10, "LAME3.100", 576, 100),
			mp3Gapless{skipBytes: 417, start: 1105, endFrom: 11520 - 100 + 529, endTo: 11520, declared: 11520, spf: 1152}},
		{"another encoder: the frame skipped, nothing trimmed", mp3InfoFrame("Xing", 3, 10, "GOGO1.0", 576, 576),
			mp3Gapless{skipBytes: 417, declared: 11520, spf: 1152}},
		{"neither frames nor bytes: decoded, start trimmed", mp3InfoFrame("Info", 0, 0, "LAME3.100", 576, 576),
			mp3Gapless{start: 1105}},
		{"no tag", append([]byte("\xFF\xFB\x90\x64"), make([]byte, 413)...), mp3Gapless{}},
		{"cut inside the frame", mp3InfoFrame("Info", 15, 501, "LAME3.100", 576, 576)[:200], mp3Gapless{}},
		// MPEG-2, 8 kbit/s at 24 kHz: a 24-byte frame, too short for a Xing header's counts.
		{"Xing header cut by a short frame", append([]byte("\xFF\xF3\x14\xC4"), append(make([]byte, 9),
			"Xing\x00\x00\x00\x0F\x00\x00\x00\x10\x00\x00\x00\x10\x00\x00\x00\x00\x00\x00\x00\x00"...)...),
			mp3Gapless{}},
		{"layer II", append([]byte("\xFF\xFD\x90\x64"), mp3InfoFrame("Info", 1, 5, "LAME", 1, 1)[4:]...), mp3Gapless{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := parseMP3Gapless(tt.b); got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestMP3GaplessKeep(t *testing.T) {
	g := mp3Gapless{start: 10, endFrom: 100, endTo: 120}
	tests := []struct {
		pos  int64
		keep bool
		run  int64
	}{
		{0, false, 10}, {9, false, 1}, {10, true, 90}, {99, true, 1}, {100, false, 20}, {119, false, 1},
		{120, true, math.MaxInt64},
	}
	for _, tt := range tests {
		if keep, run := g.keep(tt.pos); keep != tt.keep || run != tt.run {
			t.Errorf("keep(%d) = %v, %d; want %v, %d", tt.pos, keep, run, tt.keep, tt.run)
		}
	}
	if got := g.keptOf(200); got != 200-10-20 {
		t.Errorf("keptOf(200) = %d, want 170", got)
	}
	// Padding shorter than the decoder delay: nothing is dropped at the end.
	g = mp3Gapless{start: 10, endFrom: 130, endTo: 120}
	if keep, run := g.keep(125); !keep || run != math.MaxInt64 {
		t.Errorf("keep(125) = %v, %d with nothing to drop at the end", keep, run)
	}
}
