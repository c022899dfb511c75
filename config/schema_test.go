package config

import (
	"flag"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/levelmeter/levelmeter/alarm"
	"github.com/levelmeter/levelmeter/audio"
	"github.com/levelmeter/levelmeter/dsp"
	"github.com/levelmeter/levelmeter/pipeline"
)

// yamlKeys returns every leaf key path of the Config type (sources' keys without their prefix), by scope.
func yamlKeys() (global, source []string) {
	var walk func(t reflect.Type, prefix string, out *[]string)
	walk = func(t reflect.Type, prefix string, out *[]string) {
		for i := 0; i < t.NumField(); i++ {
			name := yamlName(t.Field(i))
			if name == "" || name == "sources" {
				continue
			}
			if ft := t.Field(i).Type; ft.Kind() == reflect.Struct && ft != durationType {
				walk(ft, prefix+name+".", out)
				continue
			}
			*out = append(*out, prefix+name)
		}
	}
	walk(reflect.TypeOf(Config{}), "", &global)
	walk(reflect.TypeOf(Source{}), "", &source)
	return global, source
}

// TestKeysCoverConfig: every field of the configuration has exactly one entry in Keys, in the right scope, and
// every entry is a field.
func TestKeysCoverConfig(t *testing.T) {
	global, source := yamlKeys()
	want := map[string]bool{}
	for _, k := range global {
		want[k] = true
	}
	for _, k := range source {
		want["sources[]."+k] = true
	}
	seen := map[string]bool{}
	for _, k := range Keys {
		path := k.Name
		if k.Scope != Global {
			path = "sources[]." + k.Name
		}
		if !want[path] {
			t.Errorf("Keys has %s, which is not a field of the configuration (or has the wrong scope)", path)
		}
		if seen[path] {
			t.Errorf("Keys has %s twice", path)
		}
		seen[path] = true
	}
	for path := range want {
		if !seen[path] && !unusedAlarmField(path) {
			t.Errorf("the configuration's %s has no entry in Keys", path)
		}
	}
}

// unusedAlarmField reports whether path is an alarm kind's key that the kind does not use (window of silence):
// such a field has no key, and Validate refuses it when set.
func unusedAlarmField(path string) bool {
	path = strings.TrimPrefix(path, "sources[].")
	parts := strings.Split(path, ".")
	if len(parts) != 3 || parts[0] != "alarms" {
		return false
	}
	k, err := alarm.ParseKind(parts[1])
	if err != nil {
		return false
	}
	for _, f := range ruleFields {
		if f.name == parts[2] {
			return !f.uses(k)
		}
	}
	return false
}

// TestKeysDocumented: every key has a doc and a default, and a flag or the reason it has none; flags are unique.
func TestKeysDocumented(t *testing.T) {
	flags := map[string]string{}
	for _, k := range Keys {
		if k.Doc == "" {
			t.Errorf("%s has no doc", k.Name)
		}
		switch {
		case k.Flag == "" && k.NoFlag == "":
			t.Errorf("%s has neither a flag nor a reason not to have one", k.Name)
		case k.Flag != "" && k.NoFlag != "":
			t.Errorf("%s has a flag and a reason not to have one", k.Name)
		case k.Flag != "":
			if other, dup := flags[k.Flag]; dup {
				t.Errorf("--%s sets both %s and %s", k.Flag, other, k.Name)
			}
			flags[k.Flag] = k.Name
			if k.Arg == "" && !k.IsBoolFlag() {
				t.Errorf("--%s has no placeholder for its value", k.Flag)
			}
		}
		if k.Default == "" && k.Name != "device" && k.Name != "wav" {
			t.Errorf("%s has no documented default", k.Name)
		}
		if k.Scope != Global && k.FlagScope == Global {
			t.Errorf("%s is a source's key but its flag is global", k.Name)
		}
	}
}

// TestKeyDefaultsFromLayers: the defaults are the constants of the layer that gives the key its meaning.
func TestKeyDefaultsFromLayers(t *testing.T) {
	wav := wavPath(t)
	c := Default()
	c.Sources = []Source{{Device: "default"}, {WAV: wav}}
	c.SetDefaults()
	dev, file := c.Sources[0], c.Sources[1]
	for _, tc := range []struct {
		key       string
		got, want any
	}{
		{"sample_rate (device)", dev.SampleRate, audio.DefaultSampleRate},
		{"channels (device)", dev.Channels, audio.DefaultChannels},
		{"frames_per_buffer (device)", dev.FramesPerBuffer, audio.DefaultFramesPerBuffer},
		{"frames_per_buffer (wav)", file.FramesPerBuffer, audio.DefaultFileFramesPerBuffer},
		{"ring_capacity (device)", dev.RingCapacity, pipeline.DefaultRingFrames},
		{"ring_capacity (wav)", file.RingCapacity, pipeline.DefaultRingFrames},
		{"sample_rate (wav): the file's", file.SampleRate, 0},
		{"channels (wav): the file's", file.Channels, 0},
		{"realtime (device)", dev.RealtimeOn() && dev.Realtime != nil, true},
		{"realtime (wav): none", file.Realtime == nil, true},
		{"pace (wav)", file.Pace, PaceRealtime},
		{"pace (device): none", dev.Pace, ""},
		{"peak_hold", c.PeakHold, dsp.DefaultPeakHold},
		{"peak_decay", c.PeakDecay, float64(dsp.DefaultPeakDecay)},
		{"report_interval", c.ReportInterval, 100 * time.Millisecond},
		{"http.listen", c.HTTP.Listen, DefaultListen},
		{"http.metrics", c.HTTP.Metrics, true},
		{"http.web", c.HTTP.Web, true},
		{"log", c.Log, Log{Level: "info", Format: "auto", Interval: time.Second}},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: default %v, want %v", tc.key, tc.got, tc.want)
		}
	}
	// The defaults validate, and each source gets its own realtime flag.
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	c2 := Default()
	c2.Sources = []Source{{Device: "a"}, {Device: "b"}}
	c2.SetDefaults()
	if c2.Sources[0].Realtime == c2.Sources[1].Realtime {
		t.Error("two sources share one realtime flag")
	}
	// The channel limit is dsp's.
	c.Sources[0].Channels = dsp.MaxChannels
	if err := c.Validate(); err != nil {
		t.Errorf("%d channels: %v", dsp.MaxChannels, err)
	}
	c.Sources[0].Channels = dsp.MaxChannels + 1
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "sources[0].channels") {
		t.Errorf("%d channels: %v, want an error", dsp.MaxChannels+1, err)
	}
}

// TestKeyChecks: each key's limits, one good and one bad value each, through Validate.
func TestKeyChecks(t *testing.T) {
	wav := wavPath(t)
	for _, tc := range []struct {
		key  string
		set  func(c *Config)
		want string // "" when valid
	}{
		{"ring_capacity", func(c *Config) {
			c.Sources[0].RingCapacity, c.Sources[0].FramesPerBuffer = MinRingCapacity, MinRingCapacity
		}, ""},
		{"ring_capacity", func(c *Config) { c.Sources[0].RingCapacity = MaxRingCapacity }, ""},
		{"ring_capacity", func(c *Config) { c.Sources[0].RingCapacity = 3000 }, "sources[0].ring_capacity: 3000 is not a power of two from 16 to 16777216 (frames); try 2048"},
		{"ring_capacity", func(c *Config) { c.Sources[0].RingCapacity = 2 * MaxRingCapacity }, "try 16777216"},
		{"frames_per_buffer", func(c *Config) { c.Sources[0].FramesPerBuffer = 0 }, "sources[0].frames_per_buffer: 0 must be at least 1"},
		{"frames_per_buffer", func(c *Config) { c.Sources[0].FramesPerBuffer = 2 * pipeline.DefaultRingFrames }, "is larger than ring_capacity (16384)"},
		{"sample_rate", func(c *Config) { c.Sources[0].SampleRate = MaxSampleRate + 1 }, "is not a sample rate; must be 1 to 1048576 frames per second"},
		{"sample_rate wav", func(c *Config) { c.Sources[1].SampleRate = 0 }, ""},
		{"sample_rate wav", func(c *Config) { c.Sources[1].SampleRate = -1 }, "sources[1].sample_rate: -1 is not a sample rate"},
		{"input_latency", func(c *Config) { c.Sources[0].InputLatency = 11 * time.Second }, "sources[0].input_latency: 11s is out of range; must be 0s to 10s"},
		{"input_latency wav", func(c *Config) { c.Sources[1].InputLatency = time.Millisecond }, "sources[1].input_latency: 1ms applies to devices only; remove it from a wav source"},
		{"pace", func(c *Config) { c.Sources[1].Pace = "slow" }, `sources[1].pace: "slow" is not a pace; use realtime or fast`},
		{"pace device", func(c *Config) { c.Sources[0].Pace = "fast" }, `sources[0].pace: "fast" applies to wav sources only; a device runs at its own pace`},
		{"report_interval", func(c *Config) { c.ReportInterval = 2 * time.Hour }, "report_interval: 2h0m0s is out of range; must be 1ms to 1h"},
		{"peak_decay", func(c *Config) { c.PeakDecay = 0.01 }, "peak_decay: 0.01 is out of range; must be 0.1 to 10000 dB per second"},
		{"log.level", func(c *Config) { c.Log.Level = "loud" }, `log.level: "loud" is not a level; use trace, debug, info, warn or error`},
		{"log.interval", func(c *Config) { c.Log.Interval = 0 }, "log.interval: 0s is out of range; must be 1ms to 24h"},
		{"layout", func(c *Config) { c.Sources[0].Layout = "stereo" }, ""},
		{"layout wav", func(c *Config) { c.Sources[1].Layout = "L,R,C,LFE,Ls,Rs" }, ""}, // the file's count is checked when it is opened
		{"layout", func(c *Config) { c.Sources[0].Layout = "5.2" }, `sources[0].layout: "5.2" is not a layout: unknown layout "5.2": want a name such as stereo`},
		{"layout", func(c *Config) { c.Sources[0].Layout = "5.1" }, `sources[0].layout: "5.1" has 6 channels, the source 2`},
		{"http.listen", func(c *Config) { c.HTTP.Listen = "" }, ""},
		{"http.listen", func(c *Config) { c.HTTP.Listen = ":99999" }, `http.listen: ":99999" has no valid port number`},
	} {
		c := Default()
		c.Sources = []Source{{Device: "default"}, {WAV: wav}}
		c.SetDefaults()
		tc.set(c)
		err := c.Validate()
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v, want no error", tc.key, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: %v, want %q", tc.key, err, tc.want)
		}
	}
}

// TestOverrides: the flags of the keys apply in one pass, to the sources of their scope, and say so in errors.
func TestOverrides(t *testing.T) {
	wav := wavPath(t)
	newFlags := func() (*flag.FlagSet, *Overrides) {
		var o Overrides
		fs := flag.NewFlagSet("run", flag.ContinueOnError)
		for i := range Keys {
			if k := &Keys[i]; k.Flag != "" {
				fs.Var(o.Flag(k), k.Flag, k.Doc)
			}
		}
		return fs, &o
	}
	for _, tc := range []struct {
		args    []string
		sources []Source
		check   func(c *Config) bool
		err     string
	}{
		{[]string{"--ring-capacity", "1024", "--listen", ""}, []Source{{Device: "d"}, {WAV: wav}},
			func(c *Config) bool {
				return c.Sources[0].RingCapacity == 1024 && c.Sources[1].RingCapacity == 1024 && c.HTTP.Listen == ""
			}, ""},
		{[]string{"--sample-rate", "44100", "--pace", "fast", "--loop"}, []Source{{Device: "d"}, {WAV: wav}},
			func(c *Config) bool {
				return c.Sources[0].SampleRate == 44100 && c.Sources[1].SampleRate == 0 && c.Sources[1].Pace == PaceFast &&
					c.Sources[1].Loop && c.Sources[0].Pace == ""
			}, ""},
		{[]string{"--realtime=false"}, []Source{{Device: "a"}, {Device: "b"}},
			func(c *Config) bool {
				return !c.Sources[0].RealtimeOn() && !c.Sources[1].RealtimeOn() && c.Sources[0].Realtime != c.Sources[1].Realtime
			}, ""},
		{[]string{"--pace", "fast"}, []Source{{Device: "d"}}, nil, "--pace applies to WAV file sources, and none is configured"},
		{[]string{"--input-latency", "5ms"}, []Source{{WAV: wav}}, nil, "--input-latency applies to device sources, and none is configured"},
		{[]string{"--ring-capacity", "1000"}, []Source{{WAV: wav}}, nil,
			"sources[0].ring_capacity (set by --ring-capacity): 1000 is not a power of two"},
		{[]string{"--peak-hold", "0s"}, []Source{{WAV: wav}}, nil, "peak_hold (set by --peak-hold): 0s is out of range"},
		{[]string{"--allowed-host", "a.example", "--allowed-host", ".b.example", "--web-config", "w.yml",
			"--max-connections", "8", "--max-requests", "2"}, []Source{{WAV: wav}},
			func(c *Config) bool {
				return reflect.DeepEqual(c.HTTP.AllowedHosts, []string{"a.example", ".b.example"}) &&
					c.HTTP.WebConfig == "w.yml" && c.HTTP.MaxConnections == 8 && c.HTTP.MaxRequests == 2
			}, ""},
		{[]string{"--allowed-host", "evil\x1b[2J"}, []Source{{WAV: wav}}, nil,
			`http.allowed_hosts (set by --allowed-host): ["evil\x1b[2J"] has "evil\x1b[2J", which contains the control character U+001B`},
		{[]string{"--loudness-windows", "1s, 1h"}, []Source{{WAV: wav}},
			func(c *Config) bool {
				return reflect.DeepEqual(c.LoudnessWindows, []time.Duration{time.Second, time.Hour})
			}, ""},
		{[]string{"--loudness-windows", ""}, []Source{{WAV: wav}},
			func(c *Config) bool { return c.LoudnessWindows != nil && len(c.LoudnessWindows) == 0 }, ""},
		{[]string{"--loudness-windows", "[]"}, []Source{{WAV: wav}}, // as the help and the file write "none"
			func(c *Config) bool { return c.LoudnessWindows != nil && len(c.LoudnessWindows) == 0 }, ""},
		{[]string{"--loudness-windows", " [ ] "}, []Source{{WAV: wav}},
			func(c *Config) bool { return c.LoudnessWindows != nil && len(c.LoudnessWindows) == 0 }, ""},
		{[]string{"--loudness-windows", "[1m, 10m]"}, []Source{{WAV: wav}},
			func(c *Config) bool {
				return reflect.DeepEqual(c.LoudnessWindows, []time.Duration{time.Minute, 10 * time.Minute})
			}, ""},
		{[]string{"--allowed-host", "[]"}, []Source{{WAV: wav}}, nil, // not a way to say "none": the flag adds a name
			`http.allowed_hosts (set by --allowed-host): ["[]"] has "[]", which is not a host name`},
		{[]string{"--loudness-windows", "1m,90m,1m"}, []Source{{WAV: wav}}, nil,
			"loudness_windows (set by --loudness-windows): [1m, 1h30m, 1m] has 1m twice; give each window once"},
		{[]string{"--max-connections", "0"}, []Source{{WAV: wav}}, nil,
			"http.max_connections (set by --max-connections): 0 is out of range; must be 1 to 65536"},
	} {
		fs, o := newFlags()
		if err := fs.Parse(tc.args); err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		c := Default()
		c.Sources = tc.sources
		c.SetDefaults()
		err := o.Apply(c)
		if err == nil {
			err = c.Validate()
		}
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%v: %v", tc.args, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%v: %v, want %q", tc.args, err, tc.err)
		case tc.check != nil && !tc.check(c):
			t.Errorf("%v: the configuration is %+v", tc.args, c.Sources)
		}
	}
	// A bad value is the flag package's parse error.
	fs, _ := newFlags()
	fs.SetOutput(new(strings.Builder))
	if err := fs.Parse([]string{"--ring-capacity", "many"}); err == nil || !strings.Contains(err.Error(), `invalid value "many" for flag -ring-capacity: parse error`) {
		t.Errorf("--ring-capacity many: %v", err)
	}
}
