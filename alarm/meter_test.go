package alarm

import (
	"math"
	"testing"
	"time"
)

// A signal generates audio: the sample of channel c at t seconds.
type signal func(c int, t float64) float64

// sine is a 1 kHz sine at db dBFS: at 48 kHz a report interval holds whole periods, so it adds no DC, and a
// stereo pair of them reads db LUFS.
func sine(db, t float64) float64 { return amp(db) * math.Sin(2*math.Pi*1000*t) }

// amp is 10^(db/20), remembered for the few levels the tests use.
func amp(db float64) float64 {
	for _, a := range amps {
		if a.db == db {
			return a.amp
		}
	}
	a := math.Pow(10, db/20)
	amps = append(amps, struct{ db, amp float64 }{db, a})
	return a
}

var amps []struct{ db, amp float64 }

// programme is the clean signal the faults are cut into: a 1 kHz sine at -20 dBFS in both channels.
func programme(c int, t float64) float64 { return sine(-20, t) }

// between reports whether a <= t < b.
func between(t, a, b float64) bool { return t >= a && t < b }

// render renders seconds of sig at 48 kHz in channels channels, interleaved.
func render(sig signal, channels int, seconds float64) []float32 {
	const rate = 48000
	n := int(seconds * rate)
	p := make([]float32, n*channels)
	for i := range n {
		t := float64(i) / rate
		for c := range channels {
			p[i*channels+c] = float32(max(-1, min(1, sig(c, t))))
		}
	}
	return p
}

// TestMeterTiming cuts each fault into clean programme, meters it with a dsp.Meter at 100 ms reports, and holds
// each alarm's start and end to within one report interval of the truth: the moment the measured condition has
// held for the on-delay (start) or been clear for the off-delay (end). For the windowed kinds the truth includes
// the time the window's value takes to cross the threshold, computed from the signal.
func TestMeterTiming(t *testing.T) {
	const (
		onset = 2.0  // s, the fault begins
		fixed = 14.0 // s, the fault ends

		// The loudness faults begin once the short-term window (3 s) has filled.
		loudOnset, loudFixed = 5.0, 17.0
	)
	r128, err := LookupProfile("ebu-r128")
	if err != nil {
		t.Fatal(err)
	}
	pow := func(db float64) float64 { return math.Pow(10, db/10) }
	// crossing returns the fraction of a window of level a (dB) that level b must fill for the window's level to
	// reach thr: the window's energy is the mix of the two.
	crossing := func(a, b, thr float64) float64 { return (pow(thr) - pow(a)) / (pow(b) - pow(a)) }

	tests := []struct {
		name       string
		kind       Kind
		channels   int
		sig        signal
		cfg        func(c *Config)
		start, end float64 // s, the truth
		also       Kind    // another kind the fault raises too, rightly (-1 for none)
	}{
		{
			name: "silence gap", kind: Silence, channels: 2,
			sig:   func(c int, t float64) float64 { return b2f(!between(t, onset, fixed)) * programme(c, t) },
			start: onset + 10, end: fixed + 2,
		},
		{
			name: "silence gap, mono", kind: Silence, channels: 1,
			sig:   func(c int, t float64) float64 { return b2f(!between(t, onset, fixed)) * programme(c, t) },
			start: onset + 10, end: fixed + 2,
		},
		{
			name: "clipped burst", kind: Clipping, channels: 2,
			sig: func(c int, t float64) float64 {
				if between(t, onset, onset+0.3) {
					return 2 * math.Sin(2*math.Pi*1000*t) // clipped to full scale by render
				}
				return programme(c, t)
			},
			// Ten clipped samples come within the first period; the window forgets the last one 1 s after it.
			start: onset, end: onset + 0.3 + 1 + 5,
			also: TruePeakOver, // a clipped sine's true peak is above full scale
		},
		{
			name: "true-peak over", kind: TruePeakOver, channels: 2,
			sig: func(c int, t float64) float64 {
				if between(t, onset, onset+0.5) {
					return sine(-0.5, t)
				}
				return programme(c, t)
			},
			start: onset, end: onset + 0.5 + 10,
		},
		{
			name: "polarity flip on one channel", kind: PhaseInverted, channels: 2,
			sig: func(c int, t float64) float64 {
				if c == 1 && between(t, onset, fixed) {
					return -programme(c, t)
				}
				return programme(c, t)
			},
			// Over the 1 s window the correlation is 1-2f with f the flipped fraction: -0.5 at f = 0.75, and
			// back above -0.2 once f < 0.6.
			start: onset + 0.75 + 5, end: fixed + 0.4 + 2,
		},
		{
			name: "polarity flip, window of one report", kind: PhaseInverted, channels: 2,
			cfg: func(c *Config) { c.Rules[PhaseInverted].Window = reportInterval },
			sig: func(c int, t float64) float64 {
				if c == 1 && between(t, onset, fixed) {
					return -programme(c, t)
				}
				return programme(c, t)
			},
			start: onset + 5, end: fixed + 2,
		},
		{
			name: "dead right channel", kind: ChannelDead, channels: 2,
			sig: func(c int, t float64) float64 {
				if c == 1 && between(t, onset, fixed) {
					return 0
				}
				return programme(c, t)
			},
			start: onset + 10, end: fixed + 2,
		},
		{
			name: "DC offset", kind: DCOffset, channels: 2,
			sig: func(c int, t float64) float64 {
				if between(t, onset, fixed) {
					return programme(c, t) + 0.05
				}
				return programme(c, t)
			},
			// The 2 s mean reaches 0.01 when a fifth of the window holds the offset, and falls below 0.005 when
			// a tenth does.
			start: onset + 0.4 + 5, end: fixed + 1.8 + 5,
		},
		{
			name: "loudness step up", kind: LoudnessHigh, channels: 2,
			cfg: func(c *Config) {
				c.ApplyProfile(r128)
				c.Rules[LoudnessHigh].OnDelay, c.Rules[LoudnessHigh].OffDelay = 5*time.Second, 2*time.Second
			},
			sig: func(c int, t float64) float64 {
				if between(t, loudOnset, loudFixed) {
					return sine(-15, t)
				}
				return sine(-23, t)
			},
			// The short-term window (3 s) reaches -22 LUFS, and falls below -22.5, when these fractions of it
			// hold the louder passage.
			start: loudOnset + 3*crossing(-23, -15, -22) + 5,
			end:   loudFixed + 3*(1-crossing(-23, -15, -22.5)) + 2,
		},
		{
			name: "loudness step down", kind: LoudnessLow, channels: 2,
			cfg: func(c *Config) {
				c.ApplyProfile(r128)
				c.Rules[LoudnessLow].OnDelay, c.Rules[LoudnessLow].OffDelay = 5*time.Second, 2*time.Second
			},
			sig: func(c int, t float64) float64 {
				if between(t, loudOnset, loudFixed) {
					return sine(-30, t)
				}
				return sine(-23, t)
			},
			start: loudOnset + 3*crossing(-23, -30, -24) + 5,
			end:   loudFixed + 3*(1-crossing(-23, -30, -23.5)) + 2,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.also == 0 {
				tc.also = -1 // Silence is never a companion
			}
			cfg := DefaultConfig()
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			evs := run(t, cfg, meterReports(t, 48000, tc.channels, render(tc.sig, tc.channels, tc.end+1), 0))
			checkTiming(t, evs, tc.kind, tc.also, tc.start, tc.end)
		})
	}
}

// checkTiming holds evs to one start and one end of kind, each within one report interval of the truth (in
// seconds of stream time), and to no other alarm than also (-1 for none).
func checkTiming(t *testing.T, evs []Event, kind, also Kind, start, end float64) {
	t.Helper()
	var got []Event
	for _, e := range evs {
		switch e.Kind {
		case kind:
			got = append(got, e)
		case also:
		default:
			t.Errorf("unexpected %s %s at %v (value %v)", e.Kind, e.State, e.Stream, e.Value)
		}
	}
	if len(got) != 2 || got[0].State != Start || got[1].State != End {
		t.Fatalf("got %d %s events %v; want one start and one end", len(got), kind, got)
	}
	for i, want := range []float64{start, end} {
		e := got[i]
		err := e.Stream.Seconds() - want
		t.Logf("%s %s at %.3f s, truth %.3f s: error %+.0f ms (value %.4g, channel %d)", e.Kind, e.State, e.Stream.Seconds(), want, err*1000, e.Value, e.Channel)
		if math.Abs(err) > reportInterval.Seconds()+1e-9 {
			t.Errorf("%s %s at %v; want within %v of %.3f s", e.Kind, e.State, e.Stream, reportInterval, want)
		}
	}
	if d, want := got[1].Duration, got[1].Stream-got[0].Stream; d != want {
		t.Errorf("end Duration %v; want %v", d, want)
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// TestFastReplayIsDeterministic replays the same faults with the wall clock at real time, at a thousandth of
// it (a file read as fast as it goes) and standing still: the audio alarms start and end at the same stream
// positions, and no source stalls.
func TestFastReplayIsDeterministic(t *testing.T) {
	sig := func(c int, t float64) float64 {
		switch {
		case between(t, 1, 4): // silence
			return 0
		case between(t, 5, 8) && c == 1: // a polarity flip
			return -programme(c, t)
		case between(t, 9, 9.2): // an over
			return sine(-0.5, t)
		}
		return programme(c, t)
	}
	audio := render(sig, 2, 12)
	cfg := DefaultConfig()
	cfg.Rules[Silence].OnDelay = 2 * time.Second
	cfg.Rules[PhaseInverted].OnDelay = time.Second
	cfg.Rules[TruePeakOver].OffDelay = time.Second
	strip := func(evs []Event) []Event {
		for i := range evs {
			evs[i].Wall = time.Time{}
		}
		return evs
	}
	want := strip(run(t, cfg, meterReports(t, 48000, 2, audio, 0)))
	if len(want) != 6 {
		t.Fatalf("real time: %d events %v; want a start and an end each of silence, phase_inverted, true_peak_over", len(want), want)
	}
	for _, step := range []time.Duration{reportInterval / 1000, 0} {
		got := strip(runWall(t, cfg, step, meterReports(t, 48000, 2, audio, 0)))
		if len(got) != len(want) {
			t.Fatalf("wall step %v: %d events; want %d", step, len(got), len(want))
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("wall step %v: event %d is %+v; want %+v", step, i, got[i], want[i])
			}
		}
	}
}
