package ring

import (
	"errors"
	"math/rand/v2"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"
)

// payload carries its own checksum, so that a slot read before its producer finished writing it (or written
// twice) shows up as a bad sum even where the race detector is not running.
type payload struct {
	producer int
	seq      int
	sum      uint64
}

func makePayload(producer, seq int) payload {
	return payload{producer, seq, checksum(producer, seq)}
}

func checksum(producer, seq int) uint64 {
	x := uint64(producer)<<40 ^ uint64(seq) ^ 0x9e3779b97f4a7c15
	x ^= x >> 31
	x *= 0xbf58476d1ce4e5b9
	return x ^ x>>29
}

// TestMPSCStress runs 8 producers into small queues, mixing single pushes and batch writes, and checks that
// every item arrives exactly once, intact, and in its producer's order. A queue that lets the consumer read a
// claimed but unwritten slot fails here on the checksum, the order, or (under -race) the race detector.
func TestMPSCStress(t *testing.T) {
	const producers = 8
	perProducer := stressItems() / 40
	for _, capacity := range []int{1, 2, 4, 64} {
		for _, waiting := range []bool{false, true} {
			name := map[bool]string{false: "polling", true: "waiting"}[waiting]
			t.Run(name+"/"+strconv.Itoa(capacity), func(t *testing.T) {
				q, err := NewMPSC[payload](capacity)
				if err != nil {
					t.Fatal(err)
				}
				var wg sync.WaitGroup
				perProducer := perProducer
				if capacity <= 2 { // every item is a hand-over through the scheduler
					perProducer /= 20
				}
				for id := range producers {
					wg.Go(func() {
						rng := rand.New(rand.NewPCG(uint64(id), 7))
						batch := make([]payload, capacity)
						for seq := 0; seq < perProducer; {
							if rng.IntN(2) == 0 {
								if q.Push(makePayload(id, seq)) == nil {
									seq++
								} else {
									runtime.Gosched()
								}
								continue
							}
							m := min(1+rng.IntN(capacity), perProducer-seq)
							for i := range m {
								batch[i] = makePayload(id, seq+i)
							}
							n := q.Write(batch[:m])
							if n == 0 {
								runtime.Gosched()
							}
							seq += n
						}
					})
				}
				go func() { wg.Wait(); q.Close() }()

				next := make([]int, producers)
				dst := make([]payload, capacity)
				got := 0
				check := func(v payload) {
					if v.sum != checksum(v.producer, v.seq) {
						t.Fatalf("item %+v: bad checksum", v)
					}
					if v.seq != next[v.producer] {
						t.Fatalf("producer %d: got item %d, want %d", v.producer, v.seq, next[v.producer])
					}
					next[v.producer]++
					got++
				}
				for {
					if waiting {
						if err := q.Wait(1, -1); errors.Is(err, ErrClosed) {
							break
						} else if err != nil {
							t.Fatal(err)
						}
					}
					if got%2 == 0 {
						v, err := q.Pop()
						if errors.Is(err, ErrClosed) {
							break
						}
						if err == nil {
							check(v)
						} else if !waiting {
							runtime.Gosched()
						}
						continue
					}
					n := q.Read(dst)
					for _, v := range dst[:n] {
						check(v)
					}
					if n == 0 {
						if q.Closed() && q.Len() == 0 {
							break
						}
						runtime.Gosched()
					}
				}
				wg.Wait()
				if got != producers*perProducer {
					t.Fatalf("received %d items, want %d", got, producers*perProducer)
				}
				s := q.Stats()
				if s.Written != uint64(got) || s.Read != uint64(got) || s.HighWater > capacity || s.HighWater < 1 {
					t.Errorf("Stats = %+v", s)
				}
			})
		}
	}
}

func TestMPSCClose(t *testing.T) {
	q, _ := NewMPSC[int](4)
	q.Push(1)
	q.Write([]int{2, 3})
	q.Close()
	q.Close() // harmless
	if !q.Closed() {
		t.Fatal("Closed = false after Close")
	}
	if err := q.Push(4); !errors.Is(err, ErrClosed) {
		t.Errorf("Push after Close = %v, want ErrClosed", err)
	}
	if n := q.Write([]int{4}); n != 0 {
		t.Errorf("Write after Close = %d", n)
	}
	if err := q.Wait(3, 0); err != nil {
		t.Errorf("Wait(3) with 3 left = %v", err)
	}
	if err := q.Wait(4, -1); !errors.Is(err, ErrClosed) {
		t.Errorf("Wait(4) with 3 left = %v, want ErrClosed", err)
	}
	dst := make([]int, 8)
	if n := q.Read(dst); n != 3 || dst[0] != 1 || dst[2] != 3 {
		t.Errorf("Read = %d %v", n, dst[:n])
	}
	if _, err := q.Pop(); !errors.Is(err, ErrClosed) {
		t.Errorf("Pop after drain = %v, want ErrClosed", err)
	}
	if s := q.Stats(); s.Underflows != 0 || s.Overflows != 0 || s.Written != 3 || s.Read != 3 {
		t.Errorf("Stats = %+v", s)
	}
}

// TestMPSCUnpublished holds a claimed run unpublished, as a preempted producer would, and checks that the
// consumer neither reads it nor anything behind it, and that Close waits for it.
func TestMPSCUnpublished(t *testing.T) {
	q, _ := NewMPSC[int](8)
	pos, k, err := q.claim(2, true) // a producer claims two slots and is preempted
	if err != nil || pos != 0 || k != 2 {
		t.Fatalf("claim = %d, %d, %v", pos, k, err)
	}
	q.Push(7) // a second producer publishes behind it
	if _, err := q.Pop(); !errors.Is(err, ErrEmpty) {
		t.Fatalf("Pop with the head claimed but unwritten = %v, want ErrEmpty", err)
	}
	if q.Len() != 3 {
		t.Errorf("Len = %d, want 3 (claimed runs count)", q.Len())
	}
	q.Close()
	if err := q.Wait(3, 5*time.Millisecond); !errors.Is(err, ErrTimeout) {
		t.Errorf("Wait(3) with a claimed run pending after Close = %v, want ErrTimeout", err)
	}
	q.buf[0], q.buf[1] = 5, 6
	q.publish(pos, k)
	dst := make([]int, 4)
	if n := q.Read(dst); n != 3 || dst[0] != 5 || dst[1] != 6 || dst[2] != 7 {
		t.Fatalf("Read = %d %v, want [5 6 7]", n, dst[:n])
	}
	if _, err := q.Pop(); !errors.Is(err, ErrClosed) {
		t.Errorf("Pop after drain = %v, want ErrClosed", err)
	}
}

func TestMPSCWaitWakes(t *testing.T) {
	q, _ := NewMPSC[int](8)
	if err := q.Wait(9, 0); !errors.Is(err, ErrInvalidCount) {
		t.Errorf("Wait(9) on 8 = %v, want ErrInvalidCount", err)
	}
	if err := q.Wait(1, time.Millisecond); !errors.Is(err, ErrTimeout) {
		t.Errorf("Wait on empty = %v, want ErrTimeout", err)
	}
	done := make(chan error)
	go func() { done <- q.Wait(4, -1) }()
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			time.Sleep(time.Duration(i) * time.Millisecond)
			q.Push(i)
		})
	}
	wg.Wait()
	if err := <-done; err != nil {
		t.Fatalf("Wait(4) = %v", err)
	}
	go func() { done <- q.Wait(5, -1) }()
	time.Sleep(2 * time.Millisecond)
	q.Close()
	if err := <-done; !errors.Is(err, ErrClosed) {
		t.Fatalf("Wait woken by Close = %v, want ErrClosed", err)
	}
}

func TestMPSCWaitFree(t *testing.T) {
	q, _ := NewMPSC[int](4)
	if err := q.WaitFree(5, 0); !errors.Is(err, ErrInvalidCount) {
		t.Errorf("WaitFree(5) on 4 = %v, want ErrInvalidCount", err)
	}
	if err := q.WaitFree(4, 0); err != nil {
		t.Errorf("WaitFree(4) on empty = %v", err)
	}
	q.Write([]int{1, 2, 3, 4})
	if err := q.WaitFree(1, time.Millisecond); !errors.Is(err, ErrTimeout) {
		t.Errorf("WaitFree on full = %v, want ErrTimeout", err)
	}
	// Three producers wait for space; each needs one slot. Reading frees them one by one.
	errs := make(chan error, 3)
	for range 3 {
		go func() {
			if err := q.WaitFree(1, -1); err != nil {
				errs <- err
				return
			}
			errs <- q.Push(0)
		}()
	}
	time.Sleep(2 * time.Millisecond)
	freed := 0
	for ok := 0; ok < 3; {
		select {
		case err := <-errs:
			if err == nil {
				ok++
			} else if !errors.Is(err, ErrFull) {
				t.Fatalf("waiting producer: %v", err)
			} else { // another producer took the slot first: wait again
				go func() {
					if err := q.WaitFree(1, -1); err != nil {
						errs <- err
						return
					}
					errs <- q.Push(0)
				}()
			}
		case <-time.After(time.Millisecond):
			if freed < 6 {
				q.Pop()
				freed++
			}
		}
	}
	go func() { errs <- q.WaitFree(4, -1) }()
	time.Sleep(2 * time.Millisecond)
	q.Close()
	if err := <-errs; !errors.Is(err, ErrClosed) {
		t.Errorf("WaitFree woken by Close = %v, want ErrClosed", err)
	}
}
