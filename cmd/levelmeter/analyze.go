package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/levelmeter/levelmeter/alarm"
	"github.com/levelmeter/levelmeter/audio/decode"
	"github.com/levelmeter/levelmeter/config"
	"github.com/levelmeter/levelmeter/dsp"
	"github.com/levelmeter/levelmeter/internal/batch"
	tseries "github.com/levelmeter/levelmeter/internal/series"
)

func init() {
	register(command{name: "analyze", summary: "measure audio files and print a report", run: runAnalyze})
}

// exitTruncated is analyze's status when --strict refused a file cut short.
const exitTruncated = 3

// exitInterrupted is analyze's status when Ctrl-C (SIGINT) or SIGTERM stopped it, as a shell reports SIGINT.
const exitInterrupted = 130

const analyzeHelp = `Measures each file from start to end (sample peak, true peak, RMS, DC offset, crest factor, clipped samples,
EBU R 128 loudness and loudness range, stereo correlation) and prints a report per file. The files are read in
fixed-size blocks: memory does not depend on their length. Flags may come before, between or after the files.

FILE may be WAV (RF64/BW64 too), FLAC, MP3, Ogg Vorbis or AIFF, read natively, or any other format ffmpeg reads
(Opus, CAF, M4A, ...) when ffmpeg is installed; the format is told by the file's first bytes, not its name. A
directory stands for the audio files under it, recursively, by name in a stable order. "-" reads standard input
(a WAV with sizes never written, as ffmpeg -f wav - writes it, or any other format read natively); named pipes
and /dev/stdin work too: nothing needs to seek.

Up to --jobs files are measured at once, each on its own core; the reports come in the order of the files all the
same, each as soon as its turn comes (a pipe sees the first while later ones are measured). With more jobs than
files, a WAV file of 10 minutes or more is cut into parts measured at once (one file on 2 cores takes little more
than half the time) and the parts are merged: the report is the one a single pass gives (the JSON's sums to
the last few bits). --no-split measures every file in one pass.

--series OUT.csv|OUT.jsonl writes the levels of every 100 ms for plotting elsewhere, and the report then says when
each maximum was reached. --album adds, after the reports, one integrated loudness and loudness range over all the
files together. A progress bar is drawn on stderr when it is a terminal and the reports go to a file or a pipe.

Each channel's position comes from the file's channel mask (WAVE_FORMAT_EXTENSIBLE), or, without one, from
ffmpeg's default layout for the channel count; it sets the channel's label and its loudness weight (LFE 0,
surrounds 1.41, others 1.0, as ITU-R BS.1770 says). --layout and --weights override them for files whose order
only you know.

A file whose header is wrong in a way a writer leaves it (a data size never written, a size that wrapped past
4 GiB, a file cut short) is measured as far as it goes, with one "FILE: warning: ..." line on stderr per problem
and a note in the report. A file that cannot be read gets one line on stderr, "levelmeter analyze: FILE: reason",
and the other files are still measured.

Exit status: 0 when every file was measured; 1 when one could not be; 2 for a usage error; 3 with --strict when
a file was cut short (3 takes precedence over 1); 130 when Ctrl-C stopped it.`

// analyzeOptions are what the flags ask of every file.
type analyzeOptions struct {
	layout     dsp.Layout     // nil: each file's own (its mask, or the default for its channel count)
	weights    []float64      // nil: the layout's
	profile    *alarm.Profile // nil: no verdict
	strict     bool           // refuse a file cut short
	withSeries bool           // keep per-100 ms values for a plot
	format     tseries.Format // of the --series files
	perChannel bool           // --series-channels
	album      bool           // keep each file's meter for the album
	parts      int            // how many parts a long WAV file may be measured in at once (analyze_split.go)
}

func runAnalyze(args []string, stdout, stderr io.Writer) int {
	c := newCLI("analyze", "[--json] [--layout LAYOUT] [--weights LIST] [--profile NAME [--config FILE]] [--strict] [--plot OUT.png] [--series OUT.csv] [--album] [-j N] [--no-split] FILE|DIR|-...", analyzeHelp)
	asJSON := c.fs.Bool("json", false, "print one JSON object per file per line instead of the report, with every "+
		"value at the precision the meter computed it; a level of digital silence is null, and so is the "+
		"correlation of a mono file or a silent channel")
	layoutFlag := c.fs.String("layout", "", "the channels' positions, for every file: a name (stereo, 2.1, quad, "+
		"5.1, 5.1(side), 6.0, 7.1, 7.1.4, 9.1.6, ...), a WAV channel mask such as 0x63F, or the channels in order "+
		"such as L,R,C,LFE,Ls,Rs (ffmpeg's FL,FR,FC,... too); default: each file's channel mask, or ffmpeg's "+
		"layout for its channel count")
	weightsFlag := c.fs.String("weights", "", "the channels' loudness weights in order, such as 1,1,1,0,1.41,1.41 "+
		"(0 leaves a channel out); default: the layout's")
	profileFlag := c.fs.String("profile", "", "judge each file against a loudness target: PASS or FAIL per criterion "+
		"and the gain that meets the target without exceeding the true-peak ceiling ("+
		strings.Join(alarm.ProfileNames(), ", ")+", or a custom one of --config)")
	configPath := c.fs.String("config", "config.yaml", "the configuration file whose custom profiles (profiles:) "+
		"--profile may name, as run reads it; without --config, config.yaml is read when it is there and --profile "+
		"is not a named profile. Only profiles: is used: the file's alarms.profile does not judge files")
	strict := c.fs.Bool("strict", false, "refuse a file cut short (its data chunk claims more than the file holds) "+
		"instead of measuring what it holds, and exit with status 3")
	plotOut := c.fs.String("plot", "", "draw momentary and short-term loudness and the peak level over time, per "+
		"100 ms. With one file the plot is OUT.png; with several, OUT-NAME.png where NAME is each file's base name "+
		"without its extension (OUT-NAME-N.png, N the file's position, when two names are the same)")
	seriesOut := c.fs.String("series", "", "write momentary and short-term loudness, sample and true peak per 100 ms "+
		"to OUT.csv or OUT.jsonl (the format by the name), and name in the report when the maxima were reached. "+
		"With several files, OUT-NAME.csv for each, named as --plot names its files")
	seriesChannels := c.fs.Bool("series-channels", false, "add each channel's sample and true peak to the --series rows")
	albumFlag := c.fs.Bool("album", false, "also measure all the files together, as one programme in the order given: "+
		"one integrated loudness and loudness range over all of them (as ReplayGain's album gain), printed "+
		"after the reports (with --json, as a last line {\"album\": {...}})")
	c.arg("plot", "OUT.png")
	c.arg("series", "OUT.csv")
	c.arg("layout", "LAYOUT")
	c.arg("weights", "LIST")
	c.arg("profile", "NAME")
	c.arg("config", "FILE")
	c.defaults["config"] = "config.yaml, if it is there"
	jobs := c.fs.Int("jobs", runtime.NumCPU(), "measure up to N files at once; the reports still come in the "+
		"order of the files")
	c.fs.IntVar(jobs, "j", runtime.NumCPU(), "the same as --jobs")
	noSplit := c.fs.Bool("no-split", false, "measure each file in one pass, even with more jobs than files (by "+
		"default a WAV file of 10 minutes or more is then cut into parts measured at once, with the same report "+
		"and series; not with --plot)")
	c.arg("jobs", "N")
	c.arg("j", "N")
	c.defaults["jobs"] = "the number of CPUs"
	c.defaults["j"] = "the number of CPUs"
	c.order = []string{"json", "layout", "weights", "profile", "config", "strict", "plot", "series", "series-channels", "album", "jobs", "j", "no-split"}
	var files []string
	// Flags may come before, between or after the files, as users type them.
	for {
		if code, ok := c.parse(args, true, stdout, stderr); !ok {
			return code
		}
		args = c.fs.Args()
		if len(args) == 0 {
			break
		}
		files = append(files, args[0])
		args = args[1:]
	}
	if len(files) == 0 {
		return c.usageError(stderr, "no files given")
	}
	if n := countOf(files, "-"); n > 1 {
		return c.usageError(stderr, "standard input (-) is given %d times; it can be read once", n)
	}
	if *jobs < 1 {
		return c.usageError(stderr, "--jobs %d: give at least 1 (the number of files measured at once)", *jobs)
	}
	// A directory stands for the audio files under it, recursively, in a stable order.
	given := files
	files, expandErrs := batch.Expand(given, decode.HasAudioExtension)
	if len(files) == 0 && len(expandErrs) == 0 {
		fmt.Fprintf(stderr, "levelmeter analyze: %s: holds no audio files (they are picked by name: .wav, .flac, "+
			".mp3, ...)\n", strings.Join(given, " "))
		return exitFailed
	}
	if *plotOut != "" && !strings.HasSuffix(strings.ToLower(*plotOut), ".png") {
		return c.usageError(stderr, "--plot %s: the plot is a PNG file; give a name ending in .png", *plotOut)
	}
	var opts analyzeOptions
	if *seriesOut != "" {
		f, err := tseries.FormatFor(*seriesOut)
		if err != nil {
			return c.usageError(stderr, "--series %s: give a name ending in .csv or .jsonl (the format is chosen by it)", *seriesOut)
		}
		opts.format = f
	} else if *seriesChannels {
		return c.usageError(stderr, "--series-channels adds columns to --series: give --series OUT.csv too")
	}
	opts.perChannel = *seriesChannels
	opts.album = *albumFlag
	if *layoutFlag != "" {
		l, err := dsp.ParseLayout(*layoutFlag)
		if err != nil {
			return c.usageError(stderr, "--layout %s: %s", *layoutFlag, strings.TrimPrefix(err.Error(), dsp.ErrLayout.Error()+": "))
		}
		opts.layout = l
	}
	if *weightsFlag != "" {
		w, err := dsp.ParseWeights(*weightsFlag)
		if err != nil {
			return c.usageError(stderr, "--weights %s: %s", *weightsFlag, strings.TrimPrefix(err.Error(), dsp.ErrWeights.Error()+": "))
		}
		if opts.layout != nil && len(w) != len(opts.layout) {
			return c.usageError(stderr, "--weights %s: %d weights for the %d channels of --layout %s", *weightsFlag,
				len(w), len(opts.layout), *layoutFlag)
		}
		opts.weights = w
	}
	configSet := isSet(c.fs, "config")
	// A named profile needs no file, and a custom one cannot take its name: config.yaml, unless given, is read
	// only for a name that is not a named profile, so that a broken one cannot stop --profile ebu-r128.
	cfg := config.Default()
	if _, err := alarm.LookupProfile(*profileFlag); configSet || (*profileFlag != "" && err != nil) {
		if cfg, err = analyzeConfig(*configPath, configSet); err != nil {
			return c.fail(stderr, exitUsage, err)
		}
	}
	if *profileFlag != "" {
		p, err := cfg.LookupProfile(*profileFlag)
		if err != nil {
			return c.usageError(stderr, "--profile %s: unknown profile%s", *profileFlag, cfg.ProfileHint(*profileFlag))
		}
		opts.profile = &p
	}
	opts.strict = *strict
	opts.parts = 1
	if !*noSplit {
		opts.parts = max(1, *jobs/max(1, len(files)))
	}
	plots := plotNames(*plotOut, files)
	opts.withSeries = plots != nil
	seriesFiles := seriesNames(*seriesOut, files)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	status := exitOK
	for _, err := range expandErrs {
		fmt.Fprintf(stderr, "levelmeter analyze: %v\n", err)
		status = exitFailed
	}
	bar, stderr := analyzeBar(stdout, stderr, len(files))
	defer bar.Finish()
	var album *albumSum
	if opts.album {
		album = newAlbumSum()
		album.notMeasured = len(expandErrs)
	}
	done := make(chan error, 1)
	go func() {
		inputs := make([]int, len(files)) // positions, which name each file's series
		for i := range inputs {
			inputs[i] = i
		}
		done <- batch.Run(ctx, inputs, *jobs, func(ctx context.Context, i int) (fileResult, error) {
			bar.Start(files[i])
			defer bar.Done(1)
			return measureFile(ctx, files[i], opts, pick(seriesFiles, i)), nil
		}, func(r batch.Result[int, fileResult]) error {
			if err := ctx.Err(); err != nil {
				return err // a file stopped part way is not reported
			}
			status = max(status, r.Value.write(stdout, stderr, *asJSON, plotName(plots, r.Index), r.Index == len(files)-1))
			if album != nil {
				album.add(r.Value)
				album.lastShown = r.Value.a != nil && r.Index == len(files)-1
			}
			return nil
		})
	}()
	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
		// Every file being measured stops at its next block; a read blocked on a pipe that sends nothing (standard
		// input left open) cannot be stopped, and is left behind when it has not returned within a second.
		select {
		case err = <-done:
		case <-time.After(interruptGrace):
			err = ctx.Err()
		}
	}
	bar.Finish()
	if err != nil {
		fmt.Fprintf(stderr, "levelmeter analyze: interrupted: the files not reported were not measured\n")
		return exitInterrupted
	}
	if album != nil {
		if err := album.write(stdout, *asJSON); err != nil {
			fmt.Fprintf(stderr, "levelmeter analyze: album: %v\n", err)
			status = exitFailed
		}
	}
	return status
}

// interruptGrace is how long analyze waits, after Ctrl-C, for the files being measured to stop.
const interruptGrace = time.Second

// analyzeConfig returns the configuration whose profiles --profile may name: the file at path as `levelmeter run`
// reads it, or, when path was not given and is not there, none (the defaults: the named profiles only). Only the
// custom profiles are checked: the sources are the daemon's, not analyze's, and need not exist here.
func analyzeConfig(path string, given bool) (*config.Config, error) {
	if _, err := os.Stat(path); !given && errors.Is(err, os.ErrNotExist) {
		return config.Default(), nil
	}
	cfg, err := config.Read(path)
	if err != nil {
		return nil, err
	}
	if err := cfg.ValidateProfiles(); err != nil {
		return nil, err
	}
	return cfg, nil
}

func countOf(list []string, s string) (n int) {
	for _, x := range list {
		if x == s {
			n++
		}
	}
	return n
}

func plotName(plots []string, i int) string { return pick(plots, i) }

// pick is names[i], or "" when there are no names.
func pick(names []string, i int) string {
	if names == nil {
		return ""
	}
	return names[i]
}

// A fileResult is the outcome of one file: an analysis, or the error that stopped it, and the status it earns.
// It is a value: files may be measured in any order (or at once) and their results written in the order given.
type fileResult struct {
	name   string
	a      *analysis
	err    error // said on stderr: the file was not measured
	status int
}

// measureFile opens and measures one file; cancelling ctx stops it between blocks.
func measureFile(ctx context.Context, name string, opts analyzeOptions, seriesName string) fileResult {
	src, format, err := openAudio(name)
	if err != nil {
		return fileResult{name: name, err: withFileRemedy(err), status: exitFailed}
	}
	defer src.Close()
	a, err := analyzeFile(ctx, name, src, format, opts, seriesName)
	if err != nil {
		return fileResult{name: name, err: withFileRemedy(err), status: exitFailed}
	}
	if opts.strict {
		for _, w := range a.Warnings {
			if isTruncated(w) {
				if a.out != nil && a.out.f != nil {
					os.Remove(a.out.name) // a refused file leaves no series, as it leaves no report
				}
				return fileResult{name: name, err: fmt.Errorf("%w; refused (--strict)", w), status: exitTruncated}
			}
		}
	}
	return fileResult{name: name, a: a}
}

// write says the result: its warnings and errors on stderr, its report or JSON on stdout, and its plot. It
// returns the file's status.
func (r fileResult) write(stdout, stderr io.Writer, asJSON bool, plot string, last bool) int {
	if r.err != nil {
		fmt.Fprintf(stderr, "levelmeter analyze: %v\n", r.err)
		return r.status
	}
	a := r.a
	for _, w := range a.Warnings {
		fmt.Fprintf(stderr, "levelmeter analyze: %s: warning: %s\n", r.name, warningText(w))
	}
	if nf := a.Levels.Overall.NonFinite; nf > 0 {
		fmt.Fprintf(stderr, "levelmeter analyze: %s: warning: %d NaN or infinite samples were measured as silence\n", r.name, nf)
	}
	status := r.status
	if asJSON {
		b, err := a.MarshalJSON()
		if err != nil {
			fmt.Fprintf(stderr, "levelmeter analyze: %s: %v\n", r.name, err)
			return exitFailed
		}
		stdout.Write(append(b, '\n'))
	} else {
		a.writeReport(stdout)
	}
	if plot != "" {
		if err := a.series.plot(plot, r.name, a.Levels.Loudness.Integrated); err != nil {
			fmt.Fprintf(stderr, "levelmeter analyze: %s: cannot draw the plot: %v\n", r.name, err)
			status = exitFailed
		} else if !asJSON {
			fmt.Fprintf(stdout, "  plot           %s\n", plot)
		}
	}
	if a.out != nil {
		if err := a.out.error(); err != nil {
			fmt.Fprintf(stderr, "levelmeter analyze: %s: %v\n", r.name, err)
			status = exitFailed
		} else if !asJSON {
			fmt.Fprintf(stdout, "  series         %s\n", a.out.name)
		}
	}
	if !asJSON && !last {
		fmt.Fprintln(stdout)
	}
	return status
}

// An analysis is what analyze measured in one file.
type analysis struct {
	File     string
	Format   fileFormat
	Layout   dsp.Layout
	Weights  []float64
	Warnings []error         // what the reader found wrong with the file and read past
	Levels   dsp.Levels      // everything from the first frame to the last
	Verdict  *alarm.Verdict  // against --profile
	series   *series         // per-100 ms values, when a plot was asked for
	maxima   *tseries.Maxima // when each maximum was reached, when measured in 100 ms hops (--series, --plot)
	out      *seriesOut      // the --series file
	meter    *dsp.Meter      // kept for --album
}

// readBlock is how many frames analyze reads and meters at a time when it does not plot: large enough that the
// per-call costs vanish, small enough to stay in cache.
const readBlock = 8192

// analyzeFile measures src, the opened file name, in fixed-size blocks. With opts.withSeries or a seriesName, it
// measures in 100 ms hops instead, to keep the levels of every 100 ms for the plot, write them to the series file
// and find when the maxima were reached.
func analyzeFile(ctx context.Context, name string, src frameReader, f fileFormat, opts analyzeOptions, seriesName string) (*analysis, error) {
	ch := f.Channels
	layout := opts.layout
	switch {
	case layout == nil:
		layout = dsp.LayoutFromMask(f.ChannelMask, ch)
	case len(layout) != ch:
		return nil, fmt.Errorf("%s: has %d channels, but --layout %v gives %d; give a layout of %d channels", name, ch,
			layout, len(layout), ch)
	}
	if opts.weights != nil && len(opts.weights) != ch {
		return nil, fmt.Errorf("%s: has %d channels, but --weights gives %d weights; give one per channel", name, ch,
			len(opts.weights))
	}
	cfg := dsp.Config{SampleRate: f.SampleRate, Channels: ch, Layout: layout, Weights: opts.weights, ClipLevel: f.ClipLevel}
	m, err := dsp.NewMeter(cfg)
	if err != nil {
		return nil, analyzeErr{file: name, format: f, err: err}
	}
	a := &analysis{File: name, Format: f, Layout: m.Layout(), Weights: m.Weights()}
	if frames, cuts := splitPlan(src, f, opts); cuts != nil {
		if m, err = a.measureSplit(ctx, name, cfg, frames, cuts, opts, seriesName); err != nil {
			return nil, err
		}
	} else if opts.withSeries || seriesName != "" {
		if err := a.measureHops(ctx, src, m, opts, seriesName); err != nil {
			return nil, err
		}
	} else {
		buf := make([]float32, readBlock*ch)
		if err := meterStretches(ctx, src, m, f, buf, 0, -1); err != nil {
			return nil, err
		}
		m.End() // the file ends in silence: measure the true peak of its last samples
	}
	a.Levels = m.Levels()
	a.Warnings = src.Warnings() // after the end: a stream adds what it finds there
	if opts.album {
		a.meter = m
	}
	if opts.profile != nil {
		v := opts.profile.Check(alarm.MeasuredFrom(&a.Levels))
		a.Verdict = &v
	}
	return a, nil
}

func (a *analysis) duration() float64 {
	if a.Format.SampleRate == 0 {
		return 0
	}
	return float64(a.Levels.Frames) / float64(a.Format.SampleRate)
}

// lra reports the loudness range, which is undefined (NaN) when there is nothing it could be measured on.
func (a *analysis) lra() float64 {
	l := a.Levels.Loudness
	if a.Levels.Notes().Range != "" || !(l.Integrated > l.Integrated-1) {
		return nanValue
	}
	return l.Range
}
