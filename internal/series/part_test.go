package series

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"testing"

	"github.com/levelmeter/levelmeter/dsp"
)

// A series measured in parts (each part's meter primed on the input before it, RunPart, Maxima.Begin and Merge,
// Writer.Part) is the series of one Run: the same rows, the same maxima at the same times, the same file.
func TestRunPartMatchesRun(t *testing.T) {
	const rate = 48000
	frames := rate*9 + 1234 // a partial last hop
	p := noise(rate, frames)
	p[2*(rate*5)] = 0.95 // a click at a cut
	for _, format := range []Format{CSV, JSONL} {
		for _, cuts := range [][]int64{{rate * 5}, {4800, rate * 3, rate*3 + 4800, rate * 8}} {
			t.Run(fmt.Sprint(format, cuts), func(t *testing.T) {
				labels := []string{"L", "R"}
				var whole bytes.Buffer
				w := NewWriter(&whole, format, labels, true)
				var wantMax Maxima
				m := newMeter(t, rate)
				err := Run(&sliceSource{p: p, ch: 2, chunk: 3000}, m, rate, 2, make([]float32, 8192), func(tt float64, l *dsp.Levels) error {
					wantMax.Add(tt, l)
					return w.Row(tt, l)
				})
				if err != nil || w.Flush() != nil {
					t.Fatal(err)
				}

				bounds := append(append([]int64{0}, cuts...), int64(frames))
				var parts bytes.Buffer
				first := NewWriter(&parts, format, labels, true)
				var got Maxima
				for k := range len(bounds) - 1 {
					a, b := bounds[k], bounds[k+1]
					m := newMeter(t, rate)
					m.Prime(p[2*max(0, a-int64(dsp.PrimeFrames(rate))) : 2*a])
					var out bytes.Buffer
					pw := first
					if k > 0 {
						pw = first.Part(&out)
					}
					var x Maxima
					x.Begin(float64(a) / rate)
					err := RunPart(&sliceSource{p: p[2*a : 2*b], ch: 2, chunk: 5000}, m, rate, 2, make([]float32, 4096), a, b,
						func(tt float64, l *dsp.Levels) error {
							x.Add(tt, l)
							return pw.Row(tt, l)
						})
					if err != nil || pw.Flush() != nil {
						t.Fatal(err)
					}
					parts.Write(out.Bytes())
					got.Merge(&x)
				}
				if whole.String() != parts.String() {
					t.Errorf("in one run:\n%.400s\nin parts:\n%.400s", whole.String(), parts.String())
				}
				if got.TruePeak != wantMax.TruePeak || got.SamplePeak != wantMax.SamplePeak ||
					got.Momentary != wantMax.Momentary || got.ShortTerm != wantMax.ShortTerm {
					t.Errorf("maxima in parts %+v, in one run %+v", got, wantMax)
				}
			})
		}
	}
}

func TestRunPartEndsEarly(t *testing.T) {
	m := newMeter(t, 48000)
	err := RunPart(&sliceSource{p: make([]float32, 2*4800), ch: 2, chunk: 1000}, m, 48000, 2, make([]float32, 512), 4800, 4800*3,
		func(float64, *dsp.Levels) error { return nil })
	if err != io.ErrUnexpectedEOF {
		t.Errorf("RunPart over a short source: %v, want io.ErrUnexpectedEOF", err)
	}
}

func TestMaximaMerge(t *testing.T) {
	inf := math.Inf(-1)
	at := func(v, s, e float64) Max { return Max{Value: v, Start: s, End: e} }
	levels := func(peak float64) *dsp.Levels {
		var l dsp.Levels
		l.Overall.SamplePeak, l.Overall.TruePeak = peak, peak
		l.Loudness.Momentary, l.Loudness.ShortTerm = inf, inf
		return &l
	}
	tests := []struct {
		name          string
		first, second []float64 // the peaks of consecutive rows of each part
		want          Max
	}{
		{"later higher", []float64{-6, -3}, []float64{-1, -2}, at(-1, 0.2, 0.3)},
		{"earlier higher", []float64{-1, -3}, []float64{-2, -6}, at(-1, 0, 0.1)},
		{"a tie keeps the first", []float64{-6, -2}, []float64{-2, -2}, at(-2, 0.1, 0.2)},
		{"empty later part", []float64{-6, -2}, nil, at(-2, 0.1, 0.2)},
		{"empty first part", nil, []float64{-5}, at(-5, 0.2, 0.3)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var a, b Maxima
			for i, v := range tt.first {
				a.Add(0.1*float64(i+1), levels(v))
			}
			b.Begin(0.2)
			for i, v := range tt.second {
				b.Add(0.2+0.1*float64(i+1), levels(v))
			}
			a.Merge(&b)
			if got := a.SamplePeak; math.Abs(got.Value-tt.want.Value) > 0 || math.Abs(got.Start-tt.want.Start) > 1e-9 ||
				math.Abs(got.End-tt.want.End) > 1e-9 {
				t.Errorf("sample peak %+v, want %+v", got, tt.want)
			}
		})
	}
}
