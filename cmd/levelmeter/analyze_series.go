package main

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/levelmeter/levelmeter/dsp"
	tseries "github.com/levelmeter/levelmeter/internal/series"
)

// seriesNames returns the --series file of each input, or nil when out is empty: out itself for one input; for
// several, OUT-NAME.EXT with NAME the input's base name without its extension ("stdin" for -), and
// OUT-NAME-N.EXT (N its position, from 1) when two inputs share a name, as --plot names its files.
func seriesNames(out string, files []string) []string {
	if out == "" {
		return nil
	}
	if len(files) == 1 {
		return []string{out}
	}
	ext := filepath.Ext(out)
	stem := strings.TrimSuffix(out, ext)
	base := func(f string) string {
		if f == "-" {
			return "stdin"
		}
		return strings.TrimSuffix(filepath.Base(f), filepath.Ext(f))
	}
	count := map[string]int{}
	for _, f := range files {
		count[base(f)]++
	}
	names := make([]string, len(files))
	for i, f := range files {
		b := base(f)
		if count[b] > 1 {
			b += "-" + strconv.Itoa(i+1)
		}
		names[i] = stem + "-" + b + ext
	}
	return names
}

// A seriesOut is the time series of one file being written: the file, its writer, and the first error.
type seriesOut struct {
	name string
	f    *os.File
	w    *tseries.Writer
	err  error // creating, writing or closing it failed: said after the report; the measurement stands
}

func createSeries(name string, format tseries.Format, labels []string, perChannel bool) *seriesOut {
	f, err := os.Create(name)
	if err != nil {
		return &seriesOut{name: name, err: err}
	}
	return &seriesOut{name: name, f: f, w: tseries.NewWriter(f, format, labels, perChannel)}
}

func (s *seriesOut) row(t float64, l *dsp.Levels) {
	if s.w != nil && s.err == nil {
		s.err = s.w.Row(t, l)
	}
}

// close flushes and closes the file; a file of a measurement that did not finish is removed, as half a series
// would pass for a whole one.
func (s *seriesOut) close(keep bool) {
	if s.f == nil {
		return
	}
	if err := s.w.Flush(); err != nil && s.err == nil {
		s.err = err
	}
	if err := s.f.Close(); err != nil && s.err == nil {
		s.err = err
	}
	if !keep {
		os.Remove(s.name)
	}
}

// atClock says a maximum and when it was reached, for the text report: " at 1:23.4" for the 100 ms of a peak,
// " at 1:20.4-1:23.4" for a loudness window; empty when there is no maximum.
func atClock(m tseries.Max, window bool) string {
	if math.IsInf(m.Value, 0) || math.IsNaN(m.Value) {
		return ""
	}
	if window {
		return " at " + tseries.Clock(m.Start) + "-" + tseries.Clock(m.End)
	}
	return " at " + tseries.Clock(m.Start)
}

// error says why the series file could not be written.
func (s *seriesOut) error() error {
	if s == nil || s.err == nil {
		return nil
	}
	return fmt.Errorf("cannot write the series to %s: %w", s.name, s.err)
}

// measureHops measures src into m in 100 ms hops (series.Run), handing each hop's levels to the plot, the series
// file and the maxima (see hopRows).
func (a *analysis) measureHops(ctx context.Context, src frameReader, m *dsp.Meter, opts analyzeOptions, seriesName string) error {
	f := a.Format
	a.maxima = new(tseries.Maxima)
	if opts.withSeries {
		a.series = newSeries()
	}
	if seriesName != "" {
		a.out = createSeries(seriesName, opts.format, a.Layout.Labels(), opts.perChannel)
	}
	rows := hopRows{emit: func(t float64, l *dsp.Levels) {
		a.maxima.Add(t, l)
		if a.series != nil {
			a.series.add(t, *l)
		}
		if a.out != nil {
			a.out.row(t, l)
		}
	}}
	buf := make([]float32, (f.SampleRate/10+1)*f.Channels)
	err := tseries.Run(src, m, f.SampleRate, f.Channels, buf, func(t float64, l *dsp.Levels) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		rows.add(t, l)
		return nil
	})
	if err == nil {
		rows.end(m, f.Channels)
	}
	if a.out != nil {
		a.out.close(err == nil)
	}
	return err
}

// hopRows hands each hop's levels on to emit, holding the last one back until the next comes, so that the true
// peak End measures past the last sample joins the last row, as it joins the report's true peak: the series and
// its maxima then agree with the report.
type hopRows struct {
	emit    func(t float64, l *dsp.Levels)
	pending dsp.Levels
	t       float64
	held    bool
}

func (h *hopRows) add(t float64, l *dsp.Levels) {
	if h.held {
		h.emit(h.t, &h.pending)
	}
	h.pending, h.t, h.held = *l, t, true
}

// end ends the input (m.End: the file ends in silence, and the true peak of its last samples is measured) and
// emits the last row with it.
func (h *hopRows) end(m *dsp.Meter, channels int) {
	m.End()
	tail := m.Interval()
	h.flush(&tail, channels)
}

// flush emits the row held back, with the true peak of tail joined to it when tail is not nil.
func (h *hopRows) flush(tail *dsp.Levels, channels int) {
	if !h.held {
		return
	}
	if tail != nil {
		p := &h.pending
		p.Overall.TruePeak = max(p.Overall.TruePeak, tail.Overall.TruePeak)
		for c := range channels {
			p.Channel[c].TruePeak = max(p.Channel[c].TruePeak, tail.Channel[c].TruePeak)
		}
	}
	h.emit(h.t, &h.pending)
	h.held = false
}
