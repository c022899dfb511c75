package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"os"

	"github.com/levelmeter/levelmeter/audio/decode"
	"github.com/levelmeter/levelmeter/audio/wavfile"
	"github.com/levelmeter/levelmeter/dsp"
)

// A frameReader is an opened audio file as analyze measures it: interleaved float32 frames, and what its
// reader found wrong with the file and read past. A wavfile.Reader is one; a decoder of another format
// becomes one by the same three methods, and openAudio chooses among them.
type frameReader interface {
	// Read decodes whole frames into dst and returns the samples decoded; 0, io.EOF at the end.
	Read(dst []float32) (int, error)
	// Warnings lists what was read past rather than refused; read again after io.EOF (a stream adds what it
	// finds at its end).
	Warnings() []error
	Close() error
}

// A fileFormat is what analyze needs to know of an opened file besides its frames.
type fileFormat struct {
	Description string // as the report's format line shows it: "48000 Hz, 2 channels, 24-bit PCM"
	SampleRate  int
	Channels    int
	ChannelMask uint32  // WAVE_FORMAT_EXTENSIBLE's, or 0 for none: the layout is then the channel count's default
	ClipLevel   float64 // the |x| that counts as clipped, 0 for full scale
}

// openAudio opens the named input for measuring: a file, a named pipe or /dev/stdin, or "-" for standard input.
// A WAV file is read by audio/wavfile, so that what its reader reads past (a size never written, a size that
// wrapped, a file cut short) reaches the report and --strict, the channel mask sets the layout, and a long file
// can be measured in parts; a WAV encoding wavfile does not decode (µ-law, ADPCM, ...), every other format and
// every stream are read by audio/decode, which passes wavfile's warnings and mask on for WAV and hands to ffmpeg
// what only ffmpeg decodes. The format is told by the first bytes, never by the name. Nothing seeks on a pipe.
func openAudio(name string) (frameReader, fileFormat, error) {
	if name == "-" {
		return openStream(os.Stdin, "-", nil)
	}
	st, err := os.Stat(name)
	if err != nil || st.IsDir() {
		return openWAV(name) // wavfile says what is wrong, as analyze always has
	}
	if !st.Mode().IsRegular() {
		f, err := os.Open(name)
		if err != nil {
			return openWAV(name)
		}
		return openStream(f, name, f)
	}
	if format, ok := sniff(name); !ok || format == decode.WAV {
		return openWAV(name) // a file that cannot be read is reported as analyze always has
	}
	r, err := decode.Open(name)
	if err != nil {
		return nil, fileFormat{}, err
	}
	return decodedFile(r, nil)
}

// sniff tells the format of a regular file by its first bytes; ok is false when it cannot be read (opening it
// again then says why).
func sniff(name string) (f decode.Format, ok bool) {
	file, err := os.Open(name)
	if err != nil {
		return decode.Unknown, false
	}
	defer file.Close()
	head := make([]byte, decode.SniffLen)
	n, err := io.ReadFull(file, head)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return decode.Unknown, false
	}
	return decode.Detect(head[:n]), true
}

func openWAV(name string) (frameReader, fileFormat, error) {
	r, err := wavfile.Open(name)
	if errors.Is(err, wavfile.ErrEncoding) {
		// µ-law, A-law, ADPCM, GSM, MP3 in WAV, ...: ffmpeg decodes them when it is installed.
		d, derr := decode.Open(name)
		if derr != nil {
			return nil, fileFormat{}, derr
		}
		return decodedFile(d, nil)
	}
	if err != nil {
		return nil, fileFormat{}, err
	}
	return r, wavFormat(r.Info()), nil
}

func wavFormat(info wavfile.Info) fileFormat {
	f := fileFormat{Description: info.String(), SampleRate: info.SampleRate, Channels: info.Channels,
		ChannelMask: info.ChannelMask}
	if info.Encoding == wavfile.PCM {
		// The positive integer extreme is one step short of 1.0 and is a clipped sample too.
		full := math.Ldexp(1, info.BitsPerSample-1)
		f.ClipLevel = float64(float32((full - 1) / full))
	}
	return f
}

// openStream reads in front to back (standard input, a pipe); closer, when not nil, is closed with the reader.
func openStream(in io.Reader, name string, closer io.Closer) (frameReader, fileFormat, error) {
	// A bufio.Reader cannot seek: a WAV is read as a stream, sizes never written included, even when standard
	// input is a regular file.
	r, err := decode.NewReader(bufio.NewReader(in), name)
	if err != nil {
		closeIf(closer)
		return nil, fileFormat{}, err
	}
	return decodedFile(r, closer)
}

func closeIf(c io.Closer) {
	if c != nil {
		c.Close()
	}
}

// closing is a frameReader that closes what it reads from with itself.
type closing struct {
	frameReader
	also io.Closer
}

func (c closing) Close() error {
	err := c.frameReader.Close()
	if c.also != nil {
		if e := c.also.Close(); err == nil {
			err = e
		}
	}
	return err
}

// decoded is a frameReader of audio/decode, which reports a file cut short as an error after the last frame
// before the cut: here that is the end, and a warning, as wavfile's truncated WAV is.
type decoded struct {
	*decode.Reader
	warnings []error
}

func (d *decoded) Read(dst []float32) (int, error) {
	n, err := d.Reader.Read(dst)
	if errors.Is(err, decode.ErrTruncated) {
		d.warnings = append(d.warnings, err)
		return 0, io.EOF
	}
	return n, err
}

// Warnings are wavfile's, for WAV read from a stream, and the cut found at the end.
func (d *decoded) Warnings() []error {
	if w := d.Reader.Warnings(); len(w) > 0 {
		return append(w[:len(w):len(w)], d.warnings...)
	}
	return d.warnings
}

func decodedFile(r *decode.Reader, closer io.Closer) (frameReader, fileFormat, error) {
	info := r.Info()
	f := fileFormat{Description: info.String(), SampleRate: info.SampleRate, Channels: info.Channels,
		ChannelMask: info.WAV.ChannelMask, ClipLevel: info.ClipLevel}
	return closing{&decoded{Reader: r}, closer}, f, nil
}

// formatsRead names the formats analyze reads, for the remedy of a file in none of them.
const formatsRead = "levelmeter reads WAV (RF64/BW64 too), FLAC, MP3, Ogg Vorbis and AIFF, and with ffmpeg " +
	"installed also Opus, CAF, M4A/MP4 (AAC, ALAC), WMA, Matroska/WebM, WavPack, Monkey's Audio, AC-3, AU and W64"

// withFileRemedy rewrites an error opening or measuring a file in the user's words, with what to do about it:
// the libraries state bare conditions (and the meter's sample-rate range, which is narrower than the WAV
// reader's, is the one range a user is told).
func withFileRemedy(err error) error {
	var fe *wavfile.FormatError
	switch {
	case errors.Is(err, wavfile.ErrSampleRate) && errors.As(err, &fe):
		var rate int
		if _, e := fmt.Sscanf(fe.Msg, "has a sample rate of %d Hz", &rate); e == nil {
			return rateError(fe.File, rate)
		}
		return rateError(fe.File, 0)
	case errors.Is(err, dsp.ErrSampleRate):
		var f analyzeErr
		if errors.As(err, &f) {
			return rateError(f.file, f.format.SampleRate)
		}
	case errors.Is(err, dsp.ErrChannels):
		var f analyzeErr
		if errors.As(err, &f) {
			return fmt.Errorf("%s: has %d channels; levelmeter measures at most %d: extract the channels to measure, "+
				"e.g. ffmpeg -i in.wav -af 'pan=7.1|c0=c0|c1=c1|c2=c2|c3=c3|c4=c4|c5=c5|c6=c6|c7=c7' out.wav",
				f.file, f.format.Channels, dsp.MaxChannels)
		}
	case errors.Is(err, wavfile.ErrChannelCount), errors.Is(err, decode.ErrChannelCount):
		return fmt.Errorf("%w; levelmeter measures at most %d channels: extract the channels to measure, e.g. "+
			"ffmpeg -i in.wav -af 'pan=7.1|c0=c0|c1=c1|c2=c2|c3=c3|c4=c4|c5=c5|c6=c6|c7=c7' out.wav", err, dsp.MaxChannels)
	case errors.Is(err, decode.ErrNeedsFFmpeg) && isEncoding(err):
		return fmt.Errorf("%w; install ffmpeg (e.g. apt-get install ffmpeg) to read it, or convert it to PCM WAV "+
			"with another tool, e.g. sox in.wav -e signed-integer -b 24 out.wav", err)
	case errors.Is(err, decode.ErrNeedsFFmpeg):
		return fmt.Errorf("%w; install ffmpeg (e.g. apt-get install ffmpeg) or convert the file to WAV or FLAC", err)
	case errors.Is(err, decode.ErrUnknownFormat):
		return fmt.Errorf("%w; %s", err, formatsRead)
	case errors.Is(err, decode.ErrNeedsSeek) && errors.Is(err, decode.ErrFFmpeg):
		return fmt.Errorf("%w; give the file's path instead of a pipe, so that ffmpeg can seek in it (MP4/M4A "+
			"keeps its index at the end)", err)
	case errors.Is(err, decode.ErrNeedsSeek):
		return fmt.Errorf("%w; give the file's path instead of a pipe, or rewrite it, e.g. ffmpeg -i in.aiff out.wav", err)
	case errors.Is(err, decode.ErrFFmpeg) && isEncoding(err):
		return fmt.Errorf("%w; convert it to PCM or float WAV with a tool that reads it", err)
	case errors.Is(err, decode.ErrFFmpeg):
		return fmt.Errorf("%w; the file may be damaged or incomplete", err)
	case isEncoding(err):
		return fmt.Errorf("%w; convert it to PCM or float WAV first, e.g. ffmpeg -i in.wav -c:a pcm_s24le out.wav", err)
	}
	return err
}

// isEncoding reports whether err is a sample encoding that was not decoded, as audio/wavfile or audio/decode says it.
func isEncoding(err error) bool {
	return errors.Is(err, wavfile.ErrEncoding) || errors.Is(err, decode.ErrEncoding)
}

// isTruncated reports whether err is a file cut short, as audio/wavfile or audio/decode says it.
func isTruncated(err error) bool {
	return errors.Is(err, wavfile.ErrTruncated) || errors.Is(err, decode.ErrTruncated)
}

func rateError(file string, rate int) error {
	what := "its sample rate is not supported"
	if rate > 0 {
		what = fmt.Sprintf("its sample rate, %d Hz, is not supported", rate)
	}
	return fmt.Errorf("%s: %s: levelmeter measures %d to %d Hz; resample it, e.g. ffmpeg -i in.wav -ar 48000 out.wav",
		file, what, dsp.MinSampleRate, dsp.MaxSampleRate)
}

// An analyzeErr is an error the meter returned for a file, with the file's name and format, so that
// withFileRemedy can say it in the user's words.
type analyzeErr struct {
	file   string
	format fileFormat
	err    error
}

func (e analyzeErr) Error() string { return e.file + ": " + e.err.Error() }
func (e analyzeErr) Unwrap() error { return e.err }

// warningText is a reader's warning without the file name its text starts with (the line names the file).
func warningText(w error) string {
	var te *wavfile.TruncatedError
	var fe *wavfile.FormatError
	var de *decode.Error
	switch {
	case errors.As(w, &te):
		return te.Msg
	case errors.As(w, &fe):
		return fe.Msg
	case errors.As(w, &de):
		return de.Msg
	}
	return w.Error()
}

// warningCause names a warning's cause for JSON: size_unknown, size_wrapped, truncated, or other.
func warningCause(w error) string {
	switch {
	case errors.Is(w, wavfile.ErrSizeUnknown):
		return "size_unknown"
	case errors.Is(w, wavfile.ErrSizeWrapped):
		return "size_wrapped"
	case isTruncated(w):
		return "truncated"
	}
	return "other"
}
