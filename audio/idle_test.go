package audio

import (
	"context"
	"flag"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/levelmeter/levelmeter/internal/fakemic"
)

var idleCost = flag.Duration("idlecost", 0, "measure the CPU cost of a paced replay and of a device over this long (e.g. 10s)")
var idleBlock = flag.Int("idleblock", 256, "frames per block for -idlecost")

// cpuTime returns the CPU time the process has used, user and system.
func cpuTime(t *testing.T) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// counter is the cheapest Writer: it only counts.
type counter struct{ frames int64 }

func (c *counter) Write(p []float32, s Status) int {
	atomic.AddInt64(&c.frames, int64(len(p)/2))
	return len(p) / 2
}

// TestIdleCost measures CPU time over wall time of a 48 kHz stereo source in blocks of 256 frames, with a Writer
// that does nothing: the cost of the source alone. Run it with -idlecost=10s (and without -race).
func TestIdleCost(t *testing.T) {
	if *idleCost <= 0 {
		t.Skip("run with -idlecost=10s to measure")
	}
	// measure runs the source and measures from its first block on, past the opening.
	measure := func(t *testing.T, run func(ctx context.Context, w Writer) error) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		w := &counter{}
		done := make(chan error, 1)
		go func() { done <- run(ctx, w) }()
		waitFor(t, func() bool { return atomic.LoadInt64(&w.frames) > 0 })
		cpu0, wall0, f0 := cpuTime(t), time.Now(), atomic.LoadInt64(&w.frames)
		time.Sleep(*idleCost)
		cpu, wall, frames := cpuTime(t)-cpu0, time.Since(wall0), atomic.LoadInt64(&w.frames)-f0
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		t.Logf("%d frames in %v: %.0f frames/s; CPU %v = %.2f %% of one core",
			frames, wall.Round(time.Millisecond), float64(frames)/wall.Seconds(), cpu.Round(time.Millisecond), 100*cpu.Seconds()/wall.Seconds())
	}
	t.Run("paced file", func(t *testing.T) {
		name := filepath.Join(t.TempDir(), "sine.wav")
		ints := make([]int, 2*48000)
		for i := range ints {
			ints[i] = (i * 7919) % 20000
		}
		writeWAV(t, name, 48000, 2, ints)
		f, err := OpenFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f.Paced, f.Loop = true, true
		f.FramesPerBuffer = *idleBlock
		measure(t, f.Run)
	})
	t.Run("device", func(t *testing.T) {
		m := needMic(t)
		needFreshStream(t)
		if err := m.SetSamples(testSignal(48000)); err != nil {
			t.Fatal(err)
		}
		d := &Device{Name: fakemic.Name, Latency: fakemic.Latency, FramesPerBuffer: *idleBlock, Realtime: true}
		measure(t, d.Run)
	})
}
