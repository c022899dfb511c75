package progress_test

import (
	"os"

	"github.com/levelmeter/levelmeter/internal/progress"
)

// Show progress on standard error while files are measured; nothing is drawn when standard error is not a
// terminal, or when the batch is over within a second.
func ExampleNew() {
	files := []string{"a.flac", "b.mp3"}
	bar := progress.New(os.Stderr, len(files))
	defer bar.Finish()
	for _, f := range files {
		bar.Start(f)
		// ... measure f; print results with bar.Println, or to standard output ...
		bar.Done(1)
	}
	// Output:
}
