package wavfile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/go-audio/audio"
	"github.com/go-audio/wav"
)

const td = "../../testdata/"

// sineAt is sample i of the 1 kHz, -20 dBFS, 48 kHz sine the testdata files hold, before quantisation.
// It is computed as the generator does, in float64 at run time (constant folding would round differently).
func sineAt(i int) float64 {
	hz, rate, amp := 1000.0, 48000.0, 0.1
	return amp * math.Sin(2*math.Pi*hz*float64(i)/rate+0)
}

// quantised returns x as a file of the given format stores it, normalised as the Reader must return it.
func quantised(x float64, bits int, float bool) float32 {
	if float {
		return float32(x)
	}
	full := math.Ldexp(1, bits-1)
	return float32(math.Round(x*full) / full)
}

func readAll(t testing.TB, r *Reader, block int) []float32 {
	t.Helper()
	var out []float32
	buf := make([]float32, block)
	for {
		n, err := r.Read(buf)
		if n%r.Info().Channels != 0 {
			t.Fatalf("Read returned %d samples, not a multiple of %d channels", n, r.Info().Channels)
		}
		out = append(out, buf[:n]...)
		if err == io.EOF {
			if n != 0 {
				t.Fatalf("Read returned n = %d with io.EOF", n)
			}
			return out
		}
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
	}
}

func TestFormats(t *testing.T) {
	tests := []struct {
		file     string
		info     Info
		bits     int
		float    bool
		channels int
	}{
		{"sine-u8-mono.wav", Info{48000, 1, 8, PCM, false, 24000, 0, "RIFF"}, 8, false, 1},
		{"sine-s16-stereo.wav", Info{48000, 2, 16, PCM, false, 24000, 0, "RIFF"}, 16, false, 2},
		{"sine-s24-mono.wav", Info{48000, 1, 24, PCM, false, 24000, 0, "RIFF"}, 24, false, 1},
		{"sine-s32-mono.wav", Info{48000, 1, 32, PCM, false, 24000, 0, "RIFF"}, 32, false, 1},
		{"sine-f32-mono.wav", Info{48000, 1, 32, Float, false, 24000, 0, "RIFF"}, 32, true, 1},
		{"sine-f64-mono.wav", Info{48000, 1, 64, Float, false, 24000, 0, "RIFF"}, 64, true, 1},
		{"sine-s24x-stereo.wav", Info{48000, 2, 24, PCM, true, 24000, 3, "RIFF"}, 24, false, 2},
		{"sine-f32x-stereo.wav", Info{48000, 2, 32, Float, true, 24000, 3, "RIFF"}, 32, true, 2},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			r, err := Open(td + tt.file)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if r.Info() != tt.info {
				t.Fatalf("Info = %+v, want %+v", r.Info(), tt.info)
			}
			got := readAll(t, r, 1000*tt.channels+tt.channels) // a block size that does not divide the buffer
			if len(got) != int(tt.info.Frames)*tt.channels {
				t.Fatalf("decoded %d samples, want %d", len(got), int(tt.info.Frames)*tt.channels)
			}
			for i, x := range got {
				want := quantised(sineAt(i/tt.channels), tt.bits, tt.float)
				if tt.bits == 32 && !tt.float {
					want = float32(math.Round(sineAt(i/tt.channels)*(1<<31)) / (1 << 31))
				}
				if x != want {
					t.Fatalf("sample %d = %v, want %v", i, x, want)
				}
			}
		})
	}
}

func TestExtremes(t *testing.T) {
	// The most negative integer of each width is exactly -1.0; the most positive is one step short of +1.
	tests := []struct {
		bits     int
		min, max []byte
		wantMax  float32
	}{
		{8, []byte{0x00}, []byte{0xFF}, 127.0 / 128},
		{16, []byte{0x00, 0x80}, []byte{0xFF, 0x7F}, 32767.0 / 32768},
		{24, []byte{0x00, 0x00, 0x80}, []byte{0xFF, 0xFF, 0x7F}, 8388607.0 / 8388608},
		{32, []byte{0, 0, 0, 0x80}, []byte{0xFF, 0xFF, 0xFF, 0x7F}, 1}, // float32 rounds 2^31-1 up
	}
	for _, tt := range tests {
		data := append(append(append([]byte{}, tt.min...), tt.max...), make([]byte, tt.bits/8)...)
		if tt.bits == 8 {
			data[2] = 0x80 // 8-bit silence is 128
		}
		r, err := NewReader(bytes.NewReader(build(fmtPCM(1, 1, 48000, tt.bits), chunk("data", data))))
		if err != nil {
			t.Fatalf("%d bits: %v", tt.bits, err)
		}
		got := readAll(t, r, 16)
		if want := []float32{-1, tt.wantMax, 0}; !equal(got, want) {
			t.Errorf("%d bits: got %v, want %v", tt.bits, got, want)
		}
	}
}

func TestNonFinitePassesThrough(t *testing.T) {
	r, err := Open(td + "nonfinite-f32.wav")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got := readAll(t, r, 4096)
	if !math.IsNaN(float64(got[100])) || !math.IsInf(float64(got[2000]), 1) || !math.IsInf(float64(got[2001]), -1) {
		t.Errorf("got %v %v %v, want NaN +Inf -Inf", got[100], got[2000], got[2001])
	}
}

// TestAgainstGoAudio decodes the integer files with github.com/go-audio/wav too: our samples must be its
// integers divided by 2^(bits-1) (8-bit centred first), exactly.
func TestAgainstGoAudio(t *testing.T) {
	for _, name := range []string{"sine-u8-mono.wav", "sine-s16-stereo.wav", "sine-s24-mono.wav",
		"sine-s32-mono.wav", "sine-s24x-stereo.wav", "sine-s16x-5.1.wav", "clip.wav", "demo.wav"} {
		t.Run(name, func(t *testing.T) {
			f, err := os.Open(td + name)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			d := wav.NewDecoder(f)
			d.ReadInfo()
			buf := &audio.IntBuffer{Data: make([]int, 4096)}
			var ref []float32
			for {
				n, err := d.PCMBuffer(buf)
				if err != nil {
					t.Fatal(err)
				}
				if n == 0 {
					break
				}
				for _, v := range buf.Data[:n] {
					if d.BitDepth == 8 {
						v -= 128
					}
					ref = append(ref, float32(float64(v)/math.Ldexp(1, int(d.BitDepth)-1)))
				}
			}
			r, err := Open(td + name)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			got := readAll(t, r, 4096)
			if !equal(got, ref) {
				t.Fatalf("differs from go-audio (%d vs %d samples)", len(got), len(ref))
			}
		})
	}
}

func equal(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] && !(a[i] != a[i] && b[i] != b[i]) {
			return false
		}
	}
	return true
}

// Builders for hand-made files.

func chunk(id string, body []byte) []byte {
	b := append([]byte(id), 0, 0, 0, 0)
	binary.LittleEndian.PutUint32(b[4:], uint32(len(body)))
	b = append(b, body...)
	if len(body)%2 == 1 {
		b = append(b, 0)
	}
	return b
}

func chunkClaim(id string, claim uint32, body []byte) []byte {
	b := append([]byte(id), 0, 0, 0, 0)
	binary.LittleEndian.PutUint32(b[4:], claim)
	return append(b, body...)
}

func fmtBody(tag uint16, channels, rate, bits, align int) []byte {
	b := make([]byte, 16)
	le := binary.LittleEndian
	le.PutUint16(b[0:], tag)
	le.PutUint16(b[2:], uint16(channels))
	le.PutUint32(b[4:], uint32(rate))
	le.PutUint32(b[8:], uint32(rate*align))
	le.PutUint16(b[12:], uint16(align))
	le.PutUint16(b[14:], uint16(bits))
	return b
}

func fmtPCM(tag uint16, channels, rate, bits int) []byte {
	return chunk("fmt ", fmtBody(tag, channels, rate, bits, channels*bits/8))
}

func fmtExt(sub uint16, channels, bits int, tail [14]byte) []byte {
	b := fmtBody(0xFFFE, channels, 48000, bits, channels*bits/8)
	ext := make([]byte, 24)
	binary.LittleEndian.PutUint16(ext[0:], 22)
	binary.LittleEndian.PutUint16(ext[2:], uint16(bits))
	binary.LittleEndian.PutUint16(ext[8:], sub)
	copy(ext[10:], tail[:])
	return chunk("fmt ", append(b, ext...))
}

func build(chunks ...[]byte) []byte {
	b := []byte("RIFF\x00\x00\x00\x00WAVE")
	for _, c := range chunks {
		b = append(b, c...)
	}
	binary.LittleEndian.PutUint32(b[4:], uint32(len(b)-8))
	return b
}

func s16(v ...int16) []byte {
	b := make([]byte, 2*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint16(b[2*i:], uint16(x))
	}
	return b
}

func TestLayouts(t *testing.T) {
	four := s16(1, -1, 16384, -32768)
	want := []float32{1.0 / 32768, -1.0 / 32768, 0.5, -1}
	list := chunk("LIST", append([]byte("INFO"), chunk("ISFT", []byte("odd\x00x"))...))
	tests := []struct {
		name   string
		file   []byte
		frames int64
	}{
		{"plain", build(fmtPCM(1, 1, 48000, 16), chunk("data", four)), 4},
		{"LIST and fact before fmt", build(list, chunk("fact", []byte{4, 0, 0, 0}), fmtPCM(1, 1, 48000, 16),
			chunk("data", four)), 4},
		{"odd chunk padded", build(chunk("junk", []byte{1, 2, 3}), fmtPCM(1, 1, 48000, 16), chunk("data", four)), 4},
		{"odd chunk without its pad byte", build(chunkClaim("junk", 3, []byte{1, 2, 3}), fmtPCM(1, 1, 48000, 16),
			chunk("data", four)), 4},
		{"data before fmt", build(chunk("data", four), fmtPCM(1, 1, 48000, 16)), 4},
		{"zero-length data", build(fmtPCM(1, 1, 48000, 16), chunk("data", nil)), 0},
		{"ffmpeg streaming size", build(fmtPCM(1, 1, 48000, 16), chunkClaim("data", 0xFFFFFFFF, four)), 4},
		{"sox streaming size", build(fmtPCM(1, 1, 48000, 16), chunkClaim("data", 0x7FFFF000, four)), 4},
		{"trailing junk after data", build(fmtPCM(1, 1, 48000, 16), chunk("data", four),
			chunkClaim("LIST", 1<<31, nil)), 4},
		{"RIFF size wrong", func() []byte {
			b := build(fmtPCM(1, 1, 48000, 16), chunk("data", four))
			binary.LittleEndian.PutUint32(b[4:], 12345678)
			return b
		}(), 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewReader(bytes.NewReader(tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if r.Info().Frames != tt.frames {
				t.Fatalf("Frames = %d, want %d", r.Info().Frames, tt.frames)
			}
			got := readAll(t, r, 3)
			if !equal(got, want[:tt.frames]) {
				t.Fatalf("got %v, want %v", got, want[:tt.frames])
			}
		})
	}
}

func TestBadInput(t *testing.T) {
	pcm := chunk("data", s16(1, 2, 3, 4))
	var sox [14]byte
	copy(sox[:], guidTail[:])
	other := guidTail
	other[13] = 0x72
	tests := []struct {
		name  string
		file  []byte
		cause error
		says  string // the message must contain this
	}{
		{"empty", nil, ErrNotWAV, "is empty"},
		{"short", []byte("RIF"), ErrNotWAV, "no RIFF/WAVE header"},
		{"text", []byte("hello, this is not audio at all"), ErrNotWAV, "no RIFF/WAVE header"},
		{"MP3 with ID3", []byte("ID3\x03\x00\x00\x00\x00\x00\x00rest"), ErrNotWAV, "is not a WAV file (it looks like MP3)"},
		{"MP3 frame", []byte{0xFF, 0xFB, 0x90, 0x64, 0, 0, 0, 0, 0, 0, 0, 0}, ErrNotWAV, "MP3"},
		{"FLAC", []byte("fLaC\x00\x00\x00\x22xxxxxxxx"), ErrNotWAV, "is not a WAV file (it looks like FLAC)"},
		{"Ogg", []byte("OggS\x00\x02\x00\x00\x00\x00\x00\x00"), ErrNotWAV, "Ogg"},
		{"AIFF", []byte("FORM\x00\x00\x00\x10AIFF"), ErrNotWAV, "AIFF"},
		{"RF64 header only", []byte("RF64\xFF\xFF\xFF\xFFWAVE"), ErrMalformed, "no `fmt ` chunk"},
		{"ID3 then not RIFF", append(id3Tag(100, false), "fLaC\x00\x00\x00\x22xxxxxxxx"...), ErrNotWAV, "looks like MP3"},
		{"ID3 with a size past the end", append([]byte("ID3\x04\x00\x00\x7F\x7F\x7F\x7F"), build(fmtPCM(1, 1, 48000, 16), pcm)...),
			ErrNotWAV, "looks like MP3"},
		{"ds64 table size beyond int64", buildWide("RF64", 8, []dsEntry{{"JUNK", 1<<64 - 2}}, chunkClaim("JUNK", 0xFFFFFFFF, nil),
			fmtPCM(1, 1, 48000, 16), chunkClaim("data", 0xFFFFFFFF, s16(1, 2, 3, 4))), ErrMalformed, "\"JUNK\" chunk at byte 60 claims 4611686018427387904 bytes"},
		{"ds64 too short", append([]byte("RF64\xFF\xFF\xFF\xFFWAVE"), chunk("ds64", make([]byte, 20))...), ErrMalformed,
			"ds64 chunk of 20 bytes"},
		{"ds64 past end", append([]byte("RF64\xFF\xFF\xFF\xFFWAVE"), chunkClaim("ds64", 1000, make([]byte, 28))...), ErrMalformed,
			"ds64 chunk claims 1000 bytes"},
		{"RIFF but AVI", []byte("RIFF\x10\x00\x00\x00AVI LIST"), ErrNotWAV, "AVI"},
		{"no fmt", build(pcm), ErrMalformed, "no `fmt ` chunk"},
		{"no data", build(fmtPCM(1, 1, 48000, 16)), ErrMalformed, "no `data` chunk"},
		{"fmt too short", build(chunk("fmt ", make([]byte, 14)), pcm), ErrMalformed, "`fmt ` chunk of 14 bytes"},
		{"zero channels", build(fmtPCM(1, 0, 48000, 16), pcm), ErrMalformed, "zero channels"},
		{"17 channels", build(fmtPCM(1, 17, 48000, 16), pcm), ErrChannelCount, "has 17 channels, more than 16"},
		{"rate 0", build(fmtPCM(1, 1, 0, 16), pcm), ErrMalformed, "sample rate of 0 Hz"},
		{"rate 999", build(fmtPCM(1, 1, 999, 16), pcm), ErrSampleRate, "sample rate of 999 Hz, outside 1000 to 768000 Hz"},
		{"rate 4 GHz", build(fmtPCM(1, 1, 0xFFFFFFFF, 16), pcm), ErrSampleRate, "sample rate of 4294967295 Hz, outside 1000 to 768000 Hz"},
		{"block align", build(chunk("fmt ", fmtBody(1, 2, 48000, 16, 3)), pcm), ErrMalformed, "block alignment of 3 bytes"},
		{"block align 0", build(chunk("fmt ", fmtBody(1, 2, 48000, 16, 0)), pcm), ErrMalformed, "block alignment of 0 bytes"},
		{"A-law", build(fmtPCM(6, 1, 8000, 8), pcm), ErrEncoding, "encoded as A-law"},
		{"µ-law", build(fmtPCM(7, 1, 8000, 8), pcm), ErrEncoding, "encoded as µ-law"},
		{"MS ADPCM", build(fmtPCM(2, 1, 8000, 4), pcm), ErrEncoding, "encoded as Microsoft ADPCM"},
		{"IMA ADPCM", build(fmtPCM(0x11, 1, 8000, 4), pcm), ErrEncoding, "encoded as IMA ADPCM"},
		{"MP3 in WAV", build(fmtPCM(0x55, 2, 44100, 0), pcm), ErrEncoding, "encoded as MP3"},
		{"unknown tag", build(fmtPCM(0x1234, 1, 48000, 16), pcm), ErrEncoding, "format tag 0x1234"},
		{"extensible A-law", build(fmtExt(6, 1, 8, sox), pcm), ErrEncoding, "A-law"},
		{"extensible unknown GUID", build(fmtExt(1, 1, 16, other), pcm), ErrEncoding, "extensible subformat"},
		{"extensible too short", build(chunk("fmt ", fmtBody(0xFFFE, 1, 48000, 16, 2)), pcm), ErrMalformed, "40 expected"},
		{"12-bit", build(fmtPCM(1, 1, 48000, 12), pcm), ErrEncoding, "12-bit integer samples"},
		{"16-bit float", build(fmtPCM(3, 1, 48000, 16), pcm), ErrEncoding, "16-bit float samples"},
		{"two fmt", build(fmtPCM(1, 1, 48000, 16), fmtPCM(1, 1, 48000, 16), pcm), ErrMalformed, "two `fmt ` chunks"},
		{"fmt past end", build(chunkClaim("fmt ", 1000, fmtBody(1, 1, 48000, 16, 2))), ErrMalformed, "`fmt ` chunk claims 1000 bytes"},
		{"LIST claims 4 GB before fmt", build(chunkClaim("LIST", 0xFFFFFFF0, make([]byte, 1000))), ErrMalformed, "\"LIST\" chunk at byte 12 claims 4294967280 bytes"},
		{"odd data", build(fmtPCM(1, 2, 48000, 16), chunk("data", []byte{1, 2, 3, 4, 5, 6})), ErrMalformed, "not a whole number of 4-byte frames"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewReader(bytes.NewReader(tt.file))
			if err == nil {
				t.Fatalf("no error; Info %+v", r.Info())
			}
			if !errors.Is(err, tt.cause) {
				t.Errorf("error %q is not %v", err, tt.cause)
			}
			if !strings.Contains(err.Error(), tt.says) {
				t.Errorf("error %q does not say %q", err, tt.says)
			}
			if !strings.HasPrefix(err.Error(), "wavfile: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
		})
	}
}

func TestOpenErrorsNameTheFile(t *testing.T) {
	dir := t.TempDir()
	notWAV := filepath.Join(dir, "song.wav")
	if err := os.WriteFile(notWAV, []byte("ID3\x04\x00\x00\x00\x00\x00\x00more"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, want string }{
		{filepath.Join(dir, "missing.wav"), filepath.Join(dir, "missing.wav") + ": no such file or directory"},
		{dir, dir + ": is a directory, not a WAV file"},
		{notWAV, notWAV + ": is not a WAV file (it looks like MP3)"},
	}
	for _, tt := range tests {
		_, err := Open(tt.name)
		if err == nil || err.Error() != tt.want {
			t.Errorf("Open(%q) = %v, want %q", tt.name, err, tt.want)
		}
	}
}

func TestFileShrinksWhileRead(t *testing.T) {
	name := filepath.Join(t.TempDir(), "x.wav")
	data := make([]byte, 2*bufSize) // mono 16-bit: bufSize frames
	if err := os.WriteFile(name, build(fmtPCM(1, 1, 48000, 16), chunk("data", data)), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	buf := make([]float32, 100)
	if _, err := r.Read(buf); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(name, 44+bufSize+1000); err != nil {
		t.Fatal(err)
	}
	var total int
	for {
		n, err := r.Read(buf)
		total += n
		if err != nil {
			var te *TruncatedError
			if !errors.As(err, &te) || !strings.HasPrefix(err.Error(), name+": the file ended while reading:") {
				t.Fatalf("got %v, want a *TruncatedError naming the file", err)
			}
			if want := bufSize/2 + 500; te.Present != int64(want) {
				t.Errorf("Present = %d, want %d", te.Present, want)
			}
			if _, err2 := r.Read(buf); err2 != err {
				t.Errorf("second Read returned %v, want the same error", err2)
			}
			return
		}
	}
}

func TestReadContract(t *testing.T) {
	r, err := NewReader(bytes.NewReader(build(fmtPCM(1, 2, 48000, 16), chunk("data", s16(1, 2, 3, 4, 5, 6)))))
	if err != nil {
		t.Fatal(err)
	}
	if n, err := r.Read(make([]float32, 1)); n != 0 || err != io.ErrShortBuffer {
		t.Errorf("Read into 1 sample = %d, %v; want 0, io.ErrShortBuffer", n, err)
	}
	buf := make([]float32, 5) // room for 2 frames and a half
	if n, err := r.Read(buf); n != 4 || err != nil {
		t.Errorf("Read = %d, %v; want 4, nil", n, err)
	}
	if n, err := r.Read(buf); n != 2 || err != nil {
		t.Errorf("Read = %d, %v; want 2, nil", n, err)
	}
	for range 2 {
		if n, err := r.Read(buf); n != 0 || err != io.EOF {
			t.Errorf("Read at the end = %d, %v; want 0, io.EOF", n, err)
		}
	}
	if n, err := r.Read(nil); n != 0 || err != io.EOF {
		t.Errorf("Read(nil) at the end = %d, %v; want 0, io.EOF", n, err)
	}
	if err := r.Rewind(); err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, r, 2); !equal(got, []float32{1. / 32768, 2. / 32768, 3. / 32768, 4. / 32768, 5. / 32768, 6. / 32768}) {
		t.Errorf("after Rewind got %v", got)
	}
}

func TestRewindLoops(t *testing.T) {
	r, err := Open(td + "demo.wav")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	first := readAll(t, r, 4800*2)
	for range 2 {
		if err := r.Rewind(); err != nil {
			t.Fatal(err)
		}
		if again := readAll(t, r, 999*2); !equal(first, again) {
			t.Fatal("a second pass after Rewind differs from the first")
		}
	}
}

func TestInfoString(t *testing.T) {
	tests := []struct {
		info Info
		want string
	}{
		{Info{SampleRate: 48000, Channels: 2, BitsPerSample: 24, Encoding: PCM, Extensible: true, Container: "RIFF"},
			"48000 Hz, 2 channels, 24-bit PCM (extensible)"},
		{Info{SampleRate: 44100, Channels: 1, BitsPerSample: 32, Encoding: Float}, "44100 Hz, 1 channel, 32-bit float"},
		{Info{SampleRate: 48000, Channels: 2, BitsPerSample: 16, Encoding: PCM, Container: "RF64"},
			"48000 Hz, 2 channels, 16-bit PCM (RF64)"},
		{Info{SampleRate: 48000, Channels: 6, BitsPerSample: 24, Encoding: PCM, Extensible: true, Container: "BW64"},
			"48000 Hz, 6 channels, 24-bit PCM (extensible, BW64)"},
	}
	for _, tt := range tests {
		if got := tt.info.String(); got != tt.want {
			t.Errorf("String = %q, want %q", got, tt.want)
		}
	}
}

// TestFinerCauses: each finer cause is also ErrUnsupported, so that callers testing only that still match.
func TestFinerCauses(t *testing.T) {
	for _, err := range []error{ErrEncoding, ErrChannelCount, ErrSampleRate} {
		if !errors.Is(err, ErrUnsupported) {
			t.Errorf("%v is not ErrUnsupported", err)
		}
	}
}

// TestAllocationBounded: whatever the header claims, opening and reading costs the fixed buffer and little more.
func TestAllocationBounded(t *testing.T) {
	files := [][]byte{
		build(chunkClaim("LIST", 0xFFFFFFF0, make([]byte, 1000))),
		build(fmtPCM(1, 2, 48000, 24), chunkClaim("data", 0xFFFFFFF0, make([]byte, 1000))),
		build(chunkClaim("fmt ", 0xFFFFFFF0, fmtBody(1, 1, 48000, 16, 2)), chunk("data", make([]byte, 1000))),
		build(fmtPCM(1, 8, 48000, 16), chunkClaim("data", 0xFFFFFFFF, make([]byte, 1000))),
		buildWide("RF64", 10<<30, []dsEntry{{"LIST", 1 << 40}}, chunkClaim("LIST", 0xFFFFFFFF, nil)),
		buildWide("RF64", 10<<30, nil, fmtPCM(1, 2, 48000, 16), chunkClaim("data", 0xFFFFFFFF, make([]byte, 1000))),
		append([]byte("RF64\xFF\xFF\xFF\xFFWAVEds64\xFF\xFF\xFF\x7F"), make([]byte, 1000)...),
		append(id3Tag(1000, true), build(fmtPCM(1, 2, 48000, 16), chunkClaim("data", 0xFFFFFFF0, make([]byte, 1000)))...),
	}
	for i, file := range files {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		if r, err := NewReader(bytes.NewReader(file)); err == nil {
			readAll(t, r, 64)
		}
		runtime.ReadMemStats(&after)
		if got := after.TotalAlloc - before.TotalAlloc; got > bufSize+16<<10 {
			t.Errorf("file %d: allocated %d bytes", i, got)
		}
	}
}

// SeekFrame positions a reader at any frame of the data, so that a file read in parts from there reads the same
// frames as one read from the start; outside the data and on a stream it refuses.
func TestSeekFrame(t *testing.T) {
	const frames = 1000
	v := make([]int16, 2*frames)
	for i := range v {
		v[i] = int16(i*37 - 20000)
	}
	file := build(fmtPCM(1, 2, 48000, 16), chunk("LIST", []byte("odd")), chunk("data", s16(v...)))
	r, err := NewReader(bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	all := readAll(t, r, 64)
	tests := []struct {
		frame int64
		ok    bool
	}{{0, true}, {1, true}, {499, true}, {frames - 1, true}, {frames, true}, {-1, false}, {frames + 1, false}}
	for _, tt := range tests {
		err := r.SeekFrame(tt.frame)
		if !tt.ok {
			if !errors.Is(err, ErrMalformed) {
				t.Errorf("SeekFrame(%d): %v, want ErrMalformed", tt.frame, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("SeekFrame(%d): %v", tt.frame, err)
		}
		if got := readAll(t, r, 30); !equal(got, all[2*tt.frame:]) {
			t.Errorf("after SeekFrame(%d): %d samples, not the file's from there", tt.frame, len(got))
		}
	}
	s, err := NewReader(io.MultiReader(bytes.NewReader(file)))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SeekFrame(1); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("SeekFrame on a stream: %v, want ErrUnsupported", err)
	}
}
