package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/levelmeter/levelmeter/pipeline"
)

// wavPath is a file that exists, for wav sources in the tests (Validate only checks that the file is there).
func wavPath(t testing.TB) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "tone.wav")
	if err := os.WriteFile(p, []byte("RIFF"), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestShippedConfig(t *testing.T) {
	c, err := Read("../config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Sources) != 1 {
		t.Fatalf("%d sources, want the demo", len(c.Sources))
	}
	s := c.Sources[0]
	if s.Name != "demo" || s.WAV != filepath.Join("..", "testdata", "demo.wav") || s.Pace != PaceRealtime || !s.Loop {
		t.Fatalf("demo source %+v: want testdata/demo.wav replayed in real time, looping", s)
	}
	if s.RingCapacity != pipeline.DefaultRingFrames || s.FramesPerBuffer != 1024 {
		t.Fatalf("demo source %+v: want the default ring and blocks of 1024 frames", s)
	}
	d := Default()
	if c.ReportInterval != d.ReportInterval || c.PeakHold != d.PeakHold || c.PeakDecay != 11.76 ||
		c.Log != d.Log || !reflect.DeepEqual(c.HTTP, d.HTTP) {
		t.Fatalf("shipped config %+v differs from the defaults %+v", c, d)
	}
	// The demo file is made by the testdata script; when it is there the shipped config must validate.
	if _, err := os.Stat(s.WAV); err == nil {
		if err := c.Validate(); err != nil {
			t.Fatal(err)
		}
	}
	// Every key the configuration has appears in the shipped file, commented or not.
	data, _ := os.ReadFile("../config.yaml")
	for _, key := range []string{"sources", "name", "device", "wav", "pace", "loop", "sample_rate", "channels",
		"frames_per_buffer", "input_latency", "ring_capacity", "report_interval", "peak_hold", "peak_decay",
		"log", "level", "format", "interval", "http", "listen", "metrics", "web", "allowed_hosts", "web_config",
		"max_connections", "max_requests", "command", "shell", "stdin", "stall_timeout", "kill_grace"} {
		if !strings.Contains(string(data), key+":") {
			t.Errorf("config.yaml does not show %s", key)
		}
	}
}

func TestDefaults(t *testing.T) {
	wav := wavPath(t)
	c, err := Parse([]byte("sources:\n  - device: default\n  - wav: "+wav+"\n"), "x.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	dev, file := c.Sources[0], c.Sources[1]
	want := Source{Name: "default", Device: "default", SampleRate: 48000, Channels: 2, FramesPerBuffer: 256, RingCapacity: 16384}
	if dev.Realtime == nil || !*dev.Realtime {
		t.Errorf("device source realtime %v, want true", dev.Realtime)
	}
	dev.Realtime = nil
	if !reflect.DeepEqual(dev, want) {
		t.Errorf("device source %+v, want %+v", dev, want)
	}
	want = Source{Name: "tone", WAV: wav, Pace: PaceRealtime, FramesPerBuffer: 1024, RingCapacity: 16384}
	if !reflect.DeepEqual(file, want) {
		t.Errorf("wav source %+v, want %+v", file, want)
	}
	if c.ReportInterval != 100*time.Millisecond || c.HTTP.Listen != "127.0.0.1:9464" || !c.HTTP.Web || !c.HTTP.Metrics ||
		c.Log.Format != "auto" || c.Log.Level != "info" || c.Log.Interval != time.Second {
		t.Errorf("defaults %+v", c)
	}
}

// TestLoudnessWindows: the default windows, none with [], and a list of one's own.
func TestLoudnessWindows(t *testing.T) {
	src := "sources:\n  - device: default\n"
	for _, tc := range []struct {
		name, yaml string
		want       []time.Duration
	}{
		{"default", src, []time.Duration{time.Minute, 10 * time.Minute, time.Hour}},
		{"none", src + "loudness_windows: []\n", []time.Duration{}},
		{"own", src + "loudness_windows: [1s, 2.5s, 24h]\n", []time.Duration{time.Second, 2500 * time.Millisecond, 24 * time.Hour}},
		{"the source's own", src + "    loudness_windows: [24h]\nloudness_windows: [1m]\n", []time.Duration{24 * time.Hour}},
		{"the source's none", src + "    loudness_windows: []\n", []time.Duration{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse([]byte(tc.yaml), "x.yaml")
			if err == nil {
				err = c.Validate()
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := c.WindowsOf(0); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("source's windows %v, want %v", got, tc.want)
			}
		})
	}
}

func TestFullConfig(t *testing.T) {
	wav := wavPath(t)
	c, err := Parse([]byte(`
sources:
  - name: mic
    device: 3
    sample_rate: 44100
    channels: 1
    frames_per_buffer: 128
    input_latency: 10ms
    ring_capacity: 4096
    realtime: false
  - name: file
    wav: `+wav+`
    pace: fast
    loop: yes
report_interval: 50ms
peak_hold: 1.5s
peak_decay: 20
log: {level: debug, format: console, interval: 2s}
http:
  listen: ""
  metrics: false
  web: false
`), "")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	want := Source{Name: "mic", Device: "3", SampleRate: 44100, Channels: 1, FramesPerBuffer: 128,
		InputLatency: 10 * time.Millisecond, RingCapacity: 4096}
	got := c.Sources[0]
	if got.Realtime == nil || *got.Realtime || got.RealtimeOn() {
		t.Errorf("mic realtime %v, want false", got.Realtime)
	}
	got.Realtime = nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("mic %+v, want %+v", got, want)
	}
	if s := c.Sources[1]; s.Pace != PaceFast || !s.Loop {
		t.Errorf("file %+v", s)
	}
	if c.ReportInterval != 50*time.Millisecond || c.PeakHold != 1500*time.Millisecond || c.PeakDecay != 20 ||
		c.Log != (Log{"debug", "console", 2 * time.Second}) || c.HTTP.Listen != "" || c.HTTP.Metrics || c.HTTP.Web {
		t.Errorf("config %+v", c)
	}
}

// TestBadConfigs is the table of broken configurations and the one error each must give: the key path, the
// value, what is valid, and the line.
func TestBadConfigs(t *testing.T) {
	wav := wavPath(t)
	dir := t.TempDir()
	src := "sources:\n  - device: default\n"
	for _, tc := range []struct {
		name, yaml string
		want       string // the whole error, "x.yaml:" prefix added
	}{
		{"unknown top key", src + "report_intervl: 1s\n",
			`3: report_intervl: unknown key; did you mean report_interval? Valid keys are sources, report_interval, peak_hold, peak_decay, loudness_windows, log, http, alarms, profiles`},
		{"unknown source key", "sources:\n  - device: default\n    chanels: 2\n",
			`3: sources[0].chanels: unknown key; did you mean channels? Valid keys in sources[0] are name, device, wav, pace, loop, sample_rate, channels, frames_per_buffer, input_latency, ring_capacity, realtime, layout, alarms, loudness_windows, command, shell, stdin, format, stall_timeout, kill_grace`},
		{"key with a space", "sources:\n  - device: default\n    sample rate: 1\n",
			`3: sources[0]."sample rate": unknown key; did you mean sample_rate? Valid keys in sources[0] are name, device, wav, pace, loop, sample_rate, channels, frames_per_buffer, input_latency, ring_capacity, realtime, layout, alarms, loudness_windows, command, shell, stdin, format, stall_timeout, kill_grace`},
		{"key with a line break (found by FuzzLoad)", "{0\n\n0}",
			`1: "0\n0": unknown key; valid keys are sources, report_interval, peak_hold, peak_decay, loudness_windows, log, http, alarms, profiles`},
		{"unknown nested key", src + "log:\n  colour: true\n",
			`4: log.colour: unknown key; valid keys in log are level, format, interval`},
		{"duplicate key", src + "peak_hold: 1s\npeak_hold: 2s\n",
			`4: peak_hold: is set twice (first on line 3); keep one`},
		{"rate not a number", "sources:\n  - device: default\n    sample_rate: fast\n",
			`3: sources[0].sample_rate: "fast" is not a whole number`},
		{"fractional rate", "sources:\n  - device: default\n    sample_rate: 44100.5\n",
			`3: sources[0].sample_rate: "44100.5" is not a whole number`},
		{"negative rate", "sources:\n  - device: default\n    sample_rate: -48000\n",
			`3: sources[0].sample_rate: -48000 is not a sample rate; must be 1 to 1048576 frames per second`},
		{"zero rate", "sources:\n  - device: default\n    sample_rate: 0\n",
			`3: sources[0].sample_rate: "0" is empty or zero; omit the key for the default (48000 for a device, the file's rate for a WAV file)`},
		{"channels", "sources:\n  - device: default\n    channels: 17\n",
			`3: sources[0].channels: 17 is out of range; must be 1 to 16`},
		{"ring not power of two", "sources:\n  - device: default\n    ring_capacity: 10000\n",
			`3: sources[0].ring_capacity: 10000 is not a power of two from 16 to 16777216 (frames); try 8192`},
		{"ring too small", "sources:\n  - device: default\n    ring_capacity: 8\n",
			`3: sources[0].ring_capacity: 8 is not a power of two from 16 to 16777216 (frames); try 16`},
		{"block larger than ring", "sources:\n  - device: default\n    ring_capacity: 128\n",
			`2: sources[0].frames_per_buffer: 256 is larger than ring_capacity (128); every block would lose frames. Raise ring_capacity`},
		{"duration without unit", src + "report_interval: 100\n",
			`3: report_interval: "100" has no unit; write a duration such as 100ms or 100s`},
		{"bad duration", src + "peak_hold: soon\n",
			`3: peak_hold: "soon" is not a duration; write a number with a unit (ms, s, m, h), such as 100ms or 2s`},
		{"zero interval", src + "report_interval: 0s\n",
			`3: report_interval: 0s is out of range; must be 1ms to 1h`},
		{"negative latency", "sources:\n  - device: default\n    input_latency: -5ms\n",
			`3: sources[0].input_latency: -5ms is out of range; must be 0s to 10s`},
		{"decay", src + "peak_decay: -1\n",
			`3: peak_decay: -1 is out of range; must be 0.1 to 10000 dB per second`},
		{"decay nan", src + "peak_decay: .nan\n",
			`3: peak_decay: NaN is out of range; must be 0.1 to 10000 dB per second`},
		{"bool", src + "http:\n  web: maybe\n",
			`4: http.web: "maybe" is not true or false`},
		{"duplicate names", "sources:\n  - device: default\n  - device: default\n",
			`3: sources[1].name: "default" is already the name of sources[0]; source names must be unique (set name:)`},
		{"empty name", "sources:\n  - device: default\n    name: \"\"\n",
			`3: sources[0].name: "" is empty or zero; omit the key for the default (a name made from the device or file)`},
		{"both", "sources:\n  - device: default\n    wav: " + wav + "\n",
			`2: sources[0]: has device and wav; a source is one of a device, a WAV file, a command or standard input: keep one`},
		{"neither", "sources:\n  - name: x\n",
			`2: sources[0]: has none of device, wav, command and stdin; set device: default (a sound card), wav: FILE, command: [ffmpeg, ...] or stdin: true`},
		{"no sources", "report_interval: 1s\n",
			`sources: no sources configured; add one with a device (device: default) or a WAV file (wav: FILE)`},
		{"missing file", "sources:\n  - wav: " + filepath.Join(dir, "nope.wav") + "\n",
			`2: sources[0].wav: "` + filepath.Join(dir, "nope.wav") + `" does not exist; give the path of a WAV file`},
		{"directory", "sources:\n  - wav: " + dir + "\n",
			`2: sources[0].wav: "` + dir + `" is a directory; give the path of a WAV file`},
		{"device file", "sources:\n  - wav: /dev/null\n",
			`2: sources[0].wav: "/dev/null" is not a regular file (a character device); give the path of a WAV file`},
		{"pace", "sources:\n  - wav: " + wav + "\n    pace: slow\n",
			`3: sources[0].pace: "slow" is not a pace; use realtime or fast`},
		{"pace on device", "sources:\n  - device: default\n    pace: fast\n",
			`3: sources[0].pace: "fast" applies to wav sources only; a device runs at its own pace`},
		{"loop on device", "sources:\n  - device: default\n    loop: true\n",
			`3: sources[0].loop: true applies to wav sources only`},
		{"latency on file", "sources:\n  - wav: " + wav + "\n    input_latency: 5ms\n",
			`3: sources[0].input_latency: 5ms applies to devices only; remove it from a wav source`},
		{"realtime on file", "sources:\n  - wav: " + wav + "\n    realtime: true\n",
			`3: sources[0].realtime: true applies to devices only; remove it from a wav source`},
		{"realtime not a bool", "sources:\n  - device: default\n    realtime: sometimes\n",
			`3: sources[0].realtime: "sometimes" is not true or false`},
		{"log level", src + "log:\n  level: loud\n",
			`4: log.level: "loud" is not a level; use trace, debug, info, warn or error`},
		{"log format", src + "log:\n  format: xml\n",
			`4: log.format: "xml" is not a format; use json, console or auto`},
		{"listen", src + "http:\n  listen: localhost\n",
			`4: http.listen: "localhost" is not host:port; use host:port such as 127.0.0.1:9464, or "" to disable the server`},
		{"listen port", src + "http:\n  listen: \":99999\"\n",
			`4: http.listen: ":99999" has no valid port number; use host:port such as 127.0.0.1:9464, or "" to disable the server`},
		{"escape in a name", "sources:\n  - device: default\n    name: \"evil\\e]0;TITLE\\a\\e[2J\"\n",
			`3: sources[0].name: "evil\x1b]0;TITLE\a\x1b[2J" contains the control character U+001B; names are shown in logs, terminals and web pages: use printable characters only`},
		{"line break in a name", "sources:\n  - device: default\n    name: \"a\\nb\"\n",
			`3: sources[0].name: "a\nb" contains the control character U+000A; names are shown in logs, terminals and web pages: use printable characters only`},
		{"C1 control in a name", "sources:\n  - device: default\n    name: \"a\\x9bb\"\n",
			`3: sources[0].name: "a\u009bb" contains the control character U+009B; names are shown in logs, terminals and web pages: use printable characters only`},
		{"escape in a device", "sources:\n  - device: \"mic\\e[2J\"\n    name: mic\n",
			`2: sources[0].device: "mic\x1b[2J" contains the control character U+001B; names are shown in logs, terminals and web pages: use printable characters only`},
		{"loudness window too short", src + "loudness_windows: [500ms, 1m]\n",
			`3: loudness_windows: [500ms, 1m] has 500ms, out of range; each window must be 1s to 24h`},
		{"loudness window too long", src + "loudness_windows: [48h]\n",
			`3: loudness_windows: [48h] has 48h, out of range; each window must be 1s to 24h`},
		{"loudness window off the step", src + "loudness_windows: [1m, 1.25s]\n",
			`3: loudness_windows: [1m, 1.25s] has 1.25s, not a multiple of 100ms (the gating blocks' step); try 1.3s`},
		{"loudness window twice", src + "loudness_windows: [1m, 60s]\n",
			`3: loudness_windows: [1m, 1m] has 1m twice; give each window once`},
		{"a source's loudness window too short", src + "    loudness_windows: [100ms]\n",
			`3: sources[0].loudness_windows: [100ms] has 100ms, out of range; each window must be 1s to 24h`},
		{"too many loudness windows", src + "loudness_windows: [1s, 1m, 10m, 1h, 24h]\n",
			`3: loudness_windows: [1s, 1m, 10m, 1h, 24h] has 5 windows; at most 4 are measured, so drop 1`},
		{"loudness window not a duration", src + "loudness_windows: [1 minute]\n",
			`3: loudness_windows[0]: "1 minute" is not a duration; write a number with a unit (ms, s, m, h), such as 100ms or 2s`},
		{"loudness windows not a list", src + "loudness_windows: 1m\n",
			`3: loudness_windows: "1m" is a single value; expected a list (each item starting with "- ")`},
		{"allowed host with a port", src + "http:\n  allowed_hosts: [meter.example.org:9464]\n",
			`4: http.allowed_hosts: ["meter.example.org:9464"] has "meter.example.org:9464", which is not a host name; give the name alone, without scheme or port`},
		{"allowed host empty", src + "http:\n  allowed_hosts: [\"\"]\n",
			`4: http.allowed_hosts: [""] has an empty host name; give names such as meter.example.org`},
		{"allowed hosts not a list", src + "http:\n  allowed_hosts: meter.example.org\n",
			`4: http.allowed_hosts: "meter.example.org" is a single value; expected a list (each item starting with "- ")`},
		{"max connections zero", src + "http:\n  max_connections: 0\n",
			`4: http.max_connections: "0" is empty or zero; omit the key for the default (2048)`},
		{"max requests negative", src + "http:\n  max_requests: -1\n",
			`4: http.max_requests: -1 is out of range; must be 1 to 65536`},
		{"sources not a list", "sources: default\n",
			`1: sources: "default" is a single value; expected a list (each item starting with "- ")`},
		{"log not a mapping", src + "log: json\n",
			`3: log: "json" is a single value; expected a mapping of keys (level, format, interval)`},
		{"scalar expected", "sources:\n  - device: [a, b]\n",
			`2: sources[0].device: is a list; expected a single value`},
		{"top level list", "- a\n- b\n",
			`1: (top level): is a list; expected a mapping of keys (sources, report_interval, peak_hold, peak_decay, loudness_windows, log, http, alarms, profiles)`},
		{"syntax", "sources:\n  - device: default\n   bad indent: [\n",
			`1: is not valid YAML: did not find expected '-' indicator`},
		{"two documents", src + "---\nreport_interval: 1s\n",
			`3: a second YAML document; a configuration is one document`},
		{"tab", "sources:\n\t- device: default\n",
			`2: is not valid YAML: found character that cannot start any token`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse([]byte(tc.yaml), "x.yaml")
			if err == nil {
				err = c.Validate()
			}
			if err == nil {
				t.Fatalf("no error; want %s", tc.want)
			}
			want := "x.yaml:" + tc.want
			if !strings.Contains(tc.want, ": ") || strings.HasPrefix(tc.want, "sources:") {
				want = "x.yaml: " + tc.want
			}
			if err.Error() != want {
				t.Fatalf("error\n  %s\nwant\n  %s", err, want)
			}
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("%T is not a *config.Error", err)
			}
		})
	}
}

func TestSeveralErrors(t *testing.T) {
	_, err := Parse([]byte("sources:\n  - device: default\n    chanels: 2\n    rate: 1\nlog:\n  lvl: info\n"), "x.yaml")
	var es Errors
	if !errors.As(err, &es) || len(es) != 3 {
		t.Fatalf("error %v: want the 3 unknown keys", err)
	}
	for i, line := range []int{3, 4, 6} {
		if es[i].Line != line {
			t.Errorf("error %d on line %d, want %d", i, es[i].Line, line)
		}
	}
}

func TestRead(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.wav"), []byte("RIFF"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "levelmeter.yaml")
	if err := os.WriteFile(cfg, []byte("sources:\n  - wav: a.wav\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if c.Sources[0].WAV != filepath.Join(dir, "a.wav") || c.Sources[0].Name != "a" {
		t.Fatalf("source %+v: the wav path is relative to the config file", c.Sources[0])
	}
	_, err = Load(filepath.Join(dir, "none.yaml"))
	if err == nil || !strings.Contains(err.Error(), "none.yaml does not exist") {
		t.Fatalf("Load of a missing file: %v", err)
	}
}

func TestSetBy(t *testing.T) {
	c, err := Parse([]byte("sources:\n  - device: default\nreport_interval: 1s\n"), "x.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c.ReportInterval = 0
	c.SetBy("report_interval", "--report-interval")
	c.Sources = []Source{{Device: "a", Channels: 20}}
	c.SetBy("sources", "--device")
	c.SetDefaults()
	err = c.Validate()
	want := "sources[0].channels (set by --device): 20 is out of range; must be 1 to 16\n" +
		"report_interval (set by --report-interval): 0s is out of range; must be 1ms to 1h"
	if err == nil || err.Error() != want {
		t.Fatalf("error\n%v\nwant\n%s", err, want)
	}
}

func TestEmpty(t *testing.T) {
	for _, in := range []string{"", "\n", "# nothing\n", "---\n"} {
		c, err := Parse([]byte(in), "x.yaml")
		if err != nil {
			t.Fatalf("Parse(%q) = %v", in, err)
		}
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "no sources configured") {
			t.Fatalf("Validate of %q = %v", in, err)
		}
	}
}
