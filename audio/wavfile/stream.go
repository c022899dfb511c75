package wavfile

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
)

// Reading a stream: an input that cannot seek (a pipe, standard input) is read once, front to back. Its chunks
// are skipped by reading them, so a chunk that claims 4 GB costs the time to read to the end of the input but no
// memory; its length is not known, so a data size that was never written runs to the end of the input (without a
// warning: that is how a stream is written), a data chunk cut short is found when the input ends (and reported then, in Warnings), a size that wrapped past 4 GiB
// cannot be told from a right one, and a data chunk before the `fmt ` chunk cannot be read. Read returns the
// whole frames that have arrived (at least one, waiting for it), so that a live stream is decoded as it comes.

// peekSize is the stream reader's look-ahead: enough for the chunk after a pad byte that may be missing.
const peekSize = 16

func newStreamReader(in io.Reader, name string) (*Reader, error) {
	br := bufio.NewReaderSize(in, peekSize)
	r := &Reader{in: br, name: name, stream: true}
	bad := func(cause error, format string, args ...any) error {
		return &FormatError{File: name, Msg: fmt.Sprintf(format, args...), Err: cause}
	}
	readErr := func(what string, err error) error {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return bad(ErrMalformed, "the input ends in %s", what)
		}
		return bad(ErrMalformed, "cannot read %s: %v", what, err)
	}
	hdr, err := peek12(br)
	if err != nil {
		return nil, bad(ErrMalformed, "cannot read: %v", err)
	}
	if len(hdr) == 0 {
		return nil, bad(ErrNotWAV, "is empty, not a WAV file")
	}
	if skip, ok := id3Size(hdr); ok {
		if _, err := br.Discard(int(skip)); err != nil {
			return nil, bad(ErrNotWAV, "is not a WAV file (it looks like MP3)")
		}
		after, err := peek12(br)
		if err != nil {
			return nil, bad(ErrMalformed, "cannot read: %v", err)
		}
		if len(after) < 12 || !wavHeader([12]byte(after)) {
			return nil, bad(ErrNotWAV, "is not a WAV file (it looks like MP3)")
		}
		hdr = after
	}
	if kind := sniff(hdr); kind != "" {
		return nil, bad(ErrNotWAV, "is not a WAV file (it looks like %s)", kind)
	}
	if len(hdr) < 12 || !wavHeader([12]byte(hdr)) {
		return nil, bad(ErrNotWAV, "is not a WAV file (no RIFF/WAVE header)")
	}
	r.info.Container = string(hdr[:4])
	wide := r.info.Container != "RIFF"
	br.Discard(12)

	var (
		fmtChunk []byte
		ds       ds64
		claim    int64
		claim32  uint32
		off      int64 = 12 // bytes of the RIFF read, for the messages
	)
	for chunks := 0; ; chunks++ {
		var ch [8]byte
		if n, err := io.ReadFull(br, ch[:]); err != nil {
			if n == 0 && err == io.EOF {
				if fmtChunk == nil {
					return nil, bad(ErrMalformed, "has no `fmt ` chunk")
				}
				return nil, bad(ErrMalformed, "has no `data` chunk")
			}
			return nil, readErr(fmt.Sprintf("the chunk header at byte %d", off), err)
		}
		id := string(ch[:4])
		c32 := binary.LittleEndian.Uint32(ch[4:])
		csize := int64(c32)
		if wide && c32 == 0xFFFFFFFF && id != "data" {
			if big, ok := ds.lookup([4]byte(ch[:4])); ok {
				csize = int64(min(big, maxSize))
			}
		}
		var used int64 // bytes of the body read
		switch id {
		case "ds64":
			if !wide {
				break
			}
			if csize < 24 {
				return nil, bad(ErrMalformed, "has a ds64 chunk of %d bytes (at least 24 expected)", csize)
			}
			if err := readDS64(br, csize, &ds); err != nil {
				return nil, readErr("the ds64 chunk", err)
			}
			used = min(csize, 28+12*int64(ds.n))
		case "fmt ":
			if fmtChunk != nil {
				return nil, bad(ErrMalformed, "has two `fmt ` chunks")
			}
			if csize < 16 {
				return nil, bad(ErrMalformed, "has a `fmt ` chunk of %d bytes (at least 16 expected)", csize)
			}
			fmtChunk = make([]byte, min(csize, 40))
			if _, err := io.ReadFull(br, fmtChunk); err != nil {
				return nil, readErr("the `fmt ` chunk", err)
			}
			used = int64(len(fmtChunk))
		case "data":
			if fmtChunk == nil {
				return nil, bad(ErrUnsupported, "has its data chunk before its `fmt ` chunk, which cannot be read "+
					"from a stream")
			}
			claim, claim32 = csize, c32
			if wide && c32 == 0xFFFFFFFF {
				claim = int64(min(ds.data, maxSize))
			}
		}
		if id == "data" {
			break
		}
		if skipped, err := discard(br, csize-used); err != nil {
			if err == io.EOF {
				return nil, bad(ErrMalformed, "its %q chunk at byte %d claims %d bytes but the input ends %d bytes "+
					"after its start", printable(ch[:4]), off, csize, used+skipped)
			}
			return nil, readErr(fmt.Sprintf("the %q chunk", printable(ch[:4])), err)
		}
		off += 8 + csize
		if csize%2 == 1 {
			// As in a file: take the unpadded position when only it starts a plausible chunk.
			if b, _ := br.Peek(9); !plausibleAt(b, 1) && plausibleAt(b, 0) {
				off--
			} else {
				br.Discard(1)
			}
			off++
		}
		if chunks > maxChunks {
			return nil, bad(ErrMalformed, "has more than %d chunks before its audio data", maxChunks)
		}
	}
	if err := r.parseFormat(fmtChunk, bad); err != nil {
		return nil, err
	}
	fb := int64(r.frame)
	unknown := false
	switch {
	case wide && claim32 == 0xFFFFFFFF:
		unknown = ds.data == 0
	case claim32 == sizeUnknownFFmpeg:
		unknown = true
	case claim32 == 0:
		// Empty when the input ends or another chunk follows.
		b, _ := br.Peek(8)
		unknown = !plausibleAt(b, 0)
	case claim32 == sizeUnknownSoX-sizeUnknownSoX%uint32(fb):
		unknown = true // SoX writes it only where it cannot seek back
	}
	r.buf = make([]byte, max(bufSize/r.frame, 1)*r.frame)
	if unknown {
		// A writer to a pipe cannot seek back to patch the sizes, so a size not written is how a stream is
		// written (ffmpeg writes 0xFFFFFFFF, SoX its marker, an RF64 writer a ds64 of zeros): read to the end of
		// the input, with no warning. Only in a file is it the mark of a writer that died, and a warning (see dataSize).
		r.unknown = true
		r.left = maxSize - maxSize%fb
		r.info.Frames = -1
		return r, nil
	}
	if claim%fb != 0 {
		return nil, bad(ErrMalformed, "its data chunk holds %d bytes, not a whole number of %d-byte frames", claim, fb)
	}
	r.left = claim
	r.info.Frames = claim / fb
	return r, nil
}

// fillStream refills the buffer from a stream with what the input has ready, at least one whole frame: a live
// stream's frames are decoded as they arrive, not when a buffer's worth has (seconds of a low-rate stream). A
// partial frame read is kept for the next fill. r.left counts the data's bytes not yet read from the input.
func (r *Reader) fillStream() error {
	carry := copy(r.buf, r.buf[r.w:r.w+r.carry])
	r.r, r.w, r.carry = 0, 0, 0
	if r.left == 0 {
		return io.EOF
	}
	want := int(min(int64(len(r.buf)-carry), r.left))
	// A data chunk of a known size holds whole frames, so want >= r.frame-carry whenever r.left > 0.
	got, err := io.ReadAtLeast(r.in, r.buf[carry:carry+want], r.frame-carry)
	r.left -= int64(got)
	total := carry + got
	r.w = total - total%r.frame
	r.carry = total % r.frame
	if err == nil {
		return nil
	}
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		r.endStream(r.carry)
		r.carry = 0
		if r.w == 0 {
			return io.EOF
		}
		return nil
	}
	r.err = r.fail("read failed: %v", err)
	if r.w == 0 {
		return r.err
	}
	return nil // hand out the whole frames that did arrive; the error follows on the next Read
}

// endStream settles a stream that ended (got whole frames short of the data chunk's end, and partial bytes of
// one more): to the end of the input is the data's end when its size was never written; otherwise the stream
// was cut short. Partial bytes of a frame are data lost either way.
func (r *Reader) endStream(partial int) {
	delivered := (r.info.Frames*int64(r.frame) - r.left) / int64(r.frame)
	switch {
	case r.unknown:
		delivered = (maxSize - maxSize%int64(r.frame) - r.left) / int64(r.frame)
		if partial > 0 {
			r.warnings = append(r.warnings, &FormatError{File: r.name, Err: ErrTruncated, Msg: fmt.Sprintf(
				"ended within a frame after %d frames: %d bytes of a partial frame not read", delivered, partial)})
		}
	default:
		missing := r.info.Frames - delivered
		r.warnings = append(r.warnings, &TruncatedError{
			FormatError: FormatError{File: r.name, Err: ErrTruncated, Msg: fmt.Sprintf(
				"is truncated: its data chunk claims %d frames but the input held %d, %d frames (%.3f s) are "+
					"missing", r.info.Frames, delivered, missing, float64(missing)/float64(r.info.SampleRate))},
			Frames:  r.info.Frames,
			Present: delivered,
		})
	}
	r.info.Frames = delivered
	r.left = 0
}

// peek12 returns up to the first 12 bytes of br, fewer only at the end of the input.
func peek12(br *bufio.Reader) ([]byte, error) {
	b, err := br.Peek(12)
	if err == io.EOF || err == bufio.ErrBufferFull {
		err = nil
	}
	return b, err
}

// discard reads and drops n bytes; io.EOF if the input ends first.
func discard(br *bufio.Reader, n int64) (int64, error) { return io.CopyN(io.Discard, br, n) }

// plausibleAt reports whether b, the next bytes of a stream (fewer only at its end), has a chunk header at
// offset k, or ends there: as chunkIDAt does in a file.
func plausibleAt(b []byte, k int) bool {
	if len(b) < k+8 {
		return len(b) == k
	}
	for _, c := range b[k : k+4] {
		if c < 0x20 || c > 0x7E {
			return false
		}
	}
	return true
}

// NewRawReader returns a Reader of headerless PCM from in, in the format info describes (SampleRate, Channels,
// BitsPerSample and Encoding; the other fields are ignored): the output of `ffmpeg -f s16le` or `arecord -t raw`.
// It reads in once, as a stream, to its end: Info().Frames is -1 until Read returns io.EOF, and then the frames
// read; input that ends within a frame gains an ErrTruncated warning. The formats are a WAV file's: 8-bit
// unsigned, 16-, 24- or 32-bit signed integers, 32- or 64-bit floats, all little-endian; an unsupported one is
// refused with the error a WAV file of that format would get.
func NewRawReader(in io.Reader, info Info) (*Reader, error) {
	r := &Reader{in: in, stream: true, unknown: true}
	var b [16]byte
	le := binary.LittleEndian
	tag := uint16(tagPCM)
	if info.Encoding == Float {
		tag = tagFloat
	} else if info.Encoding != PCM {
		return nil, &FormatError{Msg: fmt.Sprintf("raw input has an unknown encoding %v", info.Encoding), Err: ErrEncoding}
	}
	if info.Channels < 0 || info.Channels > 0xFFFF || info.SampleRate < 0 || int64(info.SampleRate) > 0xFFFFFFFF ||
		info.BitsPerSample < 0 || info.BitsPerSample > 0xFFFF || info.Channels*info.BitsPerSample/8 > 0xFFFF {
		return nil, &FormatError{Msg: fmt.Sprintf("raw input format %v is out of range", info), Err: ErrUnsupported}
	}
	align := info.Channels * info.BitsPerSample / 8
	le.PutUint16(b[0:], tag)
	le.PutUint16(b[2:], uint16(info.Channels))
	le.PutUint32(b[4:], uint32(info.SampleRate))
	le.PutUint32(b[8:], uint32(info.SampleRate*align))
	le.PutUint16(b[12:], uint16(align))
	le.PutUint16(b[14:], uint16(info.BitsPerSample))
	bad := func(cause error, format string, args ...any) error {
		return &FormatError{Msg: "raw input " + fmt.Sprintf(format, args...), Err: cause}
	}
	if err := r.parseFormat(b[:], bad); err != nil {
		return nil, err
	}
	r.buf = make([]byte, max(bufSize/r.frame, 1)*r.frame)
	r.left = maxSize - maxSize%int64(r.frame)
	r.info.Frames = -1
	return r, nil
}
