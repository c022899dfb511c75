package suggest

import (
	"strings"
	"testing"
)

func TestDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"chanels", "channels", 1},
		{"s16", "s16le", 2},
		{"silense", "silence", 1},
		{"kitten", "sitting", 3},
		{"abc", "", 3},
		{strings.Repeat("x", 65), "x", Far},
	} {
		if got := Distance(tc.a, tc.b); got != tc.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}
