package daemon

import (
	"github.com/levelmeter/levelmeter/config"
	"github.com/levelmeter/levelmeter/web"
)

// webTargets returns the loudness target of every source that has a profile, for the page (web.Options.Targets,
// web.Server.SetTargets after a reload).
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
