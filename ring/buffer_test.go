package ring

import (
	"errors"
	"slices"
	"sync"
	"testing"
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
