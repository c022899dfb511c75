package dsp

import (
	"fmt"
	"math"
	"time"
)

// The windows of BS.1770 and EBU Tech 3342: a momentary value needs 400 ms of audio, a short-term value (and so
// the loudness range) 3 s, integrated loudness one 400 ms block above the gates.
const (
	MomentaryWindow = momentaryBlocks * 100 * time.Millisecond
	ShortTermWindow = shortTermBlocks * 100 * time.Millisecond
)

// LoudnessNotes say, in a user's words, why a loudness value is missing (-Inf, or a Range of 0 that is not a
// measurement); each is empty when its value is there. They are for people: a report prints them next to the
// values, so that a 2.5 s file reads "shorter than 3 s" rather than blaming a gate.
type LoudnessNotes struct {
	Momentary  string // also for MomentaryMax
	ShortTerm  string // also for ShortTermMax
	Integrated string
	Range      string
}

// Notes explains the missing values of v, measured over frames frames at sampleRate (Levels.Notes takes both
// from a Meter's Levels).
func (v Loudness) Notes(frames int64, sampleRate int) LoudnessNotes {
	var n LoudnessNotes
	sub := int64((sampleRate + 5) / 10)
	short := func(blocks int64, window time.Duration, what string) string {
		if sampleRate <= 0 || frames/max(sub, 1) < blocks {
			return fmt.Sprintf("the audio is shorter than %v, %s", fmtWindow(window), what)
		}
		return ""
	}
	floor := fmt.Sprintf("silence: below the meter's floor of %g LUFS", LoudnessFloor)
	if math.IsInf(v.MomentaryMax, -1) {
		n.Momentary = short(momentaryBlocks, MomentaryWindow, "the momentary window")
		if n.Momentary == "" {
			n.Momentary = floor
		}
	} else if math.IsInf(v.Momentary, -1) {
		n.Momentary = floor
	}
	if math.IsInf(v.ShortTermMax, -1) {
		n.ShortTerm = short(shortTermBlocks, ShortTermWindow, "the short-term window")
		if n.ShortTerm == "" {
			n.ShortTerm = floor
		}
	} else if math.IsInf(v.ShortTerm, -1) {
		n.ShortTerm = floor
	}
	if math.IsInf(v.Integrated, -1) {
		n.Integrated = short(momentaryBlocks, MomentaryWindow, "the shortest block integrated loudness measures")
		if n.Integrated == "" {
			n.Integrated = fmt.Sprintf("nothing above the %g LUFS gate: the audio is silent or very quiet", absoluteGate)
		}
	}
	if v.Range == 0 {
		n.Range = short(shortTermBlocks, ShortTermWindow, "the short-term window the loudness range is made of")
		if n.Range == "" && !(v.ShortTermMax >= absoluteGate) {
			n.Range = fmt.Sprintf("no 3 s window above the %g LUFS gate: the audio is silent or very quiet", absoluteGate)
		}
	}
	return n
}

// Notes explains the missing loudness values of l: use it on Meter.Levels, whose Frames cover everything the
// loudness values do (an Interval's Frames cover only the interval).
func (l Levels) Notes() LoudnessNotes { return l.Loudness.Notes(l.Frames, l.SampleRate) }

func fmtWindow(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%d ms", d.Milliseconds())
	}
	return fmt.Sprintf("%g s", d.Seconds())
}
