package wavfile

import (
	"bytes"
	"io"
	"testing"

	"github.com/go-audio/audio"
	"github.com/go-audio/wav"
)

// BenchmarkRead decodes 10 s of 48 kHz stereo 24-bit PCM held in memory, in blocks of 4096 frames, three ways
// in the same run: a plain copy of the data bytes (the floor), go-audio/wav's PCMBuffer with a reused IntBuffer
// converted to float32 (its fast path), and Reader.Read, from a seekable input and from a stream. Compare the
// frames/s metrics.
func BenchmarkRead(b *testing.B) {
	const frames = 480000
	data := make([]byte, frames*6)
	for i := range data {
		data[i] = byte(i * 7919 >> 3)
	}
	file := build(fmtPCM(1, 2, 48000, 24), chunk("data", data))
	perFrames := func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportMetric(float64(frames)*float64(b.N)/b.Elapsed().Seconds(), "frames/s")
	}

	b.Run("copy", func(b *testing.B) {
		dst := make([]byte, 4096*6)
		for b.Loop() {
			src := bytes.NewReader(file[44:])
			for {
				if _, err := io.ReadFull(src, dst); err != nil {
					break
				}
			}
		}
		perFrames(b)
	})
	b.Run("go-audio", func(b *testing.B) {
		buf := &audio.IntBuffer{Data: make([]int, 4096*2)}
		out := make([]float32, 4096*2)
		for b.Loop() {
			d := wav.NewDecoder(bytes.NewReader(file))
			d.ReadInfo()
			for {
				n, err := d.PCMBuffer(buf)
				if err != nil || n == 0 {
					break
				}
				for i, v := range buf.Data[:n] {
					out[i] = float32(v) * (1.0 / (1 << 23))
				}
			}
		}
		perFrames(b)
	})
	b.Run("wavfile", func(b *testing.B) { benchReader(b, func() io.Reader { return bytes.NewReader(file) }); perFrames(b) })
	b.Run("wavfile-stream", func(b *testing.B) {
		benchReader(b, func() io.Reader { return onlyReader{bytes.NewReader(file)} })
		perFrames(b)
	})
}

// benchReader reads the inputs that in returns to the end with a Reader.
func benchReader(b *testing.B, in func() io.Reader) {
	out := make([]float32, 4096*2)
	for b.Loop() {
		r, err := NewReader(in())
		if err != nil {
			b.Fatal(err)
		}
		for {
			if _, err := r.Read(out); err != nil {
				break
			}
		}
	}
}
