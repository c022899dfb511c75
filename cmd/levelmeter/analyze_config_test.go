package main

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAnalyzeConfigProfiles: --profile names the custom profiles of a configuration file as well as the named
// ones; the file is --config or, as for run, config.yaml when it is there; only its profiles: matter.
func TestAnalyzeConfigProfiles(t *testing.T) {
	wav := writeWAVSpec(t, "loud.wav", wavSpec{rate: 48000, channels: 2}, toneIn(48000, 2, 4, -2, 0, 1))
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	house := write("house.yaml", "profiles: [{name: house, target: -16, tolerance: 1, max_true_peak: -1.5}]\n"+
		"sources: [{wav: gone.wav}]\n") // the daemon's sources are not analyze's concern
	broken := write("broken.yaml", "profiles: [{name: house, target: -16}]\n")
	t.Chdir(dir)

	r, _ := analyzeJSON(t, "--config", house, "--profile", "house", wav)
	if r.Profile == nil || r.Profile.Name != "house" || len(r.Profile.Criteria) != 2 || r.Profile.Gain == nil ||
		math.Abs(*r.Profile.Gain-(-16-integrated(r))) > 1e-9 {
		t.Fatalf("--profile house from --config: %+v (integrated %v)", r.Profile, integrated(r))
	}
	for _, tc := range []struct {
		name   string
		args   []string
		status int
		stderr string
	}{
		{"suggests a custom name", []string{"--config", house, "--profile", "hous", wav}, 2,
			"levelmeter analyze: --profile hous: unknown profile; did you mean house?\n"},
		{"lists the custom names", []string{"--config", house, "--profile", "x", wav}, 2,
			"the profiles are aes-td1008-music, aes-td1008-speech, atsc-a85, ebu-r128, ebu-r128-s1, streaming, house\n"},
		{"no config.yaml: the named ones", []string{"--profile", "house", wav}, 2,
			"levelmeter analyze: --profile house: unknown profile; the profiles are aes-td1008-music, " +
				"aes-td1008-speech, atsc-a85, ebu-r128, ebu-r128-s1, streaming\n"},
		{"a given file must be there", []string{"--config", "nope.yaml", wav}, 2,
			"levelmeter analyze: config file nope.yaml does not exist"},
		{"a bad profile is one line", []string{"--config", broken, "--profile", "ebu-r128", wav}, 2,
			"levelmeter analyze: " + broken + ":1: profiles[0]: needs a target (LUFS) and a tolerance (LU)\n"},
		{"no config.yaml, no --profile", []string{wav}, 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, errs, status := analyze(t, tc.args...)
			if status != tc.status || !strings.Contains(errs, tc.stderr) {
				t.Errorf("%q: status %d, stderr %q; want %d, %q", tc.args, status, errs, tc.status, tc.stderr)
			}
		})
	}

	// config.yaml in the working directory is read as run reads it, and only when --profile needs it: a broken
	// one stops neither a plain analyze nor one against a named profile.
	write("config.yaml", "profiles: [{name: house, target: -16, tolerance: 1}]\n")
	if r, _ := analyzeJSON(t, "--profile", "house", wav); r.Profile == nil || r.Profile.Name != "house" {
		t.Errorf("--profile house with config.yaml here: %+v", r.Profile)
	}
	write("config.yaml", "profiles: [{name: house}]\n")
	if _, errs, status := analyze(t, wav); status != 0 || errs != "" {
		t.Errorf("a broken config.yaml and no --profile: status %d, stderr %q", status, errs)
	}
	if r, _ := analyzeJSON(t, "--profile", "ebu-r128", wav); r.Profile == nil || r.Profile.Name != "ebu-r128" {
		t.Errorf("a broken config.yaml and a named --profile: %+v", r.Profile)
	}
	// The top-level alarms.profile judges the daemon's sources; analyze judges only with --profile.
	write("config.yaml", "alarms: {profile: ebu-r128}\n")
	if r, _ := analyzeJSON(t, wav); r.Profile != nil {
		t.Errorf("alarms.profile in config.yaml judged a file without --profile: %+v", r.Profile)
	}
}
