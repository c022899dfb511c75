package alarm

import (
	"math"
	"testing"
	"time"
)

// palette is the values the fuzzer picks levels from: ordinary levels, the edges, and the non-finite values a
// meter reports for silence and undefined quantities.
var palette = []float64{-90, -60, -45, -23, -20, -1, 0, 0.5, 1, -1, -0.7, 0.02, 1e9, -1e9,
	math.Inf(-1), math.Inf(1), math.NaN()}

// FuzzUpdate feeds the detector report sequences built from the fuzzer's bytes (levels from the palette, frame
// counts including none and negative ones, a wall clock that may stand still) and holds it to its invariants:
// no panic; at most one event per kind per report, in a slice that never grows; per kind, starts and ends
// alternate, beginning with a start; Status agrees with the events; clocks never run backwards.
func FuzzUpdate(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8})
	f.Add([]byte{14, 14, 14, 14, 15, 16, 0, 0, 0, 0, 0, 0, 255, 128, 7})
	f.Add(make([]byte, 64))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg := DefaultConfig()
		p, _ := LookupProfile("ebu-r128")
		cfg.ApplyProfile(p)
		for i := range cfg.Rules {
			cfg.Rules[i].OnDelay, cfg.Rules[i].OffDelay = 200*time.Millisecond, 100*time.Millisecond
		}
		d, err := NewDetector(cfg)
		if err != nil {
			t.Fatal(err)
		}
		var active [NumKinds]bool
		var starts [NumKinds]int64
		buf := make([]Event, 0, NumKinds)
		wall := epoch
		var prevStream time.Duration
		next := func() float64 {
			if len(data) == 0 {
				return 0
			}
			v := palette[int(data[0])%len(palette)]
			data = data[1:]
			return v
		}
		for len(data) > 0 {
			op := data[0]
			data = data[1:]
			lv := clean()
			switch op % 4 {
			case 0:
				lv.Frames = 0
			case 1:
				lv.Frames = int64(op) - 100 // sometimes negative
			case 2:
				lv.Channels = 1
			}
			c := int(op/4) % 2
			lv.Channel[c].RMS, lv.Channel[c].TruePeak, lv.Channel[c].DCOffset = next(), next(), next()
			lv.Correlation, lv.Loudness.ShortTerm = next(), next()
			lv.Overall.Clipped = int64(op) * 3
			if op%8 != 7 {
				wall = wall.Add(reportInterval)
			}
			evs := d.Update(&lv, Input{Wall: wall}, buf[:0])
			if len(evs) > NumKinds || (len(evs) > 0 && &evs[:1][0] != &buf[:1][0]) {
				t.Fatalf("%d events, or the slice grew", len(evs))
			}
			seen := [NumKinds]bool{}
			for _, e := range evs {
				if seen[e.Kind] {
					t.Fatalf("two %s events in one report", e.Kind)
				}
				seen[e.Kind] = true
				switch {
				case e.State == Start && !active[e.Kind]:
					active[e.Kind] = true
					starts[e.Kind]++
				case e.State == End && active[e.Kind]:
					active[e.Kind] = false
					if e.Duration < 0 {
						t.Fatalf("%s ended with duration %v", e.Kind, e.Duration)
					}
				default:
					t.Fatalf("%s %s while active=%v", e.Kind, e.State, active[e.Kind])
				}
			}
			if d.Stream() < prevStream {
				t.Fatalf("stream clock ran backwards: %v after %v", d.Stream(), prevStream)
			}
			prevStream = d.Stream()
			for _, k := range Kinds() {
				st := d.Status(k)
				if st.Active != active[k] || st.Starts != starts[k] || st.ActiveTime < 0 {
					t.Fatalf("Status(%s) = %+v; the events say active %v, %d starts", k, st, active[k], starts[k])
				}
			}
		}
	})
}
