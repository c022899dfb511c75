package daemon

import (
	"time"

	"github.com/levelmeter/levelmeter/pipeline"
)

// noteReport records when the reporters last received a report: the pipeline's pulse, for Alive.
func (d *Daemon) noteReport(*pipeline.Report) { d.lastReport.Store(time.Now().UnixNano()) }

// Alive reports whether the reporters received a report within maxAge (or, before the first, whether Run began
// within maxAge). The meters report every report_interval whether or not audio arrives, so only a pipeline
// that is wedged (a meter or the reporter goroutine stuck) goes quiet: this is what a watchdog should check.
func (d *Daemon) Alive(maxAge time.Duration) bool {
	last := d.lastReport.Load()
	if last == 0 {
		last = d.runAt.Load()
	}
	return last != 0 && time.Since(time.Unix(0, last)) < maxAge
}
