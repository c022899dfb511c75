// Package web serves the live web meter: a page that shows every source's meters moving, the stream of reports
// it reads, and a health check.
//
// A Server is a pipeline.Reporter. Its Handler serves
//
//	/          the meter page (HTML, CSS and JavaScript embedded in the binary; no external assets)
//	/events    the reports as Server-Sent Events: "hello" once (a Hello as JSON), then a "report" event per
//	           report, whose data is an Update as JSON; a new client first gets the latest report of every source
//	/healthz   a JSON status for supervisors: 200 while reports arrive, 503 when they have stopped
//	/api/history?source=NAME&window=10m
//	           a source's loudness and peak history as JSON (a History): the server keeps one summary per second
//	           for Options.History (24 h), and returns at most MaxHistoryPoints buckets of any window
//	/metrics   the Handler given in Options.Metrics, if any
//	/static/meter.js, /static/meter.css
//	           the page's script and style sheet; /static/ and anything else under it redirect to /
//
// Every response carries the same security headers as internal/httpserver's (a Content-Security-Policy of
// default-src 'self', nosniff, no framing, no referrer), and the page runs under that policy: no inline script
// or style.
//
// # Guarantees
//
// Report never waits for a client. It encodes the report once and offers it to every client's queue of
// Options.ClientBuffer reports; when a queue is full the oldest report in it is dropped (and counted) to make
// room. A client that has stopped reading is disconnected (and counted): one whose queue has stayed full for
// Options.WriteTimeout, or whose connection did not take a single write within WriteTimeout. Stats reports the
// counts.
//
// Report keeps each source's history in O(1) time per report without allocating, except once at a source's first
// report, when the history's ring is allocated whole (see Options.History for its size). SetAlarms may be called
// from any goroutine and never waits.
//
// Report is meant to be called from one goroutine (the pipeline's reporter goroutine); it is safe, but not
// useful, to call it from several. Handler may be served by any number of connections.
package web

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/levelmeter/levelmeter/dsp"
	"github.com/levelmeter/levelmeter/internal/httpheader"
	"github.com/levelmeter/levelmeter/pipeline"
	"github.com/levelmeter/levelmeter/ring"
)

//go:embed static
var static embed.FS

// Options configure a Server. The zero value serves the page, the events and the health check with the
// defaults below.
type Options struct {
	// Metrics, if not nil, is served at /metrics (a metrics.Reporter's Handler).
	Metrics http.Handler
	// Version is shown on the page and in /healthz.
	Version string
	// ClientBuffer is how many reports wait for a slow client before the oldest is dropped; 0 selects 256.
	// Make it at least a few report intervals' worth of reports of all sources.
	ClientBuffer int
	// WriteTimeout is how long a client may stop reading before it is disconnected: the longest a write to it
	// may take, and the longest its queue may stay full. It replaces the http.Server's WriteTimeout for the
	// event stream. 0 selects 10 s.
	WriteTimeout time.Duration
	// Heartbeat is the interval of the comment lines that keep an idle stream open through proxies; 0 selects
	// 15 s.
	Heartbeat time.Duration
	// StaleAfter is how long /healthz waits for a report before it answers 503; 0 selects 10 s.
	StaleAfter time.Duration
	// History is how long /api/history reaches back, in whole seconds; 0 selects DefaultHistory (24 h). Each
	// source's history is one ring of 24-byte summaries, one per second, allocated at the source's first report:
	// 24 h take 2 073 600 bytes (1.98 MiB) per source, so 16 sources 32 MiB and 64 sources 127 MiB. It is
	// never more, however long the daemon runs.
	History time.Duration
	// Targets are the loudness targets drawn on the page, by source name; the target of "" applies to every
	// source without one of its own. nil draws none. Server.SetTargets replaces them.
	Targets map[string]Target
	// Layouts give the channel layout of sources whose reports carry none (Report.Layout), by source name; the
	// page labels channels by it. A layout whose channel count differs from a report's is ignored for that
	// report, which is labelled by dsp.DefaultLayout.
	Layouts map[string]dsp.Layout
}

// Stats count the Server's clients and what happened to the reports offered to them.
type Stats struct {
	Reports      int64 // reports received by Report
	Clients      int   // event-stream clients connected now
	Connected    int64 // event-stream clients that ever connected
	Sent         int64 // events written to clients
	Dropped      int64 // reports dropped from a full client queue
	Disconnected int64 // clients disconnected because they stopped reading
}

// A Server is the live web meter. Create one with New.
type Server struct {
	opts    Options
	started time.Time

	now func() time.Time // time.Now, but for tests

	mu      sync.Mutex
	clients map[*client]struct{}
	sources map[string]*source
	closed  bool
	done    chan struct{} // closed by Close

	alarmMu       sync.Mutex // guards the alarm fields and targets; never held with mu
	targets       map[string]*Target
	alarms        map[string]alarmState
	alarmBit      map[string]int // alarm name -> its bit in a second's summary
	alarmNameList []string       // by bit

	reports, connected, sent, dropped, disconnected atomic.Int64
}

// A source is what the Server keeps of one source. Its fields are guarded by Server.mu.
type source struct {
	latest  *latest // nil until the first report
	history history
	labels  []string   // the channel labels of the latest report, reused while its layout stays
	layout  dsp.Layout // the layout labels was made from
}

type latest struct {
	frame []byte    // the report's event, ready to write
	at    time.Time // when it arrived
	final bool
}

// A client is one event-stream connection. Its queue is written by Report and read by the connection's
// handler goroutine.
type client struct {
	queue     chan []byte
	kick      chan struct{} // closed when Report disconnects the client
	fullSince time.Time     // when Report first found the queue full; zero while it is not
}

// New returns a Server with the given options.
func New(opts Options) *Server {
	if opts.ClientBuffer <= 0 {
		opts.ClientBuffer = 256
	}
	if opts.WriteTimeout <= 0 {
		opts.WriteTimeout = 10 * time.Second
	}
	if opts.Heartbeat <= 0 {
		opts.Heartbeat = 15 * time.Second
	}
	if opts.StaleAfter <= 0 {
		opts.StaleAfter = 10 * time.Second
	}
	if opts.History <= 0 {
		opts.History = DefaultHistory
	}
	opts.History = max(opts.History.Truncate(time.Second), time.Second)
	return &Server{
		opts:    opts,
		started: time.Now(),
		targets: targetMap(opts.Targets),
		now:     time.Now,
		clients: make(map[*client]struct{}),
		sources: make(map[string]*source),
		alarms:  make(map[string]alarmState),
		done:    make(chan struct{}),
	}
}

// Report sends r to every connected client without waiting for any of them.
func (s *Server) Report(r *pipeline.Report) {
	s.reports.Add(1)
	s.reportAlarms(r)
	alarms, target := s.sourceState(r.Source)
	now := s.now()

	s.mu.Lock()
	src := s.sources[r.Source]
	if src == nil {
		src = &source{}
		s.sources[r.Source] = src
	}
	if src.history.ring == nil && !src.history.failed {
		// The one allocation of the source's history; New bounded its length. A length too large to allocate
		// (Options.History of years) leaves the source without a history rather than failing its reports.
		var err error
		src.history.ring, err = ring.NewBuffer[second](int(s.opts.History / time.Second))
		src.history.failed = err != nil
	}
	if src.history.ring != nil {
		at := r.Time
		if at.IsZero() {
			at = now
		}
		src.history.record(r, at, alarms.mask)
		if r.Final && src.history.cur.t != 0 {
			// Nothing more follows: the last second is complete.
			src.history.ring.Overwrite(src.history.cur)
			src.history.cur = second{}
		}
	}
	labels := s.labels(src, r)
	s.mu.Unlock()

	// Encode without the lock: clients' handlers and /api/history need it meanwhile.
	u := newUpdate(r, labels)
	u.Alarms = alarms.list
	u.Target = target
	frame := make([]byte, 0, 1024+512*len(u.Channels))
	frame = append(frame, "event: report\ndata: "...)
	frame = appendUpdate(frame, &u)
	frame = append(frame, "\n\n"...)

	s.mu.Lock()
	defer s.mu.Unlock()
	src.latest = &latest{frame: frame, at: now, final: r.Final}
	for c := range s.clients {
		s.offer(c, frame, now)
	}
}

// labels returns the channel labels of r: the layout its meter measures with (Report.Layout), else its source's
// layout from Options.Layouts if it fits, else the default layout's. They are computed once per source and
// layout. s.mu is held.
func (s *Server) labels(src *source, r *pipeline.Report) []string {
	n := reportChannels(r)
	l := r.Layout
	if len(l) != n {
		l = s.opts.Layouts[r.Source]
	}
	if len(l) != n {
		l = dsp.DefaultLayout(n)
	}
	if src.labels == nil || !slices.Equal(src.layout, l) {
		src.layout, src.labels = l, l.Labels()
	}
	return src.labels
}

// offer queues frame for c, dropping the oldest queued report if the queue is full. s.mu is held.
func (s *Server) offer(c *client, frame []byte, now time.Time) {
	select {
	case c.queue <- frame:
		c.fullSince = time.Time{}
		return
	default:
	}
	if c.fullSince.IsZero() {
		c.fullSince = now
	} else if now.Sub(c.fullSince) > s.opts.WriteTimeout {
		// The queue has been full all this time: the client has stopped reading.
		delete(s.clients, c)
		close(c.kick)
		s.disconnected.Add(1)
		return
	}
	select {
	case <-c.queue:
		s.dropped.Add(1)
	default: // the client took one meanwhile
	}
	select {
	case c.queue <- frame:
	default: // unreachable: only Report sends, and it holds s.mu
		s.dropped.Add(1)
	}
}

// Stats returns the Server's counts.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	n := len(s.clients)
	s.mu.Unlock()
	return Stats{
		Reports:      s.reports.Load(),
		Clients:      n,
		Connected:    s.connected.Load(),
		Sent:         s.sent.Load(),
		Dropped:      s.dropped.Load(),
		Disconnected: s.disconnected.Load(),
	}
}

// Close ends every event stream and refuses new ones, so that an http.Server's Shutdown, which waits for
// active connections, can complete. Report may still be called; the page and /healthz are still served.
func (s *Server) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.closed = true
		close(s.done)
		s.clients = map[*client]struct{}{}
	}
	return nil
}

// Handler returns the handler of /, /events, /healthz and, if Options.Metrics is set, /metrics.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	files, _ := fs.Sub(static, "static")
	assets := http.FileServerFS(files)
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-cache")
		http.ServeFileFS(w, r, files, "index.html")
	})
	// Only the page's own assets, at the paths it links: anything else under /static/ (the directory, the page
	// itself, whose relative links would break there) is sent to the page.
	for _, name := range []string{"meter.js", "meter.css"} {
		mux.Handle("GET /static/"+name, http.StripPrefix("/static/", noCache(assets)))
	}
	toPage := func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/", http.StatusMovedPermanently) }
	mux.HandleFunc("/static/", toPage)
	mux.HandleFunc("/static", toPage)
	mux.HandleFunc("GET /events", s.serveEvents)
	mux.HandleFunc("GET /healthz", s.serveHealth)
	mux.HandleFunc("GET /api/history", s.serveHistory)
	if s.opts.Metrics != nil {
		mux.Handle("GET /metrics", s.opts.Metrics)
	}
	return httpheader.Secure(mux)
}

func noCache(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-cache")
		h.ServeHTTP(w, r)
	})
}

// Hello is the data of the "hello" event that opens every event stream.
type Hello struct {
	Version string    `json:"version"`
	Time    time.Time `json:"time"`
	// Sources names the sources whose latest report follows at once, in this order.
	Sources []string `json:"sources"`
}

func (s *Server) serveEvents(w http.ResponseWriter, r *http.Request) {
	c := &client{queue: make(chan []byte, s.opts.ClientBuffer), kick: make(chan struct{})}

	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		http.Error(w, "levelmeter is shutting down", http.StatusServiceUnavailable)
		return
	}
	sources := make([]string, 0, len(s.sources))
	for name, src := range s.sources {
		if src.latest != nil {
			sources = append(sources, name)
		}
	}
	sort.Strings(sources)
	var first bytes.Buffer
	first.WriteString("retry: 2000\n\n")
	first.Write(encodeEvent("hello", Hello{Version: s.opts.Version, Time: time.Now(), Sources: sources}))
	for _, name := range sources {
		first.Write(s.sources[name].latest.frame)
	}
	s.clients[c] = struct{}{}
	s.mu.Unlock()
	s.connected.Add(1)

	defer func() {
		s.mu.Lock()
		delete(s.clients, c)
		s.mu.Unlock()
	}()

	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	w.WriteHeader(http.StatusOK)

	rc := http.NewResponseController(w)
	write := func(b []byte) bool {
		// A deadline per write: a client that stops reading fails the write instead of holding this goroutine.
		if err := rc.SetWriteDeadline(time.Now().Add(s.opts.WriteTimeout)); err != nil && !errors.Is(err, http.ErrNotSupported) {
			return false
		}
		_, err := w.Write(b)
		if err == nil {
			err = rc.Flush()
		}
		if err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				s.stalled(c)
			}
			return false
		}
		return true
	}
	if !write(first.Bytes()) {
		return
	}
	s.sent.Add(int64(1 + len(sources)))

	beat := time.NewTicker(s.opts.Heartbeat)
	defer beat.Stop()
	var batch bytes.Buffer
	for {
		select {
		case <-r.Context().Done():
			return
		case <-c.kick:
			return
		case <-s.done:
			// Close ends the stream after the reports queued before it (a source's final report among them):
			// select may have picked done over a queued report. Close stops queueing, so this ends.
			batch.Reset()
			n := int64(0)
			for ; len(c.queue) > 0; n++ {
				batch.Write(<-c.queue)
			}
			if n > 0 && write(batch.Bytes()) {
				s.sent.Add(n)
			}
			return
		case <-beat.C:
			if !write([]byte(": heartbeat\n\n")) {
				return
			}
		case frame := <-c.queue:
			// Write what has queued up in one go.
			batch.Reset()
			batch.Write(frame)
			n := int64(1)
		more:
			for {
				select {
				case f := <-c.queue:
					batch.Write(f)
					n++
				default:
					break more
				}
			}
			if !write(batch.Bytes()) {
				return
			}
			s.sent.Add(n)
		}
	}
}

// stalled counts c as disconnected for not reading, unless Report already did.
func (s *Server) stalled(c *client) {
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case <-c.kick:
		return
	default:
	}
	delete(s.clients, c)
	close(c.kick)
	s.disconnected.Add(1)
}

// Health is the JSON answer of /healthz.
type Health struct {
	OK      bool   `json:"ok"`
	Version string `json:"version"`
	Sources int    `json:"sources"` // sources that have reported
	Running int    `json:"running"` // of which have not stopped
	// LastReportAge is the time since the latest report in seconds; null before the first.
	LastReportAge *float64 `json:"lastReportAgeSeconds"`
	Clients       int      `json:"clients"`
}

// serveHealth answers 200 while reports arrive. It answers 503 when no report came for StaleAfter while a source
// is running, or none ever came within StaleAfter of the start: the pipeline is stuck.
func (s *Server) serveHealth(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	s.mu.Lock()
	h := Health{OK: true, Version: s.opts.Version, Clients: len(s.clients)}
	var last time.Time
	for _, src := range s.sources {
		l := src.latest
		if l == nil {
			continue
		}
		h.Sources++
		if !l.final {
			h.Running++
		}
		if l.at.After(last) {
			last = l.at
		}
	}
	s.mu.Unlock()

	if last.IsZero() {
		h.OK = now.Sub(s.started) <= s.opts.StaleAfter
	} else {
		age := now.Sub(last).Seconds()
		h.LastReportAge = &age
		h.OK = h.Running == 0 || now.Sub(last) <= s.opts.StaleAfter
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if !h.OK {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	json.NewEncoder(w).Encode(h)
}

// encodeEvent returns v as one Server-Sent Event. JSON has no raw newlines, so the data is one line.
func encodeEvent(name string, v any) []byte {
	data, err := json.Marshal(v)
	if err != nil {
		// Update and hello hold nothing json cannot encode: Float takes care of ±Inf and NaN.
		panic("web: " + err.Error())
	}
	b := make([]byte, 0, len(name)+len(data)+16)
	b = append(b, "event: "...)
	b = append(b, name...)
	b = append(b, "\ndata: "...)
	b = append(b, data...)
	b = append(b, "\n\n"...)
	return b
}
