package ring

import (
	"runtime"
	"testing"
	"time"
)

//lint:ignore U1000 the field gives the item its size
type blob struct{ data [1 << 10]byte }

// TestReleasedItemsAreCollectable checks, for every way an item leaves a ring, that the ring keeps no reference
// to it: a pointer read out (and dropped by the reader) must become garbage.
func TestReleasedItemsAreCollectable(t *testing.T) {
	tests := []struct {
		name string
		// run stores the pointer from put in a ring, takes it out again and returns the ring, kept alive to the
		// end of the test.
		run func(put func() *blob) any
	}{
		{"SPSC Pop", func(put func() *blob) any {
			p, c, _ := NewSPSC[*blob](4)
			p.Push(put())
			c.Pop()
			return p
		}},
		{"SPSC Read", func(put func() *blob) any {
			p, c, _ := NewSPSC[*blob](4)
			p.Write([]*blob{put()})
			c.Read(make([]*blob, 4))
			return p
		}},
		{"SPSC Acquire/Release", func(put func() *blob) any {
			p, c, _ := NewSPSC[*blob](4)
			first, _ := p.Reserve(1)
			first[0] = put()
			p.Commit(1)
			first, _ = c.Acquire(1)
			c.Release(len(first))
			return p
		}},
		{"SPSC Reserve, Commit fewer", func(put func() *blob) any {
			p, _, _ := NewSPSC[*blob](4)
			first, _ := p.Reserve(2)
			first[1] = put()
			p.Commit(1)
			return p
		}},
		{"SPSC Reserve, Reserve again fewer", func(put func() *blob) any {
			p, _, _ := NewSPSC[*blob](4)
			first, _ := p.Reserve(2)
			first[1] = put()
			p.Reserve(1)
			return p
		}},
		{"SPSC Reserve, Close", func(put func() *blob) any {
			p, _, _ := NewSPSC[*blob](4)
			first, _ := p.Reserve(1)
			first[0] = put()
			p.Close()
			return p
		}},
		{"MPSC Pop", func(put func() *blob) any {
			q, _ := NewMPSC[*blob](4)
			q.Push(put())
			q.Pop()
			return q
		}},
		{"MPSC Read", func(put func() *blob) any {
			q, _ := NewMPSC[*blob](4)
			q.Write([]*blob{put()})
			q.Read(make([]*blob, 4))
			return q
		}},
		{"Buffer Pop", func(put func() *blob) any {
			b, _ := NewBuffer[*blob](3)
			b.Push(put())
			b.Pop()
			return b
		}},
		{"Buffer Read", func(put func() *blob) any {
			b, _ := NewBuffer[*blob](3)
			b.Push(put())
			b.Read(make([]*blob, 4))
			return b
		}},
		{"Buffer Overwrite", func(put func() *blob) any {
			b, _ := NewBuffer[*blob](1)
			b.Push(put())
			b.Overwrite(&blob{})
			return b
		}},
		{"Buffer Clear", func(put func() *blob) any {
			b, _ := NewBuffer[*blob](3)
			b.Push(put())
			b.Clear()
			return b
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			collected := make(chan struct{}, 1)
			ring := tt.run(func() *blob {
				b := &blob{}
				runtime.AddCleanup(b, func(ch chan struct{}) { ch <- struct{}{} }, collected)
				return b
			})
			deadline := time.After(2 * time.Second)
			for {
				runtime.GC()
				select {
				case <-collected:
					runtime.KeepAlive(ring)
					return
				case <-deadline:
					t.Fatal("the item is still reachable after it left the ring")
				case <-time.After(time.Millisecond):
				}
			}
		})
	}
}
