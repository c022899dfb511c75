// Package progress draws a one-line progress bar for a batch of files on a terminal, typically standard error.
//
// Guarantees:
//   - It draws only on a terminal: New on anything else (a file, a pipe, a CI log) returns a Bar that writes
//     nothing at all, so output that is redirected stays clean.
//   - It draws only when the wait is worth showing: nothing before Delay (1 s) has passed, so a batch of a few
//     short files never flickers a bar; after that at most 10 redraws a second, whatever the rate of updates.
//   - It leaves no trace: Finish (and Println, for a line of its own) erases the bar, so the lines printed around
//     it are whole. The bar is one line, cut to the terminal's width; names are shown as they are given, with
//     control characters replaced, so that a file name cannot move the cursor.
//   - A Bar is safe for concurrent use.
package progress

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/term"
)

// Delay is how long a batch must have run before the bar is drawn.
const Delay = time.Second

// minRedraw is the shortest time between two redraws.
const minRedraw = 100 * time.Millisecond

// A Bar shows how many of a batch's items are done. The zero Bar, and the one New returns for a writer that is
// not a terminal, draw nothing.
type Bar struct {
	mu      sync.Mutex
	w       io.Writer
	width   func() int
	now     func() time.Time
	total   int
	done    int
	current string
	start   time.Time
	last    time.Time // of the last draw
	shown   bool      // the bar is on the screen
	buf     []byte
}

// New returns a Bar for total items written to f when f is a terminal, and a Bar that draws nothing otherwise.
func New(f *os.File, total int) *Bar {
	if f == nil || !term.IsTerminal(int(f.Fd())) {
		return &Bar{}
	}
	fd := int(f.Fd())
	return newBar(f, total, func() int {
		w, _, err := term.GetSize(fd)
		if err != nil || w <= 0 {
			return 80
		}
		return w
	}, time.Now)
}

func newBar(w io.Writer, total int, width func() int, now func() time.Time) *Bar {
	return &Bar{w: w, width: width, now: now, total: total, start: now()}
}

// Start says that work on an item has begun, to show its name.
func (b *Bar) Start(name string) {
	if b.w == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.current = name
	b.draw(false)
}

// Done counts n more items as finished.
func (b *Bar) Done(n int) {
	if b.w == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.done += n
	b.draw(false)
}

// Println prints a line (a warning, a result) above the bar: it erases the bar, prints, and draws it again.
func (b *Bar) Println(a ...any) {
	if b.w == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.erase()
	fmt.Fprintln(b.w, a...)
	b.draw(true)
}

// Finish erases the bar; later calls draw nothing.
func (b *Bar) Finish() {
	if b.w == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.erase()
	b.w = nil
}

func (b *Bar) erase() {
	if b.shown {
		io.WriteString(b.w, "\r\x1b[K")
		b.shown = false
	}
}

// draw redraws the bar when it is due; force skips the rate limit (but not the initial delay).
func (b *Bar) draw(force bool) {
	now := b.now()
	if now.Sub(b.start) < Delay || !force && b.shown && now.Sub(b.last) < minRedraw {
		return
	}
	b.last = now
	width := b.width() - 1 // the last column would wrap on some terminals
	if width < 20 {
		return
	}
	elapsed := now.Sub(b.start)
	counts := fmt.Sprintf(" %d/%d", b.done, b.total)
	timing := " " + clock(elapsed)
	if b.done > 0 && b.done < b.total {
		left := time.Duration(float64(elapsed) / float64(b.done) * float64(b.total-b.done))
		timing += ", " + clock(left) + " left"
	}
	barWidth := min(30, width-len(counts)-len(timing)-2)
	line := b.buf[:0]
	line = append(line, "\r\x1b[K"...)
	if barWidth >= 5 {
		filled := 0
		if b.total > 0 {
			filled = min(barWidth, b.done*barWidth/b.total)
		}
		line = append(line, '[')
		line = append(line, strings.Repeat("=", filled)...)
		line = append(line, strings.Repeat(" ", barWidth-filled)...)
		line = append(line, ']')
	} else {
		barWidth = -2
	}
	line = append(line, counts...)
	line = append(line, timing...)
	if room := width - (barWidth + 2) - len(counts) - len(timing) - 2; room > 3 && b.current != "" {
		line = append(line, "  "...)
		line = append(line, fit(b.current, room)...)
	}
	b.buf = line
	b.w.Write(line)
	b.shown = true
}

// clock formats a duration as m:ss, or h:mm:ss.
func clock(d time.Duration) string {
	s := int64(d.Round(time.Second) / time.Second)
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// fit replaces control characters in a name and cuts it to n runes, keeping its end (the file's own name) and
// marking the cut with "…".
func fit(name string, n int) string {
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return '?'
		}
		return r
	}, name)
	r := []rune(name)
	if len(r) <= n {
		return name
	}
	return "…" + string(r[len(r)-n+1:])
}
