package decode_test

import (
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
		log.Fatal(err) // e.g. "song.opus: is Ogg Opus, which levelmeter decodes with ffmpeg, and ffmpeg is not installed"
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
