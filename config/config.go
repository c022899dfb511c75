// Package config reads levelmeter's configuration: the sources to meter, the report and log cadence, the peak
// meter ballistics and the HTTP listen address.
//
// Decoding is strict. An unknown key, a value of the wrong type (a fractional sample rate, a duration without a
// unit), an explicit zero where zero means nothing, or a value out of range is an error that names the key's
// path (sources[1].ring_capacity), the value, what is valid and, when the value came from a file, the line.
// Nothing is silently rounded, truncated or replaced.
//
// Keys is the schema: each key's name, type, default, limits and documentation, written once. Defaults that
// belong to another layer (a device's format to audio, the ballistics to dsp, the ring's size to pipeline) are
// that layer's constants. Omitted keys take their defaults; Default returns them.
package config

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Config is the whole configuration. Its zero value, after SetDefaults, is valid except that it has no sources.
type Config struct {
	// Sources are the inputs to meter, each with its own ring and DSP goroutine. At least one is required.
	Sources []Source `yaml:"sources"`

	// ReportInterval is how often each source's levels are taken and handed to the reporters (logs, web,
	// metrics). The default and limits of this and every other field are in Keys.
	ReportInterval time.Duration `yaml:"report_interval"`

	// PeakHold is how long the peak-hold marker stays before it falls.
	PeakHold time.Duration `yaml:"peak_hold"`
	// PeakDecay is how fast the peak bar and marker fall, in dB per second.
	PeakDecay float64 `yaml:"peak_decay"`

	// LoudnessWindows are the spans of the sliding loudness windows every source measures (dsp.Config.Windows);
	// empty for none.
	LoudnessWindows []time.Duration `yaml:"loudness_windows"`

	Log  Log  `yaml:"log"`
	HTTP HTTP `yaml:"http"`

	// Alarms are the alarm detectors' defaults for every source and the webhooks that receive their events.
	Alarms Alarms `yaml:"alarms"`
	// Profiles are custom loudness targets, usable by name like the built-in ones (alarm.Profiles).
	Profiles []Profile `yaml:"profiles"`

	file   string            // the file the configuration came from, for errors
	lines  map[string]int    // key path → line in file, for errors found after decoding
	origin map[string]string // key path → the flag that set it
}

// A Source is one input: a sound device, a WAV file replayed like one, a command whose standard output is
// audio (an ffmpeg reading a network feed), or levelmeter's standard input. Exactly one of Device, WAV, Command
// and Stdin is set; WAV "-" is standard input too.
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

	// SampleRate in frames per second. For a WAV file, omit it (the file's rate is used) or give the file's
	// rate.
	SampleRate int `yaml:"sample_rate"`
	// Channels is the channel count. For a WAV file, omit it or give the file's channel count.
	Channels int `yaml:"channels"`
	// FramesPerBuffer is the block size: frames per device callback, or per block replayed from a file.
	// At most RingCapacity.
	FramesPerBuffer int `yaml:"frames_per_buffer"`
	// InputLatency is the input latency asked of the device: how much audio it may buffer before the meter
	// must have taken it. Default (omitted or 0s): the device's suggested latency for robust capture. Devices
	// only.
	InputLatency time.Duration `yaml:"input_latency"`
	// RingCapacity is how many frames the ring between the source and its meter holds: a power of two from
	// MinRingCapacity to MaxRingCapacity.
	RingCapacity int `yaml:"ring_capacity"`
	// Realtime asks for real-time scheduling (SCHED_FIFO, priority 1) for the device's audio thread, so that a
	// loaded machine does not starve the stream; without the privilege (CAP_SYS_NICE or an rtprio limit) the
	// thread keeps its normal priority. Default true (SetDefaults makes it non-nil for a device). Devices only.
	Realtime *bool `yaml:"realtime"`
	// Layout gives the channels' positions, for a device or a file whose order only the user knows: a name
	// (stereo, 5.1, 7.1, ...), a WAV channel mask (0x63F) or the channels in order (L,R,C,LFE,Ls,Rs); see
	// dsp.ParseLayout. It sets the channels' labels and loudness weights. Default: a WAV file's channel mask,
	// or ffmpeg's layout for the channel count.
	Layout string `yaml:"layout"`

	// Alarms overrides the top-level alarms for this source, key by key (webhooks excepted).
	Alarms Alarms `yaml:"alarms"`

	// LoudnessWindows, when set, replaces the top-level loudness_windows for this source ([] for none): a day's
	// window on the programme feed alone, say. Config.WindowsOf resolves it.
	LoudnessWindows *[]time.Duration `yaml:"loudness_windows"`

	// Command is a command to start, whose standard output is the audio: its argv (no shell), or with Shell
	// one string for /bin/sh -c. In YAML a list, or one string with shell: true.
	Command Argv `yaml:"command"`
	// Shell runs Command, one string, with /bin/sh -c (pipes, redirections).
	Shell bool `yaml:"shell"`
	// Stdin reads the audio from levelmeter's standard input (as wav: "-" does). One source at most.
	Stdin bool `yaml:"stdin"`
	// Format is how a command or standard input carries its audio: wav (default) or raw s16le, s24le, s32le,
	// f32le. A raw stream needs SampleRate and Channels.
	Format string `yaml:"format"`
	// StallTimeout is how long a command or standard input may deliver no bytes before it counts as stalled
	// (a command is then stopped and started again).
	StallTimeout time.Duration `yaml:"stall_timeout"`
	// KillGrace is how long a stopped command has between SIGTERM and SIGKILL to its process group.
	KillGrace time.Duration `yaml:"kill_grace"`
}

// Log configures the log reporter.
type Log struct {
	// Level is the least severe level written: trace, debug, info (default), warn or error.
	Level string `yaml:"level"`
	// Format is "json" (one JSON object per line), "console" (human-readable) or "auto" (default: console on a
	// terminal, JSON otherwise).
	Format string `yaml:"format"`
	// Interval is how often a level line is written per source; drop and overflow warnings are limited to one
	// per source per interval.
	Interval time.Duration `yaml:"interval"`
}

// HTTP configures the HTTP server that serves the live web meter and Prometheus metrics.
type HTTP struct {
	// Listen is the host:port to listen on; "" (an empty string) disables the server.
	Listen string `yaml:"listen"`
	// Metrics serves Prometheus metrics at /metrics.
	Metrics bool `yaml:"metrics"`
	// Web serves the live web meter at /.
	Web bool `yaml:"web"`
	// AllowedHosts are the host names and IPv4 addresses served besides localhost, *.localhost, loopback addresses
	// and the address a client reached (DNS-rebinding protection); ".example.org" allows the domain and every
	// name under it, "*" any host.
	AllowedHosts []string `yaml:"allowed_hosts"`
	// WebConfig is the path of a web-config.yml (TLS and basic auth, as Prometheus exporters read it),
	// relative to the configuration file's directory; "" serves plain HTTP without authentication.
	WebConfig string `yaml:"web_config"`
	// MaxConnections is how many connections may be open at once.
	MaxConnections int `yaml:"max_connections"`
	// MaxRequests is how many /metrics requests may run at once; more get 503.
	MaxRequests int `yaml:"max_requests"`
}

// Pace values.
const (
	PaceRealtime = "realtime"
	PaceFast     = "fast"
)

// Default returns the configuration with every default and no sources.
func Default() *Config {
	c := &Config{}
	for i := range Keys {
		if k := &Keys[i]; k.Scope == Global && k.deflt != nil {
			k.deflt(c, nil)
		}
	}
	return c
}

// RealtimeOn reports whether s asks for real-time scheduling: Realtime, or its default (true) when unset.
func (s *Source) RealtimeOn() bool { return s.Realtime == nil || *s.Realtime }

// A SourceKind says what a source reads.
type SourceKind int

const (
	KindDevice  SourceKind = iota // a PortAudio device (device:)
	KindWAV                       // a WAV file replayed (wav: FILE)
	KindCommand                   // a command's standard output (command:)
	KindStdin                     // levelmeter's standard input (stdin: true, or wav: "-")
)

func (k SourceKind) String() string {
	switch k {
	case KindWAV:
		return "wav"
	case KindCommand:
		return "command"
	case KindStdin:
		return "stdin"
	}
	return "device"
}

// StdinPath is the wav: value that stands for standard input.
const StdinPath = "-"

// Kind returns what s reads. A source that sets none of device, wav, command and stdin is a device (Validate
// reports it).
func (s *Source) Kind() SourceKind {
	switch {
	case s.Stdin || s.WAV == StdinPath:
		return KindStdin
	case len(s.Command) > 0:
		return KindCommand
	case s.WAV != "":
		return KindWAV
	}
	return KindDevice
}

// kinds lists the keys that say what s is (device, wav, command, stdin) that are set: one in a valid source.
func (s *Source) kinds() []string {
	var kinds []string
	for _, k := range []struct {
		name string
		set  bool
	}{{"device", s.Device != ""}, {"wav", s.WAV != ""}, {"command", len(s.Command) > 0}, {"stdin", s.Stdin}} {
		if k.set {
			kinds = append(kinds, k.name)
		}
	}
	return kinds
}

// IsDevice reports whether s is a device.
func (s *Source) IsDevice() bool { return s.Kind() == KindDevice }

// IsStream reports whether s is a stream that paces itself: a command or standard input.
func (s *Source) IsStream() bool { k := s.Kind(); return k == KindCommand || k == KindStdin }

// SetDefaults fills the omitted (zero) fields of the sources with their defaults (see Keys). Load and Parse
// call it; call it again after adding sources in code.
func (c *Config) SetDefaults() {
	for i := range c.Sources {
		s := &c.Sources[i]
		for j := range Keys {
			if k := &Keys[j]; k.Scope != Global && k.deflt != nil && k.Scope.AppliesTo(s) {
				k.deflt(c, s)
			}
		}
	}
}

func (s *Source) defaultName() string {
	switch {
	case s.Kind() == KindStdin:
		return "stdin"
	case s.Kind() == KindCommand:
		return commandName(s.Command)
	case s.WAV != "":
		b := filepath.Base(s.WAV)
		return strings.TrimSuffix(b, filepath.Ext(b))
	case s.Device != "":
		return s.Device
	}
	return ""
}

// Validate checks every value and returns an error listing every problem (an Errors), or nil. What a source is
// (a device or a file, its name, the file) is checked here; every key's value is checked by its entry in Keys.
func (c *Config) Validate() error {
	var errs Errors
	if len(c.Sources) == 0 {
		errs = append(errs, c.keyError("sources",
			"no sources configured; add one with a device (device: default) or a WAV file (wav: FILE)"))
	}
	names := map[string]int{}
	stdin := -1
	for i := range c.Sources {
		errs = append(errs, c.validateSource(i, names)...)
		if c.Sources[i].Kind() == KindStdin && len(c.Sources[i].kinds()) == 1 {
			if stdin >= 0 {
				errs = append(errs, c.keyError(fmt.Sprintf("sources[%d]", i), fmt.Sprintf("reads standard input, as "+
					"sources[%d] does; there is one standard input, so one source at most may read it", stdin)))
			}
			stdin = i
		}
	}
	for i := range Keys {
		if k := &Keys[i]; k.Scope == Global {
			if e := c.checkKey(k, k.Name, nil); e != nil {
				errs = append(errs, e)
			}
		}
	}
	errs = append(errs, c.validateAlarms()...)
	if len(errs) == 0 {
		return nil
	}
	return errs
}

// validateSource checks what sources[i] is, then each of its keys.
func (c *Config) validateSource(i int, names map[string]int) Errors {
	var errs Errors
	s := &c.Sources[i]
	p := fmt.Sprintf("sources[%d]", i)
	add := func(key string, value any, format string, args ...any) {
		errs = append(errs, c.errorf(key, value, format, args...))
	}
	kinds := s.kinds()
	switch {
	case len(kinds) > 1:
		errs = append(errs, c.keyError(p, fmt.Sprintf("has %s; a source is one of a device, a WAV file, a command "+
			"or standard input: keep one", strings.Join(kinds, " and "))))
	case len(kinds) == 0:
		errs = append(errs, c.keyError(p, "has none of device, wav, command and stdin; set device: default (a sound "+
			"card), wav: FILE, command: [ffmpeg, ...] or stdin: true"))
	}
	if strings.TrimSpace(s.Name) == "" {
		add(p+".name", s.Name, "is empty; give the source a name")
	} else if msg := controlChar(s.Name); msg != "" {
		add(p+".name", s.Name, "%s", msg)
	} else if j, dup := names[s.Name]; dup {
		add(p+".name", s.Name, "is already the name of sources[%d]; source names must be unique (set name:)", j)
	} else {
		names[s.Name] = i
	}
	if msg := controlChar(s.Device); msg != "" {
		add(p+".device", s.Device, "%s", msg)
	}
	if s.Kind() == KindCommand && len(kinds) == 1 {
		errs = append(errs, c.validateCommand(p, s)...)
	}
	if s.IsStream() && len(kinds) == 1 {
		errs = append(errs, checkStreamFormat(c, p, s)...)
	}
	if s.WAV != "" && s.WAV != StdinPath {
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
	}
	if len(kinds) != 1 {
		return errs // which keys apply is unknown
	}
	for j := range Keys {
		if k := &Keys[j]; k.Scope != Global {
			if e := c.checkKey(k, p+"."+k.Name, s); e != nil {
				errs = append(errs, e)
			}
		}
	}
	return errs
}

// checkKey checks one key's value against its scope and its limits.
func (c *Config) checkKey(k *Key, path string, s *Source) *Error {
	v := k.get(c, s)
	if s != nil && !k.Scope.AppliesTo(s) {
		if reflect.ValueOf(v).IsZero() {
			return nil
		}
		if p, ok := v.(*bool); ok {
			v = *p
		}
		switch {
		case k.Scope == Devices && s.Kind() == KindWAV:
			return c.errorf(path, v, "applies to devices only; remove it from a wav source%s", k.hint)
		case k.Scope == WAVs && s.Kind() == KindDevice:
			return c.errorf(path, v, "applies to wav sources only%s", k.hint)
		}
		return c.errorf(path, v, "applies to %s only; remove it from a %s source%s", k.Scope.what(), s.Kind(), k.hint)
	}
	if k.check == nil {
		return nil
	}
	if msg := k.check(c, s, v); msg != "" {
		return c.errorf(path, v, "%s", msg)
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

// controlChar says what is wrong with a string that holds a control character (a terminal escape, a line
// break), "" when it holds none. Names reach logs, terminals and web pages, where such a character could
// rewrite what is shown.
func controlChar(s string) string {
	if !utf8.ValidString(s) {
		return "is not valid UTF-8; use printable characters only"
	}
	for _, r := range s {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return fmt.Sprintf("contains the control character %U; names are shown in logs, terminals and web "+
				"pages: use printable characters only", r)
		}
	}
	return ""
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

// WindowsOf returns the sliding loudness windows source i measures: its own loudness_windows, or the top-level
// ones. The result is never nil ([] for none), as pipeline.Input.Windows wants.
func (c *Config) WindowsOf(i int) []time.Duration {
	w := c.LoudnessWindows
	if p := c.Sources[i].LoudnessWindows; p != nil {
		w = *p
	}
	if w == nil {
		return []time.Duration{}
	}
	return w
}
