package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/levelmeter/levelmeter/audio"
	"github.com/levelmeter/levelmeter/internal/fakemic"
)

func TestWriteDevices(t *testing.T) {
	var b strings.Builder
	writeDevices(&b, []audio.DeviceInfo{
		{Index: 0, Name: "HDA Intel PCH: ALC892 Analog (hw:0,0)", HostAPI: "ALSA", MaxInputChannels: 2, DefaultSampleRate: 44100},
		{Index: 7, Name: "pulse", HostAPI: "ALSA", MaxInputChannels: 32, DefaultSampleRate: 48000, Default: true},
	})
	const want = `  INDEX  NAME                                   HOST API  INPUTS  DEFAULT RATE
  0      HDA Intel PCH: ALC892 Analog (hw:0,0)  ALSA      2       44100 Hz
* 7      pulse                                  ALSA      32      48000 Hz
* the default input device
`
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestDevicesCommand(t *testing.T) {
	fakemic.Setup(t)
	for _, tc := range []struct {
		args []string
		code int
		out  string // in stdout
		err  string // in stderr
	}{
		{nil, 0, "* 2      default", ""},
		{[]string{"-json"}, 0, `"name": "fakemic_fast"`, ""},
		{[]string{"extra"}, 2, "", `unexpected argument "extra"`},
		{[]string{"-bogus"}, 2, "", "flag provided but not defined: --bogus"},
		{[]string{"-h"}, 0, "usage: levelmeter devices", ""},
	} {
		var stdout, stderr strings.Builder
		code := dispatch(append([]string{"devices"}, tc.args...), &stdout, &stderr)
		if code != tc.code || !strings.Contains(stdout.String(), tc.out) || !strings.Contains(stderr.String(), tc.err) {
			t.Errorf("devices %q: exit %d\nstdout:\n%s\nstderr:\n%s\nwant exit %d, %q in stdout, %q in stderr",
				tc.args, code, stdout.String(), stderr.String(), tc.code, tc.out, tc.err)
		}
		if len(tc.args) == 1 && tc.args[0] == "-json" {
			var v []map[string]any
			if err := json.Unmarshal([]byte(stdout.String()), &v); err != nil || len(v) < 2 || v[0]["name"] != "fakemic" {
				t.Errorf("devices -json: %v, %v", v, err)
			}
		}
	}
}
