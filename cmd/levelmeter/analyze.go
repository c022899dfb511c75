package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/levelmeter/levelmeter/audio/wavfile"
	"github.com/levelmeter/levelmeter/dsp"
)

func init() {
	register(command{name: "analyze", summary: "measure WAV files and print a report", run: runAnalyze})
}

const analyzeUsage = `usage: levelmeter analyze [--json] [--plot OUT.png] FILE.wav...

Measures each file from start to end (sample peak, true peak, RMS, DC offset, crest factor, clipped samples,
EBU R 128 loudness and loudness range, stereo correlation) and prints a report per file. The files are read in
fixed-size blocks: memory does not depend on their length.

  --json          print one JSON object per file per line instead of the report; a level of digital silence
                  is null, and so is the correlation of a mono file or a silent channel
  --plot OUT.png  draw momentary and short-term loudness and the peak level over time, per 100 ms. With one
                  file the plot is OUT.png; with several, OUT-NAME.png where NAME is each file's base name
                  without its extension (OUT-NAME-N.png, N the file's position, when two names are the same)

A file that cannot be read gets one line on stderr, "levelmeter: FILE: reason", and the other files are still
measured. Exit status: 0 when every file was measured, 1 when one could not be, 2 for a usage error.
`

func runAnalyze(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("analyze", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	asJSON := fs.Bool("json", false, "")
	plotOut := fs.String("plot", "", "")
	var files []string
	// Flags may come before, between or after the files, as users type them.
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fmt.Fprint(stdout, analyzeUsage)
				return 0
			}
			fmt.Fprintf(stderr, "levelmeter analyze: %v\n%s", err, analyzeUsage)
			return 2
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		files = append(files, args[0])
		args = args[1:]
	}
	if len(files) == 0 {
		fmt.Fprintf(stderr, "levelmeter analyze: no files given\n%s", analyzeUsage)
		return 2
	}
	if *plotOut != "" && !strings.HasSuffix(strings.ToLower(*plotOut), ".png") {
		fmt.Fprintf(stderr, "levelmeter analyze: --plot %s: the plot is a PNG file; give a name ending in .png\n", *plotOut)
		return 2
	}
	plots := plotNames(*plotOut, files)

	status := 0
	for i, name := range files {
		a, err := analyzeFile(name, plots != nil)
		if err != nil {
			fmt.Fprintf(stderr, "levelmeter: %v\n", err)
			status = 1
			continue
		}
		if nf := a.Levels.Overall.NonFinite; nf > 0 {
			fmt.Fprintf(stderr, "levelmeter: %s: warning: %d NaN or infinite samples were measured as silence\n", name, nf)
		}
		if *asJSON {
			b, err := a.MarshalJSON()
			if err != nil {
				fmt.Fprintf(stderr, "levelmeter: %s: %v\n", name, err)
				status = 1
				continue
			}
			stdout.Write(append(b, '\n'))
		} else {
			a.writeReport(stdout)
		}
		if plots != nil {
			if err := a.series.plot(plots[i], name, a.Levels.Loudness.Integrated); err != nil {
				fmt.Fprintf(stderr, "levelmeter: %s: cannot draw the plot: %v\n", name, err)
				status = 1
				continue
			}
			if !*asJSON {
				fmt.Fprintf(stdout, "  plot           %s\n", plots[i])
			}
		}
		if !*asJSON && i < len(files)-1 {
			fmt.Fprintln(stdout)
		}
	}
	return status
}

// An analysis is what analyze measured in one file.
type analysis struct {
	File   string
	Info   wavfile.Info
	Levels dsp.Levels // everything from the first frame to the last
	series *series    // per-100 ms values, when a plot was asked for
}

// readBlock is how many frames analyze reads and meters at a time when it does not plot: large enough that the
// per-call costs vanish, small enough to stay in cache.
const readBlock = 8192

// analyzeFile measures the named file in fixed-size blocks. With withSeries, it also keeps the levels of every
// 100 ms for the plot.
func analyzeFile(name string, withSeries bool) (*analysis, error) {
	r, err := wavfile.Open(name)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	info := r.Info()
	cfg := dsp.Config{SampleRate: info.SampleRate, Channels: info.Channels}
	if info.Encoding == wavfile.PCM {
		// The positive integer extreme is one step short of 1.0 and is a clipped sample too.
		full := math.Ldexp(1, info.BitsPerSample-1)
		cfg.ClipLevel = float64(float32((full - 1) / full))
	}
	m, err := dsp.NewMeter(cfg)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	a := &analysis{File: name, Info: info}
	ch := info.Channels
	var buf []float32
	if withSeries {
		a.series = newSeries()
		buf = make([]float32, (info.SampleRate/10+1)*ch)
	} else {
		buf = make([]float32, readBlock*ch)
	}
	var pos int64    // frames metered
	next := int64(0) // the next 100 ms boundary, when plotting
	tick := int64(0)
	if withSeries {
		tick, next = 1, hopEnd(1, info.SampleRate)
	}
	for {
		want := len(buf)
		if withSeries {
			want = int(next-pos) * ch
		}
		n, err := r.Read(buf[:want])
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		m.Process(buf[:n])
		pos += int64(n / ch)
		if withSeries && pos == next {
			a.series.add(float64(pos)/float64(info.SampleRate), m.Interval())
			tick++
			next = hopEnd(tick, info.SampleRate)
		}
	}
	m.End() // the file ends in silence: measure the true peak of its last samples
	if withSeries && pos > hopEnd(tick-1, info.SampleRate) {
		a.series.add(float64(pos)/float64(info.SampleRate), m.Interval()) // the last, partial 100 ms
	}
	a.Levels = m.Levels()
	return a, nil
}

// hopEnd is the frame at which the k-th 100 ms hop ends, exact for any rate.
func hopEnd(k int64, rate int) int64 { return k * int64(rate) / 10 }

func (a *analysis) duration() float64 {
	if a.Info.SampleRate == 0 {
		return 0
	}
	return float64(a.Levels.Frames) / float64(a.Info.SampleRate)
}

// lra reports the loudness range, which is undefined (NaN) when nothing passed the gates.
func (a *analysis) lra() float64 {
	l := a.Levels.Loudness
	if math.IsInf(l.Integrated, -1) || math.IsNaN(l.Integrated) {
		return math.NaN()
	}
	return l.Range
}

// num is a number in the JSON report: rounded to a fixed number of decimals, null when it is not finite
// (JSON has no -Inf: digital silence is null, never -120 or -200).
type num struct {
	v        float64
	decimals int
}

func (n num) MarshalJSON() ([]byte, error) {
	if math.IsNaN(n.v) || math.IsInf(n.v, 0) {
		return []byte("null"), nil
	}
	p := math.Pow10(n.decimals)
	v := math.Round(n.v*p) / p
	if v == 0 {
		v = 0 // no "-0"
	}
	return strconv.AppendFloat(nil, v, 'f', -1, 64), nil
}

func db(v float64) num { return num{v, 2} }

type jsonStats struct {
	SamplePeak  num   `json:"sample_peak_dbfs"`
	RMS         num   `json:"rms_dbfs"`
	DCOffset    num   `json:"dc_offset"`
	CrestFactor num   `json:"crest_factor_db"`
	Clipped     int64 `json:"clipped_samples"`
	TruePeak    num   `json:"true_peak_dbtp"`
}

type jsonLoudness struct {
	Integrated   num `json:"integrated_lufs"`
	Range        num `json:"lra_lu"`
	MomentaryMax num `json:"momentary_max_lufs"`
	ShortTermMax num `json:"shortterm_max_lufs"`
}

type jsonReport struct {
	File        string       `json:"file"`
	SampleRate  int          `json:"sample_rate"`
	Channels    int          `json:"channels"`
	Frames      int64        `json:"frames"`
	Duration    num          `json:"duration_s"`
	Overall     jsonStats    `json:"overall"`
	PerChannel  []jsonStats  `json:"per_channel"`
	Loudness    jsonLoudness `json:"loudness"`
	Correlation num          `json:"stereo_correlation"`
}

func statsJSON(s dsp.Stats) jsonStats {
	return jsonStats{SamplePeak: db(s.SamplePeak), RMS: db(s.RMS), DCOffset: num{s.DCOffset, 7},
		CrestFactor: db(s.CrestFactor), Clipped: s.Clipped, TruePeak: db(s.TruePeak)}
}

// MarshalJSON writes the report in the documented contract, on one line.
func (a *analysis) MarshalJSON() ([]byte, error) {
	l := a.Levels
	rep := jsonReport{
		File: a.File, SampleRate: a.Info.SampleRate, Channels: a.Info.Channels, Frames: l.Frames,
		Duration: num{a.duration(), 3}, Overall: statsJSON(l.Overall), PerChannel: make([]jsonStats, a.Info.Channels),
		Loudness: jsonLoudness{Integrated: db(l.Loudness.Integrated), Range: db(a.lra()),
			MomentaryMax: db(l.Loudness.MomentaryMax), ShortTermMax: db(l.Loudness.ShortTermMax)},
		Correlation: num{l.Correlation, 3},
	}
	for c := range rep.PerChannel {
		rep.PerChannel[c] = statsJSON(l.Channel[c])
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // file names as they are
	if err := enc.Encode(rep); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// Human-readable report.

// channelNames labels the channels of the usual layouts (WAVE_FORMAT_EXTENSIBLE's default order).
func channelNames(n int) []string {
	switch n {
	case 1:
		return []string{"mono"}
	case 2:
		return []string{"left", "right"}
	case 6:
		return []string{"L", "R", "C", "LFE", "Ls", "Rs"}
	}
	out := make([]string, n)
	for i := range out {
		out[i] = "ch " + strconv.Itoa(i+1)
	}
	return out
}

func fmtDB(v float64, unit string) string {
	switch {
	case math.IsInf(v, -1):
		return "-inf " + unit
	case math.IsNaN(v):
		return "n/a"
	}
	return fmt.Sprintf("%.2f %s", v, unit)
}

func (a *analysis) writeReport(w io.Writer) {
	l := a.Levels
	fmt.Fprintf(w, "%s\n", a.File)
	fmt.Fprintf(w, "  format         %v\n", a.Info)
	fmt.Fprintf(w, "  duration       %.3f s (%d frames)\n", a.duration(), l.Frames)
	names := channelNames(a.Info.Channels)
	cols := []dsp.Stats{l.Overall}
	head := []string{"overall"}
	if a.Info.Channels > 1 {
		for c := range a.Info.Channels {
			cols = append(cols, l.Channel[c])
			head = append(head, names[c])
		}
	}
	row := func(label string, f func(dsp.Stats) string) {
		fmt.Fprintf(w, "  %-14s", label)
		for _, s := range cols {
			fmt.Fprintf(w, " %13s", f(s))
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "  %-14s", "")
	for _, h := range head {
		fmt.Fprintf(w, " %13s", h)
	}
	fmt.Fprintln(w)
	row("sample peak", func(s dsp.Stats) string { return fmtDB(s.SamplePeak, "dBFS") })
	row("true peak", func(s dsp.Stats) string { return fmtDB(s.TruePeak, "dBTP") })
	row("RMS", func(s dsp.Stats) string { return fmtDB(s.RMS, "dBFS") })
	row("DC offset", func(s dsp.Stats) string {
		if math.IsNaN(s.DCOffset) {
			return "n/a"
		}
		return fmt.Sprintf("%+.6f", s.DCOffset)
	})
	row("crest factor", func(s dsp.Stats) string { return fmtDB(s.CrestFactor, "dB") })
	row("clipped", func(s dsp.Stats) string { return strconv.FormatInt(s.Clipped, 10) })
	if l.Overall.NonFinite > 0 {
		row("NaN/Inf", func(s dsp.Stats) string { return strconv.FormatInt(s.NonFinite, 10) })
	}
	ld := l.Loudness
	fmt.Fprintf(w, "  integrated     %s\n", fmtLU(ld.Integrated, "LUFS"))
	fmt.Fprintf(w, "  loudness range %s\n", fmtLU(a.lra(), "LU"))
	fmt.Fprintf(w, "  momentary max  %s\n", fmtLU(ld.MomentaryMax, "LUFS"))
	fmt.Fprintf(w, "  short-term max %s\n", fmtLU(ld.ShortTermMax, "LUFS"))
	if a.Info.Channels == 2 {
		c := "n/a (a channel is silent)"
		if !math.IsNaN(l.Correlation) {
			c = fmt.Sprintf("%+.3f", l.Correlation)
		}
		fmt.Fprintf(w, "  correlation    %s\n", c)
	}
}

func fmtLU(v float64, unit string) string {
	switch {
	case math.IsInf(v, -1):
		return "-inf " + unit + " (nothing above the -70 LUFS gate)"
	case math.IsNaN(v):
		return "n/a (nothing above the -70 LUFS gate)"
	}
	return fmt.Sprintf("%.1f %s", v, unit)
}
