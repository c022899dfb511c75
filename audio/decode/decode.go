// Package decode opens an audio file or stream of any common format and reads it as interleaved float32 frames,
// the shape dsp.Meter takes.
//
// Guarantees:
//   - The format is told by the first bytes, never by the name: a FLAC file called x.wav is read as FLAC.
//   - No input needs to seek: a pipe or standard input is read forward only, through a small peek buffer for the
//     detection. Memory does not depend on the length of the input.
//   - Lossless formats decode exactly: integer samples are divided by 2^(bits-1), so 16- and 24-bit WAV, FLAC
//     and AIFF give the same float32 values as ffmpeg's pcm_f32le decode, bit for bit (tested against ffmpeg).
//   - Info.ClipLevel is the positive integer extreme of integer formats (32767/32768 for 16 bits), so a meter
//     counts both extremes as clipped; it is 0 (meaning full scale) for float and lossy formats.
//   - Read converts into the caller's slice and allocates nothing itself (the FLAC, MP3 and Vorbis decoders
//     underneath allocate a few times per codec frame of about 1k to 4k samples; see TestReadAllocs).
//   - Formats without a pure-Go decoder here (Opus, CAF, MP4/M4A, WMA, ...) are decoded by ffmpeg run as a child
//     process when it is on the PATH; Close kills and reaps it. When it is not, Open fails with an error that
//     names the format and wraps ErrNeedsFFmpeg, so that the command can say how to install it. A WAV or RF64
//     file whose encoding audio/wavfile does not decode (µ-law, A-law, ADPCM, GSM, MP3 in WAV) goes to ffmpeg
//     too, from a path or from a stream (the header wavfile read is handed to ffmpeg again); without ffmpeg the
//     error names the encoding and wraps both ErrNeedsFFmpeg and wavfile.ErrEncoding. So does an AIFF-C file
//     compressed in a way read here only by ffmpeg (µ-law, A-law, IMA ADPCM, MACE), with ErrEncoding.
//     ffmpeg exits 0 when it cannot read its input from a pipe (an MP4/M4A whose index follows the audio): a
//     child that decoded no audio and wrote an error is an ErrFFmpeg error with ffmpeg's words, which wraps
//     ErrNeedsSeek when the input was a stream.
//   - Errors state the condition only ("is Ogg Opus, which needs ffmpeg, and ffmpeg is not installed"), with a
//     sentinel cause for errors.Is; what to do about it is the caller's to say.
//   - An input cut short (an interrupted copy) is said the same way in every format that can tell (FLAC, Ogg
//     Vorbis, AIFF, MP3 with a Xing/LAME header; WAV through audio/wavfile, as a warning): Read hands out every
//     frame decoded before the cut, then fails with an *Error wrapping ErrTruncated, one line that starts "is
//     truncated" and says after how many frames (and, where the header declares a length, how many are
//     missing). A caller that measures what there is takes that error as the end, with a warning. Through
//     ffmpeg, a FLAC frame that cannot be decoded stops the decode as a cut does ("is truncated or damaged");
//     ffmpeg reads a cut Opus or MP4 as far as it goes and says nothing, so neither does this package.
//
// Decoders: WAV through audio/wavfile; FLAC through ffmpeg when it is installed (2 to 3 times faster), else
// github.com/mewkiz/flac, both bit-exact (see flac_ffmpeg.go); MP3 through
// github.com/hajimehoshi/go-mp3; Ogg Vorbis through github.com/jfreymuth/vorbis with the Ogg pages read here;
// AIFF and AIFF-C here. Ogg Vorbis decodes as ffmpeg's decode does, frame count and overshoot above full scale
// included (tested).
//
// Known limits of go-mp3 against ffmpeg's float MP3 decoder: it decodes to 16-bit integers, so MP3 material that
// decodes above full scale shows a sample peak of 0 dBFS where ffmpeg shows the overshoot (measured: +1.70 dBFS
// read as 0.00), and the true peak is computed from the clamped samples; and it does not decode MPEG-2.5 (8 to
// 12 kHz). The Xing/Info header frame, the encoder delay and the padding that a LAME tag declares are dropped
// here as ffmpeg drops them, so an MP3 decodes to ffmpeg's length with its samples at ffmpeg's times (see
// TestMP3GaplessAgainstFFmpeg). Levels of material below full scale agree within a few hundredths of a dB (see
// TestLossyAgainstFFmpeg).
package decode

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"strconv"

	"github.com/levelmeter/levelmeter/audio/wavfile"
)

// MaxChannels is the largest channel count a Reader accepts, audio/wavfile's.
const MaxChannels = wavfile.MaxChannels

// Sentinel causes, for errors.Is on the errors this package returns. Errors from audio/wavfile (for WAV input)
// are returned as they are and match wavfile's sentinels instead.
var (
	ErrUnknownFormat = errors.New("unknown audio format")
	ErrNeedsFFmpeg   = errors.New("needs ffmpeg, which is not installed")
	ErrUnsupported   = errors.New("unsupported audio format")
	ErrMalformed     = errors.New("malformed audio file")
	ErrTruncated     = errors.New("truncated audio file")
	ErrFFmpeg        = errors.New("ffmpeg failed")

	// Finer causes of ErrUnsupported (errors.Is(err, ErrUnsupported) holds for each), for callers whose remedy
	// differs: a sample encoding to convert, channels to extract.
	ErrEncoding     = fmt.Errorf("unsupported sample encoding: %w", ErrUnsupported)
	ErrChannelCount = fmt.Errorf("too many channels: %w", ErrUnsupported)

	// ErrNeedsSeek, also a finer cause of ErrUnsupported, is the cause of an input given as a stream that can be
	// read only from a file that seeks (an AIFF whose sound data precedes its header, an MP4 whose index
	// follows its audio).
	ErrNeedsSeek = fmt.Errorf("cannot be read from a stream: %w", ErrUnsupported)
)

// An Error reports what is wrong with an input.
type Error struct {
	File   string // the input's name as given; empty when none was
	Format Format // the detected format, Unknown before detection
	Msg    string // what is wrong
	Err    error  // one of the sentinels above, or an I/O error
}

func (e *Error) Error() string {
	if e.File == "" {
		return "decode: " + e.Msg
	}
	return e.File + ": " + e.Msg
}

func (e *Error) Unwrap() error { return e.Err }

// Info describes a decoded input.
type Info struct {
	Format     Format
	SampleRate int
	Channels   int
	// BitsPerSample is the size of the stored integer samples (16, 24, ...), or of the float samples when Float
	// is set; 0 for lossy formats and for formats decoded by ffmpeg.
	BitsPerSample int
	Float         bool
	// ClipLevel is the |x| at or above which a sample is at an integer format's extreme, for dsp.Config; 0 when
	// the format has no integer full scale.
	ClipLevel float64
	// Frames is the number of frames the input declares, or -1 when it does not (streamed WAV, MP3 without a
	// Xing/Info header, ffmpeg).
	Frames int64
	// WAV is audio/wavfile's description, for WAV input that wavfile decodes.
	WAV wavfile.Info
	// FFmpeg is set when an ffmpeg child process decodes the input.
	FFmpeg bool
}

// String describes the format as a person would: "FLAC, 48000 Hz, 2 channels, 24-bit". WAV input is described
// by audio/wavfile ("48000 Hz, 2 channels, 24-bit PCM (extensible)"), as levelmeter always has.
func (i Info) String() string {
	if i.Format == WAV && !i.FFmpeg {
		return i.WAV.String()
	}
	ch := "channels"
	if i.Channels == 1 {
		ch = "channel"
	}
	s := fmt.Sprintf("%v, %d Hz, %d %s", i.Format, i.SampleRate, i.Channels, ch)
	switch {
	case i.Float:
		s += fmt.Sprintf(", %d-bit float", i.BitsPerSample)
	case i.BitsPerSample > 0:
		s += fmt.Sprintf(", %d-bit", i.BitsPerSample)
	}
	if i.FFmpeg {
		s += " (decoded by ffmpeg)"
	}
	return s
}

// clipLevel is the positive extreme of bits-bit integer samples, as float32 holds it: the level at which a
// meter counts a sample as clipped.
func clipLevel(bits int) float64 {
	full := math.Ldexp(1, bits-1)
	return float64(float32((full - 1) / full))
}

// A source decodes one format. read fills dst (a whole number of frames, at least one) and returns the samples
// decoded, a multiple of the channel count: n > 0 with a nil error, or 0 with io.EOF or another error.
type source interface {
	read(dst []float32) (int, error)
	close() error
}

// A Reader decodes an input to interleaved float32 frames. It is not safe for concurrent use.
type Reader struct {
	info Info
	src  source
	file *os.File // closed by Close when Open opened it
	err  error    // sticky
}

// peekSize is the detection buffer and the read buffer for decoders that read through it. 64 kB keeps reads
// from a file few without holding much.
const peekSize = 64 << 10

// Open opens the named file. A name that is not a regular file (a FIFO, /dev/stdin) is read as a stream, forward
// only. Errors name the file.
func Open(name string) (*Reader, error) {
	f, err := os.Open(name)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return nil, &Error{File: name, Msg: pe.Err.Error(), Err: err}
		}
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, &Error{File: name, Msg: err.Error(), Err: err}
	}
	if st.IsDir() {
		f.Close()
		return nil, &Error{File: name, Msg: "is a directory, not an audio file", Err: ErrUnknownFormat}
	}
	r, err := newReader(f, name, st.Mode().IsRegular(), true)
	if err != nil {
		f.Close()
		return nil, err
	}
	r.file = f
	return r, nil
}

// NewReader reads an input from r, which need not seek (standard input, a pipe, a network stream). name is used
// in errors only and may be empty. Closing the Reader does not close r.
func NewReader(r io.Reader, name string) (*Reader, error) {
	if f, ok := r.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
			return newReader(f, name, true, false)
		}
	}
	return newReader(r, name, false, false)
}

// newReader detects the format of in and opens its decoder. regular says in is an *os.File of a regular file,
// which can seek; byPath that name is its path, which ffmpeg can open itself.
func newReader(in io.Reader, name string, regular, byPath bool) (*Reader, error) {
	bad := func(f Format, cause error, format string, args ...any) error {
		return &Error{File: name, Format: f, Msg: fmt.Sprintf(format, args...), Err: cause}
	}
	var start int64
	if regular {
		// A regular file (standard input redirected from one included) may not be at its start.
		off, err := in.(*os.File).Seek(0, io.SeekCurrent)
		if err != nil {
			regular = false
		}
		start = off
	}
	br := bufio.NewReaderSize(in, peekSize)
	head, err := br.Peek(SniffLen)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return nil, bad(Unknown, err, "cannot read: %v", err)
	}
	if len(head) == 0 {
		return nil, bad(Unknown, ErrUnknownFormat, "is empty, not an audio file")
	}
	// An ID3v2 tag says nothing about the audio; skip it to see what follows.
	skipped := int64(0)
	if n := id3Size(head); n > 0 {
		if d, err := br.Discard(int(n)); err != nil {
			return nil, bad(Unknown, ErrTruncated, "ends inside its ID3 tag (%d of %d bytes)", d, n)
		}
		skipped = n
		head, err = br.Peek(SniffLen)
		if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
			return nil, bad(Unknown, err, "cannot read: %v", err)
		}
	}
	format := Detect(head)
	if format == Unknown && skipped > 0 {
		// Some taggers leave padding or junk between an ID3 tag and the first MPEG frame. A tag is strong
		// evidence of MP3: look for the first frame header in what has been read ahead.
		ahead, _ := br.Peek(min(br.Buffered(), 4096))
		for i := range ahead {
			if mpegAudioHeader(ahead[i:]) {
				br.Discard(i)
				head, _ = br.Peek(SniffLen)
				format = MP3
				break
			}
		}
	}

	r := &Reader{}
	var src source
	// The input is the named file whole, from its start: ffmpeg, where it decodes, can open the file itself.
	ffmpegByName := byPath && regular && start == 0 && skipped == 0
	switch format {
	case WAV:
		if regular && skipped == 0 {
			f := in.(*os.File)
			size, serr := f.Seek(0, io.SeekEnd)
			if serr != nil {
				return nil, bad(WAV, serr, "cannot find the file's size: %v", serr)
			}
			// wavfile reads from the start of what it is given: the file's, or standard input's where it stands.
			src, r.info, err = newWAV(io.NewSectionReader(f, start, size-start), name)
			if errors.Is(err, wavfile.ErrEncoding) {
				// An encoding wavfile does not decode (µ-law, A-law, ADPCM, GSM, MP3 in WAV): ffmpeg may.
				var in io.Reader // ffmpeg opens the file by its name
				if !ffmpegByName {
					if _, serr := f.Seek(start, io.SeekStart); serr != nil {
						return nil, bad(WAV, serr, "cannot seek back to the start: %v", serr)
					}
					in = f
				}
				src, r.info, err = viaFFmpeg(WAV, name, err, in)
			}
		} else {
			rec := &recorder{r: br, on: true}
			src, r.info, err = newWAV(stream{rec}, name)
			if errors.Is(err, wavfile.ErrEncoding) && !rec.over {
				src, r.info, err = viaFFmpeg(WAV, name, err, io.MultiReader(bytes.NewReader(rec.buf), br))
			}
			rec.stop()
		}
	case FLAC:
		took := false
		if flacByFFmpeg && hasFFmpeg() {
			var in io.Reader = br
			if ffmpegByName {
				in = nil // ffmpeg reads the file itself
			}
			// The first bytes are still in br (peeked, not read): the stream info is there.
			head, _ := br.Peek(42)
			src, r.info, took, err = newFLACByFFmpeg(head, name, in)
		}
		if !took {
			src, r.info, err = newFLAC(br, name)
		}
	case MP3:
		src, r.info, err = newMP3(br, name)
	case Vorbis:
		src, r.info, err = newVorbis(br, name)
	case AIFF:
		rec := &recorder{r: br, on: true}
		src, r.info, err = newAIFF(rec, name)
		if errors.Is(err, errCompressed) && !rec.over {
			// AIFF-C compressed as µ-law, A-law, IMA ADPCM, MACE, ...: ffmpeg decodes it.
			var in io.Reader = io.MultiReader(bytes.NewReader(rec.buf), br)
			if ffmpegByName {
				in = nil // ffmpeg reads the file itself
			}
			src, r.info, err = viaFFmpeg(AIFF, name, err, in)
		}
		rec.stop()
	case Unknown:
		return nil, bad(Unknown, ErrUnknownFormat, "is not in a known audio format (it starts with %s)",
			describeBytes(head))
	default:
		if ffmpegByName {
			src, r.info, err = newFFmpeg(format, name, nil)
		} else {
			src, r.info, err = newFFmpeg(format, name, br)
		}
	}
	if err != nil {
		return nil, err
	}
	r.info.Format = format
	if r.info.Channels > MaxChannels {
		src.close()
		return nil, bad(format, ErrChannelCount, "has %d channels, more than %d", r.info.Channels, MaxChannels)
	}
	r.src = src
	return r, nil
}

// describeBytes shows the first bytes of an unknown input: as text when they are printable, else in hex.
func describeBytes(b []byte) string {
	b = b[:min(len(b), 8)]
	for _, c := range b {
		if c < 0x20 || c > 0x7E {
			return fmt.Sprintf("bytes % x", b)
		}
	}
	return strconv.Quote(string(b))
}

// Info returns the input's format.
func (r *Reader) Info() Info { return r.info }

// Warnings returns what audio/wavfile found wrong with a WAV input's header and read past rather than refused
// (see wavfile.Reader.Warnings), nil for other inputs. A stream adds the warning it finds at its end: read
// Warnings again after io.EOF.
func (r *Reader) Warnings() []error {
	if w, ok := r.src.(*wavSource); ok {
		return w.r.Warnings()
	}
	return nil
}

// Read decodes up to len(dst) samples of whole frames into dst and returns the number of samples decoded, a
// multiple of the channel count. It returns n > 0 with a nil error until the input is exhausted, then 0, io.EOF;
// it never returns n > 0 together with an error. If len(dst) is smaller than one frame it returns 0,
// io.ErrShortBuffer. An error other than io.EOF is sticky.
func (r *Reader) Read(dst []float32) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	ch := r.info.Channels
	if len(dst) < ch {
		return 0, io.ErrShortBuffer
	}
	n, err := r.src.read(dst[:len(dst)/ch*ch])
	if err != nil && err != io.EOF {
		r.err = err
	}
	return n, err
}

// Close releases the input: it stops the ffmpeg child when there is one and closes the file Open opened.
func (r *Reader) Close() error {
	err := r.src.close()
	if r.file != nil {
		if cerr := r.file.Close(); err == nil {
			err = cerr
		}
		r.file = nil
	}
	return err
}

// truncated is how every decoder here says that an input was cut short, in one form, so that a caller can tell
// it by ErrTruncated and a person reads the same words for every format: "is truncated: it ends inside a FLAC
// frame after 2880 frames (0.060 s) of the 48000 its header declares: 45120 frames (0.940 s) are missing".
// lead says what happened ("is truncated: it ends inside a FLAC frame"); done are the frames delivered before
// it, all of which Read has handed out before it returns the error; declared is the length the input declares,
// or -1 (or 0) when it does not; detail, when not empty, is added in parentheses (ffmpeg's own words).
func truncated(name string, format Format, rate int, done, declared int64, lead, detail string) error {
	secs := func(n int64) float64 {
		if rate <= 0 {
			return 0
		}
		return float64(n) / float64(rate)
	}
	msg := fmt.Sprintf("%s after %d frames (%.3f s)", lead, done, secs(done))
	if declared > done {
		msg += fmt.Sprintf(" of the %d its header declares: %d frames (%.3f s) are missing", declared,
			declared-done, secs(declared-done))
	}
	if detail != "" {
		msg += " (" + detail + ")"
	}
	return &Error{File: name, Format: format, Err: ErrTruncated, Msg: msg}
}

// maxReplay bounds the bytes a recorder keeps: a WAV header, and the few chunks that precede its `fmt ` chunk.
const maxReplay = 1 << 20

// A recorder keeps what is read through it, up to maxReplay bytes, while on: the start of a stream that a native
// decoder has read and refused, for ffmpeg to read again from the start.
type recorder struct {
	r    io.Reader
	buf  []byte
	on   bool
	over bool // more than maxReplay bytes were read while on: the start cannot be replayed
}

func (c *recorder) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if c.on {
		if len(c.buf)+n > maxReplay {
			c.over, c.on, c.buf = true, false, nil
		} else {
			c.buf = append(c.buf, p[:n]...)
		}
	}
	return n, err
}

// stop ends the recording and lets the recording go.
func (c *recorder) stop() { c.on, c.buf = false, nil }

// viaFFmpeg decodes with ffmpeg an input whose encoding a native decoder refused (cause): the named file when in
// is nil, else in, which holds the input from its start. Without ffmpeg, the error is cause's condition and
// wraps both ErrNeedsFFmpeg and cause; when ffmpeg cannot decode it either (an unknown format tag), it is
// cause's condition and ffmpeg's, and wraps both ErrFFmpeg and cause.
func viaFFmpeg(format Format, name string, cause error, in io.Reader) (source, Info, error) {
	msg := cause.Error()
	var fe *wavfile.FormatError
	var de *Error
	switch {
	case errors.As(cause, &fe):
		msg = fe.Msg
	case errors.As(cause, &de):
		msg = de.Msg
	}
	if !hasFFmpeg() {
		return nil, Info{}, &Error{File: name, Format: format, Err: fmt.Errorf("%w: %w", ErrNeedsFFmpeg, cause),
			Msg: msg + ": it needs ffmpeg, which is not installed"}
	}
	src, info, err := newFFmpeg(format, name, in)
	var fail *Error
	if errors.As(err, &fail) && errors.Is(err, ErrFFmpeg) {
		return nil, Info{}, &Error{File: name, Format: format, Err: fmt.Errorf("%w: %w", fail.Err, cause),
			Msg: msg + ", and " + fail.Msg}
	}
	return src, info, err
}
