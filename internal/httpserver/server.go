// Package httpserver serves the daemon's HTTP handlers (the web meter, /metrics) with the limits, checks and
// headers that a server reachable by browsers and scrapers needs.
//
// # Guarantees
//
//   - Bounded memory per connection and a bounded number of connections: request headers are capped at
//     Options.MaxHeaderBytes, counted as net/http counts them (the request line and the header lines with
//     their line ends, the blank line included): a header of MaxHeaderBytes is served, one byte more gets 431.
//     (net/http itself allows 4096 bytes more than its Server.MaxHeaderBytes, for its read buffer; the server
//     takes them off. Over HTTP/2, which only TLS offers, the header list is capped by HTTP/2's own count,
//     names and values plus 32 bytes a field, at MaxHeaderBytes − 3776.) At most Options.MaxConnections
//     connections are open at once. Beyond that Accept waits (the kernel's backlog holds the newcomers, at no cost to the process) and
//     makes room by closing an idle keep-alive connection or the oldest one that has not sent a request for
//     a second, so that neither idle nor slowloris connections keep a scraper out; connections with a request
//     running are never closed for room. Connections that send no complete header are closed after
//     ReadHeaderTimeout, idle keep-alive connections after IdleTimeout.
//   - Scrapes and health checks get through however many event-stream clients come: at most
//     Options.MaxStreams requests to Options.StreamPaths (by default /events) run at once, by default three
//     quarters of MaxConnections (1536 of 2048), and always fewer than MaxConnections. More get 503 with
//     Retry-After and Connection: close at once, and a warning is logged, the first refusal of a burst at once
//     and then at most one line every refusalLogEvery with the count of refusals since the last. So the
//     connections beyond MaxStreams (a quarter by default) are never held by a stream: the other requests
//     (bounded by WriteTimeout) and idle or slowloris connections, which a full listener closes to make room,
//     share them.
//   - Long-lived event streams are not cut by ReadTimeout or WriteTimeout: the handler of the stream sets its
//     own write deadline per write (web.Server does).
//   - At most Options.MaxRequests requests to Options.MetricsPath run at once; more get 503 at once, as
//     node_exporter's --web.max-requests.
//   - DNS-rebinding protection: a request whose Host is not localhost, a name under .localhost, a loopback
//     address, the address the client connected to, or listed in Options.AllowedHosts gets 403 and a one-line
//     body saying how to allow it. (A rebinding page reaches the server through a name; the address the
//     client reached is allowed so that http://THIS-MACHINE'S-ADDRESS:9464/ works without configuration.)
//   - Every response carries the same security headers (no sniffing, no framing, no referrer, a Content
//     Security Policy that allows only the server's own assets), whatever route or error produced it: the
//     answers the exporter toolkit writes before the server's handler runs (basic auth's 401, its rate
//     limit's 429, 500 when the web-config file has become unreadable) and those net/http writes on the
//     connection itself before there is a request to handle (431 for a header over the cap, 400 for a
//     malformed request or for plain HTTP to the TLS port, 501) among them. The one exception: under TLS,
//     net/http's 431, 400 and 501 go through the TLS layer, out of the server's reach, and carry only their
//     text; they hold nothing a browser would render or frame.
//   - Only GET and HEAD are served; anything else gets 405 with "Allow: GET, HEAD".
//   - The server's own errors (a failed Accept, a bad TLS handshake) are logged as JSON through the given
//     zerolog.Logger, at most errorLogBurst lines a second, never as plain text on standard error.
//   - TLS and basic auth come from a web-config.yml file, read by github.com/prometheus/exporter-toolkit/web
//     exactly as Prometheus exporters read it, so Prometheus scrapes the server with its usual tls_config and
//     basic_auth. The file is read again for every connection and request: a changed certificate or password
//     takes effect without a restart.
package httpserver

import (
	"context"
	"errors"
	"log"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/exporter-toolkit/web"
	"github.com/rs/zerolog"

	"github.com/levelmeter/levelmeter/internal/httpheader"
)

// Defaults of the Options left zero.
const (
	DefaultMaxHeaderBytes    = 16 << 10
	DefaultReadHeaderTimeout = 5 * time.Second
	DefaultReadTimeout       = 10 * time.Second
	DefaultWriteTimeout      = 30 * time.Second
	DefaultIdleTimeout       = 60 * time.Second
	DefaultMaxConnections    = 2048 // 1536 viewers of the page or watch at once; an open connection costs ~20 KB
	DefaultMaxRequests       = 40
	DefaultMetricsPath       = "/metrics"
)

// Options configure a Server. Zero values select the defaults above.
type Options struct {
	// Handler serves the requests that pass the checks.
	Handler http.Handler
	// Log receives the server's own errors and, from the exporter toolkit, a line saying whether TLS is on.
	Log zerolog.Logger

	// AllowedHosts are the host names and IPv4 addresses (without port) served besides localhost, *.localhost, the
	// loopback addresses and the address a client connected to (an address behind NAT or a port mapping),
	// compared without regard to case. An entry starting with a dot (".example.org") allows that domain and
	// every name under it; "*" allows any host and turns the check off.
	AllowedHosts []string
	// WebConfigFile is the path of a web-config.yml (TLS and basic auth, in the exporter toolkit's format);
	// "" serves plain HTTP with no authentication.
	WebConfigFile string

	// MaxHeaderBytes caps a request's header, request line included; larger ones get 431. Values below
	// minHeaderBytes are raised to it.
	MaxHeaderBytes int
	// ReadHeaderTimeout is how long a connection may take to send a request's header.
	ReadHeaderTimeout time.Duration
	// ReadTimeout is how long reading a whole request may take. It does not apply to StreamPaths.
	ReadTimeout time.Duration
	// WriteTimeout is how long writing a response may take. It does not apply to StreamPaths.
	WriteTimeout time.Duration
	// IdleTimeout is how long a keep-alive connection may wait for its next request.
	IdleTimeout time.Duration

	// MaxConnections is how many connections may be open at once; negative means no limit.
	MaxConnections int
	// MaxRequests is how many requests to MetricsPath may run at once; negative means no limit.
	MaxRequests int
	// MetricsPath is the path MaxRequests limits.
	MetricsPath string
	// StreamPaths are the paths of long-lived responses, exempt from ReadTimeout and WriteTimeout; nil selects
	// {"/events"}.
	StreamPaths []string
	// MaxStreams is how many requests to StreamPaths may run at once. 0 selects MaxConnections less a quarter
	// (at least one); more than MaxConnections − 1 is lowered to that, so that a connection is always left for
	// a scrape. Negative means no limit of its own: MaxConnections − 1, or none when MaxConnections is
	// negative (no limit either).
	MaxStreams int
	// PostPaths are the paths that also take POST (an action, such as /api/reset); their handlers check the
	// method and the request's origin themselves. Every other path serves GET and HEAD only.
	PostPaths []string
}

// A Server is an http.Server with the package's limits and checks. Make one with New.
type Server struct {
	opts  Options
	srv   *http.Server
	conns *connTracker
	log   *slog.Logger

	mu sync.Mutex
	ln *limitListener
}

// New returns a Server for opts. It does not listen; call Serve.
func New(opts Options) *Server {
	if opts.MaxHeaderBytes <= 0 {
		opts.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	opts.MaxHeaderBytes = max(opts.MaxHeaderBytes, minHeaderBytes)
	if opts.ReadHeaderTimeout <= 0 {
		opts.ReadHeaderTimeout = DefaultReadHeaderTimeout
	}
	if opts.ReadTimeout <= 0 {
		opts.ReadTimeout = DefaultReadTimeout
	}
	if opts.WriteTimeout <= 0 {
		opts.WriteTimeout = DefaultWriteTimeout
	}
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = DefaultIdleTimeout
	}
	if opts.MaxConnections == 0 {
		opts.MaxConnections = DefaultMaxConnections
	}
	if opts.MaxRequests == 0 {
		opts.MaxRequests = DefaultMaxRequests
	}
	if opts.MetricsPath == "" {
		opts.MetricsPath = DefaultMetricsPath
	}
	if opts.StreamPaths == nil {
		opts.StreamPaths = []string{"/events"}
	}
	if opts.MaxConnections > 0 {
		if opts.MaxStreams == 0 {
			opts.MaxStreams = opts.MaxConnections - max(1, opts.MaxConnections/4)
		}
		if opts.MaxStreams < 0 || opts.MaxStreams > opts.MaxConnections-1 {
			opts.MaxStreams = opts.MaxConnections - 1
		}
	} else if opts.MaxStreams == 0 {
		opts.MaxStreams = -1
	}
	if opts.Handler == nil {
		opts.Handler = http.NotFoundHandler()
	}
	logger := opts.Log.With().Str("component", "http").Logger()
	s := &Server{opts: opts, conns: newConnTracker()}
	s.log = slog.New(zerolog.NewSlogHandler(logger))
	s.srv = &http.Server{
		Handler:           s.handler(logger),
		MaxHeaderBytes:    opts.MaxHeaderBytes - headerSlop,
		ReadHeaderTimeout: opts.ReadHeaderTimeout,
		ReadTimeout:       opts.ReadTimeout,
		WriteTimeout:      opts.WriteTimeout,
		IdleTimeout:       opts.IdleTimeout,
		ErrorLog:          log.New(newErrorWriter(logger), "", 0),
		ConnState:         s.conns.track,
	}
	return s
}

// headerSlop is what net/http adds to Server.MaxHeaderBytes before it stops reading a request's header ("bufio
// slop": its connection reader may read ahead of the header's end by up to its buffer). It stops at exactly the
// limit, so a header fits if and only if it is at most the limit long: the server gives it MaxHeaderBytes
// less the slop. See initialReadLimitSize in net/http's server.go.
const headerSlop = 4096

// minHeaderBytes is the smallest header cap the server can set: net/http's limit is at least headerSlop + 1.
const minHeaderBytes = headerSlop + 1

// handler is the chain every request goes through, outermost first. httpheader.Secure goes around it all in
// Serve, around the exporter toolkit's handler too.
func (s *Server) handler(logger zerolog.Logger) http.Handler {
	h := s.opts.Handler
	h = limitRequests(h, s.opts.MetricsPath, s.opts.MaxRequests)
	h = streamDeadlines(h, s.opts.StreamPaths)
	h = limitStreams(h, s.opts.StreamPaths, s.opts.MaxStreams, logger)
	h = onlyGetHead(h, s.opts.PostPaths)
	h = checkHost(h, s.opts.AllowedHosts)
	return h
}

// Serve serves connections from ln, over TLS and with basic auth when the web-config file says so, until
// Shutdown or Close. It returns http.ErrServerClosed after those, or the error that stopped it: one reading the
// web-config file among them. Serve takes ownership of ln.
func (s *Server) Serve(ln net.Listener) error {
	if s.opts.MaxConnections > 0 {
		ll := newLimitListener(ln, s.opts.MaxConnections, s.conns.reclaim)
		s.mu.Lock()
		s.ln = ll
		s.mu.Unlock()
		ln = ll
	}
	// The exporter toolkit replaces the http.Server's Handler with its own (basic auth, its rate limit) around
	// ours, in web.Serve, before the first Accept; there the headers go around whatever it is. The first Accept
	// runs on the goroutine that set Handler, before any connection's goroutine reads it.
	ln = &firstAccept{Listener: ln, first: func() { s.srv.Handler = httpheader.Secure(s.srv.Handler) }}
	file := s.opts.WebConfigFile
	systemd := false
	addrs := []string{ln.Addr().String()}
	err := web.Serve(ln, s.srv, &web.FlagConfig{WebListenAddresses: &addrs, WebSystemdSocket: &systemd, WebConfigFile: &file}, s.log)
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		ln.Close() // web.Serve may return before the http.Server took ln over
	}
	return err
}

// Shutdown stops accepting connections and waits, until ctx is done, for the open requests to end, as
// http.Server.Shutdown does. Event streams must be ended by their handler (web.Server.Close) first.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.srv.Shutdown(ctx)
	s.closeListener()
	return err
}

// Close closes the listener and every connection at once.
func (s *Server) Close() error {
	err := s.srv.Close()
	s.closeListener()
	return err
}

// closeListener closes the listener if the http.Server has not: it closes only the listeners it has started to
// serve. Closing it ends an Accept waiting for a free connection slot.
func (s *Server) closeListener() {
	s.mu.Lock()
	ll := s.ln
	s.mu.Unlock()
	if ll != nil {
		ll.Close()
	}
}

// OpenConnections returns the number of connections open now: those holding a slot under MaxConnections,
// or, without a limit, those the http.Server tracks.
func (s *Server) OpenConnections() int {
	s.mu.Lock()
	ll := s.ln
	s.mu.Unlock()
	if ll != nil {
		return len(ll.slots)
	}
	return s.conns.open()
}

// connTracker keeps the server's connections by state, so that a full listener can make room.
type connTracker struct {
	mu    sync.Mutex
	idle  map[net.Conn]struct{}
	fresh map[net.Conn]time.Time // connected, no request yet: when
	all   map[net.Conn]struct{}
}

func newConnTracker() *connTracker {
	return &connTracker{idle: map[net.Conn]struct{}{}, fresh: map[net.Conn]time.Time{}, all: map[net.Conn]struct{}{}}
}

func (t *connTracker) track(c net.Conn, st http.ConnState) {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch st {
	case http.StateNew:
		t.all[c] = struct{}{}
		t.fresh[c] = time.Now()
	case http.StateActive:
		delete(t.idle, c)
		delete(t.fresh, c)
	case http.StateIdle:
		t.idle[c] = struct{}{}
	case http.StateClosed, http.StateHijacked:
		delete(t.all, c)
		delete(t.idle, c)
		delete(t.fresh, c)
	}
}

// staleAfter is how long a connection may go without a complete request before a full listener may close it to
// make room: a client that means it sends its request at once, a slowloris one never. It is long enough that a
// request waiting in the socket while a busy machine has not run the server's goroutine yet is not taken for
// slowloris.
const staleAfter = time.Second

// reclaim closes a connection to make room for a new one, and says whether it did: an idle keep-alive
// connection, or else the oldest connection still without a request after staleAfter (ReadHeaderTimeout would
// close it anyway). Connections with a request running, event streams among them, are never closed.
func (t *connTracker) reclaim() bool {
	t.mu.Lock()
	var victim net.Conn
	for c := range t.idle {
		victim = c
		break
	}
	if victim == nil {
		oldest := time.Now().Add(-staleAfter)
		for c, at := range t.fresh {
			if at.Before(oldest) {
				victim, oldest = c, at
			}
		}
	}
	if victim != nil {
		delete(t.idle, victim)
		delete(t.fresh, victim)
	}
	t.mu.Unlock()
	if victim == nil {
		return false
	}
	victim.Close()
	return true
}

func (t *connTracker) open() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.all)
}

// streamDeadlines lifts the server's read and write deadlines from requests to paths. The http.Server sets the
// write deadline when a request's header has been read, so a stream that does not move it itself is cut
// WriteTimeout after it began; web.Server moves it before each write, and this keeps any other stream whole too.
// (Go clears the read deadline itself once a request without a body is read.)
func streamDeadlines(h http.Handler, paths []string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if slices.Contains(paths, r.URL.Path) {
			rc := http.NewResponseController(w)
			rc.SetReadDeadline(time.Time{})
			rc.SetWriteDeadline(time.Time{})
		}
		h.ServeHTTP(w, r)
	})
}

// limitRequests answers 503 to requests to path beyond max running at once.
func limitRequests(h http.Handler, path string, max int) http.Handler {
	return limitPaths(h, []string{path}, max, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "1")
		http.Error(w, "levelmeter: too many concurrent requests to "+path+", try again later", http.StatusServiceUnavailable)
	})
}

// limitPaths lets at most max requests to paths run at once and answers those beyond with refuse, at once;
// negative max means no limit. Requests to other paths pass.
func limitPaths(h http.Handler, paths []string, max int, refuse http.HandlerFunc) http.Handler {
	if max < 0 {
		return h
	}
	sem := make(chan struct{}, max)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !slices.Contains(paths, r.URL.Path) {
			h.ServeHTTP(w, r)
			return
		}
		select {
		case sem <- struct{}{}:
			defer func() { <-sem }()
			h.ServeHTTP(w, r)
		default:
			refuse(w, r)
		}
	})
}

// onlyGetHead answers 405 to any method but GET and HEAD, except on the paths given, whose handlers judge the
// method: nothing else the daemon serves changes anything.
func onlyGetHead(h http.Handler, post []string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead && !slices.Contains(post, r.URL.Path) {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "levelmeter: method "+r.Method+" is not allowed: only GET and HEAD are served", http.StatusMethodNotAllowed)
			return
		}
		h.ServeHTTP(w, r)
	})
}
