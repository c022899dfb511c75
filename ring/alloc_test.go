package ring

import (
	"reflect"
	"runtime"
	"testing"
	"time"
)

type frame = [2]float32

// TestZeroAllocs proves that no operation allocates once a ring exists, including the waits (whose timers are
// reused) and the error paths.
func TestZeroAllocs(t *testing.T) {
	p, c, _ := NewSPSC[frame](64)
	q, _ := NewMPSC[frame](64)
	b, _ := NewBuffer[frame](48)
	pp, pc, _ := NewSPSC[*blob](8) // pointer payloads take the zeroing path
	src := make([]frame, 40)
	dst := make([]frame, 40)
	snap := make([]frame, 0, 48)
	x := &blob{}
	tests := []struct {
		name string
		op   func()
	}{
		{"SPSC Push+Pop", func() { p.Push(frame{1, 2}); c.Pop() }},
		{"SPSC Write+Read", func() { p.Write(src); c.Read(dst) }},
		{"SPSC Reserve+Commit+Acquire+Release", func() {
			f, s := p.Reserve(40)
			p.Commit(len(f) + len(s))
			f, s = c.Acquire(40)
			c.Release(len(f) + len(s))
		}},
		{"SPSC Pop empty", func() { c.Pop() }},
		{"SPSC Push full", func() { p.Write(src); p.Write(src); p.Push(frame{}); c.Read(dst); c.Read(dst) }},
		{"SPSC Wait ready", func() { p.Push(frame{}); c.Wait(1, time.Second); p.Wait(1, time.Second); c.Pop() }},
		{"SPSC Wait timeout", func() { c.Wait(1, time.Microsecond) }},
		{"SPSC Len Free Stats", func() { p.Len(); c.Free(); c.Stats() }},
		{"SPSC pointers Push+Pop", func() { pp.Push(x); pc.Pop() }},
		{"MPSC Push+Pop", func() { q.Push(frame{1, 2}); q.Pop() }},
		{"MPSC Write+Read", func() { q.Write(src); q.Read(dst) }},
		{"MPSC Pop empty", func() { q.Pop() }},
		{"MPSC Wait ready", func() { q.Push(frame{}); q.Wait(1, time.Second); q.Pop() }},
		{"MPSC Wait timeout", func() { q.Wait(1, time.Microsecond) }},
		{"MPSC WaitFree ready", func() { q.WaitFree(64, time.Second) }},
		{"MPSC WaitFree timeout", func() { q.Write(src); q.Write(src); q.WaitFree(1, time.Microsecond); q.Read(dst); q.Read(dst) }},
		{"MPSC Len Stats", func() { q.Len(); q.Stats() }},
		{"Buffer Push+Pop", func() { b.Push(frame{1, 2}); b.Pop() }},
		{"Buffer Write+Read", func() { b.Write(src); b.Read(dst) }},
		{"Buffer Overwrite+Peek", func() { b.Overwrite(frame{}); b.Peek() }},
		{"Buffer Snapshot", func() { b.Write(src); snap = b.Snapshot(snap); b.Clear() }},
		{"Buffer Wait ready", func() { b.Push(frame{}); b.Wait(1, time.Second); b.WaitFree(1, -1); b.Pop() }},
		{"Buffer Wait timeout", func() { b.Wait(1, time.Microsecond) }},
		{"Buffer Len Stats", func() { b.Len(); b.Stats() }},
	}
	for _, tt := range tests {
		if n := testing.AllocsPerRun(100, tt.op); n != 0 {
			t.Errorf("%s: %v allocations per run, want 0", tt.name, n)
		}
	}
}

func TestTypeHasPointers(t *testing.T) {
	//lint:ignore U1000 the fields give the types their shape; reflection reads it
	type plain struct {
		a int64
		b [2]float32
	}
	//lint:ignore U1000 as above
	type withString struct {
		a int
		s string
	}
	tests := []struct {
		v    any
		want bool
	}{
		{int64(0), false}, {frame{}, false}, {plain{}, false}, {[4]plain{}, false}, {complex128(0), false},
		{"", true}, {&blob{}, true}, {[]int{}, true}, {withString{}, true}, {[1]withString{}, true},
		{[0]*int{}, false}, {map[int]int{}, true}, {make(chan int), true}, {func() {}, true},
	}
	for _, tt := range tests {
		if got := typeHasPointers(reflect.TypeOf(tt.v)); got != tt.want {
			t.Errorf("typeHasPointers(%T) = %v, want %v", tt.v, got, tt.want)
		}
	}
}

// TestTimedWaitsZeroAllocs proves that waits with a timeout allocate nothing, also when they park and are woken,
// and right after a garbage collection (which empties any pool of timers).
func TestTimedWaitsZeroAllocs(t *testing.T) {
	p, c, _ := NewSPSC[frame](8)
	q, _ := NewMPSC[frame](8)
	b, _ := NewBuffer[frame](8)
	// helper runs each function it is sent a little later, so that a Wait in the measured op parks first.
	later := make(chan func())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for f := range later {
			time.Sleep(200 * time.Microsecond)
			f()
		}
	}()
	defer func() { close(later); <-done }()
	full := make([]frame, 8)
	// The functions sent to the helper are made here: a closure sent on a channel escapes, so making it in an op
	// would count as an allocation of the op.
	pPush := func() { p.Push(frame{}) }
	// The MPSC's one consumer role passes from the helper back to the op: the op reads only after the helper's
	// Pop has returned (WaitFree returns as soon as the slot is free, while Pop may still be waking producers).
	popped := make(chan struct{}, 1)
	qPop := func() { q.Pop(); popped <- struct{}{} }
	bPush := func() { b.Push(frame{}) }
	bPop := func() { b.Pop() }
	tests := []struct {
		name string
		op   func()
	}{
		{"SPSC Wait timeout after GC", func() { runtime.GC(); c.Wait(1, time.Microsecond) }},
		{"SPSC Wait woken", func() { later <- pPush; c.Wait(1, time.Second); c.Pop() }},
		{"MPSC Wait timeout after GC", func() { runtime.GC(); q.Wait(1, time.Microsecond) }},
		{"MPSC WaitFree timeout after GC", func() {
			q.Write(full)
			runtime.GC()
			q.WaitFree(1, time.Microsecond)
			q.Read(full)
		}},
		{"MPSC WaitFree woken", func() {
			q.Write(full)
			later <- qPop
			q.WaitFree(1, time.Second)
			<-popped
			q.Read(full)
		}},
		{"Buffer Wait timeout after GC", func() { runtime.GC(); b.Wait(1, time.Microsecond) }},
		{"Buffer Wait woken", func() { later <- bPush; b.Wait(1, time.Second); b.Pop() }},
		{"Buffer WaitFree woken", func() {
			b.Write(full)
			later <- bPop
			b.WaitFree(1, time.Second)
			b.Clear()
		}},
	}
	for _, tt := range tests {
		tt.op() // the first wait on a ring may make what later ones reuse
		if n := testing.AllocsPerRun(20, tt.op); n != 0 {
			t.Errorf("%s: %v allocations per run, want 0", tt.name, n)
		}
	}
}
