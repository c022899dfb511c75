package dsp_test

import (
	"fmt"
	"math"
	"time"

	"github.com/levelmeter/levelmeter/dsp"
)

// A meter with two sliding windows, 10 s and 30 s, fed a stereo 1 kHz tone: 20 s at -33 dBFS, then 20 s at
// -23 dBFS. The 10 s window reads the new level alone and has no range left; the 30 s window holds 10 s of the
// quieter part, the since-start values all 20 s. Then an operator resets the since-start values: the windows carry on.
func ExampleConfig_windows() {
	const rate = 8000
	m, err := dsp.NewMeter(dsp.Config{SampleRate: rate, Channels: 2,
		Windows: []time.Duration{10 * time.Second, 30 * time.Second}})
	if err != nil {
		fmt.Println(err)
		return
	}
	block := make([]float32, 2*rate/10)
	n := 0
	play := func(dbfs, seconds float64) {
		amp := math.Pow(10, dbfs/20)
		for range int(seconds * 10) {
			for i := 0; i < len(block); i += 2 {
				x := float32(amp * math.Sin(2*math.Pi*1000*float64(n)/rate))
				block[i], block[i+1] = x, x
				n++
			}
			m.Process(block)
		}
	}
	play(-33, 20)
	play(-23, 20)
	show := func() {
		v := m.Levels().Loudness
		fmt.Printf("since start: %.1f LUFS, %.1f LU\n", v.Integrated, v.Range)
		for _, w := range v.Windows {
			if w.Span > 0 {
				fmt.Printf("last %s: %.1f LUFS, %.1f LU\n", dsp.SpanLabel(w.Span), w.Integrated, w.Range)
			}
		}
	}
	show()
	m.ResetIntegrated()
	show()
	// Output:
	// since start: -25.6 LUFS, 10.0 LU
	// last 10s: -23.0 LUFS, 0.0 LU
	// last 30s: -24.6 LUFS, 10.0 LU
	// since start: -Inf LUFS, 0.0 LU
	// last 10s: -23.0 LUFS, 0.0 LU
	// last 30s: -24.6 LUFS, 10.0 LU
}
