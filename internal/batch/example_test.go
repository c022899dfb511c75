package batch_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/levelmeter/levelmeter/internal/batch"
)

// Measure many inputs on two goroutines and print the results in the order given, each as soon as its turn
// comes.
func ExampleRun() {
	inputs := []string{"a.flac", "b.mp3", "c.wav"}
	measure := func(ctx context.Context, name string) (int, error) {
		if strings.HasSuffix(name, ".mp3") {
			return 0, fmt.Errorf("%s: cannot decode", name)
		}
		return len(name), nil
	}
	err := batch.Run(context.Background(), inputs, 2, measure, func(r batch.Result[string, int]) error {
		if r.Err != nil {
			fmt.Println("error:", r.Err)
			return nil
		}
		fmt.Println(r.Input, r.Value)
		return nil
	})
	fmt.Println("done:", err)
	// Output:
	// a.flac 6
	// error: b.mp3: cannot decode
	// c.wav 5
	// done: <nil>
}
