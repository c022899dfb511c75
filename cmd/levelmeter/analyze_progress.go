package main

import (
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/levelmeter/levelmeter/internal/progress"
)

// analyzeBar returns the progress bar of a batch of n files, and the writer that analyze's lines for stderr go
// through so that they print whole above it. The bar is drawn on stderr when it is a terminal and standard output
// is not: when the reports go to a file or a pipe, which is when a long batch is otherwise silent. When they come
// to the terminal too, they show the progress themselves, and a bar would be cut into by them.
func analyzeBar(stdout, stderr io.Writer, n int) (*progress.Bar, io.Writer) {
	f, ok := stderr.(*os.File)
	if !ok || isTerminal(stdout) || !isTerminal(f) {
		return &progress.Bar{}, stderr // the zero Bar draws nothing
	}
	bar := progress.New(f, n)
	return bar, barWriter{bar}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// A barWriter prints each write, one line of analyze's, above the bar.
type barWriter struct{ bar *progress.Bar }

func (w barWriter) Write(p []byte) (int, error) {
	w.bar.Println(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}
