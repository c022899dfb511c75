package config

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
)

// An Error is one problem with one key of a configuration.
type Error struct {
	File  string // the configuration file, "" when the value did not come from a file
	Line  int    // the line in File, 0 when unknown
	Key   string // the key's path: report_interval, log.format, sources[1].ring_capacity
	Value string // the offending value as written, "" when the problem is the key itself
	Msg   string // what is wrong and what is valid

	err error // the error Msg was made from, for Unwrap
}

// Unwrap returns the error an Errorf wrapped with %w (a device that is missing, an address in use), so that
// the command line can recognise it and add its remedy.
func (e *Error) Unwrap() error { return errors.Unwrap(e.err) }

func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			fmt.Fprintf(&b, ":%d", e.Line)
		}
		b.WriteString(": ")
	} else if e.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	if e.Key != "" {
		b.WriteString(e.Key)
		b.WriteString(": ")
	}
	if e.Value != "" {
		b.WriteString(e.Value)
		b.WriteString(" ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errors is every problem found in a configuration, in the order of the file.
type Errors []*Error

func (es Errors) Error() string {
	s := make([]string, len(es))
	for i, e := range es {
		s[i] = e.Error()
	}
	return strings.Join(s, "\n")
}

// Unwrap returns the individual errors, for errors.As and errors.Is.
func (es Errors) Unwrap() []error {
	errs := make([]error, len(es))
	for i, e := range es {
		errs[i] = e
	}
	return errs
}

// Errorf returns an *Error about key and its value, placed where the value came from: the file and line, or the
// flag that set it (see SetBy). An error given with %w is wrapped.
func (c *Config) Errorf(key string, value any, format string, args ...any) error {
	return c.errorf(key, value, format, args...)
}

func (c *Config) errorf(key string, value any, format string, args ...any) *Error {
	err := fmt.Errorf(format, args...)
	e := &Error{File: c.file, Line: c.lineOf(key), Key: key, Value: formatValue(value), Msg: err.Error(), err: err}
	best := ""
	for k := range c.origin {
		if (key == k || strings.HasPrefix(key, k+".") || strings.HasPrefix(key, k+"[")) && len(k) > len(best) {
			best = k
		}
	}
	if best != "" { // the most specific flag that set the key
		e.File, e.Line = "", 0
		e.Key = fmt.Sprintf("%s (set by %s)", key, c.origin[best])
	}
	return e
}

// SetBy records that flag (say "--listen") set key (say "http.listen"), or every key under it ("sources"), so
// that errors about it name the flag rather than a line of the file.
func (c *Config) SetBy(key, flag string) {
	if c.origin == nil {
		c.origin = map[string]string{}
	}
	c.origin[key] = flag
}

// formatValue shows a key's value as the file would write it. Keys hold pointers where "not set" must differ from
// zero (the alarms' *float64, *bool, *time.Duration): a pointer shows the value it points to, and null when nil,
// never an address.
func formatValue(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return strconv.Quote(v)
	case time.Duration:
		return v.String()
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	case []time.Duration:
		q := make([]string, len(v))
		for i, d := range v {
			q[i] = showDuration(d)
		}
		return "[" + strings.Join(q, ", ") + "]"
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer:
		if rv.IsNil() {
			return "null"
		}
		return formatValue(rv.Elem().Interface())
	case reflect.Slice: // each item as itself: a string quoted, for it may hold anything, a terminal escape included
		q := make([]string, rv.Len())
		for i := range q {
			q[i] = formatValue(rv.Index(i).Interface())
		}
		return "[" + strings.Join(q, ", ") + "]"
	case reflect.Struct: // a webhook, a profile: its keys that are set, as a YAML flow mapping
		if s, ok := v.(fmt.Stringer); ok {
			return s.String()
		}
		var q []string
		for i := range rv.NumField() {
			name, _, _ := strings.Cut(rv.Type().Field(i).Tag.Get("yaml"), ",")
			if f := rv.Field(i); name != "" && name != "-" && rv.Type().Field(i).IsExported() && !f.IsZero() {
				q = append(q, name+": "+formatValue(f.Interface()))
			}
		}
		return "{" + strings.Join(q, ", ") + "}"
	case reflect.Map: // headers: the names only, for a value may be a credential
		keys := make([]string, 0, rv.Len())
		for _, k := range rv.MapKeys() {
			keys = append(keys, fmt.Sprint(k.Interface())+": …")
		}
		slices.Sort(keys)
		return "{" + strings.Join(keys, ", ") + "}"
	}
	return fmt.Sprint(v)
}

// keyError is an error about a key itself, not its value.
func (c *Config) keyError(key, msg string) *Error {
	e := c.errorf(key, nil, "%s", msg)
	e.Value = ""
	return e
}

// lineOf returns the line of key, or of the nearest enclosing key that was in the file (a default takes the line
// of the source it belongs to).
func (c *Config) lineOf(key string) int {
	for key != "" {
		if l, ok := c.lines[key]; ok {
			return l
		}
		i := strings.LastIndexAny(key, ".[")
		if i < 0 {
			break
		}
		key = key[:i]
	}
	return 0
}
