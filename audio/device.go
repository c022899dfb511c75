package audio

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/gordonklaus/portaudio"
)

// Defaults for the zero fields of a Device.
const (
	DefaultSampleRate      = 48000
	DefaultChannels        = 2
	DefaultFramesPerBuffer = 256
	DefaultStallTimeout    = 2 * time.Second
)

// A Device captures from a PortAudio input device. The zero value captures 2 channels at 48 kHz in blocks of
// 256 frames from the system's default input device.
//
// Its fields must not change while Run is running. Several Devices may run at once, each from its own
// goroutine.
type Device struct {
	// Name chooses the device: "" or "default" for the system's default input device, a decimal number for the
	// device with that index, otherwise the device's name as Devices lists it, or a part of one name
	// (case-insensitive) that no other input device's name contains.
	Name string

	SampleRate      int // frames per second; 0 means DefaultSampleRate
	Channels        int // 0 means DefaultChannels
	FramesPerBuffer int // frames per Write; 0 means DefaultFramesPerBuffer

	// Latency is the input latency asked of the host API: how much audio it may buffer before the callback
	// must have taken it. Too short and the device overflows (Writes carry InputOverflow). 0 means the device's
	// default high input latency, which suits a meter.
	Latency time.Duration

	// StallTimeout is how long Run lets a started stream go without delivering a block before it gives up
	// with an error, which is how a device that was unplugged or whose server died shows: PortAudio stops
	// calling back. The first block is allowed StallTimeout more, since some host APIs (PulseAudio through
	// ALSA) take over a second to start. 0 means DefaultStallTimeout; a negative value never gives up.
	StallTimeout time.Duration

	// Realtime asks for the FIFO real-time scheduling policy for PortAudio's audio thread (ALSA devices
	// only; other host APIs choose for themselves). On a busy machine a thread at normal priority is not woken
	// in time and the device overflows. Without the privilege (root, CAP_SYS_NICE or an rtprio limit), the
	// thread runs at normal priority.
	Realtime bool
}

// Format returns the format of the blocks Run delivers, with the defaults for zero fields.
func (d *Device) Format() Format {
	f := Format{SampleRate: d.SampleRate, Channels: d.Channels}
	if f.SampleRate == 0 {
		f.SampleRate = DefaultSampleRate
	}
	if f.Channels == 0 {
		f.Channels = DefaultChannels
	}
	return f
}

func (d *Device) framesPerBuffer() int {
	if d.FramesPerBuffer == 0 {
		return DefaultFramesPerBuffer
	}
	return d.FramesPerBuffer
}

func (d *Device) stallTimeout() time.Duration {
	if d.StallTimeout == 0 {
		return DefaultStallTimeout
	}
	return d.StallTimeout
}

// validate checks the fields that do not depend on the device.
func (d *Device) validate() error {
	switch {
	case d.SampleRate < 0:
		return fmt.Errorf("audio: sample rate %d is negative", d.SampleRate)
	case d.Channels < 0:
		return fmt.Errorf("audio: channel count %d is negative", d.Channels)
	case d.FramesPerBuffer < 0:
		return fmt.Errorf("audio: frames per buffer %d is negative", d.FramesPerBuffer)
	case d.Latency < 0:
		return fmt.Errorf("audio: input latency %v is negative", d.Latency)
	}
	return nil
}

// params finds the device and builds the stream parameters. PortAudio must be initialised and paMu held.
func (d *Device) params() (portaudio.StreamParameters, error) {
	var p portaudio.StreamParameters
	if err := d.validate(); err != nil {
		return p, err
	}
	dev, err := findDevice(d.Name)
	if err != nil {
		return p, err
	}
	f := d.Format()
	if f.Channels > dev.MaxInputChannels {
		return p, fmt.Errorf("audio: device %q has %d input channel%s; it cannot capture %d",
			dev.Name, dev.MaxInputChannels, plural(dev.MaxInputChannels), f.Channels)
	}
	p.Input = portaudio.StreamDeviceParameters{Device: dev, Channels: f.Channels, Latency: d.Latency}
	if p.Input.Latency == 0 {
		p.Input.Latency = dev.DefaultHighInputLatency
	}
	p.SampleRate = float64(f.SampleRate)
	p.FramesPerBuffer = d.framesPerBuffer()
	return p, nil
}

// Check finds the device and asks it whether it supports the format, without starting a stream. Its error is
// the one Run would return when opening the device, so a configuration can be validated at start-up.
func (d *Device) Check() error {
	return withPortAudio(func() error {
		p, err := d.params()
		if err != nil {
			return err
		}
		cb := &callback{}
		if err := filterStderr(func() error { return portaudio.IsFormatSupported(p, cb.process) }); err != nil {
			return d.openError(p, err)
		}
		return nil
	})
}

// openError explains why the device refused the stream.
func (d *Device) openError(p portaudio.StreamParameters, err error) error {
	dev := p.Input.Device
	var what string
	switch {
	case errors.Is(err, portaudio.InvalidSampleRate):
		what = fmt.Sprintf("refuses sample rate %d Hz (its default is %g Hz)", int(p.SampleRate), dev.DefaultSampleRate)
	case errors.Is(err, portaudio.InvalidChannelCount):
		what = fmt.Sprintf("refuses %d channel%s (it has %d)", p.Input.Channels, plural(p.Input.Channels), dev.MaxInputChannels)
	case errors.Is(err, portaudio.SampleFormatNotSupported):
		what = "does not deliver 32-bit float samples"
	case errors.Is(err, portaudio.BufferTooBig), errors.Is(err, portaudio.BufferTooSmall):
		what = fmt.Sprintf("refuses %d frames per buffer", p.FramesPerBuffer)
	case errors.Is(err, portaudio.DeviceUnavailable):
		what = "is unavailable (another program may be using it, or it was unplugged)"
	case errors.Is(err, portaudio.BadIODeviceCombination):
		// What PortAudio's ALSA host API reports for a device it listed that no longer answers.
		what = "cannot be opened for capture (it may have been unplugged, or its sound server stopped)"
	default:
		what = "cannot be opened for capture"
	}
	return fmt.Errorf("audio: device %q %s: %w", dev.Name, what, err)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// callback is what PortAudio's audio thread runs for every block.
type callback struct {
	w      Writer
	blocks atomic.Uint64 // blocks delivered: the watchdog's sign of life
}

// process hands the block to the Writer. It runs on the audio thread: besides Write, one atomic add, which
// neither allocates, locks nor enters the kernel. It is the only way to notice a stream that has died, since the
// binding reports neither a stream's end nor its state.
func (c *callback) process(in []float32, _ portaudio.StreamCallbackTimeInfo, flags portaudio.StreamCallbackFlags) {
	var s Status
	if flags&portaudio.InputOverflow != 0 {
		s = InputOverflow
	}
	c.w.Write(in, s)
	c.blocks.Add(1)
}

// Run opens the device, starts capturing and delivers every block to w from PortAudio's audio thread until ctx
// is done or the device stops delivering (see StallTimeout); then it stops and closes the stream. Write is not
// called after Run has returned. Run returns nil when ctx ended the run, and an error saying what went wrong
// otherwise; it never returns io.EOF.
func (d *Device) Run(ctx context.Context, w Writer) error {
	if ctx.Err() != nil {
		return nil
	}
	cb := &callback{w: w}
	stream, name, err := d.start(cb)
	if err != nil {
		return err
	}
	err = d.watch(ctx, cb, name)
	// A stalled stream's audio thread may be stuck inside the host API, where Stop would wait for it for ever;
	// Abort cancels it.
	if cerr := d.stop(stream, name, err != nil); err == nil {
		err = cerr
	}
	return err
}

// start opens and starts the stream, holding a PortAudio reference that stop releases.
func (d *Device) start(cb *callback) (*portaudio.Stream, string, error) {
	paMu.Lock()
	defer paMu.Unlock()
	if err := paAcquire(); err != nil {
		return nil, "", err
	}
	p, err := d.params()
	if err != nil {
		paRelease()
		return nil, "", err
	}
	name := p.Input.Device.Name
	streamOpens.Add(1)
	var stream *portaudio.Stream
	err = filterStderr(func() error {
		var err error
		stream, err = portaudio.OpenStream(p, cb.process)
		return err
	})
	if err != nil {
		paRelease()
		return nil, "", d.openError(p, err)
	}
	if d.Realtime && p.Input.Device.HostApi != nil {
		requestRealtime(stream, p.Input.Device.HostApi.Type)
	}
	if err := filterStderr(stream.Start); err != nil {
		stream.Close()
		paRelease()
		return nil, "", fmt.Errorf("audio: device %q: starting the stream: %w", name, err)
	}
	return stream, name, nil
}

// stop stops (or aborts) and closes the stream and releases start's PortAudio reference.
func (d *Device) stop(stream *portaudio.Stream, name string, abort bool) error {
	paMu.Lock()
	defer paMu.Unlock()
	var err error
	if abort {
		err = stream.Abort()
	} else {
		err = stream.Stop()
	}
	if err != nil {
		err = fmt.Errorf("audio: device %q: stopping the stream: %w", name, err)
	}
	if cerr := stream.Close(); cerr != nil && err == nil {
		err = fmt.Errorf("audio: device %q: closing the stream: %w", name, cerr)
	}
	if rerr := paRelease(); rerr != nil && err == nil {
		err = rerr
	}
	return err
}

// watch waits for ctx to end, checking a few times per StallTimeout that blocks keep coming.
func (d *Device) watch(ctx context.Context, cb *callback, name string) error {
	timeout := d.stallTimeout()
	if timeout < 0 {
		<-ctx.Done()
		return nil
	}
	tick := time.NewTicker(timeout / 4)
	defer tick.Stop()
	last, seen := cb.blocks.Load(), time.Now()
	allow := 2 * timeout // the first block may be slow to come
	for {
		select {
		case <-ctx.Done():
			return nil
		case now := <-tick.C:
			if n := cb.blocks.Load(); n != last {
				last, seen, allow = n, now, timeout
				continue
			}
			if since := now.Sub(seen); since >= allow {
				if last == 0 {
					return fmt.Errorf("audio: device %q delivered nothing in the %v after it started", name, since.Round(time.Millisecond))
				}
				return fmt.Errorf("audio: device %q stopped delivering audio (nothing for %v after %d blocks); it may have been unplugged or its sound server stopped",
					name, since.Round(time.Millisecond), last)
			}
		}
	}
}
