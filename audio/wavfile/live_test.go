package wavfile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"testing"
	"time"
)

// TestStreamDeliversAsItArrives: a live stream's frames are readable as soon as they have arrived, not when a
// buffer's worth has, and a frame split across writes is put together.
func TestStreamDeliversAsItArrives(t *testing.T) {
	pr, pw := io.Pipe()
	hdr := build(fmtPCM(tagPCM, 2, 8000, 16), chunkClaim("data", 0xFFFFFFFF, nil))
	go func() {
		pw.Write(hdr)
		pw.Write(s16(1, 2, 3)) // one frame and half of the next
	}()
	r, err := NewReader(pr)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan []float32)
	go func() {
		buf := make([]float32, 1024)
		for {
			n, err := r.Read(buf)
			if err != nil {
				close(got)
				return
			}
			got <- append([]float32(nil), buf[:n]...)
		}
	}()
	want := func(v ...int16) {
		t.Helper()
		select {
		case p := <-got:
			if len(p) != len(v) {
				t.Fatalf("read %v, want %v/32768", p, v)
			}
			for i := range v {
				if p[i] != float32(v[i])/32768 {
					t.Fatalf("read %v, want %v/32768", p, v)
				}
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("no frames after 5 s, want %v/32768", v)
		}
	}
	want(1, 2)
	go pw.Write(s16(4, 5, 6, 7)) // the rest of the second frame, then a third
	want(3, 4, 5, 6)
	go func() {
		pw.Write([]byte{1}) // a partial frame, then the end
		pw.Close()
	}()
	if p, ok := <-got; ok {
		t.Fatalf("read %v after the last whole frame, want the end", p)
	}
	if r.Info().Frames != 3 {
		t.Errorf("Frames = %d at the end, want 3", r.Info().Frames)
	}
	checkWarning(t, r.Warnings(), ErrTruncated, "ended within a frame after 3 frames: 3 bytes of a partial frame not read")
}

func TestRawReader(t *testing.T) {
	le := binary.LittleEndian
	f32 := func(v ...float32) []byte {
		var b []byte
		for _, x := range v {
			b = le.AppendUint32(b, math.Float32bits(x))
		}
		return b
	}
	for _, tc := range []struct {
		name string
		info Info
		in   []byte
		want []float32
	}{
		{"s16le", Info{SampleRate: 48000, Channels: 2, BitsPerSample: 16, Encoding: PCM}, s16(16384, -32768), []float32{0.5, -1}},
		{"s24le", Info{SampleRate: 48000, Channels: 1, BitsPerSample: 24, Encoding: PCM}, []byte{0, 0, 0x40, 0, 0, 0x80}, []float32{0.5, -1}},
		{"s32le", Info{SampleRate: 44100, Channels: 1, BitsPerSample: 32, Encoding: PCM}, le.AppendUint32(le.AppendUint32(nil, 1<<30), 1<<31), []float32{0.5, -1}},
		{"f32le", Info{SampleRate: 8000, Channels: 2, BitsPerSample: 32, Encoding: Float}, f32(0.25, -2), []float32{0.25, -2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The input ends within a frame: the whole frames are read, the rest is a warning.
			r, err := NewRawReader(onlyReader{bytes.NewReader(append(tc.in, 7))}, tc.info)
			if err != nil {
				t.Fatal(err)
			}
			if r.Info().Frames != -1 {
				t.Errorf("Frames = %d before the end, want -1", r.Info().Frames)
			}
			got := readAll(t, r, 64)
			if !equal(got, tc.want) {
				t.Errorf("read %v, want %v", got, tc.want)
			}
			if f := int64(len(tc.want) / tc.info.Channels); r.Info().Frames != f {
				t.Errorf("Frames = %d at the end, want %d", r.Info().Frames, f)
			}
			checkWarning(t, r.Warnings(), ErrTruncated, "1 bytes of a partial frame not read")
		})
	}
	for _, bad := range []Info{
		{SampleRate: 48000, Channels: 2, BitsPerSample: 12, Encoding: PCM},
		{SampleRate: 48000, Channels: 0, BitsPerSample: 16, Encoding: PCM},
		{SampleRate: 100, Channels: 2, BitsPerSample: 16, Encoding: PCM},
		{SampleRate: 48000, Channels: 2, BitsPerSample: 16},
		{SampleRate: 48000, Channels: 1 << 20, BitsPerSample: 16, Encoding: PCM},
	} {
		if _, err := NewRawReader(bytes.NewReader(nil), bad); !errors.Is(err, ErrUnsupported) && !errors.Is(err, ErrMalformed) {
			t.Errorf("NewRawReader(%v): %v, want an unsupported or malformed format", bad, err)
		}
	}
}
