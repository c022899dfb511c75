package ring

import (
	"testing"

	"go.uber.org/goleak"
)

// Every test that starts goroutines must stop them: goleak fails the package if any is left behind.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
