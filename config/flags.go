package config

import (
	"flag"
	"fmt"
)

// Overrides are values given for keys of the schema on a command line (--ring-capacity 4096), to be applied
// over a configuration in one pass. Make the flags with Flag; apply what was given with Apply.
type Overrides struct {
	given map[*Key]any
}

// Flag returns the flag.Value of key k (register it under k.Flag). Each value set through it is parsed by the
// key's type and kept for Apply.
func (o *Overrides) Flag(k *Key) flag.Value { return &keyFlag{o: o, k: k} }

type keyFlag struct {
	o *Overrides
	k *Key
}

func (f *keyFlag) String() string { return "" } // the help shows Key.Default
func (f *keyFlag) IsBoolFlag() bool {
	return f.k != nil && f.k.IsBoolFlag()
}

func (f *keyFlag) Set(text string) error {
	v, err := f.k.parse(text)
	if err != nil {
		return err
	}
	if f.o.given == nil {
		f.o.given = map[*Key]any{}
	}
	if list, ok := v.([]string); ok { // a list's flag is repeatable
		old, _ := f.o.given[f.k].([]string)
		v = append(old, list...)
	}
	f.o.given[f.k] = v
	return nil
}

// Apply sets every given key in c: a global key once, a source's key in each source of the flag's scope; errors
// about a key set so name the flag (SetBy). A flag whose scope has no source is an error: it would change
// nothing.
func (o *Overrides) Apply(c *Config) error {
	for i := range Keys { // in the schema's order, so that the first error is always the same one
		k := &Keys[i]
		if _, ok := o.given[k]; !ok || k.FlagScope == Global || k.FlagScope == Sources {
			continue
		}
		n := 0
		for j := range c.Sources {
			if k.FlagScope.AppliesTo(&c.Sources[j]) {
				n++
			}
		}
		if n == 0 {
			return fmt.Errorf("--%s applies to %s, and none is configured", k.Flag, k.FlagScope.what())
		}
	}
	for i := range Keys {
		k := &Keys[i]
		v, ok := o.given[k]
		if !ok {
			continue
		}
		if k.Scope == Global {
			k.assign(c, nil, v)
			c.SetBy(k.Name, "--"+k.Flag)
			continue
		}
		for j := range c.Sources {
			if s := &c.Sources[j]; k.FlagScope.AppliesTo(s) {
				if pb, ok := v.(*bool); ok { // each source its own
					b := *pb
					k.assign(c, s, &b)
				} else {
					k.assign(c, s, v)
				}
				c.SetBy(fmt.Sprintf("sources[%d].%s", j, k.Name), "--"+k.Flag)
			}
		}
	}
	return nil
}
