package dsp

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

// After the signal stops, the filters' decaying tail is not reported as loudness: each momentary and short-term
// value is either at or above LoudnessFloor or -Inf, never the -244 or -1906 LUFS the tail computes to; a real
// signal just above the floor still reads.
func TestLoudnessFloor(t *testing.T) {
	const rate = 48000
	p := tone(rate, 1000, toneLevel(-20, 2, 4), toneLevel(math.Inf(-1), 2, 6))
	l := newLoudness(t, rate, 2, nil)
	sub := rate / 10 * 2
	belowFloor := false // the tail's energy went below the floor but above zero: the case is exercised
	for i := 0; i+sub <= len(p); i += sub {
		l.Process(p[i : i+sub])
		v := l.Loudness()
		for _, x := range []float64{v.Momentary, v.ShortTerm, v.MomentaryMax, v.ShortTermMax} {
			if x < LoudnessFloor && !math.IsInf(x, -1) {
				t.Fatalf("at %.1f s: a reading of %.2f LUFS, below the floor %g", float64(i/2+sub/2)/rate, x, LoudnessFloor)
			}
		}
		belowFloor = belowFloor || (l.momentary > 0 && l.momentary < floorEnergy)
	}
	if v := l.Loudness(); !math.IsInf(v.Momentary, -1) || !math.IsInf(v.ShortTerm, -1) || !nearLU(v.ShortTermMax, -19.99, 0.01) {
		t.Errorf("after 6 s of silence: %+v; want M and S -Inf, S max -19.99", v)
	}
	if !belowFloor {
		t.Error("the filters' tail never went below the floor: the test shows nothing")
	}
	// -115 dBFS peak is about -118 LUFS: above the floor, so it reads
	l = newLoudness(t, rate, 1, nil)
	l.Process(tone(rate, 1000, toneLevel(-115, 1, 4)))
	if v := l.Loudness(); !nearLU(v.Momentary, -118.01, 0.01) || !nearLU(v.ShortTerm, -118.01, 0.01) {
		t.Errorf("a tone at -118 LUFS: M %.3f S %.3f", v.Momentary, v.ShortTerm)
	}
}

func TestLoudnessNotes(t *testing.T) {
	const rate = 44100
	inf := math.Inf(-1)
	for _, c := range []struct {
		name string
		p    []float32
		want LoudnessNotes // substrings; "" = no note
	}{
		{"0.2 s tone", tone(rate, 1000, toneLevel(-20, 1, 0.2)), LoudnessNotes{
			"shorter than 400 ms", "shorter than 3 s", "shorter than 400 ms", "shorter than 3 s"}},
		{"2.5 s tone", tone(rate, 1000, toneLevel(-20, 1, 2.5)), LoudnessNotes{
			"", "shorter than 3 s, the short-term window", "", "shorter than 3 s"}},
		{"5 s tone", tone(rate, 1000, toneLevel(-20, 1, 5)), LoudnessNotes{}},
		{"5 s of silence", tone(rate, 1000, toneLevel(inf, 1, 5)), LoudnessNotes{
			"below the meter's floor of -120 LUFS", "below the meter's floor", "nothing above the -70 LUFS gate", "no 3 s window above"}},
		{"tone, then silence", tone(rate, 1000, toneLevel(-20, 1, 5), toneLevel(inf, 1, 5)), LoudnessNotes{
			"silence", "silence", "", ""}},
		{"5 s at -80 LUFS", tone(rate, 1000, toneLevel(-77, 1, 5)), LoudnessNotes{
			"", "", "nothing above the -70 LUFS gate", "no 3 s window above the -70 LUFS gate"}},
	} {
		m := newTestMeter(t, Config{SampleRate: rate, Channels: 1})
		m.Process(c.p)
		got := m.Levels().Notes()
		for _, f := range []struct{ field, got, want string }{
			{"Momentary", got.Momentary, c.want.Momentary},
			{"ShortTerm", got.ShortTerm, c.want.ShortTerm},
			{"Integrated", got.Integrated, c.want.Integrated},
			{"Range", got.Range, c.want.Range},
		} {
			if (f.want == "") != (f.got == "") || !strings.Contains(f.got, f.want) {
				t.Errorf("%s: %s note %q, want %q", c.name, f.field, f.got, f.want)
			}
			if strings.Contains(f.got, "Config") || strings.Contains(f.got, "dsp") {
				t.Errorf("%s: %s note %q names internals", c.name, f.field, f.got)
			}
		}
	}
}

func ExampleLevels_Notes() {
	m, _ := NewMeter(Config{SampleRate: 48000, Channels: 2})
	m.Process(make([]float32, 2*48000*5/2)) // 2.5 s of silence
	n := m.Levels().Notes()
	fmt.Println("momentary:", n.Momentary)
	fmt.Println("short-term:", n.ShortTerm)
	fmt.Println("integrated:", n.Integrated)
	// Output:
	// momentary: silence: below the meter's floor of -120 LUFS
	// short-term: the audio is shorter than 3 s, the short-term window
	// integrated: nothing above the -70 LUFS gate: the audio is silent or very quiet
}
