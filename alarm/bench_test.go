package alarm

import (
	"testing"

	"github.com/levelmeter/levelmeter/dsp"
)

// BenchmarkUpdate measures one report of one live stereo source with every alarm enabled (the defaults plus
// EBU R 128's loudness alarms). BenchmarkMeterReport is the baseline measured beside it: metering the same
// report's 100 ms of stereo audio. At 10 reports a second, Update's ns/op × 10 / 1e9 is its share of a core.
func BenchmarkUpdate(b *testing.B) {
	cfg := DefaultConfig()
	p, _ := LookupProfile("ebu-r128")
	cfg.ApplyProfile(p)
	d, err := NewDetector(cfg)
	if err != nil {
		b.Fatal(err)
	}
	lv := clean()
	var buf [NumKinds]Event
	wall := epoch
	b.ReportAllocs()
	for b.Loop() {
		wall = wall.Add(reportInterval)
		d.Update(&lv, Input{Wall: wall}, buf[:0])
	}
}

func BenchmarkMeterReport(b *testing.B) {
	m, err := dsp.NewMeter(dsp.Config{SampleRate: 48000, Channels: 2})
	if err != nil {
		b.Fatal(err)
	}
	p := render(programme, 2, reportInterval.Seconds())
	b.ReportAllocs()
	for b.Loop() {
		m.Process(p)
		m.Interval()
	}
}
