package config

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestStreamSources reads command and standard-input sources as a user writes them, with their defaults.
func TestStreamSources(t *testing.T) {
	c, err := Parse([]byte(`sources:
  - name: radio
    command: [sh, -c, "exec cat"]
    format: s16le
    sample_rate: 48000
    channels: 2
  - command: "sh -c 'exec cat' | cat"
    shell: true
    sample_rate: 44100
    channels: 1
    stall_timeout: 3s
    kill_grace: 500ms
  - wav: "-"
`), "x.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	for i, want := range []struct {
		kind    SourceKind
		name    string
		argv    Argv
		format  string
		stall   time.Duration
		grace   time.Duration
		framesz int
	}{
		{KindCommand, "radio", Argv{"sh", "-c", "exec cat"}, "s16le", 10 * time.Second, 2 * time.Second, 1024},
		{KindCommand, "sh", Argv{"sh -c 'exec cat' | cat"}, "wav", 3 * time.Second, 500 * time.Millisecond, 1024},
		{KindStdin, "stdin", nil, "wav", 10 * time.Second, 0, 1024},
	} {
		s := &c.Sources[i]
		got := []any{s.Kind(), s.Name, s.Command, s.Format, s.StallTimeout, s.KillGrace, s.FramesPerBuffer}
		exp := []any{want.kind, want.name, want.argv, want.format, want.stall, want.grace, want.framesz}
		if !reflect.DeepEqual(got, exp) {
			t.Errorf("sources[%d] = %v, want %v", i, got, exp)
		}
	}
	if c.Sources[2].SampleRate != 0 || c.Sources[2].Channels != 0 {
		t.Errorf("stdin WAV took a rate or channels (%d, %d); its header says them", c.Sources[2].SampleRate, c.Sources[2].Channels)
	}
}

// TestBadStreamSources: each mistake in a command or standard-input source gives one line naming the key.
func TestBadStreamSources(t *testing.T) {
	for _, tc := range []struct{ name, yaml, want string }{
		{"two kinds", "sources:\n  - device: default\n    command: [cat]\n",
			`sources[0]: has device and command; a source is one of a device, a WAV file, a command or standard input: keep one`},
		{"format typo", "sources:\n  - command: [cat]\n    format: s16\n    sample_rate: 48000\n    channels: 2\n",
			`sources[0].format: "s16" is not a known format; did you mean "s16le"? Use wav, s16le, s24le, s32le or f32le`},
		{"command rate", "sources:\n  - command: [cat]\n    channels: 2\n",
			`sources[0].sample_rate: 0 is required for a command source`},
		{"raw stdin channels", "sources:\n  - stdin: true\n    format: f32le\n    sample_rate: 48000\n",
			`sources[0].channels: 0 is required for raw f32le on standard input`},
		{"two stdins", "sources:\n  - stdin: true\n  - name: b\n    wav: \"-\"\n",
			`sources[1]: reads standard input, as sources[0] does`},
		{"not found", "sources:\n  - command: [no-such-program-here, -x]\n    sample_rate: 48000\n    channels: 2\n",
			`sources[0].command: "no-such-program-here" is not found in PATH`},
		{"shell list", "sources:\n  - command: [sh, -c, x]\n    shell: true\n    sample_rate: 48000\n    channels: 2\n",
			`with shell: true the command is one string`},
		{"pace on command", "sources:\n  - command: [cat]\n    sample_rate: 48000\n    channels: 2\n    pace: fast\n",
			`sources[0].pace: "fast" applies to WAV file sources only; remove it from a command source`},
		{"kill grace on stdin", "sources:\n  - stdin: true\n    kill_grace: 1s\n",
			`sources[0].kill_grace: 1s applies to command sources only; remove it from a stdin source`},
		{"format on device", "sources:\n  - device: default\n    format: s16le\n",
			`sources[0].format: "s16le" applies to command and stdin sources only; remove it from a device source`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse([]byte(tc.yaml), "")
			if err == nil {
				err = c.Validate()
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to contain %q", err, tc.want)
			}
			if n := strings.Count(err.Error(), "\n"); n != 0 {
				t.Errorf("%d lines of errors, want one: %v", n+1, err)
			}
		})
	}
}

func TestSourceEqual(t *testing.T) {
	on, on2, off := true, true, false
	a := Source{Name: "a", Command: Argv{"ffmpeg", "-i", "x"}, Realtime: &on}
	for _, tc := range []struct {
		b    Source
		want bool
	}{
		{Source{Name: "a", Command: Argv{"ffmpeg", "-i", "x"}, Realtime: &on2}, true},
		{Source{Name: "a", Command: Argv{"ffmpeg", "-i", "y"}, Realtime: &on}, false},
		{Source{Name: "a", Command: Argv{"ffmpeg", "-i", "x"}, Realtime: &off}, false},
		{Source{Name: "a", Command: Argv{"ffmpeg", "-i", "x"}}, false},
		{Source{Name: "b", Command: Argv{"ffmpeg", "-i", "x"}, Realtime: &on}, false},
	} {
		if got := a.Equal(&tc.b); got != tc.want {
			t.Errorf("%+v.Equal(%+v) = %v, want %v", a, tc.b, got, tc.want)
		}
	}
	if e := (Source{Device: "x"}); !e.Equal(&Source{Device: "x", Command: Argv{}}) {
		t.Errorf("an empty command differs from none")
	}
}
