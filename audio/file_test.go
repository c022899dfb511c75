package audio

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	goaudio "github.com/go-audio/audio"
	"github.com/go-audio/wav"
)

// memReader is a frameReader over samples in memory, handing out at most chunk samples per Read.
type memReader struct {
	s       []float32
	ch      int
	chunk   int // samples per Read at most (whole frames); 0 means no limit
	pos     int
	rewinds int
	failAt  int // a Read at or past this sample fails; 0 means never
	failErr error
}

func (m *memReader) Read(p []float32) (int, error) {
	if m.failAt > 0 && m.pos >= m.failAt {
		return 0, m.failErr
	}
	if m.pos >= len(m.s) {
		return 0, io.EOF
	}
	n := len(p) - len(p)%m.ch
	if m.chunk > 0 && n > m.chunk {
		n = m.chunk
	}
	n = copy(p[:n], m.s[m.pos:])
	m.pos += n
	return n, nil
}

func (m *memReader) Rewind() error {
	m.rewinds++
	m.pos = 0
	return nil
}

// ramp returns frames frames of ch channels whose every sample differs from the others.
func ramp(frames, ch int) []float32 {
	s := make([]float32, frames*ch)
	for i := range s {
		s[i] = float32(i%65536)/65536 - 0.5 + float32(i/65536)
	}
	return s
}

// recorder stores everything written, and the size of each block.
type recorder struct {
	ch     int
	got    []float32
	blocks []int
	status []Status
}

func (r *recorder) Write(p []float32, s Status) int {
	r.got = append(r.got, p...)
	r.blocks = append(r.blocks, len(p)/r.ch)
	r.status = append(r.status, s)
	return len(p) / r.ch
}

func TestReplayFast(t *testing.T) {
	for _, tc := range []struct {
		frames, fpb, ch, chunk int
		blocks                 []int
	}{
		{1000, 256, 2, 0, []int{256, 256, 256, 232}},
		{1000, 256, 2, 6, []int{256, 256, 256, 232}}, // a reader that returns little per Read still makes full blocks
		{512, 256, 1, 0, []int{256, 256}},
		{5, 256, 8, 0, []int{5}},
		{0, 256, 2, 0, nil},
		{3, 1, 3, 0, []int{1, 1, 1}},
	} {
		t.Run(fmt.Sprintf("%d frames of %d in blocks of %d", tc.frames, tc.ch, tc.fpb), func(t *testing.T) {
			want := ramp(tc.frames, tc.ch)
			rec := &recorder{ch: tc.ch}
			p := newReplay(&memReader{s: want, ch: tc.ch, chunk: tc.chunk * tc.ch}, Format{48000, tc.ch}, tc.fpb, false, false, rec)
			if err := p.run(context.Background()); err != io.EOF {
				t.Fatalf("run: %v, want io.EOF", err)
			}
			if len(rec.got) != len(want) || firstDifference(rec.got, want) >= 0 {
				t.Errorf("delivered %d samples, want %d; first difference at %d", len(rec.got), len(want), firstDifference(rec.got, want))
			}
			if fmt.Sprint(rec.blocks) != fmt.Sprint(tc.blocks) {
				t.Errorf("blocks %v, want %v", rec.blocks, tc.blocks)
			}
			for i, s := range rec.status {
				if s != 0 {
					t.Errorf("block %d has status %v", i, s)
				}
			}
		})
	}
}

func TestReplayLoop(t *testing.T) {
	const frames, ch, fpb = 1000, 2, 256
	src := ramp(frames, ch)
	r := &memReader{s: src, ch: ch}
	rec := &recorder{ch: ch}
	p := newReplay(r, Format{48000, ch}, fpb, false, true, rec)
	for range 12 { // 3072 frames: three passes and a bit
		if err := p.step(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	for i, n := range rec.blocks {
		if n != fpb {
			t.Fatalf("block %d has %d frames, want %d: a loop has no short block", i, n, fpb)
		}
	}
	for i, v := range rec.got {
		if v != src[i%len(src)] {
			t.Fatalf("sample %d is %v, want %v", i, v, src[i%len(src)])
		}
	}
	if r.rewinds != 3 {
		t.Errorf("%d rewinds, want 3", r.rewinds)
	}
	// An empty file does not loop for ever.
	p = newReplay(&memReader{ch: ch}, Format{48000, ch}, fpb, false, true, rec)
	if err := p.run(context.Background()); err != io.EOF {
		t.Errorf("looping an empty file: %v, want io.EOF", err)
	}
}

func TestReplayReadError(t *testing.T) {
	bad := errors.New("disk on fire")
	rec := &recorder{ch: 1}
	p := newReplay(&memReader{s: ramp(1000, 1), ch: 1, chunk: 100, failAt: 300, failErr: bad}, Format{48000, 1}, 256, false, false, rec)
	if err := p.run(context.Background()); !errors.Is(err, bad) {
		t.Fatalf("run: %v, want %v", err, bad)
	}
	if fmt.Sprint(rec.blocks) != "[256 100]" {
		t.Errorf("blocks %v, want [256 100]: the frames read before the error are delivered", rec.blocks)
	}
}

// ring is a SpaceWaiter with a fixed capacity: what does not fit is dropped and counted. A consumer takes the
// frames out with take.
type ring struct {
	ch, capacity int
	mu           sync.Mutex
	cond         *sync.Cond
	buf          []float32
	dropped      int
	written      int
	closed       bool
}

func newRing(ch, capacity int) *ring {
	r := &ring{ch: ch, capacity: capacity}
	r.cond = sync.NewCond(&r.mu)
	return r
}

func (r *ring) Write(p []float32, s Status) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := min(len(p)/r.ch, r.capacity-len(r.buf)/r.ch)
	r.buf = append(r.buf, p[:n*r.ch]...)
	r.dropped += len(p)/r.ch - n
	r.written += n
	r.cond.Broadcast()
	return n
}

func (r *ring) WaitFree(ctx context.Context, n int) error {
	stop := context.AfterFunc(ctx, func() {
		r.mu.Lock()
		r.cond.Broadcast()
		r.mu.Unlock()
	})
	defer stop()
	r.mu.Lock()
	defer r.mu.Unlock()
	n = min(n, r.capacity)
	for r.capacity-len(r.buf)/r.ch < n {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if r.closed {
			return errors.New("reader gone")
		}
		r.cond.Wait()
	}
	return nil
}

// take removes up to max frames' samples, waiting for at least one frame unless the ring is closed.
func (r *ring) take(dst []float32) []float32 {
	r.mu.Lock()
	defer r.mu.Unlock()
	k := min(len(dst)-len(dst)%r.ch, len(r.buf))
	out := append([]float32(nil), r.buf[:k]...)
	r.buf = append(r.buf[:0], r.buf[k:]...)
	r.cond.Broadcast()
	return out
}

func (r *ring) close() {
	r.mu.Lock()
	r.closed = true
	r.cond.Broadcast()
	r.mu.Unlock()
}

func TestReplayFastWaitsForRoom(t *testing.T) {
	const frames, ch = 20000, 2
	want := ramp(frames, ch)
	rg := newRing(ch, 300) // smaller than two blocks: the replay must wait nearly every time
	done := make(chan error, 1)
	go func() {
		done <- newReplay(&memReader{s: want, ch: ch}, Format{48000, ch}, 256, false, false, rg).run(context.Background())
	}()
	var got []float32
	dst := make([]float32, 100*ch)
	for finished := false; !finished; {
		select {
		case err := <-done:
			if err != io.EOF {
				t.Fatalf("run: %v", err)
			}
			finished = true
		default:
			time.Sleep(50 * time.Microsecond) // a slow consumer
		}
		got = append(got, rg.take(dst)...)
	}
	got = append(got, rg.take(make([]float32, len(want)))...)
	if rg.dropped != 0 {
		t.Errorf("%d frames dropped", rg.dropped)
	}
	if len(got) != len(want) || firstDifference(got, want) >= 0 {
		t.Errorf("got %d samples, want %d; first difference at %d", len(got), len(want), firstDifference(got, want))
	}
}

func TestReplayWaiterGone(t *testing.T) {
	rg := newRing(1, 10)
	rg.close()
	err := newReplay(&memReader{s: ramp(1000, 1), ch: 1}, Format{48000, 1}, 256, false, false, rg).run(context.Background())
	if err == nil || err.Error() != "reader gone" {
		t.Fatalf("run: %v, want the waiter's error", err)
	}
}

func TestReplayCancel(t *testing.T) {
	for _, tc := range []struct {
		name  string
		paced bool
		w     func() Writer
	}{
		{"paced", true, func() Writer { return newRing(2, 1<<20) }},
		{"fast, waiting for room", false, func() Writer { return newRing(2, 256) }},                                      // fills up and is never drained
		{"fast, plain writer", false, func() Writer { return WriterFunc(func(p []float32, s Status) int { return 0 }) }}, // spins through a looping file
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() {
				done <- newReplay(&memReader{s: ramp(48000, 2), ch: 2}, Format{48000, 2}, 256, tc.paced, true, tc.w()).run(ctx)
			}()
			time.Sleep(50 * time.Millisecond)
			cancel()
			start := time.Now()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("run: %v, want nil", err)
				}
				if took := time.Since(start); took > 500*time.Millisecond {
					t.Errorf("took %v to stop", took)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("did not stop within 5 s of cancel")
			}
		})
	}
}

// TestReplayPaced checks the real-time rate and that a full Writer loses frames instead of slowing the replay.
func TestReplayPaced(t *testing.T) {
	const rate, ch, fpb = 48000, 2, 480 // 10 ms blocks
	rg := newRing(ch, 4800)             // 100 ms, never drained: it fills after 10 blocks
	p := newReplay(&memReader{s: ramp(rate, ch), ch: ch}, Format{rate, ch}, fpb, true, true, rg)
	ctx, cancel := context.WithTimeout(context.Background(), 600*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := p.run(ctx); err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	offered := rg.written + rg.dropped
	want := elapsed.Seconds() * rate
	t.Logf("%d frames in %v: %.0f frames/s; %d stored, %d dropped", offered, elapsed.Round(time.Millisecond), float64(offered)/elapsed.Seconds(), rg.written, rg.dropped)
	if float64(offered) < 0.8*want || float64(offered) > 1.1*want+fpb {
		t.Errorf("%d frames delivered in %v, want about %.0f", offered, elapsed, want)
	}
	if rg.written != 4800 || rg.dropped != offered-4800 {
		t.Errorf("stored %d and dropped %d of %d, want 4800 stored and the rest dropped", rg.written, rg.dropped, offered)
	}
	if p.scheduled != int64(offered) {
		t.Errorf("scheduled %d frames, delivered %d", p.scheduled, offered)
	}
}

// TestReplayPacedFirstBlock checks that a block comes when a device would have finished capturing it, not
// before.
func TestReplayPacedFirstBlock(t *testing.T) {
	const rate, fpb = 1000, 100 // 100 ms blocks
	var times []time.Duration
	start := time.Now()
	w := WriterFunc(func(p []float32, s Status) int { times = append(times, time.Since(start)); return len(p) })
	if err := newReplay(&memReader{s: ramp(300, 1), ch: 1}, Format{rate, 1}, fpb, true, false, w).run(context.Background()); err != io.EOF {
		t.Fatal(err)
	}
	for i, at := range times {
		due := time.Duration(i+1) * 100 * time.Millisecond
		if at < due-time.Millisecond || at > due+80*time.Millisecond {
			t.Errorf("block %d came at %v, due at %v", i, at, due)
		}
	}
}

func TestReplayPacedResync(t *testing.T) {
	p := newReplay(&memReader{s: ramp(1000, 1), ch: 1}, Format{1000, 1}, 10, true, true, WriterFunc(func(p []float32, s Status) int { return len(p) }))
	p.started, p.start = true, time.Now().Add(-10*time.Second) // as if the process had been stopped for 10 s
	start := time.Now()
	for range 3 {
		if err := p.step(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	// The 10 s missed are skipped (TestReplayPaused), the first block goes at once, the next two 10 ms apart: no
	// 10 s burst.
	if took := time.Since(start); took < 15*time.Millisecond || took > 500*time.Millisecond {
		t.Errorf("three 10 ms blocks after a long stall took %v, want about 20 ms", took)
	}
}

// nullWaiter is a SpaceWaiter that always has room and allocates nothing.
type nullWaiter struct{ frames int }

func (w *nullWaiter) Write(p []float32, s Status) int           { w.frames += len(p) / 2; return len(p) / 2 }
func (w *nullWaiter) WaitFree(ctx context.Context, n int) error { return nil }

func TestReplayStepAllocatesNothing(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for _, tc := range []struct {
		name  string
		paced bool
		rate  int
	}{
		{"fast", false, 48000},
		{"paced", true, 1000000}, // 1 µs frames: the timer runs, the test stays short
	} {
		w := &nullWaiter{}
		p := newReplay(&memReader{s: ramp(1000, 2), ch: 2}, Format{tc.rate, 2}, 64, tc.paced, true, w)
		if allocs := testing.AllocsPerRun(2000, func() {
			if err := p.step(ctx); err != nil {
				t.Fatal(err)
			}
		}); allocs != 0 {
			t.Errorf("%s: %v allocations per block", tc.name, allocs)
		}
		p.close()
	}
}

func TestFramesDuration(t *testing.T) {
	for _, tc := range []struct {
		n    int64
		rate int
		want time.Duration
	}{
		{0, 48000, 0},
		{48000, 48000, time.Second},
		{256, 48000, 5333333 * time.Nanosecond},
		{44100 * 86400 * 365, 44100, 365 * 24 * time.Hour}, // a year: no overflow
	} {
		if got := framesDuration(tc.n, tc.rate); got != tc.want {
			t.Errorf("framesDuration(%d, %d) = %v, want %v", tc.n, tc.rate, got, tc.want)
		}
	}
}

// writeWAV writes 16-bit PCM samples with go-audio/wav and returns what they decode to.
func writeWAV(t testing.TB, name string, rate, ch int, ints []int) []float32 {
	t.Helper()
	f, err := os.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	e := wav.NewEncoder(f, rate, 16, ch, 1)
	if err := e.Write(&goaudio.IntBuffer{Format: &goaudio.Format{NumChannels: ch, SampleRate: rate}, Data: ints, SourceBitDepth: 16}); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	want := make([]float32, len(ints))
	for i, v := range ints {
		want[i] = float32(v) / 32768
	}
	return want
}

func TestFile(t *testing.T) {
	const rate, ch, frames = 44100, 2, 10000
	ints := make([]int, frames*ch)
	for i := range ints {
		ints[i] = int(32767 * math.Sin(float64(i)*0.01))
	}
	ints[0], ints[1] = -32768, 32767
	name := filepath.Join(t.TempDir(), "sine.wav")
	want := writeWAV(t, name, rate, ch, ints)

	f, err := OpenFile(name)
	if err != nil {
		t.Fatal(err)
	}
	if f.Format() != (Format{rate, ch}) || f.Name() != name || f.Info().Frames != frames {
		t.Errorf("Format %v, Name %q, Info %+v", f.Format(), f.Name(), f.Info())
	}
	f.FramesPerBuffer = 1000
	for range 2 { // Run opens the file again each time
		rec := &recorder{ch: ch}
		if err := f.Run(context.Background(), rec); err != io.EOF {
			t.Fatalf("Run: %v, want io.EOF", err)
		}
		if i := firstDifference(rec.got, want); i >= 0 || len(rec.got) != len(want) {
			t.Fatalf("%d samples, want %d; first difference at %d", len(rec.got), len(want), i)
		}
		if len(rec.blocks) != 10 {
			t.Errorf("%d blocks, want 10", len(rec.blocks))
		}
	}

	// Looping, paced: cancel ends it with nil.
	f.Loop, f.Paced = true, true
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	rec := &recorder{ch: ch}
	start := time.Now()
	if err := f.Run(ctx, rec); err != nil {
		t.Fatalf("looping Run: %v", err)
	}
	if n, want := len(rec.blocks), time.Since(start).Seconds()*rate/1000; float64(n) < want/2 || float64(n) > want+2 {
		t.Errorf("%d blocks of 1000 frames at 44.1 kHz in %v", n, time.Since(start))
	}
}

func TestFileErrors(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "a.wav")
	writeWAV(t, name, 48000, 2, make([]int, 200))
	if _, err := OpenFile(filepath.Join(dir, "missing.wav")); err == nil || !strings.Contains(err.Error(), "missing.wav") {
		t.Errorf("OpenFile of a missing file: %v, want an error naming it", err)
	}
	f, err := OpenFile(name)
	if err != nil {
		t.Fatal(err)
	}
	writeWAV(t, name, 44100, 1, make([]int, 200))
	if err := f.Run(context.Background(), &recorder{ch: 2}); err == nil || !strings.Contains(err.Error(), "changed since it was opened") {
		t.Errorf("Run on a file that changed: %v", err)
	}
	f.FramesPerBuffer = -1
	if err := f.Run(context.Background(), &recorder{ch: 2}); err == nil || !strings.Contains(err.Error(), "frames per buffer -1") {
		t.Errorf("Run with negative frames per buffer: %v", err)
	}
	f.FramesPerBuffer = 0
	os.Remove(name)
	if err := f.Run(context.Background(), &recorder{ch: 2}); err == nil || !strings.Contains(err.Error(), "a.wav") {
		t.Errorf("Run on a removed file: %v", err)
	}
	if err := f.Run(canceled(), &recorder{ch: 2}); err != nil {
		t.Errorf("Run with a done context: %v, want nil", err)
	}
}

// TestReplayPaused: a paced replay paused (the process stopped, the machine loaded) for less than lateLimit
// catches up with a burst and loses nothing; paused for longer it skips what it missed, as a device that
// overran its buffer loses it, and flags the next block InputOverflow. The clock is the test's: the pause is
// exact and nothing sleeps.
func TestReplayPaused(t *testing.T) {
	const rate, ch, fpb = 1000, 2, 10 // 10 ms blocks
	const pauseAt, blocks = 20, 100   // the pause comes after the 20th block
	for _, tc := range []struct {
		pause   time.Duration
		skipped int64 // frames
	}{
		{0, 0},
		{500 * time.Millisecond, 0},
		{lateLimit, 0},
		{1500 * time.Millisecond, 1500},
		{1505 * time.Millisecond, 1500}, // whole blocks; the next one goes 5 ms late
		{3 * time.Second, 3000},
		{10 * time.Second, 10000},
	} {
		t.Run(tc.pause.String(), func(t *testing.T) {
			src := ramp(20000, ch)
			clock := time.Unix(1700000000, 0)
			rec := &recorder{ch: ch}
			w := WriterFunc(func(b []float32, s Status) int {
				n := rec.Write(b, s)
				clock = clock.Add(fpb * time.Second / rate) // the block took its time to capture
				if len(rec.blocks) == pauseAt {
					clock = clock.Add(tc.pause)
				}
				return n
			})
			p := newReplay(&memReader{s: src, ch: ch}, Format{rate, ch}, fpb, true, false, w)
			defer p.close()
			var f File // what File.Skipped reports, counted as File.Run counts it
			p.total = &f.skipped
			p.now = func() time.Time { return clock }
			p.started, p.start = true, clock.Add(-fpb*time.Second/rate) // the first block is due now
			for range blocks {
				if err := p.step(context.Background()); err != nil {
					t.Fatal(err)
				}
			}
			if p.skipped != tc.skipped || f.Skipped() != tc.skipped {
				t.Errorf("skipped %d frames, File.Skipped %d, want %d", p.skipped, f.Skipped(), tc.skipped)
			}
			var overflows []int
			for i, s := range rec.status {
				if s&InputOverflow != 0 {
					overflows = append(overflows, i)
				}
			}
			wantOverflows := []int(nil)
			if tc.skipped > 0 {
				wantOverflows = []int{pauseAt} // the first block after the pause
			}
			if fmt.Sprint(overflows) != fmt.Sprint(wantOverflows) {
				t.Errorf("blocks flagged InputOverflow: %v, want %v", overflows, wantOverflows)
			}
			// Every frame delivered is the file's, in order, with the skipped ones left out.
			want := append(append([]float32(nil), src[:pauseAt*fpb*ch]...), src[(pauseAt*fpb+int(tc.skipped))*ch:(blocks*fpb+int(tc.skipped))*ch]...)
			if len(rec.got) != len(want) {
				t.Fatalf("%d samples delivered, want %d", len(rec.got), len(want))
			}
			for i := range want {
				if rec.got[i] != want[i] {
					t.Fatalf("sample %d (block %d) is %v, want %v", i, i/(fpb*ch), rec.got[i], want[i])
				}
			}
			if p.scheduled != int64(blocks*fpb)+tc.skipped {
				t.Errorf("scheduled %d frames, want %d delivered + %d skipped", p.scheduled, blocks*fpb, tc.skipped)
			}
		})
	}
}

// TestReplayPausedPastTheEnd: a file that ends while the replay skips what it missed still reports the loss,
// on an empty block, before its io.EOF.
func TestReplayPausedPastTheEnd(t *testing.T) {
	const rate, fpb = 1000, 10
	clock := time.Unix(1700000000, 0)
	rec := &recorder{ch: 1}
	w := WriterFunc(func(b []float32, s Status) int {
		n := rec.Write(b, s)
		clock = clock.Add(fpb * time.Second / rate)
		if len(rec.blocks) == 5 {
			clock = clock.Add(3 * time.Second)
		}
		return n
	})
	p := newReplay(&memReader{s: ramp(500, 1), ch: 1}, Format{rate, 1}, fpb, true, false, w)
	defer p.close()
	p.now = func() time.Time { return clock }
	p.started, p.start = true, clock.Add(-fpb*time.Second/rate)
	if err := p.run(context.Background()); err != io.EOF {
		t.Fatalf("run: %v, want io.EOF", err)
	}
	last := len(rec.blocks) - 1
	if len(rec.blocks) != 6 || rec.blocks[last] != 0 || rec.status[last] != InputOverflow {
		t.Errorf("blocks %v with status %v, want 5 blocks of 10 frames and an empty one flagged InputOverflow", rec.blocks, rec.status)
	}
	if p.skipped != 450 {
		t.Errorf("skipped %d frames, want the 450 left", p.skipped)
	}
}
