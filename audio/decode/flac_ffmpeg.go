package decode

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// FLAC is decoded by ffmpeg when it is installed, and by github.com/mewkiz/flac otherwise; both are bit-exact
// (tested against ffmpeg's own decode, sample for sample). The reason is speed: with mewkiz/flac's bit reader,
// decoding plus metering a 3-minute 24-bit stereo file runs at 0.46 to 0.8 times the speed of ffmpeg's own
// ebur128=peak=true on it; with ffmpeg decoding in a child process (on the other core) it runs 1.3 times faster
// than ffmpeg's ebur128, in wall time and in CPU time with the child's counted (BenchmarkFLACVsFFmpeg). Info is
// the same either way but for Info.FFmpeg: the bit depth, clip level and declared length come from the
// STREAMINFO block, read here.
//
// Nothing is lost on the way: ffmpeg runs with -xerror and CRC checks, so a cut frame stops it with an error
// rather than a warning and a gap, a frame whose CRC does not match (which ffmpeg reports but decodes anyway) is
// an error (ErrMalformed), and a stream that ends cleanly before the length its header declares is reported as
// truncated (ErrTruncated), as the native decoder does.

// flacByFFmpeg selects the ffmpeg path when ffmpeg is installed; tests turn it off to test the native decoder.
var flacByFFmpeg = true

// flacStreamInfo reads the rate, channels, bits and length from the STREAMINFO block that must follow the
// "fLaC" marker, and reports false when head does not hold one (the native decoder then says what is wrong).
func flacStreamInfo(head []byte) (rate, channels, bits int, frames int64, ok bool) {
	// "fLaC", a 4-byte block header (type 0, length 34), then the 34 bytes of STREAMINFO.
	if len(head) < 42 || string(head[:4]) != "fLaC" || head[4]&0x7F != 0 || head[5] != 0 || head[6] != 0 || head[7] != 34 {
		return 0, 0, 0, 0, false
	}
	si := head[8:42]
	v := binary.BigEndian.Uint64(si[10:18]) // rate 20 bits, channels-1 3, bits-1 5, total frames 36
	rate = int(v >> 44)
	channels = int(v>>41&7) + 1
	bits = int(v>>36&31) + 1
	frames = int64(v & (1<<36 - 1))
	if rate == 0 || bits < 4 {
		return 0, 0, 0, 0, false
	}
	if frames == 0 {
		frames = -1 // unknown
	}
	return rate, channels, bits, frames, true
}

// flacFFmpeg is the ffmpeg child decoding FLAC, checked against the length STREAMINFO declares.
type flacFFmpeg struct {
	src      source
	name     string
	rate, ch int
	declared int64 // -1 when unknown
	done     int64
}

func newFLACByFFmpeg(head []byte, name string, in io.Reader) (source, Info, bool, error) {
	rate, ch, bits, frames, ok := flacStreamInfo(head)
	if !ok {
		return nil, Info{}, false, nil
	}
	src, info, err := newFFmpeg(FLAC, name, in)
	if err != nil {
		return nil, Info{}, true, err
	}
	if info.SampleRate != rate || info.Channels != ch {
		src.close()
		return nil, Info{}, true, &Error{File: name, Format: FLAC, Err: ErrFFmpeg, Msg: fmt.Sprintf(
			"ffmpeg decodes it as %d channels at %d Hz, its header says %d at %d", info.Channels, info.SampleRate, ch, rate)}
	}
	info.BitsPerSample, info.ClipLevel, info.Frames = bits, clipLevel(bits), frames
	return &flacFFmpeg{src: src, name: name, rate: rate, ch: ch, declared: frames}, info, true, nil
}

func (f *flacFFmpeg) read(dst []float32) (int, error) {
	n, err := f.src.read(dst)
	f.done += int64(n / f.ch)
	if err == nil {
		return n, nil
	}
	var said string // ffmpeg's last error message
	if s, ok := f.src.(*ffmpegSource); ok {
		said = s.message()
	}
	failed := err == io.EOF && said != "" || errors.Is(err, ErrFFmpeg) && said != ""
	short := f.declared > 0 && f.done < f.declared
	switch {
	case failed && short:
		// ffmpeg stopped (-xerror) at a frame it could not decode: the end of a file cut short, or damage,
		// which ffmpeg's words do not tell apart ("invalid residual", "decode_frame() failed" for both).
		// Every frame before it has been handed out.
		return 0, truncated(f.name, FLAC, f.rate, f.done, f.declared, "is truncated or damaged: ffmpeg's decode "+
			"stops", "ffmpeg: "+said)
	case failed:
		return 0, &Error{File: f.name, Format: FLAC, Err: ErrMalformed, Msg: "is corrupt: ffmpeg reports " + said}
	case err == io.EOF && short:
		return 0, truncated(f.name, FLAC, f.rate, f.done, f.declared, "is truncated: it ends", "")
	}
	return 0, err
}

func (f *flacFFmpeg) close() error { return f.src.close() }
