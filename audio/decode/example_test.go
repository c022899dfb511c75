package decode_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log"
	"math"

	"github.com/levelmeter/levelmeter/audio/decode"
)

// Stream any audio file in fixed-size blocks and find its sample peak. The same loop reads standard input with
// decode.NewReader(os.Stdin, "-").
func Example() {
	r, err := decode.Open("../../testdata/sine-s24-mono.wav")
	if err != nil {
		log.Fatal(err) // e.g. "song.opus: is Ogg Opus, which needs ffmpeg, and ffmpeg is not installed"
	}
	defer r.Close()
	info := r.Info()
	fmt.Println(info.Format, info.SampleRate, info.Channels, info.ClipLevel == (1<<23-1)/float64(1<<23))

	block := make([]float32, 4096*info.Channels)
	var peak float64
	for {
		n, err := r.Read(block)
		if err == io.EOF {
			break
		}
		if err != nil {
			log.Fatal(err)
		}
		for _, x := range block[:n] {
			peak = math.Max(peak, math.Abs(float64(x)))
		}
	}
	fmt.Printf("peak %.2f dBFS\n", 20*math.Log10(peak))
	// Output:
	// WAV 48000 1 true
	// peak -20.00 dBFS
}

// Tell apart the conditions a caller has its own remedy for, and read what a WAV's reader read past.
func ExampleReader_Warnings() {
	// A 16-bit stereo WAV as ffmpeg writes it to a pipe (sizes never written), cut inside its second frame.
	wav := []byte("RIFF\xff\xff\xff\xffWAVEfmt \x10\x00\x00\x00\x01\x00\x02\x00\x80\xbb\x00\x00\x00\xee\x02\x00" +
		"\x04\x00\x10\x00data\xff\xff\xff\xff\x00\x40\x00\xc0\x00\x40")
	r, err := decode.NewReader(bytes.NewReader(wav), "-")
	switch {
	case errors.Is(err, decode.ErrNeedsFFmpeg):
		log.Fatalf("%v; install ffmpeg", err)
	case errors.Is(err, decode.ErrUnknownFormat):
		log.Fatalf("%v; give a WAV, FLAC, MP3, Ogg Vorbis or AIFF file", err)
	case err != nil:
		log.Fatal(err)
	}
	defer r.Close()
	block := make([]float32, 1024)
	frames := 0
	for {
		n, err := r.Read(block)
		if err != nil {
			break
		}
		frames += n / r.Info().Channels
	}
	fmt.Println(frames, "frame")
	for _, w := range r.Warnings() {
		fmt.Println("warning:", w)
	}
	// Output:
	// 1 frame
	// warning: -: ended within a frame after 1 frames: 2 bytes of a partial frame not read
}
