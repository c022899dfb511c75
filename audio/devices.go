package audio

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gordonklaus/portaudio"
)

// ErrNoInputDevice is returned (wrapped) when the system has no audio input device at all, as on a server or in a
// container without a sound card.
var ErrNoInputDevice = errors.New("no audio input device found")

// ErrDeviceNotFound is matched (errors.Is) by the error returned when no input device matches the name asked
// for.
var ErrDeviceNotFound = errors.New("no such input device")

// notFoundError says which device was not found; it matches ErrDeviceNotFound. The command line adds the
// remedy (`levelmeter devices` lists them).
type notFoundError struct{ msg string }

func (e *notFoundError) Error() string        { return "audio: " + e.msg }
func (e *notFoundError) Is(target error) bool { return target == ErrDeviceNotFound }

func notFound(format string, args ...any) error { return &notFoundError{fmt.Sprintf(format, args...)} }

// DeviceInfo describes an audio input device.
type DeviceInfo struct {
	Index             int     // PortAudio's index: stable until devices are added or removed
	Name              string  // the host API's name for it, e.g. "HDA Intel PCH: ALC892 Analog (hw:0,0)"
	HostAPI           string  // "ALSA", "JACK Audio Connection Kit", "OSS", ...
	MaxInputChannels  int     // at least 1
	DefaultSampleRate float64 // frames per second
	// DefaultLowInputLatency and DefaultHighInputLatency are the host API's suggestions for interactive use and
	// for robust recording.
	DefaultLowInputLatency  time.Duration
	DefaultHighInputLatency time.Duration
	Default                 bool // the system's default input device
}

// Devices lists the audio input devices, in PortAudio's index order; devices that only play sound are left out.
// It returns an error wrapping ErrNoInputDevice when there are none.
//
// PortAudio scans the devices when it is first initialised in the process and keeps that list until every
// Device has stopped running, so a device plugged in meanwhile shows up only after that.
func Devices() ([]DeviceInfo, error) {
	var list []DeviceInfo
	err := withPortAudio(func() error {
		var err error
		list, err = inputDevices()
		return err
	})
	return list, err
}

// inputDevices lists the input devices. PortAudio must be initialised and paMu held.
func inputDevices() ([]DeviceInfo, error) {
	all, err := portaudio.Devices()
	if err != nil {
		return nil, fmt.Errorf("audio: listing devices: %w", err)
	}
	def := -1
	if d, err := portaudio.DefaultInputDevice(); err == nil && d != nil {
		def = d.Index
	}
	return inputs(all, def)
}

// inputs describes the input devices among all; def is the default input device's index, or -1.
func inputs(all []*portaudio.DeviceInfo, def int) ([]DeviceInfo, error) {
	var list []DeviceInfo
	for _, d := range all {
		if d.MaxInputChannels < 1 {
			continue
		}
		info := DeviceInfo{
			Index:                   d.Index,
			Name:                    d.Name,
			MaxInputChannels:        d.MaxInputChannels,
			DefaultSampleRate:       d.DefaultSampleRate,
			DefaultLowInputLatency:  d.DefaultLowInputLatency,
			DefaultHighInputLatency: d.DefaultHighInputLatency,
			Default:                 d.Index == def,
		}
		if d.HostApi != nil {
			info.HostAPI = d.HostApi.Name
		}
		list = append(list, info)
	}
	if len(list) == 0 {
		return nil, fmt.Errorf("audio: %w", ErrNoInputDevice)
	}
	return list, nil
}

// findDevice resolves a device name as documented on Device.Name. PortAudio must be initialised and paMu held.
func findDevice(name string) (*portaudio.DeviceInfo, error) {
	list, err := inputDevices()
	if err != nil {
		return nil, err
	}
	info, err := pick(list, name)
	if err != nil {
		return nil, err
	}
	all, err := portaudio.Devices()
	if err != nil {
		return nil, fmt.Errorf("audio: listing devices: %w", err)
	}
	return all[info.Index], nil
}

// pick chooses the device that name designates among the input devices in list.
func pick(list []DeviceInfo, name string) (DeviceInfo, error) {
	switch name = strings.TrimSpace(name); name {
	case "", "default":
		for _, d := range list {
			if d.Default {
				return d, nil
			}
		}
		return DeviceInfo{}, notFound("the system has no default input device")
	}
	if i, err := strconv.Atoi(name); err == nil {
		for _, d := range list {
			if d.Index == i {
				return d, nil
			}
		}
		return DeviceInfo{}, notFound("no input device has index %d", i)
	}
	for _, d := range list {
		if d.Name == name {
			return d, nil
		}
	}
	// Host API names are long ("USB Audio Device: - (hw:1,0)"); a unique case-insensitive part of one will do.
	var found []DeviceInfo
	for _, d := range list {
		if strings.Contains(strings.ToLower(d.Name), strings.ToLower(name)) {
			found = append(found, d)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return DeviceInfo{}, notFound("no input device named %q", name)
	}
	names := make([]string, len(found))
	for i, d := range found {
		names[i] = fmt.Sprintf("%d %q", d.Index, d.Name)
	}
	return DeviceInfo{}, notFound("%q matches %d input devices (%s); give the full name or the index",
		name, len(found), strings.Join(names, ", "))
}
