package config_test

import (
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
	// levelmeter.yaml:3: sources[0].chanels: unknown key; did you mean channels? Valid keys in sources[0] are name, device, wav, pace, loop, sample_rate, channels, frames_per_buffer, input_latency, ring_capacity, realtime
	// levelmeter.yaml:4: sources[0].sample_rate: "44.1k" is not a whole number
}
