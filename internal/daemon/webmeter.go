package daemon

import (
	"github.com/levelmeter/levelmeter/alarm"
	"github.com/levelmeter/levelmeter/config"
	"github.com/levelmeter/levelmeter/pipeline"
	"github.com/levelmeter/levelmeter/web"
)

// webMeter is the web meter as the daemon's reporter: before handing a report to the page it tells the page the
// source's active alarms, which change only in reports that carry alarm events. The targets come from the
// configuration (webTargets), set by New and by every Reload.
type webMeter struct {
	*web.Server
	raised map[string]*[alarm.NumKinds]float64 // by source: the value that started each alarm, for its badge
}

func newWebMeter(s *web.Server) *webMeter {
	return &webMeter{Server: s, raised: make(map[string]*[alarm.NumKinds]float64)}
}

// Report is called from the pipeline's one reporter goroutine, so raised needs no lock.
func (w *webMeter) Report(r *pipeline.Report) {
	if r.NumAlarms > 0 {
		v := w.raised[r.Source]
		if v == nil {
			v = new([alarm.NumKinds]float64)
			w.raised[r.Source] = v
		}
		var active []web.Alarm
		for _, ev := range r.Events() {
			if ev.State == alarm.Start {
				v[ev.Kind] = ev.Value
			}
		}
		for k, st := range r.AlarmStatus {
			if st.Active {
				active = append(active, web.Alarm{Name: alarm.Kind(k).String(), Since: st.Since, Value: web.Float(v[k])})
			}
		}
		w.SetAlarms(r.Source, active)
	}
	if r.Final {
		delete(w.raised, r.Source) // a source of the same name started by a reload begins without alarms
	}
	w.Server.Report(r)
}

// webTargets returns the loudness target of every source that has a profile, for the page.
func webTargets(cfg *config.Config) map[string]web.Target {
	targets := make(map[string]web.Target)
	for i := range cfg.Sources {
		if p, ok, _ := cfg.ProfileOf(i); ok { // Validate checked the names
			targets[cfg.Sources[i].Name] = web.Target{Name: p.Name, LUFS: web.Float(p.Target),
				Tolerance: web.Float(p.Tolerance), MaxTruePeak: web.Float(p.MaxTruePeak)}
		}
	}
	return targets
}
