package decode

import (
	"errors"
	"fmt"
	"io"

	"github.com/mewkiz/flac"
	"github.com/mewkiz/flac/frame"
)

// flacSource decodes FLAC through github.com/mewkiz/flac, one FLAC frame at a time, converting straight from
// the frame's subframes into the caller's slice.
type flacSource struct {
	s        *flac.Stream
	name     string
	f        *frame.Frame // the current frame, nil before the first
	i        int          // the next sample of f to hand out
	ch       int
	bits     uint8
	scale    float32
	declared uint64 // frames StreamInfo declares, 0 when unknown
	done     uint64 // frames decoded so far
}

func newFLAC(r io.Reader, name string) (source, Info, error) {
	s, err := flac.New(r)
	if err != nil {
		return nil, Info{}, &Error{File: name, Format: FLAC, Msg: "cannot read the FLAC header: " + err.Error(),
			Err: ErrMalformed}
	}
	si := s.Info
	if si.NChannels == 0 || si.BitsPerSample < 4 || si.BitsPerSample > 32 || si.SampleRate == 0 {
		return nil, Info{}, &Error{File: name, Format: FLAC, Err: ErrMalformed, Msg: fmt.Sprintf(
			"has an impossible stream header (%d channels, %d bits, %d Hz)", si.NChannels, si.BitsPerSample,
			si.SampleRate)}
	}
	src := &flacSource{s: s, name: name, ch: int(si.NChannels), bits: si.BitsPerSample, declared: si.NSamples,
		scale: float32(1 / float64(uint64(1)<<(si.BitsPerSample-1)))}
	frames := int64(si.NSamples)
	if frames == 0 {
		frames = -1
	}
	return src, Info{Format: FLAC, SampleRate: int(si.SampleRate), Channels: int(si.NChannels),
		BitsPerSample: int(si.BitsPerSample), ClipLevel: clipLevel(int(si.BitsPerSample)), Frames: frames}, nil
}

func (d *flacSource) fail(cause error, format string, args ...any) error {
	return &Error{File: d.name, Format: FLAC, Msg: fmt.Sprintf(format, args...), Err: cause}
}

func (d *flacSource) read(dst []float32) (int, error) {
	for d.f == nil || d.i >= int(d.f.BlockSize) {
		f, err := d.s.ParseNext()
		if err == io.EOF {
			if d.declared != 0 && d.done < d.declared {
				return 0, truncated(d.name, FLAC, int(d.s.Info.SampleRate), int64(d.done), int64(d.declared),
					"is truncated: it ends", "")
			}
			return 0, io.EOF
		}
		if err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) {
				return 0, truncated(d.name, FLAC, int(d.s.Info.SampleRate), int64(d.done), int64(d.declared),
					"is truncated: it ends inside a FLAC frame", "")
			}
			return 0, d.fail(ErrMalformed, "cannot decode the FLAC frame after %d frames: %v", d.done, err)
		}
		if f.Channels.Count() != d.ch || f.BitsPerSample != d.bits {
			return 0, d.fail(ErrMalformed, "has a frame of %d channels at %d bits after %d frames, in a stream "+
				"of %d channels at %d bits", f.Channels.Count(), f.BitsPerSample, d.done, d.ch, d.bits)
		}
		d.f, d.i = f, 0
		d.done += uint64(f.BlockSize)
	}
	ch := d.ch
	n := min(len(dst)/ch, int(d.f.BlockSize)-d.i)
	scale := d.scale
	for c := range ch {
		src := d.f.Subframes[c].Samples[d.i : d.i+n]
		out := dst[c:]
		for k, v := range src {
			out[k*ch] = float32(v) * scale
		}
	}
	d.i += n
	return n * ch, nil
}

func (d *flacSource) close() error { return nil }
