package daemon

import (
	"fmt"
	"reflect"
	"slices"

	"github.com/levelmeter/levelmeter/config"
	"github.com/levelmeter/levelmeter/pipeline"
)

// Changes says what a Reload did to the sources, by name, in the new configuration's order (Removed in the
// old's), and which global keys changed but keep their running values until a restart.
type Changes struct {
	Kept, Restarted, Added, Removed []string
	NeedRestart                     []string
}

// Reload applies a new configuration (read again and validated, as on SIGHUP) to the running daemon:
//   - a source whose settings are all unchanged (same name, every key equal) keeps running untouched: no gap,
//     its meter's state (integrated loudness, loudness range, peak holds) and counters continue;
//   - a source with the same name and other settings is restarted with them (its summary, then a new meter);
//   - a source no longer configured ends with its summary; a new one starts.
//
// Top-level keys that fill in what a source leaves out (config.Key.Inherited: loudness_windows, the alarm rules
// under alarms, alarms.profile, profiles) count as the source's own: a source they change for is restarted, the others run on;
// the page's loudness targets follow at once. The other global keys (report_interval, peak_hold, peak_decay,
// log.*, http.*, alarms.webhooks) are fixed for the daemon's life: the listener, the reporters and the meters'
// ballistics are made once.
// Changes.NeedRestart lists those that differ; they keep their running values. (A web-config file's certificate and passwords are read again for
// every connection: they change without a restart or a reload.)
//
// It logs "configuration reloaded" with the sources kept, restarted, added and removed, and a warning naming
// the keys that need a restart. When a new source, or a changed one on another device or file, cannot be
// opened (a missing file, a device that refuses the format), Reload changes nothing and returns the error,
// naming the key as New does. A source restarted on the device it holds is not checked first (the device is
// busy until its old stream stops): if the device refuses the new settings, the source fails and is retried.
// Reload is meant to be called while Run runs (from another goroutine); calls are serialised.
func (d *Daemon) Reload(cfg *config.Config) (Changes, error) {
	d.reloading.Lock()
	defer d.reloading.Unlock()
	var ch Changes
	old := d.running()
	oldAt := map[string]int{}
	for i := range old.Sources {
		oldAt[old.Sources[i].Name] = i
	}
	newNames := map[string]bool{}
	var inputs []pipeline.Input
	for i := range cfg.Sources {
		name := cfg.Sources[i].Name
		newNames[name] = true
		j, ok := oldAt[name]
		if ok && sameSource(old, j, cfg, i) {
			ch.Kept = append(ch.Kept, name)
			continue
		}
		// A source restarted on the device it holds is not asked about its format: the device is busy until
		// the old stream stops. If it refuses the new settings, the restarted source fails and is retried.
		in, err := input(cfg, i, !(ok && cfg.Sources[i].IsDevice() && old.Sources[j].Device == cfg.Sources[i].Device))
		if err != nil {
			return Changes{}, err
		}
		inputs = append(inputs, in)
		if ok {
			ch.Restarted = append(ch.Restarted, name)
		} else {
			ch.Added = append(ch.Added, name)
		}
	}
	for i := range old.Sources {
		if name := old.Sources[i].Name; !newNames[name] {
			ch.Removed = append(ch.Removed, name)
		}
	}
	for i := range config.Keys {
		k := &config.Keys[i]
		if k.Scope == config.Global && !k.Inherited && !reflect.DeepEqual(k.Value(old, 0), k.Value(cfg, 0)) {
			ch.NeedRestart = append(ch.NeedRestart, k.Name)
		}
	}
	if err := d.pipe.Change(append(append([]string(nil), ch.Removed...), ch.Restarted...), inputs); err != nil {
		return Changes{}, fmt.Errorf("the sources cannot be changed: %w", err)
	}
	next := *old
	next.Sources = append([]config.Source(nil), cfg.Sources...)
	next.TakeInherited(cfg) // the top-level keys that fill in what sources leave out are the new ones now
	d.mu.Lock()
	d.cfg = &next
	d.mu.Unlock()
	if d.web != nil {
		d.web.SetTargets(webTargets(&next))
	}
	d.log.Info().Strs("kept", ch.Kept).Strs("restarted", ch.Restarted).Strs("added", ch.Added).
		Strs("removed", ch.Removed).Msg("configuration reloaded")
	if len(ch.NeedRestart) > 0 {
		d.log.Warn().Strs("keys", ch.NeedRestart).
			Msg("these keys changed but take effect only when the daemon is restarted; their running values are kept")
	}
	return ch, nil
}

// sameSource reports whether a.Sources[i] and b.Sources[j] are metered alike: every key of their own equal, and
// the same windows and alarm rules, whether set in the source or filled in by the top level.
func sameSource(a *config.Config, i int, b *config.Config, j int) bool {
	for k := range config.Keys {
		key := &config.Keys[k]
		if key.Scope != config.Global && !key.Inherited && !reflect.DeepEqual(key.Value(a, i), key.Value(b, j)) {
			return false
		}
	}
	// Those that a top-level key fills in are compared by what they come to.
	ra, errA := a.AlarmConfig(i)
	rb, errB := b.AlarmConfig(j)
	return errA == nil && errB == nil && ra == rb && slices.Equal(a.WindowsOf(i), b.WindowsOf(j))
}

// running returns the configuration the daemon runs: the sources and the Inherited top-level keys of the last
// reload, the other global keys of New.
func (d *Daemon) running() *config.Config {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.cfg
}
