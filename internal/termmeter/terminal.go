package termmeter

import (
	"io"

	"golang.org/x/term"
)

// terminalWidth returns the width of w's terminal, or 100 and false when w is not a terminal.
func terminalWidth(w io.Writer) (int, bool) {
	f, ok := w.(interface{ Fd() uintptr })
	if !ok {
		return 100, false
	}
	fd := int(f.Fd())
	if !term.IsTerminal(fd) {
		return 100, false
	}
	width, _, err := term.GetSize(fd)
	if err != nil || width <= 0 {
		return 100, false
	}
	return width, true
}
