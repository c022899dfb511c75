// Package wavfile reads WAV files as interleaved float32 frames, streaming.
//
// Guarantees:
//   - Integer PCM is normalised by 2^(bits-1): a 16-bit -32768 is exactly -1.0, 32767 is 32767/32768. 8-bit
//     samples (unsigned in WAV) are centred first. 32- and 64-bit IEEE float are passed through as they are,
//     NaN, ±Inf and values beyond ±1.0 included.
//   - Memory does not depend on the file: a Reader holds one fixed-size buffer, whatever the header claims.
//   - Nothing is measured short without an error: a data chunk that claims more bytes than the file holds is
//     refused at open time with the number of missing frames, and a file that shrinks while it is read
//     fails the Read that finds out.
//   - Every error from Open names the file, says what is wrong and, where there is one, what to do.
//
// Formats: 8-, 16-, 24- and 32-bit integer PCM and 32- and 64-bit float, as plain WAVE_FORMAT_PCM /
// WAVE_FORMAT_IEEE_FLOAT or as WAVE_FORMAT_EXTENSIBLE, with 1 to MaxChannels channels.
//
// The RIFF walk and the `fmt ` chunk are read here rather than by github.com/go-audio/wav, which this package
// uses as the reference decoder in its tests and as the baseline in its benchmark: go-audio v1.1.0 allocates
// whatever a LIST, smpl or `fmt ` chunk header claims (4 GB for a 1 kB file), ignores a failed chunk-size read,
// counts an odd data chunk's pad byte as audio, drops the extensible subformat (so float-extensible decodes as
// int32 bit patterns), decodes tag-3 float as int32 bit patterns too, rejects 64-bit float, leaves 8-bit
// uncentred, and its PCMBuffer path allocates a byte buffer and an io.Reader per call. Decoding straight from a
// buffer of the data chunk into the caller's []float32 is about ten times faster (see BenchmarkRead).
package wavfile

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
)

// MaxChannels is the largest channel count a Reader accepts (levelmeter meters up to 8 channels).
const MaxChannels = 8

// Sample rates outside [MinSampleRate, MaxSampleRate] are refused as absurd.
const (
	MinSampleRate = 1000
	MaxSampleRate = 768000
)

// Encoding is how a WAV file stores its samples.
type Encoding int

const (
	PCM   Encoding = iota + 1 // signed integer (unsigned for 8 bits)
	Float                     // IEEE 754
)

func (e Encoding) String() string {
	switch e {
	case PCM:
		return "PCM"
	case Float:
		return "float"
	}
	return fmt.Sprintf("Encoding(%d)", int(e))
}

// Info describes a WAV file.
type Info struct {
	SampleRate    int
	Channels      int
	BitsPerSample int
	Encoding      Encoding
	Extensible    bool  // WAVE_FORMAT_EXTENSIBLE
	Frames        int64 // frames in the data chunk
}

// String describes the format as a person would: "48000 Hz, 2 channels, 24-bit PCM (extensible)".
func (i Info) String() string {
	ch := "channels"
	if i.Channels == 1 {
		ch = "channel"
	}
	s := fmt.Sprintf("%d Hz, %d %s, %d-bit %v", i.SampleRate, i.Channels, ch, i.BitsPerSample, i.Encoding)
	if i.Extensible {
		s += " (extensible)"
	}
	return s
}

// Sentinel causes, for errors.Is on the errors this package returns.
var (
	ErrNotWAV      = errors.New("not a WAV file")
	ErrUnsupported = errors.New("unsupported WAV format")
	ErrMalformed   = errors.New("malformed WAV file")
	ErrTruncated   = errors.New("truncated WAV file")
)

// A FormatError reports what is wrong with a file's content.
type FormatError struct {
	File string // the file's name; empty when the Reader was made by NewReader
	Msg  string // what is wrong and, where there is a remedy, what to do
	Err  error  // ErrNotWAV, ErrUnsupported, ErrMalformed or ErrTruncated
}

func (e *FormatError) Error() string {
	if e.File == "" {
		return "wavfile: " + e.Msg
	}
	return e.File + ": " + e.Msg
}

func (e *FormatError) Unwrap() error { return e.Err }

// A TruncatedError reports a data chunk that claims more frames than the file holds. The frames that are there
// can be measured after repairing the header (the Msg says how); the Reader never does so silently.
type TruncatedError struct {
	FormatError
	Frames  int64 // frames the header claims
	Present int64 // whole frames the file holds
}

// Unknown-length markers that streaming writers leave in the data chunk size when they cannot seek back to fix
// it: ffmpeg writing to a pipe uses 0xFFFFFFFF, SoX 0x7FFFF000. A data chunk with one of them runs to the end of
// the file; that is the writer's stated meaning, not a guess.
const (
	sizeUnknownFFmpeg = 0xFFFFFFFF
	sizeUnknownSoX    = 0x7FFFF000
)

// bufSize is the Reader's buffer: large enough that reads from a file are few (about 16 per MB), small enough
// to stay in cache.
const bufSize = 128 << 10

// A Reader decodes the data chunk of a WAV file to float32. It holds one buffer of about 128 kB whatever the
// file's length. It is not safe for concurrent use.
type Reader struct {
	rs      io.ReadSeeker
	file    *os.File // set when Open opened it
	name    string
	info    Info
	dataOff int64 // offset of the first frame
	frame   int   // bytes per frame (block align)
	left    int64 // bytes of whole frames not yet read from rs
	buf     []byte
	r, w    int // buf[r:w] holds bytes read but not decoded
	decode  func(dst []float32, src []byte)
	err     error // sticky read error
}

// Open opens the named file. The error names the file and says what is wrong with it.
func Open(name string) (*Reader, error) {
	f, err := os.Open(name)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("%s: %w", name, pe.Err)
		}
		return nil, err
	}
	if st, err := f.Stat(); err == nil && st.IsDir() {
		f.Close()
		return nil, &FormatError{File: name, Msg: "is a directory, not a WAV file", Err: ErrNotWAV}
	}
	r, err := newReader(f, name)
	if err != nil {
		f.Close()
		return nil, err
	}
	r.file = f
	return r, nil
}

// NewReader reads the header from rs and returns a Reader positioned at the first frame.
func NewReader(rs io.ReadSeeker) (*Reader, error) { return newReader(rs, "") }

// Info returns the file's format.
func (r *Reader) Info() Info { return r.info }

// Read decodes up to len(dst) samples of whole frames into dst and returns the number of samples decoded, a
// multiple of the channel count. At the end of the data it returns 0, io.EOF.
//
// Read returns n > 0 with a nil error until the data is exhausted; it never returns n > 0 together with an
// error. If len(dst) is smaller than one frame it returns 0, io.ErrShortBuffer. If the file ends before the
// data chunk does (it shrank after Open), Read returns 0 and a *TruncatedError, as it does for any other read
// error, and keeps returning it.
func (r *Reader) Read(dst []float32) (n int, err error) {
	ch := r.info.Channels
	frames := len(dst) / ch
	if frames == 0 {
		if r.left == 0 && r.r == r.w {
			return 0, io.EOF
		}
		return 0, io.ErrShortBuffer
	}
	if r.w-r.r < r.frame {
		if r.err != nil {
			return 0, r.err
		}
		if err := r.fill(); err != nil {
			return 0, err
		}
	}
	if avail := (r.w - r.r) / r.frame; frames > avail {
		frames = avail
	}
	n = frames * ch
	nb := frames * r.frame
	r.decode(dst[:n], r.buf[r.r:r.r+nb])
	r.r += nb
	return n, nil
}

// fill refills the buffer with whole frames. It returns io.EOF at the end of the data.
func (r *Reader) fill() error {
	// A frame never straddles a fill: the buffer holds whole frames only, so r == w here.
	r.r, r.w = 0, 0
	if r.left == 0 {
		return io.EOF
	}
	want := len(r.buf) / r.frame * r.frame
	if int64(want) > r.left {
		want = int(r.left)
	}
	got, err := io.ReadFull(r.rs, r.buf[:want])
	got -= got % r.frame
	r.w = got
	r.left -= int64(got)
	if err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			missing := (r.left + int64(r.frame) - 1) / int64(r.frame)
			r.err = &TruncatedError{
				FormatError: FormatError{File: r.name, Err: ErrTruncated, Msg: fmt.Sprintf(
					"the file ended while reading: %d of %d frames are missing (was it shortened while being read?)",
					missing, r.info.Frames)},
				Frames:  r.info.Frames,
				Present: r.info.Frames - missing,
			}
		} else {
			r.err = r.fail("read failed: %v", err)
		}
		if got == 0 {
			return r.err
		}
		// Hand out the whole frames that did arrive; the error follows on the next Read.
	}
	return nil
}

// Rewind positions the reader at the first frame again.
func (r *Reader) Rewind() error {
	if _, err := r.rs.Seek(r.dataOff, io.SeekStart); err != nil {
		return r.fail("cannot seek back to the first frame: %v", err)
	}
	r.left = r.info.Frames * int64(r.frame)
	r.r, r.w = 0, 0
	r.err = nil
	return nil
}

// Close closes the file if the Reader opened it.
func (r *Reader) Close() error {
	if r.file == nil {
		return nil
	}
	err := r.file.Close()
	r.file = nil
	return err
}

func (r *Reader) fail(format string, args ...any) error {
	return &FormatError{File: r.name, Msg: fmt.Sprintf(format, args...), Err: ErrMalformed}
}

// Format tags (mmreg.h).
const (
	tagPCM        = 0x0001
	tagFloat      = 0x0003
	tagExtensible = 0xFFFE
)

var formatNames = map[uint16]string{
	0x0002: "Microsoft ADPCM", 0x0006: "A-law", 0x0007: "µ-law", 0x0011: "IMA ADPCM", 0x0031: "GSM 6.10",
	0x0040: "G.721 ADPCM", 0x0050: "MPEG audio", 0x0055: "MP3", 0x0092: "Dolby AC-3 (SPDIF)", 0x0160: "WMA v1",
	0x0161: "WMA", 0x0162: "WMA Pro", 0x0163: "WMA Lossless", 0x00FF: "AAC", 0x1610: "AAC (ADTS)",
	0x2000: "Dolby AC-3", 0x2001: "DTS", 0xF1AC: "FLAC",
}

// The subformat GUIDs of WAVE_FORMAT_EXTENSIBLE share this tail after their 2-byte format tag.
var guidTail = [14]byte{0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71}

func newReader(rs io.ReadSeeker, name string) (*Reader, error) {
	r := &Reader{rs: rs, name: name}
	bad := func(cause error, format string, args ...any) error {
		return &FormatError{File: name, Msg: fmt.Sprintf(format, args...), Err: cause}
	}
	size, err := rs.Seek(0, io.SeekEnd)
	if err != nil {
		return nil, bad(ErrMalformed, "cannot find the file's size: %v", err)
	}
	if _, err := rs.Seek(0, io.SeekStart); err != nil {
		return nil, bad(ErrMalformed, "cannot seek: %v", err)
	}
	var hdr [12]byte
	n, err := io.ReadFull(rs, hdr[:])
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return nil, bad(ErrMalformed, "cannot read: %v", err)
	}
	if n == 0 {
		return nil, bad(ErrNotWAV, "is empty, not a WAV file")
	}
	if kind := sniff(hdr[:n]); kind != "" {
		return nil, bad(ErrNotWAV, "is not a WAV file (it looks like %s): convert it to WAV first, e.g. with "+
			"ffmpeg -i in.%s out.wav", kind, extFor(kind))
	}
	if n < 12 || string(hdr[0:4]) != "RIFF" || string(hdr[8:12]) != "WAVE" {
		return nil, bad(ErrNotWAV, "is not a WAV file (no RIFF/WAVE header)")
	}

	// Walk the chunks. Every size is checked against the file's size before it is used, so a header that
	// claims 10 GB costs nothing.
	var (
		fmtChunk  []byte
		dataOff   int64 = -1
		dataSize  int64
		dataClaim uint32
	)
	off := int64(12)
	for chunks := 0; off+8 <= size && (fmtChunk == nil || dataOff < 0); chunks++ {
		var ch [8]byte
		if _, err := rs.Seek(off, io.SeekStart); err != nil {
			return nil, bad(ErrMalformed, "cannot seek: %v", err)
		}
		if _, err := io.ReadFull(rs, ch[:]); err != nil {
			return nil, bad(ErrMalformed, "cannot read the chunk header at byte %d: %v", off, err)
		}
		id := string(ch[:4])
		csize := int64(binary.LittleEndian.Uint32(ch[4:]))
		body := off + 8
		switch id {
		case "fmt ":
			if fmtChunk != nil {
				return nil, bad(ErrMalformed, "has two `fmt ` chunks")
			}
			if csize < 16 {
				return nil, bad(ErrMalformed, "has a `fmt ` chunk of %d bytes (at least 16 expected)", csize)
			}
			if body+csize > size {
				return nil, bad(ErrMalformed, "its `fmt ` chunk claims %d bytes but the file ends %d bytes after "+
					"its start: the file is damaged or truncated", csize, size-body)
			}
			n := min(csize, 40) // the extensible fields end at 40; the rest is of no use here
			fmtChunk = make([]byte, n)
			if _, err := io.ReadFull(rs, fmtChunk); err != nil {
				return nil, bad(ErrMalformed, "cannot read the `fmt ` chunk: %v", err)
			}
		case "data":
			if dataOff >= 0 {
				return nil, bad(ErrMalformed, "has two `data` chunks")
			}
			dataOff, dataSize, dataClaim = body, csize, uint32(csize)
			if dataClaim == sizeUnknownFFmpeg || (dataClaim == sizeUnknownSoX && body+csize > size) {
				dataSize = size - body // a streaming writer's "unknown length": the data runs to the end
			}
			// A data chunk past the end of the file is reported once the format is known, with the frames
			// missing.
		default:
			if body+csize > size {
				return nil, bad(ErrMalformed, "its %q chunk at byte %d claims %d bytes but the file ends %d bytes "+
					"after its start: the file is damaged or truncated", printable(ch[:4]), off, csize, size-body)
			}
		}
		if id == "data" {
			if fmtChunk != nil {
				break // found both; no need to look further
			}
			if dataSize > size-body {
				// Past the end with no fmt yet: nothing more can be found.
				break
			}
		}
		next := body + csize
		if csize%2 == 1 {
			// Chunks are padded to an even size. Some writers forget the pad byte: take the unpadded position
			// when only it starts a plausible chunk.
			if !chunkIDAt(rs, next+1, size) && chunkIDAt(rs, next, size) {
				next--
			}
			next++
		}
		if id == "data" {
			next = body + dataSize + dataSize%2
		}
		if chunks > 100000 {
			return nil, bad(ErrMalformed, "has more than 100000 chunks before its audio data")
		}
		off = next
	}
	if fmtChunk == nil {
		return nil, bad(ErrMalformed, "has no `fmt ` chunk: it is damaged or not a WAV file")
	}
	if err := r.parseFormat(fmtChunk, bad); err != nil {
		return nil, err
	}
	if dataOff < 0 {
		return nil, bad(ErrMalformed, "has no `data` chunk: it is damaged or holds no audio")
	}
	fb := int64(r.frame)
	if dataOff+dataSize > size {
		claimed := dataSize / fb
		present := (size - dataOff) / fb
		return nil, &TruncatedError{
			FormatError: FormatError{File: name, Err: ErrTruncated, Msg: fmt.Sprintf(
				"is truncated: its data chunk claims %d frames but the file holds %d, %d frames (%.3f s) are "+
					"missing. To measure the frames that are there, rewrite the header first, e.g. with "+
					"sox --ignore-length in.wav fixed.wav",
				claimed, present, claimed-present, float64(claimed-present)/float64(r.info.SampleRate))},
			Frames:  claimed,
			Present: present,
		}
	}
	if dataSize%fb != 0 && dataClaim != sizeUnknownFFmpeg && dataClaim != sizeUnknownSoX {
		return nil, bad(ErrMalformed, "its data chunk holds %d bytes, not a whole number of %d-byte frames: "+
			"the file is damaged", dataSize, fb)
	}
	r.dataOff = dataOff
	r.info.Frames = dataSize / fb
	r.buf = make([]byte, max(bufSize/r.frame, 1)*r.frame)
	if err := r.Rewind(); err != nil {
		return nil, err
	}
	return r, nil
}

// parseFormat reads a `fmt ` chunk body (16 to 40 bytes).
func (r *Reader) parseFormat(b []byte, bad func(error, string, ...any) error) error {
	le := binary.LittleEndian
	tag := le.Uint16(b[0:])
	channels := int(le.Uint16(b[2:]))
	rate := int64(le.Uint32(b[4:]))
	align := int(le.Uint16(b[12:]))
	bits := int(le.Uint16(b[14:]))
	ext := false
	if tag == tagExtensible {
		if len(b) < 40 {
			return bad(ErrMalformed, "has a WAVE_FORMAT_EXTENSIBLE `fmt ` chunk of %d bytes (40 expected)", len(b))
		}
		if [14]byte(b[26:40]) != guidTail {
			return bad(ErrUnsupported, "uses an extensible subformat levelmeter does not know (GUID % x): "+
				"convert it to PCM, e.g. with ffmpeg -i in.wav -c:a pcm_s24le out.wav", b[24:40])
		}
		tag = le.Uint16(b[24:])
		ext = true
	}
	var enc Encoding
	switch tag {
	case tagPCM:
		enc = PCM
	case tagFloat:
		enc = Float
	default:
		what, ok := formatNames[tag]
		if !ok {
			what = fmt.Sprintf("format tag 0x%04X", tag)
		}
		return bad(ErrUnsupported, "is encoded as %s, which levelmeter does not decode: convert it to PCM, "+
			"e.g. with ffmpeg -i in.wav -c:a pcm_s24le out.wav", what)
	}
	if channels == 0 {
		return bad(ErrMalformed, "has zero channels: the header is damaged")
	}
	if channels > MaxChannels {
		return bad(ErrUnsupported, "has %d channels; levelmeter meters up to %d: extract the ones to measure, "+
			"e.g. with ffmpeg -i in.wav -af \"pan=stereo|c0=c0|c1=c1\" out.wav", channels, MaxChannels)
	}
	if rate < MinSampleRate || rate > MaxSampleRate {
		return bad(ErrMalformed, "has an absurd sample rate of %d Hz (levelmeter accepts %d to %d Hz): the header "+
			"is damaged", rate, MinSampleRate, MaxSampleRate)
	}
	var dec func([]float32, []byte)
	switch {
	case enc == PCM && bits == 8:
		dec = decode8
	case enc == PCM && bits == 16:
		dec = decode16
	case enc == PCM && bits == 24:
		dec = decode24
	case enc == PCM && bits == 32:
		dec = decode32
	case enc == Float && bits == 32:
		dec = decodeF32
	case enc == Float && bits == 64:
		dec = decodeF64
	case enc == PCM:
		return bad(ErrUnsupported, "holds %d-bit integer samples; levelmeter reads 8, 16, 24 and 32 bits: "+
			"convert it, e.g. with ffmpeg -i in.wav -c:a pcm_s24le out.wav", bits)
	default:
		return bad(ErrUnsupported, "holds %d-bit float samples; levelmeter reads 32- and 64-bit float: "+
			"convert it, e.g. with ffmpeg -i in.wav -c:a pcm_f32le out.wav", bits)
	}
	if want := channels * bits / 8; align != want {
		return bad(ErrMalformed, "has a block alignment of %d bytes where %d channels of %d bits need %d: the "+
			"header is damaged", align, channels, bits, want)
	}
	r.info = Info{SampleRate: int(rate), Channels: channels, BitsPerSample: bits, Encoding: enc, Extensible: ext}
	r.frame = align
	r.decode = dec
	return nil
}

// sniff names a well-known non-WAV format from its first bytes, or returns "".
func sniff(b []byte) string {
	has := func(off int, s string) bool { return len(b) >= off+len(s) && string(b[off:off+len(s)]) == s }
	switch {
	case has(0, "ID3"), len(b) >= 2 && b[0] == 0xFF && b[1]&0xE0 == 0xE0 && b[1]&0x06 != 0:
		return "MP3"
	case has(0, "fLaC"):
		return "FLAC"
	case has(0, "OggS"):
		return "Ogg"
	case has(0, "FORM") && (has(8, "AIFF") || has(8, "AIFC")):
		return "AIFF"
	case has(0, "RIFX"):
		return "big-endian WAV (RIFX)"
	case has(0, "RF64"), has(0, "BW64"):
		return "RF64 (64-bit WAV)"
	case has(0, "caff"):
		return "CAF"
	case has(4, "ftyp"):
		return "MP4/M4A"
	case has(0, "\x30\x26\xB2\x75"):
		return "WMA"
	case has(0, "RIFF") && has(8, "AVI "):
		return "AVI"
	case has(0, ".snd"):
		return "Sun AU"
	}
	return ""
}

func extFor(kind string) string {
	switch kind {
	case "MP3":
		return "mp3"
	case "FLAC":
		return "flac"
	case "Ogg":
		return "ogg"
	case "AIFF":
		return "aiff"
	case "CAF":
		return "caf"
	case "MP4/M4A":
		return "m4a"
	case "WMA":
		return "wma"
	case "AVI":
		return "avi"
	case "Sun AU":
		return "au"
	}
	return "wav"
}

// chunkIDAt reports whether four printable ASCII bytes, a plausible chunk ID, start at off.
func chunkIDAt(rs io.ReadSeeker, off, size int64) bool {
	if off+8 > size {
		return off == size // the end of the file is a plausible place for the next chunk too
	}
	var id [4]byte
	if _, err := rs.Seek(off, io.SeekStart); err != nil {
		return false
	}
	if _, err := io.ReadFull(rs, id[:]); err != nil {
		return false
	}
	for _, c := range id {
		if c < 0x20 || c > 0x7E {
			return false
		}
	}
	return true
}

func printable(id []byte) string {
	out := make([]byte, len(id))
	for i, c := range id {
		if c < 0x20 || c > 0x7E {
			c = '?'
		}
		out[i] = c
	}
	return string(out)
}

// The decoders convert len(dst) samples from src, which holds exactly that many. They walk src forward rather
// than index it, which lets the compiler drop the bounds checks (about twice as fast for 24-bit).

func decode8(dst []float32, src []byte) {
	src = src[:len(dst)]
	for i, b := range src {
		dst[i] = float32(int(b)-128) * (1.0 / 128)
	}
}

func decode16(dst []float32, src []byte) {
	for i := range dst {
		if len(src) < 2 {
			break
		}
		dst[i] = float32(int16(uint16(src[0])|uint16(src[1])<<8)) * (1.0 / 32768)
		src = src[2:]
	}
}

func decode24(dst []float32, src []byte) {
	for i := range dst {
		if len(src) < 3 {
			break
		}
		v := int32(uint32(src[0])<<8|uint32(src[1])<<16|uint32(src[2])<<24) >> 8
		dst[i] = float32(v) * (1.0 / (1 << 23))
		src = src[3:]
	}
}

func decode32(dst []float32, src []byte) {
	for i := range dst {
		if len(src) < 4 {
			break
		}
		// Through float64 so that the one rounding is to float32's 24 bits, not two.
		dst[i] = float32(float64(int32(binary.LittleEndian.Uint32(src))) * (1.0 / (1 << 31)))
		src = src[4:]
	}
}

func decodeF32(dst []float32, src []byte) {
	for i := range dst {
		if len(src) < 4 {
			break
		}
		dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(src))
		src = src[4:]
	}
}

func decodeF64(dst []float32, src []byte) {
	for i := range dst {
		if len(src) < 8 {
			break
		}
		dst[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(src)))
		src = src[8:]
	}
}
