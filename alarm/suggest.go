package alarm

import (
	"errors"
	"fmt"
	"strings"

	typo "github.com/levelmeter/levelmeter/internal/suggest"
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
		d := typo.Distance(lower, k)
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
