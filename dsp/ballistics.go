package dsp

import (
	"math"
	"time"
)

// Peak-meter ballistics for live display, after IEC 60268-18 (digital peak meters): instant attack, a return of
// 20 dB in 1.7 s, a peak-hold marker, and a clip light.
//
// Time is counted in frames, not read from a clock, so the display is a deterministic function of the input. The
// state advances once per tick (10 ms of frames, counted from the start, see Meter): the largest |x| of the tick
// lifts the bar and the marker at once, then the bar falls at the decay rate; the marker stays where it is for
// the hold time after the tick that set it, then falls at the same rate until it meets the signal, where it holds
// again. A snapshot taken in the middle of a tick
// shows the peaks of the part already seen. A bar or marker that falls below DisplayFloor, with nothing louder to
// show, reads -Inf (digital silence) rather than creeping down forever.
//
// Clip light. The classic rule lights it on three consecutive full-scale samples: one sample at full scale is a
// legal peak (an int16 -32768 is exactly -1.0), a run of them is what a clipped converter or a limiter that gave
// up produces. A float sample beyond full scale (|x| > 1) is an over that a fixed-point destination will clip, so
// one is enough. The light stays on for the hold time after the tick with the clip; Stats.Clipped counts every
// clipped sample regardless.

// DisplayFloor is the level, in dBFS, below which a falling bar or peak-hold marker drops to -Inf: about the
// step of a 24-bit sample (-144.5 dBFS).
const DisplayFloor = -144.0

// clipRun is how many consecutive samples at or beyond the clip level light the clip light.
const clipRun = 3

// Defaults for Config.PeakHold and Config.PeakDecay.
const (
	DefaultPeakHold  = 2 * time.Second
	DefaultPeakDecay = 20 / 1.7 // dB per second
)

// ballistic is the display state of one channel.
type ballistic struct {
	bar, hold float64 // dBFS
	holdLeft  int64   // frames the marker still stays
	clipLeft  int64   // frames the clip light still stays on
	tickPeak  float64 // largest |x| in the current tick, linear
	tickClip  bool    // a clip in the current tick
	run       int     // consecutive samples at or beyond the clip level, across blocks
}

// ballistics holds the shared parameters.
type ballistics struct {
	holdFrames int64   // the hold time in frames
	fall       float64 // dB the bar falls per tick
	fallFrame  float64 // dB per frame
}

func newBallistics(rate, tickFrames int, hold time.Duration, decay float64) ballistics {
	perFrame := decay / float64(rate)
	return ballistics{
		holdFrames: int64(math.Round(hold.Seconds() * float64(rate))),
		fall:       perFrame * float64(tickFrames),
		fallFrame:  perFrame,
	}
}

func (b *ballistic) reset() {
	*b = ballistic{bar: math.Inf(-1), hold: math.Inf(-1)}
}

// clips scans the channel's samples of one block (non-finite ones already zero) for the clip rule. The caller
// calls it only for blocks with clipped samples, and otherwise resets the run.
func (b *ballistic) clips(x []float64, clip float64) {
	run := b.run
	for _, v := range x {
		a := math.Abs(v)
		switch {
		case a > 1:
			b.tickClip = true
			run++
		case a >= clip:
			run++
			if run >= clipRun {
				b.tickClip = true
			}
		default:
			run = 0
		}
	}
	b.run = run
}

// endTick advances the display by one tick of frames.
func (b *ballistic) endTick(p *ballistics, frames int64) {
	pk := DB(b.tickPeak)
	b.bar = fall(b.bar-p.fall, pk)
	switch {
	case pk >= b.hold:
		b.hold, b.holdLeft = pk, p.holdFrames
	case b.holdLeft >= frames:
		b.holdLeft -= frames
	default:
		// The hold ends within this tick: fall for the rest of it. A marker that falls onto the signal holds
		// there again.
		v := b.hold - p.fallFrame*float64(frames-b.holdLeft)
		if v <= pk {
			b.hold, b.holdLeft = pk, p.holdFrames
		} else {
			b.hold, b.holdLeft = fall(v, pk), 0
		}
	}
	if b.tickClip {
		b.clipLeft = p.holdFrames
	} else {
		b.clipLeft = max(b.clipLeft-frames, 0)
	}
	b.tickPeak, b.tickClip = 0, false
}

// fall returns the fallen level v, or the new peak pk if it is louder; -Inf once v is below DisplayFloor.
func fall(v, pk float64) float64 {
	if v < DisplayFloor {
		v = math.Inf(-1)
	}
	return max(v, pk)
}

// display returns the state as seen now, with the peaks of the unfinished tick.
func (b *ballistic) display() Display {
	pk := DB(b.tickPeak)
	return Display{
		Peak: max(b.bar, pk),
		Hold: max(b.hold, pk),
		Clip: b.clipLeft > 0 || b.tickClip,
	}
}
