package config

import (
	"os"
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
		}
	})
}
