package dsp

import (
	"errors"
	"fmt"
	"math"
)

// MaxChannels is the largest channel count a Meter accepts: 16, for 9.1.6 and ffmpeg's hexadecagonal layout.
const MaxChannels = 16

// ErrChannels is the error the meters' constructors wrap when the channel count is outside 1 to MaxChannels.
var ErrChannels = errors.New("channel count not supported")

func checkChannels(n int) error {
	if n < 1 || n > MaxChannels {
		return fmt.Errorf("dsp: %w: %d channels, want 1 to %d", ErrChannels, n, MaxChannels)
	}
	return nil
}

// Levels is a snapshot of a Meter: a plain value with no references into the meter, safe to hand to other
// goroutines. Levels in decibels are -Inf for digital silence; values that are undefined (the crest factor of
// silence, the correlation of a mono or silent input) are NaN.
type Levels struct {
	SampleRate int
	Channels   int

	// Frames is the number of frames the sample statistics below cover: everything since the meter was made or
	// reset (Meter.Levels), or since the previous interval (Meter.Interval).
	Frames int64

	// Overall combines the channels: the largest peak and true peak, the RMS of all samples of all channels,
	// the DC offset of the channel with the largest magnitude, the sum of clipped and non-finite samples.
	Overall Stats
	// Channel holds per-channel statistics; only the first Channels entries are meaningful.
	Channel [MaxChannels]Stats

	// Correlation is the stereo correlation of channels 0 and 1 over the span, from -1 to +1; NaN unless the
	// input has exactly two channels and neither is silent.
	Correlation float64

	// Loudness is the meter's loudness state when the snapshot was taken. It is not scoped to the span: the
	// momentary and short-term values are the current windows, Windows the sliding windows, the rest cover
	// everything since the last reset (Reset or ResetIntegrated).
	Loudness Loudness

	// Display is the state of the peak-meter ballistics per channel, for live display.
	Display [MaxChannels]Display
}

// Stats are sample-domain measurements of one channel (or all of them) over a span of frames.
type Stats struct {
	SamplePeak  float64 // dBFS: 20·log10 of the largest |x|
	TruePeak    float64 // dBTP: the largest |x| of the oversampled signal (BS.1770-4 Annex 2), ≥ SamplePeak
	RMS         float64 // dBFS: a full-scale sine reads -3.01
	DCOffset    float64 // the mean sample value, linear, -1 to +1
	CrestFactor float64 // dB: peak over RMS; NaN for silence
	Clipped     int64   // samples at or beyond full scale (Config.ClipLevel)
	NonFinite   int64   // NaN and ±Inf samples: counted, then measured as zero
}

// Loudness holds ITU-R BS.1770-4 / EBU R 128 loudness values. Loudness values are in LUFS and are -Inf until a
// window or block has been measured (see Notes for why one is missing), when a window is below LoudnessFloor
// (silence, or only the filters' decaying tail), or when everything measured was below the absolute gate (-70
// LUFS, for Integrated); Range is in LU.
type Loudness struct {
	Momentary    float64 // the last 400 ms
	ShortTerm    float64 // the last 3 s
	MomentaryMax float64
	ShortTermMax float64
	Integrated   float64 // gated (absolute -70 LUFS, relative -10 LU)
	Range        float64 // loudness range, EBU Tech 3342; 0 until there is something to measure

	// Windows holds the integrated loudness and loudness range of the sliding windows (Config.Windows), in the
	// order configured; unused entries have Span 0. A fixed array, so that Levels stays a plain value.
	Windows [MaxWindows]WindowLoudness
}

// Display is the state of a digital peak meter's ballistics (IEC 60268-18): the bar falls at a fixed rate after
// a peak, the peak-hold marker stays for the hold time before it falls too, and the clip light latches. Levels
// that have fallen below DisplayFloor with no signal to show are -Inf.
type Display struct {
	Peak float64 // dBFS, the bar
	Hold float64 // dBFS, the peak-hold marker
	Clip bool    // three consecutive clipped samples, or one beyond full scale, within the hold time
}

// DB converts a linear amplitude to decibels: 20·log10(|x|), -Inf for zero.
func DB(x float64) float64 { return 20 * math.Log10(math.Abs(x)) }

// Power converts a mean square to decibels: 10·log10(ms), -Inf for zero.
func Power(ms float64) float64 { return 10 * math.Log10(ms) }
