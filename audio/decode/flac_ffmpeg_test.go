package decode

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFLACByFFmpegErrors: through ffmpeg, a FLAC file cut inside a frame, cut at a frame boundary, or corrupt in
// the middle is an error, by name and as a stream, never a shorter decode; the Info is the native decoder's.
func TestFLACByFFmpegErrors(t *testing.T) {
	needTool(t, "ffmpeg")
	dir := t.TempDir()
	p := ffmpegGen(t, dir, "t.flac", 2, 3, "-c:a", "flac", "-sample_fmt", "s32", "-bits_per_raw_sample", "24")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	// The last frame starts at the last sync code (0xFFF8 for fixed block size) in the file.
	last := bytes.LastIndex(b, []byte{0xFF, 0xF8})
	corrupt := append([]byte(nil), b...)
	copy(corrupt[len(b)/2:], "\xff\xff\xff\xff\x00\x00\x00\x00")
	tests := []struct {
		name string
		data []byte
		want []error // any of these
	}{
		{"cut inside a frame", b[:len(b)*2/3], []error{ErrFFmpeg, ErrTruncated}},
		{"cut at a frame boundary", b[:last], []error{ErrTruncated}},
		{"corrupt", corrupt, []error{ErrFFmpeg, ErrMalformed}},
	}
	for _, tt := range tests {
		path := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-")+".flac")
		if err := os.WriteFile(path, tt.data, 0o644); err != nil {
			t.Fatal(err)
		}
		for how, r := range openBoth(t, path) {
			if info := r.Info(); !info.FFmpeg || info.BitsPerSample != 24 || info.ClipLevel != clipLevel(24) ||
				info.Frames != 3*48000 {
				t.Errorf("%s, %s: Info = %+v", tt.name, how, info)
			}
			buf := make([]float32, 4096)
			var err error
			for err == nil {
				_, err = r.Read(buf)
			}
			ok := false
			for _, w := range tt.want {
				ok = ok || errors.Is(err, w)
			}
			if !ok {
				t.Errorf("%s, %s: Read = %v, want one of %v", tt.name, how, err, tt.want)
			}
			t.Logf("%s, %s: %v", tt.name, how, err)
		}
	}
}

func TestFLACStreamInfo(t *testing.T) {
	head := []byte("fLaC\x00\x00\x00\x22" + // STREAMINFO, 34 bytes
		"\x10\x00\x10\x00\x00\x00\x00\x00\x00\x00" + // block sizes, frame sizes
		"\x0b\xb8\x03\x70\x00\x02\xbf\x20" + // 48000 Hz, 2 channels, 24 bits, 180000 frames
		strings.Repeat("\x00", 16)) // MD5
	rate, ch, bits, frames, ok := flacStreamInfo(head)
	if !ok || rate != 48000 || ch != 2 || bits != 24 || frames != 180000 {
		t.Errorf("got %d Hz, %d channels, %d bits, %d frames, %v", rate, ch, bits, frames, ok)
	}
	for _, bad := range [][]byte{head[:41], []byte("fLaC\x01" + string(head[5:])), []byte("fLaX" + string(head[4:]))} {
		if _, _, _, _, ok := flacStreamInfo(bad); ok {
			t.Errorf("%q accepted", bad)
		}
	}
}

// FuzzFLACStreamInfo: reading the stream info never panics, and what it accepts is in the ranges the format
// allows.
func FuzzFLACStreamInfo(f *testing.F) {
	f.Add([]byte("fLaC\x00\x00\x00\x22\x10\x00\x10\x00\x00\x00\x00\x00\x00\x00\x0b\xb8\x03\x70\x00\x02\xbf\x20" +
		strings.Repeat("\x00", 16)))
	f.Add([]byte("fLaC\x80\x00\x00\x22" + strings.Repeat("\xff", 34)))
	f.Add([]byte("fLaC"))
	f.Fuzz(func(t *testing.T, b []byte) {
		rate, ch, bits, frames, ok := flacStreamInfo(b)
		if ok && (rate < 1 || rate >= 1<<20 || ch < 1 || ch > 8 || bits < 4 || bits > 32 || frames == 0 ||
			frames >= 1<<36) {
			t.Fatalf("flacStreamInfo(%q) = %d Hz, %d channels, %d bits, %d frames", b, rate, ch, bits, frames)
		}
	})
}
