package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/levelmeter/levelmeter/audio"
)

func init() {
	register(command{name: "devices", summary: "list the audio input devices", run: runDevices})
}

func runDevices(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("devices", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print the devices as a JSON array")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: levelmeter devices [-json]")
		fmt.Fprintln(fs.Output())
		fmt.Fprintln(fs.Output(), "Lists the audio input devices PortAudio sees, marking the default with *. Choose one for")
		fmt.Fprintln(fs.Output(), "`levelmeter run` by its name, a part of its name no other device has, or its index.")
		fmt.Fprintln(fs.Output())
		fs.PrintDefaults()
	}
	if code, ok := parseNoArgs(fs, args, stderr); !ok {
		return code
	}
	list, err := audio.Devices()
	if err != nil {
		fmt.Fprintln(stderr, "levelmeter devices:", err)
		return 1
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
			fmt.Fprintln(stderr, "levelmeter devices:", err)
			return 1
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
