package main

import (
	"bufio"
	"bytes"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// groupMembers returns the live processes (zombies excepted) of process group pgid, from /proc.
func groupMembers(t *testing.T, pgid int) []string {
	t.Helper()
	stats, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil {
		t.Fatal(err)
	}
	var live []string
	for _, path := range stats {
		b, err := os.ReadFile(path)
		if err != nil {
			continue // gone meanwhile
		}
		// pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses, so split after its last ')'.
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(b[i+1:]))
		if len(f) < 3 || f[0] == "Z" {
			continue
		}
		if g, _ := strconv.Atoi(f[2]); g == pgid {
			live = append(live, string(b[:i+1])+" "+f[0])
		}
	}
	return live
}

// TestForcedExitKillsCommands: a command source runs a script that ignores SIGTERM and has started a child
// that ignores it too. SIGTERM starts the shutdown, which waits kill_grace for the command to end; a second
// SIGTERM forces the exit (status 130), and nothing of the command's process group outlives it, the grandchild
// included: Pdeathsig alone reaches only the script, and the grandchild lived on, re-parented to init.
func TestForcedExitKillsCommands(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("needs /proc:", err)
	}
	dir := t.TempDir()
	pgidFile := filepath.Join(dir, "pgid")
	script := filepath.Join(dir, "feed.sh")
	// 0.1 s of silence, s16le stereo 48 kHz, every 0.1 s; the subshell is the grandchild, its sleeps are below it.
	err := os.WriteFile(script, []byte(`#!/bin/sh
trap '' TERM
echo $$ > "`+pgidFile+`.tmp" && mv "`+pgidFile+`.tmp" "`+pgidFile+`"
( trap '' TERM; while :; do sleep 1; done ) &
while :; do head -c 19200 /dev/zero; sleep 0.1; done
`), 0o755)
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "config.yaml")
	err = os.WriteFile(cfg, []byte(fmt.Sprintf(`sources:
  - name: feed
    command: [%q]
    format: s16le
    sample_rate: 48000
    channels: 2
    kill_grace: 20s
`, script)), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	c := startDaemon(t, false, "--config", cfg, "--log-format", "json", "--listen", "", "--log-interval", "100ms")
	c.waitLine(t, "levels")
	b, err := os.ReadFile(pgidFile)
	if err != nil {
		t.Fatal(err)
	}
	pgid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Kill(-pgid, syscall.SIGKILL) }) // whatever the outcome
	if n := len(groupMembers(t, pgid)); n < 3 {
		t.Fatalf("the command's group has %d live processes, want the script, its subshell and a sleep", n)
	}

	c.cmd.Process.Signal(syscall.SIGTERM)
	c.waitLine(t, "stopping: draining the rings and writing the summaries (signal again to exit at once)")
	time.Sleep(sameSignalWindow + 250*time.Millisecond)
	c.cmd.Process.Signal(syscall.SIGTERM)
	if code, _ := c.wait(t); code != exitForced {
		t.Fatalf("exit %d after the second signal, want %d", code, exitForced)
	}
	// SIGKILL is sent before the exit; the kernel takes a moment to end the processes.
	var live []string
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if live = groupMembers(t, pgid); len(live) == 0 {
			return
		}
	}
	t.Fatalf("after the forced exit the command's group %d lives on:\n%s", pgid, strings.Join(live, "\n"))
}

// TestPausedReplayCountsSkippedFrames: the daemon replaying the demo in real time is stopped (SIGSTOP) for 3 s and
// continued. The replay, held up beyond its second of catch-up, skips what it missed, as an overrun device
// loses it: the log's loss warning and /metrics say how many frames (about 3 s of audio) and the log how long,
// not only that one block overflowed.
func TestPausedReplayCountsSkippedFrames(t *testing.T) {
	if _, err := os.Stat("../../testdata/demo.wav"); err != nil {
		t.Skip(err)
	}
	c := startDaemon(t, false, "--config", "../../config.yaml", "--log-format", "json", "--listen", "127.0.0.1:0",
		"--log-interval", "100ms")
	addr, _ := c.waitLine(t, "levelmeter starting")["listen"].(string)
	c.waitLine(t, "levels")
	const pause = 3 * time.Second
	c.cmd.Process.Signal(syscall.SIGSTOP)
	time.Sleep(pause)
	c.cmd.Process.Signal(syscall.SIGCONT)

	const rate = 48000 // the demo's
	// Skipped: what the pause missed but the block due at the end (a replay held up over a second skips all of
	// it, as an overrun device loses it); the bounds leave room for a loaded machine's late signals.
	lo, hi := (pause-time.Second).Seconds()*rate, (pause+time.Second).Seconds()*rate
	var warning map[string]any
	for deadline := time.After(20 * time.Second); warning == nil; {
		select {
		case m, ok := <-c.lines:
			if !ok {
				t.Fatal("the daemon's log ended without a loss warning")
			}
			if _, ok := m["skipped_frames"]; ok && m["level"] == "warn" {
				warning = m
			}
		case <-deadline:
			t.Fatal("no warning with skipped_frames within 20 s of the pause")
		}
	}
	n, _ := warning["skipped_frames"].(float64)
	secs, _ := warning["skipped_seconds"].(float64)
	if n < lo || n > hi || warning["overflows"] != 1.0 || secs != n/rate {
		t.Errorf("after a %v pause the warning says %v; want %v to %v frames skipped, 1 overflow, and the seconds",
			pause, warning, lo, hi)
	}
	t.Logf("after a %v pause: %q, %v frames (%v s) skipped", pause, warning["message"], n, secs)

	// The metrics reporter may take the report a moment after the log's.
	var metric string
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		metric = scrape(t, addr, `levelmeter_input_skipped_frames_total{source="demo"} `)
		got, _ := strconv.ParseFloat(metric[strings.LastIndexByte(metric, ' ')+1:], 64)
		if metric != "" && got >= n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/metrics: %q, want the %v frames the log said", metric, n)
		}
	}
	c.cmd.Process.Signal(syscall.SIGTERM)
	if code, _ := c.wait(t); code != 0 {
		t.Errorf("exit %d after SIGTERM", code)
	}
}

// scrape returns the line of addr's /metrics that starts with prefix, or "".
func scrape(t *testing.T, addr, prefix string) string {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	for sc := bufio.NewScanner(resp.Body); sc.Scan(); {
		if strings.HasPrefix(sc.Text(), prefix) {
			return sc.Text()
		}
	}
	return ""
}
