package decode

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/levelmeter/levelmeter/audio/wavfile"
)

// aiffSource reads AIFF and AIFF-C: a FORM of chunks in which COMM gives the format and SSND holds the samples.
// Integer samples are big-endian (little-endian for AIFF-C's "sowt" and "NNni" types) and left-justified in
// whole bytes, so dividing the container by 2^(bytes*8-1) gives the value at full scale whatever the bit depth.
// The reader walks forward only, so COMM must come before SSND, as every writer puts it.
type aiffSource struct {
	r        io.Reader
	name     string
	frame    int // bytes per frame
	channels int
	left     int64 // bytes of SSND data not yet read; -1 when it runs to the end of the stream
	declared int64 // frames the SSND chunk holds (declared-left/frame read so far), -1 when it runs to the end
	rate     int
	buf      []byte
	decode   func(dst []float32, src []byte)
	err      error
}

// The AIFF-C compression types that are plain samples: bytes per sample is set by the type for the fixed ones,
// by COMM's sample size for the others.
type aiffCodec struct {
	little, float bool
	bytes         int // 0: from the sample size
}

var aiffCodecs = map[string]aiffCodec{
	"NONE": {}, "twos": {}, "in24": {bytes: 3}, "in32": {bytes: 4},
	"sowt": {little: true}, "42ni": {little: true, bytes: 4}, "23ni": {little: true, bytes: 3},
	"fl32": {float: true, bytes: 4}, "FL32": {float: true, bytes: 4},
	"fl64": {float: true, bytes: 8}, "FL64": {float: true, bytes: 8},
}

// maxAIFFChunk bounds the chunks read into memory (COMM); others are skipped without reading them whole.
const maxAIFFChunk = 4096

func newAIFF(r io.Reader, name string) (source, Info, error) {
	bad := func(cause error, format string, args ...any) error {
		return &Error{File: name, Format: AIFF, Msg: fmt.Sprintf(format, args...), Err: cause}
	}
	short := func(what string, err error) error {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return bad(ErrTruncated, "is truncated: it ends inside %s", what)
		}
		return bad(err, "cannot read %s: %v", what, err)
	}
	var hdr [12]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, Info{}, short("the FORM header", err)
	}
	aifc := string(hdr[8:12]) == "AIFC"
	var (
		info  Info
		codec aiffCodec
		comm  bool
		bytes int
	)
	for chunks := 0; ; chunks++ {
		if chunks > 10000 {
			return nil, Info{}, bad(ErrMalformed, "has more than 10000 chunks before its sound data")
		}
		var ch [8]byte
		if _, err := io.ReadFull(r, ch[:]); err != nil {
			if err == io.EOF {
				if !comm {
					return nil, Info{}, bad(ErrMalformed, "has no COMM chunk: it is damaged or not an AIFF file")
				}
				return nil, Info{}, bad(ErrMalformed, "has no SSND chunk: it holds no sound data")
			}
			return nil, Info{}, short("a chunk header", err)
		}
		id := string(ch[:4])
		size := int64(binary.BigEndian.Uint32(ch[4:]))
		switch id {
		case "COMM":
			if comm {
				return nil, Info{}, bad(ErrMalformed, "has two COMM chunks")
			}
			if size < 18 || size > maxAIFFChunk {
				return nil, Info{}, bad(ErrMalformed, "has a COMM chunk of %d bytes", size)
			}
			b := make([]byte, size+size%2)
			if _, err := io.ReadFull(r, b); err != nil {
				return nil, Info{}, short("the COMM chunk", err)
			}
			var err error
			info, codec, bytes, err = parseCOMM(b[:size], aifc)
			if err != nil {
				var cause quiet // every error of parseCOMM wraps its cause in one
				errors.As(err, &cause)
				return nil, Info{}, bad(cause.error, "%s", err.Error())
			}
			comm = true
		case "SSND":
			if !comm {
				return nil, Info{}, bad(ErrNeedsSeek, "has its sound data before its COMM chunk, which cannot be "+
					"read from a stream")
			}
			var off [8]byte
			if _, err := io.ReadFull(r, off[:]); err != nil {
				return nil, Info{}, short("the SSND chunk", err)
			}
			skip := int64(binary.BigEndian.Uint32(off[:4]))
			if _, err := io.CopyN(io.Discard, r, skip); err != nil {
				return nil, Info{}, short("the SSND chunk", err)
			}
			s := &aiffSource{r: r, name: name, frame: bytes * info.Channels, channels: info.Channels, left: -1}
			if size != 0 {
				// 0 is what ffmpeg writes to a pipe: the data runs to the end.
				s.left = size - 8 - skip
				if s.left < 0 {
					return nil, Info{}, bad(ErrMalformed, "has an SSND chunk of %d bytes with a data offset of %d",
						size, skip)
				}
				s.left -= s.left % int64(s.frame)
			}
			s.decode = aiffDecoder(codec, bytes)
			s.buf = make([]byte, max(bufFrames*s.frame, s.frame))
			if !codec.float {
				info.ClipLevel = clipLevel(info.BitsPerSample)
			}
			if s.left >= 0 {
				// The SSND chunk's size decides, as it does for ffmpeg; COMM's frame count is often 0 in streams.
				info.Frames = s.left / int64(s.frame)
			} else {
				info.Frames = -1
			}
			s.declared, s.rate = info.Frames, info.SampleRate
			return s, info, nil
		default:
			if _, err := io.CopyN(io.Discard, r, size+size%2); err != nil {
				return nil, Info{}, short(fmt.Sprintf("its %q chunk", printableID(ch[:4])), err)
			}
		}
	}
}

// errMalformed marks an error as ErrMalformed without adding to its text.
// ffmpegCompressions are the AIFF-C compression types ffmpeg decodes and this package does not: an AIFF-C file
// in one of them goes to ffmpeg when it is installed.
var ffmpegCompressions = map[string]bool{
	"ulaw": true, "ULAW": true, "alaw": true, "ALAW": true, "ima4": true, "MAC3": true, "MAC6": true,
	"GSM ": true, "QDM2": true, "QDMC": true, "Qclp": true,
}

// errCompressed is the cause of an AIFF-C compression in ffmpegCompressions.
var errCompressed = fmt.Errorf("compressed sound: %w", ErrEncoding)

// The causes of parseCOMM's errors, which add nothing to their text.
var (
	errMalformed    error = quiet{ErrMalformed}
	errEncoding     error = quiet{ErrEncoding}
	errChannelCount error = quiet{ErrChannelCount}
)

type quiet struct{ error }

func (q quiet) Error() string { return "" }
func (q quiet) Unwrap() error { return q.error }

// bufFrames is how many frames an aiffSource reads at a time.
const bufFrames = 8192

// parseCOMM reads a COMM chunk body. Its errors say what is wrong, and wrap ErrMalformed for a damaged header,
// ErrEncoding or ErrChannelCount for a sound this package does not decode.
func parseCOMM(b []byte, aifc bool) (Info, aiffCodec, int, error) {
	be := binary.BigEndian
	channels := int(be.Uint16(b[0:]))
	bits := int(int16(be.Uint16(b[6:])))
	rate := extended(b[8:18])
	codec := aiffCodec{}
	if aifc {
		if len(b) < 22 {
			return Info{}, codec, 0, fmt.Errorf("has an AIFF-C COMM chunk of %d bytes, without a compression type%w", len(b), errMalformed)
		}
		var ok bool
		codec, ok = aiffCodecs[string(b[18:22])]
		if !ok {
			cause := errEncoding
			if ffmpegCompressions[string(b[18:22])] {
				cause = quiet{errCompressed}
			}
			return Info{}, codec, 0, fmt.Errorf("is compressed as %q, not PCM or float%w", printableID(b[18:22]),
				cause)
		}
	}
	if channels < 1 {
		return Info{}, codec, 0, fmt.Errorf("has %d channels%w", channels, errMalformed)
	}
	if channels > MaxChannels {
		// Refused here, before the read buffer is sized for them.
		return Info{}, codec, 0, fmt.Errorf("has %d channels, more than %d%w", channels, MaxChannels, errChannelCount)
	}
	if math.IsNaN(rate) || rate < wavfile.MinSampleRate || rate > wavfile.MaxSampleRate {
		return Info{}, codec, 0, fmt.Errorf("has a sample rate of %g Hz, outside %d to %d Hz: the header is "+
			"damaged%w", rate, wavfile.MinSampleRate, wavfile.MaxSampleRate, errMalformed)
	}
	bytes := codec.bytes
	if bytes == 0 {
		if bits < 1 || bits > 32 {
			return Info{}, codec, 0, fmt.Errorf("holds %d-bit samples, not 1 to 32%w", bits, errEncoding)
		}
		bytes = (bits + 7) / 8
	} else {
		bits = bytes * 8 // the type fixes the size; COMM's may disagree
	}
	// Old Macintosh rates such as 22254.5454 Hz are not whole; the meters count whole frames per second.
	info := Info{Format: AIFF, SampleRate: int(math.Round(rate)), Channels: channels, BitsPerSample: bits,
		Float: codec.float}
	return info, codec, bytes, nil
}

// extended decodes an IEEE 754 80-bit extended float, as COMM holds the sample rate.
func extended(b []byte) float64 {
	sign := b[0] >> 7
	exp := int(binary.BigEndian.Uint16(b[0:2]) & 0x7FFF)
	mant := binary.BigEndian.Uint64(b[2:10])
	if exp == 0x7FFF {
		return math.NaN()
	}
	v := math.Ldexp(float64(mant), exp-16383-63)
	if sign != 0 {
		v = -v
	}
	return v
}

func (s *aiffSource) read(dst []float32) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	want := min(len(dst)/s.channels*s.frame, len(s.buf))
	if s.left >= 0 {
		want = int(min(int64(want), s.left))
		if want == 0 {
			return 0, io.EOF
		}
	}
	n, err := io.ReadAtLeast(s.r, s.buf[:want], s.frame)
	if rem := n % s.frame; rem != 0 && err == nil {
		// A read may end inside a frame; complete it (want is whole frames, so there is room).
		var m int
		m, err = io.ReadFull(s.r, s.buf[n:n+s.frame-rem])
		n += m
	}
	n -= n % s.frame // a partial frame at the very end of a stream is not audio
	if s.left >= 0 {
		s.left -= int64(n)
	}
	if err != nil {
		switch {
		case s.left < 0 && (err == io.EOF || err == io.ErrUnexpectedEOF):
			err = io.EOF // a stream without a size ends where it ends
		case err == io.EOF || err == io.ErrUnexpectedEOF:
			err = truncated(s.name, AIFF, s.rate, s.declared-s.left/int64(s.frame), s.declared, "is truncated: it ends", "")
		default:
			err = &Error{File: s.name, Format: AIFF, Err: err, Msg: "read failed: " + err.Error()}
		}
		s.err = err
		if n == 0 {
			return 0, err
		}
	}
	samples := n / s.frame * s.channels
	s.decode(dst[:samples], s.buf[:n])
	return samples, nil
}

func (s *aiffSource) close() error { return nil }

// aiffDecoder returns the conversion for a codec and a sample size in bytes.
func aiffDecoder(c aiffCodec, bytes int) func(dst []float32, src []byte) {
	switch {
	case c.float && bytes == 4:
		return func(dst []float32, src []byte) {
			for i := range dst {
				dst[i] = math.Float32frombits(binary.BigEndian.Uint32(src[4*i:]))
			}
		}
	case c.float:
		return func(dst []float32, src []byte) {
			for i := range dst {
				dst[i] = float32(math.Float64frombits(binary.BigEndian.Uint64(src[8*i:])))
			}
		}
	}
	// The common sizes get loops of their own, about four times faster than the general one below.
	switch {
	case !c.little && bytes == 2:
		return func(dst []float32, src []byte) {
			for i := range dst {
				dst[i] = float32(int16(binary.BigEndian.Uint16(src[2*i:]))) * (1.0 / (1 << 15))
			}
		}
	case !c.little && bytes == 3:
		return func(dst []float32, src []byte) {
			for i := range dst {
				b := src[3*i : 3*i+3]
				dst[i] = float32(int32(uint32(b[0])<<24|uint32(b[1])<<16|uint32(b[2])<<8)>>8) * (1.0 / (1 << 23))
			}
		}
	case c.little && bytes == 2:
		return func(dst []float32, src []byte) {
			for i := range dst {
				dst[i] = float32(int16(binary.LittleEndian.Uint16(src[2*i:]))) * (1.0 / (1 << 15))
			}
		}
	}
	return aiffInt(c.little, bytes)
}

// aiffInt converts integer samples of any size from 1 to 4 bytes: it assembles the container's bytes at the top
// of an int32, then scales by 2^-31. Through float64 so that 32-bit samples round once, to float32's 24 bits; 24
// bits and fewer are exact either way.
func aiffInt(little bool, bytes int) func(dst []float32, src []byte) {
	c := aiffCodec{little: little}
	return func(dst []float32, src []byte) {
		for i := range dst {
			b := src[i*bytes : i*bytes+bytes]
			var v uint32
			for k := range bytes {
				if c.little {
					v |= uint32(b[k]) << (8 * (4 - bytes + k))
				} else {
					v |= uint32(b[k]) << (8 * (3 - k))
				}
			}
			dst[i] = float32(float64(int32(v)) * (1.0 / (1 << 31)))
		}
	}
}

func printableID(id []byte) string {
	out := make([]byte, len(id))
	for i, c := range id {
		if c < 0x20 || c > 0x7E {
			c = '?'
		}
		out[i] = c
	}
	return string(out)
}
