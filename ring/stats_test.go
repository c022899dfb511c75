package ring

import (
	"runtime"
	"sync"
	"testing"
)

// TestStatsNotTorn moves a full ring on by a whole lap exactly between Stats' loads of the read and the write
// position: a snapshot taken naively then shows more items than the ring holds.
func TestStatsNotTorn(t *testing.T) {
	const capacity = 2
	type ring struct {
		stats func() Stats
		lap   func() // read and write capacity items
	}
	rings := map[string]func() ring{
		"SPSC": func() ring {
			p, c, _ := NewSPSC[int](capacity)
			p.Write(make([]int, capacity))
			return ring{p.Stats, func() { c.Read(make([]int, capacity)); p.Write(make([]int, capacity)) }}
		},
		"MPSC": func() ring {
			q, _ := NewMPSC[int](capacity)
			q.Write(make([]int, capacity))
			return ring{q.Stats, func() { q.Read(make([]int, capacity)); q.Write(make([]int, capacity)) }}
		},
	}
	tests := []struct {
		name string
		laps int // how many Stats loads the ring moves on during
	}{
		{"once", 1},
		{"every time", 1000},
	}
	for name, newRing := range rings {
		for _, tt := range tests {
			t.Run(name+"/"+tt.name, func(t *testing.T) {
				r := newRing()
				laps := tt.laps
				testHookStats = func() {
					if laps > 0 {
						laps--
						r.lap()
					}
				}
				defer func() { testHookStats = nil }()
				s := r.stats()
				if s.Read > s.Written || s.Written-s.Read > capacity || s.HighWater > capacity {
					t.Errorf("torn Stats %+v of a ring of %d", s, capacity)
				}
			})
		}
	}
}

// TestStatsNeverTornConcurrent reads Stats while a producer and a consumer move items through tiny rings as fast
// as they can: every snapshot must describe a ring that could exist.
func TestStatsNeverTornConcurrent(t *testing.T) {
	snapshots := 100_000
	if raceEnabled {
		snapshots /= 10
	}
	type ring struct {
		name      string
		cap       int
		stats     func() Stats
		push, pop func()
	}
	var rings []ring
	for _, capacity := range []int{1, 2} {
		p, c, _ := NewSPSC[int](capacity)
		rings = append(rings, ring{"SPSC", capacity, p.Stats, func() { p.Push(0) }, func() { c.Pop() }})
		q, _ := NewMPSC[int](capacity)
		rings = append(rings, ring{"MPSC", capacity, q.Stats, func() { q.Push(0) }, func() { q.Pop() }})
	}
	for _, r := range rings {
		t.Run(r.name, func(t *testing.T) {
			stop := make(chan struct{})
			var wg sync.WaitGroup
			for _, f := range []func(){r.push, r.pop} {
				wg.Go(func() {
					for {
						select {
						case <-stop:
							return
						default:
						}
						for range 64 {
							f()
						}
						runtime.Gosched() // with one P, so that the snapshots get their turn
					}
				})
			}
			defer func() { close(stop); wg.Wait() }()
			for range snapshots {
				s := r.stats()
				if s.Read > s.Written || s.Written-s.Read > uint64(r.cap) || s.HighWater > r.cap {
					t.Fatalf("torn Stats %+v of a ring of %d", s, r.cap)
				}
			}
		})
	}
}
