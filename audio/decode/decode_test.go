package decode

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestDetect(t *testing.T) {
	ogg := func(ident string) []byte {
		b := []byte("OggS\x00\x02")
		b = append(b, make([]byte, 20)...)
		b = append(b, 1, byte(len(ident))) // one segment
		return append(b, ident...)
	}
	tests := []struct {
		name string
		head []byte
		want Format
	}{
		{"WAV", []byte("RIFF\x24\x00\x00\x00WAVEfmt "), WAV},
		{"RF64", []byte("RF64\xff\xff\xff\xffWAVEds64"), WAV},
		{"AVI is not WAV", []byte("RIFF\x24\x00\x00\x00AVI LIST"), Unknown},
		{"FLAC", []byte("fLaC\x00\x00\x00\x22"), FLAC},
		{"MP3 MPEG-1 layer III", []byte{0xFF, 0xFB, 0x90, 0x64}, MP3},
		{"MP3 MPEG-2 mono", []byte{0xFF, 0xF3, 0x40, 0xC0}, MP3},
		{"MPEG sync with reserved bit rate", []byte{0xFF, 0xFB, 0xF0, 0x64}, Unknown},
		{"MPEG sync with reserved version", []byte{0xFF, 0xEB, 0x90, 0x64}, Unknown},
		{"ADTS AAC", []byte{0xFF, 0xF1, 0x50, 0x80}, ADTS},
		{"Ogg Vorbis", ogg("\x01vorbis\x00\x00\x00\x00"), Vorbis},
		{"Ogg Opus", ogg("OpusHead\x01\x02"), Opus},
		{"Ogg FLAC", ogg("\x7fFLAC\x01\x00"), OggOther},
		{"Ogg cut short", []byte("OggS\x00\x02"), OggOther},
		{"AIFF", []byte("FORM\x00\x00\x10\x00AIFFCOMM"), AIFF},
		{"AIFF-C", []byte("FORM\x00\x00\x10\x00AIFCFVER"), AIFF},
		{"FORM of something else", []byte("FORM\x00\x00\x10\x008SVX"), Unknown},
		{"CAF", []byte("caff\x00\x01\x00\x00"), CAF},
		{"M4A", []byte("\x00\x00\x00\x20ftypM4A "), MP4},
		{"Matroska", []byte("\x1A\x45\xDF\xA3\x9f"), Matroska},
		{"WMA", []byte("\x30\x26\xB2\x75\x8E\x66\xCF\x11\xA6\xD9"), ASF},
		{"Sun AU", []byte(".snd\x00\x00\x00\x18"), AU},
		{"Wave64", []byte("riff\x2E\x91\xCF\x11\xA5\xD6"), W64},
		{"WavPack", []byte("wvpk\x00\x00"), WavPack},
		{"Monkey's Audio", []byte("MAC \x96\x0f"), APE},
		{"RIFX", []byte("RIFX\x00\x00\x00\x24WAVE"), RIFX},
		{"AC-3", []byte{0x0B, 0x77, 0x12, 0x34}, AC3},
		{"text", []byte("hello, world"), Unknown},
		{"PNG", []byte("\x89PNG\r\n\x1a\n"), Unknown},
		{"empty", nil, Unknown},
		{"one byte", []byte{0xFF}, Unknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Detect(tt.head); got != tt.want {
				t.Errorf("Detect(%q) = %v, want %v", tt.head, got, tt.want)
			}
		})
	}
}

func TestID3Size(t *testing.T) {
	tests := []struct {
		name string
		head []byte
		want int64
	}{
		{"v2.3, 257 bytes", []byte("ID3\x03\x00\x00\x00\x00\x02\x01"), 10 + 257},
		{"v2.4 with a footer", []byte("ID3\x04\x00\x10\x00\x00\x00\x10"), 10 + 16 + 10},
		{"not syncsafe", []byte("ID3\x03\x00\x00\x00\x00\x80\x00"), 0},
		{"no tag", []byte("fLaC\x00\x00\x00\x22\x00\x00"), 0},
		{"too short", []byte("ID3\x03"), 0},
	}
	for _, tt := range tests {
		if got := id3Size(tt.head); got != tt.want {
			t.Errorf("%s: id3Size = %d, want %d", tt.name, got, tt.want)
		}
	}
}

func TestHasAudioExtension(t *testing.T) {
	for name, want := range map[string]bool{
		"a.flac": true, "A.FLAC": true, "dir/b.Mp3": true, "c.wav": true, "d.opus": true, "e.aif": true,
		"cover.jpg": false, "album.cue": false, "flac": false, "f.flac.txt": false, "rip.log": false,
	} {
		if got := HasAudioExtension(name); got != want {
			t.Errorf("HasAudioExtension(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestExtended(t *testing.T) {
	// 80-bit IEEE 754 extended values as AIFF's COMM holds rates.
	tests := []struct {
		b    [10]byte
		want float64
	}{
		{[10]byte{0x40, 0x0E, 0xAC, 0x44}, 44100},
		{[10]byte{0x40, 0x0E, 0xBB, 0x80}, 48000},
		{[10]byte{0x40, 0x10, 0xBB, 0x80}, 192000},
		{[10]byte{0x40, 0x0D, 0xAD, 0xDD, 0x17, 0x45, 0xD1, 0x74, 0x5D, 0x17}, 22254.545454545454},
		{[10]byte{0xC0, 0x0E, 0xAC, 0x44}, -44100},
		{[10]byte{0x7F, 0xFF, 0x80}, math.NaN()},
	}
	for _, tt := range tests {
		got := extended(tt.b[:])
		if !(got == tt.want || math.IsNaN(got) && math.IsNaN(tt.want)) && math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("extended(% x) = %v, want %v", tt.b, got, tt.want)
		}
	}
}

// aiffFile builds an AIFF (aifc false) or AIFF-C file around samples already encoded.
type aiffFile struct {
	aifc        bool
	codec       string
	channels    int
	bits        int
	rate        [10]byte
	data        []byte
	ssndSize    int64 // -1: the true size
	ssndOffset  uint32
	ssndFirst   bool // SSND before COMM
	extraChunks bool
}

func (a aiffFile) bytes() []byte {
	be := binary.BigEndian
	var b bytes.Buffer
	kind := "AIFF"
	if a.aifc {
		kind = "AIFC"
	}
	b.WriteString("FORM\x00\x00\x00\x00" + kind)
	comm := func() {
		n := 18
		if a.aifc {
			n = 24 // type + an empty pascal string, padded
		}
		b.WriteString("COMM")
		binary.Write(&b, be, uint32(n))
		binary.Write(&b, be, uint16(a.channels))
		binary.Write(&b, be, uint32(len(a.data)/max(1, a.channels*((a.bits+7)/8))))
		binary.Write(&b, be, uint16(a.bits))
		b.Write(a.rate[:])
		if a.aifc {
			b.WriteString(a.codec)
			b.Write([]byte{0, 0})
		}
	}
	ssnd := func() {
		b.WriteString("SSND")
		size := uint32(8 + int(a.ssndOffset) + len(a.data))
		if a.ssndSize >= 0 {
			size = uint32(a.ssndSize)
		}
		binary.Write(&b, be, size)
		binary.Write(&b, be, a.ssndOffset)
		binary.Write(&b, be, uint32(0))
		b.Write(make([]byte, a.ssndOffset))
		b.Write(a.data)
	}
	if a.extraChunks {
		b.WriteString("NAME\x00\x00\x00\x03abc\x00") // odd size, padded
		b.WriteString("FVER\x00\x00\x00\x04\xA2\x80\x51\x40")
	}
	if a.ssndFirst {
		ssnd()
		comm()
	} else {
		comm()
		ssnd()
	}
	out := b.Bytes()
	be.PutUint32(out[4:], uint32(len(out)-8))
	return out
}

var rate44k1 = [10]byte{0x40, 0x0E, 0xAC, 0x44}

func TestAIFF(t *testing.T) {
	// Two stereo frames of 16-bit big-endian: the extremes and two small values.
	s16be := []byte{0x80, 0x00, 0x7F, 0xFF, 0x00, 0x01, 0xFF, 0xFF}
	s16le := []byte{0x00, 0x80, 0xFF, 0x7F, 0x01, 0x00, 0xFF, 0xFF}
	want16 := []float32{-1, 32767.0 / 32768, 1.0 / 32768, -1.0 / 32768}
	// 12-bit samples, left-justified in 16: the extremes are -1 and 2047/2048.
	s12 := []byte{0x80, 0x00, 0x7F, 0xF0}
	s24 := []byte{0x80, 0x00, 0x00, 0x7F, 0xFF, 0xFF}
	f32 := binary.BigEndian.AppendUint32(nil, math.Float32bits(-0.25))
	f32 = binary.BigEndian.AppendUint32(f32, math.Float32bits(1.5))
	tests := []struct {
		name   string
		file   aiffFile
		want   []float32
		clip   float64
		frames int64
		err    error
	}{
		{"16-bit", aiffFile{channels: 2, bits: 16, rate: rate44k1, data: s16be, ssndSize: -1}, want16,
			32767.0 / 32768, 2, nil},
		{"data offset and other chunks", aiffFile{channels: 2, bits: 16, rate: rate44k1, data: s16be, ssndSize: -1,
			ssndOffset: 6, extraChunks: true}, want16, 32767.0 / 32768, 2, nil},
		{"AIFF-C sowt", aiffFile{aifc: true, codec: "sowt", channels: 2, bits: 16, rate: rate44k1, data: s16le,
			ssndSize: -1}, want16, 32767.0 / 32768, 2, nil},
		{"AIFF-C NONE", aiffFile{aifc: true, codec: "NONE", channels: 2, bits: 16, rate: rate44k1, data: s16be,
			ssndSize: -1}, want16, 32767.0 / 32768, 2, nil},
		{"12-bit", aiffFile{channels: 1, bits: 12, rate: rate44k1, data: s12, ssndSize: -1},
			[]float32{-1, 2047.0 / 2048}, float64(float32(2047.0 / 2048)), 2, nil},
		{"24-bit mono", aiffFile{channels: 1, bits: 24, rate: rate44k1, data: s24, ssndSize: -1},
			[]float32{-1, 8388607.0 / 8388608}, float64(float32(8388607.0 / 8388608)), 2, nil},
		{"fl32", aiffFile{aifc: true, codec: "fl32", channels: 1, bits: 32, rate: rate44k1, data: f32,
			ssndSize: -1}, []float32{-0.25, 1.5}, 0, 2, nil},
		{"streamed: SSND size 0 runs to the end", aiffFile{channels: 2, bits: 16, rate: rate44k1, data: s16be,
			ssndSize: 0}, want16, 32767.0 / 32768, -1, nil},
		{"truncated", aiffFile{channels: 2, bits: 16, rate: rate44k1, data: s16be, ssndSize: 8 + 16}, want16,
			32767.0 / 32768, 4, ErrTruncated},
		{"SSND before COMM", aiffFile{channels: 2, bits: 16, rate: rate44k1, data: s16be, ssndSize: -1,
			ssndFirst: true}, nil, 0, 0, ErrNeedsSeek},
		{"unknown compression", aiffFile{aifc: true, codec: "xyzw", channels: 1, bits: 16, rate: rate44k1, data: s16be,
			ssndSize: -1}, nil, 0, 0, ErrEncoding},
		{"zero channels", aiffFile{channels: 0, bits: 16, rate: rate44k1, data: s16be, ssndSize: -1}, nil, 0, 0,
			ErrMalformed},
		{"absurd rate", aiffFile{channels: 1, bits: 16, rate: [10]byte{0x3F, 0xFF, 0x80}, data: s16be,
			ssndSize: -1}, nil, 0, 0, ErrMalformed},
		{"40-bit samples", aiffFile{channels: 1, bits: 40, rate: rate44k1, data: s16be, ssndSize: -1}, nil, 0, 0,
			ErrEncoding},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewReader(bytes.NewReader(tt.file.bytes()), "x.aiff")
			if err != nil {
				if tt.err == nil || !errors.Is(err, tt.err) {
					t.Fatalf("NewReader: %v, want %v", err, tt.err)
				}
				if !strings.HasPrefix(err.Error(), "x.aiff: ") {
					t.Errorf("error %q does not start with the name", err)
				}
				return
			}
			info := r.Info()
			if info.Format != AIFF || info.SampleRate != 44100 || info.ClipLevel != tt.clip || info.Frames != tt.frames {
				t.Errorf("Info = %+v", info)
			}
			var got []float32
			buf := make([]float32, 64)
			for {
				n, err := r.Read(buf)
				got = append(got, buf[:n]...)
				if err == io.EOF {
					break
				}
				if err != nil {
					if !errors.Is(err, tt.err) {
						t.Fatalf("Read: %v, want %v", err, tt.err)
					}
					break
				}
			}
			if !slicesEqual(got, tt.want) {
				t.Errorf("samples %v, want %v", got, tt.want)
			}
		})
	}
}

func slicesEqual(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "notes.txt")
	os.WriteFile(text, []byte("hello, world\n"), 0o644)
	empty := filepath.Join(dir, "empty.flac")
	os.WriteFile(empty, nil, 0o644)
	badFLAC := filepath.Join(dir, "bad.flac")
	os.WriteFile(badFLAC, []byte("fLaC\x00\x00\x00\x22\x01"), 0o644)
	tests := []struct {
		name, path, want string
		err              error
	}{
		{"missing", filepath.Join(dir, "nope.flac"), "nope.flac: no such file or directory", os.ErrNotExist},
		{"directory", dir, ": is a directory, not an audio file", ErrUnknownFormat},
		{"text", text, `notes.txt: is not in a known audio format (it starts with "hello, w")`,
			ErrUnknownFormat},
		{"empty", empty, "empty.flac: is empty, not an audio file", ErrUnknownFormat},
		{"bad FLAC header", badFLAC, "bad.flac: cannot read the FLAC header", ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Open(tt.path)
			if !errors.Is(err, tt.err) {
				t.Fatalf("Open: %v, want %v", err, tt.err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestWAVErrorsNameTheStream(t *testing.T) {
	wav := []byte("RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x00\x00\x44\xac\x00\x00\x88\x58\x01\x00" +
		"\x02\x00\x10\x00data\x00\x00\x00\x00")
	_, err := NewReader(onlyReader{bytes.NewReader(wav)}, "-")
	if err == nil || !strings.HasPrefix(err.Error(), "-: ") {
		t.Fatalf("NewReader = %v, want an error naming the stream", err)
	}
}

// TestFLACTruncated cuts a FLAC file in the middle of a frame and at a frame boundary.
func TestFLACTruncated(t *testing.T) {
	needTool(t, "ffmpeg")
	flacByFFmpeg = false // the native decoder's errors; TestFLACByFFmpegErrors tests ffmpeg's
	defer func() { flacByFFmpeg = true }()
	p := ffmpegGen(t, t.TempDir(), "t.flac", 2, 1, "-c:a", "flac")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewReader(bytes.NewReader(b[:len(b)*2/3]), "cut.flac")
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]float32, 4096)
	for {
		_, err = r.Read(buf)
		if err != nil {
			break
		}
	}
	if !errors.Is(err, ErrTruncated) {
		t.Fatalf("Read = %v, want ErrTruncated", err)
	}
	t.Logf("error: %v", err)
	if _, again := r.Read(buf); again != err {
		t.Errorf("the error is not sticky: %v then %v", err, again)
	}
}

// TestStdinRegularFile: standard input redirected from a file is read like the file, from where it stands.
func TestStdinRegularFile(t *testing.T) {
	f, err := os.Open("../../testdata/sine-s16-stereo.wav")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := NewReader(f, "-")
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Info(); got.Format != WAV || got.Frames != 24000 || got.ClipLevel != clipLevel(16) {
		t.Errorf("Info = %+v", got)
	}
	if n := len(readAll(t, r)); n != 48000 {
		t.Errorf("%d samples, want 48000", n)
	}
}

// TestReadAllocs: Read converts into the caller's slice without allocating, for the formats whose decoding is
// this package's own (WAV, AIFF); FLAC's allocations per codec frame are mewkiz/flac's, reported for the record.
func TestReadAllocs(t *testing.T) {
	aiff := aiffFile{channels: 2, bits: 24, rate: rate44k1, data: make([]byte, 6*48000), ssndSize: -1}.bytes()
	wav, err := os.ReadFile("../../testdata/white-noise-s24-stereo.wav")
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"AIFF": aiff, "WAV stream": wav} {
		r, err := NewReader(onlyReader{bytes.NewReader(data)}, name)
		if err != nil {
			t.Fatal(err)
		}
		buf := make([]float32, 256*2)
		allocs := testing.AllocsPerRun(50, func() {
			if _, err := r.Read(buf); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("%s: Read allocates %v times per block", name, allocs)
		}
	}
	if _, err := exec.LookPath("ffmpeg"); err == nil {
		p := ffmpegGen(t, t.TempDir(), "a.flac", 2, 2, "-c:a", "flac", "-sample_fmt", "s32")
		flacByFFmpeg = false // the native decoder, used when ffmpeg is not installed
		r, err := Open(p)
		flacByFFmpeg = true
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		buf := make([]float32, 4096*2)
		allocs := testing.AllocsPerRun(20, func() { r.Read(buf) })
		t.Logf("FLAC: %.0f allocations per 4096-frame block, all in mewkiz/flac's frame decoder", allocs)
		p = ffmpegGen(t, t.TempDir(), "a.ogg", 2, 5, "-c:a", "libvorbis")
		r, err = Open(p)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		allocs = testing.AllocsPerRun(20, func() { r.Read(buf) })
		t.Logf("Vorbis: %.1f allocations per read of up to 4096 frames, in jfreymuth/vorbis", allocs)
		// MP3: the gapless trimming adds nothing to go-mp3's own allocations (a few per MPEG frame): a file
		// with a LAME tag reads with as many as one without.
		var mp3Allocs [2]float64
		for i, xing := range []string{"1", "0"} {
			p = ffmpegGen(t, t.TempDir(), "a.mp3", 2, 5, "-c:a", "libmp3lame", "-write_xing", xing)
			r, err = Open(p)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			r.Read(buf) // past the trimmed start
			mp3Allocs[i] = testing.AllocsPerRun(40, func() { r.Read(buf) })
		}
		t.Logf("MP3: %.1f allocations per read of up to 4096 frames with a LAME tag, %.1f without, in go-mp3",
			mp3Allocs[0], mp3Allocs[1])
		if mp3Allocs[0] > mp3Allocs[1]+1 {
			t.Errorf("MP3: %.1f allocations per read with a LAME tag, %.1f without", mp3Allocs[0], mp3Allocs[1])
		}
	}
}

// TestAIFFFastPaths: the loops for the common sizes give what the general one gives, for every byte pattern
// class (random bytes cover signs and extremes).
func TestAIFFFastPaths(t *testing.T) {
	src := make([]byte, 3*4096)
	for i := range src {
		src[i] = byte(i*131 + i>>3)
	}
	src[0], src[1], src[2] = 0x80, 0, 0
	for _, c := range []struct {
		little bool
		bytes  int
	}{{false, 2}, {false, 3}, {true, 2}} {
		n := len(src) / c.bytes
		fast, general := make([]float32, n), make([]float32, n)
		aiffDecoder(aiffCodec{little: c.little}, c.bytes)(fast, src[:n*c.bytes])
		aiffInt(c.little, c.bytes)(general, src[:n*c.bytes])
		if !slicesEqual(fast, general) {
			t.Errorf("little %v, %d bytes: the fast loop differs from the general one", c.little, c.bytes)
		}
	}
}

// TestOpenFIFO: a named pipe (as /dev/stdin is when a pipe feeds it) is read as a stream, never seeked.
func TestOpenFIFO(t *testing.T) {
	needTool(t, "ffmpeg")
	dir := t.TempDir()
	p := ffmpegGen(t, dir, "s.flac", 2, 1, "-c:a", "flac")
	want := ffmpegDecode(t, p)
	fifo := filepath.Join(dir, "pipe")
	if err := mkfifo(fifo); err != nil {
		t.Skipf("cannot make a FIFO: %v", err)
	}
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err != nil {
			return
		}
		w.Write(data)
		w.Close()
	}()
	r, err := Open(fifo)
	if err != nil {
		t.Fatalf("Open(FIFO): %v", err)
	}
	defer r.Close()
	if got := readAll(t, r); !slicesEqual(got, want) {
		t.Errorf("%d samples from the FIFO differ from ffmpeg's %d", len(got), len(want))
	}
}

// TestMP3AfterTagAndJunk: an ID3 tag followed by padding the tag does not count, then the first MPEG frame.
func TestMP3AfterTagAndJunk(t *testing.T) {
	needTool(t, "ffmpeg")
	p := ffmpegGen(t, t.TempDir(), "plain.mp3", 1, 1, "-c:a", "libmp3lame", "-id3v2_version", "0")
	plain, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewReader(bytes.NewReader(plain), "plain.mp3")
	if err != nil {
		t.Fatal(err)
	}
	want := readAll(t, r)
	tagged := append([]byte("ID3\x03\x00\x00\x00\x00\x00\x14"), make([]byte, 20+37)...) // 37 bytes beyond the tag
	tagged = append(tagged, plain...)
	r, err = NewReader(onlyReader{bytes.NewReader(tagged)}, "tagged.mp3")
	if err != nil {
		t.Fatalf("NewReader: %v", err)
	}
	if r.Info().Format != MP3 || r.Info().Channels != 1 {
		t.Errorf("Info = %+v", r.Info())
	}
	if got := readAll(t, r); !slicesEqual(got, want) {
		t.Errorf("%d samples after the tag and junk, %d without", len(got), len(want))
	}
}

func TestVorbisShortAndTruncated(t *testing.T) {
	b, err := os.ReadFile("testdata/short.ogg")
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewReader(bytes.NewReader(b), "short.ogg")
	if err != nil {
		t.Fatal(err)
	}
	if info := r.Info(); info.Format != Vorbis || info.Channels != 1 || info.SampleRate != 22050 {
		t.Errorf("Info = %+v", info)
	}
	// 0.3 s at 22.05 kHz, what the encoder was given: the one page's granule position trims the last block.
	// (ffmpeg 5 keeps the 41 frames of padding when a stream is a single page; from two pages on it trims.)
	if n := len(readAll(t, r)); n != 6615 {
		t.Errorf("%d frames, want 6615", n)
	}
	r, err = NewReader(bytes.NewReader(b[:len(b)-100]), "cut.ogg")
	buf := make([]float32, 1024)
	for err == nil {
		_, err = r.Read(buf)
	}
	if !errors.Is(err, ErrTruncated) {
		t.Errorf("Read of a cut file = %v, want ErrTruncated", err)
	}
}
