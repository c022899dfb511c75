package wavfile_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log"
	"math"

	"github.com/levelmeter/levelmeter/audio/wavfile"
)

// Stream a file in fixed-size blocks and find its sample peak.
func Example() {
	r, err := wavfile.Open("../../testdata/sine-s16-stereo.wav")
	if err != nil {
		log.Fatal(err) // e.g. "song.mp3: is not a WAV file (it looks like MP3)"
	}
	defer r.Close()
	info := r.Info()
	fmt.Println(info, info.Frames, "frames")

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
	// 48000 Hz, 2 channels, 16-bit PCM 24000 frames
	// peak -20.00 dBFS
}

// A recorder that died before patching its header left a data size of 0: the Reader reads to the end of the
// file and says so. A caller that must not measure a file cut short refuses ErrTruncated.
func ExampleReader_Warnings() {
	file := []byte("RIFF\x00\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x80\xbb\x00\x00" +
		"\x00\x77\x01\x00\x02\x00\x10\x00data\x00\x00\x00\x00")
	file = append(file, make([]byte, 9600)...) // 0.1 s of 16-bit mono at 48 kHz
	binary.LittleEndian.PutUint32(file[4:], uint32(len(file)-8))

	r, err := wavfile.NewReader(bytes.NewReader(file))
	if err != nil {
		log.Fatal(err)
	}
	for _, w := range r.Warnings() {
		if errors.Is(w, wavfile.ErrTruncated) {
			log.Fatal(w) // strict: a partial file is an error
		}
		fmt.Println("warning:", w)
	}
	fmt.Println(r.Info().Frames, "frames")
	// Output:
	// warning: wavfile: its data chunk size was never written (0x00000000): read to the end of the file, 4800 frames (0.100 s)
	// 4800 frames
}

// An input read from somewhere other than a file (standard input, a network stream) is named in its errors and
// warnings as a file Open opened is.
func ExampleNewNamedReader() {
	_, err := wavfile.NewNamedReader(bytes.NewReader([]byte("fLaC\x00\x00\x00\x22")), "take1.wav")
	fmt.Println(err)
	// Output:
	// take1.wav: is not a WAV file (it looks like FLAC)
}
