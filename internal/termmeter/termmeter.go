// Package termmeter draws a running levelmeter daemon's meters in a terminal: it follows the daemon's event stream
// (/events of the web meter) and redraws at most 30 times a second.
//
// Guarantees:
//   - Nothing that came from the network reaches the terminal raw: source names, channel labels, the version,
//     error texts of the sources and of the remote endpoint pass through [Sanitize], which escapes control
//     characters (C0, DEL, C1, and so every escape sequence) and invalid UTF-8. The errors Run returns are
//     sanitized too. This holds in every mode, with or without colour.
//   - Escape codes are written only when Out is a terminal: colours when Color is set, and (without Once) the
//     alternate screen and cursor movements. No line is wider than the terminal (100 columns when Out is not
//     one), whatever the stream holds.
//   - On a terminal the meter draws on the alternate screen and restores the user's screen and cursor before Run
//     returns, whatever ends it.
//   - A stream that stays silent for 40 s (a hung daemon; the server sends a heartbeat at least every 15 s) is
//     closed and, once the meter has connected, retried every second until the context ends.
package termmeter

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/levelmeter/levelmeter/web"
)

// Options says which daemon to follow and how to draw it.
type Options struct {
	// URL is the base URL of the daemon's HTTP server, such as "http://127.0.0.1:9464"; the event stream is
	// URL + "/events".
	URL string
	// Addr names the daemon in the header line; URL when empty. A password in either is shown as "xxxxx"
	// (see RedactAddr).
	Addr string
	// Once prints the current levels once (every source of the stream's hello has reported), without escape
	// codes for the screen, and returns.
	Once bool
	// Color draws in colour when Out is a terminal.
	Color bool
	// Out receives the meter; a terminal (an *os.File on a tty) gets the alternate screen, its width and colour.
	Out io.Writer
}

// A StatusError is returned by Run when the address answered /events with something other than an event stream:
// not a levelmeter daemon, or one without the web meter, or one shutting down.
type StatusError struct {
	Status string // the HTTP status line, sanitized
	Body   string // the start of the answer's first line, sanitized; may be empty
}

func (e *StatusError) Error() string {
	s := "termmeter: /events answered " + e.Status
	if e.Body != "" {
		s += " (" + e.Body + ")"
	}
	return s
}

// A ConnectError is returned by Run when no event stream could be opened at all: nothing listens at the address,
// or the connection failed before any stream was read. Err is the cause without the URL ("connection refused").
type ConnectError struct {
	Err error
}

func (e *ConnectError) Error() string { return "termmeter: cannot connect: " + e.Err.Error() }
func (e *ConnectError) Unwrap() error { return e.Err }

// A cleanError carries an error whose text may hold what a remote endpoint sent; its text is sanitized.
type cleanError struct{ err error }

func (e cleanError) Error() string { return Sanitize(e.err.Error()) }
func (e cleanError) Unwrap() error { return e.err }

// Run follows the daemon's event stream and draws it until ctx ends (it then returns nil) or, with Once, until
// every source has been drawn once. It returns a *ConnectError when it never connected, a *StatusError when the
// address is not a daemon's event stream, and with Once any error that ends the stream; without Once it
// reconnects after an error once it has connected.
func Run(ctx context.Context, opts Options) error {
	base, err := url.Parse(opts.URL)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return fmt.Errorf("termmeter: %q is not an http URL", RedactAddr(opts.URL))
	}
	base.Path = strings.TrimSuffix(base.Path, "/")
	m := &meter{base: base, addr: RedactAddr(opts.Addr), out: opts.Out, once: opts.Once}
	if m.addr == "" {
		m.addr = RedactAddr(opts.URL)
	}
	m.width, m.tty = terminalWidth(opts.Out)
	m.color = m.tty && opts.Color
	return m.run(ctx)
}

// A meter follows one daemon's event stream and draws it.
type meter struct {
	base          *url.URL
	addr          string
	out           io.Writer
	width         int
	tty, color    bool
	alt           bool // the terminal shows the alternate screen
	once          bool
	version       string
	sources       map[string]*source
	status        string // "live", or why not
	everConnected bool
}

// A source is the latest report of one source and the labels of its channels.
type source struct {
	*web.Update
	labels []string // from the event stream; nil when it carries none
}

func (m *meter) run(ctx context.Context) error {
	m.sources = map[string]*source{}
	defer m.leaveScreen()
	for {
		err := m.follow(ctx)
		if ctx.Err() != nil || (m.once && err == nil) {
			return nil
		}
		var se *StatusError
		switch {
		case errors.As(err, &se):
			return err
		case !m.everConnected:
			return cleanError{&ConnectError{Err: cause(err)}}
		case m.once:
			return cleanError{err}
		}
		m.status = "disconnected, reconnecting"
		m.draw()
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Second):
		}
	}
}

// enterScreen switches a terminal to the alternate screen, which keeps the user's scrollback, and hides the
// cursor while drawing.
func (m *meter) enterScreen() {
	if m.tty && !m.once && !m.alt {
		io.WriteString(m.out, "\x1b[?1049h\x1b[?25l")
		m.alt = true
	}
}

// leaveScreen undoes enterScreen.
func (m *meter) leaveScreen() {
	if m.alt {
		io.WriteString(m.out, "\x1b[?25h\x1b[?1049l")
		m.alt = false
	}
}

// cause strips the URL and operation from a connection error, leaving "connection refused" and the like.
func cause(err error) error {
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return op.Err
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// statusError describes an answer that is not an event stream, with the start of its body, which often says
// why (a daemon shutting down answers 503 "levelmeter is shutting down").
func statusError(resp *http.Response) *StatusError {
	line, _ := bufio.NewReader(io.LimitReader(resp.Body, 200)).ReadString('\n')
	line = strings.TrimSpace(line)
	if r := []rune(line); len(r) > 80 {
		line = string(r[:79]) + "…"
	}
	return &StatusError{Status: Sanitize(resp.Status), Body: Sanitize(line)}
}

// follow reads the event stream until it ends, drawing as reports arrive.
func (m *meter) follow(ctx context.Context) error {
	u := *m.base
	u.Path += "/events"
	req, err := http.NewRequestWithContext(ctx, "GET", u.String(), nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "text/event-stream")
	client := &http.Client{Transport: &http.Transport{
		DialContext:           (&net.Dialer{Timeout: 3 * time.Second}).DialContext,
		ResponseHeaderTimeout: 5 * time.Second,
	}}
	defer client.CloseIdleConnections()
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		return statusError(resp)
	}
	m.everConnected = true
	m.status = "live"
	m.enterScreen()

	// A stream that falls silent (a daemon that hangs) is closed after a while; the server sends a heartbeat
	// at least every 15 s.
	body := &idleReader{r: resp.Body, timeout: 40 * time.Second}
	stopIdle := body.watch(ctx, resp.Body)
	defer stopIdle()

	// One goroutine reads the events; this one draws at most 30 times a second.
	events := make(chan web.Event)
	readErr := make(chan error, 1)
	go func() {
		er := web.NewEventReader(body)
		for {
			ev, err := er.Next()
			if err != nil {
				readErr <- err
				return
			}
			select {
			case events <- ev:
			case <-ctx.Done():
				readErr <- ctx.Err()
				return
			}
		}
	}()
	defer func() {
		resp.Body.Close()
		<-readErr
	}()
	frame := time.NewTicker(33 * time.Millisecond)
	defer frame.Stop()
	dirty := false

	var want map[string]bool // for Once: the sources of the hello that have not reported yet
	for {
		var ev web.Event
		select {
		case <-frame.C:
			if dirty {
				m.draw()
				dirty = false
			}
			continue
		case err := <-readErr:
			readErr <- err // for the deferred wait
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if err == io.EOF {
				err = errors.New("the daemon closed the stream")
			}
			return err
		case ev = <-events:
		}
		switch ev.Name {
		case "hello":
			var h web.Hello
			if json.Unmarshal(ev.Data, &h) == nil {
				m.version = h.Version
				want = map[string]bool{}
				for _, s := range h.Sources {
					want[s] = true
				}
			}
		case "report":
			s, err := decodeReport(ev.Data)
			if err != nil {
				return fmt.Errorf("a report the meter cannot read: %v", err)
			}
			m.sources[s.Source] = s
			delete(want, s.Source)
			if m.once && len(want) == 0 {
				m.draw()
				return nil
			}
			dirty = !m.once
		}
	}
}

// decodeReport reads a "report" event: a web.Update, and the channels' labels where the stream carries them
// (as "labels": [...] beside the channels, or as each channel's "label").
func decodeReport(data []byte) (*source, error) {
	var r struct {
		Labels   []string `json:"labels"`
		Channels []struct {
			Label string `json:"label"`
		} `json:"channels"`
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, err
	}
	u := new(web.Update)
	if err := json.Unmarshal(data, u); err != nil {
		return nil, err
	}
	s := &source{Update: u}
	if len(r.Labels) == len(u.Channels) {
		s.labels = r.Labels
	} else if len(r.Channels) == len(u.Channels) && len(u.Channels) > 0 {
		s.labels = make([]string, len(r.Channels))
		for i, c := range r.Channels {
			if c.Label == "" {
				s.labels = nil
				break
			}
			s.labels[i] = c.Label
		}
	}
	return s, nil
}

// idleReader closes a stream that has been silent for timeout.
type idleReader struct {
	r       io.Reader
	timeout time.Duration
	seen    chan struct{}
}

func (ir *idleReader) Read(p []byte) (int, error) {
	n, err := ir.r.Read(p)
	if n > 0 {
		select {
		case ir.seen <- struct{}{}:
		default:
		}
	}
	return n, err
}

func (ir *idleReader) watch(ctx context.Context, c io.Closer) (stop func()) {
	ir.seen = make(chan struct{}, 1)
	done := make(chan struct{})
	go func() {
		t := time.NewTimer(ir.timeout)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-ir.seen:
				t.Reset(ir.timeout)
			case <-t.C:
				c.Close()
				return
			}
		}
	}()
	return func() { close(done) }
}
