package alarm_test

import (
	"fmt"
	"math"
	"time"

	"github.com/levelmeter/levelmeter/alarm"
	"github.com/levelmeter/levelmeter/dsp"
)

// A Detector per source, fed every report's interval levels: here 17 s of a stereo tone with 12 s of silence in
// the middle, metered in 100 ms reports as the daemon does.
func Example_detector() {
	const rate = 48000
	m, _ := dsp.NewMeter(dsp.Config{SampleRate: rate, Channels: 2})
	d, _ := alarm.NewDetector(alarm.DefaultConfig())

	var events [alarm.NumKinds]alarm.Event // Update never needs more: no allocation on the audio path
	block := make([]float32, rate/10*2)
	wall := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	for report := range 170 {
		for i := range rate / 10 {
			x := float32(0)
			if report < 20 || report >= 140 { // silent from 2 s to 14 s
				x = float32(0.1 * math.Sin(2*math.Pi*1000*float64(i)/rate))
			}
			block[2*i], block[2*i+1] = x, x
		}
		m.Process(block)
		lv := m.Interval()
		wall = wall.Add(100 * time.Millisecond)
		for _, e := range d.Update(&lv, alarm.Input{Wall: wall}, events[:0]) {
			fmt.Printf("%s %s at %v: %.1f %s, threshold %.0f", e.Kind, e.State, e.Stream, e.Value, e.Kind.Unit(), e.Threshold)
			if e.State == alarm.End {
				fmt.Printf(", lasted %v", e.Duration)
			}
			fmt.Println()
		}
	}
	st := d.Status(alarm.Silence)
	fmt.Printf("silence: active %v, %d start, active %v in total\n", st.Active, st.Starts, st.ActiveTime)
	// Output:
	// silence start at 12s: -Inf dBFS, threshold -50
	// silence end at 16s: -23.0 dBFS, threshold -50, lasted 4s
	// silence: active false, 1 start, active 4s in total
}

// Check a programme against a named target and get the gain that meets it without breaking the ceiling.
func ExampleProfile_Check() {
	p, err := alarm.LookupProfile("ebu-r128")
	if err != nil {
		fmt.Println(err)
		return
	}
	v := p.Check(alarm.Measured{Integrated: -26.2, TruePeak: -2.5, ShortTermMax: -18, MomentaryMax: -15, Range: 7})
	for _, r := range v.Results {
		verdict := "FAIL"
		if r.Pass {
			verdict = "PASS"
		}
		fmt.Printf("%-14s %6.1f  %s\n", r.Criterion, r.Measured, verdict)
	}
	fmt.Printf("gain %+.1f dB, limited by %s, meets target: %v\n", v.Gain, v.LimitedBy, v.GainMeetsTarget)
	// Output:
	// integrated      -26.2  FAIL
	// true_peak        -2.5  PASS
	// gain +1.5 dB, limited by true_peak, meets target: false
}

// A typo in a profile name gets a suggestion.
func ExampleLookupProfile() {
	_, err := alarm.LookupProfile("ebu-r182")
	fmt.Println(err)
	// Output:
	// alarm: unknown profile "ebu-r182"; did you mean "ebu-r128"?
}
