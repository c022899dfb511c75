package dsptest_test

import (
	"fmt"

	"github.com/levelmeter/levelmeter/dsp"
	"github.com/levelmeter/levelmeter/dsp/dsptest"
)

// A meter fed a signal in one block reads what a meter fed it in small blocks reads.
func ExampleDiff() {
	signal := make([]float32, 4800)
	for i := range signal {
		signal[i] = float32(i%100) / 200
	}
	whole, _ := dsp.NewMeter(dsp.Config{SampleRate: 48000, Channels: 1})
	whole.Process(signal)
	blocks, _ := dsp.NewMeter(dsp.Config{SampleRate: 48000, Channels: 1})
	for i := 0; i < len(signal); i += 48 {
		blocks.Process(signal[i : i+48])
	}
	fmt.Printf("differences: %q\n", dsptest.Diff(blocks.Levels(), whole.Levels()))
	// Output:
	// differences: ""
}
