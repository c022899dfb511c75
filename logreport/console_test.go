package logreport

import (
	"encoding/json"
	"testing"
)

// TestConsoleRounds: a console line rounds numbers for people; the JSON line keeps every digit.
func TestConsoleRounds(t *testing.T) {
	for _, tc := range []struct {
		in   any
		want string
	}{
		{json.Number("-30.45757490560675"), "-30.46"}, {json.Number("48000"), "48000"}, {json.Number("-11"), "-11"},
		{json.Number("1e-9"), "0"}, {"text", "text"},
		{map[string]any{"1h": nil, "10m": json.Number("-22.5"), "1m": json.Number("-23.125")}, "{1m: -23.13, 10m: -22.5, 1h: null}"},
	} {
		if got := consoleValue(tc.in); got != tc.want {
			t.Errorf("consoleValue(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
