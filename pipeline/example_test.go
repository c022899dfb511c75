package pipeline_test

import (
	"context"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/levelmeter/levelmeter/alarm"
	"github.com/levelmeter/levelmeter/audio"
	"github.com/levelmeter/levelmeter/pipeline"
)

// sineSource delivers one second of a 1 kHz sine at -6 dBFS, as fast as the pipeline takes it.
type sineSource struct{}

func (sineSource) Format() audio.Format { return audio.Format{SampleRate: 48000, Channels: 1} }

func (sineSource) Run(ctx context.Context, w audio.Writer) error {
	block := make([]float32, 480)
	sw := w.(audio.SpaceWaiter) // the pipeline's writer can be waited on, so nothing is dropped
	for i := 0; i < 100; i++ {
		for j := range block {
			block[j] = float32(0.5 * math.Sin(2*math.Pi*1000*float64(i*480+j)/48000))
		}
		if err := sw.WaitFree(ctx, len(block)); err != nil {
			return nil
		}
		w.Write(block, 0)
	}
	return io.EOF
}

func Example() {
	p, err := pipeline.New(pipeline.Options{
		Inputs: []pipeline.Input{{Name: "tone", Source: sineSource{}}},
		Reporters: []pipeline.Reporter{pipeline.ReporterFunc(func(r *pipeline.Report) {
			if r.Final {
				c := r.Counters
				fmt.Printf("%s: %d frames captured = %d metered + %d dropped; peak %.2f dBFS, RMS %.2f dBFS\n",
					r.Source, c.Captured, c.Metered, c.Dropped, r.Total.Overall.SamplePeak, r.Total.Overall.RMS)
			}
		})},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	// Run returns when the source ends (or the context is done), after the Final reports.
	if err := p.Run(context.Background()); err != nil {
		fmt.Println(err)
	}
	// Output:
	// tone: 48000 frames captured = 48000 metered + 0 dropped; peak -6.02 dBFS, RMS -9.03 dBFS
}

// silentSource delivers three seconds of digital silence, as fast as the pipeline takes it.
type silentSource struct{}

func (silentSource) Format() audio.Format { return audio.Format{SampleRate: 48000, Channels: 2} }

func (silentSource) Run(ctx context.Context, w audio.Writer) error {
	block := make([]float32, 2*480)
	for range 300 {
		if err := w.(audio.SpaceWaiter).WaitFree(ctx, 480); err != nil {
			return nil
		}
		w.Write(block, 0)
	}
	return io.EOF
}

// A fast source's alarms fall at the same position in its audio on every machine.
func Example_alarms() {
	cfg := alarm.DefaultConfig()
	cfg.Rules[alarm.Silence].OnDelay = time.Second
	p, err := pipeline.New(pipeline.Options{
		Inputs: []pipeline.Input{{Name: "feed", Source: silentSource{}, Fast: true, Alarms: &cfg}},
		Reporters: []pipeline.Reporter{pipeline.ReporterFunc(func(r *pipeline.Report) {
			for _, e := range r.Events() {
				fmt.Printf("%s: %s %s at %v of audio", r.Source, e.Kind, e.State, e.Stream)
				if e.Stopped {
					fmt.Print(", as the source stopped")
				}
				fmt.Println()
			}
			if r.Final {
				st := r.AlarmStatus[alarm.Silence]
				fmt.Printf("%s: silence started %d time(s), active for %v\n", r.Source, st.Starts, st.ActiveTime)
			}
		})},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	p.Run(context.Background())
	// Output:
	// feed: silence start at 1s of audio
	// feed: silence end at 3s of audio, as the source stopped
	// feed: silence started 1 time(s), active for 2s
}
