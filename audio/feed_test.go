//go:build unix

package audio

import (
	"context"
	"encoding/binary"
	"errors"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/levelmeter/levelmeter/dsp"
)

// TestCommandFFmpegLevels: a 997 Hz sine at a known level through ffmpeg, in every encoding, arrives at its
// level: peak -6.02 dBFS, RMS -9.03 dBFS, within 0.1 dB.
func TestCommandFFmpegLevels(t *testing.T) {
	ffmpeg := needTool(t, "ffmpeg")
	for _, enc := range []Encoding{WAV, S16LE, S24LE, S32LE, F32LE} {
		t.Run(enc.String(), func(t *testing.T) {
			c := &Command{
				Args: []string{ffmpeg, "-nostdin", "-v", "error", "-f", "lavfi", "-i",
					"aevalsrc=0.5*sin(2*PI*997*t):s=48000:d=1", "-f", enc.String(), "-"},
				Encoding: enc, SampleRate: 48000, Channels: 1,
				Stderr: func(s string) { t.Log("ffmpeg:", s) },
			}
			w := &collector{ch: 1}
			err := c.Run(context.Background(), w)
			if !errors.Is(err, ErrExited) || w.frames() != 48000 {
				t.Fatalf("Run: %v after %d frames, want ErrExited after 48000", err, w.frames())
			}
			var peak, sum float64
			for _, v := range w.got {
				peak = max(peak, math.Abs(float64(v)))
				sum += float64(v) * float64(v)
			}
			rms := math.Sqrt(sum / float64(len(w.got)))
			if p, r := dsp.DB(peak), dsp.DB(rms); math.Abs(p+6.02) > 0.1 || math.Abs(r+9.03) > 0.1 {
				t.Errorf("peak %.3f dBFS, RMS %.3f dBFS; want -6.02, -9.03", p, r)
			}
		})
	}
}

// A feedServer is an Icecast-like HTTP server of an endless WAV stream: a 997 Hz sine at half of full scale in
// both channels (-6.02 LUFS), 48 kHz stereo 16-bit, in 100 ms chunks at speed times real time. Each
// connection starts the sine at frame 0.
type feedServer struct {
	srv    *httptest.Server
	speed  int
	paused atomic.Bool   // hold every connection open without sending
	ending chan struct{} // closed: finish the current chunk and end each stream
	mu     sync.Mutex
	sent   []int64  // frames sent on each connection
	ended  []string // why each connection ended
}

const feedRate = 48000

func feedSample(i int64) int16 {
	return int16(math.Round(16384 * math.Sin(2*math.Pi*997*float64(i)/feedRate)))
}

func startFeed(t *testing.T, addr string, speed int) *feedServer {
	t.Helper()
	f := &feedServer{speed: speed, ending: make(chan struct{})}
	f.srv = httptest.NewUnstartedServer(http.HandlerFunc(f.serve))
	if addr != "" {
		// A restart: the same address, as a restarted Icecast server has.
		var l net.Listener
		var err error
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			if l, err = net.Listen("tcp", addr); err == nil || time.Now().After(deadline) {
				break
			}
		}
		if err != nil {
			t.Fatal(err)
		}
		f.srv.Listener.Close()
		f.srv.Listener = l
	}
	f.srv.Start()
	return f
}

func (f *feedServer) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	conn := len(f.sent)
	f.sent = append(f.sent, 0)
	f.ended = append(f.ended, "")
	f.mu.Unlock()
	why := "the handler returned"
	defer func() {
		f.mu.Lock()
		f.ended[conn] = why
		f.mu.Unlock()
	}()
	w.Header().Set("Content-Type", "audio/wav")
	hdr := wavStreamHeader(feedRate, 2, 16, false)
	if _, err := w.Write(hdr); err != nil {
		why = err.Error()
		return
	}
	const chunk = feedRate / 10
	buf := make([]byte, chunk*4)
	start := time.Now()
	var pausedFor time.Duration
	for i := int64(0); ; i += chunk {
		for f.paused.Load() {
			select {
			case <-f.ending:
				why = "server stopped while paused"
				return
			case <-r.Context().Done():
				why = "client gone while paused"
				return
			case <-time.After(10 * time.Millisecond):
				pausedFor += 10 * time.Millisecond
			}
		}
		for k := range int64(chunk) {
			v := uint16(feedSample(i + k))
			binary.LittleEndian.PutUint16(buf[4*k:], v)
			binary.LittleEndian.PutUint16(buf[4*k+2:], v)
		}
		if _, err := w.Write(buf); err != nil {
			why = err.Error()
			return
		}
		w.(http.Flusher).Flush()
		f.mu.Lock()
		f.sent[conn] += chunk
		f.mu.Unlock()
		due := start.Add(pausedFor + time.Duration(i+chunk)*time.Second/time.Duration(feedRate*f.speed))
		select {
		case <-f.ending:
			why = "server stopped"
			return
		case <-r.Context().Done():
			why = "client gone"
			return
		case <-time.After(time.Until(due)):
		}
	}
}

// stop ends every stream cleanly after a whole chunk, as a server that shuts down does, and closes the server.
func (f *feedServer) stop() {
	close(f.ending)
	f.srv.Close()
}

// last returns the number of the last connection and the frames sent on it.
func (f *feedServer) last() (conn int, sent int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.sent) - 1, f.sent[len(f.sent)-1]
}

func (f *feedServer) log(t *testing.T) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.sent {
		t.Logf("connection %d: %d frames sent, ended: %s", i, f.sent[i], f.ended[i])
	}
}

// TestCommandHTTPFeed: an Icecast-like feed over HTTP read through ffmpeg, as a user would set it up, is
// metered at its known loudness; a stall (the server stops sending) is detected and the next Run recovers; a
// server restart ends the run (the command exits) and the next Run reads the new server, with every frame the
// server sent delivered.
func TestCommandHTTPFeed(t *testing.T) {
	ffmpeg := needTool(t, "ffmpeg")
	feed := startFeed(t, "", 4)
	defer func() { feed.stop() }()
	defer func() {
		if t.Failed() {
			feed.log(t)
		}
	}()
	addr := feed.srv.Listener.Addr().String()
	c := &Command{
		Args: []string{ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "warning", "-i",
			"http://" + addr + "/stream", "-f", "wav", "-"},
		SampleRate: feedRate, Channels: 2,
		StallTimeout: time.Second,
		KillGrace:    time.Second,
		Stderr:       func(s string) { t.Log("ffmpeg:", s) },
	}
	wait := func(done chan error) error {
		t.Helper()
		select {
		case err := <-done:
			return err
		case <-time.After(20 * time.Second):
			t.Fatal("Run did not return in 20 s")
		}
		return nil
	}
	// run runs c until it has delivered n frames in one Run, calling Run again when it fails first, as the
	// pipeline would (on a loaded machine ffmpeg now and then gives up on a fresh connection), and returns
	// the collector and the running Run.
	runs := 0
	run := func(ctx context.Context, n int) (*collector, chan error) {
		t.Helper()
		for attempt := 1; ; attempt++ {
			w := &collector{ch: 2}
			done := make(chan error, 1)
			runs++
			go func() { done <- c.Run(ctx, w) }()
			for w.frames() < n {
				select {
				case err := <-done:
					if attempt == 3 {
						t.Fatalf("Run failed 3 times before %d frames, last: %v", n, err)
					}
					t.Logf("Run failed before %d frames (retrying, as the pipeline would): %v", n, err)
				case <-time.After(5 * time.Millisecond):
					continue
				case <-time.After(20 * time.Second):
					t.Fatalf("%d frames after 20 s, want %d", w.frames(), n)
				}
				break
			}
			if w.frames() >= n {
				return w, done
			}
		}
	}

	// 1: the levels, then a stall.
	w1, done := run(context.Background(), 3*feedRate)
	lm, err := dsp.NewLoudnessMeter(feedRate, 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	w1.mu.Lock()
	lm.Process(w1.got[feedRate/2*2 : 3*feedRate*2]) // from 0.5 s on: past the decoder's start
	w1.mu.Unlock()
	if got := lm.Loudness().Integrated; math.Abs(got+6.02) > 0.1 {
		t.Errorf("integrated loudness %.3f LUFS, want -6.02 (a 997 Hz sine at -6.02 dBFS in both channels)", got)
	}
	feed.paused.Store(true)
	start := time.Now()
	if err := wait(done); !errors.Is(err, ErrStalled) {
		t.Fatalf("run 1 after the server paused: %v, want ErrStalled", err)
	}
	t.Logf("stall noticed %v after the pause", time.Since(start).Round(time.Millisecond))
	feed.paused.Store(false)

	// 2: the next Run recovers; the server shuts down and the command exits, every frame delivered.
	w2, done := run(context.Background(), feedRate)
	conn, _ := feed.last()
	feed.stop()
	err = wait(done)
	if !errors.Is(err, ErrExited) {
		t.Fatalf("run 2 after the server stopped: %v, want ErrExited", err)
	}
	t.Log(err)
	if c, sent := feed.last(); c != conn || int64(w2.frames()) != sent {
		t.Errorf("run 2: %d frames delivered, the server sent %d on connection %d (%d)", w2.frames(), sent, c, conn)
	}
	for k, v := range w2.got {
		if want := float32(feedSample(int64(k/2))) / 32768; v != want {
			t.Fatalf("run 2: sample %d = %v, want %v", k, v, want)
		}
	}

	// 3: the server is back on the same address.
	feed = startFeed(t, addr, 4)
	ctx, cancel := context.WithCancel(context.Background())
	w3, done := run(ctx, feedRate)
	cancel()
	if err := wait(done); err != nil {
		t.Fatalf("run 3, cancelled: %v", err)
	}
	// Every run but the cancelled last one ended by a stall or an exit; frames of failed attempts count too.
	st := c.Stats()
	if st.Runs != int64(runs) || st.Stalls < 1 || st.Exits < 1 || st.Stalls+st.Exits != st.Runs-1 ||
		st.Frames < int64(w1.frames()+w2.frames()+w3.frames()) || st.Lag != 0 {
		t.Errorf("Stats() = %+v after %d runs delivering %d frames", st, runs, w1.frames()+w2.frames()+w3.frames())
	}
	if runs == 3 && st.Frames != int64(w1.frames()+w2.frames()+w3.frames()) {
		t.Errorf("Stats() = %+v, want %d frames", st, w1.frames()+w2.frames()+w3.frames())
	}
	feed.log(t)
}

// TestCommandShellPipeline: a shell pipeline of two tools (ffmpeg into SoX, which writes its own streamed WAV
// header) is one command source.
func TestCommandShellPipeline(t *testing.T) {
	needTool(t, "ffmpeg")
	needTool(t, "sox")
	c := &Command{
		Args: []string{"ffmpeg -nostdin -v error -f lavfi -i 'aevalsrc=0.5*sin(2*PI*997*t):s=48000:d=1' -f wav - " +
			"| sox -q -t wav - -t wav - vol 0.5"},
		Shell: true, SampleRate: 48000, Channels: 1,
		Stderr: func(s string) { t.Log("stderr:", s) },
	}
	w := &collector{ch: 1}
	err := c.Run(context.Background(), w)
	if !errors.Is(err, ErrExited) || !strings.Contains(err.Error(), "exited with status 0") || w.frames() != 48000 {
		t.Fatalf("Run: %v after %d frames, want ErrExited with status 0 after 48000", err, w.frames())
	}
	var peak float64
	for _, v := range w.got {
		peak = max(peak, math.Abs(float64(v)))
	}
	if p := dsp.DB(peak); math.Abs(p+12.04) > 0.1 {
		t.Errorf("peak %.3f dBFS, want -12.04", p)
	}
}
