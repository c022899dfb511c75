package main

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"
)

// TestDaemonReload runs the daemon as a process of its own and edits its configuration file between SIGHUPs: an
// unchanged source keeps running through the reload (one summary covering the whole run: its meter was not
// reset), a changed one restarts, a removed one ends with its summary, a new one starts, a changed global key
// is said to need a restart, and a broken file is refused with one error line while the daemon runs on. SIGTERM
// then ends it with status 0 and a summary per source run.
func TestDaemonReload(t *testing.T) {
	wav, err := filepath.Abs("../../testdata/sine-s16-stereo.wav")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "config.yaml")
	writeConfig := func(text string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	source := func(name, extra string) string {
		return "  - name: " + name + "\n    wav: " + wav + "\n    loop: true\n" + extra
	}
	writeConfig("sources:\n" + source("keep", "") + source("change", "") + source("gone", "") +
		"log:\n  format: json\n  interval: 100ms\nhttp:\n  listen: \"\"\n")
	c := startDaemon(t, false, "--config", path)
	c.waitLine(t, "levels")
	t0 := time.Now()
	time.Sleep(700 * time.Millisecond)

	writeConfig("sources:\n" + source("keep", "") + source("change", "    frames_per_buffer: 512\n") + source("new", "") +
		"report_interval: 50ms\nlog:\n  format: json\n  interval: 100ms\nhttp:\n  listen: \"\"\n")
	c.cmd.Process.Signal(syscall.SIGHUP)
	reloaded := c.waitLine(t, "configuration reloaded")
	tReload := time.Now()
	for key, want := range map[string][]string{"kept": {"keep"}, "restarted": {"change"}, "removed": {"gone"}, "added": {"new"}} {
		var got []string
		list, _ := reloaded[key].([]any)
		for _, s := range list {
			got = append(got, s.(string))
		}
		if !slices.Equal(got, want) {
			t.Errorf("reloaded: %s %v, want %v", key, got, want)
		}
	}
	time.Sleep(300 * time.Millisecond)

	writeConfig("sources:\n" + source("keep", "    ring_capacity: 1000\n"))
	c.cmd.Process.Signal(syscall.SIGHUP)
	failed := c.waitLine(t, "reload failed: the running configuration is kept")
	t.Logf("reloaded: %v\nrefused: %v", reloaded, failed)
	if failed["level"] != "error" {
		t.Errorf("the failed reload is logged at %v, want error", failed["level"])
	}
	time.Sleep(300 * time.Millisecond)
	c.cmd.Process.Signal(syscall.SIGTERM)
	t1 := time.Now()
	code, _ := c.wait(t)
	if code != 0 {
		t.Fatalf("exit %d after SIGTERM, want 0", code)
	}

	summaries := map[string][]map[string]any{}
	var restartWarned bool
	for _, m := range c.all {
		switch m["message"] {
		case "summary":
			checkSummary(t, m)
			summaries[m["source"].(string)] = append(summaries[m["source"].(string)], m)
		case "configuration reloaded":
		default:
			if m["level"] == "warn" {
				keys, _ := m["keys"].([]any)
				restartWarned = restartWarned || slices.Contains(keys, any("report_interval"))
			}
		}
	}
	for name, want := range map[string]int{"keep": 1, "change": 2, "gone": 1, "new": 1} {
		if got := len(summaries[name]); got != want {
			t.Errorf("%d summaries of %s, want %d", got, name, want)
		}
	}
	if !restartWarned {
		t.Error("no warning that report_interval needs a restart")
	}
	if k := summaries["keep"]; len(k) == 1 {
		audio := k[0]["audio_s"].(float64)
		if whole := t1.Sub(t0).Seconds(); audio < whole-0.2 {
			t.Errorf("keep's summary covers %.2f s of audio, want the whole run (%.2f s): its meter was reset", audio, whole)
		}
		if i, ok := k[0]["integrated_lufs"].(float64); !ok || math.IsInf(i, 0) {
			t.Errorf("keep's integrated loudness %v", k[0]["integrated_lufs"])
		}
	}
	if ch := summaries["change"]; len(ch) == 2 {
		if audio, since := ch[1]["audio_s"].(float64), t1.Sub(tReload).Seconds(); audio > since+0.3 {
			t.Errorf("the restarted source's summary covers %.2f s, more than the %.2f s since the reload", audio, since)
		}
	}
}
