package progress

import (
	"bytes"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// fakeClock is a clock the test moves by hand.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time      { return c.t }
func (c *fakeClock) add(d time.Duration) { c.t = c.t.Add(d) }
func fakeBar(total, width int) (*Bar, *bytes.Buffer, *fakeClock) {
	var out bytes.Buffer
	c := &fakeClock{t: time.Unix(1e9, 0)}
	return newBar(&out, total, func() int { return width }, c.now), &out, c
}

// screen is what a terminal shows of out: the last line after carriage returns and erase-line sequences.
func screen(out string) string {
	lines := strings.Split(out, "\n")
	last := lines[len(lines)-1]
	if i := strings.LastIndex(last, "\r\x1b[K"); i >= 0 {
		last = last[i+len("\r\x1b[K"):]
	}
	return last
}

func TestNothingBeforeDelay(t *testing.T) {
	b, out, c := fakeBar(3, 80)
	b.Start("a.flac")
	b.Done(1)
	c.add(Delay / 2)
	b.Done(2)
	b.Finish()
	if out.Len() != 0 {
		t.Errorf("a batch done within %v drew %q", Delay, out)
	}
}

func TestDraws(t *testing.T) {
	tests := []struct {
		name  string
		width int
		done  int
		want  string
	}{
		{"wide", 100, 5, "[===============               ] 5/10 0:02, 0:02 left  music/album/track.flac"},
		{"narrow name", 64, 5, "[===============               ] 5/10 0:02, 0:02 left  …ck.flac"},
		{"a narrower bar, no room for the name", 52, 5, "[==============              ] 5/10 0:02, 0:02 left"},
		{"no room for the bar", 24, 5, " 5/10 0:02, 0:02 left"},
		{"none done", 100, 0, "[                              ] 0/10 0:02  music/album/track.flac"},
		{"all done", 100, 10, "[==============================] 10/10 0:02  music/album/track.flac"},
	}
	for _, tt := range tests {
		b, out, c := fakeBar(10, tt.width)
		c.add(2 * time.Second)
		b.Start("music/album/track.flac")
		b.done = tt.done
		b.Println("warning: x") // redraws at once, within the rate limit
		got := screen(out.String())
		if got != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, got, tt.want)
		}
		if n := utf8.RuneCountInString(got); n >= tt.width {
			t.Errorf("%s: %d columns on a terminal of %d", tt.name, n, tt.width)
		}
		if !strings.Contains(out.String(), "warning: x\n") {
			t.Errorf("%s: the line printed above is missing: %q", tt.name, out)
		}
		b.Finish()
		if !strings.HasSuffix(out.String(), "\r\x1b[K") {
			t.Errorf("%s: Finish left the bar: %q", tt.name, out)
		}
		n := out.Len()
		b.Done(1)
		b.Println("after")
		if out.Len() != n {
			t.Errorf("%s: drew after Finish", tt.name)
		}
	}
}

func TestRateLimited(t *testing.T) {
	b, out, c := fakeBar(1000, 80)
	c.add(Delay)
	draws := 0
	for range 1000 {
		c.add(time.Millisecond)
		before := out.Len()
		b.Done(1)
		if out.Len() != before {
			draws++
		}
	}
	if draws < 9 || draws > 11 {
		t.Errorf("%d draws in one second of updates, want 10", draws)
	}
}

func TestControlCharactersInNames(t *testing.T) {
	b, out, c := fakeBar(2, 80)
	c.add(Delay)
	b.Start("evil\x1b[2J\rname\n.wav")
	if s := out.String(); strings.Contains(s, "\x1b[2J") || strings.Count(s, "\n") > 0 || strings.Count(s, "\r") != 1 {
		t.Errorf("a name moved the cursor: %q", s)
	}
}

func TestNotATerminal(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "stderr")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b := New(f, 10)
	b.start = time.Time{} // long ago
	b.Start("x")
	b.Done(5)
	b.Println("hello")
	b.Finish()
	if st, _ := f.Stat(); st.Size() != 0 {
		t.Errorf("wrote %d bytes to a file", st.Size())
	}
	var zero Bar
	zero.Done(1)
	zero.Finish()
}

func TestConcurrent(t *testing.T) {
	b, _, c := fakeBar(100, 80)
	c.add(Delay)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 25 {
				b.Start("f")
				b.Done(1)
			}
		})
	}
	wg.Wait()
	if b.done != 100 {
		t.Errorf("done %d", b.done)
	}
}
