package httpserver

import (
	"bytes"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/levelmeter/levelmeter/internal/httpheader"
)

// reclaimEvery is how often a full listener asks again for a connection to be closed.
const reclaimEvery = 100 * time.Millisecond

// A limitListener lets at most cap(slots) of its connections be open at once. At the limit, Accept asks reclaim
// to close a connection to make room, again every reclaimEvery, until one closes: newcomers wait in the kernel's
// backlog, where they cost the process neither memory nor a file descriptor.
type limitListener struct {
	net.Listener
	slots     chan struct{}
	reclaim   func() bool
	done      chan struct{}
	closeOnce sync.Once
}

func newLimitListener(ln net.Listener, n int, reclaim func() bool) *limitListener {
	return &limitListener{Listener: ln, slots: make(chan struct{}, n), reclaim: reclaim, done: make(chan struct{})}
}

func (l *limitListener) acquire() bool {
	select {
	case l.slots <- struct{}{}:
		return true
	case <-l.done:
		return false
	default:
	}
	t := time.NewTicker(reclaimEvery)
	defer t.Stop()
	for {
		l.reclaim()
		select {
		case l.slots <- struct{}{}:
			return true
		case <-l.done:
			return false
		case <-t.C:
		}
	}
}

func (l *limitListener) Accept() (net.Conn, error) {
	if !l.acquire() {
		return nil, net.ErrClosed
	}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.slots
		return nil, err
	}
	return &limitConn{Conn: c, release: func() { <-l.slots }}, nil
}

func (l *limitListener) Close() error {
	err := net.ErrClosed
	l.closeOnce.Do(func() {
		close(l.done)
		err = l.Listener.Close()
	})
	return err
}

// A limitConn gives its slot back when it is first closed.
type limitConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}

// A firstAccept calls first once, in its first Accept, before it accepts, and hands out its connections as
// rawErrorConns.
type firstAccept struct {
	net.Listener
	first func()
	once  sync.Once
}

func (l *firstAccept) Accept() (net.Conn, error) {
	l.once.Do(l.first)
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &rawErrorConn{Conn: c}, nil
}

// A rawErrorConn adds the security headers to the answers net/http writes straight to the connection, outside
// any handler: 431 for a header over the cap, 400 for a malformed request, 501 for an unknown transfer coding
// (each one Write of the form "HTTP/1.1 <status>" + rawErrorHeaders + text), and on a TLS port the 400 to a
// plain HTTP request ("HTTP/1.0 400 Bad Request\r\n\r\n" + text, written under the TLS layer). It recognises
// them by that exact form, which no answer through a handler has (those carry Date and a length or chunking).
// Under TLS the first three are written through the TLS layer, above this connection, and stay as they are.
type rawErrorConn struct {
	net.Conn
}

// rawErrorHeaders end the header of net/http's own error answers (errorHeaders in its server.go).
const rawErrorHeaders = "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"

// rawPlainToTLS is the header of net/http's answer to plain HTTP on a TLS port.
const rawPlainToTLS = "HTTP/1.0 400 Bad Request\r\n\r\n"

// securityLines are httpheader.Values as header lines, each after a line end.
var securityLines = func() string {
	var b strings.Builder
	for _, kv := range httpheader.Values {
		b.WriteString("\r\n" + kv[0] + ": " + kv[1])
	}
	return b.String()
}()

func (c *rawErrorConn) Write(p []byte) (int, error) {
	if q := withSecurityHeaders(p); q != nil {
		if _, err := c.Conn.Write(q); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	return c.Conn.Write(p)
}

// withSecurityHeaders returns p with the security headers added if p is one of net/http's own error answers,
// else nil.
func withSecurityHeaders(p []byte) []byte {
	if !bytes.HasPrefix(p, []byte("HTTP/1.")) {
		return nil
	}
	end := bytes.Index(p, []byte("\r\n\r\n"))
	if end < 0 {
		return nil
	}
	status := bytes.IndexByte(p, '\n') - 1 // the status line's end
	switch {
	case bytes.HasPrefix(p, []byte(rawPlainToTLS)):
	case string(p[status:end+4]) == rawErrorHeaders:
	default:
		return nil
	}
	q := make([]byte, 0, len(p)+len(securityLines))
	q = append(q, p[:end]...)
	q = append(q, securityLines...)
	return append(q, p[end:]...)
}
