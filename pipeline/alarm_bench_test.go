package pipeline

import (
	"testing"
	"time"

	"github.com/levelmeter/levelmeter/alarm"
)

// BenchmarkReport measures one report of a live stereo source at the default 100 ms: metering 4800 frames and
// taking the snapshot, with the default alarm detectors and with them off. The difference is the detectors'
// cost per report; ten reports a second make a second of audio.
func BenchmarkReport(b *testing.B) {
	off := alarmsOff()
	for _, bc := range []struct {
		name   string
		alarms *alarm.Config
	}{{"alarms=off", &off}, {"alarms=default", nil}} {
		b.Run(bc.name, func(b *testing.B) {
			p, err := New(Options{Inputs: []Input{{Name: "a", Source: &fakeSource{format: stereo48k, block: 480},
				Alarms: bc.alarms}}})
			if err != nil {
				b.Fatal(err)
			}
			s := p.streams[0]
			s.started = time.Now()
			block := signal(4800, stereo48k)
			b.ReportAllocs()
			for b.Loop() {
				s.w.Write(block, 0)
				p.snapshot(s, false)
				p.queue.Pop()
			}
		})
	}
}

// BenchmarkDetectorReport is what snapshot adds for the default detectors at each report of a live stereo
// source: Update with a 100 ms interval's levels, the copy of its events and Statuses into the Report.
// BenchmarkReport's alarms=off is the rest of that report's work, for the ratio.
func BenchmarkDetectorReport(b *testing.B) {
	p, err := New(Options{Inputs: []Input{{Name: "a", Source: &fakeSource{format: stereo48k, block: 480}}}})
	if err != nil {
		b.Fatal(err)
	}
	s := p.streams[0]
	s.meter.Process(signal(4800, stereo48k))
	var r Report
	r.Interval = s.meter.Interval()
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		ev := s.detector.Update(&r.Interval, alarm.Input{Wall: now}, r.Alarms[:0])
		r.NumAlarms = len(ev)
		r.AlarmStatus = s.detector.Statuses()
	}
}
