package wavfile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// FuzzReader feeds arbitrary bytes to NewReader. It must not panic, hang or allocate more than its fixed buffer
// whatever the header claims; it either returns an error that explains itself, or a Reader whose Read delivers
// exactly Info().Frames whole frames (or a *TruncatedError) and delivers them again after Rewind, and whose
// warnings each have a cause.
func FuzzReader(f *testing.F) {
	files, _ := filepath.Glob(td + "*.wav")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(shorten(b, 2<<10))
	}
	pcm := chunk("data", s16(1, 2, 3, 4))
	f.Add(build(chunk("LIST", []byte("INFOISFT\x03\x00\x00\x00abc\x00")), chunk("fact", []byte{2, 0, 0, 0}),
		fmtPCM(1, 2, 48000, 16), pcm))
	f.Add(build(chunkClaim("junk", 3, []byte{1, 2, 3}), fmtPCM(1, 1, 48000, 16), pcm))
	f.Add(build(fmtPCM(1, 1, 48000, 16), chunkClaim("data", 0xFFFFFFFF, s16(1, 2, 3))))
	f.Add(build(fmtPCM(1, 2, 48000, 24), chunkClaim("data", 0xFFFFFFF0, make([]byte, 1000))))
	f.Add(build(fmtExt(3, 2, 32, guidTail), chunk("data", make([]byte, 64))))
	f.Add(build(fmtPCM(3, 1, 48000, 64), chunk("data", make([]byte, 64))))

	f.Add(shorten(mustRead(f, td+"sine-s24x-stereo.wav"), 200)) // a data chunk that claims more than is there

	// Sizes never written, RF64/BW64 and their ds64, an ID3v2 tag before RIFF.
	mono := fmtPCM(1, 1, 48000, 16)
	four := s16(1, -1, 16384, -32768)
	f.Add(build(mono, chunkClaim("data", 0, four)))
	f.Add(build(mono, chunkClaim("data", 0, nil), chunk("LIST", []byte("INFO"))))
	f.Add(build(mono, chunkClaim("data", 0xFFFFFFFF, append(four, 1))))
	f.Add(build(fmtPCM(1, 1, 48000, 24), chunkClaim("data", 0x7FFFEFFF, make([]byte, 9))))
	f.Add(buildWide("RF64", 8, nil, mono, chunkClaim("data", 0xFFFFFFFF, four)))
	f.Add(buildWide("BW64", 0, nil, mono, chunkClaim("data", 0xFFFFFFFF, four)))
	f.Add(buildWide("RF64", 1<<40, []dsEntry{{"LIST", 4}}, chunkClaim("LIST", 0xFFFFFFFF, []byte("INFO")), mono,
		chunkClaim("data", 0xFFFFFFFF, four)))
	f.Add(append(id3Tag(20, false), build(mono, chunk("data", four))...))
	f.Add(append(id3Tag(3, true), buildWide("RF64", 8, nil, mono, chunkClaim("data", 0xFFFFFFFF, four))...))

	f.Fuzz(func(t *testing.T, data []byte) {
		streamed, streamWarned := fuzzStream(t, data)
		r, err := NewReader(bytes.NewReader(data))
		if err != nil {
			var fe *FormatError
			var te *TruncatedError
			if !errors.As(err, &fe) && !errors.As(err, &te) {
				t.Fatalf("error %v (%T) is not a *FormatError", err, err)
			}
			if len(err.Error()) < len("wavfile: ")+10 {
				t.Fatalf("error %q says too little", err)
			}
			return
		}
		info := r.Info()
		for _, w := range r.Warnings() {
			var fe *FormatError
			var te *TruncatedError
			if !(errors.As(w, &fe) && (errors.Is(w, ErrSizeUnknown) || errors.Is(w, ErrSizeWrapped)) ||
				errors.As(w, &te) && errors.Is(w, ErrTruncated)) {
				t.Fatalf("warning %v (%T) has no cause", w, w)
			}
		}
		if info.Channels < 1 || info.Channels > MaxChannels || info.SampleRate < MinSampleRate ||
			info.SampleRate > MaxSampleRate || info.Frames < 0 {
			t.Fatalf("accepted an impossible format %+v", info)
		}
		if need := info.Frames * int64(info.Channels*info.BitsPerSample/8); need > int64(len(data)) {
			t.Fatalf("claims %d frames (%d bytes) in a %d-byte input", info.Frames, need, len(data))
		}
		var samples []float32
		count := func() int64 {
			buf := make([]float32, 7*info.Channels)
			var frames int64
			for {
				n, err := r.Read(buf)
				if n%info.Channels != 0 || (n > 0 && err != nil) {
					t.Fatalf("Read = %d, %v with %d channels", n, err, info.Channels)
				}
				samples = append(samples, buf[:n]...)
				frames += int64(n / info.Channels)
				if err == io.EOF {
					return frames
				}
				if err != nil {
					t.Fatalf("Read failed on an in-memory input: %v", err)
				}
			}
		}
		if got := count(); got != info.Frames {
			t.Fatalf("read %d frames, Info says %d", got, info.Frames)
		}
		// A sound file reads the same from a stream.
		if streamed != nil && !streamWarned && len(r.Warnings()) == 0 && !equal(streamed, samples) {
			t.Fatalf("a stream reads %d samples, the file %d", len(streamed), len(samples))
		}
		if err := r.Rewind(); err != nil {
			t.Fatal(err)
		}
		if got := count(); got != info.Frames {
			t.Fatalf("after Rewind read %d frames, Info says %d", got, info.Frames)
		}
	})
}

// fuzzStream reads data as a stream, which must not panic or hang either, and returns its samples (nil if it was
// refused) and whether it warned.
func fuzzStream(t *testing.T, data []byte) ([]float32, bool) {
	r, err := NewReader(onlyReader{bytes.NewReader(data)})
	if err != nil {
		var fe *FormatError
		if !errors.As(err, &fe) {
			t.Fatalf("stream: error %v (%T) is not a *FormatError", err, err)
		}
		return nil, false
	}
	info := r.Info()
	samples := []float32{}
	buf := make([]float32, 5*info.Channels)
	for {
		n, err := r.Read(buf)
		if n%info.Channels != 0 || (n > 0 && err != nil) {
			t.Fatalf("stream: Read = %d, %v with %d channels", n, err, info.Channels)
		}
		samples = append(samples, buf[:n]...)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("stream: Read failed on an in-memory input: %v", err)
		}
	}
	if got := int64(len(samples) / info.Channels); got != r.Info().Frames || int64(len(samples)) > int64(len(data)) {
		t.Fatalf("stream: read %d frames, Info says %d at the end", got, r.Info().Frames)
	}
	return samples, len(r.Warnings()) > 0
}

// shorten cuts a well-formed file's data chunk to at most n bytes of whole frames, fixing its size, so that the
// seed is small (the rest adds only time) and still valid. Files that do not end with their data chunk are kept.
func shorten(b []byte, n int) []byte {
	i := bytes.Index(b, []byte("data"))
	if i < 0 || len(b) <= i+8+n {
		return b
	}
	r, err := NewReader(bytes.NewReader(b))
	if err != nil {
		return b
	}
	n -= n % r.frame
	out := append([]byte{}, b[:i+8+n]...)
	binary.LittleEndian.PutUint32(out[i+4:], uint32(n))
	binary.LittleEndian.PutUint32(out[4:], uint32(len(out)-8))
	return out
}

func mustRead(f *testing.F, name string) []byte {
	b, err := os.ReadFile(name)
	if err != nil {
		f.Fatal(err)
	}
	return b
}
