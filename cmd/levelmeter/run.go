package main

import (
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/rs/zerolog"

	"github.com/levelmeter/levelmeter/internal/daemon"
	"github.com/levelmeter/levelmeter/logreport"
)

func init() {
	register(command{name: "run", summary: "meter the configured sources until SIGINT or SIGTERM", run: runRun})
	// Log times to the millisecond, durations in milliseconds (zerolog's settings are global).
	zerolog.TimeFieldFormat = "2006-01-02T15:04:05.000Z07:00"
	zerolog.DurationFieldUnit = time.Millisecond
}

const runHelp = `Meters the configured sources and logs their levels until SIGINT or SIGTERM, then logs a summary per source
and exits 0. A second signal exits at once (status 130); one within 250 ms of the first is taken for a copy of
it (timeout(1) signals the process and then its group). Flags override the configuration file; --source and
--device replace its sources. Without --config, config.yaml is read if it is there.

Exit status: 0 after a signal or --duration, 1 when a source or the HTTP server could not start or a source
failed before delivering audio, 2 for bad flags or configuration, 130 after a second signal.`

// openSources makes the daemon's inputs; tests replace it to hold the start-up.
var openSources = daemon.OpenInputs

func runRun(args []string, stdout, stderr io.Writer) int {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	return runDaemon(args, stdout, stderr, sigs)
}

// runDaemon is `levelmeter run` with the signals it listens to given.
func runDaemon(args []string, stdout, stderr io.Writer, sigs <-chan os.Signal) int {
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
	if err := d.Run(ctx); err != nil {
		return c.fail(stderr, exitFailed, withRemedy(err))
	}
	return exitOK
}
