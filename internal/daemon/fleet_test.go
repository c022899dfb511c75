package daemon_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/levelmeter/levelmeter/config"
	"github.com/levelmeter/levelmeter/internal/daemon"
	"github.com/levelmeter/levelmeter/internal/fleettest"
)

// TestFleetSilenceAlert: two real daemons replay WAV files in real time, scraped by a real Prometheus with the
// shipped rules; one file has a 10 s silence. The LevelmeterSilence alert reaches Alertmanager's receiver for
// that daemon and source only, and resolves when the programme is back, while the daemon still runs.
func TestFleetSilenceAlert(t *testing.T) {
	if testing.Short() {
		t.Skip("replays 21 s of audio in real time")
	}
	dir := t.TempDir()
	const gapStart, gapEnd, length = 3.0, 13.0, 21.0
	writeWAV(t, filepath.Join(dir, "gap.wav"), length, func(s float64) (float64, float64) {
		if between(s, gapStart, gapEnd) {
			return 0, 0
		}
		return tone(s, 0.25), tone(s, 0.25)
	})
	writeWAV(t, filepath.Join(dir, "tone.wav"), length, func(s float64) (float64, float64) {
		return tone(s, 0.25), tone(s, 0.25)
	})
	// The silence on-delay is shortened to 2 s (the default is 10 s) so that the test is short.
	newDaemon := func(name, wav string) (*daemon.Daemon, string) {
		yaml := fmt.Sprintf(`
sources: [{name: %s, wav: %s, pace: realtime}]
http: {listen: "127.0.0.1:0", web: false}
alarms:
  silence: {on_delay: 2s}
`, name, filepath.Join(dir, wav))
		path := filepath.Join(dir, name+".yaml")
		os.WriteFile(path, []byte(yaml), 0o644)
		cfg, err := config.Load(path)
		if err == nil {
			err = cfg.Validate()
		}
		if err != nil {
			t.Fatal(err)
		}
		d, err := daemon.New(cfg, zerolog.Nop())
		if err != nil {
			t.Fatal(err)
		}
		return d, d.Addr().String()
	}
	d1, addr1 := newDaemon("studio", "gap.wav")
	d2, addr2 := newDaemon("backup", "tone.wav")

	f := fleettest.Start(t, fleettest.Options{Targets: []string{addr1, addr2}})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	begin := time.Now()
	ran := make(chan error, 2)
	for _, d := range []*daemon.Daemon{d1, d2} {
		go func() { ran <- d.Run(ctx) }()
	}
	defer func() {
		cancel()
		for range 2 {
			if err := <-ran; err != nil {
				t.Error(err)
			}
		}
	}()

	want := map[string]string{"alertname": "LevelmeterSilence", "source": "studio", "instance": addr1, "job": fleettest.Job}
	firing, ok := f.Receiver.Wait(ctx, 30*time.Second, "firing", want)
	if !ok {
		f.Dump(t)
		t.Fatal("no firing LevelmeterSilence alert for studio")
	}
	// The alarm starts at gapStart + 2 s of audio; Prometheus scrapes and evaluates every second and
	// Alertmanager flushes every second.
	t.Logf("firing %v after the start (alarm due at %.0f s)", firing.Received.Sub(begin).Round(time.Millisecond), gapStart+2)
	resolved, ok := f.Receiver.Wait(ctx, 30*time.Second, "resolved", want)
	if !ok {
		f.Dump(t)
		t.Fatal("the LevelmeterSilence alert for studio did not resolve")
	}
	took := resolved.Received.Sub(begin)
	t.Logf("resolved %v after the start (alarm ends at %.0f s, the file at %.0f s)", took.Round(time.Millisecond),
		gapEnd+2, length)
	if took > time.Duration(length*float64(time.Second)) {
		t.Errorf("resolved after the file ended (%v): the end of the source, not of the alarm, resolved it", took)
	}
	// Only studio is silent. (Health alerts, such as frames dropped on a loaded test machine, are not the
	// subject here; they are logged.)
	for _, a := range f.Receiver.Alerts() {
		switch {
		case a.Labels["alertname"] == "LevelmeterSilence" && (a.Labels["instance"] != addr1 || a.Labels["source"] != "studio"):
			t.Errorf("unexpected alert %v (the backup daemon at %s has no silence)", a, addr2)
		case a.Labels["alertname"] != "LevelmeterSilence":
			t.Logf("other alert: %v", a)
		}
	}
}
