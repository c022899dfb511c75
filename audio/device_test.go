package audio

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gordonklaus/portaudio"

	"github.com/levelmeter/levelmeter/internal/fakemic"
)

// capture stores every sample a device delivers, without allocating, for the audio thread.
type capture struct {
	ch        int
	got       []float32
	n         atomic.Int64 // samples stored
	blocks    atomic.Int64
	overflows atomic.Int64
	lost      atomic.Int64 // frames that did not fit in got
}

func (c *capture) Write(p []float32, s Status) int {
	n := int(c.n.Load())
	k := copy(c.got[n:], p)
	c.n.Store(int64(n + k))
	c.lost.Add(int64((len(p) - k) / c.ch))
	if s&InputOverflow != 0 {
		c.overflows.Add(1)
	}
	c.blocks.Add(1)
	return k / c.ch
}

// testSignal is a stereo signal in which a lost, repeated or shifted block shows: a 997 Hz sine on the left, a
// ramp over one second on the right.
func testSignal(frames int) []float32 {
	s := make([]float32, 2*frames)
	for i := 0; i < frames; i++ {
		s[2*i] = float32(0.5 * math.Sin(2*math.Pi*997*float64(i)/48000))
		s[2*i+1] = float32(i%48000)/48000 - 0.5
	}
	return s
}

// firstDifference returns the index of the first sample where got and want differ bit for bit, or -1.
func firstDifference(got, want []float32) int {
	for i := range got {
		if i >= len(want) || math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			return i
		}
	}
	return -1
}

// TestDeviceFakemic runs the real PortAudio path: a stream on an ALSA device paced by a JACK dummy server,
// delivering a known signal. It must be the first test to open a stream (see needFreshStream).
func TestDeviceFakemic(t *testing.T) {
	m := needMic(t)
	const seconds = 3 // longer than the run: past the end the device delivers silence
	want := testSignal(seconds * fakemic.SampleRate)
	if err := m.SetSamples(want); err != nil {
		t.Fatal(err)
	}
	d := &Device{Name: fakemic.Name, SampleRate: 48000, Channels: 2, FramesPerBuffer: 256, Latency: fakemic.Latency, Realtime: true}
	c := &capture{ch: 2, got: make([]float32, len(want))}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx, c) }()

	// Measure from the first block on: opening the stream takes a while and allocates.
	deadline := time.Now().Add(5 * time.Second)
	for c.blocks.Load() < 8 {
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("no block within 5 s; Run returned %v", <-done)
		}
		time.Sleep(5 * time.Millisecond)
	}
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	t0, n0, b0 := time.Now(), c.n.Load(), c.blocks.Load()
	time.Sleep(1500 * time.Millisecond)
	t1, n1, b1 := time.Now(), c.n.Load(), c.blocks.Load()
	runtime.ReadMemStats(&m1)
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}

	rate := float64(n1-n0) / 2 / t1.Sub(t0).Seconds()
	blocks := b1 - b0
	allocs := m1.Mallocs - m0.Mallocs
	t.Logf("%.0f frames/s, %d blocks in %v, %d allocations in the process meanwhile", rate, blocks, t1.Sub(t0).Round(time.Millisecond), allocs)
	if rate < 0.95*48000 || rate > 1.05*48000 {
		t.Errorf("rate %.0f frames/s, want 48000 ± 5 %%", rate)
	}
	// The process allocates a little besides the audio thread (the test's sleeps, Run's watchdog); what must not
	// happen is an allocation per block.
	if allocs > uint64(blocks)/10 {
		t.Errorf("%d allocations during %d blocks", allocs, blocks)
	}
	got := c.got[:c.n.Load()]
	if len(got) < 48000*2 {
		t.Fatalf("only %d frames captured", len(got)/2)
	}
	if i := firstDifference(got, want); i >= 0 {
		t.Errorf("sample %d (frame %d, channel %d) is %v, want %v", i, i/2, i%2, got[i], want[i])
	}
	if n := c.overflows.Load(); n != 0 {
		t.Errorf("%d blocks flagged input overflow", n)
	}
	if n := c.lost.Load(); n != 0 {
		t.Errorf("%d frames did not fit the capture buffer", n)
	}
}

func TestCallbackAllocatesNothing(t *testing.T) {
	c := &capture{ch: 2, got: make([]float32, 1<<20)}
	cb := &callback{w: c}
	in := make([]float32, 2*256)
	var ti portaudio.StreamCallbackTimeInfo
	for _, flags := range []portaudio.StreamCallbackFlags{0, portaudio.InputOverflow, portaudio.InputUnderflow | portaudio.InputOverflow} {
		if allocs := testing.AllocsPerRun(1000, func() {
			c.n.Store(0)
			cb.process(in, ti, flags)
		}); allocs != 0 {
			t.Errorf("flags %#x: %v allocations per callback", flags, allocs)
		}
	}
}

func TestCallbackStatus(t *testing.T) {
	for _, tc := range []struct {
		flags portaudio.StreamCallbackFlags
		want  Status
	}{
		{0, 0},
		{portaudio.InputOverflow, InputOverflow},
		{portaudio.InputUnderflow, 0},
		{portaudio.InputOverflow | portaudio.InputUnderflow | portaudio.PrimingOutput, InputOverflow},
	} {
		var got Status
		cb := &callback{w: WriterFunc(func(p []float32, s Status) int { got = s; return len(p) / 2 })}
		cb.process(make([]float32, 4), portaudio.StreamCallbackTimeInfo{}, tc.flags)
		if got != tc.want {
			t.Errorf("flags %#x: status %v, want %v", tc.flags, got, tc.want)
		}
		if cb.blocks.Load() != 1 {
			t.Errorf("flags %#x: %d blocks counted, want 1", tc.flags, cb.blocks.Load())
		}
	}
}

func TestDeviceCheck(t *testing.T) {
	needMic(t)
	holdPortAudio(t)
	for _, tc := range []struct {
		name string
		d    Device
		want string // in the error; "" for none
		is   error
	}{
		{"fakemic", Device{Name: "fakemic", Latency: fakemic.Latency}, "", nil},
		{"default", Device{Latency: fakemic.Latency}, "", nil},
		{"by index", Device{Name: "0"}, "", nil},
		{"unknown name", Device{Name: "USB microphone"}, `no input device named "USB microphone"`, ErrDeviceNotFound},
		{"unknown index", Device{Name: "99"}, "no input device has index 99", ErrDeviceNotFound},
		{"ambiguous", Device{Name: "FAKE"}, `"FAKE" matches 2 input devices (0 "fakemic", 1 "fakemic_fast")`, ErrDeviceNotFound},
		{"too many channels", Device{Name: "fakemic", Channels: 3}, `device "fakemic" has 2 input channels; it cannot capture 3`, nil},
		{"refused rate", Device{Name: "fakemic", SampleRate: 44100}, `device "fakemic" refuses sample rate 44100 Hz (its default is 48000 Hz)`, portaudio.InvalidSampleRate},
		{"negative rate", Device{Name: "fakemic", SampleRate: -1}, "sample rate -1 is negative", nil},
		{"negative channels", Device{Channels: -2}, "channel count -2 is negative", nil},
		{"negative frames", Device{FramesPerBuffer: -256}, "frames per buffer -256 is negative", nil},
		{"negative latency", Device{Latency: -time.Millisecond}, "input latency -1ms is negative", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.d.Check()
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Check: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Check: %v\nwant an error containing %s", err, tc.want)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("Check: %v is not %v", err, tc.is)
			}
		})
	}
}

func TestDeviceRunOpenError(t *testing.T) {
	needMic(t)
	d := &Device{Name: "no such device"}
	err := d.Run(context.Background(), WriterFunc(func(p []float32, s Status) int { panic("Write called") }))
	if !errors.Is(err, ErrDeviceNotFound) {
		t.Fatalf("Run: %v, want ErrDeviceNotFound", err)
	}
	needFreshStream(t)
	d = &Device{Name: "fakemic", SampleRate: 32000}
	if err := d.Run(context.Background(), WriterFunc(func(p []float32, s Status) int { panic("Write called") })); err == nil ||
		!strings.Contains(err.Error(), "refuses sample rate 32000 Hz") {
		t.Fatalf("Run: %v, want the device to refuse 32000 Hz", err)
	}
}

func TestDeviceCancel(t *testing.T) {
	needMic(t)
	needFreshStream(t)
	if err := (&Device{Name: "fakemic"}).Run(canceled(), WriterFunc(func(p []float32, s Status) int { panic("Write called") })); err != nil {
		t.Errorf("Run with a done context: %v", err)
	}
	d := &Device{Name: "fakemic", Latency: fakemic.Latency}
	c := &capture{ch: 2, got: make([]float32, 48000*2*2)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx, c) }()
	waitFor(t, func() bool { return c.blocks.Load() > 0 })
	cancel()
	start := time.Now()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
		// Stopping, closing and releasing PortAudio take about 80 ms; a loaded machine can make it much more.
		took := time.Since(start)
		t.Logf("Run returned %v after cancel", took.Round(time.Millisecond))
		if took > 2*time.Second {
			t.Errorf("Run took %v to return after cancel", took)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return within 5 s of cancel")
	}
	n := c.blocks.Load()
	time.Sleep(50 * time.Millisecond)
	if c.blocks.Load() != n {
		t.Error("Write called after Run returned")
	}
}

// TestDevicesConcurrent runs two devices at once and then lists the devices: PortAudio's initialisation is
// shared and released by the last user.
func TestDevicesConcurrent(t *testing.T) {
	m := needMic(t)
	needFreshStream(t)
	if err := m.SetSamples(testSignal(48000)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	caps := []*capture{{ch: 2, got: make([]float32, 1<<16)}, {ch: 2, got: make([]float32, 1<<16)}}
	done := make(chan error, 2)
	for i, name := range []string{fakemic.Name, fakemic.FastName} {
		go func() { done <- (&Device{Name: name, Latency: fakemic.Latency}).Run(ctx, caps[i]) }()
	}
	waitFor(t, func() bool { return caps[0].blocks.Load() > 10 && caps[1].blocks.Load() > 10 })
	cancel()
	for range 2 {
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}
	paMu.Lock()
	users := paUsers
	paMu.Unlock()
	if users != 0 {
		t.Errorf("PortAudio still has %d users", users)
	}
	list, err := Devices()
	if err != nil || len(list) == 0 {
		t.Fatalf("Devices after the runs: %v, %v", list, err)
	}
}

func TestDevices(t *testing.T) {
	needMic(t)
	list, err := Devices()
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]DeviceInfo{}
	defaults := 0
	for _, d := range list {
		byName[d.Name] = d
		if d.Default {
			defaults++
		}
		if d.MaxInputChannels < 1 {
			t.Errorf("%q has no input channels but is listed", d.Name)
		}
	}
	fm, ok := byName[fakemic.Name]
	if !ok {
		t.Fatalf("fakemic not listed: %+v", list)
	}
	if fm.HostAPI != "ALSA" || fm.MaxInputChannels != 2 || fm.DefaultSampleRate != 48000 || fm.Index != 0 {
		t.Errorf("fakemic: %+v", fm)
	}
	if defaults != 1 {
		t.Errorf("%d devices marked default, want 1", defaults)
	}
}

func TestPick(t *testing.T) {
	list := []DeviceInfo{
		{Index: 0, Name: "HDA Intel PCH: ALC892 Analog (hw:0,0)"},
		{Index: 2, Name: "USB Audio Device: - (hw:1,0)"},
		{Index: 5, Name: "pulse", Default: true},
		{Index: 6, Name: "default"},
	}
	for _, tc := range []struct {
		name  string
		index int    // want this device
		err   string // or an error containing this
	}{
		{"", 5, ""},
		{"default", 5, ""}, // the system's default, not a device that happens to be named "default"
		{" default ", 5, ""},
		{"2", 2, ""},
		{"pulse", 5, ""},
		{"usb", 2, ""},
		{"USB Audio Device: - (hw:1,0)", 2, ""},
		{"1", 0, "no input device has index 1"},
		{"hw:", 0, `"hw:" matches 2 input devices (0 "HDA Intel PCH: ALC892 Analog (hw:0,0)", 2 "USB Audio Device: - (hw:1,0)"); give the full name or the index`},
		{"Scarlett", 0, `no input device named "Scarlett"`},
	} {
		d, err := pick(list, tc.name)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) || !errors.Is(err, ErrDeviceNotFound) {
				t.Errorf("pick(%q): %v, %v; want an error containing %s", tc.name, d, err, tc.err)
			}
			continue
		}
		if err != nil || d.Index != tc.index {
			t.Errorf("pick(%q) = %d, %v; want %d", tc.name, d.Index, err, tc.index)
		}
	}
	if _, err := pick(list[:2], "default"); err == nil || !strings.Contains(err.Error(), "no default input device") {
		t.Errorf("pick with no default: %v", err)
	}
}

func TestInputsNone(t *testing.T) {
	out := &portaudio.DeviceInfo{Index: 0, Name: "HDMI", MaxOutputChannels: 8}
	for _, all := range [][]*portaudio.DeviceInfo{nil, {out}} {
		_, err := inputs(all, -1)
		if !errors.Is(err, ErrNoInputDevice) {
			t.Fatalf("inputs(%d devices): %v, want ErrNoInputDevice", len(all), err)
		}
		const want = "audio: no audio input device found"
		if err.Error() != want {
			t.Errorf("error %q, want %q", err, want)
		}
	}
	list, err := inputs([]*portaudio.DeviceInfo{out, {Index: 1, Name: "mic", MaxInputChannels: 1}}, 1)
	if err != nil || len(list) != 1 || list[0].Name != "mic" || !list[0].Default {
		t.Errorf("inputs: %+v, %v; want only the default mic", list, err)
	}
}

func TestWatchStall(t *testing.T) {
	for _, tc := range []struct {
		name   string
		blocks int // delivered before the stall
		want   string
	}{
		{"never starts", 0, `device "mic" delivered nothing in the`},
		{"stops", 3, `device "mic" stopped delivering audio (nothing for`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := &Device{StallTimeout: 40 * time.Millisecond}
			cb := &callback{}
			cb.blocks.Add(uint64(tc.blocks))
			start := time.Now()
			err := d.watch(context.Background(), cb, "mic")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("watch: %v, want %s", err, tc.want)
			}
			if took := time.Since(start); took < 40*time.Millisecond || took > 2*time.Second {
				t.Errorf("watch gave up after %v", took)
			}
		})
	}
	t.Run("keeps going", func(t *testing.T) {
		// Blocks come every 5 ms; the generous timeout keeps a loaded machine's scheduling delays from
		// looking like a stall.
		d := &Device{StallTimeout: 500 * time.Millisecond}
		cb := &callback{}
		ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
		defer cancel()
		stop := make(chan struct{})
		defer close(stop)
		go func() {
			for {
				select {
				case <-stop:
					return
				case <-time.After(5 * time.Millisecond):
					cb.blocks.Add(1)
				}
			}
		}()
		if err := d.watch(ctx, cb, "mic"); err != nil {
			t.Fatalf("watch: %v", err)
		}
	})
	t.Run("never gives up", func(t *testing.T) {
		d := &Device{StallTimeout: -1}
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		if err := d.watch(ctx, &callback{}, "mic"); err != nil {
			t.Fatalf("watch: %v", err)
		}
	})
}

func TestDeviceFormat(t *testing.T) {
	for _, tc := range []struct {
		d    Device
		want Format
	}{
		{Device{}, Format{48000, 2}},
		{Device{SampleRate: 44100, Channels: 1}, Format{44100, 1}},
	} {
		if got := tc.d.Format(); got != tc.want {
			t.Errorf("%+v.Format() = %v, want %v", tc.d, got, tc.want)
		}
	}
}

// quietChild lists the devices and opens the default one with the system's own sound configuration, printing
// the errors on standard output; the parent checks that nothing reached standard error.
func quietChild() int {
	_, err := Devices()
	os.Stdout.WriteString("devices: " + errString(err) + "\n")
	err = (&Device{}).Check()
	os.Stdout.WriteString("default: " + errString(err) + "\n")
	err = (&Device{Name: "no such device"}).Check()
	os.Stdout.WriteString("missing: " + errString(err) + "\n")
	return 0
}

func errString(err error) string {
	if err == nil {
		return "ok"
	}
	return err.Error()
}

// TestQuiet checks that probing the system's real sound configuration prints nothing on standard error. On a
// machine with no sound card, ALSA and JACK would print 65 to 100 lines.
func TestQuiet(t *testing.T) {
	out := runChild(t, "quiet", "ALSA_CONFIG_PATH", "JACK_DEFAULT_SERVER", DebugEnv)
	t.Logf("with the system's configuration:\n%s", out)
	if !strings.Contains(out, "missing: audio: no") {
		t.Errorf("output:\n%s\nwant the missing device to be reported", out)
	}
}

// childEnv names the child process a test runs: the value is the child's name.
const childEnv = "AUDIO_TEST_CHILD"

// children are the functions a test can run in a child process of its own.
var children = map[string]func() int{
	"quiet":        quietChild,
	"fail-mid-run": failMidRunChild,
}

// runChild runs the named child in a new process of the test binary without the variables unset in its
// environment and returns its standard output. The child must exit 0 and print nothing on standard error.
func runChild(t *testing.T, name string, unset ...string) string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if !slices.Contains(unset, k) {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, childEnv+"="+name)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("child %s: %v\nstdout:\n%s\nstderr:\n%s", name, err, out, stderr.String())
	}
	if stderr.Len() != 0 {
		t.Errorf("child %s wrote on standard error:\n%s", name, stderr.String())
	}
	return string(out)
}

func canceled() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// TestDeviceFailsMidRun pulls the plug: the JACK server behind the device dies while it runs. Run must notice
// that the blocks stopped and return an error instead of hanging. It runs in a child process with a server of
// its own: JACK's client library serves one server per process, and PortAudio's own JACK client, left connected
// to the dead server, would hang in Pa_Terminate.
func TestDeviceFailsMidRun(t *testing.T) {
	needMic(t)
	out := runChild(t, "fail-mid-run")
	t.Logf("child:\n%s", out)
	if !strings.Contains(out, `result: audio: device "fakemic" stopped delivering audio`) {
		t.Errorf("child output:\n%s\nwant Run to report that the device stopped delivering", out)
	}
}

// failMidRunChild is TestDeviceFailsMidRun's child.
func failMidRunChild() int {
	dir, err := os.MkdirTemp("", "audio-test-")
	if err != nil {
		fmt.Println(err)
		return 1
	}
	defer os.RemoveAll(dir)
	doomed, err := fakemic.Start(dir)
	if err != nil {
		fmt.Println(err)
		return 1
	}
	defer doomed.Stop()
	for _, kv := range doomed.Env() {
		k, v, _ := strings.Cut(kv, "=")
		os.Setenv(k, v)
	}
	// Hold PortAudio so that Run's release does not terminate it: its JACK client is on the dead server.
	paMu.Lock()
	err = paAcquire()
	paMu.Unlock()
	if err != nil {
		fmt.Println(err)
		return 1
	}
	d := &Device{Name: fakemic.Name, Latency: fakemic.Latency, StallTimeout: 300 * time.Millisecond}
	c := &capture{ch: 2, got: make([]float32, 1<<22)}
	done := make(chan error, 1)
	go func() { done <- d.Run(context.Background(), c) }()
	for c.blocks.Load() < 10 {
		time.Sleep(5 * time.Millisecond)
	}
	start := time.Now()
	doomed.Stop()
	select {
	case err := <-done:
		fmt.Printf("returned after %v\nresult: %v\n", time.Since(start).Round(time.Millisecond), err)
		return 0
	case <-time.After(10 * time.Second):
		fmt.Println("Run did not return within 10 s of the server's death")
		return 1
	}
}

// FuzzPick feeds device names as a user types them (flags, config.yaml): pick never panics, and what it picks
// is the default, the index asked for, or a device whose name holds the query.
func FuzzPick(f *testing.F) {
	list := []DeviceInfo{
		{Index: 0, Name: "HDA Intel PCH: ALC892 Analog (hw:0,0)"},
		{Index: 2, Name: "USB Audio Device: - (hw:1,0)"},
		{Index: 5, Name: "pulse", Default: true},
		{Index: 6, Name: "default"},
		{Index: 7, Name: "Ünïcödé mic"},
	}
	for _, s := range []string{"", "default", "2", "-1", "usb", "hw:", "ÜNÏ", " 5 ", "99999999999999999999", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		d, err := pick(list, name)
		if err != nil {
			if !errors.Is(err, ErrDeviceNotFound) {
				t.Fatalf("pick(%q): %v is not ErrDeviceNotFound", name, err)
			}
			return
		}
		q := strings.TrimSpace(name)
		switch {
		case q == "" || q == "default":
			if !d.Default {
				t.Fatalf("pick(%q) = %+v, not the default", name, d)
			}
		case strings.Contains(strings.ToLower(d.Name), strings.ToLower(q)):
		default:
			if i, err := strconv.Atoi(q); err != nil || i != d.Index {
				t.Fatalf("pick(%q) = %+v", name, d)
			}
		}
	})
}
