package main

import (
	"math"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	sd "github.com/coreos/go-systemd/v22/daemon"
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
		// Its summary spans the whole run, and its meter holds more audio than has played since the reload.
		duration, audio := k[0]["duration_s"].(float64), k[0]["audio_s"].(float64)
		if whole := t1.Sub(t0).Seconds(); duration < whole-0.2 {
			t.Errorf("keep's summary covers %.2f s, want the whole run (%.2f s): it was restarted", duration, whole)
		}
		if since := t1.Sub(tReload).Seconds(); k[0]["overflows"].(float64) == 0 && audio < since+0.4 {
			t.Errorf("keep's meter holds %.2f s of audio, %.2f s played since the reload: its meter was reset", audio, since)
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

// TestDaemonNotifiesSystemd runs the daemon as systemd runs a unit of Type=notify with WatchdogSec=: it says
// READY=1 once it runs, feeds the watchdog while the meters report, frames a SIGHUP's reload with RELOADING=1
// (with the monotonic time systemd asks for) and READY=1, and says STOPPING=1 on SIGTERM.
func TestDaemonNotifiesSystemd(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "notify")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	msgs := make(chan string, 256)
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := conn.Read(buf)
			if err != nil {
				close(msgs)
				return
			}
			msgs <- string(buf[:n])
		}
	}()
	next := func(want string) string {
		t.Helper()
		timeout := time.After(20 * time.Second)
		for {
			select {
			case m := <-msgs:
				if strings.HasPrefix(m, want) {
					return m
				}
				if m != sd.SdNotifyWatchdog {
					t.Fatalf("notification %q while waiting for %q", m, want)
				}
			case <-timeout:
				t.Fatalf("no %q within 20 s", want)
			}
		}
	}
	t.Setenv("NOTIFY_SOCKET", sock)
	t.Setenv("WATCHDOG_USEC", "100000") // fed every 50 ms
	c := startDaemon(t, false, "--source", "wav:../../testdata/sine-s16-stereo.wav", "--loop", "--log-format", "json",
		"--listen", "")
	if m := <-msgs; m != sd.SdNotifyReady {
		t.Fatalf("first notification %q, want READY=1", m)
	}
	next(sd.SdNotifyWatchdog)
	next(sd.SdNotifyWatchdog)
	c.cmd.Process.Signal(syscall.SIGHUP)
	if m := next(sd.SdNotifyReloading); !regexp.MustCompile(`^RELOADING=1\nMONOTONIC_USEC=\d+\n?$`).MatchString(m) {
		t.Errorf("reloading notification %q", m)
	}
	next(sd.SdNotifyReady)
	c.cmd.Process.Signal(syscall.SIGTERM)
	next(sd.SdNotifyStopping)
	if code, _ := c.wait(t); code != 0 {
		t.Fatalf("exit %d", code)
	}
}
