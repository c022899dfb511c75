package dsp_test

import (
	"fmt"
	"math"

	"github.com/levelmeter/levelmeter/dsp"
)

// A loudness meter fed 20 seconds of EBU Tech 3341's first test signal, a 1 kHz stereo tone at -23 dBFS, in
// blocks of 100 ms; its values are read at the end, as a live meter would read them after every block.
func ExampleLoudnessMeter() {
	const rate = 48000
	l, err := dsp.NewLoudnessMeter(rate, 2, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	amp := math.Pow(10, -23.0/20)
	block := make([]float32, 2*rate/10)
	n := 0
	for range 200 {
		for i := 0; i < len(block); i += 2 {
			x := float32(amp * math.Sin(2*math.Pi*1000*float64(n)/rate))
			block[i], block[i+1] = x, x
			n++
		}
		l.Process(block)
	}
	v := l.Loudness()
	fmt.Printf("momentary %.1f LUFS (max %.1f)\n", v.Momentary, v.MomentaryMax)
	fmt.Printf("short-term %.1f LUFS (max %.1f)\n", v.ShortTerm, v.ShortTermMax)
	fmt.Printf("integrated %.1f LUFS, range %.1f LU\n", v.Integrated, v.Range)
	// Output:
	// momentary -23.0 LUFS (max -23.0)
	// short-term -23.0 LUFS (max -23.0)
	// integrated -23.0 LUFS, range 0.0 LU
}

// Digital silence has no loudness: -Inf, never a number like -70 or -120.
func ExampleLoudnessMeter_silence() {
	l, _ := dsp.NewLoudnessMeter(44100, 1, nil)
	l.Process(make([]float32, 44100*5))
	v := l.Loudness()
	fmt.Println(v.Momentary, v.ShortTerm, v.Integrated, v.Range)
	// Output:
	// -Inf -Inf -Inf 0
}

// Explicit weights: a 5.1 input whose LFE is the fourth channel, as NewLoudnessMeter assumes for six channels
// anyway; an error names the argument that is wrong.
func ExampleNewLoudnessMeter() {
	_, err := dsp.NewLoudnessMeter(48000, 6, []float64{1, 1, 1, 0, 1.41, 1.41})
	fmt.Println(err)
	_, err = dsp.NewLoudnessMeter(48000, 2, []float64{1})
	fmt.Println(err)
	fmt.Println(dsp.StandardWeights(6))
	// Output:
	// <nil>
	// dsp: loudness: weights has 1 entries for 2 channels: want one per channel, or nil for the standard weights
	// [1 1 1 0 1.41 1.41]
}
