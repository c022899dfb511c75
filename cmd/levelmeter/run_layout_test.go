package main

import (
	"bytes"
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/levelmeter/levelmeter/config"
	"github.com/levelmeter/levelmeter/dsp"
	"github.com/levelmeter/levelmeter/internal/daemon"
	"github.com/levelmeter/levelmeter/pipeline"
)

// runFile replays a WAV file through `levelmeter run` as fast as the meter takes it and returns the JSON log.
func runFile(t *testing.T, path string, extra ...string) string {
	t.Helper()
	var out, errs bytes.Buffer
	args := append([]string{"run", "--source", "wav:" + path, "--pace", "fast", "--loop=false", "--listen", "",
		"--log-format", "json", "--log-interval", "100ms", "--report-interval", "100ms"}, extra...)
	if code := dispatch(args, &out, &errs); code != 0 {
		t.Fatalf("run: status %d\n%s%s", code, out.String(), errs.String())
	}
	return out.String()
}

// TestRunLayout: a WAV source's channel mask, or its layout key, sets the channels' labels in the start-up line
// and the weights of its loudness (LFE out).
func TestRunLayout(t *testing.T) {
	// Six channels, signal only in channel 4: LFE by the default layout, Ls with --layout.
	p := writeWAVSpec(t, "six.wav", wavSpec{rate: 48000, channels: 6}, toneIn(48000, 6, 1, -20, 3))
	log := runFile(t, p)
	start := logLines(t, log, "levelmeter starting")
	src := start[0]["sources"].([]any)[0].(map[string]any)
	if src["layout"] != "5.1" || strings.Join(strs(src["channel_labels"]), " ") != "L R C LFE Ls Rs" {
		t.Errorf("start-up line: %v", src)
	}
	sum := logLines(t, log, "summary")
	if len(sum) != 1 || sum[0]["integrated_lufs"] != nil {
		t.Errorf("LFE only: summary %v, want no integrated loudness", sum)
	}
	log = runFile(t, p, "--layout", "L,R,C,Ls,Rs,LFE")
	sum = logLines(t, log, "summary")
	if len(sum) != 1 || sum[0]["integrated_lufs"] == nil {
		t.Errorf("--layout L,R,C,Ls,Rs,LFE: summary %v, want an integrated loudness", sum)
	}
	var out, errs bytes.Buffer
	if code := dispatch([]string{"run", "--source", "wav:" + p, "--layout", "stereo", "--listen", ""}, &out, &errs); code != 1 ||
		!strings.Contains(errs.String(), "layout") || !strings.Contains(errs.String(), "has 2 channels, the file 6") {
		t.Errorf("a layout of the wrong count: status %d, %s", code, errs.String())
	}
}

// TestRunWAVWarnings: a WAV source whose data size was never written is replayed whole, with one warning.
func TestRunWAVWarnings(t *testing.T) {
	zero := int64(0)
	p := writeWAVSpec(t, "zero.wav", wavSpec{rate: 48000, channels: 1, pcm16: true, dataSize: &zero}, toneIn(48000, 1, 1, -20, 0))
	log := runFile(t, p)
	var warned int
	for _, l := range strings.Split(log, "\n") {
		if strings.Contains(l, `"level":"warn"`) && strings.Contains(l, "data chunk size was never written") {
			warned++
		}
	}
	sum := logLines(t, log, "summary")
	if warned != 1 || len(sum) != 1 || sum[0]["metered"] != 48000.0 {
		t.Errorf("%d warnings, summary %v; want one warning and 48000 frames:\n%s", warned, sum, log)
	}
}

// TestNoReadingsBelowTheFloor: near-silence after signal (the bundled demo's end, a tone followed by a tail so
// quiet that only the filters' decay is left) is silence, never -244 LUFS or lower: in every report the daemon's
// pipeline hands to the logs, metrics and web page (which show -Inf as null, the floor, "silence"), and in
// analyze's JSON.
func TestNoReadingsBelowTheFloor(t *testing.T) {
	demo := filepath.Join("..", "..", "testdata", "demo.wav")
	if _, err := os.Stat(demo); err != nil {
		t.Skip(err)
	}
	tail := append(toneIn(48000, 2, 2, -20, 0, 1), toneIn(48000, 2, 5, -200, 0, 1)...)
	quiet := writeWAVSpec(t, "tail.wav", wavSpec{rate: 48000, channels: 2}, tail)
	for _, f := range []string{demo, quiet} {
		cfg := config.Default()
		cfg.Sources = []config.Source{{WAV: f, Pace: config.PaceFast, FramesPerBuffer: 480, RingCapacity: 4096}}
		cfg.SetDefaults()
		inputs, err := daemon.OpenInputs(cfg)
		if err != nil {
			t.Fatal(err)
		}
		n, below := 0, 0
		p, err := pipeline.New(pipeline.Options{Inputs: inputs, Interval: time.Millisecond,
			Reporters: []pipeline.Reporter{pipeline.ReporterFunc(func(r *pipeline.Report) {
				n++
				l := r.Interval.Loudness
				for _, v := range []float64{l.Momentary, l.ShortTerm, l.Integrated, r.Total.Loudness.Momentary} {
					if !math.IsInf(v, -1) && v < dsp.LoudnessFloor {
						below++
					}
				}
			})}})
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		if n < 2 || below > 0 {
			t.Errorf("%s: %d of %d reports read below the %g LUFS floor", f, below, n, dsp.LoudnessFloor)
		}
		r, _ := analyzeJSON(t, f)
		for _, v := range []*float64{r.Loudness.Integrated, r.Loudness.MomentaryMax, r.Loudness.ShortTermMax} {
			if v != nil && *v < dsp.LoudnessFloor {
				t.Errorf("%s: analyze reads %v", f, *v)
			}
		}
	}
}

func strs(v any) []string {
	var s []string
	for _, x := range v.([]any) {
		s = append(s, x.(string))
	}
	return s
}
