package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestGenerateMatchesTestdata regenerates every file and checks that the committed testdata/ holds exactly those
// bytes: a change to the generator that alters a file must come with the regenerated file and its README row.
func TestGenerateMatchesTestdata(t *testing.T) {
	dir := t.TempDir()
	generate(dir)
	written, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(written) < 2 {
		t.Fatalf("the generator wrote %d files", len(written))
	}
	committed := filepath.Join("..", "..", "..", "testdata")
	for _, e := range written {
		got, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(filepath.Join(committed, e.Name()))
		if err != nil {
			t.Errorf("%s: %v; run make testdata and commit the result", e.Name(), err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("testdata/%s differs from what the generator writes (%d bytes, committed %d); run make testdata", e.Name(), len(got), len(want))
		}
	}
}
