package daemon

import (
	"fmt"
	"math"
	"time"

	"github.com/levelmeter/levelmeter/audio"
	"github.com/levelmeter/levelmeter/audio/wavfile"
	"github.com/levelmeter/levelmeter/config"
	"github.com/levelmeter/levelmeter/dsp"
	"github.com/levelmeter/levelmeter/pipeline"
)

// OpenInputs makes the pipeline's inputs from the configured sources (see Input).
func OpenInputs(cfg *config.Config) ([]pipeline.Input, error) {
	var inputs []pipeline.Input
	for i := range cfg.Sources {
		in, err := Input(cfg, i)
		if err != nil {
			return nil, err // the sources hold nothing until they run
		}
		inputs = append(inputs, in)
	}
	return inputs, nil
}

// Input maps the validated source cfg.Sources[i] to a pipeline input: it is the one place a configured source
// becomes something to meter. A WAV file is opened and must match the rate and channels the source states; a
// device is asked whether it supports the configured format, so that a refused rate or a missing device stops
// the start with an error naming the source's key. Errors wrap the audio package's (errors.Is finds
// audio.ErrDeviceNotFound, audio.ErrNoInputDevice).
func Input(cfg *config.Config, i int) (pipeline.Input, error) { return input(cfg, i, true) }

// input is Input; without check a device is not asked about its format: a reload restarting a source on the
// device it holds open (an ALSA hw: device can be opened once) would be told it is busy.
func input(cfg *config.Config, i int, check bool) (pipeline.Input, error) {
	s := &cfg.Sources[i]
	key := fmt.Sprintf("sources[%d]", i)
	in := pipeline.Input{Name: s.Name, RingFrames: s.RingCapacity, Windows: cfg.WindowsOf(i)}
	acfg, err := cfg.AlarmConfig(i)
	if err != nil {
		return in, cfg.Errorf(key+".alarms", "", "%w", err)
	}
	in.Alarms = &acfg
	switch s.Kind() {
	case config.KindCommand, config.KindStdin:
		return streamInput(cfg, i, in)
	}
	if s.WAV != "" {
		f, err := audio.OpenFile(s.WAV)
		if err != nil {
			return in, cfg.Errorf(key+".wav", s.WAV, "cannot be replayed: %w", err)
		}
		info := f.Info()
		if s.SampleRate != 0 && s.SampleRate != info.SampleRate {
			return in, cfg.Errorf(key+".sample_rate", s.SampleRate,
				"does not match the file, which is %d Hz; omit sample_rate to use the file's", info.SampleRate)
		}
		if s.Channels != 0 && s.Channels != info.Channels {
			return in, cfg.Errorf(key+".channels", s.Channels,
				"does not match the file, which has %d; omit channels to use the file's", info.Channels)
		}
		// The channels' positions: the layout key, or else the file's channel mask (or the default for its
		// channel count).
		in.Layout = dsp.LayoutFromMask(info.ChannelMask, info.Channels)
		if s.Layout != "" {
			l, err := dsp.ParseLayout(s.Layout)
			if err != nil {
				return in, cfg.Errorf(key+".layout", s.Layout, "%v", err)
			}
			if len(l) != info.Channels {
				return in, cfg.Errorf(key+".layout", s.Layout, "has %d channels, the file %d; give a layout of %d channels",
					len(l), info.Channels, info.Channels)
			}
			in.Layout = l
		}
		f.Paced = s.Pace == config.PaceRealtime
		in.Fast = !f.Paced
		f.Loop = s.Loop
		f.FramesPerBuffer = s.FramesPerBuffer
		in.Source = f
		if info.Encoding == wavfile.PCM {
			// As analyze does: the positive integer extreme is one step short of 1.0 and clips too.
			full := math.Ldexp(1, info.BitsPerSample-1)
			in.ClipLevel = float64(float32((full - 1) / full))
		}
	} else {
		d := &audio.Device{
			Name:            s.Device,
			SampleRate:      s.SampleRate,
			Channels:        s.Channels,
			FramesPerBuffer: s.FramesPerBuffer,
			Latency:         s.InputLatency,
			Realtime:        s.RealtimeOn(),
		}
		if check {
			if err := d.Check(); err != nil {
				return in, cfg.Errorf(key+".device", s.Device, "(%d Hz, %d channels) cannot be opened: %w",
					d.Format().SampleRate, d.Format().Channels, err)
			}
		}
		in.Source = d
		if s.Layout != "" {
			l, err := dsp.ParseLayout(s.Layout)
			if err != nil {
				return in, cfg.Errorf(key+".layout", s.Layout, "%v", err)
			}
			if len(l) != d.Format().Channels {
				return in, cfg.Errorf(key+".layout", s.Layout, "has %d channels, the device %d; give a layout of %d channels",
					len(l), d.Format().Channels, d.Format().Channels)
			}
			in.Layout = l
		}
	}
	// The pipeline restarts a source that delivers nothing for its stall timeout; a source with long blocks
	// gets four blocks' time.
	if f := in.Source.Format(); f.SampleRate > 0 {
		block := time.Duration(s.FramesPerBuffer) * time.Second / time.Duration(f.SampleRate)
		in.StallTimeout = max(pipeline.DefaultStallTimeout, 4*block)
	}
	return in, nil
}
