// Command pacedsine writes a sine to standard output as raw s16le PCM in real time, like a live feed: the load
// generator of scripts/scale.sh, cheap enough that dozens of them leave the machine to the meter.
//
//	pacedsine [-rate 48000] [-channels 2] [-freq 997] [-amp 0.1] [-block 20ms]
//
// Blocks are written on absolute deadlines, so the stream keeps time; it runs until its output is closed.
package main

import (
	"encoding/binary"
	"flag"
	"math"
	"os"
	"time"
)

func main() {
	rate := flag.Int("rate", 48000, "sample rate")
	channels := flag.Int("channels", 2, "channels")
	freq := flag.Float64("freq", 997, "frequency in Hz")
	amp := flag.Float64("amp", 0.1, "peak amplitude, 0 to 1")
	block := flag.Duration("block", 20*time.Millisecond, "audio per write")
	flag.Parse()
	frames := int(int64(*rate) * int64(*block) / int64(time.Second))
	// One period's worth of samples repeats exactly only for some frequencies; compute each block instead.
	buf := make([]byte, frames**channels*2)
	start := time.Now()
	for n := 0; ; {
		for i := 0; i < frames; i++ {
			v := uint16(int16(math.Round(*amp * 32767 * math.Sin(2*math.Pi**freq*float64(n+i)/float64(*rate)))))
			for c := 0; c < *channels; c++ {
				binary.LittleEndian.PutUint16(buf[2*(i**channels+c):], v)
			}
		}
		if _, err := os.Stdout.Write(buf); err != nil {
			return
		}
		n += frames
		time.Sleep(time.Until(start.Add(time.Duration(n) * time.Second / time.Duration(*rate))))
	}
}
