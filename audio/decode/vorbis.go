package decode

import (
	"fmt"
	"io"

	"github.com/jfreymuth/oggvorbis"
)

// vorbisSource decodes Ogg Vorbis through github.com/jfreymuth/oggvorbis, which writes interleaved float32
// straight into the caller's slice.
type vorbisSource struct {
	r    *oggvorbis.Reader
	name string
	err  error // held back while samples that came with it are handed out
}

func newVorbis(r io.Reader, name string) (source, Info, error) {
	v, err := oggvorbis.NewReader(r)
	if err != nil {
		return nil, Info{}, &Error{File: name, Format: Vorbis, Msg: "cannot read the Vorbis headers: " + err.Error(),
			Err: ErrMalformed}
	}
	if v.Channels() < 1 || v.SampleRate() < 1 {
		return nil, Info{}, &Error{File: name, Format: Vorbis, Err: ErrMalformed, Msg: fmt.Sprintf(
			"has an impossible stream header (%d channels, %d Hz)", v.Channels(), v.SampleRate())}
	}
	return &vorbisSource{r: v, name: name}, Info{Format: Vorbis, SampleRate: v.SampleRate(),
		Channels: v.Channels(), Frames: -1}, nil
}

func (s *vorbisSource) read(dst []float32) (int, error) {
	for {
		if s.err != nil {
			return 0, s.err
		}
		n, err := s.r.Read(dst)
		if err != nil {
			switch err {
			case io.EOF:
			case io.ErrUnexpectedEOF:
				err = &Error{File: s.name, Format: Vorbis, Msg: "ends inside an Ogg page: the file is truncated",
					Err: ErrTruncated}
			default:
				err = &Error{File: s.name, Format: Vorbis, Msg: "cannot decode: " + err.Error(), Err: ErrMalformed}
			}
			s.err = err
		}
		if n > 0 {
			return n, nil
		}
	}
}

func (s *vorbisSource) close() error { return nil }
