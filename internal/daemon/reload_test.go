package daemon_test

import (
	"context"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/levelmeter/levelmeter/config"
	"github.com/levelmeter/levelmeter/internal/daemon"
)

// TestReload: Reload sorts the sources by what changed and names the global keys that need a restart; a new
// source that cannot be opened changes nothing and names its key.
func TestReload(t *testing.T) {
	wav := filepath.Join("..", "..", "testdata", "sine-s16-stereo.wav")
	conf := func(peakHold time.Duration, sources ...config.Source) *config.Config {
		cfg := config.Default()
		cfg.Sources = sources
		cfg.HTTP.Listen = ""
		cfg.PeakHold = peakHold
		cfg.Log.Interval = 10 * time.Millisecond
		cfg.SetDefaults()
		if err := cfg.Validate(); err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	src := func(name string, block int) config.Source {
		return config.Source{Name: name, WAV: wav, Loop: true, FramesPerBuffer: block}
	}
	var logs syncBuffer
	d, err := daemon.New(conf(time.Second, src("a", 0), src("b", 0), src("c", 0)), zerolog.New(&logs))
	if err != nil {
		t.Fatal(err)
	}
	if d.Alive(time.Hour) {
		t.Error("alive before Run")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ran := make(chan error, 1)
	go func() { ran <- d.Run(ctx) }()
	for deadline := time.Now().Add(10 * time.Second); len(logs.lines(t, "levels")) < 3; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no levels")
		}
	}

	if !d.Alive(time.Second) {
		t.Error("not alive while the meters report")
	}
	bad := conf(time.Second, src("a", 0), config.Source{Name: "d", WAV: wav, SampleRate: 44100})
	if _, err := d.Reload(bad); err == nil || !strings.Contains(err.Error(), "sources[1].sample_rate: 44100 does not match the file") {
		t.Errorf("a source that cannot be opened: %v", err)
	}
	ch, err := d.Reload(conf(2*time.Second, src("a", 0), src("b", 512), src("d", 0)))
	if err != nil {
		t.Fatal(err)
	}
	want := daemon.Changes{Kept: []string{"a"}, Restarted: []string{"b"}, Added: []string{"d"}, Removed: []string{"c"},
		NeedRestart: []string{"peak_hold"}}
	if !reflect.DeepEqual(ch, want) {
		t.Errorf("changes %+v, want %+v", ch, want)
	}
	// Top-level keys that fill in what sources leave out restart the sources they change, and only those: a new
	// silence threshold all three; windows that d sets for itself a and b alone.
	next := conf(2*time.Second, src("a", 0), src("b", 512), src("d", 0))
	threshold := -40.0
	next.Alarms.Silence.Threshold = &threshold
	if ch, err = d.Reload(next); err != nil {
		t.Fatal(err)
	}
	if want := (daemon.Changes{Restarted: []string{"a", "b", "d"}, NeedRestart: []string{"peak_hold"}}); !reflect.DeepEqual(ch, want) {
		t.Errorf("changes %+v after a new top-level silence threshold, want %+v", ch, want)
	}
	own := append([]time.Duration(nil), next.LoudnessWindows...) // the windows d had, now its own
	dOwn := src("d", 0)
	dOwn.LoudnessWindows = &own
	next = conf(2*time.Second, src("a", 0), src("b", 512), dOwn)
	next.Alarms.Silence.Threshold = &threshold
	next.LoudnessWindows = []time.Duration{time.Minute}
	if ch, err = d.Reload(next); err != nil {
		t.Fatal(err)
	}
	if want := (daemon.Changes{Kept: []string{"d"}, Restarted: []string{"a", "b"}, NeedRestart: []string{"peak_hold"}}); !reflect.DeepEqual(ch, want) {
		t.Errorf("changes %+v after new top-level windows, want %+v", ch, want)
	}
	// The refused reload changed nothing: c was still there to be removed, and only now ends.
	cancel()
	if err := <-ran; err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, m := range logs.lines(t, "summary") {
		count[m["source"].(string)]++
	}
	if !reflect.DeepEqual(count, map[string]int{"a": 3, "b": 4, "c": 1, "d": 2}) {
		t.Errorf("summaries per source %v, want a 3, b 4 (restarted), c 1 (removed), d 2", count)
	}
	if len(logs.lines(t, "configuration reloaded")) != 3 {
		t.Error("no line saying the configuration was reloaded")
	}
}
