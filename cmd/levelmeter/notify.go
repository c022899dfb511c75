package main

import (
	"context"
	"time"

	sd "github.com/coreos/go-systemd/v22/daemon"
	"github.com/rs/zerolog"

	"github.com/levelmeter/levelmeter/internal/daemon"
)

// aliveWithin is how recent the pipeline's last report must be for the watchdog to be fed, as /healthz, or three
// report intervals when they are longer.
const aliveWithin = 10 * time.Second

// notifySystemd tells the service manager (a unit of Type=notify, through $NOTIFY_SOCKET; nothing without it)
// how the daemon fares: READY=1 once it runs (the listener is bound by then), STOPPING=1 when ctx ends, and
// WATCHDOG=1 every half watchdog interval ($WATCHDOG_USEC) while the pipeline reports. A failing notification
// is logged once and never stops the daemon. It returns when ran is closed.
func notifySystemd(ctx context.Context, ran <-chan struct{}, d *daemon.Daemon, reportInterval time.Duration, log zerolog.Logger) {
	within := max(aliveWithin, 3*reportInterval)
	warned := false
	notify := func(state string) {
		if _, err := sd.SdNotify(false, state); err != nil && !warned {
			warned = true
			log.Warn().Err(err).Msg("cannot notify systemd")
		}
	}
	notify(sd.SdNotifyReady)
	var tick <-chan time.Time
	if interval, err := sd.SdWatchdogEnabled(false); err != nil {
		log.Warn().Err(err).Msg("the systemd watchdog settings are not understood; the watchdog is not fed")
	} else if interval > 0 {
		t := time.NewTicker(interval / 2)
		defer t.Stop()
		tick = t.C
	}
	quiet := false
	for {
		select {
		case <-tick:
			if d.Alive(within) {
				notify(sd.SdNotifyWatchdog)
				quiet = false
			} else if !quiet {
				quiet = true
				log.Error().Dur("silent_for_more_than_ms", within).
					Msg("no report from the meters: the systemd watchdog is not fed")
			}
		case <-ctx.Done():
			notify(sd.SdNotifyStopping)
			<-ran
			return
		case <-ran:
			return
		}
	}
}

// notifyReloading and notifyReloaded frame a reload for the service manager.
func notifyReloading() { sd.SdNotify(false, sd.SdNotifyReloading+"\n"+sd.SdNotifyMonotonicUsec()) }
func notifyReloaded()  { sd.SdNotify(false, sd.SdNotifyReady) }
