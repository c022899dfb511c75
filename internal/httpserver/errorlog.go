package httpserver

import (
	"bytes"
	"sync"
	"time"

	"github.com/rs/zerolog"
)

// errorLogBurst is how many of the http.Server's error lines are logged in a second; the rest are counted and
// the count is logged with the next line that is. A flood of failed handshakes or a file-descriptor shortage
// ("http: Accept error: ... too many open files; retrying in 1s") must not flood the log as well.
const errorLogBurst = 10

// An errorWriter is the io.Writer under the http.Server's log.Logger: each line becomes a JSON warning.
type errorWriter struct {
	log zerolog.Logger

	mu         sync.Mutex
	second     time.Time
	n          int
	suppressed int64
}

func newErrorWriter(l zerolog.Logger) *errorWriter { return &errorWriter{log: l} }

func (w *errorWriter) Write(p []byte) (int, error) {
	now := time.Now()
	w.mu.Lock()
	if now.Sub(w.second) >= time.Second {
		w.second, w.n = now, 0
	}
	w.n++
	if w.n > errorLogBurst {
		w.suppressed++
		w.mu.Unlock()
		return len(p), nil
	}
	suppressed := w.suppressed
	w.suppressed = 0
	w.mu.Unlock()

	e := w.log.Warn()
	if suppressed > 0 {
		e = e.Int64("suppressed", suppressed)
	}
	e.Msg(string(bytes.TrimRight(p, "\n")))
	return len(p), nil
}
