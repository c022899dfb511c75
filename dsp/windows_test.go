package dsp

import (
	"errors"
	"math"
	"slices"
	"testing"
	"time"
	"unsafe"
)

// subEnergies feeds mono or multichannel p to a plain loudness meter one sub-block at a time and returns each
// sub-block's weighted sum of squares, in float64: the input of a brute-force window computation.
func subEnergies(t testing.TB, p []float32, rate, channels int) []float64 {
	l := newLoudness(t, rate, channels, nil)
	sub := (rate + 5) / 10
	var subs []float64
	for i := 0; i+sub*channels <= len(p); i += sub * channels {
		l.Process(p[i : i+sub*channels])
		subs = append(subs, l.ring[(l.head+len(l.ring)-1)%len(l.ring)])
	}
	return subs
}

// bruteWindow gates, from lists, the gating blocks and short-term values that ended within the last n of the
// sub-blocks subs (of sub frames each): integrated loudness and the exact EBU Tech 3342 range.
func bruteWindow(subs []float64, sub int, n int) (integrated, lra float64) {
	mean := func(end, k int) float64 { // subs[end-k+1 .. end], 0-based
		s := 0.0
		for _, v := range subs[end-k+1 : end+1] {
			s += v
		}
		return s / float64(k*sub)
	}
	var blocks, shorts []float64
	for j := max(0, len(subs)-n); j < len(subs); j++ {
		if j >= momentaryBlocks-1 {
			if e := mean(j, momentaryBlocks); e >= absoluteGateEnergy && e <= math.MaxFloat64 {
				blocks = append(blocks, e)
			}
		}
		if j >= shortTermBlocks-1 {
			if e := mean(j, shortTermBlocks); e >= absoluteGateEnergy && e <= math.MaxFloat64 {
				shorts = append(shorts, e)
			}
		}
	}
	gate := func(list []float64, lu float64) []float64 {
		m := 0.0
		for _, e := range list {
			m += e
		}
		m /= float64(len(list))
		var kept []float64
		for _, e := range list {
			if e >= m*math.Pow(10, lu/10) {
				kept = append(kept, e)
			}
		}
		return kept
	}
	integrated = math.Inf(-1)
	if len(blocks) > 0 {
		kept := gate(blocks, relativeGate)
		m := 0.0
		for _, e := range kept {
			m += e
		}
		integrated = lufs(m / float64(len(kept)))
	}
	if len(shorts) > 0 {
		kept := gate(shorts, rangeGate)
		slices.Sort(kept)
		k := len(kept)
		lra = lufs(kept[int(float64(k-1)*rangeHigh+0.5)]) - lufs(kept[int(float64(k-1)*rangeLow+0.5)])
	}
	return integrated, lra
}

// Every window agrees with a brute-force gating of its own blocks, checked every second along generated
// programmes: integrated loudness within 1e-6 LU (the quantisation is 3e-8 dB), the range within 0.02 LU (the
// bins, as for the since-start range).
func TestWindowsMatchBruteForce(t *testing.T) {
	const rate = 8000 // the windows do not care about the rate; a low one keeps the test quick
	step := tone(rate, 1000, toneLevel(-30, 1, 30), toneLevel(-20, 1, 60), toneLevel(-40, 1, 40))
	gap := tone(rate, 1000, toneLevel(-23, 1, 20), toneLevel(math.Inf(-1), 1, 70), toneLevel(-23, 1, 20))
	spoilt := smoothProgramme(9, rate, 1, 100)
	spoilt[rate*20] = float32(math.NaN())
	spoilt[rate*50] = float32(math.Inf(1))
	for _, c := range []struct {
		name  string
		p     []float32
		spans []time.Duration
	}{
		{"non-finite samples", spoilt, []time.Duration{time.Second, 10 * time.Second, time.Minute}},
		{"loudness steps", step, []time.Duration{time.Second, 10 * time.Second, time.Minute, time.Hour}},
		{"silence gap", gap, []time.Duration{3 * time.Second, 30 * time.Second, time.Minute}},
		{"jumpy programme", loudProgramme(7, rate, 1, 150), []time.Duration{1500 * time.Millisecond, 20 * time.Second, time.Minute}},
		{"smooth programme", smoothProgramme(8, rate, 1, 150), []time.Duration{5 * time.Second, 45 * time.Second, 24 * time.Hour}},
	} {
		t.Run(c.name, func(t *testing.T) {
			subs := subEnergies(t, c.p, rate, 1)
			l := newLoudness(t, rate, 1, nil)
			if err := l.SetWindows(c.spans...); err != nil {
				t.Fatal(err)
			}
			sub := (rate + 5) / 10
			worstI, worstR := 0.0, 0.0
			for i := 0; i < len(subs); i++ {
				l.Process(c.p[i*sub : (i+1)*sub])
				if (i+1)%10 != 0 {
					continue
				}
				v := l.Loudness()
				for w, span := range c.spans {
					got := v.Windows[w]
					wantI, wantR := bruteWindow(subs[:i+1], sub, int(span/WindowStep))
					if got.Span != span || !nearLU(got.Integrated, wantI, 1e-6) || !nearLU(got.Range, wantR, 0.02) {
						t.Fatalf("at %.1f s, window %v: %+v, brute force I %.6f LRA %.4f", float64(i+1)/10, span, got, wantI, wantR)
					}
					if !math.IsInf(wantI, 0) {
						worstI = max(worstI, math.Abs(got.Integrated-wantI))
					}
					worstR = max(worstR, math.Abs(got.Range-wantR))
				}
			}
			t.Logf("largest differences from brute force: I %.2g LU, LRA %.2g LU", worstI, worstR)
		})
	}
}

// gateWorstCase returns TestIntegratedExactAtTheGate's programme: 30 s, a third of its blocks on each side of
// the relative gate inside the gate's 0.01 LU bin.
func gateWorstCase(rate int) []float32 {
	const delta, seconds = 0.002, 10.0
	gen := func(loud, gate float64) []float32 {
		return tone(rate, 1000, toneLevel(loud, 1, seconds), toneLevel(gate+delta, 1, seconds), toneLevel(gate-delta, 1, seconds))
	}
	const loud = -10.0
	r := -14.47
	for range 4 {
		_, thr := referenceGate(gen(loud, loud+r), rate)
		r = lufs(thr) - (lufs(energyOfTone(loud)))
	}
	gateLUFS := lufs(energyOfTone(loud)) + r
	centre := histLow + (math.Floor((gateLUFS-histLow)*histRes)+0.5)/histRes
	shift := centre - gateLUFS
	return gen(loud+shift, loud+shift+r)
}

// A window longer than the link zone (here 5 s, an hour in a meter) walks only the gate bin's newest blocks and
// takes the older ones whole or not at all: on the worst case, where that matters most, it stays within the
// documented bound of 3.9·n/N dB, and it is exact again once no old block is in the gate's bin.
func TestWindowLongerThanLinks(t *testing.T) {
	const rate = 48000
	p := gateWorstCase(rate)
	subs := subEnergies(t, p, rate, 1)
	_, thr := referenceGate(p, rate)
	k := bin(thr)
	var l *LoudnessMeter
	for _, links := range []int{150, 50} { // old blocks in the gate's bin: above the gate on average, below
		l = newLoudness(t, rate, 1, nil)
		l.win = newWindowBank(l.sub, []time.Duration{time.Minute}, int64(links))
		l.Process(p)
		got := l.Loudness().Windows[0].Integrated
		want, _ := bruteWindow(subs, l.sub, len(subs))
		var old, passed int
		for j := momentaryBlocks - 1; j < len(subs); j++ {
			e := (subs[j] + subs[j-1] + subs[j-2] + subs[j-3]) / float64(4*l.sub)
			if e >= thr {
				passed++
			}
			if bin(e) == k && j < len(subs)-links {
				old++
			}
		}
		bound := 3.9 * float64(old) / float64(passed)
		t.Logf("links for %d blocks: window %.4f, exact %.4f: %d blocks of %d that pass are old and in the gate's bin, bound %.2f dB",
			links, got, want, old, passed, bound)
		if math.Abs(got-want) > bound || old == 0 {
			t.Errorf("links for %d blocks: window %.4f, exact %.4f, bound %.2f dB for %d old blocks in the gate's bin", links, got, want, bound, old)
		}
	}
	l.Process(tone(rate, 1000, toneLevel(-20, 1, 20)))
	subs = subEnergies(t, slices.Concat(p, tone(rate, 1000, toneLevel(-20, 1, 20))), rate, 1)
	got := l.Loudness().Windows[0].Integrated
	want, _ := bruteWindow(subs, l.sub, 600)
	if !nearLU(got, want, 1e-6) {
		t.Errorf("20 s of a steady tone later: window %.6f, exact %.6f", got, want)
	}
}

// A window follows a loudness step once its span has passed, reads -Inf once it holds nothing but silence while
// the since-start value remembers the programme, and covers everything since the start until its span has passed.
func TestWindowsFollowTheProgramme(t *testing.T) {
	const rate = 8000
	inf := math.Inf(-1)
	l := newLoudness(t, rate, 1, nil)
	if err := l.SetWindows(10*time.Second, time.Minute); err != nil {
		t.Fatal(err)
	}
	tone1k := func(dbfs, seconds float64) { l.Process(tone(rate, 1000, toneLevel(dbfs, 1, seconds))) }
	lufsOf := func(dbfs float64) float64 { return dbfs - 3.01 + 0.007 } // a mono 1 kHz sine
	near := func(got, want float64) bool { return nearLU(got, want, 0.02) }

	tone1k(-30, 40)
	v := l.Loudness()
	if !near(v.Windows[0].Integrated, lufsOf(-30)) || !near(v.Windows[1].Integrated, v.Integrated) {
		t.Errorf("after 40 s at -30 dBFS: %+v, since start %.4f", v.Windows, v.Integrated)
	}
	// After 10.4 s the 10 s window holds only loud blocks (400 ms, ending in the last 10 s); after 13 s only
	// loud short-term values (3 s).
	tone1k(-20, 10.4)
	v = l.Loudness()
	if !near(v.Windows[0].Integrated, lufsOf(-20)) || v.Windows[0].Range < 1 {
		t.Errorf("10.4 s after a step to -20 dBFS: 10 s window %+v, want %.3f LUFS and some range", v.Windows[0], lufsOf(-20))
	}
	tone1k(-20, 2.6)
	v = l.Loudness()
	if !near(v.Windows[0].Integrated, lufsOf(-20)) || v.Windows[0].Range > 0.02 {
		t.Errorf("13 s after a step to -20 dBFS: 10 s window %+v, want %.3f LUFS and no range", v.Windows[0], lufsOf(-20))
	}
	if near(v.Windows[1].Integrated, lufsOf(-20)) || !near(v.Windows[1].Range, 10) {
		t.Errorf("13 s after the step: 1 min window %+v, want between the levels and a range of 10 LU", v.Windows[1])
	}
	sinceStart := v.Integrated
	tone1k(inf, 63)
	v = l.Loudness()
	for w := range 2 {
		if v.Windows[w].Integrated != inf || v.Windows[w].Range != 0 {
			t.Errorf("after 63 s of silence: window %d %+v, want -Inf and 0", w, v.Windows[w])
		}
	}
	if !nearLU(v.Integrated, sinceStart, 0.1) { // silence is below the absolute gate; only the first blocks count
		t.Errorf("since start: %.4f after the silence, %.4f before", v.Integrated, sinceStart)
	}
}

// The worst case for a histogram (TestIntegratedExactAtTheGate: a third of the blocks on each side of the
// relative gate in its 0.01 LU bin): a window holding the whole programme walks the gate bin's blocks and reads
// the exact value, as the since-start meter does.
func TestWindowExactAtTheGate(t *testing.T) {
	const rate = 48000
	p := gateWorstCase(rate)

	l := newLoudness(t, rate, 1, nil)
	if err := l.SetWindows(time.Minute); err != nil {
		t.Fatal(err)
	}
	l.Process(p)
	v := l.Loudness()
	subs := subEnergies(t, p, rate, 1)
	want, _ := bruteWindow(subs, (rate+5)/10, len(subs))
	whole := v.Windows[0]
	t.Logf("whole programme: window %.6f, since start %.6f, brute force %.6f", whole.Integrated, v.Integrated, want)
	if !nearLU(whole.Integrated, want, 1e-6) || !nearLU(whole.Integrated, v.Integrated, 1e-6) {
		t.Errorf("window %.6f, since start %.6f, brute force %.6f", whole.Integrated, v.Integrated, want)
	}

	// The programme after 40 s of silence, with windows whose shared ring wraps around twice: at the end, the
	// 29.7 s window holds the programme's 297 blocks, the worst case again. Checked every 100 ms of the last 30 s.
	p = slices.Concat(make([]float32, 40*rate), p)
	subs = subEnergies(t, p, rate, 1)
	l = newLoudness(t, rate, 1, nil)
	spans := []time.Duration{29700 * time.Millisecond, 12 * time.Second}
	if err := l.SetWindows(spans...); err != nil {
		t.Fatal(err)
	}
	sub := (rate + 5) / 10
	walked := 0
	for i := range subs {
		l.Process(p[i*sub : (i+1)*sub])
		if i < len(subs)-300 {
			continue
		}
		v := l.Loudness()
		for w, span := range spans {
			want, _ := bruteWindow(subs[:i+1], sub, int(span/WindowStep))
			if i == len(subs)-1 && w == 0 {
				t.Logf("last 29.7 s: %.6f, brute force %.6f", v.Windows[w].Integrated, want)
			}
			if !nearLU(v.Windows[w].Integrated, want, 1e-6) {
				t.Fatalf("at %.1f s, last %v: %.6f, brute force %.6f", float64(i+1)/10, span, v.Windows[w].Integrated, want)
			}
			win := l.win.win[w]
			n, sum := win.mom.from(0)
			if k := locate(sum / float64(n) / 10); k >= 0 && win.mom.n[k] > 0 {
				walked++
			}
		}
	}
	t.Logf("%d of 600 queries walked blocks in the gate's bin", walked)
	if walked == 0 {
		t.Error("no query found blocks in the gate's bin: the case does not show what it should")
	}
}

// EBU Tech 3341 and 3342 cases: a window that covers the whole programme reads what the since-start meter reads.
func TestWindowsWholeProgrammeEqualsSinceStart(t *testing.T) {
	stereo := func(segs ...[2]float64) []float32 {
		var s []toneSegment
		for _, g := range segs {
			s = append(s, toneLevel(g[0], 2, g[1]))
		}
		return tone(48000, 1000, s...)
	}
	for _, c := range []struct {
		name string
		p    []float32
	}{
		{"3341 case 3", stereo([2]float64{-36, 10}, [2]float64{-23, 60}, [2]float64{-36, 10})},
		{"3341 case 4", stereo([2]float64{-72, 10}, [2]float64{-36, 10}, [2]float64{-23, 60}, [2]float64{-36, 10}, [2]float64{-72, 10})},
		{"3341 case 5", stereo([2]float64{-26, 20}, [2]float64{-20, 20.1}, [2]float64{-26, 20})},
		{"3342 case 1", stereo([2]float64{-20, 20}, [2]float64{-30, 20})},
		{"3342 case 4", stereo([2]float64{-50, 20}, [2]float64{-35, 20}, [2]float64{-20, 20}, [2]float64{-35, 20}, [2]float64{-50, 20})},
	} {
		t.Run(c.name, func(t *testing.T) {
			l := newLoudness(t, 48000, 2, nil)
			if err := l.SetWindows(time.Hour, 24*time.Hour); err != nil {
				t.Fatal(err)
			}
			l.Process(c.p)
			v := l.Loudness()
			for _, w := range v.Windows[:2] {
				if !nearLU(w.Integrated, v.Integrated, 1e-6) || !nearLU(w.Range, v.Range, 1e-6) {
					t.Errorf("window %v: I %.7f LRA %.7f, since start I %.7f LRA %.7f", w.Span, w.Integrated, w.Range, v.Integrated, v.Range)
				}
			}
		})
	}
}

// ResetIntegrated starts the since-start values over and leaves the windows and the current values alone; Reset
// forgets the windows too.
func TestResetIntegrated(t *testing.T) {
	const rate = 8000
	m := newTestMeter(t, Config{SampleRate: rate, Channels: 1, Windows: []time.Duration{time.Minute}})
	m.Process(tone(rate, 1000, toneLevel(-20, 1, 20)))
	m.Interval()
	levels := m.Levels()
	before := levels.Loudness
	m.ResetIntegrated()
	after := m.Levels()
	v := after.Loudness
	inf := math.Inf(-1)
	if v.Integrated != inf || v.Range != 0 || v.MomentaryMax != inf || v.ShortTermMax != inf {
		t.Errorf("after ResetIntegrated: %+v, want the since-start values empty", v)
	}
	// The true peak starts at the samples received but not yet measured between (at most TruePeakLag of them),
	// which the interval after the reset measures: no more than the tone's sample peak.
	if st := after.Channel[0]; st.SamplePeak != inf || st.TruePeak > levels.Channel[0].SamplePeak ||
		after.Frames != levels.Frames || st.RMS != levels.Channel[0].RMS || st.Clipped != levels.Channel[0].Clipped {
		t.Errorf("after ResetIntegrated: %d frames, %+v; want the sample peak empty, the true peak at most the samples pending, and the rest of %d frames, %+v",
			after.Frames, st, levels.Frames, levels.Channel[0])
	}
	if v.Momentary != before.Momentary || v.ShortTerm != before.ShortTerm || v.Windows != before.Windows {
		t.Errorf("after ResetIntegrated: %+v, want the current values and windows of %+v", v, before)
	}
	m.Process(tone(rate, 1000, toneLevel(-30, 1, 5)))
	if pk := m.Levels().Channel[0].SamplePeak; math.Abs(pk-(-30)) > 0.01 {
		t.Errorf("5 s of a -30 dBFS tone after the reset: sample peak %.3f, want -30 (the maximum since the reset)", pk)
	}
	v = m.Levels().Loudness
	if !nearLU(v.Integrated, -30-3.01+0.007, 0.02) || nearLU(v.Windows[0].Integrated, v.Integrated, 1) {
		t.Errorf("5 s after the reset: since start %.4f (want the last 5 s), window %.4f (want the last minute)",
			v.Integrated, v.Windows[0].Integrated)
	}
	m.Reset()
	if w := m.Levels().Loudness.Windows[0]; w.Integrated != inf || w.Range != 0 || w.Span != time.Minute {
		t.Errorf("after Reset: %+v, want an empty window", w)
	}
}

func TestSpanLabel(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		want string
	}{
		{time.Second, "1s"}, {2500 * time.Millisecond, "2.5s"}, {time.Minute, "1m"}, {90 * time.Second, "1m30s"},
		{10 * time.Minute, "10m"}, {time.Hour, "1h"}, {90 * time.Minute, "1h30m"}, {24 * time.Hour, "24h"},
		{time.Hour + time.Second, "1h0m1s"}, {100 * time.Millisecond, "100ms"},
	} {
		if got := SpanLabel(c.d); got != c.want {
			t.Errorf("SpanLabel(%v) = %q, want %q", c.d, got, c.want)
		}
	}
}

// Config.Windows is checked: each span a multiple of 100 ms from 1 s to 24 h, at most MaxWindows, no two alike.
func TestWindowsConfigErrors(t *testing.T) {
	for _, c := range []struct {
		spans []time.Duration
		want  string
	}{
		{[]time.Duration{time.Second, time.Minute, time.Hour, 24 * time.Hour}, ""},
		{[]time.Duration{1100 * time.Millisecond}, ""},
		{[]time.Duration{900 * time.Millisecond}, "dsp: Config.Windows: loudness window not supported: window 0 is 900ms; want a multiple of 100ms from 1s to 24h0m0s"},
		{[]time.Duration{time.Minute, 1050 * time.Millisecond}, "dsp: Config.Windows: loudness window not supported: window 1 is 1.05s; want a multiple of 100ms from 1s to 24h0m0s"},
		{[]time.Duration{25 * time.Hour}, "dsp: Config.Windows: loudness window not supported: window 0 is 25h0m0s; want a multiple of 100ms from 1s to 24h0m0s"},
		{[]time.Duration{-time.Minute}, "dsp: Config.Windows: loudness window not supported: window 0 is -1m0s; want a multiple of 100ms from 1s to 24h0m0s"},
		{[]time.Duration{time.Minute, time.Hour, time.Minute}, "dsp: Config.Windows: loudness window not supported: window 2 repeats 1m0s"},
		{make([]time.Duration, 5), "dsp: Config.Windows: loudness window not supported: 5 windows given, at most 4"},
	} {
		_, err := NewMeter(Config{SampleRate: 48000, Channels: 2, Windows: c.spans})
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%v: %v", c.spans, err)
		case c.want != "" && (err == nil || err.Error() != c.want || !errors.Is(err, ErrWindows)):
			t.Errorf("%v: error %v, want %q wrapping ErrWindows", c.spans, err, c.want)
		}
	}
}

// With windows, Process, Interval and Levels still allocate nothing.
func TestWindowsAllocateNothing(t *testing.T) {
	m := newTestMeter(t, Config{SampleRate: 48000, Channels: 2,
		Windows: []time.Duration{time.Minute, 10 * time.Minute, time.Hour, 24 * time.Hour}})
	p := noisySignal(2, 48000, 9)
	m.Process(p)
	i := 0
	if n := testing.AllocsPerRun(50, func() {
		m.Process(p[i*2*960 : (i+1)*2*960])
		i = (i + 1) % 50
		_ = m.Interval()
		_ = m.Levels()
	}); n != 0 {
		t.Errorf("Process, Interval and Levels allocate %v times per call", n)
	}
}

// Memory is what the documentation says, allocated up front, and the integer sums do not drift: after far more
// than a window's length of programme, the window holds exactly its span of blocks, and once it holds only
// silence every count and sum is exactly zero.
func TestWindowsMemoryBounded(t *testing.T) {
	const rate = 8000
	l := newLoudness(t, rate, 1, nil)
	if err := l.SetWindows(10*time.Second, 24*time.Hour); err != nil {
		t.Fatal(err)
	}
	b := l.win
	if len(b.ring) != 864000+shortTermBlocks || len(b.next) != exactBlocks+1 || !b.win[0].linked || b.win[1].linked {
		t.Fatalf("ring of %d sub-blocks (want 24 h + 3 s), %d links (want 1 h)", len(b.ring), len(b.next))
	}
	p := loudProgramme(3, rate, 1, 60)
	n := testing.AllocsPerRun(1, func() { l.Process(p); _ = l.Loudness() })
	if n != 0 {
		t.Errorf("a minute of programme: %v allocations", n)
	}
	w := b.win[0]
	var blocks, shorts int64
	for g := range histGroups {
		blocks += w.mom.gn[g]
		shorts += w.st.gn[g]
	}
	if blocks > 100 || shorts > 100 || blocks == 0 {
		t.Errorf("the 10 s window holds %d gated blocks and %d short-term values, want at most 100", blocks, shorts)
	}
	l.Process(make([]float32, rate*14))
	_ = l.Loudness()
	if w.mom != (whist{}) || w.st != (whist{}) || w.head != [histBins]uint32{} {
		t.Errorf("after 14 s of silence the 10 s window's histograms are not empty")
	}
	ring := len(b.ring)*int(unsafe.Sizeof(b.ring[0])) + len(b.next)*int(unsafe.Sizeof(b.next[0]))
	bank, win := int(unsafe.Sizeof(*b)), int(unsafe.Sizeof(*w))
	t.Logf("memory: ring and links %d KB for 24 h, bank %d KB, per window %d KB", ring/1000, bank/1000, win/1000)
	if ring > 4*(864000+shortTermBlocks)+4*(36000+1) || bank > 121_000 || win > 284_000 {
		t.Errorf("ring %d bytes, bank %d, window %d: more than documented (4 per 100 ms, 4 per 100 ms up to 1 h, 120 KB, 283 KB)", ring, bank, win)
	}
}

// Codes keep the bin and the energy to 2^-27 of itself, for every level the histograms cover.
func TestWindowCodes(t *testing.T) {
	worst := 0.0
	for l := histLow; l < histLow+100; l += 0.00037 {
		e := math.Pow(10, (l+0.691)/10)
		c := encode(e)
		k, m := decode(c)
		q := qenergy(float64(m), k/histGroup)
		if k != bin(e) && k != bin(e)-1 && k != bin(e)+1 {
			t.Fatalf("%.5f LUFS: bin %d, the histograms' %d", l, k, bin(e))
		}
		worst = max(worst, math.Abs(q/e-1))
	}
	if worst > 1.0/(1<<27)*1.01 {
		t.Errorf("largest relative error %g, want at most 2^-27 (%g)", worst, 1.0/(1<<27))
	}
	if encode(absoluteGateEnergy*0.999) != wqNone || encode(math.NaN()) != wqNone || encode(math.Inf(1)) != wqNone {
		t.Error("an energy below the gate or not finite has a code")
	}
	t.Logf("largest relative error %.3g (%.2g dB)", worst, 10*math.Log10(1+worst))
}

// BenchmarkWindowsQuery is the cost of a report's Loudness with four windows over a programme that fills them,
// against the since-start values alone (b.N reports, each after 100 ms of programme).
func BenchmarkWindowsQuery(b *testing.B) {
	const rate = 48000
	p := smoothProgramme(4, rate, 2, 120)
	for _, spans := range [][]time.Duration{nil, {time.Minute, 10 * time.Minute, time.Hour, 24 * time.Hour}} {
		name := "since-start"
		if spans != nil {
			name = "4 windows"
		}
		b.Run(name, func(b *testing.B) {
			l := newLoudness(b, rate, 2, nil)
			if err := l.SetWindows(spans...); err != nil {
				b.Fatal(err)
			}
			l.Process(p)
			step := 2 * rate / 10
			b.ResetTimer()
			for i := range b.N {
				j := (i % 1200) * step
				l.Process(p[j : j+step])
				_ = l.Loudness()
			}
		})
	}
}

// BenchmarkWindowsReport splits a report's cost with four windows (1 min, 10 min, 1 h, 24 h) filled by programme:
// "push" is one 100 ms sub-block entering and leaving the windows, "query" the windows' values after it, and
// "since-start query" the since-start integrated loudness and range after it, the baseline.
func BenchmarkWindowsReport(b *testing.B) {
	const rate = 48000
	p := smoothProgramme(4, rate, 2, 600)
	l := newLoudness(b, rate, 2, nil)
	if err := l.SetWindows(time.Minute, 10*time.Minute, time.Hour, 24*time.Hour); err != nil {
		b.Fatal(err)
	}
	var subs []float64
	sub := l.sub * 2
	for i := 0; i+sub <= len(p); i += sub {
		l.Process(p[i : i+sub])
		subs = append(subs, l.ring[(l.head+len(l.ring)-1)%len(l.ring)])
	}
	w := l.win
	b.Run("push", func(b *testing.B) {
		for i := range b.N {
			w.push(subs[i%len(subs)])
		}
	})
	b.Run("query", func(b *testing.B) {
		for i := range b.N {
			w.push(subs[i%len(subs)])
			_ = w.values()
		}
	})
	b.Run("since-start query", func(b *testing.B) {
		for i := range b.N {
			w.push(subs[i%len(subs)])
			_ = l.gating.exactGated(l.blocks, relativeGate)
			_ = l.rng.spread(rangeGate, rangeLow, rangeHigh)
		}
	})
}

// FuzzWindows pushes arbitrary sub-block energies (silence, NaN, +Inf, levels from -100 to +29.9 LUFS, repeated
// values that crowd one bin) through two windows of arbitrary length and checks, after every sub-block, each
// window against a brute-force gating of its own blocks: the same count of gated blocks, integrated loudness to
// 1e-6 LU, a range that is a number from 0 to the spread of the values.
func FuzzWindows(f *testing.F) {
	f.Add(uint8(10), uint8(37), []byte{0x80, 0, 0x80, 0, 0x90, 0, 0, 0, 1, 0, 2, 0, 0xff, 0xff, 0x40, 0x40})
	f.Add(uint8(0), uint8(255), make([]byte, 300))
	steps := make([]byte, 0, 800) // three levels 10 LU apart in turn, in a window longer than its links
	for i := range 400 {
		steps = append(steps, []byte{0x90, 0x70, 0xa0}[i/25%3], byte(i))
	}
	f.Add(uint8(5), uint8(80), steps)
	f.Fuzz(runWindowsCase)
}

func runWindowsCase(t *testing.T, s1, s2 uint8, data []byte) {
	const sub = 800
	spans := []time.Duration{time.Duration(1+int(s1)%40) * WindowStep, time.Duration(1+int(s2)%90) * WindowStep}
	if spans[0] == spans[1] {
		spans = spans[:1]
	}
	linkLimit := 1 + int64(s1^s2)%60 // windows longer than this many blocks are exact only for the newest
	b := newWindowBank(sub, spans, linkLimit)
	var subs []float64
	for i := 0; i+1 < len(data) && i < 2*400; i += 2 {
		v := int(data[i])<<8 | int(data[i+1])
		var e float64
		switch v {
		case 0:
		case 1:
			e = math.NaN()
		case 2:
			e = math.Inf(1)
		default:
			e = math.Pow(10, (-100+129.9*float64(v)/65535+0.691)/10) * sub // below +30 LUFS, where windows clamp
		}
		b.push(e)
		subs = append(subs, float64(float32(e)))
		out := b.values()
		for w, span := range spans {
			n := int(span / WindowStep)
			wantI, _ := bruteWindow(subs, sub, n)
			// the gated blocks in the window, by sequence number (from 1), and the brute-force relative gate
			var seqs []int64
			var codes []uint32
			mean := 0.0
			for j := max(momentaryBlocks-1, len(subs)-n); j < len(subs); j++ {
				e := b.energy(b.slot(int64(j+1)), momentaryBlocks)
				if c := encode(e); c != wqNone {
					seqs, codes = append(seqs, int64(j+1)), append(codes, c)
					mean += e
				}
			}
			var count int64
			for g := range histGroups {
				count += b.win[w].mom.gn[g]
			}
			tol := 1e-6
			if !b.win[w].linked && len(seqs) > 0 {
				// the documented bound for blocks of the gate's bin older than the link zone: 3.9·n/N dB
				thr := mean / float64(len(seqs)) / 10
				k := locate(thr)
				var old, passed int
				for i, c := range codes {
					kc, m := decode(c)
					if qenergy(float64(m), kc/histGroup) >= thr {
						passed++
					}
					if kc >= k-1 && kc <= k+1 && seqs[i] <= b.n-int64(len(b.next)-1) {
						old++
					}
				}
				tol += 3.9 * float64(old) / float64(max(passed, 1))
			}
			got := out[w]
			if count != int64(len(seqs)) || !nearLU(got.Integrated, wantI, tol) || !(got.Range >= 0 && got.Range <= 140) {
				t.Fatalf("after %d sub-blocks, window of %d (linked %v): %+v with %d blocks; brute force %.7f with %d (tolerance %.2g)",
					len(subs), n, b.win[w].linked, got, count, wantI, len(seqs), tol)
			}
		}
	}
}
