package alarm

import (
	"fmt"
	"math"
	"time"
)

// A Rule configures one alarm kind. Threshold, Hysteresis, Window and Gate are in the kind's unit (see
// DefaultConfig for each kind's unit and defaults).
//
// Hysteresis works in level and in time. An inactive alarm starts once the condition has held, at every report,
// for OnDelay: the value at or beyond Threshold. An active alarm ends once the value has been clear of Threshold
// by more than Hysteresis (below Threshold-Hysteresis for an alarm on a high value, above Threshold+Hysteresis
// for one on a low value) for OffDelay. A report whose value lies in between (the hysteresis band) restarts the
// pending delay, so a value hovering near the threshold neither starts nor ends an alarm. A report that carries
// no evidence (no frames, or a signal below the kind's Gate) changes nothing: pending delays keep running.
type Rule struct {
	Enabled    bool
	Threshold  float64
	Hysteresis float64       // >= 0; 0 ends an alarm as soon as the value is back on the good side of Threshold
	OnDelay    time.Duration // >= 0; 0 starts an alarm at the first report that shows the condition
	OffDelay   time.Duration // >= 0; 0 ends an alarm at the first report that is clear of the condition

	// Window is the span that clipping counts over, and that dc_offset and phase_inverted average over (at most
	// the last MaxWindowReports reports); unused by the others. It is exact for the samples in it: the window's
	// DC is the mean of all its samples, its correlation Σ L·R / sqrt(Σ L² · Σ R²) over all of them (a loud
	// report weighs more than a quiet one), both rebuilt from each report's RMS, DC and correlation.
	Window time.Duration
	// Gate is the level (dBFS RMS) that both channels must reach for phase_inverted, that another channel must
	// reach for channel_dead, and (LUFS) that the loudness must reach for loudness_low to judge it: below the
	// gate, silence is silence's business.
	Gate float64
	// Channels is the set of channels channel_dead watches, bit c for channel c; 0 watches channels 0 and 1.
	Channels uint16
}

// Config configures a Detector: one Rule per kind, indexed by Kind.
type Config struct {
	Rules [NumKinds]Rule
}

// MaxWindowReports is how many reports a Window can cover: a longer Window covers the last MaxWindowReports
// reports only. At 10 reports a second that is 25.6 s, ten times the longest default window.
const MaxWindowReports = 256

// DefaultConfig returns the defaults, chosen so that an unattended meter raises the faults an operator expects
// and stays quiet on programme, including the quiet passages of real programme (the bundled demo raises
// nothing). Each default and why:
//
//   - silence: the loudest channel's RMS over each report at or below -50 dBFS for 10 s starts it; above -45 dBFS
//     (5 dB hysteresis) for 2 s ends it. -50 dBFS is below quiet programme (speech pauses are shorter than 10 s,
//     quiet music passages sit above it) and above an idle line's noise floor; 10 s is the usual on-delay of
//     broadcast silence detectors, long enough for a pause, short enough to act on a dead feed. Programme that
//     comes back is back: 2 s.
//   - clipping: 10 clipped samples (all channels together; at or beyond the meter's clip level) within 1 s start
//     it at once; it ends 5 s after the window last held a clipped sample (Hysteresis 9: a count below 1).
//     A lone full-scale sample of a master peaking at 0 dBFS is not a fault; ten in a second are audible.
//   - true_peak_over: a true peak at or above -1 dBTP (EBU R 128's maximum) starts it at once; it ends after
//     10 s without one, so a passage of overs is one alarm, not one per peak.
//   - loudness_high / loudness_low: off, because no one target fits every feed (broadcast -23 LUFS, streaming
//     -14): ApplyProfile enables them at the profile's target ± tolerance. They judge the short-term loudness,
//     or the loudness of a longer window the caller supplies (Input.Loudness); 60 s on-delay because programme
//     loudness moves by several LU from phrase to phrase, while a feed that sits beyond the tolerance for a
//     whole minute is off target (the minute's integrated loudness is). 0.5 LU hysteresis, 10 s off-delay.
//     loudness_low ignores windows below -70 LUFS (BS.1770's absolute gate): that is silence.
//   - phase_inverted: the stereo correlation over 1 s at or below -0.5 for 5 s, with both channels at -40 dBFS
//     RMS or more, starts it; above -0.2 for 2 s ends it. A wired-out-of-phase pair reads near -1 for as long as
//     it lasts; wide stereo programme dips below 0 but not for seconds at -0.5. Only 2-channel sources.
//   - channel_dead: a watched channel's RMS at or below -70 dBFS while another watched channel is at -40 dBFS
//     or more, for 10 s, starts it; above -60 dBFS for 2 s ends it. Watches channels 0 and 1 (L and R): in 5.1
//     programme the LFE and surrounds are often silent by design. -70 dBFS is below any programme channel and
//     above a dead input's noise; -40 dBFS on the other channel proves there is programme to compare with.
//   - dc_offset: the mean sample value of a channel over 2 s with magnitude 0.01 (-40 dBFS) or more for 5 s
//     starts it; below 0.005 for 5 s ends it. The 2 s mean makes bass of 20 Hz and up contribute less than
//     0.004 even at -6 dBFS, so only real DC (a faulty converter or preamplifier) counts.
//   - source_stalled: no frames at all for 5 s of wall-clock time starts it; the first frames end it. Five
//     seconds is well beyond any device's buffering and the daemon's own stall restarts; the stream clock
//     cannot measure this, as it stops with the frames.
func DefaultConfig() Config {
	var c Config
	r := &c.Rules
	r[Silence] = Rule{Enabled: true, Threshold: -50, Hysteresis: 5, OnDelay: 10 * time.Second, OffDelay: 2 * time.Second}
	r[Clipping] = Rule{Enabled: true, Threshold: 10, Hysteresis: 9, OffDelay: 5 * time.Second, Window: time.Second}
	r[TruePeakOver] = Rule{Enabled: true, Threshold: -1, OffDelay: 10 * time.Second}
	r[LoudnessHigh] = Rule{Threshold: -22, Hysteresis: 0.5, OnDelay: 60 * time.Second, OffDelay: 10 * time.Second}
	r[LoudnessLow] = Rule{Threshold: -24, Hysteresis: 0.5, OnDelay: 60 * time.Second, OffDelay: 10 * time.Second, Gate: -70}
	r[PhaseInverted] = Rule{Enabled: true, Threshold: -0.5, Hysteresis: 0.3, OnDelay: 5 * time.Second, OffDelay: 2 * time.Second, Window: time.Second, Gate: -40}
	r[ChannelDead] = Rule{Enabled: true, Threshold: -70, Hysteresis: 10, OnDelay: 10 * time.Second, OffDelay: 2 * time.Second, Gate: -40, Channels: 0b11}
	r[DCOffset] = Rule{Enabled: true, Threshold: 0.01, Hysteresis: 0.005, OnDelay: 5 * time.Second, OffDelay: 5 * time.Second, Window: 2 * time.Second}
	r[SourceStalled] = Rule{Enabled: true, OnDelay: 5 * time.Second}
	return c
}

// ApplyProfile enables loudness_high and loudness_low at p's target ± tolerance, and sets true_peak_over's
// threshold to p's true-peak ceiling when it has one. Delays and hysteresis stay as they are.
func (c *Config) ApplyProfile(p Profile) {
	hi, lo := &c.Rules[LoudnessHigh], &c.Rules[LoudnessLow]
	hi.Enabled, hi.Threshold = true, p.Target+p.Tolerance
	lo.Enabled, lo.Threshold = true, p.Target-p.Tolerance
	if !math.IsNaN(p.MaxTruePeak) {
		c.Rules[TruePeakOver].Threshold = p.MaxTruePeak
	}
}

// low reports whether kind k alarms on a low value (below its threshold) rather than a high one.
func low(k Kind) bool {
	return k == Silence || k == LoudnessLow || k == PhaseInverted || k == ChannelDead
}

// windowed reports whether kind k uses Rule.Window.
func windowed(k Kind) bool { return k == Clipping || k == DCOffset || k == PhaseInverted }

// Validate returns an error naming the first bad field, or nil.
func (c *Config) Validate() error {
	for i := range c.Rules {
		k, r := Kind(i), &c.Rules[i]
		bad := func(field string, v any, want string) error {
			return fmt.Errorf("alarm: %s: %s is %v; it must be %s", k, field, v, want)
		}
		switch {
		case math.IsNaN(r.Threshold) || math.IsInf(r.Threshold, 0):
			return bad("Threshold", r.Threshold, "a finite number")
		case !(r.Hysteresis >= 0) || math.IsInf(r.Hysteresis, 0):
			return bad("Hysteresis", r.Hysteresis, "a finite number >= 0")
		case r.OnDelay < 0:
			return bad("OnDelay", r.OnDelay, "0 or more")
		case r.OffDelay < 0:
			return bad("OffDelay", r.OffDelay, "0 or more")
		case windowed(k) && r.Window <= 0:
			return bad("Window", r.Window, "more than 0")
		case math.IsNaN(r.Gate) || math.IsInf(r.Gate, 0):
			return bad("Gate", r.Gate, "a finite number")
		}
	}
	return nil
}
