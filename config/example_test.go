package config_test

import (
	"flag"
	"fmt"

	"github.com/levelmeter/levelmeter/config"
)

func ExampleParse() {
	c, err := config.Parse([]byte(`
sources:
  - name: mic
    device: default
    channels: 1
report_interval: 250ms
`), "levelmeter.yaml")
	if err != nil {
		fmt.Println(err)
		return
	}
	s := c.Sources[0]
	fmt.Printf("%s: device %q, %d Hz, %d channel, ring of %d frames; reports every %v to logs and %s\n",
		s.Name, s.Device, s.SampleRate, s.Channels, s.RingCapacity, c.ReportInterval, c.HTTP.Listen)

	// Every mistake names the key, the value, the line and what is valid.
	_, err = config.Parse([]byte("sources:\n  - device: default\n    chanels: 1\n    sample_rate: 44.1k\n"), "levelmeter.yaml")
	fmt.Println(err)
	// Output:
	// mic: device "default", 48000 Hz, 1 channel, ring of 16384 frames; reports every 250ms to logs and 127.0.0.1:9464
	// levelmeter.yaml:3: sources[0].chanels: unknown key; did you mean channels? Valid keys in sources[0] are name, device, wav, pace, loop, sample_rate, channels, frames_per_buffer, input_latency, ring_capacity, realtime, layout, alarms, loudness_windows, command, shell, stdin, format, stall_timeout, kill_grace
	// levelmeter.yaml:4: sources[0].sample_rate: "44.1k" is not a whole number
}

// The schema describes every key once; documentation, flags and help are made from it.
func ExampleLookup() {
	k := config.Lookup("ring_capacity")
	fmt.Printf("sources[].%s (--%s %s): %s. Default %s; %s.\n", k.Name, k.Flag, k.Arg, k.Doc, k.Default, k.Valid)
	// Output:
	// sources[].ring_capacity (--ring-capacity FRAMES): how many frames the ring between a source and its meter holds (the default: 341 ms at 48 kHz). Default 16384; a power of two from 16 to 16777216.
}

// Overrides apply the flags of the schema's keys over a configuration, in one pass.
func ExampleOverrides() {
	var o config.Overrides
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	for i := range config.Keys {
		if k := &config.Keys[i]; k.Flag != "" {
			fs.Var(o.Flag(k), k.Flag, k.Doc)
		}
	}
	fs.Parse([]string{"--ring-capacity", "1000"})
	c := config.Default()
	c.Sources = []config.Source{{Device: "default"}}
	c.SetDefaults()
	if err := o.Apply(c); err != nil {
		fmt.Println(err)
	}
	fmt.Println(c.Validate())
	// Output:
	// sources[0].ring_capacity (set by --ring-capacity): 1000 is not a power of two from 16 to 16777216 (frames); try 1024
}

// A command source reads a feed through ffmpeg; its kind decides which keys apply and their defaults.
func ExampleSource_Kind() {
	c, err := config.Parse([]byte(`
sources:
  - name: radio
    command: [ffmpeg, -nostdin, -loglevel, warning, -i, "http://icecast.example.com/live",
              -vn, -ac, "2", -ar, "48000", -f, s16le, -]
    format: s16le
    sample_rate: 48000
    channels: 2
  - wav: "-"
`), "levelmeter.yaml")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range c.Sources {
		fmt.Printf("%s: %v, format %s, stall timeout %v\n", s.Name, s.Kind(), s.Format, s.StallTimeout)
	}
	// Output:
	// radio: command, format s16le, stall timeout 10s
	// stdin: stdin, format wav, stall timeout 10s
}
