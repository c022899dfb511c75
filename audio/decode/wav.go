package decode

import (
	"errors"
	"io"

	"github.com/levelmeter/levelmeter/audio/wavfile"
)

// wavSource reads WAV through audio/wavfile.
type wavSource struct {
	r *wavfile.Reader
	// toEOF is set when the data chunk's size is a streaming writer's "unknown" marker: the data runs to the end
	// of the stream, and the end is not a truncation.
	toEOF bool
}

// unboundedFrames: a data chunk that claims more frames than any 32-bit size allows was sized from the forward
// seeker's pretended length, which happens only for ffmpeg's unknown-size marker.
const unboundedFrames = 1 << 40

// soxUnknown is SoX's unknown-size marker for the data chunk when it writes to a pipe.
const soxUnknown = 0x7FFFF000

func newWAV(rs io.ReadSeeker, name string) (source, Info, error) {
	r, err := wavfile.NewReader(rs)
	if err != nil {
		var fe *wavfile.FormatError
		if errors.As(err, &fe) && fe.File == "" {
			fe.File = name // wavfile names the file only when it opened it
		}
		return nil, Info{}, err
	}
	wi := r.Info()
	info := Info{Format: WAV, SampleRate: wi.SampleRate, Channels: wi.Channels, BitsPerSample: wi.BitsPerSample,
		Float: wi.Encoding == wavfile.Float, Frames: wi.Frames, WAV: wi}
	if wi.Encoding == wavfile.PCM {
		info.ClipLevel = clipLevel(wi.BitsPerSample)
	}
	s := &wavSource{r: r}
	if _, seeker := rs.(*forwardSeeker); seeker {
		frameBytes := int64(wi.Channels * wi.BitsPerSample / 8)
		if wi.Frames >= unboundedFrames || wi.Frames == soxUnknown/frameBytes {
			s.toEOF = true
			info.Frames = -1
			info.WAV.Frames = -1
		}
	}
	return s, info, nil
}

func (s *wavSource) read(dst []float32) (int, error) {
	n, err := s.r.Read(dst)
	if err != nil && s.toEOF && errors.Is(err, wavfile.ErrTruncated) {
		return 0, io.EOF
	}
	return n, err
}

func (s *wavSource) close() error { return s.r.Close() }

// A forwardSeeker lets audio/wavfile, which seeks, read a stream that cannot: it claims a length no real input
// has, serves forward seeks by discarding, and backward seeks from the last bytes it read. wavfile seeks back
// only a few bytes (to check where a chunk with an odd size ends) and to the position it is already at.
type forwardSeeker struct {
	r    io.Reader
	pos  int64 // the position the next Read reads from
	read int64 // bytes consumed from r
	hist [64]byte
}

// pretendSize is the length a forwardSeeker reports: no data chunk's 32-bit size reaches it, so wavfile never
// finds a chunk past the end; the end shows as a short read instead.
const pretendSize = 1 << 62

var errBackward = errors.New("cannot seek backwards in a stream")

func newForwardSeeker(r io.Reader) *forwardSeeker { return &forwardSeeker{r: r} }

func (f *forwardSeeker) Read(p []byte) (int, error) {
	if f.pos < f.read {
		// Serve from the history.
		n := copy(p, f.hist[len(f.hist)-int(f.read-f.pos):])
		f.pos += int64(n)
		return n, nil
	}
	n, err := f.r.Read(p)
	f.remember(p[:n])
	f.pos += int64(n)
	return n, err
}

// remember keeps the last len(hist) bytes read.
func (f *forwardSeeker) remember(b []byte) {
	f.read += int64(len(b))
	if len(b) >= len(f.hist) {
		copy(f.hist[:], b[len(b)-len(f.hist):])
		return
	}
	copy(f.hist[:], f.hist[len(b):])
	copy(f.hist[len(f.hist)-len(b):], b)
}

func (f *forwardSeeker) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekCurrent:
		offset += f.pos
	case io.SeekEnd:
		offset += pretendSize
	}
	if offset < 0 || offset < f.read-int64(len(f.hist)) {
		return f.pos, errBackward
	}
	if whence == io.SeekEnd {
		// Only asked for the size; the position does not move.
		return offset, nil
	}
	if offset > f.read {
		var buf [512]byte
		for f.read < offset {
			n, err := f.r.Read(buf[:min(int64(len(buf)), offset-f.read)])
			f.remember(buf[:n])
			if err != nil {
				f.pos = f.read
				if err == io.EOF {
					// Past the end: the next read finds the end, as it would in a file.
					return offset, nil
				}
				return f.pos, err
			}
		}
	}
	f.pos = offset
	return offset, nil
}
