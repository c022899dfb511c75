package ring

import (
	"errors"
	"slices"
	"sync"
	"testing"
	"time"
)

func TestBufferOverwrite(t *testing.T) {
	tests := []struct {
		name      string
		capacity  int
		pushes    int // Overwrite(0), Overwrite(1), ...
		pops      int // then Pop this many
		want      []int
		overwrote int
	}{
		{"not full", 4, 3, 0, []int{0, 1, 2}, 0},
		{"exactly full", 4, 4, 0, []int{0, 1, 2, 3}, 0},
		{"keeps the last N", 4, 10, 0, []int{6, 7, 8, 9}, 6},
		{"capacity one", 1, 5, 0, []int{4}, 4},
		{"odd capacity", 3, 7, 1, []int{5, 6}, 4},
		{"pop then overwrite", 5, 12, 2, []int{9, 10, 11}, 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := NewBuffer[int](tt.capacity)
			if err != nil {
				t.Fatal(err)
			}
			overwrote := 0
			for i := range tt.pushes {
				if b.Overwrite(i) {
					overwrote++
				}
			}
			for range tt.pops {
				b.Pop()
			}
			if got := b.Snapshot(nil); !slices.Equal(got, tt.want) {
				t.Errorf("Snapshot = %v, want %v", got, tt.want)
			}
			if overwrote != tt.overwrote {
				t.Errorf("Overwrite reported %d overwrites, want %d", overwrote, tt.overwrote)
			}
			s := b.Stats()
			if s.Overwritten != uint64(tt.overwrote) || s.Written != uint64(tt.pushes) || s.HighWater != min(tt.capacity, tt.pushes) {
				t.Errorf("Stats = %+v", s)
			}
			if s.Written != s.Read+s.Overwritten+s.Discarded+uint64(b.Len()) {
				t.Errorf("Stats do not add up: %+v with Len %d", s, b.Len())
			}
		})
	}
}

func TestBufferPeekClearSnapshot(t *testing.T) {
	b, _ := NewBuffer[string](3)
	if _, err := b.Peek(); !errors.Is(err, ErrEmpty) {
		t.Errorf("Peek on empty = %v, want ErrEmpty", err)
	}
	b.Push("a")
	b.Push("b")
	if v, err := b.Peek(); v != "a" || err != nil {
		t.Errorf("Peek = %q, %v", v, err)
	}
	if b.Len() != 2 {
		t.Errorf("Peek removed an item: Len = %d", b.Len())
	}
	snap := make([]string, 0, 3)
	got := b.Snapshot(snap)
	if !slices.Equal(got, []string{"a", "b"}) || &got[0] != &snap[:1][0] {
		t.Errorf("Snapshot = %v (reused dst: %v)", got, &got[0] == &snap[:1][0])
	}
	b.Clear()
	if b.Len() != 0 || b.Free() != 3 {
		t.Errorf("after Clear Len, Free = %d, %d", b.Len(), b.Free())
	}
	if got := b.Snapshot(got); len(got) != 0 {
		t.Errorf("Snapshot after Clear = %v", got)
	}
	for _, v := range b.buf {
		if v != "" {
			t.Errorf("Clear left %q in a slot", v)
		}
	}
	b.Push("c")
	if v, err := b.Pop(); v != "c" || err != nil {
		t.Errorf("Pop after Clear = %q, %v", v, err)
	}
	s := b.Stats()
	if s.Discarded != 2 || s.Written != 3 || s.Read != 1 || s.Underflows != 0 {
		t.Errorf("Stats = %+v", s)
	}
}

// TestBufferConcurrent hammers one Buffer from pushing, overwriting, popping and snapshotting goroutines and
// checks that the counts add up and that each writer's items come out in its order.
func TestBufferConcurrent(t *testing.T) {
	const writers = 4
	items := stressItems() / 100
	b, _ := NewBuffer[payload](7)
	var wg sync.WaitGroup
	for id := range writers {
		wg.Go(func() {
			for seq := range items {
				if id%2 == 0 {
					b.Overwrite(makePayload(id, seq))
				} else {
					for b.Push(makePayload(id, seq)) != nil {
						b.Pop() // makes room and throws an item away: counted as read
					}
				}
			}
		})
	}
	stop := make(chan struct{})
	var readers sync.WaitGroup
	readers.Go(func() {
		var snap []payload
		for {
			select {
			case <-stop:
				return
			default:
			}
			snap = b.Snapshot(snap)
			last := map[int]int{}
			for _, v := range snap {
				if v.sum != checksum(v.producer, v.seq) {
					t.Errorf("snapshot item %+v: bad checksum", v)
					return
				}
				if l, ok := last[v.producer]; ok && v.seq <= l {
					t.Errorf("snapshot out of order: producer %d item %d after %d", v.producer, v.seq, l)
					return
				}
				last[v.producer] = v.seq
			}
		}
	})
	wg.Wait()
	close(stop)
	readers.Wait()
	s := b.Stats()
	if s.Written != writers*uint64(items) || s.Written != s.Read+s.Overwritten+s.Discarded+uint64(b.Len()) {
		t.Errorf("Stats do not add up: %+v with Len %d", s, b.Len())
	}
}

func TestBufferWaitClose(t *testing.T) {
	b, _ := NewBuffer[int](4)
	tests := []struct {
		name string
		err  error
		got  error
	}{
		{"Wait n<0", ErrInvalidCount, b.Wait(-1, 0)},
		{"Wait n>cap", ErrInvalidCount, b.Wait(5, 0)},
		{"WaitFree n>cap", ErrInvalidCount, b.WaitFree(5, 0)},
		{"Wait empty, no wait", ErrTimeout, b.Wait(1, 0)},
		{"Wait empty, short wait", ErrTimeout, b.Wait(1, time.Millisecond)},
		{"WaitFree empty", nil, b.WaitFree(4, 0)},
		{"Wait 0", nil, b.Wait(0, 0)},
	}
	for _, tt := range tests {
		if !errors.Is(tt.got, tt.err) {
			t.Errorf("%s: %v, want %v", tt.name, tt.got, tt.err)
		}
	}
	b.Write([]int{1, 2, 3, 4})
	if err := b.WaitFree(1, time.Millisecond); !errors.Is(err, ErrTimeout) {
		t.Errorf("WaitFree on full = %v, want ErrTimeout", err)
	}
	done := make(chan error)
	go func() { done <- b.WaitFree(2, -1) }()
	b.Pop()
	time.Sleep(2 * time.Millisecond)
	select {
	case err := <-done:
		t.Fatalf("WaitFree(2) returned %v with one slot free", err)
	default:
	}
	b.Read(make([]int, 1))
	if err := <-done; err != nil {
		t.Fatalf("WaitFree(2) = %v", err)
	}
	go func() { done <- b.Wait(3, -1) }()
	time.Sleep(2 * time.Millisecond)
	b.Close()
	b.Close()
	if err := <-done; !errors.Is(err, ErrClosed) {
		t.Errorf("Wait(3) on 2 items woken by Close = %v, want ErrClosed", err)
	}
	if !b.Closed() {
		t.Error("Closed = false after Close")
	}
	if err := b.Push(9); !errors.Is(err, ErrClosed) {
		t.Errorf("Push after Close = %v, want ErrClosed", err)
	}
	if b.Write([]int{9}) != 0 || b.Overwrite(9) {
		t.Error("Write or Overwrite stored an item after Close")
	}
	if err := b.WaitFree(1, 0); !errors.Is(err, ErrClosed) {
		t.Errorf("WaitFree after Close = %v, want ErrClosed", err)
	}
	if err := b.Wait(2, -1); err != nil {
		t.Errorf("Wait(2) on 2 items after Close = %v", err)
	}
	if got := b.Snapshot(nil); !slices.Equal(got, []int{3, 4}) {
		t.Errorf("Snapshot after Close = %v", got)
	}
	b.Pop()
	b.Pop()
	if _, err := b.Pop(); !errors.Is(err, ErrClosed) {
		t.Errorf("Pop on closed and empty = %v, want ErrClosed", err)
	}
	if s := b.Stats(); s.Underflows != 0 || s.Written != 4 || s.Read != 4 {
		t.Errorf("Stats = %+v", s)
	}
}

// TestBufferManyWaiters has several readers and writers sleeping in Wait and WaitFree on a small Buffer and
// checks that every item is read exactly once and that Close releases everyone.
func TestBufferManyWaiters(t *testing.T) {
	const writers, readers = 3, 3
	items := stressItems() / 200
	b, _ := NewBuffer[payload](2)
	var wg sync.WaitGroup
	for id := range writers {
		wg.Go(func() {
			for seq := 0; seq < items; {
				if b.Push(makePayload(id, seq)) == nil {
					seq++
				} else if err := b.WaitFree(1, -1); err != nil {
					t.Errorf("WaitFree: %v", err)
					return
				}
			}
		})
	}
	got := make([][]int, readers)
	var rg sync.WaitGroup
	for r := range readers {
		rg.Go(func() {
			for {
				v, err := b.Pop()
				if errors.Is(err, ErrClosed) {
					return
				}
				if err != nil {
					if err := b.Wait(1, -1); err != nil && !errors.Is(err, ErrClosed) {
						t.Errorf("Wait: %v", err)
						return
					}
					continue
				}
				if v.sum != checksum(v.producer, v.seq) {
					t.Errorf("bad item %+v", v)
				}
				got[r] = append(got[r], v.producer*items+v.seq)
			}
		})
	}
	wg.Wait()
	b.Close()
	rg.Wait()
	seen := make([]bool, writers*items)
	for _, g := range got {
		for _, k := range g {
			if seen[k] {
				t.Fatalf("item %d read twice", k)
			}
			seen[k] = true
		}
	}
	for k, ok := range seen {
		if !ok {
			t.Fatalf("item %d never read", k)
		}
	}
}
