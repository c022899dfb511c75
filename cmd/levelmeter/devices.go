package main

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/levelmeter/levelmeter/audio"
)

func init() {
	register(command{name: "devices", summary: "list the audio input devices", run: runDevices})
}

const devicesHelp = `Lists the audio input devices PortAudio sees, marking the default with *. Choose one for
` + "`levelmeter run`" + ` by its name, a part of its name no other device has, or its index.`

func runDevices(args []string, stdout, stderr io.Writer) int {
	c := newCLI("devices", "[--json]", devicesHelp)
	asJSON := c.fs.Bool("json", false, "print the devices as a JSON array")
	if code, ok := c.parse(args, false, stdout, stderr); !ok {
		return code
	}
	list, err := audio.Devices()
	if err != nil {
		return c.fail(stderr, exitFailed, withRemedy(err))
	}
	if *asJSON {
		type device struct {
			Index             int     `json:"index"`
			Name              string  `json:"name"`
			HostAPI           string  `json:"host_api"`
			MaxInputChannels  int     `json:"max_input_channels"`
			DefaultSampleRate float64 `json:"default_sample_rate"`
			Default           bool    `json:"default"`
		}
		out := make([]device, len(list))
		for i, d := range list {
			out[i] = device{d.Index, d.Name, d.HostAPI, d.MaxInputChannels, d.DefaultSampleRate, d.Default}
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return c.fail(stderr, exitFailed, err)
		}
		return 0
	}
	writeDevices(stdout, list)
	return 0
}

// writeDevices prints the devices as a table.
func writeDevices(w io.Writer, list []audio.DeviceInfo) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  INDEX\tNAME\tHOST API\tINPUTS\tDEFAULT RATE")
	def := false
	for _, d := range list {
		mark := " "
		if d.Default {
			mark, def = "*", true
		}
		fmt.Fprintf(tw, "%s %d\t%s\t%s\t%d\t%g Hz\n", mark, d.Index, d.Name, d.HostAPI, d.MaxInputChannels, d.DefaultSampleRate)
	}
	tw.Flush()
	if def {
		fmt.Fprintln(w, "* the default input device")
	}
}
