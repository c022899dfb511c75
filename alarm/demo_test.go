package alarm

import (
	"testing"

	"github.com/levelmeter/levelmeter/dsp"
)

// TestDemoRaisesNothing replays the bundled demo, 10 s of tones, chords and noise with a quiet passage near
// -45 LUFS, looped three times as the daemon plays it: clean programme, so the defaults must raise nothing.
func TestDemoRaisesNothing(t *testing.T) {
	evs := run(t, DefaultConfig(), func(each func(lv *dsp.Levels)) {
		for range 3 {
			wavReports(t, "../testdata/demo.wav")(each)
		}
	})
	for _, e := range evs {
		t.Errorf("demo raised %s %s at %v: value %.3f, threshold %.3f, channel %d", e.Kind, e.State, e.Stream, e.Value, e.Threshold, e.Channel)
	}
}
