package config

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// FuzzLoad feeds arbitrary bytes to the configuration parser and validator: they return a configuration or an
// error, never panic, and every error names where it is.
func FuzzLoad(f *testing.F) {
	if data, err := os.ReadFile("../config.yaml"); err == nil {
		f.Add(data)
	}
	for _, s := range []string{
		"sources:\n  - device: default\n",
		"sources:\n  - device: default\n    realtime: false\n  - wav: x.wav\n    realtime: ~\n",
		"sources:\n  - wav: x.wav\n    pace: fast\n    loop: true\n",
		"sources:\n  - command: [cat, -]\n    format: s16le\n    sample_rate: 48000\n    channels: 2\n  - stdin: true\n",
		"sources:\n  - command: \"a | b\"\n    shell: true\n  - wav: \"-\"\n    command: {a: 1}\n",
		"sources: [{device: 1, sample_rate: 44100, channels: 1, ring_capacity: 1024}]\nlog: {format: json}\n",
		"report_interval: 100\n",
		"a: &x [*x]\n",
		"sources:\n  - &s {device: a}\n  - *s\n",
		"<<: {report_interval: 1s}\n",
		"http:\n  listen: '[::1]:80'\n",
		"---\n---\n",
		"sources: !!binary aGVsbG8=\n",
		"sources: [{device: d}]\nalarms: {silence: {hysteresis: -3, threshold: .nan, enabled: true}}\n",
		"sources: [{device: d, alarms: {channel_dead: {channels: [0, 16], gate: .inf}}}]\n",
		"sources: [{device: d}]\nprofiles: [{name: house, target: -16, tolerance: 1, max_true_peak: -1.5}]\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data, "fuzz.yaml")
		if err == nil {
			err = c.Validate()
		}
		if err == nil {
			if len(c.Sources) == 0 {
				t.Fatal("a configuration without sources validated")
			}
			return
		}
		for _, line := range strings.Split(err.Error(), "\n") {
			if !strings.HasPrefix(line, "fuzz.yaml") {
				t.Fatalf("error line %q does not say where it is", line)
			}
			if address.MatchString(line) {
				t.Fatalf("error line %q shows an address for a value", line)
			}
		}
	})
}

// address is a pointer printed in place of a value: ": 0xc000123456 is ...".
var address = regexp.MustCompile(`: 0x[0-9a-f]{8,} `)

// FuzzFlagValue feeds arbitrary text to every key's flag (--loudness-windows '[1m, 10m]', --ring-capacity 0x400):
// a value is parsed, applied and validated, or refused with an error; nothing panics.
func FuzzFlagValue(f *testing.F) {
	for _, s := range []string{"", "[]", " [ ] ", "[1m, 10m]", "1m,,1h", "[", "]", "-1s", "0x400", "true", "x",
		"1e400", "[]]", "evil\x1b[2J"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		for i := range Keys {
			k := &Keys[i]
			if k.Flag == "" {
				continue
			}
			var o Overrides
			if err := o.Flag(k).Set(text); err != nil {
				continue
			}
			c := Default()
			c.Sources = []Source{{Device: "d"}, {WAV: "x.wav"}, {Command: Argv{"cat"}}}
			c.SetDefaults()
			if err := o.Apply(c); err == nil {
				_ = c.Validate()
			}
		}
	})
}
