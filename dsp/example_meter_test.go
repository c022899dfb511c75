package dsp_test

import (
	"fmt"
	"math"
	"sync"

	"github.com/levelmeter/levelmeter/dsp"
)

// A stereo 1 kHz sine at -20 dBFS, one second of it, measured in blocks of 480 frames.
func ExampleMeter() {
	m, err := dsp.NewMeter(dsp.Config{SampleRate: 48000, Channels: 2})
	if err != nil {
		fmt.Println(err)
		return
	}
	block := make([]float32, 2*480)
	for n := 0; n < 48000; n += 480 {
		for i := range 480 {
			v := float32(0.1 * math.Sin(2*math.Pi*1000*float64(n+i)/48000))
			block[2*i], block[2*i+1] = v, v
		}
		m.Process(block)
	}
	l := m.Levels()
	fmt.Printf("peak %.2f dBFS, true peak %.2f dBTP, RMS %.2f dBFS, crest factor %.2f dB\n",
		l.Overall.SamplePeak, l.Overall.TruePeak, l.Overall.RMS, l.Overall.CrestFactor)
	fmt.Printf("correlation %.2f, clipped %d\n", l.Correlation, l.Overall.Clipped)
	// Output:
	// peak -20.00 dBFS, true peak -20.00 dBTP, RMS -23.01 dBFS, crest factor 3.01 dB
	// correlation 1.00, clipped 0
}

// Interval reports what came since the previous call: here, one line per 100 ms of a tone that fades out.
func ExampleMeter_Interval() {
	m, err := dsp.NewMeter(dsp.Config{SampleRate: 48000, Channels: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	block := make([]float32, 4800)
	for k := range 4 {
		gain := math.Pow(10, -float64(6*k)/20)
		for i := range block {
			block[i] = float32(gain * math.Sin(2*math.Pi*float64(i)/48))
		}
		m.Process(block)
		iv := m.Interval()
		fmt.Printf("%d frames: peak %6.2f dBFS, RMS %6.2f dBFS\n", iv.Frames, iv.Overall.SamplePeak, iv.Overall.RMS)
	}
	fmt.Printf("total %d frames: peak %.2f dBFS\n", m.Levels().Frames, m.Levels().Overall.SamplePeak)
	// Output:
	// 4800 frames: peak   0.00 dBFS, RMS  -3.01 dBFS
	// 4800 frames: peak  -6.00 dBFS, RMS  -9.01 dBFS
	// 4800 frames: peak -12.00 dBFS, RMS -15.01 dBFS
	// 4800 frames: peak -18.00 dBFS, RMS -21.01 dBFS
	// total 19200 frames: peak 0.00 dBFS
}

// The display state for a live meter: after a full-scale burst with a clipped run, then 1 s of silence, the
// bar has fallen 11.8 dB, the peak-hold marker still holds, and the clip light is on.
func ExampleDisplay() {
	m, err := dsp.NewMeter(dsp.Config{SampleRate: 48000, Channels: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	burst := make([]float32, 480)
	for i := range burst {
		burst[i] = 1
	}
	m.Process(burst)
	m.Process(make([]float32, 48000))
	d := m.Levels().Display[0]
	fmt.Printf("bar %.1f dBFS, hold %.1f dBFS, clip %v\n", d.Peak, d.Hold, d.Clip)
	// Output:
	// bar -11.8 dBFS, hold 0.0 dBFS, clip true
}

// A long input measured in two parts at once, each on its own goroutine, and merged: the second part's meter is
// primed on the PrimeFrames before it, and the whole's meter starts an Interval where the second part starts, as
// the parts' meters do, so that both refine the same true-peak candidates.
func ExampleMeter_Merge() {
	const rate, cut = 48000, 12 * 48000
	x := make([]float32, 20*rate) // 20 s of mono programme
	for i := range x {
		x[i] = float32(0.25 * math.Sin(2*math.Pi*1000*float64(i)/rate) * (1 + float64(i/rate%3)))
	}
	cfg := dsp.Config{SampleRate: rate, Channels: 1}

	whole, _ := dsp.NewMeter(cfg)
	whole.Process(x[:cut])
	whole.Interval()
	whole.Process(x[cut:])
	whole.End()

	first, _ := dsp.NewMeter(cfg)
	second, _ := dsp.NewMeter(cfg)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); first.Process(x[:cut]) }()
	go func() {
		defer wg.Done()
		second.Prime(x[cut-dsp.PrimeFrames(rate) : cut])
		second.Process(x[cut:])
		second.End()
	}()
	wg.Wait()
	if err := first.Merge(second); err != nil {
		fmt.Println(err)
		return
	}
	w, s := whole.Levels(), first.Levels()
	fmt.Printf("whole: %.4f LUFS, %.4f dBTP, %d frames\n", w.Loudness.Integrated, w.Overall.TruePeak, w.Frames)
	fmt.Printf("split: %.4f LUFS, %.4f dBTP, %d frames\n", s.Loudness.Integrated, s.Overall.TruePeak, s.Frames)
	// Output:
	// whole: -8.5323 LUFS, -2.4988 dBTP, 960000 frames
	// split: -8.5323 LUFS, -2.4988 dBTP, 960000 frames
}
