package batch

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestExpand(t *testing.T) {
	dir := t.TempDir()
	files := []string{"b.flac", "a.wav", "cover.jpg", "sub/z.mp3", "sub/deeper/x.WAV", "sub/.hidden.wav",
		".git/objects/y.wav", "._a.flac", "sub2/readme.txt", "Ä.flac"}
	for _, f := range files {
		p := filepath.Join(dir, f)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(filepath.Join(dir, "a.wav"), filepath.Join(dir, "sub", "link.wav")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(dir, filepath.Join(dir, "sub", "loop")); err != nil {
		t.Fatal(err)
	}
	isAudio := func(name string) bool {
		ext := strings.ToLower(filepath.Ext(name))
		return ext == ".wav" || ext == ".flac" || ext == ".mp3"
	}
	single := filepath.Join(dir, "cover.jpg")
	got, errs := Expand([]string{"-", dir, single, "missing.wav"}, isAudio)
	want := []string{"-"}
	for _, f := range []string{"a.wav", "b.flac", "sub/deeper/x.WAV", "sub/link.wav", "sub/z.mp3", "Ä.flac"} {
		want = append(want, filepath.Join(dir, f))
	}
	want = append(want, single, "missing.wav") // named ones are kept whatever they are
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Expand =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(errs) != 0 {
		t.Errorf("errors: %v", errs)
	}
}

func TestExpandUnreadable(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads every directory; an unreadable one cannot be made")
	}
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "locked"), 0o755)
	os.WriteFile(filepath.Join(dir, "locked", "a.wav"), nil, 0o644)
	os.WriteFile(filepath.Join(dir, "b.wav"), nil, 0o644)
	os.Chmod(filepath.Join(dir, "locked"), 0)
	defer os.Chmod(filepath.Join(dir, "locked"), 0o755)
	got, errs := Expand([]string{dir}, func(string) bool { return true })
	if len(got) != 1 || len(errs) != 1 || !strings.Contains(errs[0].Error(), "locked: permission denied") {
		t.Errorf("Expand = %v, %v", got, errs)
	}
}
