// Command levelmeter is a real-time audio level meter.
//
//	levelmeter run [flags]                       meter the configured sources until SIGINT or SIGTERM (SIGHUP reloads)
//	levelmeter watch [--addr HOST:PORT]          show a running daemon's meters in the terminal
//	levelmeter reset [--addr] [--source NAME]    reset a running daemon's since-start values
//	levelmeter analyze [flags] FILE|DIR|-...     measure audio files and print a report
//	levelmeter devices [--json]                  list the audio input devices
//	levelmeter version                           print the version
//	levelmeter help [COMMAND]                    print the commands, or a command's usage and flags
//
// Every command follows one convention (see cli): --help prints its usage to stdout and exits 0; a usage error
// is one line on stderr ("levelmeter CMD: ...") with a pointer to "levelmeter help CMD", and exit status 2; every
// error line starts with "levelmeter CMD: ".
package main

import (
	"fmt"
	"io"
	"os"
	"sort"
)

// A command is one subcommand. run gets the arguments after the command's name and returns the exit status;
// given --help, it prints its usage to stdout and returns 0.
type command struct {
	name    string
	summary string
	run     func(args []string, stdout, stderr io.Writer) int
}

// commands is filled by the init functions of the files that hold each command.
var commands = map[string]command{}

func register(c command) { commands[c.name] = c }

func main() {
	os.Exit(dispatch(os.Args[1:], os.Stdout, os.Stderr))
}

func dispatch(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	name := args[0]
	if name == "help" || name == "-h" || name == "--help" || name == "-help" {
		if len(args) > 1 && args[1] != "-h" && args[1] != "--help" {
			if args[1] == "help" {
				helpCLI().usage(stdout)
				return exitOK
			}
			c, ok := commands[args[1]]
			if !ok {
				fmt.Fprintf(stderr, "levelmeter help: unknown command %q\n", args[1])
				fmt.Fprintln(stderr, "run 'levelmeter help' for usage")
				return exitUsage
			}
			return c.run([]string{"--help"}, stdout, stderr)
		}
		usage(stdout)
		return exitOK
	}
	c, ok := commands[name]
	if !ok {
		fmt.Fprintf(stderr, "levelmeter: unknown command %q\n", name)
		fmt.Fprintln(stderr, "run 'levelmeter help' for usage")
		return exitUsage
	}
	return c.run(args[1:], stdout, stderr)
}

// helpCLI is the help command's usage: help is dispatch's own, not a registered command, but `levelmeter help
// help` answers as every command answers.
func helpCLI() *cli {
	return newCLI("help", "[COMMAND]", "Prints the commands, or COMMAND's usage and flags (the same as "+
		"'levelmeter COMMAND --help').\nThe usage goes to stdout and the exit status is 0.")
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: levelmeter COMMAND [flags] [arguments]")
	fmt.Fprintln(w)
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-9s %s\n", n, commands[n].summary)
	}
	fmt.Fprintf(w, "  %-9s %s\n", "help", "print the commands, or a command's usage and flags")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'levelmeter help COMMAND' for a command's usage and flags.")
}
