package httpserver

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/levelmeter/levelmeter/audio"
	"github.com/levelmeter/levelmeter/metrics"
	"github.com/levelmeter/levelmeter/pipeline"
	"github.com/levelmeter/levelmeter/web"
)

var floodBaseline = flag.Bool("flood.baseline", false,
	"TestFlood: flood a plain http.Server (no limits: the daemon before this package) and only report the figures")

// Flood sizes: connections of each kind, and the server's connection cap, which they exceed together.
const (
	floodHeaders = 150 // each sends an unfinished header of floodHeaderBytes
	floodIdle    = 100 // each makes one request and keeps the connection open
	floodSlow    = 100 // each sends half a header and nothing more (slowloris)
	floodCap     = 64
	// floodHeaderBytes is what each header connection tries to send: 1 MB, as the probe of the issue did.
	floodHeaderBytes = 1 << 20
)

// TestFlood floods the server on loopback while a real-time source runs through a pipeline whose reporters the
// server serves (the web meter and the metrics, as in the daemon): connections sending unfinished 1 MB
// headers, idle keep-alive connections and slowloris connections, more than the connection cap together. The
// audio path drops no frame, the heap stays bounded, the connections are closed by the timeouts, the cap
// holds, and /metrics is answered throughout.
func TestFlood(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the flood takes about ten seconds")
	}
	src, err := audio.OpenFile("../../testdata/sine-s16-stereo.wav")
	if err != nil {
		t.Fatal(err)
	}
	src.Paced, src.Loop = true, true
	wm := web.New(web.Options{Version: "test"})
	mr := metrics.New(nil, metrics.Options{Version: "test"})
	var final atomic.Pointer[pipeline.Report]
	p, err := pipeline.New(pipeline.Options{
		Inputs: []pipeline.Input{{Name: "replay", Source: src, RingFrames: floodRing}},
		Reporters: []pipeline.Reporter{wm, mr, pipeline.ReporterFunc(func(r *pipeline.Report) {
			if r.Final {
				c := *r
				final.Store(&c)
			}
		})},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- p.Run(ctx) }()
	defer func() {
		stop()
		<-ran
	}()

	mux := http.NewServeMux()
	mux.Handle("/metrics", mr.Handler())
	mux.Handle("/", wm.Handler())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	var shutdown func()
	var hs *Server
	if *floodBaseline {
		srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		go srv.Serve(ln)
		shutdown = func() { srv.Close() }
	} else {
		hs = New(Options{
			Handler: mux, MaxConnections: floodCap,
			ReadHeaderTimeout: time.Second, IdleTimeout: time.Second, ReadTimeout: 2 * time.Second, WriteTimeout: 2 * time.Second,
		})
		served := make(chan error, 1)
		go func() { served <- hs.Serve(ln) }()
		shutdown = func() {
			hs.Close()
			<-served
		}
	}
	defer func() {
		wm.Close()
		shutdown()
	}()
	time.Sleep(300 * time.Millisecond) // the source is running

	heap0, rss0 := memory()
	var peakHeap, peakRSS atomic.Uint64
	var peakConns atomic.Int64
	sampling := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			h, r := memory()
			if h > peakHeap.Load() {
				peakHeap.Store(h)
			}
			if r > peakRSS.Load() {
				peakRSS.Store(r)
			}
			if hs != nil {
				if n := int64(hs.OpenConnections()); n > peakConns.Load() {
					peakConns.Store(n)
				}
			}
			select {
			case <-sampling:
				return
			case <-tick.C:
			}
		}
	}()

	// The flood comes from another process, as an attacker's would: its goroutines do not queue up with the
	// pipeline's in this one's scheduler, and this process's memory is the server's alone.
	floodStart := time.Now()
	flooder := exec.Command(os.Args[0], "-test.run=^TestFloodClient$", "-test.v")
	flooder.Env = append(os.Environ(), "LEVELMETER_FLOOD_ADDR="+addr, "LEVELMETER_FLOOD_WAIT="+strconv.FormatBool(!*floodBaseline))
	var flooderOut bytes.Buffer
	flooder.Stdout, flooder.Stderr = &flooderOut, &flooderOut
	if err := flooder.Start(); err != nil {
		t.Fatal(err)
	}
	flooded := make(chan error, 1)
	go func() { flooded <- flooder.Wait() }()

	// Scrapes while the flood is on: each must be answered.
	fail := t.Errorf
	if *floodBaseline {
		fail = t.Logf
	}
	scrapes, scrapeMax := 0, time.Duration(0)
	client := &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	for time.Since(floodStart) < 3*time.Second {
		t0 := time.Now()
		resp, err := client.Get("http://" + addr + "/metrics")
		if err != nil {
			fail("a scrape during the flood: %v", err)
			break
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			fail("a scrape during the flood: %d", resp.StatusCode)
		}
		scrapes++
		scrapeMax = max(scrapeMax, time.Since(t0))
		time.Sleep(50 * time.Millisecond) // a busy scraper, not a flood of scrapes
	}
	if err := <-flooded; err != nil {
		t.Fatalf("the flooding process: %v\n%s", err, flooderOut.Bytes())
	}
	var conns, closed int
	if _, err := fmt.Sscanf(flooderOut.String()[strings.Index(flooderOut.String(), "flood:"):], "flood: %d connections, %d closed", &conns, &closed); err != nil {
		t.Fatalf("the flooding process said: %s", flooderOut.Bytes())
	}
	floodTime := time.Since(floodStart)
	close(sampling)
	<-sampled
	heap1, rss1 := memory()

	time.Sleep(200 * time.Millisecond)
	stop()
	if err := <-ran; err != nil {
		t.Fatal(err)
	}
	ran <- nil // for the deferred receive
	f := final.Load()
	if f == nil {
		t.Fatal("no final report")
	}
	c := f.Counters
	mib := func(b uint64) string { return strconv.FormatFloat(float64(b)/(1<<20), 'f', 1, 64) + " MiB" }
	t.Logf("flood of %d connections (%d unfinished 1 MB headers, %d idle, %d slowloris), cap %d: %d closed by the server in %v, at most %d open at once",
		conns, floodHeaders, floodIdle, floodSlow, floodCap, closed, floodTime.Round(time.Millisecond), peakConns.Load())
	t.Logf("heap in use %s before, peak %s, %s after; RSS %s before, peak %s, %s after",
		mib(heap0), mib(peakHeap.Load()), mib(heap1), mib(rss0), mib(peakRSS.Load()), mib(rss1))
	t.Logf("%d scrapes answered during the flood, the slowest in %v", scrapes, scrapeMax.Round(time.Millisecond))
	t.Logf("audio (ring of %d frames): captured %d = metered %d + dropped %d, overflows %d", floodRing, c.Captured, c.Metered, c.Dropped, c.Overflows)
	if *floodBaseline {
		return
	}

	if c.Captured != c.Metered+c.Dropped || c.Captured < 48000*3 {
		t.Errorf("counters: %+v", c)
	}
	if c.Dropped != 0 {
		t.Errorf("the flood cost %d frames of audio", c.Dropped)
	}
	if growth := int64(peakHeap.Load()) - int64(heap0); growth > 48<<20 {
		t.Errorf("the heap grew by %s under the flood, want under 48 MiB", mib(uint64(growth)))
	}
	if conns != floodHeaders+floodIdle+floodSlow || closed != conns {
		t.Errorf("%d of %d flood connections were not closed by the server within 20 s", conns-closed, conns)
	}
	if n := peakConns.Load(); n > floodCap {
		t.Errorf("%d connections open at once, over the cap of %d", n, floodCap)
	}
	if scrapes == 0 {
		t.Error("no scrape answered during the flood")
	}
}

// TestFloodClient is TestFlood's attacker, run by it in a process of its own: it opens the flood's connections to
// LEVELMETER_FLOOD_ADDR and, if LEVELMETER_FLOOD_WAIT is true, waits up to 20 s for the server to close each; then
// it says "flood: N connections, M closed".
func TestFloodClient(t *testing.T) {
	addr := os.Getenv("LEVELMETER_FLOOD_ADDR")
	if addr == "" {
		t.Skip("run by TestFlood")
	}
	header := bytes.Repeat([]byte("a"), floodHeaderBytes)
	var conns []net.Conn
	var mu sync.Mutex
	var wg sync.WaitGroup
	dial := func(n int, send func(c net.Conn)) {
		for range n {
			wg.Go(func() {
				c, err := net.Dial("tcp", addr)
				if err != nil {
					t.Errorf("dial: %v", err)
					return
				}
				mu.Lock()
				conns = append(conns, c)
				mu.Unlock()
				c.SetDeadline(time.Now().Add(30 * time.Second))
				send(c)
			})
		}
	}
	dial(floodHeaders, func(c net.Conn) {
		fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: localhost\r\nX-Flood: ")
		c.Write(header) // fails once the server has answered 431 and closed
	})
	dial(floodIdle, func(c net.Conn) {
		fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
		if resp, err := http.ReadResponse(bufio.NewReader(c), nil); err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	})
	dial(floodSlow, func(c net.Conn) {
		fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: localhost\r\n")
	})
	wg.Wait()

	var closed atomic.Int64
	if os.Getenv("LEVELMETER_FLOOD_WAIT") == "true" {
		// Read until the server closes (EOF or a reset), or 20 s.
		for _, c := range conns {
			wg.Go(func() {
				c.SetReadDeadline(time.Now().Add(20 * time.Second))
				if _, err := io.Copy(io.Discard, c); !errors.Is(err, os.ErrDeadlineExceeded) {
					closed.Add(1)
				}
			})
		}
		wg.Wait()
	} else {
		time.Sleep(3 * time.Second) // the baseline closes nothing: hold the connections through the scrapes
	}
	fmt.Printf("flood: %d connections, %d closed\n", len(conns), closed.Load())
}

// memory returns the heap in use and the process's resident set size in bytes (0 where /proc is absent).
func memory() (heap, rss uint64) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b, err := os.ReadFile("/proc/self/status")
	if err == nil {
		for line := range strings.Lines(string(b)) {
			if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
				kb, _ := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
				rss = kb << 10
			}
		}
	}
	return ms.HeapInuse, rss
}
