package pipeline_test

import (
	"context"
	"fmt"
	"sync"

	"github.com/levelmeter/levelmeter/audio"
	"github.com/levelmeter/levelmeter/pipeline"
)

// idleSource delivers nothing until it is stopped.
type idleSource struct{}

func (idleSource) Format() audio.Format { return audio.Format{SampleRate: 48000, Channels: 1} }

func (idleSource) Run(ctx context.Context, w audio.Writer) error {
	<-ctx.Done()
	return nil
}

// A running pipeline's sources are changed with Change: the removed source's Final report is queued before
// Change returns, and the run goes on with the new source (here until it ends).
func ExamplePipeline_Change() {
	var once sync.Once
	running := make(chan struct{})
	p, err := pipeline.New(pipeline.Options{
		Inputs: []pipeline.Input{{Name: "old", Source: idleSource{}}},
		Reporters: []pipeline.Reporter{pipeline.ReporterFunc(func(r *pipeline.Report) {
			once.Do(func() { close(running) })
			if r.Final {
				fmt.Printf("%s: final report, %d frames metered\n", r.Source, r.Counters.Metered)
			}
		})},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	ran := make(chan error)
	go func() { ran <- p.Run(context.Background()) }()
	<-running
	if err := p.Change([]string{"old"}, []pipeline.Input{{Name: "tone", Source: sineSource{}}}); err != nil {
		fmt.Println(err)
	}
	if err := <-ran; err != nil {
		fmt.Println(err)
	}
	// Output:
	// old: final report, 0 frames metered
	// tone: final report, 48000 frames metered
}
