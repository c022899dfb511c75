package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"regexp"
	"strings"
	"syscall"
	"unicode/utf8"

	"github.com/levelmeter/levelmeter/audio"
)

// Exit statuses shared by every command.
const (
	exitOK     = 0
	exitFailed = 1 // the command could not do its work (a source, a file, the server)
	exitUsage  = 2 // bad flags, arguments or configuration
)

// A cli is one command's command line: its flag set, synopsis and help. Every command makes its flags with
// newCLI and parses them with parse, so that they all behave alike:
//   - --help (or -h) prints the help to stdout and exits 0;
//   - a usage error is one line on stderr, "levelmeter CMD: what was wrong", then the hint
//     "run 'levelmeter help CMD' for usage", and exit status 2;
//   - every other error line starts with "levelmeter CMD: ";
//   - flags are shown GNU-style (--flag VALUE, -j N); Go's flag package accepts one dash or two.
type cli struct {
	name     string
	synopsis string // after "levelmeter NAME": "[--json] FILE.wav..."
	help     string // the paragraphs after the synopsis and before the flags
	fs       *flag.FlagSet
	args     map[string]string // flag → its value's placeholder (DURATION), when not VALUE
	defaults map[string]string // flag → its default as shown, when not the flag's DefValue
	order    []string          // the flags in the order of the help; the rest follow sorted
}

func newCLI(name, synopsis, help string) *cli {
	c := &cli{name: name, synopsis: synopsis, help: help, fs: flag.NewFlagSet(name, flag.ContinueOnError),
		args: map[string]string{}, defaults: map[string]string{}}
	c.fs.SetOutput(io.Discard) // errors are printed once, by parse
	c.fs.Usage = func() {}
	return c
}

// arg sets the placeholder of flag name's value in the help.
func (c *cli) arg(name, placeholder string) { c.args[name] = placeholder }

// parse parses args. ok is false when the command is to stop at once with status code: 0 after --help (the help
// is on stdout), 2 after a usage error (said on stderr). With positional false, an argument is a usage error.
func (c *cli) parse(args []string, positional bool, stdout, stderr io.Writer) (code int, ok bool) {
	if err := c.fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			c.usage(stdout)
			return exitOK, false
		}
		return c.usageError(stderr, "%s", gnuFlags(err.Error())), false
	}
	if !positional && c.fs.NArg() > 0 {
		return c.usageError(stderr, "unexpected argument %q", c.fs.Arg(0)), false
	}
	return exitOK, true
}

// usageError says what was wrong with the command line, and where the usage is, and returns exitUsage.
func (c *cli) usageError(stderr io.Writer, format string, args ...any) int {
	fmt.Fprintf(stderr, "levelmeter %s: %s\n", c.name, fmt.Sprintf(format, args...))
	fmt.Fprintf(stderr, "run 'levelmeter help %s' for usage\n", c.name)
	return exitUsage
}

// fail writes err on stderr, one line per problem, each prefixed with the command, and returns status.
func (c *cli) fail(stderr io.Writer, status int, err error) int {
	for _, line := range strings.Split(err.Error(), "\n") {
		fmt.Fprintf(stderr, "levelmeter %s: %s\n", c.name, line)
	}
	return status
}

// withRemedy adds what to do to an error the libraries state as a bare condition (a library says what is
// wrong; the command line knows the flags and commands that put it right).
func withRemedy(err error) error {
	switch {
	case errors.Is(err, audio.ErrNoInputDevice):
		return fmt.Errorf("%w; to meter a file instead, use --source wav:FILE", err)
	case errors.Is(err, audio.ErrDeviceNotFound):
		return fmt.Errorf("%w; `levelmeter devices` lists them", err)
	case errors.Is(err, syscall.EADDRINUSE):
		return fmt.Errorf("%w; another program (another levelmeter?) listens there: choose another with --listen or http.listen", err)
	}
	return err
}

var flagErr = regexp.MustCompile(`^(flag provided but not defined: |flag needs an argument: |invalid value ".*" for flag |invalid boolean value ".*" for )-([^-:\s][^:\s]*)`)

// gnuFlags rewrites the flag package's "-name" in its errors in the style of the help (see dashed).
func gnuFlags(msg string) string {
	if loc := flagErr.FindStringSubmatchIndex(msg); loc != nil {
		return msg[:loc[3]] + dashed(msg[loc[4]:loc[5]]) + msg[loc[5]:]
	}
	return msg
}

// dashed writes a flag as the help shows it and users type it: a one-letter flag with one dash (-j), a word with
// two (--jobs), as GNU does. Go's flag package accepts either.
func dashed(name string) string {
	if utf8.RuneCountInString(name) == 1 {
		return "-" + name
	}
	return "--" + name
}

// usage writes the synopsis, the help and the flags.
func (c *cli) usage(w io.Writer) {
	fmt.Fprintf(w, "usage: levelmeter %s", c.name)
	if c.synopsis != "" {
		fmt.Fprintf(w, " %s", c.synopsis)
	}
	fmt.Fprintln(w)
	if c.help != "" {
		fmt.Fprintln(w)
		fmt.Fprint(w, strings.TrimRight(c.help, "\n")+"\n")
	}
	if c.hasFlags() {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "Flags:")
		c.printDefaults(w)
	}
}

func (c *cli) hasFlags() bool {
	n := 0
	c.fs.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
}

// printDefaults lists the flags GNU-style: "  --name VALUE   doc (default X)", the doc wrapped under itself.
func (c *cli) printDefaults(w io.Writer) {
	type row struct{ left, doc string }
	var rows []row
	seen := map[string]bool{}
	add := func(f *flag.Flag) {
		if seen[f.Name] {
			return
		}
		seen[f.Name] = true
		left := dashed(f.Name)
		if !isBoolFlag(f) {
			arg, ok := c.args[f.Name]
			if !ok {
				arg = "VALUE"
			}
			left += " " + arg
		}
		doc := f.Usage
		def, ok := c.defaults[f.Name]
		if !ok && !isZeroDefault(f) {
			def = f.DefValue
		}
		if def != "" {
			doc += " (default " + def + ")"
		}
		rows = append(rows, row{left, doc})
	}
	for _, name := range c.order {
		if f := c.fs.Lookup(name); f != nil {
			add(f)
		}
	}
	c.fs.VisitAll(add)
	width := 0
	for _, r := range rows {
		width = max(width, len(r.left))
	}
	const lineWidth = 110
	for _, r := range rows {
		indent := 2 + width + 3
		lines := wrap(r.doc, max(40, lineWidth-indent))
		fmt.Fprintf(w, "  %-*s   %s\n", width, r.left, lines[0])
		for _, l := range lines[1:] {
			fmt.Fprintf(w, "%*s%s\n", indent, "", l)
		}
	}
}

func isBoolFlag(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

func isZeroDefault(f *flag.Flag) bool {
	switch f.DefValue {
	case "", "0", "0s", "false", "[]":
		return true
	}
	return false
}

// wrap breaks s into lines of at most width characters, at spaces.
func wrap(s string, width int) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(s) {
		if line != "" && len(line)+1+len(word) > width {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += word
	}
	return append(lines, line)
}

// isSet reports whether the flag named name was given on the command line (not left at its default).
func isSet(fs *flag.FlagSet, name string) bool {
	found := false
	fs.Visit(func(fl *flag.Flag) { found = found || fl.Name == name })
	return found
}
