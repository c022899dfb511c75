package audio

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"

	"github.com/gordonklaus/portaudio"
)

// PortAudio must be initialised once per user and terminated as often; the binding keeps its device list and
// stream table in unguarded package variables. paMu serialises every call into the binding except the audio
// callback, and paUsers counts the Initialize calls still to be matched by Terminate, so that several devices
// (and a device listing) can run at once and the library is released when the last one is done.
var (
	paMu     sync.Mutex
	paUsers  int
	paPinned bool // PortAudio stays initialised until the process exits (see paAcquire)
)

// streamOpens counts OpenStream attempts in this process. The race detector's pointer check rejects the
// binding's stream ids from the second one on (see the package tests).
var streamOpens atomic.Int64

// DebugEnv names the environment variable that, when set to anything but "" or "0", lets the sound libraries'
// own diagnostics through to standard error. See the package documentation.
const DebugEnv = "LEVELMETER_AUDIO_DEBUG"

// debugging reports whether DebugEnv asks for the sound libraries' own diagnostics.
func debugging() bool {
	v := os.Getenv(DebugEnv)
	return v != "" && v != "0"
}

// paAcquire initialises PortAudio for one user; call paRelease when done, whatever happens. It must be called
// with paMu held.
func paAcquire() error {
	if paUsers == 0 && !debugging() {
		quietSoundLibraries()
	}
	if err := portaudio.Initialize(); err != nil {
		return fmt.Errorf("audio: initialising PortAudio: %w", err)
	}
	paUsers++
	if !paPinned && jackHostAPI() {
		// PortAudio's JACK host API holds a client of the JACK server from Initialize to Terminate, and its
		// Terminate asserts that closing that client worked: after the server has gone away, the process aborts.
		// So while JACK is among the host APIs, one Initialize is never matched and PortAudio stays initialised
		// until the process exits. The price: a restarted source does not see devices that appeared since.
		if portaudio.Initialize() == nil {
			paPinned = true
		}
	}
	return nil
}

// jackHostAPI reports whether PortAudio, initialised, found a JACK server.
func jackHostAPI() bool {
	apis, err := portaudio.HostApis()
	if err != nil {
		return false
	}
	for _, a := range apis {
		if a.Type == portaudio.JACK {
			return true
		}
	}
	return false
}

// paRelease matches one successful paAcquire. It must be called with paMu held.
func paRelease() error {
	if paUsers == 0 {
		return errors.New("audio: PortAudio released more often than acquired")
	}
	paUsers--
	if err := portaudio.Terminate(); err != nil {
		return fmt.Errorf("audio: terminating PortAudio: %w", err)
	}
	return nil
}

// withPortAudio runs f with PortAudio initialised and paMu held.
func withPortAudio(f func() error) error {
	paMu.Lock()
	defer paMu.Unlock()
	if err := paAcquire(); err != nil {
		return err
	}
	err := f()
	if rerr := paRelease(); err == nil {
		err = rerr
	}
	return err
}
