package batch

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// tracker checks the limits while work runs: how many calls at once, and how far ahead of the emitted results.
type tracker struct {
	running, maxRunning atomic.Int64
	emitted             atomic.Int64
	maxAhead            atomic.Int64
}

func (tr *tracker) enter(i int) {
	r := tr.running.Add(1)
	for m := tr.maxRunning.Load(); r > m && !tr.maxRunning.CompareAndSwap(m, r); m = tr.maxRunning.Load() {
	}
	ahead := int64(i) - tr.emitted.Load()
	for m := tr.maxAhead.Load(); ahead > m && !tr.maxAhead.CompareAndSwap(m, ahead); m = tr.maxAhead.Load() {
	}
}

func (tr *tracker) leave() { tr.running.Add(-1) }

func TestRunOrderAndLimits(t *testing.T) {
	defer goleak.VerifyNone(t)
	tests := []struct{ inputs, jobs int }{
		{1, 1}, {10, 1}, {50, 2}, {200, 4}, {100, 8}, {3, 16},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d inputs, -j %d", tt.inputs, tt.jobs), func(t *testing.T) {
			inputs := make([]int, tt.inputs)
			delays := make([]time.Duration, tt.inputs)
			rng := rand.New(rand.NewPCG(uint64(tt.inputs), uint64(tt.jobs)))
			for i := range inputs {
				inputs[i] = i
				delays[i] = time.Duration(rng.IntN(3000)) * time.Microsecond // random completion order
			}
			var tr tracker
			work := func(_ context.Context, in int) (string, error) {
				tr.enter(in)
				defer tr.leave()
				time.Sleep(delays[in])
				if in%7 == 3 {
					return "", fmt.Errorf("input %d failed", in)
				}
				return fmt.Sprintf("result %d", in*in), nil
			}
			var got []Result[int, string]
			err := Run(context.Background(), inputs, tt.jobs, work, func(r Result[int, string]) error {
				got = append(got, r)
				tr.emitted.Add(1)
				return nil
			})
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			// Equal to a serial loop, error for error.
			if len(got) != len(inputs) {
				t.Fatalf("%d results for %d inputs", len(got), len(inputs))
			}
			for i, r := range got {
				v, err := work(context.Background(), inputs[i])
				if r.Index != i || r.Input != i || r.Value != v || fmt.Sprint(r.Err) != fmt.Sprint(err) {
					t.Errorf("result %d = %+v, serially %q, %v", i, r, v, err)
				}
			}
			if m := tr.maxRunning.Load(); m > int64(tt.jobs) {
				t.Errorf("%d calls ran at once with -j %d", m, tt.jobs)
			}
			if m := tr.maxAhead.Load(); m >= int64(2*min(tt.jobs, tt.inputs)) {
				t.Errorf("an input started %d ahead of the next to emit (window %d)", m, 2*tt.jobs)
			}
		})
	}
}

// TestRunStreams: the first result is emitted while a later input is still running, not at the end.
func TestRunStreams(t *testing.T) {
	defer goleak.VerifyNone(t)
	firstEmitted := make(chan struct{})
	work := func(_ context.Context, in int) (int, error) {
		if in == 3 {
			select {
			case <-firstEmitted:
			case <-time.After(10 * time.Second):
				return 0, errors.New("result 0 was not emitted while input 3 ran")
			}
		}
		return in, nil
	}
	err := Run(context.Background(), []int{0, 1, 2, 3}, 2, work, func(r Result[int, int]) error {
		if r.Err != nil {
			t.Error(r.Err)
		}
		if r.Index == 0 {
			close(firstEmitted)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestRunSlowFirst: one slow first input holds back the emission but not the work, up to the window.
func TestRunSlowFirst(t *testing.T) {
	defer goleak.VerifyNone(t)
	release := make(chan struct{})
	var started atomic.Int64
	inputs := make([]int, 40)
	for i := range inputs {
		inputs[i] = i
	}
	done := make(chan error)
	var order []int
	go func() {
		done <- Run(context.Background(), inputs, 3, func(_ context.Context, in int) (int, error) {
			started.Add(1)
			if in == 0 {
				<-release
			}
			return in, nil
		}, func(r Result[int, int]) error { order = append(order, r.Index); return nil })
	}()
	time.Sleep(50 * time.Millisecond)
	if s := started.Load(); s != 6 {
		t.Errorf("%d inputs started while the first was held; the window is 6", s)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for i, v := range order {
		if v != i {
			t.Fatalf("emitted in the order %v", order)
		}
	}
}

func TestRunCancel(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	inputs := make([]int, 100)
	for i := range inputs {
		inputs[i] = i
	}
	var mu sync.Mutex
	var ran []int
	var emitted int
	err := Run(ctx, inputs, 4, func(ctx context.Context, in int) (int, error) {
		mu.Lock()
		ran = append(ran, in)
		mu.Unlock()
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(time.Millisecond):
		}
		return in, nil
	}, func(r Result[int, int]) error {
		emitted++
		if r.Index == 9 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run = %v, want context.Canceled", err)
	}
	if emitted < 10 || emitted > 10+8 {
		t.Errorf("%d results emitted after cancelling at the 10th", emitted)
	}
	if len(ran) >= 10+8+1 {
		t.Errorf("%d inputs started; cancelling at the 10th with a window of 8 allows 18", len(ran))
	}
}

func TestRunEmitError(t *testing.T) {
	defer goleak.VerifyNone(t)
	stop := errors.New("stdout closed")
	n := 0
	err := Run(context.Background(), make([]int, 50), 2, func(context.Context, int) (int, error) { return 0, nil },
		func(Result[int, int]) error {
			n++
			if n == 5 {
				return stop
			}
			return nil
		})
	if err != stop || n != 5 {
		t.Fatalf("Run = %v after %d emits, want %v after 5", err, n, stop)
	}
}

func TestRunEmpty(t *testing.T) {
	err := Run(context.Background(), nil, 0, func(context.Context, int) (int, error) { return 0, nil },
		func(Result[int, int]) error { t.Fatal("emit called"); return nil })
	if err != nil {
		t.Fatal(err)
	}
}
