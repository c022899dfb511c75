package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/levelmeter/levelmeter/config"
	"github.com/levelmeter/levelmeter/internal/daemon"
	"github.com/levelmeter/levelmeter/internal/fakemic"
	"github.com/levelmeter/levelmeter/pipeline"
)

// daemonChildEnv holds, in a child process started by startDaemon, the arguments of `levelmeter run`.
const daemonChildEnv = "LEVELMETER_RUN_CHILD_ARGS"

// TestDaemonChild is not a test: it is `levelmeter run` in a child process (the test binary run again), so that
// real signals reach a real process and its exit status is the one os.Exit gives.
func TestDaemonChild(t *testing.T) {
	args := os.Getenv(daemonChildEnv)
	if args == "" {
		t.Skip("runs only as the child of TestDaemonSignals")
	}
	var out io.Writer = os.Stdout
	if os.Getenv(daemonChildEnv+"_SLOW") != "" {
		out = &slowAfterStop{w: os.Stdout}
	}
	os.Exit(runRun(strings.Split(args, "\x1f"), out, os.Stderr))
}

// slowAfterStop is a log destination that turns slow once the daemon starts stopping, so that a second signal
// surely arrives during the shutdown.
type slowAfterStop struct {
	w       io.Writer
	mu      sync.Mutex
	stopped bool
}

func (s *slowAfterStop) Write(p []byte) (int, error) {
	s.mu.Lock()
	stopped := s.stopped
	if strings.Contains(string(p), `"stopping`) {
		s.stopped = true
	}
	s.mu.Unlock()
	if stopped {
		time.Sleep(500 * time.Millisecond)
	}
	return s.w.Write(p)
}

type child struct {
	cmd   *exec.Cmd
	lines chan map[string]any
	all   []map[string]any
}

func startDaemon(t *testing.T, slow bool, args ...string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestDaemonChild$")
	// GORACE: a race build sleeps a second at exit by default; the exit's promptness is what is measured.
	cmd.Env = append(os.Environ(), daemonChildEnv+"="+strings.Join(args, "\x1f"), "GORACE=atexit_sleep_ms=0")
	if slow {
		cmd.Env = append(cmd.Env, daemonChildEnv+"_SLOW=1")
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd, lines: make(chan map[string]any, 1024)}
	go func() {
		defer close(c.lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			var m map[string]any
			if json.Unmarshal(sc.Bytes(), &m) == nil {
				c.lines <- m
			}
		}
		io.Copy(io.Discard, out)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	return c
}

// waitLine reads the child's log until a line with message, or fails.
func (c *child) waitLine(t *testing.T, message string) map[string]any {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case m, ok := <-c.lines:
			if !ok {
				t.Fatalf("the daemon's log ended without %q", message)
			}
			c.all = append(c.all, m)
			if m["message"] == message {
				return m
			}
		case <-timeout:
			t.Fatalf("no %q within 20 s", message)
		}
	}
}

// wait returns the child's exit status and how long it took to exit.
func (c *child) wait(t *testing.T) (int, time.Duration) {
	t.Helper()
	start := time.Now()
	done := make(chan error, 1)
	go func() {
		for m := range c.lines {
			c.all = append(c.all, m)
		}
		done <- c.cmd.Wait()
	}()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
				return 128 + int(ws.Signal()), time.Since(start) // as a shell reports it
			}
			return ee.ExitCode(), time.Since(start)
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0, time.Since(start)
	case <-time.After(20 * time.Second):
		t.Fatal("the daemon did not exit within 20 s")
	}
	return -1, 0
}

// TestDaemonSignals runs the daemon as a process of its own on the shipped configuration: SIGTERM ends it with
// the summary and status 0; SIGTERM followed by SIGINT during the shutdown ends it at once with status 130.
func TestDaemonSignals(t *testing.T) {
	if _, err := os.Stat("../../testdata/demo.wav"); err != nil {
		t.Skip(err)
	}
	args := []string{"--config", "../../config.yaml", "--log-format", "json", "--listen", "", "--log-interval", "100ms"}

	t.Run("SIGTERM", func(t *testing.T) {
		c := startDaemon(t, false, args...)
		c.waitLine(t, "levels")
		c.cmd.Process.Signal(syscall.SIGTERM)
		code, took := c.wait(t)
		var summaries int
		for _, m := range c.all {
			if m["message"] == "summary" {
				summaries++
				checkSummary(t, m)
			}
		}
		if code != 0 || summaries != 1 {
			t.Fatalf("exit %d with %d summaries", code, summaries)
		}
		t.Logf("SIGTERM: exit 0 with the summary %v after the signal", took.Round(time.Millisecond))
	})

	t.Run("second signal", func(t *testing.T) {
		// The child's log turns slow once it stops, so the shutdown lasts (a summary takes 500 ms to write)
		// and the second signal surely comes during it.
		c := startDaemon(t, true, args...)
		c.waitLine(t, "levels")
		c.cmd.Process.Signal(syscall.SIGTERM)
		c.waitLine(t, "stopping: draining the rings and writing the summaries (signal again to exit at once)")
		time.Sleep(sameSignalWindow + 50*time.Millisecond) // a copy sent at once counts as the same request
		c.cmd.Process.Signal(syscall.SIGINT)
		code, took := c.wait(t)
		if code != exitForced || took > 300*time.Millisecond {
			t.Fatalf("exit %d after %v, want %d at once", code, took, exitForced)
		}
		t.Logf("SIGTERM, then SIGINT during a shutdown held up by a slow log: exit %d %v after the SIGINT", code, took.Round(time.Millisecond))
	})
}

// TestDaemonUnderTimeout: GNU timeout sends SIGTERM to the daemon and then to its whole process group, so two
// signals arrive at once; they are one request to stop, and the daemon exits 0 with its summary.
func TestDaemonUnderTimeout(t *testing.T) {
	bin, err := exec.LookPath("timeout")
	if err != nil {
		t.Skip("coreutils' timeout is not installed")
	}
	if _, err := os.Stat("../../testdata/demo.wav"); err != nil {
		t.Skip(err)
	}
	args := []string{"--config", "../../config.yaml", "--log-format", "json", "--listen", "", "--log-interval", "100ms"}
	// --preserve-status: timeout exits with the daemon's status instead of 124.
	cmd := exec.Command(bin, "--preserve-status", "-s", "TERM", "1.5", os.Args[0], "-test.run=^TestDaemonChild$")
	// The log turns slow once the daemon stops, so that the group's copy of the signal surely arrives during the
	// shutdown (when the two arrive together the kernel may merge them, which would hide a regression).
	cmd.Env = append(os.Environ(), daemonChildEnv+"="+strings.Join(args, "\x1f"), daemonChildEnv+"_SLOW=1",
		"GORACE=atexit_sleep_ms=0")
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	var summaries int
	for _, line := range strings.Split(stdout.String(), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil && m["message"] == "summary" {
			summaries++
			checkSummary(t, m)
		}
	}
	if err != nil || summaries != 1 || strings.Contains(stderr.String(), "second signal") {
		t.Fatalf("timeout 1.5 levelmeter run: %v, %d summaries; stderr:\n%s", err, summaries, stderr.String())
	}
	t.Logf("under timeout(1): SIGTERM to the daemon and to its group, exit 0 with the summary")
}

// TestRunSignalCopy: a second signal within sameSignalWindow of the first (a process group's copy) is the same
// request to stop: no forced exit, the summary is written and the status is 0.
func TestRunSignalCopy(t *testing.T) {
	if _, err := os.Stat("../../testdata/demo.wav"); err != nil {
		t.Skip(err)
	}
	forced := make(chan int, 1)
	forceExit = func(code int) { forced <- code }
	defer func() { forceExit = os.Exit }()
	sigs := make(chan os.Signal, 2)
	var out, errs syncBuffer
	done := make(chan int)
	go func() {
		done <- runDaemon([]string{"--config", "../../config.yaml", "--log-format", "json", "--listen", ""},
			&slowAfterStop{w: &out}, &errs, sigs)
	}()
	waitFor(t, &out, "levelmeter starting")
	sigs <- syscall.SIGTERM
	sigs <- syscall.SIGTERM
	select {
	case code := <-done:
		if code != 0 || len(logLines(t, out.String(), "summary")) != 1 || errs.String() != "" {
			t.Fatalf("exit %d, stderr %q, log:\n%s", code, errs.String(), out.String())
		}
	case code := <-forced:
		t.Fatalf("the copy of the signal forced exit %d", code)
	case <-time.After(20 * time.Second):
		t.Fatal("the daemon did not stop")
	}
}

// TestRunSignalDuringStartup: a signal while the sources are still being opened (PortAudio scanning devices, a
// slow sound server) stops the start at once with status 0.
func TestRunSignalDuringStartup(t *testing.T) {
	hold := make(chan struct{})
	defer close(hold)
	openSources = func(cfg *config.Config) ([]pipeline.Input, error) {
		<-hold
		return daemon.OpenInputs(cfg)
	}
	defer func() { openSources = daemon.OpenInputs }()
	sigs := make(chan os.Signal, 2)
	var out, errs syncBuffer
	done := make(chan int)
	go func() {
		done <- runDaemon([]string{"--source", "wav:../../testdata/silence.wav", "--log-format", "json", "--listen", ""}, &out, &errs, sigs)
	}()
	time.Sleep(50 * time.Millisecond)
	sigs <- syscall.SIGTERM
	select {
	case code := <-done:
		if code != 0 || len(logLines(t, out.String(), "stopped during start-up, before any source was metered")) != 1 || errs.String() != "" {
			t.Fatalf("exit %d, stderr %q, log:\n%s", code, errs.String(), out.String())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a signal during the start-up did not stop it")
	}
}

// TestDaemonSIGTERMDuringRestart: the sound server behind a device dies mid-run, the device stops delivering,
// the daemon logs the failure and retries with backoff (the retry fails too: the device is gone); SIGTERM while
// it is retrying ends it with status 0 and the summary. Terminating PortAudio here would abort the process (its
// JACK host API asserts after the server died): audio keeps it initialised (see paAcquire).
func TestDaemonSIGTERMDuringRestart(t *testing.T) {
	mic := fakemic.Setup(t)
	tone := make([]float32, 2*48000*30) // 30 s of a 1 kHz sine at -20 dBFS
	for i := range len(tone) / 2 {
		v := float32(0.1 * math.Sin(2*math.Pi*1000*float64(i)/48000))
		tone[2*i], tone[2*i+1] = v, v
	}
	if err := mic.SetSamples(tone); err != nil {
		t.Fatal(err)
	}
	c := startDaemon(t, false, "--device", fakemic.Name, "--input-latency", fakemic.Latency.String(), "--log-format", "json",
		"--listen", "", "--log-interval", "100ms")
	t.Cleanup(func() {
		if t.Failed() {
			b, _ := os.ReadFile(filepath.Join(mic.Dir, "jackd.log"))
			t.Logf("env %v; jackd.log:\n%s", mic.Env(), b)
		}
	})
	for m := c.waitLine(t, "levels"); m["captured"] == nil || m["captured"].(float64) == 0; m = c.waitLine(t, "levels") {
	} // the device delivers
	mic.Stop() // the server dies: the device stops calling back
	failed := c.waitLine(t, "source failed; restarting it")
	again := c.waitLine(t, "source failed; restarting it") // the restart finds no device: it fails, and waits longer
	if e, _ := again["error"].(string); !strings.Contains(e, "unplugged") {
		t.Errorf("the failed restart says %q; want it to say why the device may be gone", e)
	}
	time.Sleep(50 * time.Millisecond)
	c.cmd.Process.Signal(syscall.SIGTERM)
	code, took := c.wait(t)
	var summaries int
	for _, m := range c.all {
		if m["message"] == "summary" {
			summaries++
		}
	}
	if code != 0 || summaries != 1 {
		t.Fatalf("exit %d with %d summaries", code, summaries)
	}
	t.Logf("device failed (%v), SIGTERM during the retry: exit 0 with the summary %v after the signal", failed["error"], took.Round(time.Millisecond))
}

// TestRunSIGTERMDuringRestart: a replayed file is cut short under the running daemon, the source fails and is
// retried with backoff; SIGTERM while it waits to retry ends the run with status 0 and the summary.
func TestRunSIGTERMDuringRestart(t *testing.T) {
	good, err := os.ReadFile("../../testdata/sine-s16-stereo.wav")
	if err != nil {
		t.Skip(err)
	}
	wav := filepath.Join(t.TempDir(), "take.wav")
	if err := os.WriteFile(wav, good, 0o644); err != nil {
		t.Fatal(err)
	}
	sigs := make(chan os.Signal, 2)
	var out, errs syncBuffer
	done := make(chan int)
	go func() {
		done <- runDaemon([]string{"--source", "wav:" + wav, "--pace", "realtime", "--loop", "--log-format", "json",
			"--listen", "", "--log-interval", "10ms", "--report-interval", "10ms"}, &out, &errs, sigs)
	}()
	waitFor(t, &out, `"message":"levels"`)
	if err := os.Truncate(wav, 100); err != nil { // the file is cut: the replay fails, and so does every retry
		t.Fatal(err)
	}
	waitFor(t, &out, "source failed; restarting it")
	waitFor(t, &out, "source restarted") // and fails again, and waits longer
	sigs <- syscall.SIGTERM
	select {
	case code := <-done:
		log := out.String()
		if code != 0 || len(logLines(t, log, "summary")) != 1 || errs.String() != "" {
			t.Fatalf("exit %d, stderr %q, log:\n%s", code, errs.String(), log)
		}
		sum := logLines(t, log, "summary")[0]
		t.Logf("SIGTERM during the retries: exit 0; summary: restarts %v, errors %v", sum["restarts"], sum["errors"])
	case <-time.After(20 * time.Second):
		t.Fatal("the daemon did not stop within 20 s of SIGTERM")
	}
}
