package httpserver

import (
	"net"
	"sync"
	"time"
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

// A firstAccept calls first once, in its first Accept, before it accepts.
type firstAccept struct {
	net.Listener
	first func()
	once  sync.Once
}

func (l *firstAccept) Accept() (net.Conn, error) {
	l.once.Do(l.first)
	return l.Listener.Accept()
}
