package dsp

import (
	"math"
	"testing"
	"time"
)

// feedFor feeds a mono meter d of constant samples v, in blocks of 441 frames (not a divisor of the 10 ms tick,
// so snapshots fall mid-tick too).
func feedFor(m *Meter, d time.Duration, v float32) {
	n := int(math.Round(d.Seconds() * float64(m.cfg.SampleRate)))
	block := make([]float32, 441)
	for i := range block {
		block[i] = v
	}
	for n > 0 {
		k := min(n, len(block))
		m.Process(block[:k])
		n -= k
	}
}

// TestBallistics follows the bar and the peak-hold marker through a burst and the silence after it.
func TestBallistics(t *testing.T) {
	a := float32(math.Pow(10, -6.0/20))
	burst := DB(float64(a))
	inf := math.Inf(-1)
	for _, tc := range []struct {
		name  string
		cfg   Config
		decay float64 // dB/s
		hold  float64 // s
	}{
		{"IEC 60268-18 defaults", Config{}, 20 / 1.7, 2},
		{"hold 0.5 s, 40 dB/s", Config{PeakHold: 500 * time.Millisecond, PeakDecay: 40}, 40, 0.5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, rate := range []int{44100, 48000, 96000} {
				cfg := tc.cfg
				cfg.SampleRate, cfg.Channels = rate, 1
				m := newTestMeter(t, cfg)
				if d := m.Levels().Display[0]; d.Peak != inf || d.Hold != inf || d.Clip {
					t.Fatalf("a new meter displays %+v, want silence", d)
				}
				feedFor(m, 100*time.Millisecond, a)
				if d := m.Levels().Display[0]; !closeTo(d.Peak, burst, 1e-5) || !closeTo(d.Hold, burst, 1e-5) {
					t.Fatalf("%d Hz: during the burst: %+v, want bar and marker at %v (instant attack)", rate, d, burst)
				}
				// Silence: the bar falls at once, the marker stays for the hold time, then falls too. A tick is
				// 10 ms, so readings may lag the ideal by one tick's fall.
				tick := tc.decay / 100
				elapsed := 0.0
				for _, step := range []float64{0.25, 0.25, 0.5, 0.5, 0.5, 0.5} {
					feedFor(m, time.Duration(step*float64(time.Second)), 0)
					elapsed += step
					d := m.Levels().Display[0]
					bar := burst - tc.decay*elapsed
					hold := burst - tc.decay*max(0, elapsed-tc.hold)
					if bar < DisplayFloor {
						bar = inf
					}
					if !(d.Peak <= bar+tick+1e-9 && d.Peak >= bar-1e-9) && !(bar == inf && d.Peak == inf) {
						t.Errorf("%d Hz, %.2f s after the burst: bar at %v, want %v (+%v)", rate, elapsed, d.Peak, bar, tick)
					}
					if !(d.Hold <= hold+tick+1e-9 && d.Hold >= hold-1e-9) {
						t.Errorf("%d Hz, %.2f s after the burst: marker at %v, want %v (+%v)", rate, elapsed, d.Hold, hold, tick)
					}
				}
			}
		})
	}
}

// TestBallisticsFloor checks that the bar, after falling long enough, reads digital silence, while a quiet signal
// below the floor still shows.
func TestBallisticsFloor(t *testing.T) {
	m := newTestMeter(t, Config{SampleRate: 48000, Channels: 1, PeakHold: time.Millisecond, PeakDecay: 100})
	feedFor(m, 10*time.Millisecond, 1)
	feedFor(m, 2*time.Second, 0)
	if d := m.Levels().Display[0]; !math.IsInf(d.Peak, -1) || !math.IsInf(d.Hold, -1) {
		t.Errorf("after 200 dB of fall: %+v, want -Inf", d)
	}
	feedFor(m, 10*time.Millisecond, 1e-8) // -160 dBFS
	if d := m.Levels().Display[0]; !closeTo(d.Peak, -160, 1e-4) {
		t.Errorf("a -160 dBFS signal displays %+v", d)
	}
}

// TestHoldMeetsSignal checks that a falling marker that meets a steady signal holds there again.
func TestHoldMeetsSignal(t *testing.T) {
	m := newTestMeter(t, Config{SampleRate: 48000, Channels: 1, PeakHold: 100 * time.Millisecond, PeakDecay: 100})
	feedFor(m, 10*time.Millisecond, 1)    // 0 dBFS
	feedFor(m, 500*time.Millisecond, 0.1) // -20 dBFS: the marker holds 0.1 s, falls 20 dB in 0.2 s, then holds
	if d := m.Levels().Display[0]; !closeTo(d.Hold, DB(float64(float32(0.1))), 1e-6) || !closeTo(d.Peak, d.Hold, 1e-6) {
		t.Errorf("marker %v, bar %v; want both at -20 dBFS", d.Hold, d.Peak)
	}
	feedFor(m, 50*time.Millisecond, 0)
	if d := m.Levels().Display[0]; !closeTo(d.Hold, -20, 1e-5) || d.Peak > -24 {
		t.Errorf("50 ms into silence: marker %v (want it holding at -20), bar %v (want it falling)", d.Hold, d.Peak)
	}
}

// TestClipLight checks the clip rule: three consecutive samples at full scale, or one beyond it, light the clip
// light for the hold time; one sample at full scale does not.
func TestClipLight(t *testing.T) {
	const rate = 48000
	for _, tc := range []struct {
		name    string
		cfg     Config
		samples [][]float32 // fed as separate blocks, between quiet blocks
		clip    bool
		clipped int64
	}{
		{"one full-scale sample", Config{}, [][]float32{{0.5, 1, 0.5}}, false, 1},
		{"two full-scale samples", Config{}, [][]float32{{-1, 1, 0.5, 1, -1}}, false, 4},
		{"three full-scale samples", Config{}, [][]float32{{0.5, 1, -1, 1, 0.5}}, true, 3},
		{"three across blocks", Config{}, [][]float32{{0.5, 1}, {-1}, {1, 0.5}}, true, 3},
		{"one over", Config{}, [][]float32{{0.5, 1.01, 0.5}}, true, 1},
		{"non-finite samples are not clips", Config{}, [][]float32{{float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN())}}, false, 0},
		{"int16 positive extreme, default level", Config{}, [][]float32{{32767.0 / 32768, 32767.0 / 32768, 32767.0 / 32768}}, false, 0},
		{"int16 positive extreme, ClipLevel set", Config{ClipLevel: 32767.0 / 32768}, [][]float32{{32767.0 / 32768, 32767.0 / 32768, 32767.0 / 32768}}, true, 3},
		{"int16 negative extreme, ClipLevel set", Config{ClipLevel: 32767.0 / 32768}, [][]float32{{-1, -1, 0, -1}}, false, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg
			cfg.SampleRate, cfg.Channels = rate, 1
			m := newTestMeter(t, cfg)
			feedFor(m, 15*time.Millisecond, 0.25)
			for i, b := range tc.samples {
				if i > 0 {
					m.Process([]float32{}) // an empty block between does not break a run
				}
				m.Process(b)
			}
			l := m.Levels()
			if l.Display[0].Clip != tc.clip || l.Overall.Clipped != tc.clipped {
				t.Fatalf("clip light %v, %d clipped samples; want %v, %d", l.Display[0].Clip, l.Overall.Clipped, tc.clip, tc.clipped)
			}
			if !tc.clip {
				return
			}
			feedFor(m, 1990*time.Millisecond, 0.25)
			if !m.Levels().Display[0].Clip {
				t.Errorf("the clip light went out before the 2 s hold time")
			}
			feedFor(m, 30*time.Millisecond, 0.25)
			if m.Levels().Display[0].Clip {
				t.Errorf("the clip light is still on after the 2 s hold time")
			}
		})
	}
}

// TestClipRunInterrupted checks that a run broken by a quiet sample, or by a block with no clipped samples,
// starts again.
func TestClipRunInterrupted(t *testing.T) {
	m := newTestMeter(t, Config{SampleRate: 48000, Channels: 2})
	m.Process([]float32{1, 0, 1, 0, 0.5, 0, 1, 0})   // channel 0: two, then one
	m.Process([]float32{0, 1, 0, 1, 0, 0.2, 0.1, 1}) // channel 1: two, then one
	m.Process([]float32{0.1, 0.1})                   // no clips in this block
	m.Process([]float32{1, 1, 1, 1})                 // two more each: not three in a row
	l := m.Levels()
	if l.Display[0].Clip || l.Display[1].Clip {
		t.Errorf("clip lights %v, %v; want off", l.Display[0].Clip, l.Display[1].Clip)
	}
	m.Process([]float32{1, 0})
	if l := m.Levels(); !l.Display[0].Clip || l.Display[1].Clip {
		t.Errorf("clip lights %v, %v after a third sample on channel 0; want on, off", l.Display[0].Clip, l.Display[1].Clip)
	}
}
