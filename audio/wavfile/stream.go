package wavfile

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"strings"
)

// Reading a stream: an input that cannot seek (a pipe, standard input) is read once, front to back. Its chunks
// are skipped by reading them, so a chunk that claims 4 GB costs the time to read to the end of the input but no
// memory; its length is not known, so a data size that was never written runs to the end of the input, a data
// chunk cut short is found when the input ends (and reported then, in Warnings), a size that wrapped past 4 GiB
// cannot be told from a right one, and a data chunk before the `fmt ` chunk cannot be read.

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
		r.unknown = true
		r.left = maxSize - maxSize%fb
		r.info.Frames = -1
		r.sizeNote = len(r.warnings)
		r.warn(ErrSizeUnknown, "its data chunk size was never written (0x%08X): reading to the end of the input",
			claim32)
		return r, nil
	}
	if claim%fb != 0 {
		return nil, bad(ErrMalformed, "its data chunk holds %d bytes, not a whole number of %d-byte frames", claim, fb)
	}
	r.left = claim
	r.info.Frames = claim / fb
	return r, nil
}

// endStream settles a stream that ended (got whole frames short of the data chunk's end, and partial bytes of
// one more): to the end of the input is the data's end when its size was never written, and its warning now says
// how much was read; otherwise the stream was cut short.
func (r *Reader) endStream(partial int) {
	delivered := r.info.Frames - r.left/int64(r.frame)
	if r.unknown {
		delivered = (maxSize - maxSize%int64(r.frame) - r.left) / int64(r.frame)
		w := r.warnings[r.sizeNote].(*FormatError)
		msg := fmt.Sprintf("%s: read to the end of the input, %d frames (%.3f s)", strings.TrimSuffix(w.Msg,
			": reading to the end of the input"), delivered, float64(delivered)/float64(r.info.SampleRate))
		if partial > 0 {
			msg += fmt.Sprintf(" (and %d bytes of a partial frame, not read)", partial)
		}
		r.warnings[r.sizeNote] = &FormatError{File: w.File, Msg: msg, Err: w.Err}
	} else {
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
