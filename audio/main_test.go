package audio

import (
	"fmt"
	"os"
	"testing"

	"go.uber.org/goleak"

	"github.com/levelmeter/levelmeter/internal/fakemic"
)

func TestMain(m *testing.M) {
	if name := os.Getenv(childEnv); name != "" {
		os.Exit(children[name]())
	}
	code := m.Run()
	fakemic.StopShared()
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// needMic starts the fake microphone if it is not running yet: every test that initialises PortAudio calls it
// first (fakemic.Shared).
func needMic(t *testing.T) *fakemic.Mic { return fakemic.Shared(t) }

// needFreshStream skips the test if it would open a second PortAudio stream in a race build whose pointer check
// is on for the binding: the binding passes stream ids (0, 1, 2...) to C as pointers, and from id 1 on the check
// kills the process ("checkptr: pointer arithmetic computed bad pointer value"). `make test` switches the check
// off for that package.
func needFreshStream(t *testing.T) {
	t.Helper()
	if streamOpens.Load() > 0 && !fakemic.CheckptrOff() {
		t.Skip("a second PortAudio stream needs -gcflags=github.com/gordonklaus/portaudio=-d=checkptr=0 with -race (make test passes it)")
	}
}

// holdPortAudio keeps PortAudio initialised until the test ends, so that the calls it makes do not each scan
// the devices again (a second or more on a loaded machine).
func holdPortAudio(t *testing.T) {
	paMu.Lock()
	err := paAcquire()
	paMu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		paMu.Lock()
		defer paMu.Unlock()
		paRelease()
	})
}
