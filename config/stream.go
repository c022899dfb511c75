package config

import (
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/levelmeter/levelmeter/audio"
)

// Argv is a command and its arguments. In YAML it is a list (command: [ffmpeg, -i, URL, ...]) or, for a shell
// command, one string (command: "ffmpeg ... | sox ...", with shell: true).
type Argv []string

// UnmarshalYAML reads a list of strings, or one string as a list of one.
func (a *Argv) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		*a = Argv{n.Value}
		return nil
	}
	var list []string
	if err := n.Decode(&list); err != nil {
		return err
	}
	*a = list
	return nil
}

// commandName is a command source's default name: its program's base name, or the first word of a shell
// command.
func commandName(a Argv) string {
	if len(a) == 0 {
		return ""
	}
	first := strings.Fields(a[0])
	if len(first) == 0 {
		return ""
	}
	return filepath.Base(first[0])
}

// validateCommand checks what a command source runs and what it declares: a command that cannot be started is
// a bad configuration, found before the start, while a feed that is down at the start is retried.
func (c *Config) validateCommand(p string, s *Source) Errors {
	var errs Errors
	add := func(key string, value any, format string, args ...any) {
		errs = append(errs, c.errorf(key, value, format, args...))
	}
	switch {
	case strings.TrimSpace(s.Command[0]) == "":
		add(p+".command", s.Command[0], "starts with an empty program name; give the command, such as [ffmpeg, -i, URL, -f, wav, -]")
	case s.Shell && len(s.Command) != 1:
		add(p+".command", strings.Join(s.Command, " "), "is a list of %d; with shell: true the command is one string "+
			"for /bin/sh -c", len(s.Command))
	case !s.Shell:
		if _, err := exec.LookPath(s.Command[0]); err != nil {
			why := "is not found in PATH; install it or give its full path"
			if !errors.Is(err, exec.ErrNotFound) {
				why = fmt.Sprintf("cannot be run: %v", unwrapPath(err))
			} else if strings.ContainsAny(s.Command[0], " |>") {
				why += " (a command line with spaces or pipes needs shell: true, or a list of arguments)"
			}
			add(p+".command", s.Command[0], "%s", why)
		}
	}
	return errs
}

// checkStreamFormat checks that a stream declares what its meter needs before its first bytes: a command its
// rate and channels always (its first bytes may be long in coming, or never come while its feed is down), and
// standard input when its encoding is raw (a WAV header says them).
func checkStreamFormat(c *Config, p string, s *Source) Errors {
	var errs Errors
	enc, err := audio.ParseEncoding(s.Format)
	if err != nil {
		return nil // format's own check reports it
	}
	need := s.Kind() == KindCommand || enc != audio.WAV
	if !need {
		return nil
	}
	why := "is required for a command source: the meter is made before the feed's first bytes arrive; declare " +
		"it, and have the command write it (ffmpeg: -ar 48000 -ac 2)"
	if s.Kind() == KindStdin {
		why = fmt.Sprintf("is required for raw %s on standard input; declare it (--sample-rate, --channels)", enc)
	}
	if s.SampleRate == 0 {
		errs = append(errs, c.errorf(p+".sample_rate", s.SampleRate, "%s", why))
	}
	if s.Channels == 0 {
		errs = append(errs, c.errorf(p+".channels", s.Channels, "%s", why))
	}
	return errs
}

func checkFormat(_ *Config, _ *Source, v any) string {
	_, err := audio.ParseEncoding(v.(string))
	if err == nil {
		return ""
	}
	// ParseEncoding's error carries its suggestion: "... (did you mean "s16le"?): use ...".
	if _, rest, ok := strings.Cut(err.Error(), "(did you mean "); ok {
		if name, _, ok := strings.Cut(rest, "?)"); ok {
			return "is not a known format; did you mean " + name + "? Use wav, s16le, s24le, s32le or f32le"
		}
	}
	return "is not a known format; use wav, s16le, s24le, s32le or f32le"
}

// what names the sources a scope applies to, for messages.
func (sc Scope) what() string {
	switch sc {
	case Devices:
		return "device sources"
	case WAVs:
		return "WAV file sources"
	case Streams:
		return "command and stdin sources"
	case Commands:
		return "command sources"
	case Live:
		return "device, command and stdin sources"
	}
	return "sources"
}

// Equal reports whether s and o configure the same source, key for key. A Source holds a list (Command), so
// == does not compile on it; a reload that keeps unchanged sources running compares them with Equal.
func (s *Source) Equal(o *Source) bool {
	a, b := *s, *o
	if len(a.Command) == 0 {
		a.Command = nil
	}
	if len(b.Command) == 0 {
		b.Command = nil
	}
	return reflect.DeepEqual(a, b) // Realtime's pointees, not the pointers

}
