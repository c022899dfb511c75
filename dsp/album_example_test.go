package dsp_test

import (
	"fmt"
	"math"

	"github.com/levelmeter/levelmeter/dsp"
)

// Measure two tracks and the album they make: the album's integrated loudness gates the blocks of both together,
// as ReplayGain's album gain does. Here the quiet track's blocks are more than 10 LU below the loud one's, so
// the relative gate leaves them out of the album's integrated loudness, and the range spans both.
func ExampleAlbum() {
	album := dsp.NewAlbum()
	for _, amp := range []float64{0.5, 0.1} { // a loud track and a quiet one, 10 s of 1 kHz each
		m, _ := dsp.NewMeter(dsp.Config{SampleRate: 48000, Channels: 1})
		p := make([]float32, 480000)
		for i := range p {
			p[i] = float32(amp * math.Sin(2*math.Pi*1000*float64(i)/48000))
		}
		m.Process(p)
		fmt.Printf("track: %.1f LUFS\n", m.Levels().Loudness.Integrated)
		album.Add(m)
	}
	fmt.Printf("album of %d: %.1f LUFS, range %.1f LU\n", album.Programmes(), album.Integrated(), album.Range())
	// Output:
	// track: -9.0 LUFS
	// track: -23.0 LUFS
	// album of 2: -9.0 LUFS, range 14.0 LU
}
