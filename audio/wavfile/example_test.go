package wavfile_test

import (
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
		log.Fatal(err) // e.g. "song.mp3: is not a WAV file (it looks like MP3): convert it to WAV first, ..."
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
