package ring

import (
	"regexp"
	"testing"
)

// TestErrorTexts keeps the errors' texts what the standard library's are: the package, then a short condition.
// What to do about it is the caller's to say.
func TestErrorTexts(t *testing.T) {
	short := regexp.MustCompile(`^ring: [a-z]+( [a-z]+)?$`)
	for _, err := range []error{
		ErrInvalidCapacity, ErrFull, ErrEmpty, ErrClosed, ErrTimeout, ErrInvalidCount, ErrPending,
	} {
		if !short.MatchString(err.Error()) {
			t.Errorf("%q is not a short condition like \"ring: full\"", err)
		}
	}
}
