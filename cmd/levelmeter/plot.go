package main

import (
	"fmt"
	"image/color"
	"math"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/levelmeter/levelmeter/dsp"
)

// maxPoints bounds the memory a plot's series takes: past it, neighbouring points are merged (keeping the
// larger value), so a 24-hour file costs what a 1-hour one does.
const maxPoints = 1 << 15

// plotFloor is the bottom of the plot: silence and anything quieter is drawn there.
const plotFloor = -70.0

// A series holds the levels of every 100 ms (or, for long files, every 2^k · 100 ms) for the plot.
type series struct {
	t, momentary, shortTerm, peak []float64
	merge                         int // points merged into the current last one
	per                           int // points merged per point: 1, 2, 4, ...
}

func newSeries() *series { return &series{per: 1} }

func (s *series) add(t float64, l dsp.Levels) {
	m, st, pk := l.Loudness.Momentary, l.Loudness.ShortTerm, l.Overall.SamplePeak
	if s.merge > 0 && s.merge < s.per {
		i := len(s.t) - 1
		s.t[i] = t
		s.momentary[i] = maxNaN(s.momentary[i], m)
		s.shortTerm[i] = maxNaN(s.shortTerm[i], st)
		s.peak[i] = maxNaN(s.peak[i], pk)
		s.merge++
		return
	}
	if len(s.t) == maxPoints {
		s.halve()
	}
	s.t = append(s.t, t)
	s.momentary = append(s.momentary, m)
	s.shortTerm = append(s.shortTerm, st)
	s.peak = append(s.peak, pk)
	s.merge = 1
}

// halve merges neighbouring points, doubling the time each point covers.
func (s *series) halve() {
	n := len(s.t) / 2
	for i := range n {
		s.t[i] = s.t[2*i+1]
		s.momentary[i] = maxNaN(s.momentary[2*i], s.momentary[2*i+1])
		s.shortTerm[i] = maxNaN(s.shortTerm[2*i], s.shortTerm[2*i+1])
		s.peak[i] = maxNaN(s.peak[2*i], s.peak[2*i+1])
	}
	s.t, s.momentary, s.shortTerm, s.peak = s.t[:n], s.momentary[:n], s.shortTerm[:n], s.peak[:n]
	s.per *= 2
	s.merge = s.per
}

func maxNaN(a, b float64) float64 {
	if math.IsNaN(a) {
		return b
	}
	if math.IsNaN(b) {
		return a
	}
	return math.Max(a, b)
}

// xys returns the points of v from its first measured value on: a loudness window that has not filled yet
// (the first 3 s of short-term loudness) is not drawn at all, rather than drawn as silence at the floor.
func (s *series) xys(v []float64) plotter.XYs {
	first := 0
	for first < len(v) && (math.IsNaN(v[first]) || math.IsInf(v[first], -1)) {
		first++
	}
	xy := make(plotter.XYs, 0, len(v)-first)
	for i := first; i < len(v); i++ {
		y := v[i]
		if math.IsNaN(y) || y < plotFloor {
			y = plotFloor
		}
		xy = append(xy, plotter.XY{X: s.t[i], Y: y})
	}
	return xy
}

// plot draws momentary and short-term loudness, the sample peak per point and the integrated loudness into a
// PNG file.
func (s *series) plot(out, title string, integrated float64) error {
	p := plot.New()
	p.Title.Text = filepath.Base(title)
	p.X.Label.Text = "time (s)"
	p.Y.Label.Text = "LUFS / dBFS"
	p.Y.Min, p.Y.Max = plotFloor, 0
	for _, v := range append(append(append([]float64{}, s.peak...), s.momentary...), s.shortTerm...) {
		p.Y.Max = math.Max(p.Y.Max, v+1)
	}
	p.Add(plotter.NewGrid())
	lines := []struct {
		name string
		v    []float64
		c    color.RGBA
		w    vg.Length
	}{
		{"sample peak", s.peak, color.RGBA{R: 200, G: 200, B: 200, A: 255}, 1},
		{"momentary (400 ms)", s.momentary, color.RGBA{R: 30, G: 120, B: 220, A: 255}, 1},
		{"short-term (3 s)", s.shortTerm, color.RGBA{R: 220, G: 80, B: 20, A: 255}, 2},
	}
	for _, l := range lines {
		line, err := plotter.NewLine(s.xys(l.v))
		if err != nil {
			return err
		}
		line.Color, line.Width = l.c, vg.Points(float64(l.w))
		p.Add(line)
		p.Legend.Add(l.name, line)
	}
	if !math.IsInf(integrated, 0) && !math.IsNaN(integrated) && len(s.t) > 0 {
		line, err := plotter.NewLine(plotter.XYs{{X: 0, Y: integrated}, {X: s.t[len(s.t)-1], Y: integrated}})
		if err != nil {
			return err
		}
		line.Color, line.Width, line.Dashes = color.RGBA{A: 255}, vg.Points(1), []vg.Length{vg.Points(4), vg.Points(3)}
		p.Add(line)
		p.Legend.Add(fmt.Sprintf("integrated %.1f LUFS", integrated), line)
	}
	p.Legend.Top = true
	return p.Save(12*vg.Inch, 4*vg.Inch, out)
}

// plotNames returns the plot file for each input file, or nil when out is empty: out itself for one file;
// OUT-NAME.png for several, NAME the file's base name without extension, and OUT-NAME-N.png (N its position,
// from 1) when two files share a name.
func plotNames(out string, files []string) []string {
	if out == "" || len(files) == 1 {
		return seriesNames(out, files)
	}
	// Several plots are PNGs whatever out ends in, each named as --series names its files.
	return seriesNames(strings.TrimSuffix(out, filepath.Ext(out))+".png", files)
}
