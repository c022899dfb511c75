package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/rs/zerolog"

	"github.com/levelmeter/levelmeter/audio"
	"github.com/levelmeter/levelmeter/audio/wavfile"
	"github.com/levelmeter/levelmeter/config"
	"github.com/levelmeter/levelmeter/dsp"
	"github.com/levelmeter/levelmeter/logreport"
	"github.com/levelmeter/levelmeter/metrics"
	"github.com/levelmeter/levelmeter/pipeline"
	"github.com/levelmeter/levelmeter/web"
)

func init() {
	register(command{name: "run", summary: "meter the configured sources until SIGINT or SIGTERM", run: runRun})
	// Log times to the millisecond, durations in milliseconds (zerolog's settings are global).
	zerolog.TimeFieldFormat = "2006-01-02T15:04:05.000Z07:00"
	zerolog.DurationFieldUnit = time.Millisecond
}

// Exit statuses of `levelmeter run`.
const (
	exitOK     = 0
	exitFailed = 1   // a source or the HTTP server could not start, or a source failed before delivering audio
	exitUsage  = 2   // bad flags or configuration
	exitForced = 130 // a second signal cut the shutdown short
)

// sameSignalWindow is how soon after the first signal another one counts as the same request to stop. GNU
// timeout, and shells and supervisors that signal a whole process group, send SIGTERM to the daemon and then
// again to its group at once: without the window that second copy would cut the summaries short. A person who
// means to force the exit presses Ctrl-C again well after this.
const sameSignalWindow = 250 * time.Millisecond

// openSources is openInputs; tests replace it to hold the start-up.
var openSources = openInputs

// forceExit ends the process when a second signal arrives during the shutdown; tests replace it.
var forceExit = os.Exit

func runRun(args []string, stdout, stderr io.Writer) int {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	return daemon(args, stdout, stderr, sigs)
}

// runFlags are the flags of `levelmeter run`. A flag that is given overrides the configuration file.
type runFlags struct {
	fs         *flag.FlagSet
	configPath string
	sources    []string // --source wav:FILE | device:NAME, and --device NAME
	duration   time.Duration

	pace            string
	loop            bool
	sampleRate      int
	channels        int
	framesPerBuffer int
	inputLatency    time.Duration
	realtime        bool
	ringCapacity    int
	reportInterval  time.Duration
	peakHold        time.Duration
	peakDecay       float64
	logLevel        string
	logFormat       string
	logInterval     time.Duration
	listen          string
}

func parseRunFlags(args []string, stderr io.Writer) (*runFlags, error) {
	f := &runFlags{fs: flag.NewFlagSet("run", flag.ContinueOnError)}
	fs := f.fs
	fs.SetOutput(io.Discard) // the error is printed once, by the caller
	fs.StringVar(&f.configPath, "config", "config.yaml", "the configuration `file`")
	fs.Func("source", "meter `wav:FILE` (a WAV file) or device:NAME instead of the configured sources, "+
		"optionally labelled LABEL=wav:FILE; repeatable", func(s string) error {
		if _, _, err := parseSourceFlag(s); err != nil {
			return err
		}
		f.sources = append(f.sources, s)
		return nil
	})
	fs.Func("device", "meter the input device `NAME` (\"default\", an index from `levelmeter devices`, or a name) instead of the configured sources; repeatable", func(s string) error {
		if s == "" {
			return errors.New("empty device name")
		}
		f.sources = append(f.sources, "device:"+s)
		return nil
	})
	fs.DurationVar(&f.duration, "duration", 0, "stop after this `long` as if signalled (0: run until SIGINT or SIGTERM)")
	fs.StringVar(&f.pace, "pace", "", "replay WAV sources in `realtime` or fast")
	fs.BoolVar(&f.loop, "loop", false, "replay WAV sources in a loop (--loop=false: once)")
	fs.IntVar(&f.sampleRate, "sample-rate", 0, "devices' sample rate, `Hz`")
	fs.IntVar(&f.channels, "channels", 0, "devices' channel `count`, 1 to 8")
	fs.IntVar(&f.framesPerBuffer, "frames-per-buffer", 0, "every source's block size, `frames`")
	fs.DurationVar(&f.inputLatency, "input-latency", 0, "devices' input `latency`")
	fs.BoolVar(&f.realtime, "realtime", true, "ask real-time scheduling for devices' audio threads (--realtime=false: normal priority)")
	fs.IntVar(&f.ringCapacity, "ring-capacity", 0, "every source's ring capacity, `frames` (a power of two)")
	fs.DurationVar(&f.reportInterval, "report-interval", 0, "how often levels are reported (`duration`)")
	fs.DurationVar(&f.peakHold, "peak-hold", 0, "peak-hold time (`duration`)")
	fs.Float64Var(&f.peakDecay, "peak-decay", 0, "peak fall-back rate, `dB/s`")
	fs.StringVar(&f.logLevel, "log-level", "", "trace, debug, info, warn or error")
	fs.StringVar(&f.logFormat, "log-format", "", "json, console or auto")
	fs.DurationVar(&f.logInterval, "log-interval", 0, "how often a level line is logged per source (`duration`)")
	fs.StringVar(&f.listen, "listen", "", "HTTP listen address, `host:port` (\"\" disables the server)")
	usage := func() {
		fmt.Fprintln(stderr, "usage: levelmeter run [--config FILE] [--source wav:FILE | --device NAME]... [flags]")
		fmt.Fprintln(stderr)
		fmt.Fprintln(stderr, "Meters the configured sources and logs their levels until SIGINT or SIGTERM, then logs a summary per")
		fmt.Fprintln(stderr, "source and exits 0. A second signal exits at once (status 130); one within 250 ms of the first is taken")
		fmt.Fprintln(stderr, "for a copy of it (timeout(1) signals the process and then its group). Flags override the configuration")
		fmt.Fprintln(stderr, "file; --source and --device replace its sources. Without --config, config.yaml is read if it is there.")
		fmt.Fprintln(stderr)
		fs.SetOutput(stderr)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	fs.Usage = func() {} // a bad flag gets one line, not the whole usage
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			usage()
		}
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q (a WAV file is given as --source wav:%s)", fs.Arg(0), fs.Arg(0))
	}
	return f, nil
}

// parseSourceFlag reads a --source value: [LABEL=]wav:FILE or [LABEL=]device:NAME.
func parseSourceFlag(s string) (config.Source, string, error) {
	var src config.Source
	spec := s
	if label, rest, ok := strings.Cut(s, "="); ok && !strings.Contains(label, ":") {
		if label == "" {
			return src, "", fmt.Errorf("%q has an empty label before =", s)
		}
		src.Name, spec = label, rest
	}
	kind, arg, ok := strings.Cut(spec, ":")
	switch {
	case !ok || arg == "" || (kind != "wav" && kind != "device"):
		return src, "", fmt.Errorf("%q is not wav:FILE or device:NAME (optionally LABEL=wav:FILE)", s)
	case kind == "wav":
		src.WAV = arg
	default:
		src.Device = arg
	}
	return src, kind, nil
}

func (f *runFlags) set(name string) bool {
	found := false
	f.fs.Visit(func(fl *flag.Flag) {
		if fl.Name == name {
			found = true
		}
	})
	return found
}

// loadConfig reads the configuration file (if one is given or config.yaml is there) and applies the flags over
// it. The result is validated.
func (f *runFlags) loadConfig() (*config.Config, string, error) {
	path := f.configPath
	_, statErr := os.Stat(path)
	var cfg *config.Config
	if statErr != nil && !f.set("config") && len(f.sources) > 0 {
		cfg, path = config.Default(), "" // meter the flags' sources with the defaults
	} else {
		c, err := config.Read(path)
		if err != nil {
			if !f.set("config") && errors.Is(statErr, os.ErrNotExist) {
				return nil, "", fmt.Errorf("there is no %s here: give the configuration with --config FILE, "+
					"or meter without one with --source wav:FILE or --device default", path)
			}
			return nil, "", err
		}
		cfg = c
	}

	if len(f.sources) > 0 {
		cfg.Sources = nil
		for _, s := range f.sources {
			src, _, _ := parseSourceFlag(s)
			cfg.Sources = append(cfg.Sources, src)
		}
		cfg.SetBy("sources", "--source/--device")
		// The flags' sources take the defaults now; the flags below then override them like the file's, so
		// that a zero given on the command line is reported, not replaced by a default.
		cfg.SetDefaults()
	}
	var wavs, devices int
	for _, s := range cfg.Sources {
		if s.WAV != "" {
			wavs++
		} else {
			devices++
		}
	}
	for _, fl := range []struct {
		names []string
		n     int
		kind  string
	}{{[]string{"pace", "loop"}, wavs, "WAV file"}, {[]string{"sample-rate", "channels", "input-latency", "realtime"}, devices, "device"}} {
		for _, name := range fl.names {
			if f.set(name) && fl.n == 0 {
				return nil, "", fmt.Errorf("--%s applies to %s sources, and none is configured", name, fl.kind)
			}
		}
	}
	for i := range cfg.Sources {
		s := &cfg.Sources[i]
		key := fmt.Sprintf("sources[%d]", i)
		if s.WAV != "" {
			if f.set("pace") {
				s.Pace = f.pace
				cfg.SetBy(key+".pace", "--pace")
			}
			if f.set("loop") {
				s.Loop = f.loop
			}
		} else {
			if f.set("sample-rate") {
				s.SampleRate = f.sampleRate
				cfg.SetBy(key+".sample_rate", "--sample-rate")
			}
			if f.set("channels") {
				s.Channels = f.channels
				cfg.SetBy(key+".channels", "--channels")
			}
			if f.set("input-latency") {
				s.InputLatency = f.inputLatency
				cfg.SetBy(key+".input_latency", "--input-latency")
			}
			if f.set("realtime") {
				on := f.realtime
				s.Realtime = &on
				cfg.SetBy(key+".realtime", "--realtime")
			}
		}
		if f.set("frames-per-buffer") {
			s.FramesPerBuffer = f.framesPerBuffer
			cfg.SetBy(key+".frames_per_buffer", "--frames-per-buffer")
		}
		if f.set("ring-capacity") {
			s.RingCapacity = f.ringCapacity
			cfg.SetBy(key+".ring_capacity", "--ring-capacity")
		}
	}
	if f.set("report-interval") {
		cfg.ReportInterval = f.reportInterval
		cfg.SetBy("report_interval", "--report-interval")
	}
	if f.set("peak-hold") {
		cfg.PeakHold = f.peakHold
		cfg.SetBy("peak_hold", "--peak-hold")
	}
	if f.set("peak-decay") {
		cfg.PeakDecay = f.peakDecay
		cfg.SetBy("peak_decay", "--peak-decay")
	}
	if f.set("log-level") {
		cfg.Log.Level = f.logLevel
		cfg.SetBy("log.level", "--log-level")
	}
	if f.set("log-format") {
		cfg.Log.Format = f.logFormat
		cfg.SetBy("log.format", "--log-format")
	}
	if f.set("log-interval") {
		cfg.Log.Interval = f.logInterval
		cfg.SetBy("log.interval", "--log-interval")
	}
	if f.set("listen") {
		cfg.HTTP.Listen = f.listen
		cfg.SetBy("http.listen", "--listen")
	}
	if err := cfg.Validate(); err != nil {
		return nil, "", err
	}
	return cfg, path, nil
}

// openInputs makes the pipeline's inputs from the configured sources. A device is asked whether it supports the
// configured format, so that a refused rate or a missing device stops the start with an error naming the source.
func openInputs(cfg *config.Config) ([]pipeline.Input, error) {
	var inputs []pipeline.Input
	for i, s := range cfg.Sources {
		key := fmt.Sprintf("sources[%d]", i)
		in := pipeline.Input{Name: s.Name, RingFrames: s.RingCapacity}
		if s.WAV != "" {
			f, err := audio.OpenFile(s.WAV)
			if err != nil {
				return nil, cfg.Errorf(key+".wav", s.WAV, "cannot be replayed: %v", err)
			}
			info := f.Info()
			if s.SampleRate != 0 && s.SampleRate != info.SampleRate {
				return nil, cfg.Errorf(key+".sample_rate", s.SampleRate,
					"does not match the file, which is %d Hz; omit sample_rate to use the file's", info.SampleRate)
			}
			if s.Channels != 0 && s.Channels != info.Channels {
				return nil, cfg.Errorf(key+".channels", s.Channels,
					"does not match the file, which has %d; omit channels to use the file's", info.Channels)
			}
			f.Paced = s.Pace == config.PaceRealtime
			f.Loop = s.Loop
			f.FramesPerBuffer = s.FramesPerBuffer
			in.Source = f
			if info.Encoding == wavfile.PCM {
				// As analyze does: the positive integer extreme is one step short of 1.0 and clips too.
				full := math.Ldexp(1, info.BitsPerSample-1)
				in.ClipLevel = float64(float32((full - 1) / full))
			}
		} else {
			d := &audio.Device{
				Name:            s.Device,
				SampleRate:      s.SampleRate,
				Channels:        s.Channels,
				FramesPerBuffer: s.FramesPerBuffer,
				Latency:         s.InputLatency,
				Realtime:        s.RealtimeOn(),
			}
			if err := d.Check(); err != nil {
				return nil, cfg.Errorf(key+".device", s.Device, "(%d Hz, %d channels) cannot be opened: %v",
					d.Format().SampleRate, d.Format().Channels, err)
			}
			in.Source = d
		}
		// The pipeline restarts a source that delivers nothing for its stall timeout; a source with long blocks
		// gets four blocks' time.
		if f := in.Source.Format(); f.SampleRate > 0 {
			block := time.Duration(s.FramesPerBuffer) * time.Second / time.Duration(f.SampleRate)
			in.StallTimeout = max(pipeline.DefaultStallTimeout, 4*block)
		}
		inputs = append(inputs, in)
	}
	return inputs, nil
}

// extensions are the reporters and HTTP handlers that plug into the daemon besides the log.
type extensions struct {
	reporters []pipeline.Reporter
	mux       *http.ServeMux
	patterns  []string
	closers   []io.Closer
}

// add plugs in a reporter (may be nil) and a handler at pattern (may be nil). Whatever is an io.Closer is
// closed after the last report, before the HTTP server shuts down.
func (e *extensions) add(r pipeline.Reporter, pattern string, h http.Handler) {
	if r != nil {
		e.reporters = append(e.reporters, r)
		if c, ok := r.(io.Closer); ok {
			e.closers = append(e.closers, c)
		}
	}
	if h != nil {
		if e.mux == nil {
			e.mux = http.NewServeMux()
		}
		e.mux.Handle(pattern, h)
		e.patterns = append(e.patterns, pattern)
	}
}

// daemon is `levelmeter run` with the signals it listens to given.
func daemon(args []string, stdout, stderr io.Writer, sigs <-chan os.Signal) int {
	fl, err := parseRunFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "levelmeter run: %v\n", err)
		fmt.Fprintln(stderr, `Run "levelmeter help run" for the flags.`)
		return exitUsage
	}
	cfg, cfgPath, err := fl.loadConfig()
	if err != nil {
		printErr(stderr, err)
		return exitUsage
	}
	log, err := logreport.NewLogger(stdout, cfg.Log.Format, cfg.Log.Level)
	if err != nil {
		printErr(stderr, err)
		return exitUsage
	}
	// Opening the sources can take a while (PortAudio scans the devices, a sound server may be slow to answer);
	// a signal meanwhile stops the start.
	type opened struct {
		inputs []pipeline.Input
		err    error
	}
	openedc := make(chan opened, 1)
	open := openSources
	go func() {
		in, err := open(cfg)
		openedc <- opened{in, err}
	}()
	var inputs []pipeline.Input
	select {
	case o := <-openedc:
		inputs, err = o.inputs, o.err
	case s := <-sigs:
		log.Info().Str("signal", s.String()).Msg("stopped during start-up, before any source was metered")
		return exitOK
	}
	if err != nil {
		printErr(stderr, err)
		return exitFailed
	}
	logs := logreport.New(log, cfg.Log.Interval)
	var ext extensions

	// ─── Extra reporters and HTTP handlers ──────────────────────────────────────────────────────────────────
	// Everything besides the log plugs in here, two lines each: make it, then ext.add(reporter, pattern,
	// handler) (either may be nil). Handlers are served on cfg.HTTP.Listen ("" serves nothing, and with no
	// handler no server starts); reporters that are io.Closers are closed after the last report, before the
	// server shuts down. For example, guarded by cfg.HTTP.Metrics and cfg.HTTP.Web:
	//
	//	m := metrics.New(prometheus.NewRegistry(), metrics.Options{Version: versionString()})
	//	ext.add(m, "/metrics", m.Handler())
	//	w := web.New(web.Options{Version: versionString()})
	//	ext.add(w, "/", w.Handler())
	// ─────────────────────────────────────────────────────────────────────────────────────────────────────────
	if cfg.HTTP.Metrics {
		m := metrics.New(nil, metrics.Options{Version: versionString()})
		ext.add(m, "/metrics", m.Handler())
	}
	if cfg.HTTP.Web {
		wm := web.New(web.Options{Version: versionString(), ClientBuffer: max(256, 32*len(cfg.Sources))})
		ext.add(wm, "/", wm.Handler())
	}

	var ln net.Listener
	if cfg.HTTP.Listen != "" && ext.mux != nil {
		ln, err = net.Listen("tcp", cfg.HTTP.Listen)
		if err != nil {
			var hint string
			if errors.Is(err, syscall.EADDRINUSE) {
				hint = "; another program (another levelmeter?) listens there: choose another with --listen or http.listen"
			}
			printErr(stderr, cfg.Errorf("http.listen", cfg.HTTP.Listen, "cannot be listened on: %v%s", err, hint))
			return exitFailed
		}
	}

	p, err := pipeline.New(pipeline.Options{
		Inputs:    inputs,
		Interval:  cfg.ReportInterval,
		Meter:     dsp.Config{PeakHold: cfg.PeakHold, PeakDecay: cfg.PeakDecay},
		Reporters: append([]pipeline.Reporter{logs}, ext.reporters...),
		OnEvent:   logs.Event,
	})
	if err != nil {
		if ln != nil {
			ln.Close()
		}
		printErr(stderr, err)
		return exitFailed
	}

	logStart(log, cfg, cfgPath, ln, ext.patterns)
	var srv *http.Server
	served := make(chan error, 1)
	if ln != nil {
		srv = &http.Server{Handler: ext.mux, ReadHeaderTimeout: 10 * time.Second}
		go func() { served <- srv.Serve(ln) }()
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{}) // closed when the run is over: the signal watchers end
	var watchers sync.WaitGroup
	defer func() {
		close(done)
		watchers.Wait()
	}()
	watchers.Add(1)
	go func() {
		defer watchers.Done()
		var timeout <-chan time.Time
		if fl.duration > 0 {
			t := time.NewTimer(fl.duration)
			defer t.Stop()
			timeout = t.C
		}
		var why func()
		var first time.Time
		select {
		case s := <-sigs:
			first = time.Now()
			why = func() {
				log.Info().Str("signal", s.String()).
					Msg("stopping: draining the rings and writing the summaries (signal again to exit at once)")
			}
		case <-timeout:
			why = func() { log.Info().Dur("after_ms", fl.duration).Msg("stopping: the run's duration is over") }
		case <-done:
			return
		}
		// From here on a second signal is heard by a goroutine of its own and said on stderr, not through the
		// log: the log's writer may be what holds the shutdown up.
		watchers.Add(1)
		go func() {
			defer watchers.Done()
			for {
				select {
				case s := <-sigs:
					if !first.IsZero() && time.Since(first) < sameSignalWindow {
						continue // the same request, sent twice (to the process and to its group)
					}
					fmt.Fprintf(stderr, "levelmeter run: second signal (%v): exiting without the summaries\n", s)
					forceExit(exitForced)
					return
				case <-done:
					return
				}
			}
		}()
		why()
		cancel()
	}()

	runErr := p.Run(ctx)

	for _, c := range ext.closers {
		c.Close()
	}
	if srv != nil {
		sctx, scancel := context.WithTimeout(context.Background(), 2*time.Second)
		if err := srv.Shutdown(sctx); err != nil {
			srv.Close()
		}
		scancel()
		if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error().Err(err).Msg("the HTTP server failed")
		}
	}
	if runErr != nil {
		log.Error().Err(runErr).Msg("stopped: a source could not start")
		fmt.Fprintf(stderr, "levelmeter run: %v\n", runErr)
		return exitFailed
	}
	log.Info().Msg("stopped")
	return exitOK
}

// printErr writes err, one line per problem, each prefixed with the command.
func printErr(w io.Writer, err error) {
	for _, line := range strings.Split(err.Error(), "\n") {
		fmt.Fprintf(w, "levelmeter run: %s\n", line)
	}
}

// logStart writes the start-up line: the version and the effective configuration.
func logStart(log zerolog.Logger, cfg *config.Config, path string, ln net.Listener, patterns []string) {
	sources := zerolog.Arr()
	for _, s := range cfg.Sources {
		d := zerolog.Dict().Str("name", s.Name)
		if s.WAV != "" {
			d = d.Str("wav", s.WAV).Str("pace", s.Pace).Bool("loop", s.Loop)
		} else {
			d = d.Str("device", s.Device).Int("sample_rate", s.SampleRate).Int("channels", s.Channels).
				Bool("realtime", s.RealtimeOn())
			if s.InputLatency > 0 {
				d = d.Str("input_latency", s.InputLatency.String())
			}
		}
		d = d.Int("frames_per_buffer", s.FramesPerBuffer).Int("ring_capacity", s.RingCapacity)
		sources = sources.Dict(d)
	}
	e := log.Info().Str("version", versionString()).Str("config", path).
		Array("sources", sources).
		Str("report_interval", cfg.ReportInterval.String()).
		Str("peak_hold", cfg.PeakHold.String()).
		Float64("peak_decay", cfg.PeakDecay).
		Dict("log", zerolog.Dict().Str("level", cfg.Log.Level).Str("format", cfg.Log.Format).
			Str("interval", cfg.Log.Interval.String()))
	if ln != nil {
		e = e.Str("listen", ln.Addr().String()).Strs("http", patterns)
	} else {
		e = e.Str("listen", "")
	}
	e.Msg("levelmeter starting")
}
