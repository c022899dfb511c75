package termmeter

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSanitize(t *testing.T) {
	cases := []struct{ in, want string }{
		{"studio", "studio"},
		{"Büro – Mikro 🎤", "Büro – Mikro 🎤"},
		{"a\tb\nc\rd", `a\x09b\x0ac\x0dd`},
		{"evil\x1b]0;TITLE\x07\x1b[2J", `evil\x1b]0;TITLE\x07\x1b[2J`},
		{"del\x7f", `del\x7f`},
		{"csi\u009b2J", `csi\u009b2J`},
		{"bidi\u202egnp.exe", `bidi\u202egnp.exe`},
		{"line\u2028sep", `line\u2028sep`},
		{"bad\xffutf8\xc3", `bad\xffutf8\xc3`},
		{"a real \uFFFD stays", "a real \uFFFD stays"},
		{"", ""},
	}
	for _, c := range cases {
		if got := Sanitize(c.in); got != c.want {
			t.Errorf("Sanitize(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func FuzzSanitize(f *testing.F) {
	for _, s := range []string{"studio", "evil\x1b]0;TITLE\x07\x1b[2J", "\u009b\u202e\xff", "Büro 🎤"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Sanitize(s)
		if !utf8.ValidString(got) {
			t.Fatalf("Sanitize(%q) = %q: invalid UTF-8", s, got)
		}
		if i := strings.IndexFunc(got, unsafeRune); i >= 0 {
			t.Fatalf("Sanitize(%q) = %q: a control character at %d", s, got, i)
		}
		if Sanitize(got) != got {
			t.Fatalf("Sanitize is not idempotent on %q", got)
		}
		if clean(s) && got != s {
			t.Fatalf("Sanitize changed the clean %q to %q", s, got)
		}
	})
}

func ExampleSanitize() {
	fmt.Println(Sanitize("evil\x1b]0;TITLE\x07\x1b[2J"))
	fmt.Println(Sanitize("Büro – Mikro"))
	// Output:
	// evil\x1b]0;TITLE\x07\x1b[2J
	// Büro – Mikro
}
