package alarm

import (
	"errors"
	"fmt"
	"strings"
)

// ErrUnknownKind and ErrUnknownProfile are the errors of a name that is not one of the known ones; the message
// suggests the closest known name.
var (
	ErrUnknownKind    = errors.New("alarm: unknown alarm")
	ErrUnknownProfile = errors.New("alarm: unknown profile")
)

// suggest returns `; did you mean "x"?` for the known name closest to name, when one is close enough to be a
// typo of it, and otherwise the list of known names.
func suggest(name string, known []string) string {
	best, bestD := "", -1
	lower := strings.ToLower(name)
	for _, k := range known {
		d := editDistance(lower, k)
		if bestD < 0 || d < bestD {
			best, bestD = k, d
		}
	}
	// A third of the name's length, at least 2 edits: "ebu-r129", "ebur128", "atsc" for "atsc-a85" is not.
	if bestD >= 0 && bestD <= max(2, len(best)/3) {
		return fmt.Sprintf("; did you mean %q?", best)
	}
	return "; known: " + strings.Join(known, ", ")
}

// editDistance is the Levenshtein distance of a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
