package decode

import (
	"bufio"
	"fmt"
	"io"

	mp3 "github.com/hajimehoshi/go-mp3"
)

// mp3Source decodes MP3 through github.com/hajimehoshi/go-mp3, which always hands out 16-bit little-endian
// stereo (a mono stream comes out with both channels equal). The channel count comes from the first frame
// header instead, and a mono stream is read back as one channel, as ffmpeg reads it: metering the duplicate
// would add 3 dB to its loudness.
type mp3Source struct {
	d    *mp3.Decoder
	name string
	ch   int
	buf  []byte // whole stereo frames of 4 bytes
}

// mp3Block is how many frames one read asks go-mp3 for at most.
const mp3Block = 4096

func newMP3(br *bufio.Reader, name string) (source, Info, error) {
	// The first frame header is at the start (Detect saw it there, after any ID3 tag).
	head, _ := br.Peek(4)
	ch := mpegChannels(head)
	d, err := mp3.NewDecoder(br)
	if err != nil {
		return nil, Info{}, &Error{File: name, Format: MP3, Msg: "cannot decode the first MP3 frame: " + err.Error(),
			Err: ErrMalformed}
	}
	return &mp3Source{d: d, name: name, ch: ch, buf: make([]byte, mp3Block*4)},
		Info{Format: MP3, SampleRate: d.SampleRate(), Channels: ch, Frames: -1}, nil
}

func (s *mp3Source) read(dst []float32) (int, error) {
	frames := min(len(dst)/s.ch, mp3Block)
	n, err := io.ReadAtLeast(s.d, s.buf[:frames*4], 4)
	if n%4 != 0 && err == nil {
		// go-mp3 hands out whole decoded frames, so this does not happen; finish the stereo frame if it does.
		var m int
		m, err = io.ReadFull(s.d, s.buf[n:n+4-n%4])
		n += m
	}
	frames = n / 4
	if frames == 0 {
		if err == nil || err == io.EOF || err == io.ErrUnexpectedEOF {
			return 0, io.EOF
		}
		return 0, &Error{File: s.name, Format: MP3, Msg: fmt.Sprintf("cannot decode: %v", err), Err: ErrMalformed}
	}
	b := s.buf[:frames*4]
	const scale = 1.0 / 32768
	if s.ch == 1 {
		for i := range frames {
			dst[i] = float32(int16(uint16(b[4*i])|uint16(b[4*i+1])<<8)) * scale
		}
		return frames, nil
	}
	for i := range frames * 2 {
		dst[i] = float32(int16(uint16(b[2*i])|uint16(b[2*i+1])<<8)) * scale
	}
	return frames * 2, nil
}

func (s *mp3Source) close() error { return nil }
