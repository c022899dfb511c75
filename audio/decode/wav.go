package decode

import (
	"io"

	"github.com/levelmeter/levelmeter/audio/wavfile"
)

// wavSource reads WAV through audio/wavfile, which reads a stream that cannot seek front to back by itself:
// a size that was never written (0, 0xFFFFFFFF, SoX's 0x7FFFF000) runs to the end of the input.
type wavSource struct{ r *wavfile.Reader }

// newWAV reads the WAV header from in: a file, or a stream (anything that is not an io.Seeker is read once,
// front to back).
func newWAV(in io.Reader, name string) (source, Info, error) {
	r, err := wavfile.NewNamedReader(in, name)
	if err != nil {
		return nil, Info{}, err
	}
	wi := r.Info()
	info := Info{Format: WAV, SampleRate: wi.SampleRate, Channels: wi.Channels, BitsPerSample: wi.BitsPerSample,
		Float: wi.Encoding == wavfile.Float, Frames: wi.Frames, WAV: wi}
	if wi.Encoding == wavfile.PCM {
		info.ClipLevel = clipLevel(wi.BitsPerSample)
	}
	return &wavSource{r: r}, info, nil
}

func (s *wavSource) read(dst []float32) (int, error) { return s.r.Read(dst) }

func (s *wavSource) close() error { return s.r.Close() }

// stream hides every method of a reader but Read, so that wavfile reads it as a stream.
type stream struct{ io.Reader }
