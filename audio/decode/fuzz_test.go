package decode

import (
	"bytes"
	"io"
	"os"
	"testing"
)

// FuzzDetect: detection never panics, and what it calls AIFF or WAV really starts as those do.
func FuzzDetect(f *testing.F) {
	for _, s := range []string{"RIFF\x24\x00\x00\x00WAVE", "fLaC\x00", "OggS\x00\x02" + string(make([]byte, 20)) +
		"\x01\x07\x01vorbis", "FORM\x00\x00\x00\x00AIFC", "ID3\x03\x00\x00\x00\x00\x02\x01", "\xFF\xFB\x90\x64",
		"\xFF\xF1\x50\x80", "caff", ""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got := Detect(b)
		_ = got.String()
		if got == AIFF && string(b[:4]) != "FORM" || got == FLAC && string(b[:4]) != "fLaC" {
			t.Fatalf("Detect(%q) = %v", b, got)
		}
		if n := id3Size(b); n != 0 && (n < 10 || string(b[:3]) != "ID3") {
			t.Fatalf("id3Size(%q) = %d", b, n)
		}
	})
}

// FuzzAIFF: any bytes after an AIFF header either decode to whole frames or fail with an error; never a panic,
// never a read past what the input holds, never more memory than the fixed buffer.
func FuzzAIFF(f *testing.F) {
	f.Add(aiffFile{channels: 2, bits: 16, rate: rate44k1, data: make([]byte, 64), ssndSize: -1}.bytes())
	f.Add(aiffFile{aifc: true, codec: "sowt", channels: 1, bits: 24, rate: rate44k1, data: make([]byte, 30),
		ssndSize: 0, extraChunks: true}.bytes())
	f.Add(aiffFile{aifc: true, codec: "fl64", channels: 3, bits: 64, rate: rate44k1, data: make([]byte, 48),
		ssndSize: 100, ssndOffset: 4}.bytes())
	f.Fuzz(func(t *testing.T, b []byte) {
		if Detect(b) != AIFF {
			return
		}
		r, err := NewReader(bytes.NewReader(b), "fuzz.aiff")
		if err != nil {
			return
		}
		ch := r.Info().Channels
		buf := make([]float32, 7*ch)
		total := 0
		for {
			n, err := r.Read(buf)
			if n%ch != 0 || n > len(buf) {
				t.Fatalf("Read returned %d samples for %d channels", n, ch)
			}
			total += n
			if err == io.EOF {
				break
			}
			if err != nil {
				break
			}
			if total > len(b) {
				t.Fatalf("decoded %d samples from %d bytes", total, len(b))
			}
		}
	})
}

// FuzzOgg: the Ogg page reader and the Vorbis source, on a real file mutated, never panic or decode more than
// the input can hold.
func FuzzOgg(f *testing.F) {
	seed, err := os.ReadFile("testdata/short.ogg") // 0.3 s of 22.05 kHz mono Vorbis, made by ffmpeg
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add(seed[:len(seed)/2])
	f.Fuzz(func(t *testing.T, b []byte) {
		if Detect(b) != Vorbis {
			return
		}
		r, err := NewReader(bytes.NewReader(b), "fuzz.ogg")
		if err != nil {
			return
		}
		ch := r.Info().Channels
		buf := make([]float32, 512*ch)
		total := 0
		for {
			n, err := r.Read(buf)
			if n%ch != 0 {
				t.Fatalf("Read returned %d samples for %d channels", n, ch)
			}
			total += n
			if err != nil {
				break
			}
			if total > 10000*len(b) {
				t.Fatalf("decoded %d samples from %d bytes", total, len(b))
			}
		}
	})
}

// FuzzMP3Gapless: any first frame gives a trim that skips no more than the frame it read and drops no negative
// count, and never panics.
func FuzzMP3Gapless(f *testing.F) {
	f.Add(mp3InfoFrame("Info", 15, 501, "Lavc59.37", 576, 576))
	f.Add(mp3InfoFrame("Xing", 1, 2, "LAME3.100", 4095, 4095))
	f.Add([]byte("\xFF\xF3\x40\xC0"))
	f.Fuzz(func(t *testing.T, b []byte) {
		g := parseMP3Gapless(b)
		if g.skipBytes < 0 || g.skipBytes > len(b) || g.start < 0 || g.endTo < 0 {
			t.Fatalf("parseMP3Gapless = %+v for %d bytes", g, len(b))
		}
		for _, pos := range []int64{0, g.start, g.endFrom, g.endTo} {
			if _, run := g.keep(pos); run <= 0 {
				t.Fatalf("keep(%d) runs %d frames for %+v", pos, run, g)
			}
		}
	})
}
