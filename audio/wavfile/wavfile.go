// Package wavfile reads WAV files as interleaved float32 frames, streaming.
//
// Guarantees:
//   - Integer PCM is normalised by 2^(bits-1): a 16-bit -32768 is exactly -1.0, 32767 is 32767/32768. 8-bit
//     samples (unsigned in WAV) are centred first. 32- and 64-bit IEEE float are passed through as they are,
//     NaN, ±Inf and values beyond ±1.0 included.
//   - Memory does not depend on the file: a Reader holds one fixed-size buffer, whatever the header claims.
//   - Nothing needs to seek: an input that cannot (a pipe, standard input) is read once, front to back; where
//     the input can seek and tell its size, every size in the header is checked against it first (see
//     NewReader).
//   - Every frame the file holds is read, and nothing is measured short or long silently: where the header's
//     data size cannot be right, the Reader reads what the file holds and says what it did in Warnings. A data
//     size of 0 or 0xFFFFFFFF (a writer that could not seek back to patch it: ffmpeg to a pipe, a recorder that
//     died) and SoX's 0x7FFFF000 past the end of the file mean "to the end of the file" (ErrSizeUnknown in a
//     file; read from a stream, they are how a stream is written, and no warning); a
//     plain RIFF over 4 GiB whose 32-bit size wrapped is read whole, its size found from the file's length
//     (ErrSizeWrapped); a data chunk cut short is read up to its last whole frame (ErrTruncated, a
//     *TruncatedError: a caller that must not measure a partial file refuses it there). A file that shrinks
//     while it is read fails the Read that finds out.
//   - Every error from Open names the file and says what is wrong, as a *FormatError whose cause is one of the
//     Err values, for errors.Is.
//
// Formats: 8-, 16-, 24- and 32-bit integer PCM and 32- and 64-bit float, as plain WAVE_FORMAT_PCM /
// WAVE_FORMAT_IEEE_FLOAT or as WAVE_FORMAT_EXTENSIBLE (whose channel mask is in Info), with 1 to MaxChannels
// channels, in RIFF, RF64 or BW64 (the 64-bit sizes of the ds64 chunk), after an ID3v2 tag if there is one.
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
	"syscall"
)

// MaxChannels is the largest channel count a Reader accepts: 9.1.6, ffmpeg's 16-channel layouts.
const MaxChannels = 16

// Sample rates outside [MinSampleRate, MaxSampleRate] are refused (ErrSampleRate).
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
	Frames        int64 // frames the Reader delivers: the data chunk's, or the file's where Warnings says so; -1: see NewReader
	// ChannelMask is WAVE_FORMAT_EXTENSIBLE's dwChannelMask as the file holds it: bit 0 front left, 1 front
	// right, 2 front centre, 3 LFE, 4 back left, 5 back right, ... (mmreg.h's SPEAKER_* values), the channels
	// in the order of their bits. 0 when the file has no mask (not extensible, or written without one, as SoX
	// does for 3 channels); it may name fewer or more positions than Channels, as writers leave it.
	ChannelMask uint32
	Container   string // "RIFF", "RF64" or "BW64"
}

// String describes the format as a person would: "48000 Hz, 2 channels, 24-bit PCM (extensible)".
func (i Info) String() string {
	ch := "channels"
	if i.Channels == 1 {
		ch = "channel"
	}
	s := fmt.Sprintf("%d Hz, %d %s, %d-bit %v", i.SampleRate, i.Channels, ch, i.BitsPerSample, i.Encoding)
	switch wide := i.Container != "" && i.Container != "RIFF"; {
	case i.Extensible && wide:
		s += " (extensible, " + i.Container + ")"
	case i.Extensible:
		s += " (extensible)"
	case wide:
		s += " (" + i.Container + ")"
	}
	return s
}

// Sentinel causes, for errors.Is on the errors and warnings this package returns.
var (
	ErrNotWAV      = errors.New("not a WAV file")
	ErrUnsupported = errors.New("unsupported WAV format")
	ErrMalformed   = errors.New("malformed WAV file")
	ErrTruncated   = errors.New("truncated WAV file")

	// Finer causes of ErrUnsupported (errors.Is(err, ErrUnsupported) holds for each), for callers whose remedy
	// differs: an encoding or sample width to convert, channels to extract, a rate to resample.
	ErrEncoding     = fmt.Errorf("unsupported sample encoding: %w", ErrUnsupported)
	ErrChannelCount = fmt.Errorf("too many channels: %w", ErrUnsupported)
	ErrSampleRate   = fmt.Errorf("unsupported sample rate: %w", ErrUnsupported)

	// Causes of warnings only (see Reader.Warnings): the file was read whole all the same.
	ErrSizeUnknown = errors.New("WAV data size not recorded")
	ErrSizeWrapped = errors.New("WAV data size wrapped at 4 GiB")
)

// A FormatError reports what is wrong with a file's content.
type FormatError struct {
	File string // the file's name; empty when the Reader was made by NewReader
	Msg  string // what is wrong
	Err  error  // one of the Err values
}

func (e *FormatError) Error() string {
	if e.File == "" {
		return "wavfile: " + e.Msg
	}
	return e.File + ": " + e.Msg
}

func (e *FormatError) Unwrap() error { return e.Err }

// A TruncatedError reports a data chunk that claims more frames than the file holds. Found when the file is
// opened, it is a warning: the Reader delivers the Present frames (see Reader.Warnings). Found by Read (the
// file shrank after Open), it is Read's error.
type TruncatedError struct {
	FormatError
	Frames  int64 // frames the header claims
	Present int64 // whole frames the file holds
}

// Unknown-length markers that streaming writers leave in the data chunk size when they cannot seek back to fix
// it: ffmpeg writing to a pipe uses 0xFFFFFFFF, SoX 0x7FFFF000 rounded down to whole frames. A recorder that
// dies before patching its header leaves the 0 it started with. A data chunk with one of them runs to the end
// of the file; that is the writer's stated meaning, not a guess.
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
	rs       io.ReadSeeker // nil for a stream
	in       io.Reader     // what the frames are read from: rs, or a stream's buffered reader
	stream   bool          // the input cannot seek: see stream.go
	unknown  bool          // a stream whose data size was never written, or headerless (NewRawReader): read to its end
	carry    int           // a stream's bytes of a partial frame, kept at buf[w:w+carry] for the next fill
	file     *os.File      // set when Open opened it
	name     string
	info     Info
	warnings []error
	dataOff  int64 // offset of the first frame
	frame    int   // bytes per frame (block align)
	left     int64 // bytes of whole frames not yet read from rs
	buf      []byte
	r, w     int // buf[r:w] holds bytes read but not decoded
	decode   func(dst []float32, src []byte)
	err      error // sticky read error
}

// Open opens the named file. The error names the file and says what is wrong with it. A file that cannot seek
// (a named pipe, /dev/stdin from a pipe) is read as a stream, as by NewReader.
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

// NewReader reads the header from in and returns a Reader positioned at the first frame.
//
// If in is an io.Seeker that can find its size (a file, a bytes.Reader), the header is read from its start and
// every size is checked against the input's, before the first frame is read. Otherwise (not an io.Seeker, or
// one that fails with "illegal seek": a pipe) it is read once, as a stream, from where it stands: nothing needs
// to seek, and where the size of the data is known only at its end it is settled when Read reaches the end: a
// size never written (the streaming convention, so no warning) makes Info().Frames -1 until then; a stream cut
// short, or one that ends within a frame, gains its ErrTruncated warning then. After io.EOF, Info().Frames is the
// frames read.
// A stream cannot Rewind, and a data chunk before the `fmt ` chunk cannot be read from one (ErrUnsupported).
func NewReader(in io.Reader) (*Reader, error) { return newReader(in, "") }

// NewNamedReader is NewReader for an input known by a name (a path, "-" for standard input): its errors and
// warnings name it, as Open's do.
func NewNamedReader(in io.Reader, name string) (*Reader, error) { return newReader(in, name) }

// Info returns the file's format.
func (r *Reader) Info() Info { return r.info }

// Warnings returns what the Reader found wrong with the file's header and read past rather than refused, in
// the order found; nil for a sound file. A stream adds the warning it can only find at its end by then: read
// Warnings again after io.EOF. Each is a *FormatError (errors.Is: ErrSizeUnknown, ErrSizeWrapped; or
// ErrTruncated for a stream of unknown length that ends within a frame) or a *TruncatedError (ErrTruncated),
// whose text names the file and says what was read. A caller that must not
// measure a file cut short tests errors.Is(w, ErrTruncated) and refuses it.
func (r *Reader) Warnings() []error { return r.warnings }

// Read decodes up to len(dst) samples of whole frames into dst and returns the number of samples decoded, a
// multiple of the channel count. At the end of the data it returns 0, io.EOF.
//
// Read returns n > 0 with a nil error until the data is exhausted; it never returns n > 0 together with an
// error. If len(dst) is smaller than one frame it returns 0, io.ErrShortBuffer. If the file ends before the
// data does (it shrank after Open), Read returns 0 and a *TruncatedError, as it does for any other read
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
	if r.stream {
		return r.fillStream()
	}
	r.r, r.w = 0, 0
	if r.left == 0 {
		return io.EOF
	}
	want := len(r.buf) / r.frame * r.frame
	if int64(want) > r.left {
		want = int(r.left)
	}
	got, err := io.ReadFull(r.in, r.buf[:want])
	partial := got % r.frame
	got -= partial
	r.w = got
	r.left -= int64(got)
	if err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			missing := (r.left + int64(r.frame) - 1) / int64(r.frame)
			r.err = &TruncatedError{
				FormatError: FormatError{File: r.name, Err: ErrTruncated, Msg: fmt.Sprintf(
					"the file ended while reading: %d of %d frames are missing", missing, r.info.Frames)},
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

// Rewind positions the reader at the first frame again. A stream cannot (errors.ErrUnsupported).
func (r *Reader) Rewind() error { return r.SeekFrame(0) }

// SeekFrame positions the reader at frame (from 0; Info().Frames is the end), so that a long file can be read
// in parts, each by its own Reader. A stream cannot (errors.ErrUnsupported); a frame outside the data is an
// error too (ErrMalformed).
func (r *Reader) SeekFrame(frame int64) error {
	if r.stream {
		return &FormatError{File: r.name, Msg: "cannot seek in a stream", Err: errors.ErrUnsupported}
	}
	if frame < 0 || frame > r.info.Frames {
		return r.fail("cannot seek to frame %d: the data holds %d frames", frame, r.info.Frames)
	}
	if _, err := r.rs.Seek(r.dataOff+frame*int64(r.frame), io.SeekStart); err != nil {
		return r.fail("cannot seek to frame %d: %v", frame, err)
	}
	r.left = (r.info.Frames - frame) * int64(r.frame)
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

func (r *Reader) warn(cause error, format string, args ...any) {
	r.warnings = append(r.warnings, &FormatError{File: r.name, Msg: fmt.Sprintf(format, args...), Err: cause})
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

// ds64 holds an RF64/BW64 file's 64-bit sizes (EBU Tech 3306, ITU-R BS.2088): the data chunk's, and those of
// the first few other chunks whose 32-bit size is 0xFFFFFFFF. The table is read into a fixed array, however many
// entries the file claims; a chunk past it is judged by its 32-bit size as in a RIFF file.
type ds64 struct {
	data  uint64
	n     int
	table [16]struct {
		id   [4]byte
		size uint64
	}
}

func (d *ds64) lookup(id [4]byte) (uint64, bool) {
	for _, e := range d.table[:d.n] {
		if e.id == id {
			return e.size, true
		}
	}
	return 0, false
}

// maxChunks bounds the walk to the data chunk.
const maxChunks = 100000

// maxSize bounds the 64-bit sizes of ds64, so that offsets computed from them cannot overflow.
const maxSize = 1 << 62

func newReader(in io.Reader, name string) (*Reader, error) {
	rs, ok := in.(io.ReadSeeker)
	if !ok {
		return newStreamReader(in, name)
	}
	r := &Reader{rs: rs, in: rs, name: name}
	bad := func(cause error, format string, args ...any) error {
		return &FormatError{File: name, Msg: fmt.Sprintf(format, args...), Err: cause}
	}
	size, err := rs.Seek(0, io.SeekEnd)
	if errors.Is(err, syscall.ESPIPE) {
		return newStreamReader(in, name)
	}
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
	base := int64(0) // where RIFF starts: after an ID3v2 tag, if there is one
	if skip, ok := id3Size(hdr[:n]); ok && skip+12 <= size {
		if _, err := rs.Seek(skip, io.SeekStart); err != nil {
			return nil, bad(ErrMalformed, "cannot seek: %v", err)
		}
		var after [12]byte
		if _, err := io.ReadFull(rs, after[:]); err == nil && wavHeader(after) {
			hdr, base = after, skip
		}
	}
	if kind := sniff(hdr[:n]); kind != "" {
		return nil, bad(ErrNotWAV, "is not a WAV file (it looks like %s)", kind)
	}
	if n < 12 || !wavHeader(hdr) {
		return nil, bad(ErrNotWAV, "is not a WAV file (no RIFF/WAVE header)")
	}
	r.info.Container = string(hdr[:4])
	wide := r.info.Container != "RIFF"

	// Walk the chunks. Every size is checked against the file's size before it is used, so a header that
	// claims 10 GB costs nothing.
	var (
		fmtChunk []byte
		ds       ds64
		dataOff  int64  = -1
		claim    int64  // the data chunk's size, from its header or from ds64
		claim32  uint32 // the data chunk header's 32-bit size
	)
	off := base + 12
	for chunks := 0; off+8 <= size && (fmtChunk == nil || dataOff < 0); chunks++ {
		var ch [8]byte
		if _, err := rs.Seek(off, io.SeekStart); err != nil {
			return nil, bad(ErrMalformed, "cannot seek: %v", err)
		}
		if _, err := io.ReadFull(rs, ch[:]); err != nil {
			return nil, bad(ErrMalformed, "cannot read the chunk header at byte %d: %v", off, err)
		}
		id := string(ch[:4])
		c32 := binary.LittleEndian.Uint32(ch[4:])
		csize := int64(c32)
		if wide && c32 == 0xFFFFFFFF {
			// The size is in ds64: the data chunk's in its own field, the others in its table.
			big, ok := ds.data, id == "data"
			if !ok {
				big, ok = ds.lookup([4]byte(ch[:4]))
			}
			if ok {
				csize = int64(min(big, maxSize)) // beyond any file, and no overflow below
			}
		}
		body := off + 8
		next := body + csize
		switch id {
		case "ds64":
			if !wide {
				break // meaningless in RIFF: skipped as any other chunk
			}
			if csize < 24 {
				return nil, bad(ErrMalformed, "has a ds64 chunk of %d bytes (at least 24 expected)", csize)
			}
			if next > size {
				return nil, bad(ErrMalformed, "its ds64 chunk claims %d bytes but the file ends %d bytes after its "+
					"start", csize, size-body)
			}
			if err := readDS64(rs, csize, &ds); err != nil {
				return nil, bad(ErrMalformed, "cannot read the ds64 chunk: %v", err)
			}
		case "fmt ":
			if fmtChunk != nil {
				return nil, bad(ErrMalformed, "has two `fmt ` chunks")
			}
			if csize < 16 {
				return nil, bad(ErrMalformed, "has a `fmt ` chunk of %d bytes (at least 16 expected)", csize)
			}
			if next > size {
				return nil, bad(ErrMalformed, "its `fmt ` chunk claims %d bytes but the file ends %d bytes after "+
					"its start", csize, size-body)
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
			dataOff, claim, claim32 = body, csize, c32
			// Its true size is settled once the frame size is known; here, only where the next chunk starts.
			if r.unknownSize(wide, c32, &ds, body, size) {
				next = size
			}
		default:
			if next > size {
				return nil, bad(ErrMalformed, "its %q chunk at byte %d claims %d bytes but the file ends %d bytes "+
					"after its start", printable(ch[:4]), off, csize, size-body)
			}
		}
		if id == "data" && (fmtChunk != nil || next > size) {
			break // found both, or a data chunk past the end with no fmt yet: nothing more can be found
		}
		if csize%2 == 1 {
			// Chunks are padded to an even size. Some writers forget the pad byte: take the unpadded position
			// when only it starts a plausible chunk.
			if !chunkIDAt(rs, next+1, size) && chunkIDAt(rs, next, size) {
				next--
			}
			next++
		}
		if chunks > maxChunks {
			return nil, bad(ErrMalformed, "has more than %d chunks before its audio data", maxChunks)
		}
		off = next
	}
	if fmtChunk == nil {
		return nil, bad(ErrMalformed, "has no `fmt ` chunk")
	}
	if err := r.parseFormat(fmtChunk, bad); err != nil {
		return nil, err
	}
	if dataOff < 0 {
		return nil, bad(ErrMalformed, "has no `data` chunk")
	}
	dataSize, err := r.dataSize(wide, &ds, dataOff, claim, claim32, size)
	if err != nil {
		return nil, err
	}
	r.dataOff = dataOff
	r.info.Frames = dataSize / int64(r.frame)
	r.buf = make([]byte, max(min(bufSize, dataSize)/int64(r.frame), 1)*int64(r.frame)) // no more than the data
	if err := r.Rewind(); err != nil {
		return nil, err
	}
	return r, nil
}

// unknownSize reports whether the data chunk at body, whose 32-bit size is c32, runs to the end of the file
// because its writer never recorded its size. SoX's marker is judged later, once the frame size is known.
func (r *Reader) unknownSize(wide bool, c32 uint32, ds *ds64, body, size int64) bool {
	switch {
	case wide && c32 == 0xFFFFFFFF:
		return ds.data == 0 // ds64 never patched (ffmpeg -rf64 to a pipe writes zeros), or no ds64 at all
	case c32 == sizeUnknownFFmpeg:
		return true
	case c32 == 0:
		// An empty data chunk is followed by the end of the file or by another chunk; anything else is audio
		// whose size was never written.
		return !chunkAt(r.rs, body, size)
	}
	return false
}

// dataSize settles how many bytes of whole frames the data chunk at off holds, given what its header claims and
// the file's size, and records a warning where that is not what the header says.
func (r *Reader) dataSize(wide bool, ds *ds64, off, claim int64, claim32 uint32, size int64) (int64, error) {
	fb := int64(r.frame)
	avail := size - off // bytes from the first frame to the end of the file
	whole := avail - avail%fb
	partial := func() string {
		if avail%fb == 0 {
			return ""
		}
		return fmt.Sprintf(" (and %d bytes of a partial frame, not read)", avail%fb)
	}
	frames := func(b int64) string {
		return fmt.Sprintf("%d frames (%.3f s)", b/fb, float64(b/fb)/float64(r.info.SampleRate))
	}
	sox := sizeUnknownSoX - sizeUnknownSoX%uint32(fb)
	switch {
	case r.unknownSize(wide, claim32, ds, off, size) || claim32 == sox && claim > avail:
		if avail > 0 {
			what := fmt.Sprintf("0x%08X", claim32)
			if wide && claim32 == 0xFFFFFFFF {
				what = "0 in ds64"
			}
			r.warn(ErrSizeUnknown, "its data chunk size was never written (%s): read to the end of the file, %s%s",
				what, frames(whole), partial())
		}
		return whole, nil
	case claim > avail:
		claimed, present := claim/fb, whole/fb
		r.warnings = append(r.warnings, &TruncatedError{
			FormatError: FormatError{File: r.name, Err: ErrTruncated, Msg: fmt.Sprintf(
				"is truncated: its data chunk claims %d frames but the file holds %d, %d frames (%.3f s) are "+
					"missing", claimed, present, claimed-present, float64(claimed-present)/float64(r.info.SampleRate))},
			Frames:  claimed,
			Present: present,
		})
		return whole, nil
	case !wide && avail >= 1<<32:
		// More bytes follow the data chunk's start than a 32-bit size can count: the size wrapped if adding
		// 4 GiB to it, some times, ends the chunk where the file or another chunk does.
		for k := (avail - claim) >> 32; k >= 1; k-- {
			b := claim + k<<32
			if b%fb == 0 && (off+b == size || off+b+b%2 == size || chunkAt(r.rs, off+b+b%2, size)) {
				r.warn(ErrSizeWrapped, "its data chunk claims %d bytes but holds %d, %s, to the end of the file (its "+
					"32-bit size wrapped)", claim, b, frames(b))
				return b, nil
			}
		}
		if !chunkAt(r.rs, off+claim+claim%2, size) {
			r.warn(ErrSizeWrapped, "its data chunk claims %d bytes but no chunk follows it and the file goes on for "+
				"%d: read to the end of the file, %s%s", claim, avail, frames(whole), partial())
			return whole, nil
		}
		// A data chunk followed by other chunks, the file large for them: the size is right.
	}
	if claim%fb != 0 {
		return 0, &FormatError{File: r.name, Err: ErrMalformed, Msg: fmt.Sprintf(
			"its data chunk holds %d bytes, not a whole number of %d-byte frames", claim, fb)}
	}
	return claim, nil
}

// readDS64 reads a ds64 chunk body of csize bytes from rs: its 64-bit RIFF, data and sample-count fields, and
// the first entries of its table.
func readDS64(rs io.Reader, csize int64, ds *ds64) error {
	var b [28]byte
	n := min(csize, 28)
	if _, err := io.ReadFull(rs, b[:n]); err != nil {
		return err
	}
	ds.data = binary.LittleEndian.Uint64(b[8:])
	if n < 28 {
		return nil
	}
	entries := min(int64(binary.LittleEndian.Uint32(b[24:])), (csize-28)/12, int64(len(ds.table)))
	for i := range entries {
		var e [12]byte
		if _, err := io.ReadFull(rs, e[:]); err != nil {
			return err
		}
		ds.table[i].id = [4]byte(e[:4])
		ds.table[i].size = binary.LittleEndian.Uint64(e[4:])
		ds.n++
	}
	return nil
}

// wavHeader reports whether b starts a RIFF, RF64 or BW64 WAVE file.
func wavHeader(b [12]byte) bool {
	magic := string(b[:4])
	return (magic == "RIFF" || magic == "RF64" || magic == "BW64") && string(b[8:]) == "WAVE"
}

// id3Size returns the length of the ID3v2 tag that b starts, if it does: a 10-byte header ("ID3", version,
// flags, a 28-bit syncsafe size), the size's bytes, and a 10-byte footer if the flags say so.
func id3Size(b []byte) (int64, bool) {
	if len(b) < 10 || string(b[:3]) != "ID3" || b[3] == 0xFF || b[4] == 0xFF {
		return 0, false
	}
	var n int64
	for _, c := range b[6:10] {
		if c&0x80 != 0 {
			return 0, false
		}
		n = n<<7 | int64(c)
	}
	n += 10
	if b[5]&0x10 != 0 {
		n += 10
	}
	return n, true
}

// chunkAt reports whether a chunk that fits in the file starts at off, or the file ends there.
func chunkAt(rs io.ReadSeeker, off, size int64) bool {
	if off == size {
		return true
	}
	if off+8 > size {
		return false
	}
	var ch [8]byte
	if _, err := rs.Seek(off, io.SeekStart); err != nil {
		return false
	}
	if _, err := io.ReadFull(rs, ch[:]); err != nil {
		return false
	}
	for _, c := range ch[:4] {
		if c < 0x20 || c > 0x7E {
			return false
		}
	}
	return off+8+int64(binary.LittleEndian.Uint32(ch[4:])) <= size
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
	var mask uint32
	if tag == tagExtensible {
		if len(b) < 40 {
			return bad(ErrMalformed, "has a WAVE_FORMAT_EXTENSIBLE `fmt ` chunk of %d bytes (40 expected)", len(b))
		}
		if [14]byte(b[26:40]) != guidTail {
			return bad(ErrEncoding, "has an unknown extensible subformat (GUID % x)", b[24:40])
		}
		tag = le.Uint16(b[24:])
		mask = le.Uint32(b[20:])
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
		return bad(ErrEncoding, "is encoded as %s, not PCM or float", what)
	}
	if channels == 0 {
		return bad(ErrMalformed, "has zero channels")
	}
	if channels > MaxChannels {
		return bad(ErrChannelCount, "has %d channels, more than %d", channels, MaxChannels)
	}
	if rate == 0 {
		return bad(ErrMalformed, "has a sample rate of 0 Hz")
	}
	if rate < MinSampleRate || rate > MaxSampleRate {
		return bad(ErrSampleRate, "has a sample rate of %d Hz, outside %d to %d Hz", rate, MinSampleRate,
			MaxSampleRate)
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
		return bad(ErrEncoding, "holds %d-bit integer samples, not 8, 16, 24 or 32", bits)
	default:
		return bad(ErrEncoding, "holds %d-bit float samples, not 32 or 64", bits)
	}
	if want := channels * bits / 8; align != want {
		return bad(ErrMalformed, "has a block alignment of %d bytes where %d channels of %d bits need %d", align,
			channels, bits, want)
	}
	r.info = Info{SampleRate: int(rate), Channels: channels, BitsPerSample: bits, Encoding: enc, Extensible: ext,
		ChannelMask: mask, Container: r.info.Container}
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
