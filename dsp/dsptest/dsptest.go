// Package dsptest compares meter readings in tests.
package dsptest

import (
	"fmt"
	"math"
	"strings"

	"github.com/levelmeter/levelmeter/dsp"
)

// Diff describes how got differs from want, one difference a line, or returns "" when they agree. Counts,
// sample peaks, loudness and the display must be identical; true peaks agree within dsp.TruePeakMargin. The means (RMS, DC offset, crest factor,
// correlation) are sums of per-tick sums that dsp merges at every Interval, so their last bits depend on where
// the intervals fell: they must agree to 1e-9.
func Diff(got, want dsp.Levels) string {
	var diffs []string
	near := func(name string, a, b float64) {
		if a == b || (math.IsNaN(a) && math.IsNaN(b)) {
			return
		}
		if math.Abs(a-b) > 1e-9*math.Max(math.Abs(a), math.Abs(b))+1e-15 {
			diffs = append(diffs, fmt.Sprintf("%s: %v, want %v", name, a, b))
		}
	}
	stats := func(name string, g, w dsp.Stats) {
		if g.SamplePeak != w.SamplePeak || g.Clipped != w.Clipped || g.NonFinite != w.NonFinite {
			diffs = append(diffs, fmt.Sprintf("%s: %+v, want %+v", name, g, w))
		}
		// Which true-peak candidates are refined depends on the interval's maximum so far, so true peak depends
		// on where Interval was called by up to the refinement margin (dsp.TruePeakMargin).
		if !(g.TruePeak == w.TruePeak || math.Abs(g.TruePeak-w.TruePeak) <= dsp.TruePeakMargin) {
			diffs = append(diffs, fmt.Sprintf("%s.TruePeak: %v, want %v (within %v dB)", name, g.TruePeak, w.TruePeak, dsp.TruePeakMargin))
		}
		near(name+".RMS", g.RMS, w.RMS)
		near(name+".DCOffset", g.DCOffset, w.DCOffset)
		near(name+".CrestFactor", g.CrestFactor, w.CrestFactor)
	}
	if got.SampleRate != want.SampleRate || got.Channels != want.Channels || got.Frames != want.Frames {
		diffs = append(diffs, fmt.Sprintf("format/frames %d/%d/%d, want %d/%d/%d",
			got.SampleRate, got.Channels, got.Frames, want.SampleRate, want.Channels, want.Frames))
	}
	stats("Overall", got.Overall, want.Overall)
	for c := range got.Channel {
		stats(fmt.Sprintf("Channel[%d]", c), got.Channel[c], want.Channel[c])
	}
	near("Correlation", got.Correlation, want.Correlation)
	if fmt.Sprint(got.Loudness) != fmt.Sprint(want.Loudness) {
		diffs = append(diffs, fmt.Sprintf("Loudness %+v, want %+v", got.Loudness, want.Loudness))
	}
	if fmt.Sprint(got.Display) != fmt.Sprint(want.Display) {
		diffs = append(diffs, fmt.Sprintf("Display %+v, want %+v", got.Display, want.Display))
	}
	return strings.Join(diffs, "\n")
}
