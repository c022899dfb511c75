package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	typo "github.com/levelmeter/levelmeter/internal/suggest"
)

// maxErrors bounds the errors reported for one file; a file that is wrong everywhere is wrong enough.
const maxErrors = 20

// Load reads the configuration file at path (see Read) and validates it.
func Load(path string) (*Config, error) {
	c, err := Read(path)
	if err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// Read reads and decodes the configuration file at path without validating the values (see Parse). Relative
// WAV paths are taken relative to the file's directory.
func Read(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, fmt.Errorf("config file %s does not exist; give the path of a configuration with --config", path)
		}
		return nil, fmt.Errorf("config file %s cannot be read: %w", path, unwrapPath(err))
	}
	c, err := Parse(data, path)
	if err != nil {
		return nil, err
	}
	dir := filepath.Dir(path)
	for i := range c.Sources {
		if w := c.Sources[i].WAV; w != "" && w != StdinPath && !filepath.IsAbs(w) {
			c.Sources[i].WAV = filepath.Join(dir, w)
		}
	}
	if w := c.HTTP.WebConfig; w != "" && !filepath.IsAbs(w) {
		c.HTTP.WebConfig = filepath.Join(dir, w)
	}
	return c, nil
}

// Parse decodes a YAML configuration over Default and fills the sources' defaults (SetDefaults). It checks the
// structure and the types: unknown keys, duplicate keys, values of the wrong type, and explicit zeros where a
// zero would be replaced by a default. It does not check ranges; Validate does. name labels errors (a file
// name); it may be empty.
func Parse(data []byte, name string) (*Config, error) {
	c := Default()
	c.file = name
	c.lines = map[string]int{}

	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil && err != io.EOF {
		return nil, c.syntaxError(err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err != io.EOF {
		line := extra.Line
		if err != nil {
			return nil, c.syntaxError(err)
		}
		return nil, &Error{File: name, Line: line, Msg: "a second YAML document; a configuration is one document"}
	}
	root := &doc
	if root.Kind == yaml.DocumentNode {
		if len(root.Content) == 0 {
			root = nil
		} else {
			root = root.Content[0]
		}
	}
	if root == nil || root.Kind == 0 {
		c.SetDefaults()
		return c, nil
	}

	w := walker{c: c}
	w.value(root, reflect.TypeOf(*c), "")
	if len(w.errs) > 0 {
		return nil, w.result()
	}
	// The walk accepted every key and value; the strict decoder does the assignment.
	strict := yaml.NewDecoder(bytes.NewReader(data))
	strict.KnownFields(true)
	if err := strict.Decode(c); err != nil {
		return nil, c.syntaxError(err)
	}
	for i := range c.Sources {
		p := fmt.Sprintf("sources[%d]", i)
		s := &c.Sources[i]
		for j := range Keys {
			k := &Keys[j]
			if !k.zeroIsDefault {
				continue
			}
			key := p + "." + k.Name
			if line, set := c.lines[key]; set && reflect.ValueOf(k.get(c, s)).IsZero() {
				w.errs = append(w.errs, &Error{File: name, Line: line, Key: key, Value: strconv.Quote(w.raw[key]),
					Msg: fmt.Sprintf("is empty or zero; omit the key for the default (%s)", k.Default)})
			}
		}
	}
	for j := range Keys {
		k := &Keys[j]
		if k.Scope != Global || !k.zeroIsDefault {
			continue
		}
		if line, set := c.lines[k.Name]; set && reflect.ValueOf(k.get(c, nil)).IsZero() {
			w.errs = append(w.errs, &Error{File: name, Line: line, Key: k.Name, Value: strconv.Quote(w.raw[k.Name]),
				Msg: fmt.Sprintf("is empty or zero; omit the key for the default (%s)", k.Default)})
		}
	}
	if len(w.errs) > 0 {
		return nil, w.result()
	}
	c.SetDefaults()
	return c, nil
}

var yamlLine = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

// syntaxError turns a yaml error into an Error with the file and line.
func (c *Config) syntaxError(err error) error {
	var te *yaml.TypeError
	msgs := []string{err.Error()}
	if errors.As(err, &te) {
		msgs = te.Errors
	}
	var errs Errors
	for _, m := range msgs {
		e := &Error{File: c.file, Msg: "is not a valid configuration: " + strings.TrimPrefix(m, "yaml: ")}
		if sm := yamlLine.FindStringSubmatch(m); sm != nil {
			e.Line, _ = strconv.Atoi(sm[1])
			e.Msg = "is not valid YAML: " + sm[2]
			if te != nil {
				e.Msg = sm[2]
			}
		}
		errs = append(errs, e)
	}
	return errs
}

// walker checks a YAML tree against the Config type and records where each key is.
type walker struct {
	c    *Config
	errs Errors
	raw  map[string]string // key path → the scalar as written
}

func (w *walker) fail(n *yaml.Node, key, value, format string, args ...any) {
	if len(w.errs) == maxErrors {
		w.errs = append(w.errs, &Error{File: w.c.file, Msg: "more errors follow; fix these first"})
	}
	if len(w.errs) > maxErrors {
		return
	}
	w.errs = append(w.errs, &Error{File: w.c.file, Line: n.Line, Key: key, Value: value, Msg: fmt.Sprintf(format, args...)})
}

func (w *walker) result() error { return w.errs }

var (
	durationType = reflect.TypeOf(time.Duration(0))
	argvType     = reflect.TypeOf(Argv(nil))
)

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return "a single value"
	}
	return "something else"
}

func (w *walker) value(n *yaml.Node, t reflect.Type, path string) {
	for depth := 0; n.Kind == yaml.AliasNode && n.Alias != nil && depth < 8; depth++ {
		n = n.Alias
	}
	if n.Kind == yaml.AliasNode {
		w.fail(n, path, "", "is an alias nested too deep")
		return
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return // an empty value: the default stays
	}
	if t.Kind() == reflect.Pointer { // an optional value whose default is not its zero (a bool that is true)
		t = t.Elem()
	}
	if path != "" {
		w.recordRaw(path, n)
	}
	switch {
	case t == argvType && n.Kind == yaml.ScalarNode: // a shell command: one string
	case t.Kind() == reflect.Struct:
		if n.Kind != yaml.MappingNode {
			w.fail(n, keyOrTop(path), quoteScalar(n), "is %s; expected a mapping of keys (%s)", kindName(n), strings.Join(fieldNames(t), ", "))
			return
		}
		w.mapping(n, t, path)
	case t.Kind() == reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			w.fail(n, path, quoteScalar(n), "is %s; expected a list (each item starting with \"- \")", kindName(n))
			return
		}
		for i, item := range n.Content {
			p := fmt.Sprintf("%s[%d]", path, i)
			w.c.lines[p] = item.Line
			w.value(item, t.Elem(), p)
		}
	case t.Kind() == reflect.Map && t.Key().Kind() == reflect.String: // names to values (a webhook's headers)
		if n.Kind != yaml.MappingNode {
			w.fail(n, path, quoteScalar(n), "is %s; expected a mapping of names to values", kindName(n))
			return
		}
		seen := map[string]int{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode {
				w.fail(k, path, "", "has a key that is %s; keys are plain names", kindName(k))
				continue
			}
			p := path + "." + strconv.Quote(k.Value)
			if plainName(k.Value) {
				p = path + "." + k.Value
			}
			if line, dup := seen[k.Value]; dup {
				w.fail(k, p, "", "is set twice (first on line %d); keep one", line)
				continue
			}
			seen[k.Value] = k.Line
			w.c.lines[p] = k.Line
			w.value(v, t.Elem(), p)
		}
	default:
		if n.Kind != yaml.ScalarNode {
			w.fail(n, path, "", "is %s; expected a single value", kindName(n))
			return
		}
		w.scalar(n, t, path)
	}
}

func (w *walker) recordRaw(path string, n *yaml.Node) {
	if n.Kind != yaml.ScalarNode {
		return
	}
	if w.raw == nil {
		w.raw = map[string]string{}
	}
	w.raw[path] = n.Value
}

// plainName reports whether key can stand in a key path unquoted: letters, digits, '_' and '-' only.
func plainName(key string) bool {
	if key == "" {
		return false
	}
	for _, r := range key {
		if !(r == '_' || r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

func keyOrTop(path string) string {
	if path == "" {
		return "(top level)"
	}
	return path
}

func quoteScalar(n *yaml.Node) string {
	if n.Kind != yaml.ScalarNode {
		return ""
	}
	return strconv.Quote(n.Value)
}

func (w *walker) mapping(n *yaml.Node, t reflect.Type, path string) {
	fields := map[string]reflect.StructField{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if tag := yamlName(f); tag != "" {
			fields[tag] = f
		}
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			w.fail(k, keyOrTop(path), "", "has a key that is %s; keys are plain names", kindName(k))
			continue
		}
		p := k.Value
		if path != "" {
			p = path + "." + k.Value
		}
		f, ok := fields[k.Value]
		if !ok {
			// An unknown key may hold anything, a line break included: quote it unless it is a plain name, so
			// that the error stays one line that shows the key as written.
			if !plainName(k.Value) {
				p = strings.TrimPrefix(path+"."+strconv.Quote(k.Value), ".")
			}
			msg := "unknown key; valid keys"
			if path != "" {
				msg += " in " + path
			}
			msg += " are " + strings.Join(fieldNames(t), ", ")
			if s := suggest(k.Value, fieldNames(t)); s != "" {
				msg = fmt.Sprintf("unknown key; did you mean %s? Valid keys", s)
				if path != "" {
					msg += " in " + path
				}
				msg += " are " + strings.Join(fieldNames(t), ", ")
			}
			w.fail(k, p, "", "%s", msg)
			continue
		}
		if line, dup := seen[k.Value]; dup {
			w.fail(k, p, "", "is set twice (first on line %d); keep one", line)
			continue
		}
		seen[k.Value] = k.Line
		w.c.lines[p] = k.Line
		w.value(v, f.Type, p)
	}
}

func yamlName(f reflect.StructField) string {
	if !f.IsExported() {
		return ""
	}
	tag, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	if tag == "-" {
		return ""
	}
	return tag
}

func fieldNames(t reflect.Type) []string {
	var names []string
	for i := 0; i < t.NumField(); i++ {
		if n := yamlName(t.Field(i)); n != "" {
			names = append(names, n)
		}
	}
	return names
}

func (w *walker) scalar(n *yaml.Node, t reflect.Type, path string) {
	v := strconv.Quote(n.Value)
	switch {
	case t == durationType:
		if n.Tag == "!!int" || n.Tag == "!!float" {
			w.fail(n, path, v, "has no unit; write a duration such as %sms or %ss", n.Value, n.Value)
			return
		}
		if _, err := time.ParseDuration(n.Value); err != nil || n.Tag != "!!str" {
			w.fail(n, path, v, "is not a duration; write a number with a unit (ms, s, m, h), such as 100ms or 2s")
		}
	case t.Kind() == reflect.Int:
		var x int
		if n.Tag != "!!int" || n.Decode(&x) != nil {
			w.fail(n, path, v, "is not a whole number")
		}
	case t.Kind() == reflect.Float64:
		var x float64
		if (n.Tag != "!!int" && n.Tag != "!!float") || n.Decode(&x) != nil {
			w.fail(n, path, v, "is not a number")
		}
	case t.Kind() == reflect.Bool:
		var x bool
		if n.Decode(&x) != nil {
			w.fail(n, path, v, "is not true or false")
		}
	case t.Kind() == reflect.String:
		// Any scalar is a string: device: 3 is the device with index 3.
	default:
		w.fail(n, path, v, "has a type the configuration cannot hold (%s)", t)
	}
}

// suggest returns the name in names closest to s when it is close enough to be a likely typo.
func suggest(s string, names []string) string {
	best, bestD := "", 3
	sorted := append([]string(nil), names...)
	sort.Strings(sorted)
	for _, n := range sorted {
		if d := typo.Distance(strings.ToLower(s), n); d < bestD {
			best, bestD = n, d
		}
	}
	return best
}
