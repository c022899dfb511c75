package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestAnalyzeProgressOff: with stderr a file (not a terminal), a batch that lasts past the bar's delay writes
// nothing to stderr but its one line per failed file: no escape codes, no carriage returns.
func TestAnalyzeProgressOff(t *testing.T) {
	wav := writeWAVSpec(t, "a.wav", wavSpec{rate: 48000, channels: 2}, toneIn(48000, 2, 10, -10, 0, 1))
	dir := t.TempDir()
	stdout, err := os.Create(filepath.Join(dir, "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer stdout.Close()
	stderr, err := os.Create(filepath.Join(dir, "err"))
	if err != nil {
		t.Fatal(err)
	}
	defer stderr.Close()
	missing := filepath.Join(dir, "missing.wav")
	start := time.Now()
	status := dispatch([]string{"analyze", "--json", "-j", "1", wav, missing, wav, wav}, stdout, stderr)
	took := time.Since(start)
	if status != 1 {
		t.Errorf("status %d, want 1", status)
	}
	got, err := os.ReadFile(stderr.Name())
	if err != nil {
		t.Fatal(err)
	}
	if want := "levelmeter analyze: " + missing + ": no such file or directory\n"; string(got) != want {
		t.Errorf("stderr %q, want %q", got, want)
	}
	if strings.ContainsAny(string(got), "\x1b\r") {
		t.Errorf("stderr has terminal control characters: %q", got)
	}
	if took < 1200*time.Millisecond {
		t.Logf("the batch took %v, less than the bar's delay: this run does not show much", took)
	}
}

// TestAnalyzeBarWriter: where no bar is drawn, analyze's lines go to stderr as they are.
func TestAnalyzeBarWriter(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "err"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, stdout := range []io.Writer{os.Stdout, f} {
		if _, w := analyzeBar(stdout, f, 3); w != f {
			t.Errorf("stdout %v: stderr is a file, yet its lines go through a bar", stdout)
		}
	}
}
