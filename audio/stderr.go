package audio

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// stderrLog passes a command's standard error to a function one line at a time: capped, escaped and rate
// limited (see Command).
type stderrLog struct {
	emit   func(string)
	now    func() time.Time
	tokens float64   // lines that may be logged now, up to StderrBurst
	at     time.Time // when tokens was last topped up
	quiet  int       // lines suppressed since the last one logged

	mu       sync.Mutex
	lastLine string
}

func newStderrLog(emit func(string)) *stderrLog {
	return &stderrLog{emit: emit, now: time.Now, tokens: StderrBurst}
}

// last returns the last line read, logged or not.
func (l *stderrLog) last() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lastLine
}

// copy reads r to its end (or its first error), logging each line.
func (l *stderrLog) copy(r io.Reader) {
	br := bufio.NewReaderSize(r, 4096)
	line := make([]byte, 0, StderrLineLimit)
	cut := 0 // bytes of the current line beyond the limit
	for {
		b, err := br.ReadByte()
		if err != nil {
			if len(line) > 0 || cut > 0 {
				l.line(line, cut)
			}
			if !errors.Is(err, io.EOF) {
				// A read error, or the deadline of a pipe held open by a process that left the group.
				io.Copy(io.Discard, br)
			}
			return
		}
		switch {
		case b == '\n' || b == '\r':
			if len(line) > 0 || cut > 0 {
				l.line(line, cut)
			}
			line, cut = line[:0], 0
		case len(line) < StderrLineLimit:
			line = append(line, b)
		default:
			cut++
		}
	}
}

// line logs one line, if the rate limit allows.
func (l *stderrLog) line(b []byte, cut int) {
	if cut > 0 {
		// Do not leave a rune split at the cap: its bytes would be escaped as if they were invalid.
		for k := 1; k <= utf8.UTFMax && k <= len(b); k++ {
			if r, size := utf8.DecodeLastRune(b[:len(b)-k+1]); r != utf8.RuneError || size != 1 {
				if k > 1 {
					cut += k - 1
					b = b[:len(b)-k+1]
				}
				break
			}
		}
	}
	s := escapeLine(b)
	if cut > 0 {
		s += fmt.Sprintf(" … [%d bytes cut]", cut)
	}
	l.mu.Lock()
	l.lastLine = s
	l.mu.Unlock()
	if l.emit == nil {
		return
	}
	now := l.now()
	if !l.at.IsZero() {
		l.tokens = min(StderrBurst, l.tokens+now.Sub(l.at).Minutes()*StderrPerMinute)
	}
	l.at = now
	if l.tokens < 1 {
		l.quiet++
		return
	}
	l.tokens--
	if l.quiet > 0 {
		s = fmt.Sprintf("%s [%d lines suppressed before this one]", s, l.quiet)
		l.quiet = 0
	}
	l.emit(s)
}

// escapeLine returns b as text: invalid UTF-8 and control characters (escape sequences of coloured output, a
// NUL) as \xNN or \u{N}, so that a log line is one printable line.
func escapeLine(b []byte) string {
	var sb strings.Builder
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&sb, `\x%02x`, b[0])
		case r < 0x80 && (r < 0x20 || r == 0x7f) && r != '\t':
			fmt.Fprintf(&sb, `\x%02x`, r)
		case r >= 0x80 && !unicode.IsPrint(r) && !unicode.IsSpace(r):
			fmt.Fprintf(&sb, `\u{%x}`, r)
		default:
			sb.Write(b[:size])
		}
		b = b[size:]
	}
	return sb.String()
}
