package config

import (
	"fmt"
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
}

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

func (c *Config) errorf(key string, value any, format string, args ...any) *Error {
	return &Error{File: c.file, Line: c.lines[key], Key: key, Value: formatValue(value), Msg: fmt.Sprintf(format, args...)}
}

func formatValue(v any) string {
	switch v := v.(type) {
	case string:
		return strconv.Quote(v)
	case time.Duration:
		return v.String()
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	default:
		return fmt.Sprint(v)
	}
}
