package pipeline

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/levelmeter/levelmeter/audio"
	"github.com/levelmeter/levelmeter/ring"
)

// writer is the audio.Writer (and audio.SpaceWaiter) a source delivers to. Write runs on the audio thread: it
// copies whole frames into the ring and counts, and does nothing else.
//
// The counters are ordered so that the meter can take an exact cut: Write commits the frames it stores before it
// adds the frames it lost to dropped. A reader that loads dropped first and then drains the ring has metered
// every frame stored by each block whose loss it counted, so metered + dropped is exactly the frames captured by
// those blocks (and the ones whose frames it drained).
type writer struct {
	prod     *ring.Producer[float32]
	channels int
	frames   int // capacity in frames; never more than this many are stored
	epoch    time.Time

	captured  atomic.Int64 // frames delivered to Write, counted by the producer for the final check
	dropped   atomic.Int64 // frames Write could not store
	overflows atomic.Int64 // blocks flagged audio.InputOverflow
	blocks    atomic.Int64 // calls to Write
	newest    atomic.Int64 // time.Since(epoch) when the newest stored block was committed
	waiting   atomic.Bool  // a source is in WaitFree: held up by the meter, not stalled
}

func newWriter(prod *ring.Producer[float32], channels, frames int, epoch time.Time) *writer {
	return &writer{prod: prod, channels: channels, frames: frames, epoch: epoch}
}

// Write stores as many whole frames of p as fit and counts the rest as dropped.
func (w *writer) Write(p []float32, status audio.Status) int {
	ch := w.channels
	frames := len(p) / ch
	w.blocks.Add(1)
	if status&audio.InputOverflow != 0 {
		w.overflows.Add(1)
	}
	n := max(0, min(frames, w.frames-w.prod.Len()/ch))
	if n > 0 {
		first, second := w.prod.Reserve(n * ch)
		// The ring always has room for n frames (it holds at least w.frames); only a closed producer hands
		// out less, and then nothing is stored.
		if len(first)+len(second) < n*ch {
			n = 0
		} else {
			c := copy(first, p[:n*ch])
			copy(second, p[c:n*ch])
			w.prod.Commit(n * ch)
			w.newest.Store(int64(time.Since(w.epoch)))
		}
	}
	w.captured.Add(int64(frames))
	if lost := frames - n; lost > 0 {
		w.dropped.Add(int64(lost))
	}
	return n
}

// waitPoll bounds how long WaitFree goes without looking at its context.
const waitPoll = 50 * time.Millisecond

// WaitFree blocks until n frames can be written, ctx is done or the meter has gone.
func (w *writer) WaitFree(ctx context.Context, n int) error {
	n = max(0, min(n, w.frames))
	// Write stores at most w.frames frames, so n frames are free when the ring holds at most w.frames-n; in the
	// ring's terms (samples, capacity rounded up to a power of two), when it has this many free.
	need := w.prod.Cap() - (w.frames-n)*w.channels
	w.waiting.Store(true)
	defer w.waiting.Store(false)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		switch err := w.prod.Wait(need, waitPoll); {
		case err == nil:
			return nil
		case errors.Is(err, ring.ErrTimeout):
		default:
			return err
		}
	}
}
