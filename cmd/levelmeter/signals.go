package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/levelmeter/levelmeter/audio"
)

// exitForced is the exit status of a run that a second signal cut short.
const exitForced = 130

// sameSignalWindow is how soon after the first signal another one counts as the same request to stop. GNU
// timeout, and shells and supervisors that signal a whole process group, send SIGTERM to the daemon and then
// again to its group at once: without the window that second copy would cut the summaries short. A person who
// means to force the exit presses Ctrl-C again well after this.
const sameSignalWindow = 250 * time.Millisecond

// forceExit ends the process when a second signal arrives during the shutdown; tests replace it.
var forceExit = os.Exit

// stopOnSignal returns a context that ends at the first signal on sigs or after duration (0: never), logging
// why. From then on a second signal, other than a copy within sameSignalWindow of the first, kills the process
// group of every command source (SIGKILL: no orphan survives the exit), is said on stderr (not through the log:
// the log's writer may be what holds the shutdown up) and exits at once with exitForced.
// Call release when the run is over: it stops the watching and waits for it.
func stopOnSignal(sigs <-chan os.Signal, duration time.Duration, log zerolog.Logger, stderr io.Writer) (ctx context.Context, release func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{}) // closed when the run is over: the watchers end
	var watchers sync.WaitGroup
	watchers.Add(1)
	go func() {
		defer watchers.Done()
		var timeout <-chan time.Time
		if duration > 0 {
			t := time.NewTimer(duration)
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
			why = func() { log.Info().Dur("after_ms", duration).Msg("stopping: the run's duration is over") }
		case <-done:
			return
		}
		// The second signal is heard by a goroutine of its own, started before the log is written to.
		watchers.Add(1)
		go func() {
			defer watchers.Done()
			for {
				select {
				case s := <-sigs:
					if !first.IsZero() && time.Since(first) < sameSignalWindow {
						continue // the same request, sent twice (to the process and to its group)
					}
					// The commands go first, with their groups: a command that ignores SIGTERM, or what it
					// started, would outlive the exit (Pdeathsig reaches only the command itself).
					audio.KillCommandGroups()
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
	return ctx, func() {
		cancel()
		close(done)
		watchers.Wait()
	}
}
