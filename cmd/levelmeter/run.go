package main

import (
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/rs/zerolog"

	"github.com/levelmeter/levelmeter/internal/daemon"
	"github.com/levelmeter/levelmeter/logreport"
)

func init() {
	register(command{name: "run", summary: "meter the configured sources until SIGINT or SIGTERM; SIGHUP reloads the configuration", run: runRun})
	// Log times to the millisecond, durations in milliseconds (zerolog's settings are global).
	zerolog.TimeFieldFormat = "2006-01-02T15:04:05.000Z07:00"
	zerolog.DurationFieldUnit = time.Millisecond
}

const runHelp = `Meters the configured sources and logs their levels until SIGINT or SIGTERM, then logs a summary per source
and exits 0. The log goes to standard output; standard error has only the command's own error lines. Flags
override the configuration file; --source and --device replace its sources. Without --config, config.yaml is
read if it is there.

Signals:
  SIGINT, SIGTERM  stop: drain the rings, log a summary per source, exit 0. A second signal exits at once
                   (status 130); one within 250 ms of the first is taken for a copy of it (timeout(1)
                   signals the process and then its group).
  SIGHUP           reload: read the configuration file again (the flags still override it). Unchanged
                   sources run on without a gap (their meters keep their state); changed ones restart
                   (a top-level loudness_windows, alarms rule or profile changes the sources it applies
                   to); removed ones end with their summary; new ones start. Global keys (report_interval,
                   peak_*, log.*, http.*, alarms.webhooks) keep their running values until a restart, with
                   a warning. A configuration that is wrong is one error line, and the running one is kept.

Exit status: 0 after a signal or --duration, 1 when a source or the HTTP server could not start or a source
failed before delivering audio, 2 for bad flags or configuration, 130 after a second signal.`

// openSources makes the daemon's inputs; tests replace it to hold the start-up.
var openSources = daemon.OpenInputs

func runRun(args []string, stdout, stderr io.Writer) int {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	hups := make(chan os.Signal, 1) // one pending reload is enough: it reads the file as it is then
	signal.Notify(hups, syscall.SIGHUP)
	defer signal.Stop(hups)
	return runDaemonReloading(args, stdout, stderr, sigs, hups)
}

// runDaemon is `levelmeter run` with the signals that stop it given, and no reloads.
func runDaemon(args []string, stdout, stderr io.Writer, sigs <-chan os.Signal) int {
	return runDaemonReloading(args, stdout, stderr, sigs, nil)
}

// runDaemonReloading is `levelmeter run` with the signals it listens to given: sigs stop it, hups reload its
// configuration (nil: never).
func runDaemonReloading(args []string, stdout, stderr io.Writer, sigs, hups <-chan os.Signal) int {
	c, fl := runCLI()
	if code, ok := c.parse(args, true, stdout, stderr); !ok {
		return code
	}
	if a := c.fs.Arg(0); a != "" {
		return c.usageError(stderr, "unexpected argument %q (a WAV file is given as --source wav:%s)", a, a)
	}
	cfg, cfgPath, err := fl.loadConfig()
	if err != nil {
		return c.fail(stderr, exitUsage, err)
	}
	log, err := logreport.NewLogger(stdout, cfg.Log.Format, cfg.Log.Level)
	if err != nil {
		return c.fail(stderr, exitUsage, err)
	}

	// Opening the sources can take a while (PortAudio scans the devices, a sound server may be slow to
	// answer); a signal meanwhile stops the start.
	type started struct {
		d   *daemon.Daemon
		err error
	}
	startc := make(chan started, 1)
	opts := []daemon.Option{daemon.WithVersion(versionString()), daemon.WithConfigPath(cfgPath),
		daemon.WithOpenInputs(openSources)}
	go func() {
		d, err := daemon.New(cfg, log, opts...)
		startc <- started{d, err}
	}()
	var d *daemon.Daemon
	select {
	case st := <-startc:
		d, err = st.d, st.err
	case s := <-sigs:
		log.Info().Str("signal", s.String()).Msg("stopped during start-up, before any source was metered")
		go func() {
			if st := <-startc; st.d != nil {
				st.d.Close()
			}
		}()
		return exitOK
	}
	if err != nil {
		return c.fail(stderr, exitFailed, withRemedy(err))
	}

	ctx, release := stopOnSignal(sigs, fl.duration, log, stderr)
	defer release()
	ran := make(chan struct{})
	notified := make(chan struct{})
	go func() {
		defer close(notified)
		notifySystemd(ctx, ran, d, cfg.ReportInterval, log)
	}()
	reloaded := make(chan struct{})
	go func() {
		defer close(reloaded)
		for {
			select {
			case <-hups:
				reload(d, fl, log)
			case <-ran:
				return
			}
		}
	}()
	err = d.Run(ctx)
	close(ran)
	<-reloaded
	<-notified
	if err != nil {
		return c.fail(stderr, exitFailed, withRemedy(err))
	}
	return exitOK
}

// reload reads the configuration again, as at start-up (the file, then the flags over it), and applies it to
// the running daemon; a configuration that is wrong, or a source that cannot be opened, is one error line and
// the running configuration is kept.
func reload(d *daemon.Daemon, fl *runFlags, log zerolog.Logger) {
	log.Info().Str("signal", syscall.SIGHUP.String()).Msg("reloading the configuration")
	notifyReloading()
	defer notifyReloaded()
	cfg, _, err := fl.loadConfig()
	if err == nil {
		_, err = d.Reload(cfg)
	}
	if err != nil {
		log.Error().Str("error", strings.ReplaceAll(err.Error(), "\n", "; ")).
			Msg("reload failed: the running configuration is kept")
	}
}
