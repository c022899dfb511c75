package config

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestFormatValue: an error shows a value as the file would write it, whatever type holds it; a pointer (the
// alarms' keys, which tell "not set" from zero) shows what it points to, never its address.
func TestFormatValue(t *testing.T) {
	var nilFloat *float64
	for _, tc := range []struct {
		v    any
		want string
	}{
		{"a\x1b", `"a\x1b"`},
		{ptr("x"), `"x"`},
		{-3, "-3"},
		{ptr(16384), "16384"},
		{-3.5, "-3.5"},
		{ptr(-3.0), "-3"},
		{ptr(-1.5), "-1.5"},
		{nilFloat, "null"},
		{true, "true"},
		{ptr(false), "false"},
		{1500 * time.Millisecond, "1.5s"},
		{ptr(-time.Second), "-1s"},
		{[]string{"a", "b"}, `["a", "b"]`},
		{[]int{0, 16}, "[0, 16]"},
		{[]time.Duration{time.Minute, time.Hour}, "[1m, 1h]"},
		{ptr([]time.Duration{10 * time.Minute}), "[10m]"},
		{(*[]time.Duration)(nil), "null"},
		{Argv{"sox", "-d"}, `["sox", "-d"]`},
		{nil, "null"},
		{[]Profile{{Name: "house", Target: ptr(-16.0), Tolerance: ptr(1.0)}},
			`[{name: "house", target: -16, tolerance: 1}]`},
		{[]Webhook{{URL: "https://h/", Headers: map[string]string{"Authorization": "Bearer y"}, Retries: 3}},
			`[{url: "https://h/", headers: {Authorization: …}, retries: 3}]`},
	} {
		if got := formatValue(tc.v); got != tc.want {
			t.Errorf("formatValue(%T %v) = %s, want %s", tc.v, tc.v, got, tc.want)
		}
	}
}

// TestFormatValueEveryKey: every key's value, set and unset, shows without an address; a new key whose type
// formatValue does not know fails here.
func TestFormatValueEveryKey(t *testing.T) {
	c, err := Parse([]byte(fullAlarms), "x.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, cfg := range []*Config{Default(), c} {
		if len(cfg.Sources) == 0 {
			cfg.Sources = []Source{{}}
		}
		for i := range Keys {
			k := &Keys[i]
			v := k.Value(cfg, 0)
			if got := formatValue(v); strings.Contains(got, "0x") || strings.Contains(got, "<nil>") {
				t.Errorf("%s (%T): shown as %s", k.Name, v, got)
			}
		}
	}
}

// fullAlarms sets every kind of alarm key, at the top level and in a source, so that no pointer is nil.
const fullAlarms = `
sources:
  - device: default
    alarms:
      silence: {enabled: true, threshold: -60, hysteresis: 3, on_delay: 2s, off_delay: 1s, gate: -70}
      channel_dead: {channels: [0, 1], threshold: -60, gate: -50}
alarms:
  silence: {enabled: true, threshold: -60, hysteresis: 3, on_delay: 2s, off_delay: 1s, gate: -70}
  clipping: {window: 1s, threshold: -0.1}
  phase_inverted: {gate: -50, window: 3s}
`

// TestBadAlarmValues: an error about an alarm key shows the value written, for each type of alarm key.
func TestBadAlarmValues(t *testing.T) {
	src := "sources:\n  - device: default\n"
	for _, tc := range []struct{ yaml, want string }{
		{"alarms: {silence: {hysteresis: -3}}",
			"x.yaml:3: alarms.silence.hysteresis: -3 is not a finite number of 0 or more"},
		{"alarms: {silence: {threshold: .nan}}",
			"x.yaml:3: alarms.silence.threshold: NaN is not a finite number"},
		{"alarms: {loudness_high: {threshold: -.inf}}",
			"x.yaml:3: alarms.loudness_high.threshold: -Inf is not a finite number"},
		{"alarms: {phase_inverted: {gate: .inf}}",
			"x.yaml:3: alarms.phase_inverted.gate: +Inf is not a finite number"},
		{"alarms: {silence: {on_delay: 25h}}",
			"x.yaml:3: alarms.silence.on_delay: 25h0m0s is out of range; must be 0s to 24h"},
		{"alarms: {clipping: {window: 0s}}",
			"x.yaml:3: alarms.clipping.window: 0s is out of range; must be more than 0s, up to 24h"},
	} {
		t.Run(tc.yaml, func(t *testing.T) {
			c, err := Parse([]byte(src+tc.yaml+"\n"), "x.yaml")
			if err == nil {
				err = c.Validate()
			}
			if err == nil || err.Error() != tc.want {
				t.Fatalf("error\n  %v\nwant\n  %s", err, tc.want)
			}
		})
	}
}

// TestFormatValueKnowsKeyTypes: the types TestFormatValue covers are every type a key holds.
func TestFormatValueKnowsKeyTypes(t *testing.T) {
	known := map[reflect.Type]bool{}
	for _, v := range []any{"", 0, 0.0, false, time.Duration(0), []string{}, []int{}, []time.Duration{},
		ptr(0.0), ptr(false), ptr(time.Duration(0)), ptr([]time.Duration{}), Argv{},
		[]Profile{}, []Webhook{}} {
		known[reflect.TypeOf(v)] = true
	}
	c := Default()
	c.Sources = []Source{{}}
	for i := range Keys {
		k := &Keys[i]
		if typ := reflect.TypeOf(k.Value(c, 0)); !known[typ] {
			t.Errorf("%s holds a %v: add it to TestFormatValue", k.Name, typ)
		}
	}
}
