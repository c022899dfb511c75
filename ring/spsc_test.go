package ring

import (
	"errors"
	"math/rand/v2"
	"sync"
	"testing"
	"time"
)

func newSPSC(t testing.TB, capacity int) (*Producer[int], *Consumer[int]) {
	t.Helper()
	p, c, err := NewSPSC[int](capacity)
	if err != nil {
		t.Fatal(err)
	}
	return p, c
}

func fill(s []int, from int) int {
	for i := range s {
		s[i] = from + i
	}
	return from + len(s)
}

func TestSPSCReserveCommit(t *testing.T) {
	tests := []struct {
		name          string
		pre           int // items pushed and popped first
		held          int // items left in the ring
		reserve       int
		first, second int // lengths Reserve hands out
		commit        int
		err           error
	}{
		{"all", 0, 0, 8, 8, 0, 8, nil},
		{"part", 0, 0, 5, 5, 0, 3, nil},
		{"wraps", 6, 0, 5, 2, 3, 5, nil},
		{"wraps, commit first only", 6, 0, 5, 2, 3, 2, nil},
		{"short", 0, 5, 6, 3, 0, 3, nil},
		{"short and wraps", 5, 2, 8, 1, 5, 6, nil},
		{"full", 0, 8, 1, 0, 0, 0, nil},
		{"none", 0, 0, 0, 0, 0, 0, nil},
		{"negative", 0, 0, -3, 0, 0, 0, nil},
		{"commit too many", 0, 0, 4, 4, 0, 5, ErrInvalidCount},
		{"commit negative", 0, 0, 4, 4, 0, -1, ErrInvalidCount},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, c := newSPSC(t, 8)
			for i := range tt.pre {
				p.Push(i)
				c.Pop()
			}
			next := 0
			for range tt.held {
				p.Push(next)
				next++
			}
			first, second := p.Reserve(tt.reserve)
			if len(first) != tt.first || len(second) != tt.second {
				t.Fatalf("Reserve(%d) = %d+%d slots, want %d+%d", tt.reserve, len(first), len(second), tt.first, tt.second)
			}
			if cap(first) != len(first) || cap(second) != len(second) {
				t.Errorf("Reserve slices reach past the reservation: caps %d, %d", cap(first), cap(second))
			}
			next = fill(first, next)
			fill(second, next)
			if err := p.Commit(tt.commit); !errors.Is(err, tt.err) {
				t.Fatalf("Commit(%d) = %v, want %v", tt.commit, err, tt.err)
			}
			committed := tt.commit
			if tt.err != nil {
				committed = 0
			}
			if got := c.Len(); got != tt.held+committed {
				t.Fatalf("Len = %d, want %d", got, tt.held+committed)
			}
			for i := range tt.held + committed {
				if v, err := c.Pop(); v != i || err != nil {
					t.Fatalf("Pop #%d = %d, %v", i, v, err)
				}
			}
			if err := p.Commit(1); tt.err == nil && !errors.Is(err, ErrInvalidCount) {
				t.Errorf("second Commit = %v, want ErrInvalidCount", err)
			}
			if want := uint64(max(0, tt.reserve-tt.first-tt.second)); p.Stats().Overflows != want {
				t.Errorf("Overflows = %d, want %d", p.Stats().Overflows, want)
			}
		})
	}
}

func TestSPSCAcquireRelease(t *testing.T) {
	tests := []struct {
		name          string
		pre, held     int
		acquire       int
		first, second int
		release       int
		err           error
	}{
		{"all", 0, 8, 8, 8, 0, 8, nil},
		{"part", 0, 8, 3, 3, 0, 2, nil},
		{"wraps", 6, 5, 5, 2, 3, 5, nil},
		{"short", 0, 2, 5, 2, 0, 2, nil},
		{"short and wraps", 7, 4, 8, 1, 3, 3, nil},
		{"empty", 0, 0, 4, 0, 0, 0, nil},
		{"release too many", 0, 4, 2, 2, 0, 3, ErrInvalidCount},
		{"release negative", 0, 4, 2, 2, 0, -1, ErrInvalidCount},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, c := newSPSC(t, 8)
			for i := range tt.pre {
				p.Push(i)
				c.Pop()
			}
			for i := range tt.held {
				p.Push(i)
			}
			first, second := c.Acquire(tt.acquire)
			if len(first) != tt.first || len(second) != tt.second {
				t.Fatalf("Acquire(%d) = %d+%d items, want %d+%d", tt.acquire, len(first), len(second), tt.first, tt.second)
			}
			for i, v := range append(append([]int(nil), first...), second...) {
				if v != i {
					t.Fatalf("acquired item %d = %d", i, v)
				}
			}
			if err := c.Release(tt.release); !errors.Is(err, tt.err) {
				t.Fatalf("Release(%d) = %v, want %v", tt.release, err, tt.err)
			}
			released := tt.release
			if tt.err != nil { // the acquisition is still open: Pop must not take its items
				released = 0
				if _, err := c.Pop(); !errors.Is(err, ErrPending) {
					t.Errorf("Pop after a failed Release = %v, want ErrPending", err)
				}
				c.Release(0)
			}
			if got := p.Len(); got != tt.held-released {
				t.Fatalf("Len = %d, want %d", got, tt.held-released)
			}
			if v, err := c.Pop(); tt.held > released && (v != released || err != nil) {
				t.Errorf("Pop after Release = %d, %v; want %d", v, err, released)
			}
		})
	}
}

func TestSPSCClose(t *testing.T) {
	p, c := newSPSC(t, 4)
	p.Push(1)
	p.Push(2)
	if c.Closed() || p.Closed() {
		t.Fatal("Closed before Close")
	}
	p.Close()
	p.Close() // harmless
	if !c.Closed() {
		t.Error("Consumer.Closed = false after Producer.Close")
	}
	if err := p.Push(3); !errors.Is(err, ErrClosed) {
		t.Errorf("Push after Close = %v, want ErrClosed", err)
	}
	if n := p.Write([]int{3}); n != 0 {
		t.Errorf("Write after Close = %d", n)
	}
	if f, s := p.Reserve(1); len(f)+len(s) != 0 {
		t.Error("Reserve after Close handed out slots")
	}
	if err := c.Wait(2, 0); err != nil {
		t.Errorf("Wait(2) with 2 left after close = %v, want nil", err)
	}
	if err := c.Wait(3, time.Second); !errors.Is(err, ErrClosed) {
		t.Errorf("Wait(3) with 2 left after close = %v, want ErrClosed", err)
	}
	for want := 1; want <= 2; want++ {
		if v, err := c.Pop(); v != want || err != nil {
			t.Fatalf("Pop = %d, %v; want %d", v, err, want)
		}
	}
	if _, err := c.Pop(); !errors.Is(err, ErrClosed) {
		t.Errorf("Pop after drain = %v, want ErrClosed", err)
	}
	if n := c.Read(make([]int, 2)); n != 0 {
		t.Errorf("Read after drain = %d", n)
	}
	if u := c.Stats().Underflows; u != 0 {
		t.Errorf("Underflows = %d: reading the end of a closed stream is not an underflow", u)
	}

	p, c = newSPSC(t, 4)
	c.Close()
	if !p.Closed() {
		t.Error("Producer.Closed = false after Consumer.Close")
	}
	if err := p.Wait(1, time.Second); !errors.Is(err, ErrClosed) {
		t.Errorf("Producer.Wait after Consumer.Close = %v, want ErrClosed", err)
	}
	if err := p.Push(1); err != nil {
		t.Errorf("Push after Consumer.Close = %v; the producer side must keep working", err)
	}
	if _, err := c.Pop(); !errors.Is(err, ErrClosed) {
		t.Errorf("Pop on a closed Consumer = %v, want ErrClosed", err)
	}
	if err := c.Wait(1, 0); !errors.Is(err, ErrClosed) {
		t.Errorf("Wait on a closed Consumer = %v, want ErrClosed", err)
	}
}

func TestSPSCWaitArguments(t *testing.T) {
	p, c := newSPSC(t, 4)
	tests := []struct {
		name string
		wait func(n int, d time.Duration) error
		n    int
		d    time.Duration
		want error
	}{
		{"consumer n<0", c.Wait, -1, 0, ErrInvalidCount},
		{"consumer n>cap", c.Wait, 5, 0, ErrInvalidCount},
		{"consumer n=0", c.Wait, 0, 0, nil},
		{"consumer empty, no wait", c.Wait, 1, 0, ErrTimeout},
		{"consumer empty, short wait", c.Wait, 1, time.Millisecond, ErrTimeout},
		{"producer n<0", p.Wait, -1, 0, ErrInvalidCount},
		{"producer n>cap", p.Wait, 5, 0, ErrInvalidCount},
		{"producer all free", p.Wait, 4, 0, nil},
	}
	for _, tt := range tests {
		if err := tt.wait(tt.n, tt.d); !errors.Is(err, tt.want) {
			t.Errorf("%s: Wait(%d, %v) = %v, want %v", tt.name, tt.n, tt.d, err, tt.want)
		}
	}
	p.Write([]int{1, 2, 3, 4})
	start := time.Now()
	if err := p.Wait(1, 20*time.Millisecond); !errors.Is(err, ErrTimeout) {
		t.Errorf("producer Wait on full = %v, want ErrTimeout", err)
	}
	if d := time.Since(start); d < 20*time.Millisecond {
		t.Errorf("Wait returned after %v, before its timeout", d)
	}
}

// TestSPSCWaitWakes checks that a parked side is woken by the other side, by Close, and only when what it waits
// for is there.
func TestSPSCWaitWakes(t *testing.T) {
	p, c := newSPSC(t, 8)
	done := make(chan error)
	go func() { done <- c.Wait(3, -1) }()
	for i := range 3 {
		time.Sleep(2 * time.Millisecond)
		select {
		case err := <-done:
			t.Fatalf("Wait(3) returned %v after %d items", err, i)
		default:
		}
		p.Push(i)
	}
	if err := <-done; err != nil {
		t.Fatalf("Wait(3) = %v", err)
	}

	go func() { done <- c.Wait(6, -1) }()
	time.Sleep(2 * time.Millisecond)
	p.Close()
	if err := <-done; !errors.Is(err, ErrClosed) {
		t.Fatalf("Wait(6) woken by Close = %v, want ErrClosed", err)
	}

	p, c = newSPSC(t, 4)
	p.Write([]int{1, 2, 3, 4})
	go func() { done <- p.Wait(2, -1) }()
	c.Pop()
	time.Sleep(2 * time.Millisecond)
	select {
	case err := <-done:
		t.Fatalf("producer Wait(2) returned %v with 1 slot free", err)
	default:
	}
	c.Pop()
	if err := <-done; err != nil {
		t.Fatalf("producer Wait(2) = %v", err)
	}
	go func() { done <- p.Wait(4, -1) }()
	time.Sleep(2 * time.Millisecond)
	c.Close()
	if err := <-done; !errors.Is(err, ErrClosed) {
		t.Fatalf("producer Wait woken by Consumer.Close = %v, want ErrClosed", err)
	}
}

func TestSPSCHighWater(t *testing.T) {
	p, c := newSPSC(t, 16)
	p.Write(make([]int, 5))
	c.Read(make([]int, 4))
	for range 3 {
		p.Push(0)
	}
	c.Read(make([]int, 4))
	first, _ := p.Reserve(7)
	p.Commit(len(first))
	if hw := c.Stats().HighWater; hw != 7 {
		t.Errorf("HighWater = %d, want 7", hw)
	}
}

func stressItems() int {
	switch {
	case raceEnabled:
		return 500_000
	case testing.Short():
		return 1_000_000
	}
	return 10_000_000
}

// TestSPSCStress moves millions of items through small rings between two goroutines with every combination of
// single and batch operations, and checks that each one arrives once, in order.
func TestSPSCStress(t *testing.T) {
	total := stressItems()
	tests := []struct {
		name     string
		capacity int
		items    int
		batch    bool // random mix of Push/Write/Reserve and Pop/Read/Acquire, else Push and Pop only
	}{
		{"single items", 64, total, false},
		{"batches", 256, total, true},
		{"tiny ring", 2, total / 10, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, c := newSPSC(t, tt.capacity)
			var wg sync.WaitGroup
			wg.Go(func() {
				defer p.Close()
				rng := rand.New(rand.NewPCG(1, 2))
				src := make([]int, tt.capacity)
				next := 0
				for next < tt.items {
					if err := p.Wait(1, -1); err != nil {
						t.Errorf("producer Wait: %v", err)
						return
					}
					op := 0
					if tt.batch {
						op = rng.IntN(3)
					}
					switch op {
					case 0:
						if p.Push(next) == nil {
							next++
						}
					case 1:
						m := min(1+rng.IntN(len(src)), tt.items-next)
						fill(src[:m], next)
						next += p.Write(src[:m])
					case 2:
						first, second := p.Reserve(min(1+rng.IntN(tt.capacity), tt.items-next))
						n := fill(first, next)
						n = fill(second, n)
						if err := p.Commit(n - next); err != nil {
							t.Errorf("Commit: %v", err)
							return
						}
						next = n
					}
				}
			})
			rng := rand.New(rand.NewPCG(3, 4))
			dst := make([]int, tt.capacity)
			want := 0
			check := func(v int) {
				if v != want {
					t.Fatalf("got item %d, want %d", v, want)
				}
				want++
			}
		loop:
			for {
				if err := c.Wait(1, -1); errors.Is(err, ErrClosed) {
					break
				} else if err != nil {
					t.Fatalf("consumer Wait: %v", err)
				}
				op := 0
				if tt.batch {
					op = rng.IntN(3)
				}
				switch op {
				case 0:
					v, err := c.Pop()
					if errors.Is(err, ErrClosed) {
						break loop
					}
					if err != nil {
						t.Fatalf("Pop after Wait: %v", err)
					}
					check(v)
				case 1:
					n := c.Read(dst[:1+rng.IntN(len(dst))])
					for _, v := range dst[:n] {
						check(v)
					}
				case 2:
					first, second := c.Acquire(1 + rng.IntN(tt.capacity))
					for _, v := range first {
						check(v)
					}
					for _, v := range second {
						check(v)
					}
					c.Release(len(first) + len(second))
				}
			}
			wg.Wait()
			if want != tt.items {
				t.Fatalf("received %d items, want %d", want, tt.items)
			}
			s := c.Stats()
			if s.Written != uint64(tt.items) || s.Read != uint64(tt.items) || s.HighWater > tt.capacity {
				t.Errorf("Stats = %+v", s)
			}
		})
	}
}

// TestSPSCDropping is the audio path: a producer that never waits and counts what did not fit, a consumer
// that waits. Everything written is either read or counted as an overflow, exactly.
func TestSPSCDropping(t *testing.T) {
	items := stressItems() / 10
	p, c := newSPSC(t, 128)
	var wg sync.WaitGroup
	var dropped uint64
	wg.Go(func() {
		defer p.Close()
		frames := make([]int, 48)
		next := 0
		for next < items {
			m := fill(frames[:min(len(frames), items-next)], next) - next
			first, second := p.Reserve(m)
			n := copy(first, frames)
			n += copy(second, frames[n:m])
			p.Commit(n)
			dropped += uint64(m - n)
			next += m
		}
	})
	dst := make([]int, 64)
	read, last := 0, -1
	for {
		if err := c.Wait(len(dst), -1); err != nil && !errors.Is(err, ErrClosed) {
			t.Fatal(err)
		}
		n := c.Read(dst)
		if n == 0 && c.Closed() && c.Len() == 0 {
			break
		}
		for _, v := range dst[:n] {
			if v <= last {
				t.Fatalf("item %d after %d", v, last)
			}
			last = v
		}
		read += n
	}
	wg.Wait()
	s := c.Stats()
	if uint64(read)+dropped != uint64(items) || s.Overflows != dropped || s.Read != uint64(read) {
		t.Errorf("read %d + dropped %d != %d items; Stats = %+v", read, dropped, items, s)
	}
}

// TestSPSCCounterWrapAround starts the ring's 64-bit positions just below the point where they wrap to zero, as
// if 2^64 items had gone through, and checks that nothing notices.
func TestSPSCCounterWrapAround(t *testing.T) {
	p, c := newSPSC(t, 8)
	const start = ^uint64(0) - 20
	r := p.r
	r.tail.Store(start)
	r.head.Store(start)
	p.tail, p.head, c.head, c.tail = start, start, start, start
	p.hw = 0
	next, want := 0, 0
	src := make([]int, 5)
	dst := make([]int, 3)
	for range 40 {
		next += p.Write(src[:fill(src, next)-next])
		n := c.Read(dst)
		for _, v := range dst[:n] {
			if v != want {
				t.Fatalf("got %d, want %d (tail %d)", v, want, r.tail.Load())
			}
			want++
		}
		if l := c.Len(); l != next-want || l > 8 {
			t.Fatalf("Len = %d, want %d", l, next-want)
		}
	}
	if r.tail.Load() > start {
		t.Fatal("the positions did not wrap")
	}
	if hw := c.Stats().HighWater; hw != 8 {
		t.Errorf("HighWater = %d, want 8", hw)
	}
}

// TestPushDuringReservation checks that the producer cannot write while slots it reserved are not committed:
// the write is refused and the ring stays intact.
func TestPushDuringReservation(t *testing.T) {
	tests := []struct {
		name  string
		write func(p *Producer[int]) error
	}{
		{"Push", func(p *Producer[int]) error { return p.Push(7) }},
		{"Write", func(p *Producer[int]) error {
			if n := p.Write([]int{7, 8, 9}); n != 0 {
				return errors.New("stored items")
			}
			return ErrPending
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, c := newSPSC(t, 4)
			first, second := p.Reserve(4)
			if len(first)+len(second) != 4 {
				t.Fatalf("Reserve(4) on empty ring of 4 gave %d slots", len(first)+len(second))
			}
			fill(first, 0)
			if err := tt.write(p); !errors.Is(err, ErrPending) {
				t.Fatalf("%s during a reservation = %v, want ErrPending", tt.name, err)
			}
			if err := p.Commit(4); err != nil {
				t.Fatalf("Commit(4) = %v", err)
			}
			if s := p.Stats(); s.Written != 4 || s.HighWater != 4 || s.Overflows != 0 {
				t.Errorf("Stats = %+v, want 4 written, high water 4, no overflow", s)
			}
			for i := range 4 {
				if v, err := c.Pop(); err != nil || v != i {
					t.Fatalf("Pop %d = %d, %v; want %d", i, v, err, i)
				}
			}
			if _, err := c.Pop(); !errors.Is(err, ErrEmpty) {
				t.Errorf("Pop on drained ring = %v, want ErrEmpty", err)
			}
			for i := range 4 {
				if err := p.Push(i); err != nil {
					t.Fatalf("Push %d into empty ring of 4 = %v", i, err)
				}
			}
			if err := p.Push(4); !errors.Is(err, ErrFull) {
				t.Errorf("fifth Push into ring of 4 = %v, want ErrFull", err)
			}
		})
	}
}

// TestPopDuringAcquisition checks that the consumer cannot read while items it acquired are not released.
func TestPopDuringAcquisition(t *testing.T) {
	tests := []struct {
		name string
		read func(c *Consumer[int]) error
	}{
		{"Pop", func(c *Consumer[int]) error { _, err := c.Pop(); return err }},
		{"Read", func(c *Consumer[int]) error {
			if n := c.Read(make([]int, 2)); n != 0 {
				return errors.New("read items")
			}
			return ErrPending
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, c := newSPSC(t, 4)
			p.Write([]int{0, 1, 2, 3})
			first, second := c.Acquire(4)
			if len(first)+len(second) != 4 {
				t.Fatalf("Acquire(4) on full ring of 4 gave %d items", len(first)+len(second))
			}
			if err := tt.read(c); !errors.Is(err, ErrPending) {
				t.Fatalf("%s during an acquisition = %v, want ErrPending", tt.name, err)
			}
			if err := c.Release(4); err != nil {
				t.Fatalf("Release(4) = %v", err)
			}
			if _, err := c.Pop(); !errors.Is(err, ErrEmpty) {
				t.Errorf("Pop on drained ring = %v, want ErrEmpty", err)
			}
			if n := p.Write([]int{4, 5, 6, 7, 8, 9}); n != 4 {
				t.Errorf("Write of 6 into empty ring of 4 stored %d", n)
			}
			if s := c.Stats(); s.Read != 4 || s.Written != 8 {
				t.Errorf("Stats = %+v, want 8 written, 4 read", s)
			}
		})
	}
}
