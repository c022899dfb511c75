package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/levelmeter/levelmeter/config"
	"github.com/levelmeter/levelmeter/dsp/dsptest"
	"github.com/levelmeter/levelmeter/internal/daemon"
	"github.com/levelmeter/levelmeter/pipeline"
)

// runLeaks are the goroutines a run may leave that belong to the runtime, not to the daemon.
var runLeaks = []goleak.Option{
	goleak.IgnoreTopFunction("os/signal.signal_recv"),
	goleak.IgnoreTopFunction("os/signal.loop"),
}

// syncBuffer is a bytes.Buffer the daemon can write to while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitFor polls the log until it holds want.
func waitFor(t *testing.T, b *syncBuffer, want string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(b.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("no %s in the log after 20 s:\n%s", want, b.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// logLines parses the daemon's JSON log lines with the given message.
func logLines(t *testing.T, log, message string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(log), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line is not JSON: %q", l)
		}
		if m["message"] == message {
			out = append(out, m)
		}
	}
	return out
}

func checkSummary(t *testing.T, m map[string]any) {
	t.Helper()
	c, me, d := m["captured"].(float64), m["metered"].(float64), m["dropped"].(float64)
	if c != me+d {
		t.Fatalf("summary: captured %v, metered %v, dropped %v", c, me, d)
	}
}

// TestRunFastMatchesAnalyze replays WAV files through the daemon's sources and pipeline as fast as the meter
// takes them: the final levels are analyze's for the same file, and every frame is metered.
func TestRunFastMatchesAnalyze(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	for _, name := range []string{"sine-s16-stereo.wav", "white-noise-s24-stereo.wav", "pink-noise-s16-stereo.wav", "sine-s16x-5.1.wav", "clip.wav",
		"nonfinite-f32.wav", "sine-s16-44k1-mono.wav", "demo.wav"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join("..", "..", "testdata", name)
			if _, err := os.Stat(path); err != nil {
				t.Skip(err)
			}
			cfg := config.Default()
			cfg.Sources = []config.Source{{WAV: path, Pace: config.PaceFast, FramesPerBuffer: 300, RingCapacity: 1024}}
			cfg.SetDefaults()
			if err := cfg.Validate(); err != nil {
				t.Fatal(err)
			}
			inputs, err := daemon.OpenInputs(cfg)
			if err != nil {
				t.Fatal(err)
			}
			var final pipeline.Report
			var reports int
			p, err := pipeline.New(pipeline.Options{
				Inputs:   inputs,
				Interval: 7 * time.Millisecond,
				Reporters: []pipeline.Reporter{pipeline.ReporterFunc(func(r *pipeline.Report) {
					reports++
					if c := r.Counters; c.Captured != c.Metered+c.Dropped {
						t.Errorf("report %d: %+v", reports, c)
					}
					if r.Final {
						final = *r
					}
				})},
			})
			if err != nil {
				t.Fatal(err)
			}
			if err := p.Run(context.Background()); err != nil {
				t.Fatal(err)
			}
			a, err := analyzePath(path, analyzeOptions{})
			if err != nil {
				t.Fatal(err)
			}
			c := final.Counters
			if !final.Final || c.Captured != a.Levels.Frames || c.Metered != a.Levels.Frames || c.Dropped != 0 {
				t.Fatalf("final counters %+v, want all %d frames metered", c, a.Levels.Frames)
			}
			// The sliding windows (loudness_windows, 1 min and longer by default) cover these short files whole,
			// so they equal the since-start integrated loudness, to within the windows' 1e-6 LU; analyze has none.
			for _, w := range final.Total.Loudness.Windows {
				if w.Span > 0 && !(math.Abs(w.Integrated-a.Levels.Loudness.Integrated) < 1e-6 ||
					math.IsInf(w.Integrated, -1) && math.IsInf(a.Levels.Loudness.Integrated, -1)) {
					t.Errorf("window %v: integrated %v, analyze %v", w.Span, w.Integrated, a.Levels.Loudness.Integrated)
				}
			}
			final.Total.Loudness.Windows = a.Levels.Loudness.Windows
			if d := dsptest.Diff(final.Total, a.Levels); d != "" {
				t.Fatalf("daemon and analyze differ:\n%s", d)
			}
		})
	}
}

// TestRunExitsAtEnd: the daemon meters a file once, fast, logs its summary and exits 0 by itself.
func TestRunExitsAtEnd(t *testing.T) {
	defer goleak.VerifyNone(t, append(runLeaks, goleak.IgnoreCurrent())...)
	var out, errs syncBuffer
	code := runDaemon([]string{"--source", "wav:../../testdata/sine-s16-stereo.wav", "--pace", "fast",
		"--log-format", "json", "--config", "/nonexistent/ignored.yaml"}, &out, &errs, nil)
	if code != exitUsage || !strings.Contains(errs.String(), "/nonexistent/ignored.yaml does not exist") {
		t.Fatalf("an explicit missing --config: exit %d, %q", code, errs.String())
	}
	out, errs = syncBuffer{}, syncBuffer{}
	wav := abs(t, "../../testdata/sine-s16-stereo.wav") // before leaving the package's directory
	t.Chdir(t.TempDir())                                // no config.yaml here: the flags' source is metered with the defaults
	code = runDaemon([]string{"--source", "wav:" + wav, "--pace", "fast", "--log-format", "json", "--listen", "127.0.0.1:0"}, &out, &errs, nil)
	if code != 0 || errs.String() != "" {
		t.Fatalf("exit %d, stderr %q", code, errs.String())
	}
	sum := logLines(t, out.String(), "summary")
	if len(sum) != 1 {
		t.Fatalf("%d summaries in\n%s", len(sum), out.String())
	}
	checkSummary(t, sum[0])
	if sum[0]["captured"] != 24000.0 || math.Abs(sum[0]["integrated_lufs"].(float64)+20) > 0.05 ||
		math.Abs(sum[0]["max_peak_dbfs"].(float64)+20) > 0.001 { // a 16-bit -20 dBFS peak: 3277/32768
		t.Fatalf("summary %v: want 24000 frames, -20 LUFS, -20 dBFS", sum[0])
	}
	if len(logLines(t, out.String(), "source ended")) != 1 || len(logLines(t, out.String(), "levelmeter starting")) != 1 {
		t.Fatalf("log:\n%s", out.String())
	}
}

// TestRunLogsToStdout: the log goes to standard output, as it always has and as the help and the documents say;
// standard error stays empty when nothing fails (`levelmeter run 2>err.txt` holds only errors).
func TestRunLogsToStdout(t *testing.T) {
	var out, errs syncBuffer
	code := runDaemon([]string{"--source", "wav:../../testdata/sine-s16-stereo.wav", "--pace", "fast",
		"--log-format", "json", "--config", "../../config.yaml", "--listen", ""}, &out, &errs, nil)
	if code != 0 || errs.String() != "" || len(logLines(t, out.String(), "summary")) != 1 {
		t.Fatalf("exit %d, stderr %q, stdout:\n%s", code, errs.String(), out.String())
	}
	for _, doc := range []struct{ file, says string }{
		{"../../README.md", "- **Logs**: zerolog on stdout"},
		{"../../docs/OUTPUT.md", "| [logs](#logs) | stdout of `levelmeter run` |"},
		{"../../docs/OUTPUT.md", "`levelmeter run` logs to standard output"},
	} {
		b, err := os.ReadFile(doc.file)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), doc.says) {
			t.Errorf("%s does not say %q", doc.file, doc.says)
		}
	}
	if !strings.Contains(runHelp, "The log goes to standard output") {
		t.Errorf("levelmeter help run does not say where the log goes")
	}
}

// TestRunTwoSources: two labelled sources from flags are metered side by side, each with its summary.
func TestRunTwoSources(t *testing.T) {
	var out, errs syncBuffer
	code := runDaemon([]string{"--source", "a=wav:../../testdata/sine-s16-stereo.wav", "--source", "b=wav:../../testdata/sine-s16-stereo.wav",
		"--pace", "fast", "--log-format", "json", "--config", "../../config.yaml", "--listen", ""}, &out, &errs, nil)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs.String())
	}
	sum := logLines(t, out.String(), "summary")
	if len(sum) != 2 || sum[0]["source"] == sum[1]["source"] || sum[0]["captured"] != 24000.0 || sum[1]["captured"] != 24000.0 {
		t.Fatalf("summaries %v", sum)
	}
}

// TestRunServesHTTP: the daemon serves its handlers on the listen address while it runs, and a signal stops it
// promptly even with a live event-stream client connected.
func TestRunServesHTTP(t *testing.T) {
	if _, err := os.Stat("../../testdata/demo.wav"); err != nil {
		t.Skip(err)
	}
	defer goleak.VerifyNone(t, append(runLeaks, goleak.IgnoreCurrent())...)
	sigs := make(chan os.Signal, 2)
	var out, errs syncBuffer
	done := make(chan int)
	go func() {
		done <- runDaemon([]string{"--config", "../../config.yaml", "--log-format", "json", "--listen", "127.0.0.1:0"}, &out, &errs, sigs)
	}()
	waitFor(t, &out, `"message":"levels"`)
	start := logLines(t, out.String(), "levelmeter starting")
	addr, _ := start[0]["listen"].(string)
	if addr == "" {
		sigs <- syscall.SIGTERM
		<-done
		t.Fatalf("no listen address in the start line %v", start[0])
	}
	client := &http.Client{Timeout: 10 * time.Second}
	for _, path := range []string{"/metrics", "/healthz", "/"} {
		resp, err := client.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("GET %s: %s", path, resp.Status)
		}
	}
	resp, err := client.Get("http://" + addr + "/events") // a client that stays connected
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	t0 := time.Now()
	sigs <- syscall.SIGTERM
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errs.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the daemon did not stop within 10 s with an event-stream client connected")
	}
	io.Copy(io.Discard, resp.Body)
	t.Logf("served /metrics, /healthz, / and /events on %s; stopped %v after SIGTERM with a client connected", addr, time.Since(t0).Round(time.Millisecond))
}

// TestRunNonFinite: NaN and Inf samples in a file are counted and reported, and do not poison the levels.
func TestRunNonFinite(t *testing.T) {
	var out, errs syncBuffer
	code := runDaemon([]string{"--source", "wav:../../testdata/nonfinite-f32.wav", "--pace", "fast", "--log-format", "json",
		"--config", "../../config.yaml", "--listen", ""}, &out, &errs, nil)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs.String())
	}
	sum := logLines(t, out.String(), "summary")
	near := func(v any, want float64) bool { f, ok := v.(float64); return ok && math.Abs(f-want) < 0.005 }
	if len(sum) != 1 || sum[0]["non_finite"] != 4.0 || !near(sum[0]["max_peak_dbfs"], -20) || !near(sum[0]["rms_dbfs"], -23.01) {
		t.Fatalf("summary %v: want 4 non-finite samples, peak -20, RMS -23.01", sum)
	}
}

// TestRunSIGTERM sends SIGTERM to the process at several moments of a run of the shipped configuration (the
// demo replayed in real time): each time the daemon stops its sources, logs the summary and exits 0.
func TestRunSIGTERM(t *testing.T) {
	if _, err := os.Stat("../../testdata/demo.wav"); err != nil {
		t.Skip(err)
	}
	defer goleak.VerifyNone(t, append(runLeaks, goleak.IgnoreCurrent())...)
	for _, after := range []time.Duration{0, 30 * time.Millisecond, 400 * time.Millisecond} {
		t.Run(after.String(), func(t *testing.T) {
			var out, errs syncBuffer
			done := make(chan int)
			go func() {
				done <- runRun([]string{"--config", "../../config.yaml", "--log-format", "json", "--log-interval", "100ms",
					"--listen", ""}, &out, &errs)
			}()
			waitFor(t, &out, "levelmeter starting") // the signal handler is in place
			time.Sleep(after)
			start := time.Now()
			if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			select {
			case code := <-done:
				if code != 0 {
					t.Fatalf("exit %d; stderr %s", code, errs.String())
				}
			case <-time.After(20 * time.Second):
				t.Fatal("the daemon did not stop within 20 s of SIGTERM")
			}
			took := time.Since(start)
			log := out.String()
			sum := logLines(t, log, "summary")
			if len(sum) != 1 || len(logLines(t, log, "stopped")) != 1 {
				t.Fatalf("no summary or stop line:\n%s", log)
			}
			checkSummary(t, sum[0])
			stop := logLines(t, log, "stopping: draining the rings and writing the summaries (signal again to exit at once)")
			if len(stop) != 1 || stop[0]["signal"] != "terminated" {
				t.Fatalf("no stopping line naming the signal:\n%s", log)
			}
			t.Logf("SIGTERM %v after start: exit 0 in %v, %v frames captured", after, took.Round(time.Millisecond), sum[0]["captured"])
		})
	}
}

// TestRunSecondSignal: a second signal during the shutdown exits at once with status 130.
func TestRunSecondSignal(t *testing.T) {
	if _, err := os.Stat("../../testdata/demo.wav"); err != nil {
		t.Skip(err)
	}
	defer goleak.VerifyNone(t, append(runLeaks, goleak.IgnoreCurrent())...)
	forced := make(chan int, 1)
	forceExit = func(code int) { forced <- code }
	defer func() { forceExit = os.Exit }()
	sigs := make(chan os.Signal, 2)
	var out, errs syncBuffer
	done := make(chan int)
	go func() {
		// The log turns slow once the daemon stops, so that the shutdown outlasts the second signal.
		done <- runDaemon([]string{"--config", "../../config.yaml", "--log-format", "json", "--listen", ""}, &slowAfterStop{w: &out}, &errs, sigs)
	}()
	waitFor(t, &out, "levelmeter starting")
	sigs <- syscall.SIGTERM
	time.Sleep(sameSignalWindow + 50*time.Millisecond) // a copy sent at once would count as the same request
	sigs <- syscall.SIGINT
	select {
	case code := <-forced:
		if code != 130 {
			t.Fatalf("forced exit status %d, want 130", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the second signal did not force an exit")
	}
	<-done
	if errs.String() != "levelmeter run: second signal (interrupt): exiting without the summaries\n" {
		t.Fatalf("stderr %q", errs.String())
	}
}

// TestRunBadInput is the table of hostile or broken command lines: each gives one clear error and its status.
func TestRunBadInput(t *testing.T) {
	defer goleak.VerifyNone(t, append(runLeaks, goleak.IgnoreCurrent())...)
	dir := t.TempDir()
	notWAV := filepath.Join(dir, "song.wav")
	os.WriteFile(notWAV, []byte("ID3\x04\x00\x00\x00\x00\x00\x00 this is an mp3 renamed"), 0o644)
	unreadable := filepath.Join(dir, "locked.wav")
	os.WriteFile(unreadable, []byte("RIFF"), 0o000)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	badYAML := filepath.Join(dir, "bad.yaml")
	os.WriteFile(badYAML, []byte("sources:\n  - device: default\n    chanels: 2\n"), 0o644)
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string // the first line of stderr
	}{
		{"missing config", []string{"--config", filepath.Join(dir, "none.yaml")}, 2,
			"levelmeter run: config file " + filepath.Join(dir, "none.yaml") + " does not exist; give the path of a configuration with --config"},
		{"bad config", []string{"--config", badYAML}, 2,
			"levelmeter run: " + badYAML + ":3: sources[0].chanels: unknown key; did you mean channels? Valid keys in sources[0] are name, device, wav, pace, loop, sample_rate, channels, frames_per_buffer, input_latency, ring_capacity, realtime"},
		{"missing file", []string{"--source", "wav:" + filepath.Join(dir, "nope.wav")}, 2,
			`levelmeter run: sources[0].wav (set by --source/--device): "` + filepath.Join(dir, "nope.wav") + `" does not exist; give the path of a WAV file`},
		{"directory", []string{"--source", "wav:" + dir}, 2,
			`levelmeter run: sources[0].wav (set by --source/--device): "` + dir + `" is a directory; give the path of a WAV file`},
		{"not a wav", []string{"--source", "wav:" + notWAV}, 1,
			`levelmeter run: sources[0].wav (set by --source/--device): "` + notWAV + `" cannot be replayed: `},
		{"bad source kind", []string{"--source", "mp3:x.mp3"}, 2,
			`levelmeter run: invalid value "mp3:x.mp3" for flag --source: "mp3:x.mp3" is not wav:FILE, device:NAME or stdin (optionally LABEL=wav:FILE)`},
		{"same file twice", []string{"--source", "wav:../../testdata/silence.wav", "--source", "wav:../../testdata/silence.wav"}, 2,
			`levelmeter run: sources[1].name (set by --source/--device): "silence" is already the name of sources[0]; source names must be unique (set name:)`},
		{"bad interval", []string{"--source", "wav:../../testdata/silence.wav", "--report-interval", "0s"}, 2,
			"levelmeter run: report_interval (set by --report-interval): 0s is out of range; must be 1ms to 1h"},
		{"bad ring", []string{"--source", "wav:../../testdata/silence.wav", "--ring-capacity", "1000"}, 2,
			"levelmeter run: sources[0].ring_capacity (set by --ring-capacity): 1000 is not a power of two from 16 to 16777216 (frames); try 1024"},
		{"rate mismatch", []string{"--config", writeConfig(t, dir, "sources:\n  - wav: "+abs(t, "../../testdata/sine-s16-stereo.wav")+"\n    sample_rate: 44100\n")}, 1,
			"sources[0].sample_rate: 44100 does not match the file, which is 48000 Hz; omit sample_rate to use the file's"},
		{"zero rate", []string{"--device", "default", "--sample-rate", "0"}, 2,
			"levelmeter run: sources[0].sample_rate (set by --sample-rate): 0 is not a sample rate; must be 1 to 1048576 frames per second"},
		{"device flag without device", []string{"--source", "wav:../../testdata/silence.wav", "--channels", "1"}, 2,
			"levelmeter run: --channels applies to device, command and stdin sources, and none is configured"},
		{"pace without file", []string{"--device", "default", "--pace", "fast"}, 2,
			"levelmeter run: --pace applies to WAV file sources, and none is configured"},
		{"address in use", []string{"--source", "wav:../../testdata/silence.wav", "--listen", busy.Addr().String()}, 1,
			`levelmeter run: http.listen (set by --listen): "` + busy.Addr().String() + `" cannot be listened on: listen tcp ` +
				busy.Addr().String() + `: bind: address already in use; another program (another levelmeter?) listens there: choose another with --listen or http.listen`},
		{"argument", []string{"song.wav"}, 2,
			`levelmeter run: unexpected argument "song.wav" (a WAV file is given as --source wav:song.wav)`},
		{"log format", []string{"--source", "wav:../../testdata/silence.wav", "--log-format", "xml"}, 2,
			`levelmeter run: log.format (set by --log-format): "xml" is not a format; use json, console or auto`},
		{"listen", []string{"--source", "wav:../../testdata/silence.wav", "--listen", "localhost"}, 2,
			`levelmeter run: http.listen (set by --listen): "localhost" is not host:port; use host:port such as 127.0.0.1:9464, or "" to disable the server`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errs syncBuffer
			code := runDaemon(tc.args, &out, &errs, nil)
			first, _, _ := strings.Cut(errs.String(), "\n")
			if code != tc.code || !strings.Contains(first, tc.want) {
				t.Fatalf("exit %d, stderr:\n%s\nwant exit %d and %q", code, errs.String(), tc.code, tc.want)
			}
		})
	}
	if os.Getuid() != 0 { // root reads anything
		var out, errs syncBuffer
		code := runDaemon([]string{"--source", "wav:" + unreadable}, &out, &errs, nil)
		if code == 0 || !strings.Contains(errs.String(), "permission denied") {
			t.Errorf("unreadable file: exit %d, %q", code, errs.String())
		}
	}
}

// TestRunNoDevice: a device that does not exist (on a machine without a sound card, any device) stops the start
// with one line naming the source and what to do.
func TestRunNoDevice(t *testing.T) {
	var out, errs syncBuffer
	code := runDaemon([]string{"--device", "no-such-device-xyz"}, &out, &errs, nil)
	lines := strings.Split(strings.TrimSpace(errs.String()), "\n")
	if code != exitFailed || len(lines) != 1 ||
		!strings.HasPrefix(lines[0], `levelmeter run: sources[0].device (set by --source/--device): "no-such-device-xyz" (48000 Hz, 2 channels) cannot be opened: `) {
		t.Fatalf("exit %d, stderr:\n%s", code, errs.String())
	}
	t.Logf("%s", lines[0])
}

func writeConfig(t *testing.T, dir, body string) string {
	p := filepath.Join(dir, "c"+strconv.Itoa(len(body))+".yaml")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func abs(t *testing.T, p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestIdleCost measures what metering one live 48 kHz stereo source costs: the CPU time of a real-time replay
// of the demo over its wall time. It asserts nothing (machines are shared and noisy, and the race detector
// inflates it several times); LEVELMETER_IDLE_SECONDS sets the run's length (default 2).
func TestIdleCost(t *testing.T) {
	if _, err := os.Stat("../../testdata/demo.wav"); err != nil {
		t.Skip(err)
	}
	secs := 2.0
	if s := os.Getenv("LEVELMETER_IDLE_SECONDS"); s != "" {
		secs, _ = strconv.ParseFloat(s, 64)
	}
	d := time.Duration(secs * float64(time.Second))
	var out, errs syncBuffer
	var before, after syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &before)
	start := time.Now()
	code := runDaemon([]string{"--config", "../../config.yaml", "--log-format", "json", "--listen", "", "--duration", d.String()},
		&out, &errs, nil)
	wall := time.Since(start)
	syscall.Getrusage(syscall.RUSAGE_SELF, &after)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs.String())
	}
	cpu := time.Duration(after.Utime.Nano()+after.Stime.Nano()-before.Utime.Nano()-before.Stime.Nano()) * time.Nanosecond
	t.Logf("idle cost: %v CPU over %v wall = %.2f%% of one core (%s)", cpu.Round(time.Millisecond),
		wall.Round(time.Millisecond), 100*cpu.Seconds()/wall.Seconds(), raceNote)
	sum := logLines(t, out.String(), "summary")
	if len(sum) != 1 || sum[0]["dropped"] != 0.0 {
		t.Fatalf("summary %v", sum)
	}
}
