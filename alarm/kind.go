package alarm

import "fmt"

// Kind names one alarm. The names (String) are the ones the configuration, the logs and the metric label use.
type Kind int

// The alarm kinds. Each watches one condition of one source.
const (
	Silence       Kind = iota // every channel quiet
	Clipping                  // clipped samples within a window
	TruePeakOver              // true peak above a ceiling
	LoudnessHigh              // loudness above the target's tolerance
	LoudnessLow               // loudness below the target's tolerance
	PhaseInverted             // stereo correlation strongly negative: one channel's polarity flipped
	ChannelDead               // one channel silent while another carries signal
	DCOffset                  // a DC component in a channel
	SourceStalled             // no frames arriving at all

	// NumKinds is the number of kinds: an Update reports at most this many events.
	NumKinds = int(SourceStalled) + 1
)

var kindNames = [NumKinds]string{
	Silence:       "silence",
	Clipping:      "clipping",
	TruePeakOver:  "true_peak_over",
	LoudnessHigh:  "loudness_high",
	LoudnessLow:   "loudness_low",
	PhaseInverted: "phase_inverted",
	ChannelDead:   "channel_dead",
	DCOffset:      "dc_offset",
	SourceStalled: "source_stalled",
}

// String returns the kind's name, as in the configuration and the metric label: "silence", "true_peak_over".
func (k Kind) String() string {
	if k < 0 || int(k) >= NumKinds {
		return fmt.Sprintf("Kind(%d)", int(k))
	}
	return kindNames[k]
}

var kindUnits = [NumKinds]string{
	Silence:       "dBFS",
	Clipping:      "samples",
	TruePeakOver:  "dBTP",
	LoudnessHigh:  "LUFS",
	LoudnessLow:   "LUFS",
	PhaseInverted: "",
	ChannelDead:   "dBFS",
	DCOffset:      "",
	SourceStalled: "",
}

// Unit returns the unit of the kind's Threshold, Hysteresis and event values, for people: "dBFS", "LUFS",
// "samples"; empty for a plain number (a correlation, a DC offset as a fraction of full scale).
func (k Kind) Unit() string {
	if k < 0 || int(k) >= NumKinds {
		return ""
	}
	return kindUnits[k]
}

// Kinds returns every kind, in order.
func Kinds() [NumKinds]Kind {
	var ks [NumKinds]Kind
	for i := range ks {
		ks[i] = Kind(i)
	}
	return ks
}

// ParseKind returns the kind named name, or an error wrapping ErrUnknownKind that suggests the closest name.
func ParseKind(name string) (Kind, error) {
	for i, n := range kindNames {
		if n == name {
			return Kind(i), nil
		}
	}
	return 0, fmt.Errorf("%w %q%s", ErrUnknownKind, name, suggest(name, kindNames[:]))
}
