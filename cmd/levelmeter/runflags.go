package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/levelmeter/levelmeter/config"
)

// runFlags are the flags of `levelmeter run`: the configuration file, the sources that replace its sources, the
// run's duration, and a flag for each key of the configuration schema that has one (config.Keys).
type runFlags struct {
	fs         *flag.FlagSet
	configPath string
	sources    []string // --source wav:FILE | device:NAME, and --device NAME
	duration   time.Duration
	keys       config.Overrides
}

func runCLI() (*cli, *runFlags) {
	c := newCLI("run", "[--config FILE] [--source wav:FILE | --device NAME]... [flags]", runHelp)
	f := &runFlags{fs: c.fs}
	fs := c.fs
	fs.StringVar(&f.configPath, "config", "config.yaml", "the configuration file")
	c.arg("config", "FILE")
	fs.Func("source", "meter a WAV file (wav:FILE), a device (device:NAME) or standard input (stdin: WAV, or raw "+
		"with --format, --sample-rate and --channels) instead of the configured sources, optionally labelled "+
		"LABEL=wav:FILE; repeatable", func(s string) error {
		if _, _, err := parseSourceFlag(s); err != nil {
			return err
		}
		f.sources = append(f.sources, s)
		return nil
	})
	c.arg("source", "KIND:WHAT")
	fs.Func("device", "meter the input device NAME (\"default\", an index that 'levelmeter devices' lists, or a name) "+
		"instead of the configured sources; repeatable", func(s string) error {
		if s == "" {
			return errors.New("empty device name")
		}
		f.sources = append(f.sources, "device:"+s)
		return nil
	})
	c.arg("device", "NAME")
	fs.DurationVar(&f.duration, "duration", 0, "stop after this long as if signalled (0: run until SIGINT or SIGTERM)")
	c.arg("duration", "DURATION")
	c.order = []string{"config", "source", "device", "duration"}
	for i := range config.Keys {
		k := &config.Keys[i]
		if k.Flag == "" {
			continue
		}
		key := k.Name
		if k.Scope != config.Global {
			key = "sources[]." + key
		}
		doc := k.Doc
		if k.Valid != "" {
			doc += "; " + k.Valid
		}
		fs.Var(f.keys.Flag(k), k.Flag, doc+" ["+key+"]")
		c.arg(k.Flag, k.Arg)
		c.defaults[k.Flag] = k.Default
		c.order = append(c.order, k.Flag)
	}
	return c, f
}

// parseSourceFlag reads a --source value: [LABEL=]wav:FILE, [LABEL=]device:NAME or [LABEL=]stdin.
func parseSourceFlag(s string) (config.Source, string, error) {
	var src config.Source
	spec := s
	if label, rest, ok := strings.Cut(s, "="); ok && !strings.Contains(label, ":") {
		if label == "" {
			return src, "", fmt.Errorf("%q has an empty label before =", s)
		}
		src.Name, spec = label, rest
	}
	if spec == "stdin" || spec == "-" {
		src.Stdin = true
		return src, "stdin", nil
	}
	kind, arg, ok := strings.Cut(spec, ":")
	switch {
	case !ok || arg == "" || (kind != "wav" && kind != "device"):
		return src, "", fmt.Errorf("%q is not wav:FILE, device:NAME or stdin (optionally LABEL=wav:FILE)", s)
	case kind == "wav":
		src.WAV = arg
	default:
		src.Device = arg
	}
	return src, kind, nil
}

func (f *runFlags) set(name string) bool { return isSet(f.fs, name) }

// loadConfig reads the configuration file (if one is given or config.yaml is there), replaces its sources with
// the flags' and applies the schema's flags over it. The result is validated.
func (f *runFlags) loadConfig() (*config.Config, string, error) {
	path := f.configPath
	_, statErr := os.Stat(path)
	var cfg *config.Config
	if statErr != nil && !f.set("config") && len(f.sources) > 0 {
		cfg, path = config.Default(), "" // meter the flags' sources with the defaults
	} else {
		c, err := config.Read(path)
		if err != nil {
			if !f.set("config") && errors.Is(statErr, os.ErrNotExist) {
				return nil, "", fmt.Errorf("there is no %s here: give the configuration with --config FILE, "+
					"or meter without one with --source wav:FILE or --device default", path)
			}
			return nil, "", err
		}
		cfg = c
	}
	if len(f.sources) > 0 {
		cfg.Sources = nil
		for _, s := range f.sources {
			src, _, _ := parseSourceFlag(s)
			cfg.Sources = append(cfg.Sources, src)
		}
		cfg.SetBy("sources", "--source/--device")
		// The flags' sources take the defaults now; the key flags then override them like the file's, so that
		// a zero given on the command line is reported, not replaced by a default.
		cfg.SetDefaults()
	}
	if err := f.keys.Apply(cfg); err != nil {
		return nil, "", err
	}
	if err := cfg.Validate(); err != nil {
		return nil, "", err
	}
	return cfg, path, nil
}
