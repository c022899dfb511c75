package config

import (
	"errors"
	"fmt"
	"math"
	"net"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/levelmeter/levelmeter/audio"
	"github.com/levelmeter/levelmeter/dsp"
	"github.com/levelmeter/levelmeter/internal/httpserver"
	"github.com/levelmeter/levelmeter/pipeline"
)

// A Scope says where a key stands and which sources it applies to.
type Scope int

const (
	Global   Scope = iota // a top-level key (report_interval, log.level)
	Sources               // a key of every source (sources[i].ring_capacity)
	Devices               // a key of device sources only (sources[i].input_latency)
	WAVs                  // a key of WAV file sources only (sources[i].pace)
	Streams               // a key of command and standard-input sources (sources[i].format)
	Commands              // a key of command sources only (sources[i].kill_grace)
	Live                  // devices, commands and standard input: all but WAV files (--sample-rate's scope)
)

// A Key describes one setting of the configuration: its name, type, default, limits and documentation. Keys is
// the one place each of these is written; decoding, defaults, validation, the flags of `levelmeter run` and its
// help are all derived from it.
type Key struct {
	// Name is the key's path: report_interval, log.level; a source's key is named without its sources[i]
	// prefix (ring_capacity).
	Name  string
	Scope Scope
	// Flag is the `levelmeter run` flag that sets the key (without dashes); FlagScope the sources it applies to
	// (Devices for --sample-rate, although a WAV source may state its file's rate).
	Flag      string
	FlagScope Scope
	// NoFlag says why a key has no flag.
	NoFlag string
	// Arg is the flag's value placeholder in the help (DURATION, FRAMES); a bool flag has none.
	Arg string
	// Doc says what the key does, as a phrase for the help and the documentation.
	Doc string
	// Default is the default as written in a file ("100ms", "16384"), or how it is found ("the file's rate").
	Default string
	// Valid says which values are valid ("1ms to 1h"), "" when any value is.
	Valid string
	// Inherited says the key is set per source or, for the sources that leave it unset, at the top level
	// (loudness_windows, the alarm rules, alarms.profile, and the profiles that sources name): sources are
	// compared by what they come to (a reload restarts the sources a top-level change reaches), and
	// Config.TakeInherited copies the top-level ones.
	Inherited bool

	zeroIsDefault bool   // an explicit zero is an error (it would be replaced by the default)
	hint          string // added to the error about the key on a source it does not apply to

	get    func(c *Config, s *Source) any           // the key's value
	assign func(c *Config, s *Source, v any)        // stores v, of the key's type
	parse  func(text string) (any, error)           // reads a flag's value
	deflt  func(c *Config, s *Source)               // fills the default of an omitted (zero) value
	check  func(c *Config, s *Source, v any) string // what is wrong with v, "" when nothing is
}

// Value returns the key's value in c; for a source's key, in c.Sources[i]. Two configurations are compared key
// by key with it (a reload tells which keys changed).
func (k *Key) Value(c *Config, i int) any {
	if k.Scope == Global {
		return k.get(c, nil)
	}
	return k.get(c, &c.Sources[i])
}

// IsBoolFlag reports whether the key's flag takes no value (--loop, --loop=false).
func (k *Key) IsBoolFlag() bool {
	v, _ := k.parse("true")
	_, b := v.(bool)
	_, pb := v.(*bool)
	return b || pb
}

// AppliesTo reports whether a key of scope sc applies to source s.
func (sc Scope) AppliesTo(s *Source) bool {
	switch sc {
	case Devices:
		return s.IsDevice()
	case WAVs:
		return s.Kind() == KindWAV
	case Streams:
		return s.IsStream()
	case Commands:
		return s.Kind() == KindCommand
	case Live:
		return s.Kind() != KindWAV
	}
	return true
}

// Limits of the values that are the configuration's own choice; the other limits and defaults belong to the
// layer that gives the key its meaning (audio, dsp, pipeline) and Keys refers to them.
const (
	// MaxSampleRate bounds sample_rate: far above any sound card, low enough that a typo (480000000) is caught.
	MaxSampleRate = 1 << 20
	// MinRingCapacity and MaxRingCapacity bound ring_capacity: 16 frames (a third of a millisecond at 48 kHz)
	// to 16 Mi frames (64 MiB a channel, six minutes at 48 kHz). A power of two: the ring's storage is one.
	MinRingCapacity = 16
	MaxRingCapacity = 1 << 24
)

// Keys is the configuration schema, in the order of the documentation and the help.
var Keys = append([]Key{
	source("name", Sources, str(func(s *Source) *string { return &s.Name })).
		noFlag("--source LABEL=wav:FILE labels a source").zeroDefault().defDoc("a name made from the device or file").
		defFunc(func(s *Source) {
			if s.Name == "" {
				s.Name = s.defaultName()
			}
		}).
		doc("labels the source in logs, metrics and the web page; names are unique"),
	source("device", Sources, str(func(s *Source) *string { return &s.Device })).
		noFlag("--device NAME and --source device:NAME choose devices").
		doc(`a PortAudio input device: "default", its index in ` + "`levelmeter devices`" + `, or (part of) its name`),
	source("wav", Sources, str(func(s *Source) *string { return &s.WAV })).
		noFlag("--source wav:FILE chooses files").
		doc("a WAV file to replay, relative to the configuration file's directory"),
	source("command", Sources, argv(func(s *Source) *Argv { return &s.Command })).
		noFlag("commands come from the configuration file").defDoc("none").
		doc("a command whose standard output is the audio: a list [program, arg, ...] run without a shell, or " +
			"one string with shell: true; its standard error goes to the log"),
	source("shell", Commands, boolean(func(s *Source) *bool { return &s.Shell })).
		noFlag("commands come from the configuration file").def(false).
		doc("run command, one string, with /bin/sh -c (pipes, redirections)"),
	source("stdin", Sources, boolean(func(s *Source) *bool { return &s.Stdin })).
		noFlag(`--source stdin reads standard input`).def(false).
		doc(`read the audio from levelmeter's standard input (as wav: "-" does); one source at most`),
	source("format", Streams, str(func(s *Source) *string { return &s.Format })).
		flag("format", "FORMAT").def(audio.WAV.String()).valid("wav, s16le, s24le, s32le or f32le").
		checkWith(checkFormat).
		doc("how a command or standard input carries its audio: wav (a streamed WAV header) or raw PCM; raw " +
			"needs sample_rate and channels"),
	source("stall_timeout", Streams, duration(func(s *Source) *time.Duration { return &s.StallTimeout })).
		flag("stall-timeout", "DURATION").def(audio.DefaultCommandStallTimeout).zeroDefault().
		durRange(100*time.Millisecond, time.Hour).
		doc("how long a command or standard input may deliver no bytes before it is stalled (twice as long " +
			"for its first bytes); a stalled command is stopped and started again"),
	source("kill_grace", Commands, duration(func(s *Source) *time.Duration { return &s.KillGrace })).
		noFlag("commands come from the configuration file").def(audio.DefaultKillGrace).zeroDefault().
		durRange(10*time.Millisecond, time.Minute).
		doc("how long a stopped command's process group has between SIGTERM and SIGKILL"),
	source("pace", WAVs, str(func(s *Source) *string { return &s.Pace })).
		flag("pace", "PACE").def(PaceRealtime).
		oneOf(PaceRealtime, PaceFast).scopeHint("; a device runs at its own pace").
		doc("replay WAV sources in realtime (like a device: frames that do not fit in the ring are dropped and " +
			"counted) or fast (as fast as the meter takes them, nothing dropped)"),
	source("loop", WAVs, boolean(func(s *Source) *bool { return &s.Loop })).
		flag("loop", "").def(false).
		doc("replay WAV sources from the start when they end (--loop=false: once)"),
	source("sample_rate", Sources, integer(func(s *Source) *int { return &s.SampleRate })).
		flag("sample-rate", "HZ").flagScope(Live).
		deviceDef(strconv.Itoa(audio.DefaultSampleRate)+" for a device, the file's rate for a WAV file", audio.DefaultSampleRate).
		intRange(1, MaxSampleRate, "is not a sample rate; must be 1 to %d frames per second").
		doc("the sample rate in frames per second of a device, a command or raw standard input; a WAV source may only state its file's"),
	source("channels", Sources, integer(func(s *Source) *int { return &s.Channels })).
		flag("channels", "COUNT").flagScope(Live).
		deviceDef(strconv.Itoa(audio.DefaultChannels)+" for a device, the file's channels for a WAV file", audio.DefaultChannels).
		intRange(1, dsp.MaxChannels, "is out of range; must be 1 to %d").
		doc("the channel count of a device, a command or raw standard input; a WAV source may only state its file's"),
	source("frames_per_buffer", Sources, integer(func(s *Source) *int { return &s.FramesPerBuffer })).
		flag("frames-per-buffer", "FRAMES").
		sourceDef(fmt.Sprintf("%d for a device, %d for a WAV file", audio.DefaultFramesPerBuffer, audio.DefaultFileFramesPerBuffer),
			audio.DefaultFramesPerBuffer, audio.DefaultFileFramesPerBuffer).
		valid("1 to ring_capacity").checkWith(checkFramesPerBuffer).
		doc("the block size: frames per device callback, or per block replayed from a file"),
	source("input_latency", Devices, duration(func(s *Source) *time.Duration { return &s.InputLatency })).
		flag("input-latency", "DURATION").def(time.Duration(0)).defDoc("the device's suggested latency for robust capture").
		durRange(0, 10*time.Second).
		doc("how much audio the device may buffer before the meter must have taken it"),
	source("ring_capacity", Sources, integer(func(s *Source) *int { return &s.RingCapacity })).
		flag("ring-capacity", "FRAMES").def(pipeline.DefaultRingFrames).zeroDefault().
		valid(fmt.Sprintf("a power of two from %d to %d", MinRingCapacity, MaxRingCapacity)).checkWith(checkRingCapacity).
		doc("how many frames the ring between a source and its meter holds (the default: 341 ms at 48 kHz)"),
	source("realtime", Devices, optBool(func(s *Source) **bool { return &s.Realtime })).
		flag("realtime", "").def(ptr(true)).
		doc("ask for real-time scheduling (SCHED_FIFO) for devices' audio threads; without the privilege they " +
			"keep their normal priority (--realtime=false: normal priority)"),

	source("layout", Sources, str(func(s *Source) *string { return &s.Layout })).
		flag("layout", "LAYOUT").def("").defDoc("a WAV file's channel mask, or ffmpeg's layout for the channel count").
		valid("a layout name (stereo, 5.1, 7.1, ...), a channel mask (0x63F) or channels (L,R,C,LFE,Ls,Rs)").
		checkWith(checkLayout).
		doc("the channels' positions, for a device or file whose order only you know: they set each channel's " +
			"label and loudness weight (LFE 0, surrounds 1.41)"),

	source("loudness_windows", Sources, optDurations(func(s *Source) **[]time.Duration { return &s.LoudnessWindows })).
		noFlag("--loudness-windows sets every source's").defDoc("the top-level loudness_windows").
		valid("as the top-level loudness_windows").inherited().
		checkWith(func(c *Config, s *Source, v any) string {
			if p := v.(*[]time.Duration); p != nil {
				return checkLoudnessWindows(c, s, *p)
			}
			return ""
		}).
		doc("this source's sliding loudness windows, in place of the top-level loudness_windows ([] for none)"),

	global("report_interval", duration(func(c *Config) *time.Duration { return &c.ReportInterval })).
		flag("report-interval", "DURATION").def(100*time.Millisecond).durRange(time.Millisecond, time.Hour).
		doc("how often each source's levels are taken and handed to the reporters (logs, web, metrics)"),
	global("peak_hold", duration(func(c *Config) *time.Duration { return &c.PeakHold })).
		flag("peak-hold", "DURATION").def(dsp.DefaultPeakHold).durRange(time.Millisecond, time.Hour).
		doc("how long the peak-hold marker stays before it falls"),
	global("peak_decay", float(func(c *Config) *float64 { return &c.PeakDecay })).
		flag("peak-decay", "DB/S").def(float64(dsp.DefaultPeakDecay)).
		valid("0.1 to 10000").checkWith(func(_ *Config, _ *Source, v any) string {
		if d := v.(float64); math.IsNaN(d) || d < 0.1 || d > 10000 {
			return "is out of range; must be 0.1 to 10000 dB per second"
		}
		return ""
	}).
		doc("how fast the peak bar and marker fall, in dB per second (IEC 60268-18: 20 dB in 1.7 s)"),
	global("loudness_windows", durations(func(c *Config) *[]time.Duration { return &c.LoudnessWindows })).
		flag("loudness-windows", "DURATIONS").def(DefaultLoudnessWindows).inherited().
		valid(fmt.Sprintf("up to %d spans of %s to %s in steps of %s, no two alike; [] for none", dsp.MaxWindows,
			showDuration(dsp.MinWindowSpan), showDuration(dsp.MaxWindowSpan), showDuration(dsp.WindowStep))).
		checkWith(checkLoudnessWindows).
		doc("the sliding windows each source's integrated loudness and loudness range are also measured over " +
			"(besides since the start), in the metrics and the logs; loudness_high and loudness_low judge the " +
			"shortest of 1m or longer. Memory per source: 1m, 10m and 1h take 1.3 MB, a 24h window 3.6 MB more; " +
			"the flag takes a comma-separated list (1m,10m,1h)"),
	global("log.level", str(func(c *Config) *string { return &c.Log.Level })).
		flag("log-level", "LEVEL").def("info").oneOf("trace", "debug", "info", "warn", "error").
		doc("the least severe level logged"),
	global("log.format", str(func(c *Config) *string { return &c.Log.Format })).
		flag("log-format", "FORMAT").def("auto").oneOf("json", "console", "auto").
		doc("json (one object per line), console (for people) or auto (console on a terminal, JSON otherwise)"),
	global("log.interval", duration(func(c *Config) *time.Duration { return &c.Log.Interval })).
		flag("log-interval", "DURATION").def(time.Second).durRange(time.Millisecond, 24*time.Hour).
		doc("how often a level line is logged per source; drop and overflow warnings are limited to one per interval"),
	global("http.listen", str(func(c *Config) *string { return &c.HTTP.Listen })).
		flag("listen", "HOST:PORT").def(DefaultListen).valid(`host:port, or "" to disable the server`).
		checkWith(checkListen).
		doc("the HTTP server's listen address (the web meter and /metrics)"),
	global("http.metrics", boolean(func(c *Config) *bool { return &c.HTTP.Metrics })).
		noFlag(`what the server serves is the file's choice; --listen "" disables the server`).def(true).
		doc("serve Prometheus metrics at /metrics"),
	global("http.web", boolean(func(c *Config) *bool { return &c.HTTP.Web })).
		noFlag(`what the server serves is the file's choice; --listen "" disables the server`).def(true).
		doc("serve the live web meter at /"),
	global("http.allowed_hosts", strs(func(c *Config) *[]string { return &c.HTTP.AllowedHosts })).
		flag("allowed-host", "HOST").defDoc("none: only localhost, *.localhost, loopback addresses and the address the client reached").
		checkWith(checkAllowedHosts).
		doc("host names and IPv4 addresses served besides localhost, loopback addresses and the address the client " +
			`reached (DNS-rebinding protection; other hosts get 403): a name, an IPv4 address, ".example.org" for a ` +
			`domain and its subdomains, or "*" for any; the flag is repeatable`),
	global("http.web_config", str(func(c *Config) *string { return &c.HTTP.WebConfig })).
		flag("web-config", "FILE").defDoc("none: plain HTTP without authentication").
		doc("a web-config.yml turning on TLS and basic auth, in the format of Prometheus exporters (in a " +
			"configuration file, relative to its directory)"),
	global("http.max_connections", integer(func(c *Config) *int { return &c.HTTP.MaxConnections })).
		flag("max-connections", "COUNT").def(httpserver.DefaultMaxConnections).zeroDefault().
		valid("1 to 65536").checkWith(countRange(65536)).
		doc("how many HTTP connections may be open at once, at most three quarters of them /events streams; " +
			"beyond it idle and silent ones are closed first"),
	global("http.max_requests", integer(func(c *Config) *int { return &c.HTTP.MaxRequests })).
		flag("max-requests", "COUNT").def(httpserver.DefaultMaxRequests).zeroDefault().
		valid("1 to 65536").checkWith(countRange(65536)).
		doc("how many /metrics requests may run at once; more get 503 (as node_exporter's --web.max-requests)"),
}, alarmKeys()...)

// DefaultListen is http.listen's default; `levelmeter watch` connects there.
const DefaultListen = "127.0.0.1:9464"

// Lookup returns the key named name (log.level; ring_capacity for a source's key), or nil.
func Lookup(name string) *Key {
	for i := range Keys {
		if Keys[i].Name == name {
			return &Keys[i]
		}
	}
	return nil
}

// ─── Building the table ─────────────────────────────────────────────────────────────────────────────────────

// A field is a key's type: how to read, store and parse it. Its accessor takes the configuration and, for a
// source's key, the source.
type field struct {
	get    func(c *Config, s *Source) any
	assign func(c *Config, s *Source, v any)
	parse  func(string) (any, error)
}

func typed[T any](p func(c *Config, s *Source) *T, parse func(string) (T, error)) field {
	return field{
		get:    func(c *Config, s *Source) any { return *p(c, s) },
		assign: func(c *Config, s *Source, v any) { *p(c, s) = v.(T) },
		parse: func(text string) (any, error) {
			v, err := parse(text)
			if err != nil {
				return nil, err
			}
			return v, nil
		},
	}
}

// accessor adapts a field of a Source or of the Config to the common accessor.
type accessor[T any] interface {
	func(*Source) *T | func(*Config) *T
}

func at[T any, A accessor[T]](a A) func(c *Config, s *Source) *T {
	switch a := any(a).(type) {
	case func(*Source) *T:
		return func(_ *Config, s *Source) *T { return a(s) }
	case func(*Config) *T:
		return func(c *Config, _ *Source) *T { return a(c) }
	}
	panic("unreachable")
}

func argv(a func(*Source) *Argv) field {
	return typed(at[Argv](a), func(s string) (Argv, error) { return Argv{s}, nil })
}

func str[A accessor[string]](a A) field {
	return typed(at[string](a), func(s string) (string, error) { return s, nil })
}

func integer[A accessor[int]](a A) field {
	return typed(at[int](a), func(s string) (int, error) {
		n, err := strconv.ParseInt(s, 0, strconv.IntSize)
		if err != nil {
			return 0, errParse
		}
		return int(n), nil
	})
}

func float[A accessor[float64]](a A) field {
	return typed(at[float64](a), func(s string) (float64, error) {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return 0, errParse
		}
		return f, nil
	})
}

func boolean[A accessor[bool]](a A) field {
	return typed(at[bool](a), func(s string) (bool, error) {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return false, errParse
		}
		return b, nil
	})
}

// optBool is a bool whose default is not its zero: nil stands for the default.
func optBool[A accessor[*bool]](a A) field {
	return typed(at[*bool](a), func(s string) (*bool, error) {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return nil, errParse
		}
		return &b, nil
	})
}

// strs is a list of strings; its flag is repeatable, each use adding one item.
func strs[A accessor[[]string]](a A) field {
	return typed(at[[]string](a), func(s string) ([]string, error) { return []string{s}, nil })
}

func duration[A accessor[time.Duration]](a A) field {
	return typed(at[time.Duration](a), func(s string) (time.Duration, error) {
		d, err := time.ParseDuration(s)
		if err != nil {
			return 0, errParse
		}
		return d, nil
	})
}

// durations is a list of durations; its flag takes them comma-separated ("1m,10m,1h"; "" or "[]" for none), with
// or without the brackets of the file's form ("[1m, 10m]").
func durations[A accessor[[]time.Duration]](a A) field {
	return typed(at[[]time.Duration](a), func(s string) ([]time.Duration, error) {
		list := []time.Duration{}
		if t := strings.TrimSpace(s); strings.HasPrefix(t, "[") && strings.HasSuffix(t, "]") {
			s = t[1 : len(t)-1]
		}
		for _, f := range strings.Split(s, ",") {
			if f = strings.TrimSpace(f); f == "" {
				continue
			}
			d, err := time.ParseDuration(f)
			if err != nil {
				return nil, errParse
			}
			list = append(list, d)
		}
		return list, nil
	})
}

// optDurations is an optional list of durations: nil leaves the choice to the top-level key.
func optDurations(a func(*Source) **[]time.Duration) field {
	return typed(at[*[]time.Duration](a), func(string) (*[]time.Duration, error) { return nil, errParse })
}

func ptr[T any](v T) *T { return &v }

// errParse is the flag package's own "parse error" text, so that a bad flag value reads as it always has.
var errParse = errors.New("parse error")

func source(name string, sc Scope, f field) Key {
	return Key{Name: name, Scope: sc, FlagScope: sc, get: f.get, assign: f.assign, parse: f.parse}
}

func global(name string, f field) Key {
	return Key{Name: name, Scope: Global, FlagScope: Global, get: f.get, assign: f.assign, parse: f.parse}
}

func (k Key) flag(name, arg string) Key { k.Flag, k.Arg = name, arg; return k }
func (k Key) flagScope(sc Scope) Key    { k.FlagScope = sc; return k }
func (k Key) noFlag(why string) Key     { k.NoFlag = why; return k }
func (k Key) doc(d string) Key          { k.Doc = d; return k }
func (k Key) valid(v string) Key        { k.Valid = v; return k }
func (k Key) inherited() Key            { k.Inherited = true; return k }

// zeroDefault marks a key whose explicit zero is an error: the zero would be replaced by the default.
func (k Key) zeroDefault() Key { k.zeroIsDefault = true; return k }

// def sets the default of the configuration, or of every source the key applies to; Default shows it as a
// file would hold it (defDoc changes that).
func (k Key) def(v any) Key {
	k.Default = showValue(v)
	k.deflt = func(c *Config, s *Source) {
		if reflect.ValueOf(k.get(c, s)).IsZero() {
			v := v
			if pb, ok := v.(*bool); ok { // an optional bool: each source gets its own
				b := *pb
				v = &b
			}
			if ds, ok := v.([]time.Duration); ok { // a list: each configuration gets its own
				v = slices.Clone(ds)
			}
			k.assign(c, s, v)
		}
	}
	return k
}

func (k Key) defDoc(doc string) Key { k.Default = doc; return k }

// showValue writes v as a configuration file would: 100ms, 1h, 11.76, true.
func showValue(v any) string {
	switch v := v.(type) {
	case time.Duration:
		return showDuration(v)
	case float64:
		return strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64) // for people: 11.76, not 11.764705882352942
	case *bool:
		return strconv.FormatBool(*v)
	case []time.Duration:
		q := make([]string, len(v))
		for i, d := range v {
			q[i] = showDuration(d)
		}
		return "[" + strings.Join(q, ", ") + "]"
	}
	return fmt.Sprint(v)
}

// showDuration writes d without the zero units Duration.String adds (1h, not 1h0m0s).
func showDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// deviceDef sets the default of devices; a WAV source without the key takes its file's value.
func (k Key) deviceDef(doc string, v any) Key {
	k = k.zeroDefault().defDoc(doc)
	k.deflt = func(c *Config, s *Source) {
		if s.IsDevice() && reflect.ValueOf(k.get(c, s)).IsZero() {
			k.assign(c, s, v)
		}
	}
	return k
}

// sourceDef sets different defaults for devices and WAV files.
func (k Key) sourceDef(doc string, dev, wav any) Key {
	k = k.zeroDefault().defDoc(doc)
	k.deflt = func(c *Config, s *Source) {
		if reflect.ValueOf(k.get(c, s)).IsZero() {
			if s.IsDevice() {
				k.assign(c, s, dev)
			} else {
				k.assign(c, s, wav)
			}
		}
	}
	return k
}

func (k Key) checkWith(f func(c *Config, s *Source, v any) string) Key { k.check = f; return k }

// scopeHint is added to the error about the key on a source it does not apply to.
func (k Key) scopeHint(h string) Key { k.hint = h; return k }

// defFunc sets a default that is computed from the rest of the source.
func (k Key) defFunc(f func(s *Source)) Key {
	k.deflt = func(_ *Config, s *Source) { f(s) }
	return k
}

func (k Key) oneOf(values ...string) Key {
	list := strings.Join(values[:len(values)-1], ", ") + " or " + values[len(values)-1]
	what := strings.TrimSuffix(k.Name[strings.LastIndex(k.Name, ".")+1:], "s")
	k.Valid = list
	k.check = func(_ *Config, _ *Source, v any) string {
		for _, ok := range values {
			if v.(string) == ok {
				return ""
			}
		}
		return fmt.Sprintf("is not a %s; use %s", what, list)
	}
	return k
}

// intRange accepts min to max; a WAV source may leave the key 0 (its file's value).
func (k Key) intRange(min, max int, msg string) Key {
	k.Valid = fmt.Sprintf("%d to %d", min, max)
	k.check = func(_ *Config, s *Source, v any) string {
		n := v.(int)
		if n == 0 && !s.IsDevice() {
			return ""
		}
		if n < min || n > max {
			return fmt.Sprintf(msg, max)
		}
		return ""
	}
	return k
}

func (k Key) durRange(min, max time.Duration) Key {
	text := showDuration(min) + " to " + showDuration(max)
	k.Valid = text
	k.check = func(_ *Config, _ *Source, v any) string {
		if d := v.(time.Duration); d < min || d > max {
			return "is out of range; must be " + text
		}
		return ""
	}
	return k
}

func checkRingCapacity(_ *Config, _ *Source, v any) string {
	n := v.(int)
	if n < MinRingCapacity || n > MaxRingCapacity || n&(n-1) != 0 {
		return fmt.Sprintf("is not a power of two from %d to %d (frames); try %d", MinRingCapacity, MaxRingCapacity, nearestPow2(n))
	}
	return ""
}

func checkLayout(_ *Config, s *Source, v any) string {
	if v.(string) == "" {
		return ""
	}
	l, err := dsp.ParseLayout(v.(string))
	if err != nil {
		return "is not a layout: " + strings.TrimPrefix(err.Error(), dsp.ErrLayout.Error()+": ")
	}
	if s != nil && s.Channels != 0 && len(l) != s.Channels {
		return fmt.Sprintf("has %d channels, the source %d", len(l), s.Channels)
	}
	return ""
}

func checkFramesPerBuffer(_ *Config, s *Source, v any) string {
	n := v.(int)
	if n <= 0 {
		return "must be at least 1"
	}
	if checkRingCapacity(nil, s, s.RingCapacity) == "" && n > s.RingCapacity {
		return fmt.Sprintf("is larger than ring_capacity (%d); every block would lose frames. Raise ring_capacity", s.RingCapacity)
	}
	return ""
}

func countRange(max int) func(*Config, *Source, any) string {
	return func(_ *Config, _ *Source, v any) string {
		if n := v.(int); n < 1 || n > max {
			return fmt.Sprintf("is out of range; must be 1 to %d", max)
		}
		return ""
	}
}

// DefaultLoudnessWindows is loudness_windows' default: the minute an operator's loudness alarm judges, the ten
// minutes of a programme segment, and the hour of a programme; 1.3 MB per source. A day (3.6 MB more) is the
// operator's choice.
var DefaultLoudnessWindows = []time.Duration{time.Minute, 10 * time.Minute, time.Hour}

// checkLoudnessWindows applies dsp's limits (dsp.MaxWindows, MinWindowSpan, MaxWindowSpan, WindowStep), which
// NewMeter enforces too, so that a bad span is reported with its line rather than when the source starts.
func checkLoudnessWindows(_ *Config, _ *Source, v any) string {
	spans := v.([]time.Duration)
	if len(spans) > dsp.MaxWindows {
		return fmt.Sprintf("has %d windows; at most %d are measured, so drop %d", len(spans), dsp.MaxWindows, len(spans)-dsp.MaxWindows)
	}
	for i, d := range spans {
		switch {
		case d < dsp.MinWindowSpan || d > dsp.MaxWindowSpan:
			return fmt.Sprintf("has %s, out of range; each window must be %s to %s", showDuration(d),
				showDuration(dsp.MinWindowSpan), showDuration(dsp.MaxWindowSpan))
		case d%dsp.WindowStep != 0:
			return fmt.Sprintf("has %s, not a multiple of %s (the gating blocks' step); try %s", showDuration(d),
				showDuration(dsp.WindowStep), showDuration(d.Round(dsp.WindowStep)))
		case slices.Contains(spans[:i], d):
			return fmt.Sprintf("has %s twice; give each window once", showDuration(d))
		}
	}
	return ""
}

func checkAllowedHosts(_ *Config, _ *Source, v any) string {
	for _, h := range v.([]string) {
		switch {
		case strings.TrimSpace(h) == "" || strings.Trim(h, ".") == "":
			return "has an empty host name; give names such as meter.example.org"
		case controlChar(h) != "":
			return fmt.Sprintf("has %q, which %s", h, controlChar(h))
		case strings.ContainsAny(h, ":/ []"):
			return fmt.Sprintf("has %q, which is not a host name; give the name alone, without scheme or port", h)
		}
	}
	return ""
}

func checkListen(_ *Config, _ *Source, v any) string {
	addr := v.(string)
	if addr == "" {
		return ""
	}
	msg := ""
	if _, port, err := net.SplitHostPort(addr); err != nil {
		msg = "is not host:port"
	} else if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		msg = "has no valid port number"
	} else {
		return ""
	}
	return fmt.Sprintf("%s; use host:port such as %s, or \"\" to disable the server", msg, DefaultListen)
}
