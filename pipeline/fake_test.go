package pipeline

import (
	"context"
	"errors"
	"io"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/levelmeter/levelmeter/audio"
)

// fakeSource is a device or file stand-in that delivers a known signal through the Writer contract.
type fakeSource struct {
	format     audio.Format
	block      int           // frames per Write
	total      int64         // frames before io.EOF; 0: until ctx is done
	period     time.Duration // pause between blocks (a device's clock); 0: as fast as WaitFree allows
	failAfter  int           // each Run fails after this many blocks; 0: never
	failFirst  bool          // the first Run fails before delivering anything
	stallAfter int           // each Run stops delivering after this many blocks, without returning until ctx is done; negative: at once; 0: never

	pos      int64 // frames generated so far, across runs (the signal continues after a restart)
	offered  atomic.Int64
	accepted atomic.Int64
	runs     atomic.Int64
}

var errUnplugged = errors.New("fake device unplugged")

func (f *fakeSource) Format() audio.Format { return f.format }

// sample is the signal: a 997 Hz sine at -6 dBFS on channel 0 and a slower, quieter one on the others.
func sample(i int64, ch, rate int) float32 {
	t := float64(i) / float64(rate)
	if ch == 0 {
		return float32(0.5 * math.Sin(2*math.Pi*997*t))
	}
	return float32(0.25 * math.Sin(2*math.Pi*443*t+float64(ch)))
}

func signal(frames int64, f audio.Format) []float32 {
	p := make([]float32, frames*int64(f.Channels))
	for i := range frames {
		for c := range f.Channels {
			p[i*int64(f.Channels)+int64(c)] = sample(i, c, f.SampleRate)
		}
	}
	return p
}

func (f *fakeSource) Run(ctx context.Context, w audio.Writer) error {
	run := f.runs.Add(1)
	if f.failFirst && run == 1 {
		return errUnplugged
	}
	ch := f.format.Channels
	buf := make([]float32, f.block*ch)
	var tick *time.Ticker
	if f.period > 0 {
		tick = time.NewTicker(f.period)
		defer tick.Stop()
	}
	for blocks := 0; ; blocks++ {
		if ctx.Err() != nil {
			return nil
		}
		if f.failAfter > 0 && blocks == f.failAfter {
			return errUnplugged
		}
		if f.stallAfter != 0 && blocks == max(0, f.stallAfter) {
			<-ctx.Done()
			return nil
		}
		n := int64(f.block)
		if f.total > 0 {
			n = min(n, f.total-f.pos)
			if n == 0 {
				return io.EOF
			}
		}
		for i := range n {
			for c := range ch {
				buf[i*int64(ch)+int64(c)] = sample(f.pos+i, c, f.format.SampleRate)
			}
		}
		if tick != nil {
			select {
			case <-ctx.Done():
				return nil
			case <-tick.C:
			}
		} else if sw, ok := w.(audio.SpaceWaiter); ok {
			if err := sw.WaitFree(ctx, int(n)); err != nil {
				if ctx.Err() != nil {
					return nil
				}
				return err
			}
		}
		got := w.Write(buf[:n*int64(ch)], 0)
		f.pos += n
		f.offered.Add(n)
		f.accepted.Add(int64(got))
	}
}

// collector keeps every report it is given.
type collector struct {
	mu      sync.Mutex
	reports []Report
	arrived []time.Time
}

func (c *collector) Report(r *Report) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reports = append(c.reports, *r)
	c.arrived = append(c.arrived, time.Now())
}

func (c *collector) of(source string) []Report {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []Report
	for _, r := range c.reports {
		if r.Source == source {
			out = append(out, r)
		}
	}
	return out
}

func (c *collector) final(source string) (Report, bool) {
	for _, r := range c.of(source) {
		if r.Final {
			return r, true
		}
	}
	return Report{}, false
}
