package audio

import (
	"io"
	"os"
	"syscall"
	"testing"
)

func TestFilterStderr(t *testing.T) {
	saved, err := syscall.Dup(2)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(saved)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := syscall.Dup3(int(w.Fd()), 2, 0); err != nil {
		t.Fatal(err)
	}
	w.Close()
	// Write to file descriptor 2 as PortAudio's C code does: os.Stderr is not always it (go test -json points
	// it at standard output).
	stderr := func(s string) { writeAll(2, []byte(s)) }
	err = filterStderr(func() error {
		stderr("before\n")
		stderr("Expression 'paInvalidSampleRate' failed in 'src/hostapi/alsa/pa_linux_alsa.c', line: 2048\n")
		stderr("Expression 'x' failed in 'y', line: 1\nafter\nno newline")
		return io.ErrClosedPipe
	})
	stderr("outside\n")
	syscall.Dup3(saved, 2, 0)
	out, _ := io.ReadAll(r)
	if err != io.ErrClosedPipe {
		t.Errorf("filterStderr returned %v, want f's error", err)
	}
	if want := "before\nafter\nno newline\noutside\n"; string(out) != want {
		t.Errorf("standard error got %q, want %q", out, want)
	}
}
