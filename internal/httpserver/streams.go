package httpserver

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/rs/zerolog"
)

// refusalLogEvery is how often, at most, a burst of refused event streams is logged after its first refusal.
const refusalLogEvery = 10 * time.Second

// limitStreams answers 503 to requests to paths beyond max running at once, so that streams, which never end by
// themselves and which a full listener never closes, cannot take every connection (see Options.MaxStreams).
// The answer closes the connection: a refused client's connection would only hold a slot.
// Refusals are logged to log (see refusalLog).
func limitStreams(h http.Handler, paths []string, max int, log zerolog.Logger) http.Handler {
	refusals := &refusalLog{log: log, every: refusalLogEvery, max: max}
	return limitPaths(h, paths, max, func(w http.ResponseWriter, r *http.Request) {
		refusals.refused(r.URL.Path)
		w.Header().Set("Retry-After", "10")
		w.Header().Set("Connection", "close")
		http.Error(w, "levelmeter: "+strconv.Itoa(max)+" event streams are open, the most the server allows at once; try again later",
			http.StatusServiceUnavailable)
	})
}

// A refusalLog logs refused streams: the first of a burst at once, then at most one line every every, which
// counts the refusals since the line before.
type refusalLog struct {
	log   zerolog.Logger
	every time.Duration
	max   int // the streams allowed at once, for the line

	mu      sync.Mutex
	last    time.Time // of the last line
	pending int64     // refusals not yet logged
}

func (l *refusalLog) refused(path string) {
	now := time.Now()
	l.mu.Lock()
	l.pending++
	if !l.last.IsZero() && now.Sub(l.last) < l.every {
		l.mu.Unlock()
		return
	}
	n := l.pending
	l.pending, l.last = 0, now
	l.mu.Unlock()
	l.log.Warn().Str("path", path).Int("max_streams", l.max).Int64("refused", n).
		Msg("event streams at their limit: refusing new ones with 503 so that scrapes and health checks get through")
}
