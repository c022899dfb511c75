//go:build unix

package audio

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// childCommand returns a Command that runs the stream child with the given environment.
func childCommand(enc Encoding, env ...string) *Command {
	return &Command{
		Args:       []string{os.Args[0], "-test.run=^$"},
		Env:        append(append(os.Environ(), childEnv+"=stream", "CHILD_ENC="+enc.String()), env...),
		Encoding:   enc,
		SampleRate: 8000,
		Channels:   2,
		KillGrace:  time.Second,
	}
}

// collector stores what is written; safe to read while the source runs.
type collector struct {
	ch     int
	mu     sync.Mutex
	got    []float32
	blocks int
}

func (c *collector) Write(p []float32, s Status) int {
	c.mu.Lock()
	c.got = append(c.got, p...)
	c.blocks++
	c.mu.Unlock()
	return len(p) / c.ch
}

func (c *collector) frames() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.got) / c.ch
}

// waitFrames waits until c holds n frames.
func (c *collector) waitFrames(t *testing.T, n int) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); c.frames() < n; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d frames after 20 s, want %d", c.frames(), n)
		}
	}
}

// checkStream checks got against the stream child's signal from frame 0, within tol.
func checkStream(t *testing.T, got []float32, ch int, tol float64) {
	t.Helper()
	for k, v := range got {
		if want := streamValue(k/ch, k%ch); math.Abs(float64(v)-want) > tol {
			t.Fatalf("sample %d (frame %d, channel %d) = %v, want %v", k, k/ch, k%ch, v, want)
		}
	}
}

// TestCommandEncodings: each encoding through a real child is delivered sample for sample, and the end of the
// stream is an error that says how the command exited; a second Run starts it again.
func TestCommandEncodings(t *testing.T) {
	for _, enc := range []Encoding{WAV, S16LE, S24LE, S32LE, F32LE} {
		t.Run(enc.String(), func(t *testing.T) {
			t.Parallel()
			c := childCommand(enc, "CHILD_FRAMES=4001", "CHILD_EXIT=3", "CHILD_STDERR=bye\n")
			for run := 1; run <= 2; run++ {
				w := &collector{ch: 2}
				err := c.Run(context.Background(), w)
				if !errors.Is(err, ErrExited) || !strings.Contains(err.Error(), "exited with status 3") ||
					!strings.Contains(err.Error(), `"bye"`) {
					t.Fatalf("run %d: %v, want ErrExited with status 3 and the last message", run, err)
				}
				if len(w.got) != 4001*2 {
					t.Fatalf("run %d: %d frames, want 4001", run, len(w.got)/2)
				}
				checkStream(t, w.got, 2, 1e-9)
			}
			st := c.Stats()
			if st.Runs != 2 || st.Exits != 2 || st.Frames != 8002 || st.Stalls != 0 || st.Lag != 0 {
				t.Errorf("Stats() = %+v, want 2 runs, 2 exits, 8002 frames", st)
			}
		})
	}
}

func TestCommandErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		c    *Command
		want string
		is   error
	}{
		{"no command", &Command{SampleRate: 8000, Channels: 2}, "needs a command", nil},
		{"not declared", &Command{Args: []string{"true"}}, "declare its sample rate", nil},
		{"shell with args", &Command{Args: []string{"a", "b"}, Shell: true, SampleRate: 8000, Channels: 1}, "one string", nil},
		{"not found", &Command{Args: []string{"levelmeter-no-such-tool"}, SampleRate: 8000, Channels: 1}, "executable file not found", exec.ErrNotFound},
		{"exits at once", &Command{Args: []string{"sh", "-c", "echo 'no such stream' >&2; exit 1"}, SampleRate: 8000, Channels: 1}, `exited with status 1 after`, ErrExited},
		{"not WAV", &Command{Args: []string{"echo", "hello there, not audio"}, SampleRate: 8000, Channels: 1}, "ffmpeg's -f wav -", nil},
		{"mismatch", childCommand(WAV, "CHILD_RATE=44100"), "the stream is 44100 Hz, 2 channels, 16-bit PCM, but 8000 Hz, 2 channels were declared", ErrFormatMismatch},
		{"shell", &Command{Args: []string{"echo x | cat >&2; exit 4"}, Shell: true, SampleRate: 8000, Channels: 1}, `exited with status 4 after`, ErrExited},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.c.Run(context.Background(), &collector{ch: 1})
			if err == nil || !strings.Contains(err.Error(), tc.want) || (tc.is != nil && !errors.Is(err, tc.is)) {
				t.Errorf("Run: %v\nwant an error saying %q (errors.Is %v)", err, tc.want, tc.is)
			}
			t.Log(err)
		})
	}
}

// pidsOf reads the pids the stream child wrote.
func pidsOf(t *testing.T, file string) (child, grandchild int) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		b, _ := os.ReadFile(file)
		if f := strings.Fields(string(b)); len(f) == 2 {
			child, _ = strconv.Atoi(f[0])
			grandchild, _ = strconv.Atoi(f[1])
			return child, grandchild
		}
		if time.Now().After(deadline) {
			t.Fatal("the child wrote no pids in 20 s")
		}
	}
}

// checkGone fails unless pid has ended: no process, or (for a process that is not ours) a zombie left for
// its reaper. A child of ours must be gone, not a zombie.
func checkGone(t *testing.T, what string, pid int, ours bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			return
		}
		// pid (comm) state ppid ...
		s := string(b)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if !ours && len(f) > 0 && (f[0] == "Z" || f[0] == "X") {
			return
		}
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("%s %d is still there: %s", what, pid, s)
		}
	}
}

// TestCommandLeavesNoProcess: however a run ends, the command and what it started in its group are gone
// when Run returns, and the command was waited for.
func TestCommandLeavesNoProcess(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  []string
		stop func(cancel func()) // ends the run; nil: the run ends by itself
		want error
	}{
		{"cancelled", []string{"CHILD_THEN=loop"}, func(cancel func()) { cancel() }, nil},
		{"ignores SIGTERM", []string{"CHILD_THEN=loop", "CHILD_NOTERM=1"}, func(cancel func()) { cancel() }, nil},
		{"exits", []string{"CHILD_FRAMES=800", "CHILD_PACE=1"}, nil, ErrExited},
		{"stalls", []string{"CHILD_FRAMES=800", "CHILD_THEN=stall"}, nil, ErrStalled},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			file := filepath.Join(t.TempDir(), "pids")
			c := childCommand(WAV, append(tc.env, "CHILD_PIDS="+file)...)
			c.KillGrace = 300 * time.Millisecond
			if tc.want == ErrStalled {
				c.StallTimeout = 300 * time.Millisecond
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			w := &collector{ch: 2}
			done := make(chan error, 1)
			start := time.Now()
			go func() { done <- c.Run(ctx, w) }()
			child, grandchild := pidsOf(t, file)
			w.waitFrames(t, 400)
			if tc.stop != nil {
				tc.stop(cancel)
			}
			var err error
			select {
			case err = <-done:
			case <-time.After(20 * time.Second):
				t.Fatal("Run did not return in 20 s")
			}
			if (tc.want == nil && err != nil) || !errors.Is(err, tc.want) {
				t.Fatalf("Run: %v, want %v", err, tc.want)
			}
			t.Logf("Run returned %v after %v", err, time.Since(start).Round(time.Millisecond))
			checkGone(t, "the command", child, true)
			checkGone(t, "its child", grandchild, false)
			if errors.Is(tc.want, ErrStalled) && c.Stats().Stalls != 1 {
				t.Errorf("Stats() = %+v, want 1 stall", c.Stats())
			}
		})
	}
}

// TestCommandDiesWithLevelmeter: a levelmeter killed outright (SIGKILL, no shutdown) takes its command with it.
func TestCommandDiesWithLevelmeter(t *testing.T) {
	file := filepath.Join(t.TempDir(), "pids")
	runner := exec.Command(os.Args[0], "-test.run=^$")
	runner.Env = append(os.Environ(), childEnv+"=runner", "CHILD_PIDS="+file)
	if err := runner.Start(); err != nil {
		t.Fatal(err)
	}
	child, grandchild := pidsOf(t, file)
	// The grandchild is the command's own child, which only a normal shutdown reaches: clean it up.
	defer syscall.Kill(grandchild, syscall.SIGKILL)
	runner.Process.Kill()
	runner.Wait()
	checkGone(t, "the command of a killed levelmeter", child, false)
}

func TestCommandStderr(t *testing.T) {
	long := strings.Repeat("é", 400) // 800 bytes
	text := "first line\nprogress 1\rprogress 2\r\n\x1b[31mred\x1b[0m and \xff\xfe bytes\tand a tab\n" + long + "\nlast"
	var mu sync.Mutex
	var lines []string
	c := childCommand(WAV, "CHILD_FRAMES=10", "CHILD_STDERR="+text)
	c.Stderr = func(s string) {
		mu.Lock()
		lines = append(lines, s)
		mu.Unlock()
	}
	err := c.Run(context.Background(), &collector{ch: 2})
	if !errors.Is(err, ErrExited) || !strings.Contains(err.Error(), `(its last message: "last")`) {
		t.Errorf("Run: %v, want ErrExited with the last line", err)
	}
	cut := strings.Repeat("é", 256) + " … [288 bytes cut]"
	want := []string{"first line", "progress 1", "progress 2", `\x1b[31mred\x1b[0m and \xff\xfe bytes` + "\tand a tab", cut, "last"}
	mu.Lock()
	defer mu.Unlock()
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("logged:\n%q\nwant:\n%q", lines, want)
	}
}

// TestStderrRateLimit: a burst of StderrBurst lines, then StderrPerMinute a minute, and the line after a
// suppressed stretch says how many were suppressed.
func TestStderrRateLimit(t *testing.T) {
	var got []string
	l := newStderrLog(func(s string) { got = append(got, s) })
	now := time.Unix(1000, 0)
	l.now = func() time.Time { return now }
	for i := range 100 {
		l.line([]byte("line "+strconv.Itoa(i)), 0)
	}
	if len(got) != StderrBurst {
		t.Fatalf("%d lines logged of a burst of 100, want %d", len(got), StderrBurst)
	}
	now = now.Add(time.Minute / StderrPerMinute)
	l.line([]byte("after a second"), 0)
	l.line([]byte("too soon"), 0)
	want := fmt.Sprintf("after a second [%d lines suppressed before this one]", 100-StderrBurst)
	if len(got) != StderrBurst+1 || got[StderrBurst] != want {
		t.Errorf("then logged %q, want %q", got[StderrBurst:], want)
	}
	if l.last() != "too soon" {
		t.Errorf("last() = %q, want the last line read, logged or not", l.last())
	}
}

// TestCommandStallRecovers: a command that stops writing is stopped after StallTimeout, and the next Run
// starts it again.
func TestCommandStallRecovers(t *testing.T) {
	c := childCommand(S16LE, "CHILD_FRAMES=800", "CHILD_THEN=stall")
	c.StallTimeout = 200 * time.Millisecond
	for run := 1; run <= 2; run++ {
		w := &collector{ch: 2}
		start := time.Now()
		err := c.Run(context.Background(), w)
		if !errors.Is(err, ErrStalled) || w.frames() != 800 {
			t.Fatalf("run %d: %v after %d frames, want ErrStalled after 800", run, err, w.frames())
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("run %d took %v", run, d)
		}
	}
	if st := c.Stats(); st.Stalls != 2 || st.Runs != 2 {
		t.Errorf("Stats() = %+v, want 2 runs, 2 stalls", st)
	}
}

// TestCommandLag: a stream written in real time keeps its lag near 0; one written at once is far ahead of the
// clock (negative lag).
func TestCommandLag(t *testing.T) {
	c := childCommand(S16LE, "CHILD_THEN=loop")
	ctx, cancel := context.WithCancel(context.Background())
	w := &collector{ch: 2}
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx, w) }()
	w.waitFrames(t, 8000) // a second
	lag := c.Stats().Lag
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if lag < -100*time.Millisecond || lag > 300*time.Millisecond {
		t.Errorf("lag of a real-time stream after a second: %v, want about 0", lag)
	}
	if st := c.Stats(); st.Lag != 0 {
		t.Errorf("lag between runs: %v, want 0", st.Lag)
	}

	// 10 s of audio at once: the stream clock runs far ahead of the wall clock.
	var atEnd time.Duration
	burst := childCommand(S16LE, "CHILD_FRAMES=80000")
	burst.Run(context.Background(), WriterFunc(func(p []float32, s Status) int {
		atEnd = burst.Stats().Lag
		return len(p) / 2
	}))
	if atEnd > -5*time.Second {
		t.Errorf("lag after 10 s of audio in a burst: %v, want well below -5 s", atEnd)
	}
}

// repeatReader returns the same bytes forever.
type repeatReader struct {
	b   []byte
	off int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	n := copy(p, r.b[r.off:])
	r.off = (r.off + n) % len(r.b)
	return n, nil
}

// TestStreamStepAllocatesNothing: reading, converting and delivering a block allocates nothing, in every
// encoding.
func TestStreamStepAllocatesNothing(t *testing.T) {
	for _, enc := range []Encoding{S16LE, S24LE, S32LE, F32LE} {
		info := enc.rawInfo(Format{SampleRate: 48000, Channels: 2})
		in := &repeatReader{b: encodeFrames(0, 4000, 2, info.BitsPerSample, enc == F32LE)}
		r, err := openStream(in, enc, Format{SampleRate: 48000, Channels: 2})
		if err != nil {
			t.Fatal(err)
		}
		st := &streamStats{}
		st.rate.Store(48000)
		var frames int
		var w Writer = WriterFunc(func(p []float32, s Status) int { frames += len(p) / 2; return len(p) / 2 })
		if enc == S32LE {
			w = &countWaiter{frames: &frames} // and waiting for room
		}
		sr := newStreamReader(r, w, 1024, 2, st)
		ctx := context.Background()
		if allocs := testing.AllocsPerRun(500, func() {
			if err := sr.step(ctx); err != nil {
				t.Fatal(err)
			}
		}); allocs != 0 {
			t.Errorf("%v: %v allocations per block, want 0", enc, allocs)
		}
		if frames == 0 || st.frames.Load() != int64(frames) {
			t.Errorf("%v: %d frames delivered, %d counted", enc, frames, st.frames.Load())
		}
	}
}

func TestCommandString(t *testing.T) {
	c := &Command{Args: []string{"ffmpeg", "-i", "http://example.com/a b", "-f", "wav", "-"}}
	if got, want := c.String(), `ffmpeg -i "http://example.com/a b" -f wav -`; got != want {
		t.Errorf("String() = %s, want %s", got, want)
	}
}

// TestCommandProbe: Probe reads a WAV command's format from its header, and stops it.
func TestCommandProbe(t *testing.T) {
	c := childCommand(WAV, "CHILD_RATE=44100", "CHILD_CH=3", "CHILD_THEN=loop")
	c.SampleRate, c.Channels = 0, 0
	info, err := c.Probe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if info.SampleRate != 44100 || info.Channels != 3 || info.BitsPerSample != 16 {
		t.Errorf("Probe: %v, want 44100 Hz, 3 channels, 16-bit", info)
	}
	var _ io.Reader
}

type countWaiter struct{ frames *int }

func (w *countWaiter) Write(p []float32, s Status) int           { *w.frames += len(p) / 2; return len(p) / 2 }
func (w *countWaiter) WaitFree(ctx context.Context, n int) error { return nil }

// TestKillCommandGroups: KillCommandGroups, which a forced exit calls, kills a running command's whole group at
// once, a command and a child that ignore SIGTERM included, without waiting for the kill grace; a finished run
// leaves nothing in the registry. Not parallel: it kills every running command of the process.
func TestKillCommandGroups(t *testing.T) {
	file := filepath.Join(t.TempDir(), "pids")
	c := childCommand(WAV, "CHILD_THEN=loop", "CHILD_NOTERM=1", "CHILD_PIDS="+file)
	c.KillGrace = time.Minute
	w := &collector{ch: 2}
	done := make(chan error, 1)
	go func() { done <- c.Run(context.Background(), w) }()
	child, grandchild := pidsOf(t, file)
	w.waitFrames(t, 400)
	if n := KillCommandGroups(); n < 1 {
		t.Fatalf("KillCommandGroups signalled %d groups with a command running", n)
	}
	checkGone(t, "the command", child, true)
	checkGone(t, "its child", grandchild, false)
	select {
	case err := <-done:
		if !errors.Is(err, ErrExited) {
			t.Errorf("Run: %v, want ErrExited (killed)", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Run did not return in 20 s after its command was killed")
	}
	if n := KillCommandGroups(); n != 0 {
		t.Errorf("%d groups left in the registry after Run returned", n)
	}
}
