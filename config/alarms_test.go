package config

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/levelmeter/levelmeter/alarm"
)

// TestAlarmConfig: a source's alarm configuration is the defaults, then the profile, then the top-level keys,
// then the source's own.
func TestAlarmConfig(t *testing.T) {
	c, err := Parse([]byte(`
sources:
  - device: default
  - name: other
    device: default
    alarms:
      profile: streaming
      silence: {threshold: -60, enabled: true}
      channel_dead: {channels: [2, 3]}
alarms:
  profile: ebu-r128
  silence: {on_delay: 2s, enabled: false}
  true_peak_over: {threshold: -2}
  webhooks:
    - name: pager
      url: https://example.net/hook?token=x
      headers: {Authorization: Bearer y}
      timeout: 2s
      retries: 3
profiles:
  - {name: house, target: -16, tolerance: 2, max_true_peak: -1.5}
`), "x.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	def := alarm.DefaultConfig()
	a0, err := c.AlarmConfig(0)
	if err != nil {
		t.Fatal(err)
	}
	s := a0.Rules[alarm.Silence]
	if s.Enabled || s.OnDelay != 2*time.Second || s.Threshold != def.Rules[alarm.Silence].Threshold {
		t.Errorf("sources[0] silence %+v: want the top level's on_delay and enabled, the default threshold", s)
	}
	if hi := a0.Rules[alarm.LoudnessHigh]; !hi.Enabled || hi.Threshold != -22 {
		t.Errorf("sources[0] loudness_high %+v: want ebu-r128's -23 + 1", hi)
	}
	if tp := a0.Rules[alarm.TruePeakOver]; tp.Threshold != -2 {
		t.Errorf("sources[0] true_peak_over %+v: the top level's -2 beats the profile's ceiling", tp)
	}
	a1, err := c.AlarmConfig(1)
	if err != nil {
		t.Fatal(err)
	}
	if s := a1.Rules[alarm.Silence]; !s.Enabled || s.Threshold != -60 || s.OnDelay != 2*time.Second {
		t.Errorf("sources[1] silence %+v: want its own threshold and enabled, the top level's on_delay", s)
	}
	if lo := a1.Rules[alarm.LoudnessLow]; !lo.Enabled || lo.Threshold != -15 {
		t.Errorf("sources[1] loudness_low %+v: want streaming's -14 - 1", lo)
	}
	if cd := a1.Rules[alarm.ChannelDead]; cd.Channels != 0b1100 {
		t.Errorf("sources[1] channel_dead channels %b, want 1100", cd.Channels)
	}
	ts := c.WebhookTargets()
	if len(ts) != 1 || ts[0].Name != "pager" || ts[0].Headers["Authorization"] != "Bearer y" ||
		ts[0].Timeout != 2*time.Second || ts[0].Retries != 3 {
		t.Errorf("webhook targets %+v", ts)
	}
	p, err := c.LookupProfile("house")
	if err != nil || p.Target != -16 || p.MaxTruePeak != -1.5 || p.MaxRange == p.MaxRange {
		t.Errorf("custom profile %+v, %v: want target -16, ceiling -1.5, no range limit (NaN)", p, err)
	}
	if _, err := c.LookupProfile("hous"); !errors.Is(err, alarm.ErrUnknownProfile) || !strings.Contains(err.Error(), "did you mean house?") {
		t.Errorf("unknown profile: %v", err)
	}
}

// TestBadAlarms: every mistake in the alarms is one line naming the key, what is wrong and what to do.
func TestBadAlarms(t *testing.T) {
	src := "sources:\n  - device: default\n"
	for _, tc := range []struct{ name, yaml, want string }{
		{"unknown kind", src + "alarms:\n  silense: {enabled: false}\n",
			"x.yaml:4: alarms.silense: unknown key; did you mean silence? Valid keys in alarms are silence, clipping, " +
				"true_peak_over, loudness_high, loudness_low, phase_inverted, channel_dead, dc_offset, source_stalled, profile, webhooks"},
		{"unknown field", src + "alarms:\n  silence: {ondelay: 2s}\n",
			"x.yaml:4: alarms.silence.ondelay: unknown key; did you mean on_delay? Valid keys in alarms.silence are " +
				"enabled, threshold, hysteresis, on_delay, off_delay, window, gate, channels"},
		{"unused field", src + "alarms:\n  silence:\n    window: 2s\n",
			"x.yaml:5: alarms.silence.window: is not used by silence; window applies to clipping, phase_inverted, dc_offset only: remove it"},
		{"unknown profile", src + "alarms:\n  profile: ebu-r129\n",
			`x.yaml:4: alarms.profile: "ebu-r129" is not a profile; did you mean ebu-r128?`},
		{"source profile", "sources:\n  - device: default\n    alarms: {profile: nope}\n",
			`x.yaml:3: sources[0].alarms.profile: "nope" is not a profile; the profiles are ` +
				strings.Join(alarm.ProfileNames(), ", ")},
		{"negative delay", src + "alarms:\n  clipping: {off_delay: -1s}\n",
			`x.yaml:4: alarms.clipping.off_delay: -1s is out of range; must be 0s to 24h`},
		{"bad channel", "sources:\n  - device: default\n    alarms:\n      channel_dead: {channels: [0, 16]}\n",
			`x.yaml:4: sources[0].alarms.channel_dead.channels: [0, 16] has channel 16; channels are 0 to 15`},
		{"webhook in a source", "sources:\n  - device: default\n    alarms:\n      webhooks: [{url: http://h/}]\n",
			"x.yaml:4: sources[0].alarms.webhooks: is set in a source; webhooks receive every source's events: set them in the top-level alarms"},
		{"webhook url", src + "alarms:\n  webhooks:\n    - url: ftp://h/x\n",
			`x.yaml:5: alarms.webhooks[0].url: "ftp://h/x" is not an http or https URL`},
		{"webhook headers", src + "alarms:\n  webhooks:\n    - url: http://h/\n      headers: [a]\n",
			`x.yaml:6: alarms.webhooks[0].headers: is a list; expected a mapping of names to values`},
		{"webhook backoff", src + "alarms:\n  webhooks:\n    - {url: http://h/, backoff: 2s, max_backoff: 1s}\n",
			`x.yaml:5: alarms.webhooks[0].max_backoff: "1s" is below backoff (2s); raise it`},
		{"duplicate webhook", src + "alarms:\n  webhooks:\n    - url: http://h/a\n    - url: http://h/a\n",
			`x.yaml:6: alarms.webhooks[1].name: "http://h/a" is already the name of alarms.webhooks[0]; names label the metrics and must be unique`},
		{"profile without tolerance", src + "profiles:\n  - {name: mine, target: -18}\n",
			"x.yaml:4: profiles[0]: needs a target (LUFS) and a tolerance (LU)"},
		{"profile shadows", src + "profiles:\n  - {name: streaming, target: -18, tolerance: 1}\n",
			`x.yaml:4: profiles[0].name: "streaming" is the name of a built-in profile; choose another`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse([]byte(tc.yaml), "x.yaml")
			if err == nil {
				err = c.Validate()
			}
			if err == nil || err.Error() != tc.want {
				t.Fatalf("error\n  %v\nwant\n  %s", err, tc.want)
			}
		})
	}
}

// TestAlarmKindsInOrder: the fields of Alarms are the alarm kinds, named and ordered as alarm.Kind (rule finds
// a kind's field by its index).
func TestAlarmKindsInOrder(t *testing.T) {
	names := fieldNames(reflect.TypeOf(Alarms{}))
	for _, k := range alarm.Kinds() {
		if names[k] != k.String() {
			t.Errorf("field %d of Alarms is %q, want %q", k, names[k], k)
		}
	}
}

// TestTakeInherited: TakeInherited copies exactly the top-level keys marked Inherited, so that a reload applies
// them and keeps every other global key.
func TestTakeInherited(t *testing.T) {
	a := Default()
	b, err := Parse([]byte(`
sources: [{wav: x.wav}]
report_interval: 2s
loudness_windows: [5m]
alarms:
  profile: ebu-r128
  silence: {threshold: -40}
  webhooks: [{url: "http://example.org/hook"}]
profiles: [{name: house, target: -16}]
`), "x.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c := *a
	c.TakeInherited(b)
	for i := range Keys {
		k := &Keys[i]
		if k.Scope != Global {
			continue
		}
		want := a
		if k.Inherited {
			want = b
		}
		if got := k.Value(&c, 0); !reflect.DeepEqual(got, k.Value(want, 0)) {
			t.Errorf("%s after TakeInherited: %v, want %v (inherited %v)", k.Name, got, k.Value(want, 0), k.Inherited)
		}
	}
}
