package alarm

import (
	"errors"
	"math"
	"testing"
)

// TestProfileFigures pins the named profiles to the documents' figures.
func TestProfileFigures(t *testing.T) {
	tests := []struct {
		name                          string
		target, tol, tp, st, mom, lra float64
	}{
		{"ebu-r128", -23, 1, -1, nan, nan, nan},          // EBU R 128: -23 LUFS, ±1 LU for live, -1 dBTP
		{"ebu-r128-s1", -23, 0.5, -1, -18, nan, nan},     // R 128 s1: ±0.5 LU, max short-term -18 LUFS
		{"atsc-a85", -24, 2, -2, nan, nan, nan},          // A/85: -24 LKFS ±2 dB, -2 dBTP
		{"aes-td1008-speech", -18, 1, -1, nan, nan, nan}, // TD1008: speech -18 LUFS
		{"aes-td1008-music", -16, 1, -1, nan, nan, nan},  // TD1008: track-normalised music -16 LUFS
		{"streaming", -14, 1, -1, nan, nan, nan},         // Spotify, YouTube, Tidal, Amazon: -14 LUFS
	}
	same := func(a, b float64) bool { return a == b || (math.IsNaN(a) && math.IsNaN(b)) }
	if len(tests) != len(Profiles()) {
		t.Errorf("%d profiles; the test pins %d", len(Profiles()), len(tests))
	}
	for _, tc := range tests {
		p, err := LookupProfile(tc.name)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Validate(); err != nil {
			t.Error(err)
		}
		if !same(p.Target, tc.target) || !same(p.Tolerance, tc.tol) || !same(p.MaxTruePeak, tc.tp) ||
			!same(p.MaxShortTerm, tc.st) || !same(p.MaxMomentary, tc.mom) || !same(p.MaxRange, tc.lra) {
			t.Errorf("%s: %+v", tc.name, p)
		}
	}
}

func TestLookupProfileSuggests(t *testing.T) {
	tests := []struct{ name, want string }{
		{"ebu-r129", `alarm: unknown profile "ebu-r129"; did you mean "ebu-r128"?`},
		{"EBU-R128", `alarm: unknown profile "EBU-R128"; did you mean "ebu-r128"?`},
		{"ebur128s1", `alarm: unknown profile "ebur128s1"; did you mean "ebu-r128-s1"?`},
		{"atsc-a58", `alarm: unknown profile "atsc-a58"; did you mean "atsc-a85"?`},
		{"spotify", `alarm: unknown profile "spotify"; known: aes-td1008-music, aes-td1008-speech, atsc-a85, ebu-r128, ebu-r128-s1, streaming`},
	}
	for _, tc := range tests {
		_, err := LookupProfile(tc.name)
		if !errors.Is(err, ErrUnknownProfile) || err.Error() != tc.want {
			t.Errorf("LookupProfile(%q): %v; want %s", tc.name, err, tc.want)
		}
	}
}

func TestCheck(t *testing.T) {
	inf := math.Inf(-1)
	tests := []struct {
		name      string
		profile   string
		m         Measured
		pass      bool
		failed    []Criterion
		gain      float64
		limitedBy Criterion
		meets     bool
	}{
		{
			name: "on target", profile: "ebu-r128",
			m:    Measured{Integrated: -23.4, TruePeak: -3, ShortTermMax: -15, MomentaryMax: -12, Range: 8},
			pass: true, gain: 0.4, meets: true,
		},
		{
			name: "too quiet, the gain is free", profile: "ebu-r128",
			m:      Measured{Integrated: -27, TruePeak: -10, ShortTermMax: -20, MomentaryMax: -18, Range: 6},
			failed: []Criterion{CritIntegrated}, gain: 4, meets: true,
		},
		{
			name: "too quiet, the ceiling limits the gain short of the target", profile: "ebu-r128",
			m:      Measured{Integrated: -27, TruePeak: -2, ShortTermMax: -20, MomentaryMax: -18, Range: 6},
			failed: []Criterion{CritIntegrated}, gain: 1, limitedBy: CritTruePeak, meets: false,
		},
		{
			name: "too quiet, the ceiling limits the gain but it still reaches the tolerance", profile: "atsc-a85",
			m:      Measured{Integrated: -28, TruePeak: -4.5, ShortTermMax: -20, MomentaryMax: -18, Range: 6},
			failed: []Criterion{CritIntegrated}, gain: 2.5, limitedBy: CritTruePeak, meets: true,
		},
		{
			name: "too loud with overs: the gain is negative and fixes both", profile: "streaming",
			m:      Measured{Integrated: -9, TruePeak: 0.5, ShortTermMax: -6, MomentaryMax: -4, Range: 4},
			failed: []Criterion{CritIntegrated, CritTruePeak}, gain: -5, meets: true,
		},
		{
			name: "short-form: the short-term maximum fails and limits the gain", profile: "ebu-r128-s1",
			m:      Measured{Integrated: -24, TruePeak: -5, ShortTermMax: -17.5, MomentaryMax: -15, Range: 3},
			failed: []Criterion{CritIntegrated, CritShortTermMax}, gain: -0.5, limitedBy: CritShortTermMax, meets: false,
		},
		{
			name: "silence: nothing to normalise", profile: "ebu-r128",
			m:      Measured{Integrated: inf, TruePeak: inf, ShortTermMax: inf, MomentaryMax: inf, Range: 0},
			failed: []Criterion{CritIntegrated}, gain: math.NaN(),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := LookupProfile(tc.profile)
			if err != nil {
				t.Fatal(err)
			}
			v := p.Check(tc.m)
			var failed []Criterion
			for _, r := range v.Results {
				if !r.Pass {
					failed = append(failed, r.Criterion)
				}
			}
			if v.Pass != (len(tc.failed) == 0) || len(failed) != len(tc.failed) {
				t.Fatalf("pass %v, failed %v; want failed %v", v.Pass, failed, tc.failed)
			}
			for i := range failed {
				if failed[i] != tc.failed[i] {
					t.Errorf("failed %v; want %v", failed, tc.failed)
				}
			}
			if !(math.Abs(v.Gain-tc.gain) < 1e-9 || math.IsNaN(v.Gain) && math.IsNaN(tc.gain)) || v.LimitedBy != tc.limitedBy || v.GainMeetsTarget != tc.meets {
				t.Errorf("gain %v limited by %q meets %v; want %v, %q, %v", v.Gain, v.LimitedBy, v.GainMeetsTarget, tc.gain, tc.limitedBy, tc.meets)
			}
		})
	}
}

func TestProfileValidate(t *testing.T) {
	tests := []struct {
		p    Profile
		want string
	}{
		{Profile{Target: -23}, "alarm: profile has no name"},
		{Profile{Name: "x", Target: math.NaN()}, "alarm: profile x: Target is NaN; it must be a finite loudness in LUFS"},
		{Profile{Name: "x", Target: -23, Tolerance: -1}, "alarm: profile x: Tolerance is -1; it must be a finite number of LU >= 0"},
		{Profile{Name: "x", Target: -23, MaxTruePeak: math.Inf(1)}, "alarm: profile x: a limit is infinite; give a finite limit, or NaN for none"},
	}
	for _, tc := range tests {
		if err := tc.p.Validate(); err == nil || err.Error() != tc.want {
			t.Errorf("%+v: %v; want %s", tc.p, err, tc.want)
		}
	}
}

func TestApplyProfile(t *testing.T) {
	c := DefaultConfig()
	p, _ := LookupProfile("atsc-a85")
	c.ApplyProfile(p)
	hi, lo, tp := c.Rules[LoudnessHigh], c.Rules[LoudnessLow], c.Rules[TruePeakOver]
	if !hi.Enabled || hi.Threshold != -22 || !lo.Enabled || lo.Threshold != -26 || tp.Threshold != -2 {
		t.Errorf("after atsc-a85: high %+v, low %+v, true peak %+v", hi, lo, tp)
	}
}
