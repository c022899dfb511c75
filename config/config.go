// Package config reads levelmeter's configuration: the sources to meter, the report and log cadence, the peak
// meter ballistics and the HTTP listen address.
//
// Decoding is strict. An unknown key, a value of the wrong type (a fractional sample rate, a duration without a
// unit), an explicit zero where zero means nothing, or a value out of range is an error that names the key's
// path (sources[1].ring_capacity), the value, what is valid and, when the value came from a file, the line.
// Nothing is silently rounded, truncated or replaced.
//
// Omitted keys take the defaults documented on each field; Default returns them.
package config

import (
	"fmt"
	"math"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Config is the whole configuration. Its zero value, after SetDefaults, is valid except that it has no sources.
type Config struct {
	// Sources are the inputs to meter, each with its own ring and DSP goroutine. At least one is required.
	Sources []Source `yaml:"sources"`

	// ReportInterval is how often each source's levels are taken and handed to the reporters (logs, web,
	// metrics). Default 100ms; 1ms to 1h.
	ReportInterval time.Duration `yaml:"report_interval"`

	// PeakHold is how long the peak-hold marker stays before it falls. Default 2s; 1ms to 1h.
	PeakHold time.Duration `yaml:"peak_hold"`
	// PeakDecay is how fast the peak bar and marker fall, in dB per second. Default 11.76 (IEC 60268-18:
	// 20 dB in 1.7 s); 0.1 to 10000.
	PeakDecay float64 `yaml:"peak_decay"`

	Log  Log  `yaml:"log"`
	HTTP HTTP `yaml:"http"`

	file   string            // the file the configuration came from, for errors
	lines  map[string]int    // key path → line in file, for errors found after decoding
	origin map[string]string // key path → the flag that set it
}

// A Source is one input: a sound device or a WAV file replayed like one. Exactly one of Device and WAV is set.
type Source struct {
	// Name labels the source in logs, metrics and the web page; names are unique. Default: the device
	// string, or the WAV file's base name without its extension.
	Name string `yaml:"name"`

	// Device selects a PortAudio input device: "default", its index in `levelmeter devices`, or (part of) its
	// name.
	Device string `yaml:"device"`
	// WAV is the path of a WAV file to replay, relative to the configuration file's directory.
	WAV string `yaml:"wav"`
	// Pace is how a WAV file is replayed: "realtime" (default; it behaves like a device, and frames that do
	// not fit in the ring are dropped and counted) or "fast" (as fast as the meter takes them, nothing dropped).
	Pace string `yaml:"pace"`
	// Loop replays a WAV file from its start when it ends. Without it the source ends with the file.
	Loop bool `yaml:"loop"`

	// SampleRate in frames per second. For a device, default 48000; for a WAV file, omit it (the file's rate is
	// used) or give the file's rate.
	SampleRate int `yaml:"sample_rate"`
	// Channels, 1 to 8. For a device, default 2; for a WAV file, omit it or give the file's channel count.
	Channels int `yaml:"channels"`
	// FramesPerBuffer is the block size: frames per device callback, or per block replayed from a file.
	// Default 256; at most RingCapacity.
	FramesPerBuffer int `yaml:"frames_per_buffer"`
	// InputLatency is the input latency asked of the device: how much audio it may buffer before the meter
	// must have taken it. Default (omitted or 0s): the device's suggested latency for robust capture. Devices
	// only.
	InputLatency time.Duration `yaml:"input_latency"`
	// RingCapacity is how many frames the ring between the source and its meter holds: a power of two from
	// 16 to 16777216. Default 16384 (341 ms at 48 kHz).
	RingCapacity int `yaml:"ring_capacity"`
	// Realtime asks for real-time scheduling (SCHED_FIFO, priority 1) for the device's audio thread, so that a
	// loaded machine does not starve the stream; without the privilege (CAP_SYS_NICE or an rtprio limit) the
	// thread keeps its normal priority. Default true (SetDefaults makes it non-nil for a device). Devices only.
	Realtime *bool `yaml:"realtime"`
}

// Log configures the log reporter.
type Log struct {
	// Level is the least severe level written: trace, debug, info (default), warn or error.
	Level string `yaml:"level"`
	// Format is "json" (one JSON object per line), "console" (human-readable) or "auto" (default: console on a
	// terminal, JSON otherwise).
	Format string `yaml:"format"`
	// Interval is how often a level line is written per source; drop and overflow warnings are limited to one
	// per source per interval. Default 1s; 1ms to 24h.
	Interval time.Duration `yaml:"interval"`
}

// HTTP configures the HTTP server that serves the live web meter and Prometheus metrics.
type HTTP struct {
	// Listen is the host:port to listen on. Default 127.0.0.1:9464; "" (an empty string) disables the server.
	Listen string `yaml:"listen"`
	// Metrics serves Prometheus metrics at /metrics. Default true.
	Metrics bool `yaml:"metrics"`
	// Web serves the live web meter at /. Default true.
	Web bool `yaml:"web"`
}

// Pace values.
const (
	PaceRealtime = "realtime"
	PaceFast     = "fast"
)

// Defaults of omitted keys.
const (
	DefaultReportInterval  = 100 * time.Millisecond
	DefaultPeakHold        = 2 * time.Second
	DefaultPeakDecay       = 20 / 1.7
	DefaultLogLevel        = "info"
	DefaultLogFormat       = "auto"
	DefaultLogInterval     = time.Second
	DefaultListen          = "127.0.0.1:9464"
	DefaultSampleRate      = 48000
	DefaultChannels        = 2
	DefaultFramesPerBuffer = 256
	DefaultRingCapacity    = 16384
)

// Limits.
const (
	MaxChannels     = 8
	MaxSampleRate   = 1 << 20
	MinRingCapacity = 16
	MaxRingCapacity = 1 << 24
)

// Default returns the configuration with every default and no sources.
func Default() *Config {
	return &Config{
		ReportInterval: DefaultReportInterval,
		PeakHold:       DefaultPeakHold,
		PeakDecay:      DefaultPeakDecay,
		Log:            Log{Level: DefaultLogLevel, Format: DefaultLogFormat, Interval: DefaultLogInterval},
		HTTP:           HTTP{Listen: DefaultListen, Metrics: true, Web: true},
	}
}

// RealtimeOn reports whether s asks for real-time scheduling: Realtime, or its default (true) when unset.
func (s *Source) RealtimeOn() bool { return s.Realtime == nil || *s.Realtime }

// IsDevice reports whether s is a device (not a WAV file).
func (s *Source) IsDevice() bool { return s.WAV == "" }

// SetDefaults fills the omitted (zero) fields of the sources with their defaults. Load and Parse call it; call
// it again after adding sources in code.
func (c *Config) SetDefaults() {
	for i := range c.Sources {
		s := &c.Sources[i]
		if s.Name == "" {
			s.Name = s.defaultName()
		}
		if s.FramesPerBuffer == 0 {
			s.FramesPerBuffer = DefaultFramesPerBuffer
		}
		if s.RingCapacity == 0 {
			s.RingCapacity = DefaultRingCapacity
		}
		if s.IsDevice() {
			if s.SampleRate == 0 {
				s.SampleRate = DefaultSampleRate
			}
			if s.Channels == 0 {
				s.Channels = DefaultChannels
			}
			if s.Realtime == nil {
				on := true
				s.Realtime = &on
			}
		} else if s.Pace == "" {
			s.Pace = PaceRealtime
		}
	}
}

func (s *Source) defaultName() string {
	switch {
	case s.WAV != "":
		b := filepath.Base(s.WAV)
		return strings.TrimSuffix(b, filepath.Ext(b))
	case s.Device != "":
		return s.Device
	}
	return ""
}

// Validate checks every value and returns an error listing every problem (an Errors), or nil.
func (c *Config) Validate() error {
	var errs Errors
	add := func(key string, value any, format string, args ...any) {
		errs = append(errs, c.errorf(key, value, format, args...))
	}

	if len(c.Sources) == 0 {
		errs = append(errs, c.keyError("sources",
			"no sources configured; add one with a device (device: default) or a WAV file (wav: FILE)"))
	}
	names := map[string]int{}
	for i := range c.Sources {
		s := &c.Sources[i]
		p := fmt.Sprintf("sources[%d]", i)
		switch {
		case s.Device != "" && s.WAV != "":
			errs = append(errs, c.keyError(p, "has both device and wav; a source is either a device or a WAV file"))
		case s.Device == "" && s.WAV == "":
			errs = append(errs, c.keyError(p, "has neither device nor wav; set device: default (a sound card) or wav: FILE"))
		}
		if strings.TrimSpace(s.Name) == "" {
			add(p+".name", s.Name, "is empty; give the source a name")
		} else if j, dup := names[s.Name]; dup {
			add(p+".name", s.Name, "is already the name of sources[%d]; source names must be unique (set name:)", j)
		} else {
			names[s.Name] = i
		}
		if s.WAV != "" {
			switch fi, err := os.Stat(s.WAV); {
			case err != nil && os.IsNotExist(err):
				add(p+".wav", s.WAV, "does not exist; give the path of a WAV file")
			case err != nil:
				add(p+".wav", s.WAV, "cannot be read: %v", unwrapPath(err))
			case fi.IsDir():
				add(p+".wav", s.WAV, "is a directory; give the path of a WAV file")
			case !fi.Mode().IsRegular():
				// A FIFO would hold the start-up until something writes to it, and a replay needs the size.
				add(p+".wav", s.WAV, "is not a regular file (%s); give the path of a WAV file", fileKind(fi.Mode()))
			}
			if s.Pace != PaceRealtime && s.Pace != PaceFast {
				add(p+".pace", s.Pace, "is not a pace; use realtime or fast")
			}
			if s.InputLatency != 0 {
				add(p+".input_latency", s.InputLatency, "applies to devices only; remove it from a wav source")
			}
			if s.Realtime != nil {
				add(p+".realtime", *s.Realtime, "applies to devices only; remove it from a wav source")
			}
		} else if s.Device != "" {
			if s.Pace != "" {
				add(p+".pace", s.Pace, "applies to wav sources only; a device runs at its own pace")
			}
			if s.Loop {
				add(p+".loop", s.Loop, "applies to wav sources only")
			}
		}
		if s.SampleRate < 0 || s.SampleRate > MaxSampleRate || (s.SampleRate == 0 && s.IsDevice()) {
			add(p+".sample_rate", s.SampleRate, "is not a sample rate; must be 1 to %d frames per second", MaxSampleRate)
		}
		if s.Channels < 0 || s.Channels > MaxChannels || (s.Channels == 0 && s.IsDevice()) {
			add(p+".channels", s.Channels, "is out of range; must be 1 to %d", MaxChannels)
		}
		ringOK := true
		if s.RingCapacity < MinRingCapacity || s.RingCapacity > MaxRingCapacity || s.RingCapacity&(s.RingCapacity-1) != 0 {
			ringOK = false
			add(p+".ring_capacity", s.RingCapacity, "is not a power of two from %d to %d (frames); try %d",
				MinRingCapacity, MaxRingCapacity, nearestPow2(s.RingCapacity))
		}
		if s.FramesPerBuffer <= 0 {
			add(p+".frames_per_buffer", s.FramesPerBuffer, "must be at least 1")
		} else if ringOK && s.FramesPerBuffer > s.RingCapacity {
			add(p+".frames_per_buffer", s.FramesPerBuffer,
				"is larger than ring_capacity (%d); every block would lose frames. Raise ring_capacity", s.RingCapacity)
		}
		if s.InputLatency < 0 || s.InputLatency > 10*time.Second {
			add(p+".input_latency", s.InputLatency, "is out of range; must be 0s to 10s")
		}
	}

	if c.ReportInterval < time.Millisecond || c.ReportInterval > time.Hour {
		add("report_interval", c.ReportInterval, "is out of range; must be 1ms to 1h")
	}
	if c.PeakHold < time.Millisecond || c.PeakHold > time.Hour {
		add("peak_hold", c.PeakHold, "is out of range; must be 1ms to 1h")
	}
	if math.IsNaN(c.PeakDecay) || c.PeakDecay < 0.1 || c.PeakDecay > 10000 {
		add("peak_decay", c.PeakDecay, "is out of range; must be 0.1 to 10000 dB per second")
	}
	switch c.Log.Level {
	case "trace", "debug", "info", "warn", "error":
	default:
		add("log.level", c.Log.Level, "is not a level; use trace, debug, info, warn or error")
	}
	switch c.Log.Format {
	case "json", "console", "auto":
	default:
		add("log.format", c.Log.Format, "is not a format; use json, console or auto")
	}
	if c.Log.Interval < time.Millisecond || c.Log.Interval > 24*time.Hour {
		add("log.interval", c.Log.Interval, "is out of range; must be 1ms to 24h")
	}
	if c.HTTP.Listen != "" {
		if err := checkListen(c.HTTP.Listen); err != nil {
			add("http.listen", c.HTTP.Listen, "%s; use host:port such as %s, or \"\" to disable the server", err, DefaultListen)
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}

func checkListen(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("is not host:port")
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("has no valid port number")
	}
	return nil
}

func nearestPow2(n int) int {
	if n <= MinRingCapacity {
		return MinRingCapacity
	}
	if n >= MaxRingCapacity {
		return MaxRingCapacity
	}
	p := MinRingCapacity
	for p < n {
		p <<= 1
	}
	if p-n > n-p/2 {
		p /= 2
	}
	return p
}

// fileKind names a file type that is not a regular file.
func fileKind(m os.FileMode) string {
	switch {
	case m&os.ModeNamedPipe != 0:
		return "a named pipe"
	case m&os.ModeSocket != 0:
		return "a socket"
	case m&os.ModeCharDevice != 0:
		return "a character device"
	case m&os.ModeDevice != 0:
		return "a block device"
	}
	return "a special file"
}

// unwrapPath drops the path from an *os.PathError, which the key already names.
func unwrapPath(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}
