package audio

import (
	"context"
	"io"
	"testing"

	"github.com/gordonklaus/portaudio"

	"github.com/levelmeter/levelmeter/audio/wavfile"
)

// copier is a Writer that copies each block into a buffer of its own, as a ring would.
type copier struct{ buf []float32 }

func (c *copier) Write(p []float32, s Status) int { return copy(c.buf, p) / 2 }

// BenchmarkCallback compares what the audio thread runs per 256-frame stereo block with the copy alone.
func BenchmarkCallback(b *testing.B) {
	in := make([]float32, 2*256)
	c := &copier{buf: make([]float32, len(in))}
	b.Run("baseline=copy", func(b *testing.B) {
		b.SetBytes(int64(4 * len(in)))
		for b.Loop() {
			c.Write(in, 0)
		}
	})
	b.Run("callback", func(b *testing.B) {
		cb := &callback{w: c}
		var ti portaudio.StreamCallbackTimeInfo
		b.SetBytes(int64(4 * len(in)))
		for b.Loop() {
			cb.process(in, ti, 0)
		}
	})
}

// BenchmarkReplay compares a fast replay's blocks (1024 stereo frames from memory to a SpaceWaiter) with reading
// the same frames alone.
func BenchmarkReplay(b *testing.B) {
	src := ramp(48000, 2)
	ctx := context.Background()
	b.Run("baseline=read", func(b *testing.B) {
		r := &memReader{s: src, ch: 2}
		buf := make([]float32, 2*1024)
		b.SetBytes(int64(4 * len(buf)))
		for b.Loop() {
			if _, err := r.Read(buf); err == io.EOF {
				r.Rewind()
			}
		}
	})
	b.Run("replay", func(b *testing.B) {
		p := newReplay(&memReader{s: src, ch: 2}, Format{48000, 2}, 1024, false, true, &nullWaiter{})
		b.SetBytes(int64(4 * 2 * 1024))
		for b.Loop() {
			p.step(ctx)
		}
	})
}

// BenchmarkFile compares replaying a WAV file fast, to the end, with decoding it with wavfile alone.
func BenchmarkFile(b *testing.B) {
	const name = "../testdata/demo.wav"
	f, err := OpenFile(name)
	if err != nil {
		b.Skip(err)
	}
	bytes := f.Info().Frames * int64(f.Info().Channels) * 4
	b.Run("baseline=wavfile", func(b *testing.B) {
		buf := make([]float32, DefaultFileFramesPerBuffer*f.Info().Channels)
		b.SetBytes(bytes)
		for b.Loop() {
			r, err := wavfile.Open(name)
			if err != nil {
				b.Fatal(err)
			}
			for {
				if _, err := r.Read(buf); err != nil {
					break
				}
			}
			r.Close()
		}
	})
	b.Run("file", func(b *testing.B) {
		b.SetBytes(bytes)
		w := WriterFunc(func(p []float32, s Status) int { return len(p) })
		for b.Loop() {
			if err := f.Run(context.Background(), w); err != io.EOF {
				b.Fatal(err)
			}
		}
	})
}
