package wavfile

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// onlyReader hides everything but Read, as a pipe does.
type onlyReader struct{ io.Reader }

func TestStream(t *testing.T) {
	four := s16(1, -1, 16384, -32768)
	want := []float32{1.0 / 32768, -1.0 / 32768, 0.5, -1}
	mono := fmtPCM(1, 1, 48000, 16)
	list := chunk("LIST", []byte("INFOISFT\x04\x00\x00\x00abc\x00"))
	plain := build(mono, chunk("data", four))
	tests := []struct {
		name      string
		file      []byte
		open      int64 // Info().Frames after NewReader
		frames    int64 // frames read, and Info().Frames at the end
		container string
		warn      error  // the one warning's cause at the end, or nil
		says      string // the warning must contain this
	}{
		{"plain", plain, 4, 4, "RIFF", nil, ""},
		{"chunks before and after", build(list, chunkClaim("junk", 3, []byte{1, 2, 3}), mono, chunk("data", four), list),
			4, 4, "RIFF", nil, ""},
		{"odd chunk padded", build(chunk("junk", []byte{1, 2, 3}), mono, chunk("data", four)), 4, 4, "RIFF", nil, ""},
		// A size not written is how a stream is written (ffmpeg and SoX to a pipe): no warning.
		{"size 0", build(mono, chunkClaim("data", 0, four)), -1, 4, "RIFF", nil, ""},
		{"size 0 then a chunk: empty", build(mono, chunkClaim("data", 0, nil), list), 0, 0, "RIFF", nil, ""},
		{"size 0 at the end: empty", build(mono, chunkClaim("data", 0, nil)), 0, 0, "RIFF", nil, ""},
		{"size 0xFFFFFFFF", build(mono, chunkClaim("data", 0xFFFFFFFF, four)), -1, 4, "RIFF", nil, ""},
		{"size 0xFFFFFFFF ending within a frame", build(mono, chunkClaim("data", 0xFFFFFFFF, append(four, 1))), -1, 4,
			"RIFF", ErrTruncated, "wavfile: ended within a frame after 4 frames: 1 bytes of a partial frame not read"},
		{"SoX's marker", build(mono, chunkClaim("data", 0x7FFFF000, four)), -1, 4, "RIFF", nil, ""},
		{"truncated", build(mono, chunkClaim("data", 2000, append(four, 9))), 1000, 4, "RIFF", ErrTruncated,
			"wavfile: is truncated: its data chunk claims 1000 frames but the input held 4, 996 frames (0.021 s) are missing"},
		{"RF64", buildWide("RF64", 8, nil, mono, chunkClaim("data", 0xFFFFFFFF, four)), 4, 4, "RF64", nil, ""},
		{"BW64 with a table", buildWide("BW64", 8, []dsEntry{{"LIST", 16}}, chunkClaim("LIST", 0xFFFFFFFF, list[8:]),
			mono, chunkClaim("data", 0xFFFFFFFF, four)), 4, 4, "BW64", nil, ""},
		{"RF64 never patched", buildWide("RF64", 0, nil, mono, chunkClaim("data", 0xFFFFFFFF, four)), -1, 4, "RF64",
			nil, ""},
		{"ID3 before RIFF", append(id3Tag(300, true), plain...), 4, 4, "RIFF", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewReader(onlyReader{bytes.NewReader(tt.file)})
			if err != nil {
				t.Fatal(err)
			}
			if info := r.Info(); info.Frames != tt.open || info.Container != tt.container {
				t.Fatalf("Frames, Container = %d, %q; want %d, %q", info.Frames, info.Container, tt.open, tt.container)
			}
			got := readAll(t, r, 3)
			if !equal(got, want[:tt.frames]) {
				t.Fatalf("got %v, want %v", got, want[:tt.frames])
			}
			if r.Info().Frames != tt.frames {
				t.Errorf("at the end Frames = %d, want %d", r.Info().Frames, tt.frames)
			}
			checkWarning(t, r.Warnings(), tt.warn, tt.says)
			if err := r.Rewind(); !errors.Is(err, errors.ErrUnsupported) {
				t.Errorf("Rewind = %v, want errors.ErrUnsupported", err)
			}
		})
	}
}

func TestStreamBadInput(t *testing.T) {
	mono := fmtPCM(1, 1, 48000, 16)
	pcm := chunk("data", s16(1, 2))
	tests := []struct {
		name  string
		file  []byte
		cause error
		says  string
	}{
		{"empty", nil, ErrNotWAV, "is empty"},
		{"MP3", []byte("ID3\x03\x00\x00\x00\x00\x00\x00rest"), ErrNotWAV, "looks like MP3"},
		{"ID3 past the end", []byte("ID3\x03\x00\x00\x00\x00\x10\x00rest"), ErrNotWAV, "looks like MP3"},
		{"FLAC", []byte("fLaC\x00\x00\x00\x22xxxxxxxx"), ErrNotWAV, "looks like FLAC"},
		{"text", []byte("hello, this is not audio"), ErrNotWAV, "no RIFF/WAVE header"},
		{"no fmt", build(chunk("LIST", []byte("INFO"))), ErrMalformed, "no `fmt ` chunk"},
		{"no data", build(mono), ErrMalformed, "no `data` chunk"},
		{"data before fmt", build(pcm, mono), ErrUnsupported, "data chunk before its `fmt ` chunk"},
		{"LIST claims 4 GB", build(chunkClaim("LIST", 0xFFFFFFF0, make([]byte, 1000))), ErrMalformed,
			"\"LIST\" chunk at byte 12 claims 4294967280 bytes but the input ends 1000 bytes after its start"},
		{"cut in a chunk header", build(mono, pcm)[:40], ErrMalformed, "the input ends in the chunk header at byte 36"},
		{"cut in fmt", build(mono)[:30], ErrMalformed, "the input ends in the `fmt ` chunk"},
		{"12-bit", build(fmtPCM(1, 1, 48000, 12), pcm), ErrEncoding, "12-bit"},
		{"odd data", build(mono, chunk("data", []byte{1, 2, 3})), ErrMalformed, "not a whole number of 2-byte frames"},
		{"ds64 too short", append([]byte("RF64\xFF\xFF\xFF\xFFWAVE"), chunk("ds64", make([]byte, 20))...), ErrMalformed,
			"ds64 chunk of 20 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewReader(onlyReader{bytes.NewReader(tt.file)})
			if err == nil {
				t.Fatalf("no error; Info %+v", r.Info())
			}
			if !errors.Is(err, tt.cause) || !strings.Contains(err.Error(), tt.says) {
				t.Errorf("error %q, want %v saying %q", err, tt.cause, tt.says)
			}
		})
	}
}

// TestStreamFromPipes reads ffmpeg's output straight from its pipe, and a named pipe by Open: nothing seeks.
func TestStreamFromPipes(t *testing.T) {
	path, err := exec.LookPath("ffmpeg")
	if err != nil {
		t.Skip("ffmpeg is not installed: reading its pipe is not tested")
	}
	args := []string{"-v", "error", "-f", "lavfi", "-i", "sine=f=1000:d=0.5:sample_rate=48000", "-c:a", "pcm_s24le"}
	ref := runTool(t, "ffmpeg", append(args, "-f", "wav", "-")...)
	rr, err := NewReader(bytes.NewReader(ref))
	if err != nil {
		t.Fatal(err)
	}
	want := readAll(t, rr, 4096)

	t.Run("ffmpeg's stdout", func(t *testing.T) {
		for _, extra := range [][]string{nil, {"-rf64", "always"}} {
			cmd := exec.Command(path, append(append(append([]string{}, args...), extra...), "-f", "wav", "-")...)
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			r, err := NewReader(out)
			if err != nil {
				t.Fatal(err)
			}
			got := readAll(t, r, 999)
			if err := cmd.Wait(); err != nil {
				t.Fatal(err)
			}
			if !equal(got, want) || r.Info().Frames != 24000 {
				t.Errorf("%v: read %d samples, Frames %d; want %d, 24000", extra, len(got), r.Info().Frames, len(want))
			}
			checkWarning(t, r.Warnings(), nil, "") // the streaming convention, not a defect
		}
	})

	t.Run("named pipe", func(t *testing.T) {
		fifo := filepath.Join(t.TempDir(), "fifo.wav")
		if err := syscall.Mkfifo(fifo, 0o600); err != nil {
			t.Skipf("cannot make a named pipe: %v", err)
		}
		done := make(chan error, 1)
		go func() {
			w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
			if err == nil {
				_, err = w.Write(ref)
				w.Close()
			}
			done <- err
		}()
		r, err := Open(fifo)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		got := readAll(t, r, 4096)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if !equal(got, want) {
			t.Errorf("read %d samples, want %d", len(got), len(want))
		}
		checkWarning(t, r.Warnings(), nil, "")
	})
}
