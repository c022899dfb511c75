package alarm

import (
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// TestSoxFiles replays WAV files that sox writes (16-bit PCM, the faults made with sox's own effects: a pad of
// silence, an inverted channel, a muted channel, a clipped burst, a DC shift), read by audio/wavfile as the
// daemon's file source reads them, and holds each alarm to one report interval of the truth.
func TestSoxFiles(t *testing.T) {
	if _, err := exec.LookPath("sox"); err != nil {
		t.Skip("sox is not installed (Debian: apt-get install sox); CI has it, so these run there")
	}
	dir := t.TempDir()
	// segment writes seconds of a 1 kHz tone at -20 dBFS in both channels through sox's extra effects.
	segment := func(name string, seconds float64, effects ...string) string {
		path := filepath.Join(dir, name+".wav")
		args := append([]string{"-r", "48000", "-c", "2", "-n", "-b", "16", path,
			"synth", strconv.FormatFloat(seconds, 'f', -1, 64), "sine", "1000", "gain", "-20"}, effects...)
		if out, err := exec.Command("sox", args...).CombinedOutput(); err != nil {
			t.Fatalf("sox %v: %v\n%s", args, err, out)
		}
		return path
	}
	// join concatenates segments into one file.
	join := func(name string, parts ...string) string {
		path := filepath.Join(dir, name+".wav")
		if out, err := exec.Command("sox", append(parts, path)...).CombinedOutput(); err != nil {
			t.Fatalf("sox join: %v\n%s", err, out)
		}
		return path
	}
	tone := func(seconds float64) string {
		return segment("tone"+strconv.FormatFloat(seconds, 'f', -1, 64), seconds)
	}

	tests := []struct {
		name       string
		file       func() string
		kind, also Kind
		start, end float64
	}{
		{
			name: "silence gap", kind: Silence, also: -1,
			file:  func() string { return join("gap", tone(2), segment("mute", 12, "vol", "0"), tone(3)) },
			start: 2 + 10, end: 14 + 2,
		},
		{
			name: "polarity flip", kind: PhaseInverted, also: -1,
			file:  func() string { return join("flip", tone(2), segment("flipped", 12, "remix", "1", "2v-1"), tone(3)) },
			start: 2 + 0.75 + 5, end: 14 + 0.4 + 2,
		},
		{
			name: "dead channel", kind: ChannelDead, also: -1,
			file:  func() string { return join("dead", tone(2), segment("oneside", 12, "remix", "1", "0"), tone(3)) },
			start: 2 + 10, end: 14 + 2,
		},
		{
			name: "clipped burst", kind: Clipping, also: TruePeakOver,
			file:  func() string { return join("clip", tone(2), segment("hot", 0.3, "gain", "26"), tone(7)) },
			start: 2, end: 2.3 + 1 + 5,
		},
		{
			name: "DC shift", kind: DCOffset, also: -1,
			file:  func() string { return join("dc", tone(2), segment("shifted", 12, "dcshift", "0.05"), tone(8)) },
			start: 2 + 0.4 + 5, end: 14 + 1.8 + 5,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			evs := run(t, DefaultConfig(), wavReports(t, tc.file()))
			checkTiming(t, evs, tc.kind, tc.also, tc.start, tc.end)
		})
	}
}
