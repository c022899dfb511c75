// Package daemon assembles levelmeter's daemon from a validated configuration: the sources, the pipeline, the
// reporters (log, Prometheus metrics, live web meter) and the HTTP server that serves them.
//
// Guarantees:
//   - New either returns a Daemon whose sources are checked and whose listener is bound, or an error naming the
//     configuration key at fault (sources[0].device, http.listen) and wrapping the cause, with nothing left
//     open. The command line adds remedies by recognising the cause (errors.Is).
//   - Addr is the address actually bound (port 0 picks a free one), so callers need not read it from the log.
//   - Run meters until its context is done or every source has ended; it returns after every source's final
//     report has been taken by every reporter, the closing reporters are closed (the webhooks get at most 5 s
//     to send the alarm events still queued) and the HTTP server is shut down (at most 2 s for open
//     connections).
//   - The HTTP server is an httpserver.Server: capped headers and connections (http.max_connections), at most
//     http.max_requests concurrent /metrics scrapes, the Host check (http.allowed_hosts), TLS and basic auth
//     from http.web_config, the same security headers on every route, and its own errors in the JSON log.
//     New refuses a web-config file the server could not use; Run logs a warning when the server listens
//     beyond loopback without TLS or basic auth.
//   - Alarms go to the logs, the metrics and the webhooks independently: a webhook receiver that hangs or
//     fails holds up neither the reporters nor the audio (webhook.Notifier.Enqueue never waits).
package daemon

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/rs/zerolog"

	"github.com/levelmeter/levelmeter/config"
	"github.com/levelmeter/levelmeter/dsp"
	"github.com/levelmeter/levelmeter/internal/httpserver"
	"github.com/levelmeter/levelmeter/logreport"
	"github.com/levelmeter/levelmeter/metrics"
	"github.com/levelmeter/levelmeter/pipeline"
	"github.com/levelmeter/levelmeter/web"
	"github.com/levelmeter/levelmeter/webhook"
)

// A Daemon meters the configured sources and reports their levels; make one with New, run it with Run.
type Daemon struct {
	mu        sync.Mutex // guards cfg, which Reload replaces
	reloading sync.Mutex // one Reload at a time
	cfg       *config.Config
	log       zerolog.Logger
	o         options
	pipe      *pipeline.Pipeline
	ln        net.Listener
	mux       *http.ServeMux
	patterns  []string
	closers   []io.Closer
	ran       bool
	inputs    []pipeline.Input // as opened, for the start-up lines
	exposure  string           // the warning about who can reach the server, "" when there is none
	web       *web.Server      // nil when http.web is off

	runAt      atomic.Int64 // when Run began (Unix ns), for Alive
	lastReport atomic.Int64 // when the reporters last received a report (Unix ns), for Alive
}

type options struct {
	version    string
	configPath string
	open       func(*config.Config) ([]pipeline.Input, error)
}

// An Option changes how New assembles the daemon.
type Option func(*options)

// WithVersion sets the version shown in the start-up line, the metrics and the web page.
func WithVersion(v string) Option { return func(o *options) { o.version = v } }

// WithConfigPath names the configuration file in the start-up line ("" when there was none).
func WithConfigPath(path string) Option { return func(o *options) { o.configPath = path } }

// WithOpenInputs replaces OpenInputs, the making of the pipeline's inputs from the configuration.
func WithOpenInputs(open func(*config.Config) ([]pipeline.Input, error)) Option {
	return func(o *options) { o.open = open }
}

// New opens the configured sources, makes the reporters and binds the HTTP listener (when http.listen is set and
// there is something to serve). cfg must be valid (config.Validate).
func New(cfg *config.Config, log zerolog.Logger, opts ...Option) (*Daemon, error) {
	d := &Daemon{cfg: cfg, log: log, o: options{open: OpenInputs}}
	for _, o := range opts {
		o(&d.o)
	}
	inputs, err := d.o.open(cfg)
	if err != nil {
		return nil, err
	}
	d.inputs = inputs
	logStderr(inputs, log)
	logs := logreport.New(log, cfg.Log.Interval)
	reporters := []pipeline.Reporter{logs, pipeline.ReporterFunc(d.noteReport)}

	// ─── Extra reporters and HTTP handlers ──────────────────────────────────────────────────────────────────
	// Everything besides the log plugs in here, two lines each: make it, then d.add(reporter, pattern,
	// handler) (either may be nil). Handlers are served on cfg.HTTP.Listen ("" serves nothing, and with no
	// handler no server starts); reporters that are io.Closers are closed after the last report, before the
	// server shuts down.
	// ─────────────────────────────────────────────────────────────────────────────────────────────────────────
	add := func(r pipeline.Reporter, pattern string, h http.Handler) {
		if r != nil {
			reporters = append(reporters, r)
			if c, ok := r.(io.Closer); ok {
				d.closers = append(d.closers, c)
			}
		}
		if h != nil {
			if d.mux == nil {
				d.mux = http.NewServeMux()
			}
			d.mux.Handle(pattern, h)
			d.patterns = append(d.patterns, pattern)
		}
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if cfg.HTTP.Metrics {
		m := metrics.New(reg, metrics.Options{Version: d.o.version})
		add(m, "/metrics", m.Handler())
	}
	if targets := cfg.WebhookTargets(); len(targets) > 0 {
		n, err := webhook.New(targets, webhook.Options{Version: d.o.version, Log: log})
		if err != nil {
			d.closeReporters()
			return nil, cfg.Errorf("alarms.webhooks", len(targets), "cannot be used: %w", err)
		}
		reg.MustRegister(n)
		add(&webhooks{n}, "", nil)
	}
	if d.mux != nil { // an API beside what is served; alone it would be a server to reset a meter nobody sees
		add(nil, resetPath, d.resetHandler())
	}
	if cfg.HTTP.Web {
		d.web = web.New(web.Options{Version: d.o.version, ClientBuffer: max(256, 32*len(cfg.Sources)),
			Targets: webTargets(cfg)})
		add(d.web, "/", d.web.Handler())
	}

	if cfg.HTTP.Listen != "" && d.mux != nil {
		e, err := httpserver.CheckExposure(cfg.HTTP.Listen, cfg.HTTP.WebConfig)
		if err != nil {
			d.closeReporters()
			return nil, cfg.Errorf("http.web_config", cfg.HTTP.WebConfig, "cannot be used: %w", err)
		}
		d.exposure = e.Warning()
		d.ln, err = net.Listen("tcp", cfg.HTTP.Listen)
		if err != nil {
			d.closeReporters()
			return nil, cfg.Errorf("http.listen", cfg.HTTP.Listen, "cannot be listened on: %w", err)
		}
	}
	d.pipe, err = pipeline.New(pipeline.Options{
		Inputs:    inputs,
		Interval:  cfg.ReportInterval,
		Meter:     dsp.Config{PeakHold: cfg.PeakHold, PeakDecay: cfg.PeakDecay, Windows: cfg.LoudnessWindows},
		Reporters: reporters,
		OnEvent:   logs.Event,
	})
	if err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// Addr returns the address the HTTP server listens on, or nil when it does not listen.
func (d *Daemon) Addr() net.Addr {
	if d.ln == nil {
		return nil
	}
	return d.ln.Addr()
}

// Close releases what New opened, for a Daemon that is not to be run. Run closes it itself.
func (d *Daemon) Close() error {
	if d.ran {
		return nil
	}
	d.ran = true
	d.closeReporters()
	if d.ln != nil {
		return d.ln.Close()
	}
	return nil
}

func (d *Daemon) closeReporters() {
	for _, c := range d.closers {
		c.Close()
	}
}

// Run logs the start-up line, serves HTTP and meters until ctx is done or every source has ended, then
// finishes as the package documentation says. It returns nil, or the error of a source that failed before it
// delivered anything. Run may be called once.
func (d *Daemon) Run(ctx context.Context) error {
	if d.ran {
		return errors.New("daemon: Run called twice, or after Close")
	}
	d.ran = true
	d.runAt.Store(time.Now().UnixNano())
	d.logStart()
	var srv *httpserver.Server
	served := make(chan error, 1)
	if d.ln != nil {
		if d.exposure != "" {
			d.log.Warn().Str("listen", d.ln.Addr().String()).Msg(d.exposure)
		}
		h := d.running().HTTP
		srv = httpserver.New(httpserver.Options{
			Handler:        d.mux,
			Log:            d.log,
			AllowedHosts:   h.AllowedHosts,
			WebConfigFile:  h.WebConfig,
			MaxConnections: h.MaxConnections,
			MaxRequests:    h.MaxRequests,
			PostPaths:      []string{resetPath},
		})
		go func() { served <- srv.Serve(d.ln) }()
	}

	runErr := d.pipe.Run(ctx)

	d.closeReporters()
	if srv != nil {
		sctx, scancel := context.WithTimeout(context.Background(), 2*time.Second)
		if err := srv.Shutdown(sctx); err != nil {
			srv.Close()
		}
		scancel()
		if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
			d.log.Error().Err(err).Msg("the HTTP server failed")
		}
	}
	if runErr != nil {
		d.log.Error().Err(runErr).Msg("stopped: a source could not start")
		return runErr
	}
	d.log.Info().Msg("stopped")
	return nil
}

// logStart writes the start-up line: the version and the effective configuration.
func (d *Daemon) logStart() {
	cfg := d.running()
	sources := zerolog.Arr()
	for i, s := range cfg.Sources {
		e := zerolog.Dict().Str("name", s.Name)
		if s.LoudnessWindows != nil { // its own, in place of the top-level loudness_windows
			e = e.Strs("loudness_windows", spanLabels(cfg.WindowsOf(i)))
		}
		if s.IsStream() {
			e = e.Str("kind", s.Kind().String()).Str("format", s.Format).Int("sample_rate", s.SampleRate).
				Int("channels", s.Channels).Str("stall_timeout", s.StallTimeout.String())
			if s.Kind() == config.KindCommand {
				e = e.Strs("command", s.Command).Bool("shell", s.Shell).Str("kill_grace", s.KillGrace.String())
			}
		} else if s.WAV != "" {
			e = e.Str("wav", s.WAV).Str("pace", s.Pace).Bool("loop", s.Loop)
		} else {
			e = e.Str("device", s.Device).Int("sample_rate", s.SampleRate).Int("channels", s.Channels).
				Bool("realtime", s.RealtimeOn())
			if s.InputLatency > 0 {
				e = e.Str("input_latency", s.InputLatency.String())
			}
		}
		e = e.Int("frames_per_buffer", s.FramesPerBuffer).Int("ring_capacity", s.RingCapacity)
		for _, in := range d.inputs {
			if in.Name == s.Name && in.Layout != nil {
				e = e.Str("layout", in.Layout.String()).Strs("channel_labels", in.Layout.Labels())
			}
		}
		sources = sources.Dict(e)
	}
	e := d.log.Info().Str("version", d.o.version).Str("config", d.o.configPath).
		Array("sources", sources).
		Str("report_interval", cfg.ReportInterval.String()).
		Str("peak_hold", cfg.PeakHold.String()).
		Float64("peak_decay", cfg.PeakDecay).
		Strs("loudness_windows", spanLabels(cfg.LoudnessWindows)).
		Dict("log", zerolog.Dict().Str("level", cfg.Log.Level).Str("format", cfg.Log.Format).
			Str("interval", cfg.Log.Interval.String()))
	// The alarms' profile and the webhooks' names, never their URLs: those often carry a token.
	hooks := []string{}
	for _, t := range cfg.WebhookTargets() {
		hooks = append(hooks, t.Name)
	}
	e = e.Dict("alarms", zerolog.Dict().Str("profile", cfg.Alarms.Profile).Strs("webhooks", hooks))
	if d.ln != nil {
		e = e.Str("listen", d.ln.Addr().String()).Strs("http", d.patterns).
			Strs("allowed_hosts", cfg.HTTP.AllowedHosts).Str("web_config", cfg.HTTP.WebConfig).
			Int("max_connections", cfg.HTTP.MaxConnections).Int("max_requests", cfg.HTTP.MaxRequests)
	} else {
		e = e.Str("listen", "")
	}
	e.Msg("levelmeter starting")
	// A WAV file whose header a writer left wrong is replayed as far as it goes: say so once, per source.
	for _, in := range d.inputs {
		if w, ok := in.Source.(interface{ Warnings() []error }); ok {
			for _, err := range w.Warnings() {
				d.log.Warn().Str("source", in.Name).Err(err).Msg("the WAV file's header is not what it holds: replaying what it holds")
			}
		}
	}
}

// spanLabels returns the windows' spans as dsp.SpanLabel writes them ("1m", "1h"), as the metrics label them.
func spanLabels(spans []time.Duration) []string {
	l := make([]string, len(spans))
	for i, d := range spans {
		l[i] = dsp.SpanLabel(d)
	}
	return l
}
