package main

import (
	"testing"
)

// TestRealtimeKey: devices ask for real-time scheduling unless the file's realtime: false or --realtime=false
// says not to; the flag overrides the file.
func TestRealtimeKey(t *testing.T) {
	dir := t.TempDir()
	off := writeConfig(t, dir, "sources:\n  - device: default\n    realtime: false\n")
	for _, tc := range []struct {
		args []string
		want bool
	}{
		{[]string{"--device", "default"}, true},
		{[]string{"--device", "default", "--realtime=false"}, false},
		{[]string{"--config", off}, false},
		{[]string{"--config", off, "--realtime"}, true},
	} {
		c, fl := runCLI()
		if err := c.fs.Parse(tc.args); err != nil {
			t.Fatal(err)
		}
		cfg, _, err := fl.loadConfig()
		if err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		if got := cfg.Sources[0].RealtimeOn(); got != tc.want {
			t.Errorf("%v: realtime %v, want %v", tc.args, got, tc.want)
		}
	}
}
