package main

import (
	"bytes"
	"math"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestStdinThroughTheBinary: ffmpeg writes a 997 Hz sine, 0.1 peak in both channels, to a pipe as WAV or raw
// s16le, and the built levelmeter reads it with --source stdin, meters it to its end, logs the summary with
// the sine's integrated loudness (-20 LUFS) and exits 0 by itself.
func TestStdinThroughTheBinary(t *testing.T) {
	ffmpeg, err := exec.LookPath("ffmpeg")
	if err != nil {
		t.Skip("ffmpeg is not installed")
	}
	bin := buildBinary(t)
	const sine = "0.1*sin(2*PI*997*t)"
	for _, tc := range []struct {
		name   string
		format []string // ffmpeg's output format
		flags  []string // levelmeter's
	}{
		{"wav", []string{"-f", "wav"}, nil},
		{"s16le", []string{"-f", "s16le"}, []string{"--format", "s16le", "--sample-rate", "48000", "--channels", "2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			gen := exec.Command(ffmpeg, append(append([]string{"-nostdin", "-v", "error", "-f", "lavfi", "-i",
				"aevalsrc=" + sine + "|" + sine + ":s=48000:d=3", "-c:a", "pcm_s16le"}, tc.format...), "-")...)
			run := exec.Command(bin, append([]string{"run", "--source", "stdin", "--listen", "", "--log-format", "json",
				"--duration", "60s"}, tc.flags...)...)
			pipe, err := gen.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			run.Stdin = pipe
			var out, errs bytes.Buffer
			run.Stdout, run.Stderr = &out, &errs
			if err := gen.Start(); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			err = run.Run()
			gen.Wait()
			if err != nil {
				t.Fatalf("levelmeter: %v\n%s\n%s", err, errs.String(), out.String())
			}
			if time.Since(start) > 30*time.Second {
				t.Errorf("levelmeter took %v for 3 s of input", time.Since(start))
			}
			sum := logLines(t, out.String(), "summary")
			if len(sum) != 1 {
				t.Fatalf("%d summaries in\n%s", len(sum), out.String())
			}
			checkSummary(t, sum[0])
			if sum[0]["source"] != "stdin" || sum[0]["captured"] != 3*48000.0 ||
				math.Abs(sum[0]["integrated_lufs"].(float64)+20) > 0.1 || sum[0]["dropped"] != 0.0 {
				t.Errorf("summary %v: want stdin, 144000 frames, -20 LUFS ± 0.1, none dropped", sum[0])
			}
			if strings.Contains(out.String(), `"level":"error"`) {
				t.Errorf("errors logged:\n%s", out.String())
			}
		})
	}
}
