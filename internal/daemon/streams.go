package daemon

import (
	"context"
	"fmt"
	"math"
	"os"

	"github.com/rs/zerolog"

	"github.com/levelmeter/levelmeter/audio"
	"github.com/levelmeter/levelmeter/audio/wavfile"
	"github.com/levelmeter/levelmeter/config"
	"github.com/levelmeter/levelmeter/pipeline"
)

// streamInput maps a command or standard-input source to a pipeline input.
//
// A command is a live feed: one that fails before its first block (a stream that is down at start-up) is
// retried with the pipeline's backoff like any later failure, while a command that cannot be started at all
// was refused by the configuration's validation. Its own stall timeout (read deadlines on its output) fires
// before the pipeline's watchdog, which is only a backstop: the command's ErrStalled says more, and it is
// counted as a stall in the source's Stats. Standard input is read once; its end ends the source.
func streamInput(cfg *config.Config, i int, in pipeline.Input) (pipeline.Input, error) {
	s := &cfg.Sources[i]
	key := fmt.Sprintf("sources[%d]", i)
	enc, err := audio.ParseEncoding(s.Format)
	if err != nil {
		return in, cfg.Errorf(key+".format", s.Format, "%w", err)
	}
	// The pipeline's watchdog waits for the stream's own stall timeout and the command's stopping first.
	in.StallTimeout = s.StallTimeout + s.KillGrace + pipeline.DefaultStallTimeout
	var info wavfile.Info
	if s.Kind() == config.KindCommand {
		c := &audio.Command{
			Args:            s.Command,
			Shell:           s.Shell,
			Encoding:        enc,
			SampleRate:      s.SampleRate,
			Channels:        s.Channels,
			FramesPerBuffer: s.FramesPerBuffer,
			StallTimeout:    s.StallTimeout,
			KillGrace:       s.KillGrace,
		}
		if err := c.Check(); err != nil {
			return in, cfg.Errorf(key+".command", c.String(), "cannot be run: %w", err)
		}
		in.Source, in.Retry = c, true
		if enc != audio.WAV {
			info, _ = c.Probe(context.Background()) // a raw encoding: the declared format, nothing run
		}
	} else {
		st, err := audio.NewStream(os.Stdin, enc, audio.Format{SampleRate: s.SampleRate, Channels: s.Channels})
		if err != nil {
			return in, cfg.Errorf(key+".stdin", true, "cannot be read: %w", err)
		}
		st.FramesPerBuffer, st.StallTimeout = s.FramesPerBuffer, s.StallTimeout
		in.Source, info = st, st.Info()
	}
	in.ClipLevel = clipLevel(info)
	return in, nil
}

// clipLevel is the clip level of integer samples: as for a file (and as analyze does), the positive extreme is
// one step short of 1.0 and clips too. 0 (the meter's default) for floats and for a format not known yet.
func clipLevel(info wavfile.Info) float64 {
	if info.Encoding != wavfile.PCM || info.BitsPerSample == 0 {
		return 0
	}
	full := math.Ldexp(1, info.BitsPerSample-1)
	return float64(float32((full - 1) / full))
}

// logStderr sends the standard error of the command sources among inputs to the log, one warning per line,
// labelled with the source (the command limits the lines' length and rate).
func logStderr(inputs []pipeline.Input, log zerolog.Logger) {
	for _, in := range inputs {
		c, ok := in.Source.(*audio.Command)
		if !ok || c.Stderr != nil {
			continue
		}
		name := in.Name
		c.Stderr = func(line string) {
			log.Warn().Str("source", name).Str("stderr", line).Msg("the source's command wrote to standard error")
		}
	}
}
