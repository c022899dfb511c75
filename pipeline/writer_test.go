package pipeline

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/levelmeter/levelmeter/audio"
	"github.com/levelmeter/levelmeter/ring"
)

func newTestWriter(t *testing.T, channels, frames int) (*writer, *ring.Consumer[float32]) {
	t.Helper()
	prod, cons, err := ring.NewSPSC[float32](pow2(frames * channels))
	if err != nil {
		t.Fatal(err)
	}
	return newWriter(prod, channels, frames, time.Now()), cons
}

// TestWriterWholeFrames: the writer stores whole frames only, never more than its capacity in frames even when the
// ring (rounded up to a power of two) has room, and counts what it did not store.
func TestWriterWholeFrames(t *testing.T) {
	w, cons := newTestWriter(t, 3, 16) // a ring of 64 samples holding at most 16 frames of 3
	block := make([]float32, 30)       // 10 frames
	for i := range block {
		block[i] = float32(i)
	}
	steps := []struct {
		read, want int // frames read before the write, frames stored
	}{
		{0, 10}, {0, 6}, {0, 0}, {7, 7}, {16, 10},
	}
	buf := make([]float32, 64)
	var stored, offered int64
	for i, s := range steps {
		if s.read > 0 {
			if n := cons.Read(buf[:3*s.read]); n != 3*s.read {
				t.Fatalf("step %d: read %d samples, want %d", i, n, 3*s.read)
			}
		}
		if n := w.Write(block, 0); n != s.want {
			t.Fatalf("step %d: Write stored %d frames, want %d", i, n, s.want)
		}
		stored += int64(s.want)
		offered += 10
		if l := cons.Len(); l%3 != 0 || l > 48 {
			t.Fatalf("step %d: ring holds %d samples: not whole frames, or more than 16 frames", i, l)
		}
	}
	if w.captured.Load() != offered || w.dropped.Load() != offered-stored {
		t.Fatalf("captured %d dropped %d; want %d and %d", w.captured.Load(), w.dropped.Load(), offered, offered-stored)
	}
	// The frames that went in come out in order, whole.
	n := cons.Read(buf)
	if n != 30 || buf[0] != 0 || buf[29] != 29 {
		t.Fatalf("read back %d samples %v", n, buf[:n])
	}
}

func TestWriterOverflowFlag(t *testing.T) {
	w, _ := newTestWriter(t, 2, 64)
	w.Write(make([]float32, 8), audio.InputOverflow)
	w.Write(make([]float32, 8), 0)
	if w.overflows.Load() != 1 || w.blocks.Load() != 2 {
		t.Fatalf("overflows %d blocks %d", w.overflows.Load(), w.blocks.Load())
	}
}

// TestWriterAllocs: the audio-thread path allocates nothing, whether the frames fit or are dropped.
func TestWriterAllocs(t *testing.T) {
	w, cons := newTestWriter(t, 2, 1024)
	block := make([]float32, 2*256)
	buf := make([]float32, 2*1024)
	allocs := testing.AllocsPerRun(2000, func() {
		for range 5 { // 1280 frames into a ring of 1024: the last block is partly dropped
			w.Write(block, audio.InputOverflow)
		}
		cons.Read(buf)
	})
	if allocs != 0 {
		t.Fatalf("Write allocates %.1f times per run", allocs)
	}
	if w.dropped.Load() == 0 {
		t.Fatal("the test did not exercise dropping")
	}
}

func TestWriterWaitFree(t *testing.T) {
	w, cons := newTestWriter(t, 2, 16)
	w.Write(make([]float32, 32), 0) // full
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := w.WaitFree(ctx, 1); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WaitFree on a full ring = %v, want the context's error", err)
	}
	go func() {
		time.Sleep(10 * time.Millisecond)
		cons.Read(make([]float32, 8)) // 4 frames
	}()
	if err := w.WaitFree(context.Background(), 4); err != nil {
		t.Fatalf("WaitFree(4) = %v", err)
	}
	if err := w.WaitFree(context.Background(), 4); err != nil {
		t.Fatalf("WaitFree(4) with 4 free = %v", err)
	}
	cons.Close()
	if err := w.WaitFree(context.Background(), 16); !errors.Is(err, ring.ErrClosed) {
		t.Fatalf("WaitFree after the reader closed = %v, want ring.ErrClosed", err)
	}
}

func BenchmarkWriterWrite(b *testing.B) {
	prod, cons, _ := ring.NewSPSC[float32](4096)
	w := newWriter(prod, 2, 2048, time.Now())
	block := make([]float32, 2*256)
	buf := make([]float32, 4096)
	b.ReportAllocs()
	b.SetBytes(int64(len(block) * 4))
	for b.Loop() {
		w.Write(block, 0)
		cons.Read(buf[:len(block)])
	}
}

// BenchmarkChannelBlock is the baseline for BenchmarkWriterWrite: the same 256-frame stereo block handed over
// through a buffered Go channel of arrays (copied in and out), as a naive pipeline would.
func BenchmarkChannelBlock(b *testing.B) {
	c := make(chan [512]float32, 8)
	var block, out [512]float32
	b.ReportAllocs()
	b.SetBytes(int64(len(block) * 4))
	for b.Loop() {
		c <- block
		out = <-c
	}
	_ = out
}
