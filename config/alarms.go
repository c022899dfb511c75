package config

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/levelmeter/levelmeter/alarm"
	"github.com/levelmeter/levelmeter/webhook"
)

// Alarms configures the alarm detectors (package alarm) and where their events go besides the logs and metrics.
// The top-level alarms: holds the defaults of every source; a source's alarms: overrides them key by key. An
// omitted key takes the top level's value, and the top level's omitted keys take alarm.DefaultConfig's (or the
// profile's, for the thresholds a profile sets). Each kind's keys are named after alarm.Kind.
type Alarms struct {
	Silence       AlarmRule `yaml:"silence"`
	Clipping      AlarmRule `yaml:"clipping"`
	TruePeakOver  AlarmRule `yaml:"true_peak_over"`
	LoudnessHigh  AlarmRule `yaml:"loudness_high"`
	LoudnessLow   AlarmRule `yaml:"loudness_low"`
	PhaseInverted AlarmRule `yaml:"phase_inverted"`
	ChannelDead   AlarmRule `yaml:"channel_dead"`
	DCOffset      AlarmRule `yaml:"dc_offset"`
	SourceStalled AlarmRule `yaml:"source_stalled"`

	// Profile names a loudness target (alarm.Profiles, or one of the configuration's profiles): it enables
	// loudness_high and loudness_low at its target ± tolerance and sets true_peak_over's ceiling. "" is none.
	Profile string `yaml:"profile"`
	// Webhooks receive every source's alarm events as JSON (package webhook). Top level only.
	Webhooks []Webhook `yaml:"webhooks"`
}

// An AlarmRule is one alarm kind's settings (alarm.Rule). A nil field is omitted: it takes the value of the
// level above (see Alarms).
type AlarmRule struct {
	Enabled    *bool          `yaml:"enabled"`
	Threshold  *float64       `yaml:"threshold"`
	Hysteresis *float64       `yaml:"hysteresis"`
	OnDelay    *time.Duration `yaml:"on_delay"`
	OffDelay   *time.Duration `yaml:"off_delay"`
	Window     *time.Duration `yaml:"window"`
	Gate       *float64       `yaml:"gate"`
	Channels   []int          `yaml:"channels"`
}

// A Webhook is one receiver of alarm events: webhook.Target, field by field. Zero values select webhook's
// defaults.
type Webhook struct {
	Name       string            `yaml:"name"`
	URL        string            `yaml:"url"`
	Headers    map[string]string `yaml:"headers"`
	Timeout    time.Duration     `yaml:"timeout"`
	Retries    int               `yaml:"retries"`
	Queue      int               `yaml:"queue"`
	Backoff    time.Duration     `yaml:"backoff"`
	MaxBackoff time.Duration     `yaml:"max_backoff"`
}

// A Profile is a custom loudness target (alarm.Profile). An omitted limit is not part of the profile.
type Profile struct {
	Name         string   `yaml:"name"`
	Description  string   `yaml:"description"`
	Target       *float64 `yaml:"target"`
	Tolerance    *float64 `yaml:"tolerance"`
	MaxTruePeak  *float64 `yaml:"max_true_peak"`
	MaxShortTerm *float64 `yaml:"max_short_term"`
	MaxMomentary *float64 `yaml:"max_momentary"`
	MaxRange     *float64 `yaml:"max_range"`
}

// rule returns the AlarmRule of kind k.
func (a *Alarms) rule(k alarm.Kind) *AlarmRule {
	v := reflect.ValueOf(a).Elem()
	return v.Field(int(k)).Addr().Interface().(*AlarmRule)
}

// A ruleField is one key of an alarm kind: its name, which kinds use it, and how it maps to alarm.Rule.
type ruleField struct {
	name  string
	uses  func(k alarm.Kind) bool
	doc   string
	field func(r *AlarmRule) any           // the pointer (or slice) in AlarmRule
	apply func(r *alarm.Rule, v any)       // sets the non-nil value v in r
	show  func(r alarm.Rule) string        // the default, as a file holds it
	check func(v any, k alarm.Kind) string // what is wrong with the non-nil v
}

func windowed(k alarm.Kind) bool {
	return k == alarm.Clipping || k == alarm.DCOffset || k == alarm.PhaseInverted
}

func gated(k alarm.Kind) bool {
	return k == alarm.PhaseInverted || k == alarm.ChannelDead || k == alarm.LoudnessLow
}

func levelled(k alarm.Kind) bool { return k != alarm.SourceStalled }

func always(alarm.Kind) bool { return true }

// maxAlarmDelay bounds delays and windows: a day is longer than any fault worth waiting for.
const maxAlarmDelay = 24 * time.Hour

func checkFinite(v any, _ alarm.Kind) string {
	if f := *v.(*float64); math.IsNaN(f) || math.IsInf(f, 0) {
		return "is not a finite number"
	}
	return ""
}

func checkDelay(v any, _ alarm.Kind) string {
	if d := *v.(*time.Duration); d < 0 || d > maxAlarmDelay {
		return "is out of range; must be 0s to " + showDuration(maxAlarmDelay)
	}
	return ""
}

var ruleFields = []ruleField{
	{"enabled", always, "judge this alarm",
		func(r *AlarmRule) any { return r.Enabled },
		func(r *alarm.Rule, v any) { r.Enabled = *v.(*bool) },
		func(r alarm.Rule) string { return strconv.FormatBool(r.Enabled) }, nil},
	{"threshold", levelled, "the level at or beyond which the condition holds",
		func(r *AlarmRule) any { return r.Threshold },
		func(r *alarm.Rule, v any) { r.Threshold = *v.(*float64) },
		func(r alarm.Rule) string { return strconv.FormatFloat(r.Threshold, 'g', -1, 64) }, checkFinite},
	{"hysteresis", levelled, "how far back past the threshold the value must go to end the alarm",
		func(r *AlarmRule) any { return r.Hysteresis },
		func(r *alarm.Rule, v any) { r.Hysteresis = *v.(*float64) },
		func(r alarm.Rule) string { return strconv.FormatFloat(r.Hysteresis, 'g', -1, 64) },
		func(v any, _ alarm.Kind) string {
			if f := *v.(*float64); !(f >= 0) || math.IsInf(f, 0) {
				return "is not a finite number of 0 or more"
			}
			return ""
		}},
	{"on_delay", always, "how long the condition must hold before the alarm starts",
		func(r *AlarmRule) any { return r.OnDelay },
		func(r *alarm.Rule, v any) { r.OnDelay = *v.(*time.Duration) },
		func(r alarm.Rule) string { return showDuration(r.OnDelay) }, checkDelay},
	{"off_delay", levelled, "how long the condition must be clear before the alarm ends",
		func(r *AlarmRule) any { return r.OffDelay },
		func(r *alarm.Rule, v any) { r.OffDelay = *v.(*time.Duration) },
		func(r alarm.Rule) string { return showDuration(r.OffDelay) }, checkDelay},
	{"window", windowed, "the span counted or averaged over",
		func(r *AlarmRule) any { return r.Window },
		func(r *alarm.Rule, v any) { r.Window = *v.(*time.Duration) },
		func(r alarm.Rule) string { return showDuration(r.Window) },
		func(v any, k alarm.Kind) string {
			if d := *v.(*time.Duration); d <= 0 || d > maxAlarmDelay {
				return "is out of range; must be more than 0s, up to " + showDuration(maxAlarmDelay)
			}
			return ""
		}},
	{"gate", gated, "the level the signal must reach for the alarm to judge it",
		func(r *AlarmRule) any { return r.Gate },
		func(r *alarm.Rule, v any) { r.Gate = *v.(*float64) },
		func(r alarm.Rule) string { return strconv.FormatFloat(r.Gate, 'g', -1, 64) }, checkFinite},
	{"channels", func(k alarm.Kind) bool { return k == alarm.ChannelDead }, "the channels watched (0-based)",
		func(r *AlarmRule) any { return r.Channels },
		func(r *alarm.Rule, v any) {
			r.Channels = 0
			for _, c := range v.([]int) {
				r.Channels |= 1 << c
			}
		},
		func(r alarm.Rule) string {
			var cs []string
			for c := range 16 {
				if r.Channels&(1<<c) != 0 {
					cs = append(cs, strconv.Itoa(c))
				}
			}
			return "[" + strings.Join(cs, ", ") + "]"
		},
		func(v any, _ alarm.Kind) string {
			cs := v.([]int)
			for i, c := range cs {
				if c < 0 || c >= 16 {
					return fmt.Sprintf("has channel %d; channels are 0 to 15", c)
				}
				if slices.Contains(cs[:i], c) {
					return fmt.Sprintf("has channel %d twice", c)
				}
			}
			return ""
		}},
}

func isNil(v any) bool {
	rv := reflect.ValueOf(v)
	return !rv.IsValid() || rv.IsNil()
}

// alarmKeys returns the keys of the alarms: each kind's keys at the top level and in a source, the profile and
// the webhooks, and the custom profiles.
func alarmKeys() []Key {
	def := alarm.DefaultConfig()
	var keys []Key
	for _, scope := range []Scope{Global, Sources} {
		for _, k := range alarm.Kinds() {
			for _, f := range ruleFields {
				if !f.uses(k) {
					continue
				}
				name := "alarms." + k.String() + "." + f.name
				key := Key{Name: name, Scope: scope, FlagScope: scope, Inherited: true,
					NoFlag: "alarms are set in the configuration file",
					Doc:    k.String() + ": " + f.doc}
				if u := k.Unit(); u != "" && (f.name == "threshold" || f.name == "hysteresis" || f.name == "gate") {
					key.Doc += " (" + u + ")"
				}
				kind := k
				if scope == Global {
					key.Default = f.show(def.Rules[k])
					key.get = func(c *Config, _ *Source) any { return f.field(c.Alarms.rule(kind)) }
				} else {
					key.Default = "the top-level " + name
					key.get = func(_ *Config, s *Source) any { return f.field(s.Alarms.rule(kind)) }
				}
				key.assign = func(*Config, *Source, any) {}
				key.parse = func(string) (any, error) { return nil, errors.New("not a flag") }
				if f.check != nil {
					check := f.check
					key.check = func(_ *Config, _ *Source, v any) string {
						if isNil(v) {
							return ""
						}
						return check(v, kind)
					}
				}
				keys = append(keys, key)
			}
		}
	}
	keys = append(keys,
		global("alarms.profile", str(func(c *Config) *string { return &c.Alarms.Profile })).
			flag("profile", "NAME").defDoc("none").checkWith(checkProfile).inherited().
			doc("a loudness target that every source's loudness_high, loudness_low and true_peak_over judge: "+
				strings.Join(alarm.ProfileNames(), ", ")+", or one of profiles"),
		source("alarms.profile", Sources, str(func(s *Source) *string { return &s.Alarms.Profile })).
			noFlag("--profile sets the top-level alarms.profile").defDoc("the top-level alarms.profile").
			checkWith(checkProfile).inherited().doc("this source's loudness target"),
		global("alarms.webhooks", typed(func(c *Config, _ *Source) *[]Webhook { return &c.Alarms.Webhooks },
			func(string) ([]Webhook, error) { return nil, errors.New("not a flag") })).
			noFlag("a list of receivers is set in the configuration file").defDoc("none").
			doc("HTTP receivers of every alarm event: name, url, headers, timeout, retries, queue, backoff, max_backoff"),
		source("alarms.webhooks", Sources, typed(func(_ *Config, s *Source) *[]Webhook { return &s.Alarms.Webhooks },
			func(string) ([]Webhook, error) { return nil, errors.New("not a flag") })).
			noFlag("webhooks are set at the top level").defDoc("none").
			doc("not allowed in a source: webhooks are set once, in the top-level alarms"),
		global("profiles", typed(func(c *Config, _ *Source) *[]Profile { return &c.Profiles },
			func(string) ([]Profile, error) { return nil, errors.New("not a flag") })).
			noFlag("a list of profiles is set in the configuration file").defDoc("none").inherited().
			doc("custom loudness targets: name, description, target, tolerance, max_true_peak, max_short_term, "+
				"max_momentary, max_range"),
	)
	return keys
}

func checkProfile(c *Config, _ *Source, v any) string {
	name := v.(string)
	if name == "" {
		return ""
	}
	if _, err := c.LookupProfile(name); err != nil {
		return "is not a profile" + c.ProfileHint(name)
	}
	return ""
}

// TakeInherited sets c's top-level Inherited keys (see Key.Inherited) to o's and keeps the rest, the webhooks
// included: what a reload applies to the running configuration.
func (c *Config) TakeInherited(o *Config) {
	webhooks := c.Alarms.Webhooks
	c.LoudnessWindows, c.Profiles, c.Alarms = o.LoudnessWindows, o.Profiles, o.Alarms
	c.Alarms.Webhooks = webhooks
}

// ProfileOf returns the loudness target of source i: the profile its alarms.profile names, or else the top-level
// alarms.profile; ok is false when neither names one. The error is LookupProfile's.
func (c *Config) ProfileOf(i int) (p alarm.Profile, ok bool, err error) {
	name := c.Alarms.Profile
	if s := c.Sources[i].Alarms.Profile; s != "" {
		name = s
	}
	if name == "" {
		return alarm.Profile{}, false, nil
	}
	p, err = c.LookupProfile(name)
	return p, err == nil, err
}

// LookupProfile returns the profile named name: one of the configuration's profiles, or a named one
// (alarm.LookupProfile). The error of an unknown name wraps alarm.ErrUnknownProfile and suggests the closest.
func (c *Config) LookupProfile(name string) (alarm.Profile, error) {
	for _, p := range c.Profiles {
		if p.Name == name {
			return p.profile(), nil
		}
	}
	if p, err := alarm.LookupProfile(name); err == nil {
		return p, nil
	}
	return alarm.Profile{}, fmt.Errorf("%w %q%s", alarm.ErrUnknownProfile, name, c.ProfileHint(name))
}

// ProfileHint is what follows an unknown profile's name in a message: "; did you mean NAME?" with the closest
// name, or every name.
func (c *Config) ProfileHint(name string) string {
	names := alarm.ProfileNames()
	for _, p := range c.Profiles {
		names = append(names, p.Name)
	}
	if s := suggest(name, names); s != "" {
		return fmt.Sprintf("; did you mean %s?", s)
	}
	return "; the profiles are " + strings.Join(names, ", ")
}

func (p *Profile) profile() alarm.Profile {
	opt := func(f *float64) float64 {
		if f == nil {
			return math.NaN()
		}
		return *f
	}
	return alarm.Profile{Name: p.Name, Description: p.Description, Target: opt(p.Target), Tolerance: opt(p.Tolerance),
		MaxTruePeak: opt(p.MaxTruePeak), MaxShortTerm: opt(p.MaxShortTerm), MaxMomentary: opt(p.MaxMomentary),
		MaxRange: opt(p.MaxRange)}
}

// AlarmConfig returns the alarm configuration of sources[i]: alarm.DefaultConfig, then the source's profile
// (or the top-level one), then the top-level alarms' keys, then the source's. c must be valid.
func (c *Config) AlarmConfig(i int) (alarm.Config, error) {
	cfg := alarm.DefaultConfig()
	s := &c.Sources[i]
	p, ok, err := c.ProfileOf(i)
	if err != nil {
		return cfg, err
	}
	if ok {
		cfg.ApplyProfile(p)
	}
	for _, a := range []*Alarms{&c.Alarms, &s.Alarms} {
		for _, k := range alarm.Kinds() {
			for _, f := range ruleFields {
				if v := f.field(a.rule(k)); f.uses(k) && !isNil(v) {
					f.apply(&cfg.Rules[k], v)
				}
			}
		}
	}
	if err := cfg.Validate(); err != nil {
		return cfg, fmt.Errorf("sources[%d].alarms: %w", i, err)
	}
	return cfg, nil
}

// webhookName is w's name, or the one the webhook package derives from its URL (scheme, host and path, without
// user information, query or fragment, which may hold a token).
func webhookName(w *Webhook) string {
	if w.Name != "" {
		return w.Name
	}
	u, err := url.Parse(w.URL)
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host + u.Path
}

// WebhookTargets returns the configured webhooks as webhook targets, each named (see webhook.Target.Name).
func (c *Config) WebhookTargets() []webhook.Target {
	var ts []webhook.Target
	for _, w := range c.Alarms.Webhooks {
		ts = append(ts, webhook.Target{Name: webhookName(&w), URL: w.URL, Headers: w.Headers, Timeout: w.Timeout,
			Retries: w.Retries, Queue: w.Queue, Backoff: w.Backoff, MaxBackoff: w.MaxBackoff})
	}
	return ts
}

// validateAlarms checks what the keys cannot: keys set for a kind that does not use them, the webhooks and the
// custom profiles, item by item.
func (c *Config) validateAlarms() Errors {
	var errs Errors
	unused := func(prefix string, a *Alarms) {
		for _, k := range alarm.Kinds() {
			for _, f := range ruleFields {
				if v := f.field(a.rule(k)); !f.uses(k) && !isNil(v) {
					var users []string
					for _, u := range alarm.Kinds() {
						if f.uses(u) {
							users = append(users, u.String())
						}
					}
					errs = append(errs, c.keyError(prefix+"alarms."+k.String()+"."+f.name,
						fmt.Sprintf("is not used by %s; %s applies to %s only: remove it", k, f.name, strings.Join(users, ", "))))
				}
			}
		}
	}
	unused("", &c.Alarms)
	for i := range c.Sources {
		unused(fmt.Sprintf("sources[%d].", i), &c.Sources[i].Alarms)
		if len(c.Sources[i].Alarms.Webhooks) > 0 {
			errs = append(errs, c.keyError(fmt.Sprintf("sources[%d].alarms.webhooks", i), "is set in a source; "+
				"webhooks receive every source's events: set them in the top-level alarms"))
		}
	}
	names := map[string]int{}
	for i, w := range c.Alarms.Webhooks {
		p := fmt.Sprintf("alarms.webhooks[%d]", i)
		u, err := url.Parse(w.URL)
		switch {
		case w.URL == "":
			errs = append(errs, c.keyError(p, "has no url; give the receiver's http or https URL"))
		case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
			errs = append(errs, c.errorf(p+".url", w.URL, "is not an http or https URL"))
		}
		name := webhookName(&w)
		if j, dup := names[name]; dup && name != "" {
			errs = append(errs, c.errorf(p+".name", name, "is already the name of alarms.webhooks[%d]; "+
				"names label the metrics and must be unique", j))
		}
		names[name] = i
		for _, d := range []struct {
			key string
			v   time.Duration
		}{{"timeout", w.Timeout}, {"backoff", w.Backoff}, {"max_backoff", w.MaxBackoff}} {
			if d.v < 0 || d.v > time.Hour {
				errs = append(errs, c.errorf(p+"."+d.key, showDuration(d.v), "is out of range; must be 0s (the default) to 1h"))
			}
		}
		if w.Backoff > 0 && w.MaxBackoff > 0 && w.MaxBackoff < w.Backoff {
			errs = append(errs, c.errorf(p+".max_backoff", showDuration(w.MaxBackoff), "is below backoff (%s); raise it",
				showDuration(w.Backoff)))
		}
		if w.Retries < -1 || w.Retries > 100 {
			errs = append(errs, c.errorf(p+".retries", w.Retries, "is out of range; must be -1 (none) to 100 (0: the default)"))
		}
		if w.Queue < 0 || w.Queue > 1<<20 {
			errs = append(errs, c.errorf(p+".queue", w.Queue, "is out of range; must be 0 (the default) to %d", 1<<20))
		}
	}
	return append(errs, c.validateProfiles()...)
}

// ValidateProfiles checks the custom profiles only, as Validate would: what `levelmeter analyze` takes from a
// configuration file, whose sources (files moved, devices of another machine) are not its concern.
func (c *Config) ValidateProfiles() error {
	if errs := c.validateProfiles(); len(errs) > 0 {
		return errs
	}
	return nil
}

func (c *Config) validateProfiles() Errors {
	var errs Errors
	seen := map[string]int{}
	for i := range c.Profiles {
		pr := &c.Profiles[i]
		p := fmt.Sprintf("profiles[%d]", i)
		switch {
		case strings.TrimSpace(pr.Name) == "":
			errs = append(errs, c.keyError(p, "has no name; give the profile a name"))
		case slices.Contains(alarm.ProfileNames(), pr.Name):
			errs = append(errs, c.errorf(p+".name", pr.Name, "is the name of a built-in profile; choose another"))
		default:
			if j, dup := seen[pr.Name]; dup {
				errs = append(errs, c.errorf(p+".name", pr.Name, "is already the name of profiles[%d]", j))
			}
			seen[pr.Name] = i
		}
		if pr.Target == nil || pr.Tolerance == nil {
			errs = append(errs, c.keyError(p, "needs a target (LUFS) and a tolerance (LU)"))
			continue
		}
		if err := pr.profile().Validate(); err != nil {
			errs = append(errs, c.keyError(p, err.Error()))
		}
	}
	return errs
}
