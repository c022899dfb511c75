// Package batch runs one function over many inputs on several goroutines and hands the results back in the
// inputs' order, each as soon as its turn comes.
//
// Guarantees of Run:
//   - emit is called on the caller's goroutine, once per input, in input order: result i is emitted as soon as
//     it and every result before it are done, so a pipe sees the first results while later inputs still run.
//   - At most jobs calls of work run at once. When work opens its input and closes it before returning, at
//     most jobs inputs are open.
//   - Memory is bounded whatever the number of inputs: an input is not started until it is within 2×jobs of
//     the next result to emit, so at most 2×jobs results wait for a slow earlier one.
//   - An error from work belongs to its input (Result.Err) and stops nothing. Cancelling ctx, or an error from
//     emit, stops new inputs from starting; Run returns once every started call has returned (no goroutine is
//     left behind), with ctx's error or emit's.
//   - With jobs = 1 the inputs run one after the other, in order, as a plain loop would run them.
package batch

import (
	"context"
	"runtime"
	"sync"
)

// A Result is what work returned for one input.
type Result[In, Out any] struct {
	Index int // the input's position
	Input In
	Value Out
	Err   error
}

// Run calls work for every input on up to jobs goroutines (jobs < 1 selects runtime.NumCPU()) and calls emit
// with each result in input order. See the package documentation for what it guarantees.
func Run[In, Out any](ctx context.Context, inputs []In, jobs int, work func(context.Context, In) (Out, error),
	emit func(Result[In, Out]) error) error {
	if len(inputs) == 0 {
		return ctx.Err()
	}
	if jobs < 1 {
		jobs = runtime.NumCPU()
	}
	jobs = min(jobs, len(inputs))
	window := 2 * jobs

	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// A token is taken before an input starts and given back when its result is emitted: at most window
	// inputs are between the two, which bounds both the waiting results and the ring they wait in.
	tokens := make(chan struct{}, window)
	next := make(chan int)
	results := make(chan Result[In, Out], window) // never full: at most window results are outstanding

	go func() {
		defer close(next)
		for i := range inputs {
			select {
			case tokens <- struct{}{}:
			case <-wctx.Done():
				return
			}
			select {
			case next <- i:
			case <-wctx.Done():
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if wctx.Err() != nil {
					continue // stopping: started no more
				}
				v, err := work(wctx, inputs[i])
				results <- Result[In, Out]{Index: i, Input: inputs[i], Value: v, Err: err}
			}
		}()
	}
	go func() {
		wg.Wait()
		close(results)
	}()

	ring := make([]Result[In, Out], window)
	ready := make([]bool, window)
	want := 0 // the next index to emit
	var stop error
	for r := range results {
		if stop != nil {
			continue // draining the calls that were running
		}
		slot := r.Index % window
		ring[slot], ready[slot] = r, true
		for stop == nil && want < len(inputs) && ready[want%window] {
			slot := want % window
			out := ring[slot]
			var zero Result[In, Out]
			ring[slot], ready[slot] = zero, false // let the result be collected once emitted
			want++
			err := emit(out)
			<-tokens // after emit, so that no input starts window ahead of one still being emitted
			if err != nil {
				stop = err
				cancel()
			}
		}
	}
	if stop != nil {
		return stop
	}
	if want < len(inputs) {
		return ctx.Err()
	}
	return nil
}
