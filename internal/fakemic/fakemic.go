// Package fakemic provides a real PortAudio capture device on a machine with no sound card, for tests and demos.
//
// A JACK server with the dummy driver is the clock; ALSA's file plugin, fed by that server, delivers the samples
// of a raw file as the input device named "fakemic", paced in real time. PortAudio sees an ordinary ALSA device
// and runs its real callback on its real audio thread. "fakemic_fast" delivers the same samples with no server,
// as fast as they are read (about 1000 times real time).
//
// The samples are interleaved stereo float32 at 48 kHz, exactly as the callback receives them, from the first
// frame on; past the end of the file the device delivers silence. Each stream opened on the device starts again
// at the beginning of the file.
//
// The ALSA configuration written here (from asound.conf, the one copy, which scripts/fakemic.sh uses too)
// replaces the system's (only these PCMs exist), so it must be in effect, through the environment from Env,
// before PortAudio is first initialised in the process. It needs jackd (Debian package jackd2) and ALSA's JACK
// plugin (libasound2-plugins).
//
// Traps (found the hard way): without a default PCM in the configuration PortAudio 19.6 aborts the process in
// Pa_Initialize; a "plug" PCM over the file plugin skips every third block; the "null" PCM delivers garbage, not
// silence; at PortAudio's default low latency (5.3 ms) some blocks carry input-overflow flags, at 20 ms none do.
package fakemic

import (
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// The devices' names and format.
const (
	Name       = "fakemic"      // paced in real time by the JACK server
	FastName   = "fakemic_fast" // not paced
	SampleRate = 48000
	Channels   = 2
	// Period is the JACK server's period in frames.
	Period = 256
	// Latency is the input latency to ask PortAudio for: at the default low latency some blocks overflow.
	Latency = 20 * time.Millisecond
)

// ErrUnavailable is matched (errors.Is) by Start's error when jackd or ALSA's JACK plugin is not installed.
var ErrUnavailable = errors.New("fakemic: jackd or ALSA's JACK plugin is not installed (Debian: apt-get install jackd2 libasound2-plugins)")

// A Mic is a running JACK dummy server and the ALSA configuration that makes its capture ports a device.
type Mic struct {
	Dir     string // holds the configuration, the samples and the server's log
	Config  string // the ALSA configuration file
	Samples string // the raw float32 file the devices deliver
	Server  string // the JACK server's name, unique to this Mic

	cmd  *exec.Cmd
	done chan error
}

var servers atomic.Int64

// Start starts a JACK dummy server at SampleRate and writes an ALSA configuration into dir (which must exist)
// whose devices deliver silence until SetSamples is called. Stop the server with Stop.
func Start(dir string) (*Mic, error) {
	jackd, err := exec.LookPath("jackd")
	if err != nil {
		return nil, ErrUnavailable
	}
	if !alsaJackPlugin() {
		return nil, ErrUnavailable
	}
	m := &Mic{
		Dir:     dir,
		Config:  filepath.Join(dir, "asound.conf"),
		Samples: filepath.Join(dir, "samples.f32"),
		Server:  fmt.Sprintf("levelmeter-fakemic-%d-%d", os.Getpid(), servers.Add(1)),
	}
	if err := m.SetSamples(nil); err != nil {
		return nil, err
	}
	conf := strings.ReplaceAll(alsaConfig, "@INFILE@", m.Samples)
	if err := os.WriteFile(m.Config, []byte(conf), 0o644); err != nil {
		return nil, fmt.Errorf("fakemic: %w", err)
	}
	log, err := os.Create(filepath.Join(dir, "jackd.log"))
	if err != nil {
		return nil, fmt.Errorf("fakemic: %w", err)
	}
	defer log.Close()
	// At most 16 ports (-p before -d): the default of 256 makes the server map 107 MB of shared memory, more
	// than a container's default /dev/shm of 64 MB; 16 take 39 MB.
	m.cmd = exec.Command(jackd, "-n", m.Server, "-p", "16", "-d", "dummy", "-r", fmt.Sprint(SampleRate), "-p", fmt.Sprint(Period))
	m.cmd.Env = append(os.Environ(), "JACK_NO_AUDIO_RESERVATION=1")
	m.cmd.Stdout, m.cmd.Stderr = log, log
	dieWithParent(m.cmd)
	if err := m.cmd.Start(); err != nil {
		return nil, fmt.Errorf("fakemic: starting jackd: %w", err)
	}
	m.done = make(chan error, 1)
	go func() { m.done <- m.cmd.Wait() }()
	if err := m.waitReady(5 * time.Second); err != nil {
		m.Stop()
		out, _ := os.ReadFile(log.Name())
		return nil, fmt.Errorf("fakemic: %w; jackd's log:\n%s", err, out)
	}
	return m, nil
}

// waitReady waits until the server answers a client.
func (m *Mic) waitReady(timeout time.Duration) error {
	lsp, err := exec.LookPath("jack_lsp")
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		select {
		case err := <-m.done:
			m.done <- err
			return fmt.Errorf("jackd exited: %v", err)
		default:
		}
		if err == nil {
			c := exec.Command(lsp)
			c.Env = append(os.Environ(), m.Env()...)
			if c.Run() == nil {
				return nil
			}
		} else if _, serr := os.Stat(filepath.Join(shmDir(), m.Server)); serr == nil {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("jackd did not come up within %v", timeout)
}

// shmDir is where JACK 2 puts its servers' sockets.
func shmDir() string { return fmt.Sprintf("/dev/shm/jack-%d", os.Getuid()) }

// alsaJackPlugin reports whether ALSA's JACK PCM plugin is installed.
func alsaJackPlugin() bool {
	for _, pattern := range []string{
		"/usr/lib/*/alsa-lib/libasound_module_pcm_jack.so",
		"/usr/lib/alsa-lib/libasound_module_pcm_jack.so",
		"/usr/lib64/alsa-lib/libasound_module_pcm_jack.so",
	} {
		if m, _ := filepath.Glob(pattern); len(m) > 0 {
			return true
		}
	}
	return false
}

// Env returns the environment variables that make PortAudio (through ALSA) see the devices: they must be set
// before PortAudio is first initialised in the process.
func (m *Mic) Env() []string {
	return []string{"ALSA_CONFIG_PATH=" + m.Config, "JACK_DEFAULT_SERVER=" + m.Server}
}

// SetSamples replaces the samples the devices deliver, interleaved stereo: a stream opened afterwards
// delivers them from its first frame.
func (m *Mic) SetSamples(interleaved []float32) error {
	if len(interleaved)%Channels != 0 {
		return fmt.Errorf("fakemic: %d samples is not a whole number of %d-channel frames", len(interleaved), Channels)
	}
	b := make([]byte, 4*len(interleaved))
	for i, v := range interleaved {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
	}
	if err := os.WriteFile(m.Samples, b, 0o644); err != nil {
		return fmt.Errorf("fakemic: %w", err)
	}
	return nil
}

// Stop stops the JACK server and waits for it to exit.
func (m *Mic) Stop() error {
	if m.cmd == nil || m.cmd.Process == nil {
		return nil
	}
	m.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-m.done:
	case <-time.After(5 * time.Second):
		m.cmd.Process.Kill()
		<-m.done
	}
	m.cmd = nil
	return nil
}

// Setup starts a Mic for a test in a temporary directory, sets its environment with t.Setenv and stops it when
// the test ends. It skips the test when jackd or the plugin is missing, unless the environment variable CI is
// set: there a missing server is a broken set-up, and the test fails.
func Setup(t testing.TB) *Mic {
	t.Helper()
	m, err := Start(t.TempDir())
	if errors.Is(err, ErrUnavailable) && os.Getenv("CI") == "" {
		t.Skipf("%v; skipping the real PortAudio test", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Stop() })
	for _, kv := range m.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	return m
}

// CheckptrOff reports whether this binary's PortAudio binding was built without the race detector's pointer
// check, which kills the process at the second stream it opens (the binding passes stream ids to C as
// pointers). `make test` builds it so: -gcflags=github.com/gordonklaus/portaudio=-d=checkptr=0.
func CheckptrOff() bool {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	race := false
	var gcflags string
	for _, s := range info.Settings {
		switch s.Key {
		case "-race":
			race = s.Value == "true"
		case "-gcflags":
			gcflags = s.Value
		}
	}
	return !race || strings.Contains(gcflags, "checkptr=0")
}

// The process's shared Mic (see Shared).
var (
	sharedOnce sync.Once
	shared     *Mic
	sharedDir  string
	sharedErr  error
)

// Shared returns the test binary's one Mic, starting it on first use and setting its environment for the whole
// process: ALSA reads its configuration once, when PortAudio is first initialised, so a package whose tests
// share PortAudio calls Shared before any of them touches it, and StopShared from TestMain. Like Setup, it skips
// the test when jackd or the plugin is missing, unless the environment variable CI is set.
func Shared(t testing.TB) *Mic {
	t.Helper()
	sharedOnce.Do(func() {
		if sharedDir, sharedErr = os.MkdirTemp("", "fakemic-"); sharedErr != nil {
			return
		}
		if shared, sharedErr = Start(sharedDir); sharedErr != nil {
			os.RemoveAll(sharedDir)
			return
		}
		for _, kv := range shared.Env() {
			k, v, _ := strings.Cut(kv, "=")
			os.Setenv(k, v)
		}
	})
	if errors.Is(sharedErr, ErrUnavailable) && os.Getenv("CI") == "" {
		t.Skipf("%v; skipping the real PortAudio test", sharedErr)
	}
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	return shared
}

// StopShared stops the shared Mic, if Shared started one, and removes its files.
func StopShared() {
	if shared != nil {
		shared.Stop()
		os.RemoveAll(sharedDir)
	}
}

// alsaConfig replaces the stock ALSA configuration; @INFILE@ stands for the raw samples file. scripts/fakemic.sh
// writes its configuration from the same file.
//
//go:embed asound.conf
var alsaConfig string
