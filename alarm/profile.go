package alarm

import (
	"fmt"
	"math"
	"sort"

	"github.com/levelmeter/levelmeter/dsp"
)

// A Profile is a loudness target: a programme loudness with a tolerance, and the limits that go with it. A limit
// that is NaN is not part of the profile.
type Profile struct {
	Name        string
	Description string

	Target    float64 // integrated (programme) loudness, LUFS
	Tolerance float64 // ± LU around Target that passes

	MaxTruePeak  float64 // dBTP
	MaxShortTerm float64 // LUFS, the largest short-term (3 s) loudness
	MaxMomentary float64 // LUFS, the largest momentary (400 ms) loudness
	MaxRange     float64 // LU, the loudness range (EBU Tech 3342)
}

var nan = math.NaN()

// The named profiles. The figures are the documents' own; where a document gives no tolerance, the tolerance
// here is ±1 LU (the EBU's tolerance for programmes that cannot be normalised exactly) and is said so.
var profiles = []Profile{
	{Name: "ebu-r128", Description: "EBU R 128: -23 LUFS, ±1 LU where exact normalisation is impractical (live), max -1 dBTP",
		Target: -23, Tolerance: 1, MaxTruePeak: -1, MaxShortTerm: nan, MaxMomentary: nan, MaxRange: nan},
	{Name: "ebu-r128-s1", Description: "EBU R 128 s1, short-form content (advertisements, trailers): -23 LUFS ±0.5 LU, max -1 dBTP, max short-term -18 LUFS",
		Target: -23, Tolerance: 0.5, MaxTruePeak: -1, MaxShortTerm: -18, MaxMomentary: nan, MaxRange: nan},
	{Name: "atsc-a85", Description: "ATSC A/85 (US television, CALM Act): -24 LKFS ±2 dB, max -2 dBTP",
		Target: -24, Tolerance: 2, MaxTruePeak: -2, MaxShortTerm: nan, MaxMomentary: nan, MaxRange: nan},
	{Name: "aes-td1008-speech", Description: "AES TD1008, speech and mixed content for streaming and podcasts: -18 LUFS (±1 LU here), max -1 dBTP",
		Target: -18, Tolerance: 1, MaxTruePeak: -1, MaxShortTerm: nan, MaxMomentary: nan, MaxRange: nan},
	{Name: "aes-td1008-music", Description: "AES TD1008, track-normalised music: -16 LUFS (±1 LU here), max -1 dBTP",
		Target: -16, Tolerance: 1, MaxTruePeak: -1, MaxShortTerm: nan, MaxMomentary: nan, MaxRange: nan},
	{Name: "streaming", Description: "music streaming services' playback reference (Spotify, YouTube, Tidal, Amazon): -14 LUFS (±1 LU here), max -1 dBTP",
		Target: -14, Tolerance: 1, MaxTruePeak: -1, MaxShortTerm: nan, MaxMomentary: nan, MaxRange: nan},
}

// Profiles returns the named profiles, in a fixed order.
func Profiles() []Profile { return append([]Profile(nil), profiles...) }

// ProfileNames returns the names of the named profiles, sorted.
func ProfileNames() []string {
	names := make([]string, len(profiles))
	for i, p := range profiles {
		names[i] = p.Name
	}
	sort.Strings(names)
	return names
}

// LookupProfile returns the named profile, or an error wrapping ErrUnknownProfile that suggests the closest
// name ("did you mean") or lists the known ones.
func LookupProfile(name string) (Profile, error) {
	for _, p := range profiles {
		if p.Name == name {
			return p, nil
		}
	}
	return Profile{}, fmt.Errorf("%w %q%s", ErrUnknownProfile, name, suggest(name, ProfileNames()))
}

// Validate returns an error naming the first bad field of a profile (a custom one from the configuration), or
// nil.
func (p Profile) Validate() error {
	switch {
	case p.Name == "":
		return fmt.Errorf("alarm: profile has no name")
	case math.IsNaN(p.Target) || math.IsInf(p.Target, 0):
		return fmt.Errorf("alarm: profile %s: Target is %v; it must be a finite loudness in LUFS", p.Name, p.Target)
	case !(p.Tolerance >= 0) || math.IsInf(p.Tolerance, 0):
		return fmt.Errorf("alarm: profile %s: Tolerance is %v; it must be a finite number of LU >= 0", p.Name, p.Tolerance)
	case math.IsInf(p.MaxTruePeak, 0), math.IsInf(p.MaxShortTerm, 0), math.IsInf(p.MaxMomentary, 0), math.IsInf(p.MaxRange, 0):
		return fmt.Errorf("alarm: profile %s: a limit is infinite; give a finite limit, or NaN for none", p.Name)
	}
	return nil
}

// Measured is what Check judges: a programme's loudness values, as dsp.Loudness and dsp.Stats hold them.
type Measured struct {
	Integrated   float64 // LUFS
	TruePeak     float64 // dBTP, the largest over the programme
	ShortTermMax float64 // LUFS
	MomentaryMax float64 // LUFS
	Range        float64 // LU
}

// Criterion names what a Result judged.
type Criterion string

// The criteria of a Check, as they appear in output.
const (
	CritIntegrated   Criterion = "integrated"
	CritTruePeak     Criterion = "true_peak"
	CritShortTermMax Criterion = "short_term_max"
	CritMomentaryMax Criterion = "momentary_max"
	CritRange        Criterion = "loudness_range"
)

// A Result is one criterion's verdict: Measured within [Min, Max] passes (Min is -Inf for a maximum).
type Result struct {
	Criterion Criterion
	Measured  float64
	Min, Max  float64
	Pass      bool
}

// A Verdict is the outcome of Profile.Check.
type Verdict struct {
	Profile string
	Results []Result
	Pass    bool // every result passed

	// Gain is the gain in dB that brings the integrated loudness to the target without taking the true peak
	// (or the short-term or momentary maximum) beyond its limit: the smallest of target - integrated and
	// limit - measured for each limit. LimitedBy names the limit that set it when that is not the target
	// (the gain then falls short of the target), and is empty otherwise. GainMeetsTarget reports whether the
	// integrated loudness after the gain is within the tolerance. Gain is NaN when the integrated loudness is
	// not a finite number (nothing above the gate was measured).
	Gain            float64
	LimitedBy       Criterion
	GainMeetsTarget bool
}

// Check judges m against the profile: one Result per criterion the profile has, and the normalising gain. A
// measured value that is NaN or -Inf (nothing measured) fails a target and passes a maximum.
func (p Profile) Check(m Measured) Verdict {
	v := Verdict{Profile: p.Name, Pass: true}
	add := func(c Criterion, measured, lo, hi float64) {
		pass := measured >= lo && measured <= hi
		if math.IsInf(lo, -1) && (math.IsNaN(measured) || math.IsInf(measured, -1)) {
			pass = true // a maximum is not exceeded by silence
		}
		v.Results = append(v.Results, Result{Criterion: c, Measured: measured, Min: lo, Max: hi, Pass: pass})
		v.Pass = v.Pass && pass
	}
	add(CritIntegrated, m.Integrated, p.Target-p.Tolerance, p.Target+p.Tolerance)
	limits := []struct {
		c        Criterion
		measured float64
		max      float64
	}{
		{CritTruePeak, m.TruePeak, p.MaxTruePeak},
		{CritShortTermMax, m.ShortTermMax, p.MaxShortTerm},
		{CritMomentaryMax, m.MomentaryMax, p.MaxMomentary},
		{CritRange, m.Range, p.MaxRange},
	}
	for _, l := range limits {
		if !math.IsNaN(l.max) {
			add(l.c, l.measured, math.Inf(-1), l.max)
		}
	}

	v.Gain = math.NaN()
	if math.IsNaN(m.Integrated) || math.IsInf(m.Integrated, 0) {
		return v
	}
	v.Gain = p.Target - m.Integrated
	for _, l := range limits[:3] { // a gain does not change the loudness range
		if math.IsNaN(l.max) || math.IsNaN(l.measured) || math.IsInf(l.measured, 0) {
			continue
		}
		if g := l.max - l.measured; g < v.Gain {
			v.Gain, v.LimitedBy = g, l.c
		}
	}
	after := m.Integrated + v.Gain
	v.GainMeetsTarget = after >= p.Target-p.Tolerance && after <= p.Target+p.Tolerance
	return v
}

// MeasuredFrom takes what Check judges from a programme's levels (Meter.Levels at the end of a file).
func MeasuredFrom(lv *dsp.Levels) Measured {
	return Measured{
		Integrated:   lv.Loudness.Integrated,
		TruePeak:     lv.Overall.TruePeak,
		ShortTermMax: lv.Loudness.ShortTermMax,
		MomentaryMax: lv.Loudness.MomentaryMax,
		Range:        lv.Loudness.Range,
	}
}
