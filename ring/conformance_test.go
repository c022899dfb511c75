package ring

import (
	"errors"
	"math/rand/v2"
	"testing"
)

// queue is the vocabulary the three rings share; the conformance suite runs over all of them through it.
type queue interface {
	Push(v int) error
	Pop() (int, error)
	Write(src []int) int
	Read(dst []int) int
	Len() int
	Cap() int
	Free() int
	Stats() Stats
}

// spscQueue drives both ends of an SPSC ring from one goroutine.
type spscQueue struct {
	p *Producer[int]
	c *Consumer[int]
}

func (q spscQueue) Push(v int) error      { return q.p.Push(v) }
func (q spscQueue) Pop() (int, error)     { return q.c.Pop() }
func (q spscQueue) Write(src []int) int   { return q.p.Write(src) }
func (q spscQueue) Read(dst []int) int    { return q.c.Read(dst) }
func (q spscQueue) Len() int              { return q.c.Len() }
func (q spscQueue) Cap() int              { return q.p.Cap() }
func (q spscQueue) Free() int             { return q.p.Free() }
func (q spscQueue) Stats() Stats          { return q.c.Stats() }
func newSPSCQueue(n int) (queue, error)   { p, c, err := NewSPSC[int](n); return spscQueue{p, c}, err }
func newMPSCQueue(n int) (queue, error)   { q, err := NewMPSC[int](n); return q, err }
func newBufferQueue(n int) (queue, error) { b, err := NewBuffer[int](n); return b, err }

var rings = []struct {
	name string
	new  func(capacity int) (queue, error)
	pow2 bool // capacity must be a power of two
}{
	{"SPSC", newSPSCQueue, true},
	{"MPSC", newMPSCQueue, true},
	{"Buffer", newBufferQueue, false},
}

func mustQueue(t *testing.T, newQ func(int) (queue, error), capacity int) queue {
	t.Helper()
	q, err := newQ(capacity)
	if err != nil {
		t.Fatalf("new(%d): %v", capacity, err)
	}
	return q
}

func TestConformanceCapacity(t *testing.T) {
	tests := []struct {
		capacity   int
		ok, okPow2 bool
	}{
		{-8, false, false}, {-1, false, false}, {0, false, false},
		{1, true, true}, {2, true, true}, {3, true, false}, {6, true, false}, {8, true, true},
		{1000, true, false}, {1024, true, true},
		{1 << 62, false, false}, // a power of two, but more than any machine can hold
	}
	for _, r := range rings {
		for _, tt := range tests {
			want := tt.ok
			if r.pow2 {
				want = tt.okPow2
			}
			q, err := r.new(tt.capacity)
			if !want {
				if !errors.Is(err, ErrInvalidCapacity) {
					t.Errorf("%s: new(%d) error = %v, want ErrInvalidCapacity", r.name, tt.capacity, err)
				}
				continue
			}
			if err != nil {
				t.Errorf("%s: new(%d): %v", r.name, tt.capacity, err)
				continue
			}
			if q.Cap() != tt.capacity || q.Len() != 0 || q.Free() != tt.capacity {
				t.Errorf("%s: new(%d): Cap, Len, Free = %d, %d, %d", r.name, tt.capacity, q.Cap(), q.Len(), q.Free())
			}
		}
	}
}

func TestConformanceFillAndDrain(t *testing.T) {
	for _, r := range rings {
		for _, capacity := range []int{1, 2, 8, 64} {
			q := mustQueue(t, r.new, capacity)
			if _, err := q.Pop(); !errors.Is(err, ErrEmpty) {
				t.Errorf("%s/%d: Pop on empty: %v, want ErrEmpty", r.name, capacity, err)
			}
			for i := range capacity { // all of the capacity is usable
				if err := q.Push(i); err != nil {
					t.Fatalf("%s/%d: Push #%d: %v", r.name, capacity, i, err)
				}
				if q.Len() != i+1 || q.Free() != capacity-i-1 {
					t.Fatalf("%s/%d: after %d pushes Len, Free = %d, %d", r.name, capacity, i+1, q.Len(), q.Free())
				}
			}
			if err := q.Push(-1); !errors.Is(err, ErrFull) {
				t.Errorf("%s/%d: Push on full: %v, want ErrFull", r.name, capacity, err)
			}
			if n := q.Write([]int{-1, -2}); n != 0 {
				t.Errorf("%s/%d: Write on full = %d, want 0", r.name, capacity, n)
			}
			for i := range capacity {
				v, err := q.Pop()
				if err != nil || v != i {
					t.Fatalf("%s/%d: Pop #%d = %d, %v; want %d, nil", r.name, capacity, i, v, err, i)
				}
			}
			if _, err := q.Pop(); !errors.Is(err, ErrEmpty) {
				t.Errorf("%s/%d: Pop after drain: %v, want ErrEmpty", r.name, capacity, err)
			}
			if n := q.Read(make([]int, 4)); n != 0 {
				t.Errorf("%s/%d: Read on empty = %d", r.name, capacity, n)
			}
			want := Stats{Written: uint64(capacity), Read: uint64(capacity), Overflows: 3, Underflows: 3, HighWater: capacity}
			if s := q.Stats(); s != want {
				t.Errorf("%s/%d: Stats = %+v, want %+v", r.name, capacity, s, want)
			}
		}
	}
}

func TestConformanceBatch(t *testing.T) {
	tests := []struct {
		name        string
		capacity    int
		pre         int // items pushed and popped first, to move the start across the ring
		write, read int
		wantW       int
	}{
		{"fits", 8, 0, 5, 5, 5},
		{"exact", 8, 0, 8, 8, 8},
		{"too long", 8, 0, 11, 11, 8},
		{"wraps", 8, 6, 5, 5, 5},
		{"wraps and too long", 8, 5, 12, 3, 8},
		{"short read", 16, 3, 10, 4, 10},
		{"empty write", 4, 1, 0, 4, 0},
		{"capacity one", 1, 7, 3, 3, 1},
	}
	for _, r := range rings {
		for _, tt := range tests {
			q := mustQueue(t, r.new, tt.capacity)
			for i := range tt.pre {
				q.Push(i)
				q.Pop()
			}
			src := make([]int, tt.write)
			for i := range src {
				src[i] = 100 + i
			}
			if n := q.Write(src); n != tt.wantW {
				t.Errorf("%s/%s: Write = %d, want %d", r.name, tt.name, n, tt.wantW)
				continue
			}
			dst := make([]int, tt.read)
			got := q.Read(dst)
			if want := min(tt.read, tt.wantW); got != want {
				t.Errorf("%s/%s: Read = %d, want %d", r.name, tt.name, got, want)
			}
			for i := range got {
				if dst[i] != 100+i {
					t.Errorf("%s/%s: dst[%d] = %d, want %d", r.name, tt.name, i, dst[i], 100+i)
				}
			}
			if q.Len() != tt.wantW-got {
				t.Errorf("%s/%s: Len = %d, want %d", r.name, tt.name, q.Len(), tt.wantW-got)
			}
			s := q.Stats()
			if s.Overflows != uint64(tt.write-tt.wantW) || s.Written != uint64(tt.pre+tt.wantW) {
				t.Errorf("%s/%s: Stats = %+v", r.name, tt.name, s)
			}
		}
	}
}

// TestConformanceModel drives each ring with random operations and compares every result with a plain slice
// model. The positions wrap around the ring thousands of times.
func TestConformanceModel(t *testing.T) {
	for _, r := range rings {
		for _, capacity := range []int{1, 2, 4, 16} {
			q := mustQueue(t, r.new, capacity)
			rng := rand.New(rand.NewPCG(uint64(capacity), 42))
			var model []int
			var want Stats
			next := 0
			buf := make([]int, 2*capacity+1)
			for step := range 20000 {
				switch op := rng.IntN(4); op {
				case 0:
					err := q.Push(next)
					if len(model) == capacity {
						if !errors.Is(err, ErrFull) {
							t.Fatalf("%s/%d step %d: Push on full: %v", r.name, capacity, step, err)
						}
						want.Overflows++
						break
					}
					if err != nil {
						t.Fatalf("%s/%d step %d: Push: %v", r.name, capacity, step, err)
					}
					model = append(model, next)
					next++
					want.Written++
				case 1:
					v, err := q.Pop()
					if len(model) == 0 {
						if !errors.Is(err, ErrEmpty) {
							t.Fatalf("%s/%d step %d: Pop on empty: %v", r.name, capacity, step, err)
						}
						want.Underflows++
						break
					}
					if err != nil || v != model[0] {
						t.Fatalf("%s/%d step %d: Pop = %d, %v; want %d", r.name, capacity, step, v, err, model[0])
					}
					model = model[1:]
					want.Read++
				case 2:
					m := rng.IntN(len(buf))
					for i := range m {
						buf[i] = next + i
					}
					n := q.Write(buf[:m])
					if wantN := min(m, capacity-len(model)); n != wantN {
						t.Fatalf("%s/%d step %d: Write(%d) = %d, want %d", r.name, capacity, step, m, n, wantN)
					}
					model = append(model, buf[:n]...)
					next += n
					want.Written += uint64(n)
					want.Overflows += uint64(m - n)
				case 3:
					m := rng.IntN(len(buf))
					n := q.Read(buf[:m])
					if wantN := min(m, len(model)); n != wantN {
						t.Fatalf("%s/%d step %d: Read(%d) = %d, want %d", r.name, capacity, step, m, n, wantN)
					}
					for i := range n {
						if buf[i] != model[i] {
							t.Fatalf("%s/%d step %d: Read item %d = %d, want %d", r.name, capacity, step, i, buf[i], model[i])
						}
					}
					if m > 0 && n == 0 {
						want.Underflows++
					}
					model = model[n:]
					want.Read += uint64(n)
				}
				want.HighWater = max(want.HighWater, len(model))
				if q.Len() != len(model) || q.Free() != capacity-len(model) {
					t.Fatalf("%s/%d step %d: Len, Free = %d, %d; model holds %d", r.name, capacity, step, q.Len(), q.Free(), len(model))
				}
			}
			if s := q.Stats(); s != want {
				t.Errorf("%s/%d: Stats = %+v, want %+v", r.name, capacity, s, want)
			}
		}
	}
}
