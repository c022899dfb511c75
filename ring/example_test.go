package ring_test

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/levelmeter/levelmeter/ring"
)

// A producer goroutine sends numbers, a consumer waits for them without spinning and learns when the stream
// ends.
func ExampleNewSPSC() {
	p, c, err := ring.NewSPSC[int](8)
	if err != nil {
		panic(err)
	}
	go func() {
		defer p.Close() // the consumer drains what is left, then sees ErrClosed
		for i := range 20 {
			for p.Push(i) == ring.ErrFull {
				p.Wait(1, -1) // a real-time producer would count a drop instead
			}
		}
	}()
	sum := 0
	for {
		if err := c.Wait(1, -1); errors.Is(err, ring.ErrClosed) {
			break
		}
		v, _ := c.Pop()
		sum += v
	}
	fmt.Println("sum:", sum)
	// Output: sum: 190
}

// The DSP goroutine of an audio path sleeps until a block of frames is there, reads it in place, and ends with
// the stream. A timeout lets it notice silence (a device that stopped delivering) without spinning.
func ExampleConsumer_Wait() {
	const block = 4
	p, c, _ := ring.NewSPSC[float32](16)
	go func() { // stands in for the audio callback
		defer p.Close()
		for i := range 10 {
			for p.Push(float32(i)) == ring.ErrFull {
				p.Wait(1, -1)
			}
		}
	}()
	var sum float32
	blocks := 0
	for {
		err := c.Wait(block, time.Second)
		if errors.Is(err, ring.ErrTimeout) {
			continue // a second without a block: a real meter would report silence here
		}
		// nil: a block is there; ErrClosed: the producer closed, and fewer are left: read them, then stop.
		first, second := c.Acquire(block)
		for _, part := range [][]float32{first, second} {
			for _, v := range part {
				sum += v
			}
		}
		c.Release(len(first) + len(second))
		blocks++
		if err != nil {
			break
		}
	}
	fmt.Println("sum:", sum, "reads:", blocks)
	// Output: sum: 45 reads: 3
}

// An audio callback copies its frames straight into the ring and counts what did not fit. It never blocks,
// locks or allocates.
func ExampleProducer_Reserve() {
	p, c, _ := ring.NewSPSC[[2]float32](4)
	var dropped int
	callback := func(in [][2]float32) {
		first, second := p.Reserve(len(in))
		n := copy(first, in)
		n += copy(second, in[n:])
		p.Commit(n)
		dropped += len(in) - n
	}
	callback([][2]float32{{0.1, -0.1}, {0.2, -0.2}, {0.3, -0.3}})
	callback([][2]float32{{0.4, -0.4}, {0.5, -0.5}})
	fmt.Println("in the ring:", c.Len(), "dropped:", dropped, "overflows:", p.Stats().Overflows)
	// Output: in the ring: 4 dropped: 1 overflows: 1
}

// The consumer reads frames in place, in at most two contiguous pieces, and releases them when done.
func ExampleConsumer_Acquire() {
	p, c, _ := ring.NewSPSC[float32](8)
	p.Write([]float32{0.5, -1, 0.25})
	first, second := c.Acquire(1024)
	peak := float32(0)
	for _, part := range [][]float32{first, second} {
		for _, v := range part {
			peak = max(peak, v, -v)
		}
	}
	c.Release(len(first) + len(second))
	fmt.Println("peak:", peak, "left:", c.Len())
	// Output: peak: 1 left: 0
}

// Several goroutines report into one queue; each one's items keep their order.
func ExampleNewMPSC() {
	q, err := ring.NewMPSC[string](16)
	if err != nil {
		panic(err)
	}
	var wg sync.WaitGroup
	for _, name := range []string{"left", "right"} {
		wg.Go(func() {
			q.Write([]string{name + " 1", name + " 2"})
		})
	}
	wg.Wait()
	q.Close()
	got := map[string]int{}
	for {
		v, err := q.Pop()
		if errors.Is(err, ring.ErrClosed) {
			break
		}
		got[v[:len(v)-2]]++
	}
	fmt.Println(got)
	// Output: map[left:2 right:2]
}

// Several workers take jobs from one Buffer and sleep in Wait while there are none; Close sends them home once
// the jobs are done.
func ExampleNewBuffer() {
	jobs, err := ring.NewBuffer[int](10) // any capacity >= 1
	if err != nil {
		panic(err)
	}
	var mu sync.Mutex
	done := 0
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			for {
				if _, err := jobs.Pop(); err == nil {
					mu.Lock()
					done++
					mu.Unlock()
					continue
				}
				if err := jobs.Wait(1, -1); errors.Is(err, ring.ErrClosed) {
					return // closed and drained
				}
			}
		})
	}
	for i := range 25 {
		for jobs.Push(i) == ring.ErrFull {
			jobs.WaitFree(1, -1)
		}
	}
	jobs.Close()
	wg.Wait()
	fmt.Println("done:", done, "left:", jobs.Len())
	// Output: done: 25 left: 0
}

// A Buffer keeps the last N values for a display, however fast they come.
func ExampleBuffer_Overwrite() {
	last, err := ring.NewBuffer[float64](3)
	if err != nil {
		panic(err)
	}
	for _, db := range []float64{-30, -20, -12, -6, -3} {
		last.Overwrite(db)
	}
	snap := last.Snapshot(nil) // oldest to newest
	oldest, _ := last.Peek()
	fmt.Println(snap, oldest, last.Stats().Overwritten)
	// Output: [-12 -6 -3] -12 2
}

func ExampleBuffer_Snapshot() {
	b, _ := ring.NewBuffer[int](4)
	b.Write([]int{1, 2, 3})
	var snap []int
	snap = b.Snapshot(snap) // allocates once
	b.Push(4)
	snap = b.Snapshot(snap) // reuses snap
	fmt.Println(snap, b.Len())
	// Output: [1 2 3 4] 4
}

func ExampleStats() {
	p, c, _ := ring.NewSPSC[int](2)
	p.Write([]int{1, 2, 3}) // one does not fit
	c.Read(make([]int, 8))
	c.Pop() // nothing left
	fmt.Printf("%+v\n", c.Stats())
	// Output: {Written:2 Read:2 Overflows:1 Underflows:1 Overwritten:0 Discarded:0 HighWater:2}
}
