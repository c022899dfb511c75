package main

import (
	"errors"
	"fmt"
	"math"

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

// openAudio opens the named file for measuring.
func openAudio(name string) (frameReader, fileFormat, error) {
	r, err := wavfile.Open(name)
	if err != nil {
		return nil, fileFormat{}, err
	}
	info := r.Info()
	f := fileFormat{Description: info.String(), SampleRate: info.SampleRate, Channels: info.Channels,
		ChannelMask: info.ChannelMask}
	if info.Encoding == wavfile.PCM {
		// The positive integer extreme is one step short of 1.0 and is a clipped sample too.
		full := math.Ldexp(1, info.BitsPerSample-1)
		f.ClipLevel = float64(float32((full - 1) / full))
	}
	return r, f, nil
}

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
	case errors.Is(err, wavfile.ErrChannelCount):
		return fmt.Errorf("%w; levelmeter measures at most %d channels: extract the channels to measure, e.g. "+
			"ffmpeg -i in.wav -af 'pan=7.1|c0=c0|c1=c1|c2=c2|c3=c3|c4=c4|c5=c5|c6=c6|c7=c7' out.wav", err, dsp.MaxChannels)
	case errors.Is(err, wavfile.ErrNotWAV) && errors.As(err, &fe) && fe.Msg != "is a directory, not a WAV file" &&
		fe.Msg != "is not a WAV file (no RIFF/WAVE header)":
		// A known format that is not WAV (MP3, FLAC, Ogg, AIFF, ...): analyze reads WAV only.
		return fmt.Errorf("%w; convert it to WAV first, e.g. ffmpeg -i in.mp3 out.wav", err)
	case errors.Is(err, wavfile.ErrEncoding):
		return fmt.Errorf("%w; convert it to PCM or float WAV first, e.g. ffmpeg -i in.wav -c:a pcm_s24le out.wav", err)
	}
	return err
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
	switch {
	case errors.As(w, &te):
		return te.Msg
	case errors.As(w, &fe):
		return fe.Msg
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
	case errors.Is(w, wavfile.ErrTruncated):
		return "truncated"
	}
	return "other"
}
