package fakemic_test

import (
	"encoding/binary"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/levelmeter/levelmeter/internal/fakemic"
)

func TestStart(t *testing.T) {
	m := fakemic.Setup(t)
	conf, err := os.ReadFile(m.Config)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"pcm.fakemic {", "pcm.fakemic_fast {", `infile "` + m.Samples + `"`, `pcm.!default "fakemic"`} {
		if !strings.Contains(string(conf), want) {
			t.Errorf("configuration lacks %s:\n%s", want, conf)
		}
	}
	if got := os.Getenv("ALSA_CONFIG_PATH"); got != m.Config {
		t.Errorf("ALSA_CONFIG_PATH=%q, want %q", got, m.Config)
	}
	if got := os.Getenv("JACK_DEFAULT_SERVER"); got != m.Server {
		t.Errorf("JACK_DEFAULT_SERVER=%q, want %q", got, m.Server)
	}

	samples := []float32{0, 1, -1, 0.5, float32(math.Inf(1)), -0.25}
	if err := m.SetSamples(samples); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(m.Samples)
	if err != nil {
		t.Fatal(err)
	}
	if len(raw) != 4*len(samples) {
		t.Fatalf("%d bytes, want %d", len(raw), 4*len(samples))
	}
	for i, v := range samples {
		if got := math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:])); got != v {
			t.Errorf("sample %d is %v, want %v", i, got, v)
		}
	}
	if err := m.SetSamples([]float32{1, 2, 3}); err == nil || !strings.Contains(err.Error(), "3 samples is not a whole number of 2-channel frames") {
		t.Errorf("SetSamples of half a frame: %v", err)
	}

	if err := m.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := m.Stop(); err != nil {
		t.Errorf("second Stop: %v", err)
	}
}

// A test that runs a real PortAudio stream on a machine with no sound card.
func ExampleSetup() {
	var t *testing.T                   // the test's
	m := fakemic.Setup(t)              // before anything in the process initialises PortAudio
	m.SetSamples([]float32{0.5, -0.5}) // one stereo frame, then silence
	// Open the input device named fakemic.Name: 2 channels, fakemic.SampleRate, input latency fakemic.Latency.
}
