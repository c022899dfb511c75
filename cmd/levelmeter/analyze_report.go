package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/levelmeter/levelmeter/alarm"
	"github.com/levelmeter/levelmeter/dsp"
)

var nanValue = math.NaN()

// num is a number in the JSON report, at the precision the meter computed it: the shortest decimal that reads
// back as the same float64 (as encoding/json writes a float64), null when it is not finite (JSON has no -Inf:
// digital silence is null, never -120 or -200). Only the text report rounds.
type num float64

func (n num) MarshalJSON() ([]byte, error) {
	v := float64(n)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return []byte("null"), nil
	}
	if v == 0 {
		v = 0 // no "-0"
	}
	return json.Marshal(v)
}

type jsonStats struct {
	Label       string `json:"label,omitempty"`
	SamplePeak  num    `json:"sample_peak_dbfs"`
	RMS         num    `json:"rms_dbfs"`
	DCOffset    num    `json:"dc_offset"`
	CrestFactor num    `json:"crest_factor_db"`
	Clipped     int64  `json:"clipped_samples"`
	TruePeak    num    `json:"true_peak_dbtp"`
}

type jsonLoudness struct {
	Integrated   num        `json:"integrated_lufs"`
	Range        num        `json:"lra_lu"`
	MomentaryMax num        `json:"momentary_max_lufs"`
	ShortTermMax num        `json:"shortterm_max_lufs"`
	Notes        *jsonNotes `json:"notes,omitempty"`
}

// jsonNotes say why a loudness value is null, in a user's words (dsp.LoudnessNotes); absent when none is.
type jsonNotes struct {
	Momentary  string `json:"momentary,omitempty"`
	ShortTerm  string `json:"shortterm,omitempty"`
	Integrated string `json:"integrated,omitempty"`
	Range      string `json:"lra,omitempty"`
}

type jsonWarning struct {
	Cause   string `json:"cause"` // size_unknown, size_wrapped, truncated
	Message string `json:"message"`
}

type jsonCriterion struct {
	Criterion alarm.Criterion `json:"criterion"`
	Measured  num             `json:"measured"`
	Min       num             `json:"min"`
	Max       num             `json:"max"`
	Pass      bool            `json:"pass"`
}

type jsonProfile struct {
	Name            string          `json:"name"`
	Pass            bool            `json:"pass"`
	Criteria        []jsonCriterion `json:"criteria"`
	Gain            num             `json:"gain_db"`
	GainLimitedBy   *string         `json:"gain_limited_by"`
	GainMeetsTarget bool            `json:"gain_meets_target"`
}

type jsonReport struct {
	File        string        `json:"file"`
	SampleRate  int           `json:"sample_rate"`
	Channels    int           `json:"channels"`
	Layout      string        `json:"layout"`
	Labels      []string      `json:"channel_labels"`
	Weights     []float64     `json:"weights"`
	Frames      int64         `json:"frames"`
	Duration    num           `json:"duration_s"`
	Warnings    []jsonWarning `json:"warnings"`
	Overall     jsonStats     `json:"overall"`
	PerChannel  []jsonStats   `json:"per_channel"`
	Loudness    jsonLoudness  `json:"loudness"`
	Correlation num           `json:"stereo_correlation"`
	Profile     *jsonProfile  `json:"profile,omitempty"`
}

func statsJSON(s dsp.Stats, label string) jsonStats {
	return jsonStats{Label: label, SamplePeak: num(s.SamplePeak), RMS: num(s.RMS), DCOffset: num(s.DCOffset),
		CrestFactor: num(s.CrestFactor), Clipped: s.Clipped, TruePeak: num(s.TruePeak)}
}

// MarshalJSON writes the report in the documented contract, on one line.
func (a *analysis) MarshalJSON() ([]byte, error) {
	l := a.Levels
	labels := a.Layout.Labels()
	rep := jsonReport{
		File: a.File, SampleRate: a.Format.SampleRate, Channels: a.Format.Channels, Layout: a.Layout.String(),
		Labels: labels, Weights: a.Weights, Frames: l.Frames, Duration: num(a.duration()),
		Warnings: []jsonWarning{}, Overall: statsJSON(l.Overall, ""), PerChannel: make([]jsonStats, a.Format.Channels),
		Loudness: jsonLoudness{Integrated: num(l.Loudness.Integrated), Range: num(a.lra()),
			MomentaryMax: num(l.Loudness.MomentaryMax), ShortTermMax: num(l.Loudness.ShortTermMax)},
		Correlation: num(l.Correlation),
	}
	if n := l.Notes(); n != (dsp.LoudnessNotes{}) {
		rep.Loudness.Notes = &jsonNotes{Momentary: n.Momentary, ShortTerm: n.ShortTerm, Integrated: n.Integrated,
			Range: n.Range}
	}
	for _, w := range a.Warnings {
		rep.Warnings = append(rep.Warnings, jsonWarning{Cause: warningCause(w), Message: warningText(w)})
	}
	for c := range rep.PerChannel {
		rep.PerChannel[c] = statsJSON(l.Channel[c], labels[c])
	}
	if v := a.Verdict; v != nil {
		p := &jsonProfile{Name: v.Profile, Pass: v.Pass, Criteria: []jsonCriterion{}, Gain: num(v.Gain),
			GainMeetsTarget: v.GainMeetsTarget}
		for _, r := range v.Results {
			p.Criteria = append(p.Criteria, jsonCriterion{Criterion: r.Criterion, Measured: num(r.Measured),
				Min: num(r.Min), Max: num(r.Max), Pass: r.Pass})
		}
		if v.LimitedBy != "" {
			s := string(v.LimitedBy)
			p.GainLimitedBy = &s
		}
		rep.Profile = p
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // file names as they are
	if err := enc.Encode(rep); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// Human-readable report: rounded for people (the JSON carries every digit).

func fmtDB(v float64, unit string) string {
	switch {
	case math.IsInf(v, -1):
		return "-inf " + unit
	case math.IsNaN(v):
		return "n/a"
	}
	return fmt.Sprintf("%.2f %s", v, unit)
}

func (a *analysis) writeReport(w io.Writer) {
	l := a.Levels
	fmt.Fprintf(w, "%s\n", a.File)
	fmt.Fprintf(w, "  format         %s\n", a.Format.Description)
	fmt.Fprintf(w, "  duration       %.3f s (%d frames)\n", a.duration(), l.Frames)
	for _, warn := range a.Warnings {
		fmt.Fprintf(w, "  warning        %s\n", warningText(warn))
	}
	names := a.Layout.Labels()
	weights := make([]string, len(a.Weights))
	for i, x := range a.Weights {
		weights[i] = strconv.FormatFloat(x, 'g', -1, 64)
	}
	fmt.Fprintf(w, "  layout         %v: %s (loudness weights %s)\n", a.Layout, strings.Join(names, " "),
		strings.Join(weights, " "))
	cols := []dsp.Stats{l.Overall}
	head := []string{"overall"}
	if a.Format.Channels > 1 {
		for c := range a.Format.Channels {
			cols = append(cols, l.Channel[c])
			head = append(head, names[c])
		}
	}
	row := func(label string, f func(dsp.Stats) string) {
		fmt.Fprintf(w, "  %-14s", label)
		for _, s := range cols {
			fmt.Fprintf(w, " %13s", f(s))
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "  %-14s", "")
	for _, h := range head {
		fmt.Fprintf(w, " %13s", h)
	}
	fmt.Fprintln(w)
	row("sample peak", func(s dsp.Stats) string { return fmtDB(s.SamplePeak, "dBFS") })
	row("true peak", func(s dsp.Stats) string { return fmtDB(s.TruePeak, "dBTP") })
	row("RMS", func(s dsp.Stats) string { return fmtDB(s.RMS, "dBFS") })
	row("DC offset", func(s dsp.Stats) string {
		if math.IsNaN(s.DCOffset) {
			return "n/a"
		}
		return fmt.Sprintf("%+.6f", s.DCOffset)
	})
	row("crest factor", func(s dsp.Stats) string { return fmtDB(s.CrestFactor, "dB") })
	row("clipped", func(s dsp.Stats) string { return strconv.FormatInt(s.Clipped, 10) })
	if l.Overall.NonFinite > 0 {
		row("NaN/Inf", func(s dsp.Stats) string { return strconv.FormatInt(s.NonFinite, 10) })
	}
	ld := l.Loudness
	notes := l.Notes()
	fmt.Fprintf(w, "  integrated     %s\n", fmtLU(ld.Integrated, "LUFS", notes.Integrated))
	fmt.Fprintf(w, "  loudness range %s\n", fmtLU(a.lra(), "LU", notes.Range))
	var atM, atS string
	if x := a.maxima; x != nil && !math.IsInf(ld.MomentaryMax, 0) {
		atM = atClock(x.Momentary, true)
	}
	if x := a.maxima; x != nil && !math.IsInf(ld.ShortTermMax, 0) {
		atS = atClock(x.ShortTerm, true)
	}
	fmt.Fprintf(w, "  momentary max  %s%s\n", fmtLU(ld.MomentaryMax, "LUFS", notes.Momentary), atM)
	fmt.Fprintf(w, "  short-term max %s%s\n", fmtLU(ld.ShortTermMax, "LUFS", notes.ShortTerm), atS)
	if x := a.maxima; x != nil && !math.IsInf(x.TruePeak.Value, -1) {
		fmt.Fprintf(w, "  peaks at       true peak %s%s, sample peak %s%s\n", fmtDB(x.TruePeak.Value, "dBTP"),
			atClock(x.TruePeak, false), fmtDB(x.SamplePeak.Value, "dBFS"), atClock(x.SamplePeak, false))
	}
	if a.Format.Channels == 2 {
		c := "n/a (a channel is silent)"
		if !math.IsNaN(l.Correlation) {
			c = fmt.Sprintf("%+.3f", l.Correlation)
		}
		fmt.Fprintf(w, "  correlation    %s\n", c)
	}
	if a.Verdict != nil {
		a.writeVerdict(w)
	}
}

// fmtLU shows a loudness value to 0.1 LU, or n/a and why it is missing.
func fmtLU(v float64, unit, note string) string {
	if math.IsInf(v, 0) || math.IsNaN(v) {
		if note == "" {
			note = "nothing to measure"
		}
		return "n/a (" + note + ")"
	}
	return fmt.Sprintf("%.1f %s", v, unit)
}

// criterionNames and units name a profile's criteria in the text report.
var criterionNames = map[alarm.Criterion][2]string{
	alarm.CritIntegrated:   {"integrated", "LUFS"},
	alarm.CritTruePeak:     {"true peak", "dBTP"},
	alarm.CritShortTermMax: {"short-term max", "LUFS"},
	alarm.CritMomentaryMax: {"momentary max", "LUFS"},
	alarm.CritRange:        {"loudness range", "LU"},
}

func passFail(pass bool) string {
	if pass {
		return "PASS"
	}
	return "FAIL"
}

func (a *analysis) writeVerdict(w io.Writer) {
	v := a.Verdict
	fmt.Fprintf(w, "  profile        %s: %s\n", v.Profile, passFail(v.Pass))
	for _, r := range v.Results {
		n := criterionNames[r.Criterion]
		got := "n/a"
		if !math.IsNaN(r.Measured) && !math.IsInf(r.Measured, 0) {
			got = fmt.Sprintf("%.1f %s", r.Measured, n[1])
		} else if math.IsInf(r.Measured, -1) {
			got = "-inf " + n[1]
		}
		want := fmt.Sprintf("max %.1f", r.Max)
		if !math.IsInf(r.Min, -1) {
			want = fmt.Sprintf("%.1f to %.1f", r.Min, r.Max)
		}
		fmt.Fprintf(w, "    %-16s %-14s %s  (%s %s)\n", n[0], got, passFail(r.Pass), want, n[1])
	}
	switch {
	case math.IsNaN(v.Gain):
		fmt.Fprintf(w, "  gain           n/a (no integrated loudness to normalise)\n")
	case v.LimitedBy == "":
		fmt.Fprintf(w, "  gain           %+.1f dB meets the target\n", v.Gain)
	default:
		after := a.Levels.Loudness.Integrated + v.Gain
		meets := "within the target's tolerance"
		if !v.GainMeetsTarget {
			meets = "outside the target's tolerance: limit the peaks first"
		}
		fmt.Fprintf(w, "  gain           %+.1f dB, held back by the %s limit: %.1f LUFS after it, %s\n", v.Gain,
			criterionNames[v.LimitedBy][0], after, meets)
	}
}
