package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/levelmeter/levelmeter/audio"
	"github.com/levelmeter/levelmeter/config"
)

// TestCommandConvention: every command treats --help and a bad flag alike: the help on stdout with status 0;
// one line saying what was wrong plus where the usage is, on stderr, with status 2.
func TestCommandConvention(t *testing.T) {
	for name := range commands {
		for _, tc := range []struct {
			args []string
			code int
		}{
			{[]string{name, "--help"}, 0},
			{[]string{name, "-h"}, 0},
			{[]string{"help", name}, 0},
			{[]string{name, "--bogus"}, 2},
		} {
			var stdout, stderr strings.Builder
			code := dispatch(tc.args, &stdout, &stderr)
			if code != tc.code {
				t.Errorf("%q: exit %d, want %d", tc.args, code, tc.code)
			}
			if tc.code == 0 {
				out := stdout.String()
				if stderr.Len() != 0 || !strings.HasPrefix(out, "usage: levelmeter "+name) {
					t.Errorf("%q: stdout %q, stderr %q; want the usage on stdout only", tc.args, out, stderr.String())
				}
				// The synopsis and the flag list spell each flag as a user types it: -j, --jobs.
				listed := map[string]bool{}
				for _, line := range strings.Split(out, "\n") {
					if f := strings.Fields(line); len(f) > 0 && strings.HasPrefix(f[0], "-") {
						listed[f[0]] = true
						if f[0] != dashed(strings.TrimLeft(f[0], "-")) {
							t.Errorf("%q: a flag shown with the wrong dashes: %q", tc.args, line)
						}
					}
				}
				synopsis, _, _ := strings.Cut(out, "\n")
				for _, m := range synopsisFlag.FindAllStringSubmatch(synopsis, -1) {
					if !listed[m[1]] {
						t.Errorf("%q: the synopsis shows %s, which the flag list does not", tc.args, m[1])
					}
				}
				for _, line := range strings.Split(out, "\n") {
					if strings.Contains(line, "`") && strings.HasPrefix(strings.TrimSpace(line), "--") {
						t.Errorf("%q: a backquote in a flag's line: %q", tc.args, line)
					}
				}
				continue
			}
			want := "levelmeter " + name + ": flag provided but not defined: --bogus\n" +
				"run 'levelmeter help " + name + "' for usage\n"
			if stdout.Len() != 0 || stderr.String() != want {
				t.Errorf("%q: stdout %q, stderr %q; want stderr %q", tc.args, stdout.String(), stderr.String(), want)
			}
		}
	}
	for _, name := range []string{"run", "analyze", "devices", "watch", "version"} {
		if _, ok := commands[name]; !ok {
			t.Errorf("no command %s", name)
		}
	}
}

// TestHelpHelp: help is a command like the others to ask about, as the package doc lists it.
func TestHelpHelp(t *testing.T) {
	for _, args := range [][]string{{"help", "help"}, {"--help", "help"}} {
		var stdout, stderr strings.Builder
		code := dispatch(args, &stdout, &stderr)
		if code != 0 || stderr.Len() != 0 || !strings.HasPrefix(stdout.String(), "usage: levelmeter help [COMMAND]\n") {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want the help command's usage on stdout", args, code,
				stdout.String(), stderr.String())
		}
	}
	var stdout, stderr strings.Builder
	if dispatch([]string{"help"}, &stdout, &stderr); !strings.Contains(stdout.String(), "\n  help      ") {
		t.Errorf("levelmeter help does not list help:\n%s", stdout.String())
	}
}

// synopsisFlag finds the flags in a synopsis: [--json], [-j N], [--source wav:FILE | --device NAME].
var synopsisFlag = regexp.MustCompile(`(?:^|[\s\[|])(-{1,2}[a-z][a-z0-9-]*)`)

// TestUsageErrors: usage errors that are not flags read like a bad flag.
func TestUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args  []string
		first string
	}{
		{[]string{"version", "extra"}, `levelmeter version: unexpected argument "extra"`},
		{[]string{"watch", "--addr", "nohost"}, `levelmeter watch: --addr "nohost": not host:port; use host:port such as 127.0.0.1:9464`},
		{[]string{"analyze"}, "levelmeter analyze: no files given"},
		{[]string{"help", "nope"}, `levelmeter help: unknown command "nope"`},
		{[]string{"nope"}, `levelmeter: unknown command "nope"`},
		{[]string{"run", "--duration", "long"}, `levelmeter run: invalid value "long" for flag --duration: parse error`},
		{[]string{"analyze", "-j", "x", "f.wav"}, `levelmeter analyze: invalid value "x" for flag -j: parse error`},
		{[]string{"analyze", "--jobs", "x", "f.wav"}, `levelmeter analyze: invalid value "x" for flag --jobs: parse error`},
	} {
		var stdout, stderr strings.Builder
		code := dispatch(tc.args, &stdout, &stderr)
		lines := strings.Split(strings.TrimSuffix(stderr.String(), "\n"), "\n")
		if code != 2 || len(lines) != 2 || lines[0] != tc.first || !strings.HasPrefix(lines[1], "run 'levelmeter help") {
			t.Errorf("%q: exit %d, stderr %q; want 2 and %q plus the hint", tc.args, code, stderr.String(), tc.first)
		}
	}
}

// TestRunHelpFromSchema: `levelmeter help run` lists every key's flag with its placeholder, key and default.
func TestRunHelpFromSchema(t *testing.T) {
	var stdout, stderr strings.Builder
	if code := dispatch([]string{"help", "run"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	help := strings.Join(strings.Fields(stdout.String()), " ") // undo the wrapping
	for _, k := range config.Keys {
		if k.Flag == "" {
			continue
		}
		flag := "--" + k.Flag
		if k.Arg != "" {
			flag += " " + k.Arg
		}
		key := k.Name
		if k.Scope != config.Global {
			key = "sources[]." + key
		}
		for _, want := range []string{flag + " ", "[" + key + "]", "(default " + k.Default + ")"} {
			if !strings.Contains(help, want) {
				t.Errorf("the help of run does not show %q for %s", want, k.Name)
			}
		}
	}
	for _, want := range []string{"--config FILE", "--source KIND:WHAT", "--device NAME", "--duration DURATION "} {
		if !strings.Contains(help, want) {
			t.Errorf("the help of run does not show %q", want)
		}
	}
}

func TestGNUFlags(t *testing.T) {
	for in, want := range map[string]string{
		"flag provided but not defined: -x":          "flag provided but not defined: -x",
		"flag provided but not defined: -xy":         "flag provided but not defined: --xy",
		`invalid value "x" for flag -j: parse error`: `invalid value "x" for flag -j: parse error`,
		`invalid value "x" for flag -jobs: parse`:    `invalid value "x" for flag --jobs: parse`,
		"flag needs an argument: -plot":              "flag needs an argument: --plot",
		`invalid value "a" for flag -source: bad`:    `invalid value "a" for flag --source: bad`,
		`invalid boolean value "x" for -loop: parse`: `invalid boolean value "x" for --loop: parse`,
		"bad flag syntax: ---x":                      "bad flag syntax: ---x",
	} {
		if got := gnuFlags(in); got != want {
			t.Errorf("gnuFlags(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestRemedies: the command line adds what to do to the conditions the libraries report.
func TestRemedies(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("audio: %w", audio.ErrNoInputDevice), "audio: no audio input device found; to meter a file instead, use --source wav:FILE"},
		{fmt.Errorf("x: %w", audio.ErrDeviceNotFound), "x: no such input device; `levelmeter devices` lists them"},
		{&net.OpError{Op: "listen", Net: "tcp", Err: os.NewSyscallError("bind", syscall.EADDRINUSE)}, "choose another with --listen or http.listen"},
		{errors.New("other"), "other"},
	} {
		if got := withRemedy(tc.err).Error(); !strings.HasSuffix(got, tc.want) {
			t.Errorf("withRemedy(%v) = %q, want it to end %q", tc.err, got, tc.want)
		}
		if !errors.Is(withRemedy(tc.err), tc.err) {
			t.Errorf("withRemedy(%v) does not wrap it", tc.err)
		}
	}
}
