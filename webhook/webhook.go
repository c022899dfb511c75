// Package webhook sends levelmeter's alarm events as JSON to HTTP receivers (chat bridges, paging services,
// automation), each receiver independently of the others and of the caller.
//
// # Guarantees
//
//   - Enqueue never waits for a receiver and never allocates: it copies the Event into a queue preallocated per
//     receiver, under a lock that is only ever held to copy one event in or out, and returns. A receiver that
//     hangs, fails or is down delays nothing but its own queue.
//   - Each receiver has a bounded queue. When it is full the OLDEST queued event is dropped to make room, and
//     counted: after an outage the events that reach the receiver are the latest ones, so the last event a
//     receiver gets for an alarm tells its current state (dropping the newest would keep stale starts and lose
//     the ends that clear them).
//   - Delivery is at least once per event and receiver while nothing is dropped: a request that fails with a
//     network error, a timeout, 408, 429 or a 5xx status is retried up to Target.Retries times with exponential
//     backoff and jitter (a Retry-After header is honoured up to Target.MaxBackoff). Any other status is final
//     (a 4xx will not heal by resending); redirects are not followed, so headers such as Authorization go only to
//     the configured URL. A retry after a lost response may repeat an event: receivers can tell by host and seq.
//   - Events go to one receiver in the order they were enqueued, one request at a time.
//   - Close stops accepting events, sends what is queued until its context ends, then abandons the rest (in-flight
//     requests are cancelled) and counts it as dropped.
//
// # The request
//
// Each event is one POST with Content-Type application/json, User-Agent levelmeter/VERSION, the receiver's
// configured headers, and a body such as
//
//	{"source":"studio","alarm":"silence","state":"end","time":"2026-11-29T19:10:41.123Z",
//	 "values":{"value":-87.5,"threshold":-60},"duration_seconds":12.4,"reason":"cleared",
//	 "host":"meter1","version":"v1.4.0","seq":17}
//
// time is RFC 3339 in UTC with milliseconds; values.value and values.threshold are null when not finite (digital
// silence is -Inf dBFS); values.channel (0-based) is present only for an alarm about one channel;
// duration_seconds and reason only on "end", reason "cleared" when the condition went away and "source_stopped"
// when the source stopped (its file ended, the daemon shut down, a reload removed it) with the alarm active; seq numbers the events of one Notifier from 1, the same for every receiver.
// Any 2xx status is success.
//
// # Counters
//
// Stats returns, and the Notifier as a prometheus.Collector exports, per receiver:
//
//	levelmeter_webhook_events_sent_total{webhook}     events a receiver accepted (2xx)
//	levelmeter_webhook_events_failed_total{webhook}   events given up after the last retry or a final status
//	levelmeter_webhook_events_dropped_total{webhook}  events dropped from a full queue or abandoned by Close
//	levelmeter_webhook_retries_total{webhook}         requests repeated after a retryable failure
//	levelmeter_webhook_queue_length{webhook}          events waiting
//
// The label is the receiver's configured Name, never its URL: webhook URLs often carry a token in their path or
// query, and metrics are read by everyone who can reach /metrics. A Target without a Name is named after its URL's
// scheme, host and path, without user information, query or fragment.
package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
)

// Defaults for the zero values of Target's fields.
const (
	DefaultTimeout    = 5 * time.Second
	DefaultRetries    = 5
	DefaultQueue      = 256
	DefaultBackoff    = 500 * time.Millisecond
	DefaultMaxBackoff = 30 * time.Second
)

// ErrTarget is wrapped by every error New returns for a bad Target.
var ErrTarget = errors.New("webhook: invalid target")

// A Target is one receiver.
type Target struct {
	// Name labels the receiver in metrics and logs; "" derives one from URL (see the package documentation).
	Name string
	// URL is an http or https URL the events are POSTed to.
	URL string
	// Headers are added to every request, e.g. Authorization. Content-Type and User-Agent are set by the
	// Notifier.
	Headers map[string]string
	// Timeout bounds one request, connection included; 0 selects DefaultTimeout.
	Timeout time.Duration
	// Retries is how often a failed request is repeated; 0 selects DefaultRetries, a negative value none.
	Retries int
	// Queue is how many events wait at most; 0 selects DefaultQueue.
	Queue int
	// Backoff is the wait before the first retry, doubled for each further one up to MaxBackoff, each wait
	// drawn at random between half and all of it. Zero selects DefaultBackoff (at most MaxBackoff) and
	// DefaultMaxBackoff (at least Backoff); MaxBackoff below Backoff is an error.
	Backoff, MaxBackoff time.Duration
}

// Options configure a Notifier.
type Options struct {
	Version string // sent as "version" and in the User-Agent; "" reads "unknown"
	Host    string // sent as "host"; "" selects os.Hostname
	// Log receives a warning per event that failed for good and per run of drops; the zero Logger discards.
	Log zerolog.Logger
}

// A Notifier delivers events to its targets. Create one with New and end it with Close; its methods are safe for
// concurrent use.
type Notifier struct {
	targets []*target
	client  *http.Client
	host    string
	version string
	log     zerolog.Logger
	seq     atomic.Uint64

	closing   chan struct{} // closed by Close: send what is queued, then stop
	closeOnce sync.Once
	abortCtx  context.Context // cancelled when Close's context ends: give up at once
	abort     context.CancelFunc
	wg        sync.WaitGroup
}

// target is one receiver and its queue.
type target struct {
	name, url  string
	header     http.Header
	timeout    time.Duration
	retries    int
	backoff    time.Duration
	maxBackoff time.Duration

	mu     sync.Mutex
	q      []item // a ring of len(q) slots
	head   int    // index of the oldest item
	n      int    // items queued
	closed bool
	wake   chan struct{} // capacity 1: "the queue may have items"

	sent, failed, dropped, retried atomic.Uint64
	loggedDrops                    uint64 // dropped count last logged; the sender goroutine's own
}

type item struct {
	ev  Event
	seq uint64
}

// New validates the targets and starts one sender goroutine per target. Close must be called to stop them.
func New(targets []Target, opts Options) (*Notifier, error) {
	if opts.Version == "" {
		opts.Version = "unknown"
	}
	if opts.Host == "" {
		opts.Host, _ = os.Hostname()
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	n := &Notifier{
		client: &http.Client{
			Transport: transport,
			// Not following redirects keeps configured credentials with the configured URL.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		host:    opts.Host,
		version: opts.Version,
		log:     opts.Log,
		closing: make(chan struct{}),
	}
	n.abortCtx, n.abort = context.WithCancel(context.Background())
	names := map[string]bool{}
	for i, tc := range targets {
		t, err := newTarget(tc)
		if err != nil {
			n.abort()
			return nil, fmt.Errorf("%w %d: %w", ErrTarget, i+1, err)
		}
		if names[t.name] {
			n.abort()
			return nil, fmt.Errorf("%w %d: name %q is used twice; give each target its own name", ErrTarget, i+1, t.name)
		}
		names[t.name] = true
		n.targets = append(n.targets, t)
	}
	for _, t := range n.targets {
		n.wg.Add(1)
		go n.send(t)
	}
	return n, nil
}

func newTarget(tc Target) (*target, error) {
	u, err := url.Parse(tc.URL)
	if err != nil {
		// url.Parse's error repeats the URL, which may hold a secret.
		return nil, errors.New("url does not parse")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("url scheme %q: use http or https", u.Scheme)
	}
	if u.Host == "" {
		return nil, errors.New("url has no host")
	}
	name := tc.Name
	if name == "" {
		name = (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
	}
	header := http.Header{}
	for k, v := range tc.Headers {
		if k == "" || strings.ContainsAny(k, " \t\r\n:") || strings.ContainsAny(v, "\r\n") {
			return nil, fmt.Errorf("header %q: a name is one token and a value one line", k)
		}
		header.Set(k, v)
	}
	t := &target{
		name:       name,
		url:        tc.URL,
		header:     header,
		timeout:    orDefault(tc.Timeout, DefaultTimeout),
		retries:    tc.Retries,
		backoff:    orDefault(tc.Backoff, DefaultBackoff),
		maxBackoff: orDefault(tc.MaxBackoff, DefaultMaxBackoff),
		wake:       make(chan struct{}, 1),
	}
	switch {
	case tc.Retries == 0:
		t.retries = DefaultRetries
	case tc.Retries < 0:
		t.retries = 0
	}
	if tc.Timeout < 0 || tc.Backoff < 0 || tc.MaxBackoff < 0 || tc.Queue < 0 {
		return nil, errors.New("timeout, backoff and queue must not be negative")
	}
	if tc.Backoff == 0 && tc.MaxBackoff != 0 {
		t.backoff = min(DefaultBackoff, tc.MaxBackoff)
	}
	if tc.MaxBackoff == 0 {
		t.maxBackoff = max(DefaultMaxBackoff, t.backoff)
	}
	if t.maxBackoff < t.backoff {
		return nil, fmt.Errorf("max backoff %v is below backoff %v", t.maxBackoff, t.backoff)
	}
	t.q = make([]item, orDefault(tc.Queue, DefaultQueue))
	return t, nil
}

// orDefault returns v, or def when v is zero.
func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// Enqueue queues ev for every target and returns at once. It neither blocks nor allocates. After Close it only
// counts ev as dropped.
func (n *Notifier) Enqueue(ev Event) {
	seq := n.seq.Add(1)
	for _, t := range n.targets {
		t.mu.Lock()
		switch {
		case t.closed:
			t.dropped.Add(1)
		case t.n == len(t.q):
			// Full: the oldest event makes room; see the package documentation for why.
			t.q[t.head] = item{ev, seq}
			t.head = (t.head + 1) % len(t.q)
			t.dropped.Add(1)
		default:
			t.q[(t.head+t.n)%len(t.q)] = item{ev, seq}
			t.n++
		}
		t.mu.Unlock()
		select {
		case t.wake <- struct{}{}:
		default: // a wake-up is pending already
		}
	}
}

// pop takes the oldest queued item.
func (t *target) pop() (item, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.n == 0 {
		return item{}, false
	}
	it := t.q[t.head]
	t.q[t.head] = item{} // let the strings go
	t.head = (t.head + 1) % len(t.q)
	t.n--
	return it, true
}

func (t *target) queued() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.n
}

// send is a target's sender goroutine.
func (n *Notifier) send(t *target) {
	defer n.wg.Done()
	for {
		if n.abortCtx.Err() != nil {
			for _, ok := t.pop(); ok; _, ok = t.pop() {
				t.dropped.Add(1)
			}
			return
		}
		it, ok := t.pop()
		if ok {
			n.deliver(t, &it)
			n.logDrops(t)
			continue
		}
		select {
		case <-t.wake:
		case <-n.closing:
			if t.queued() == 0 {
				return
			}
		case <-n.abortCtx.Done():
		}
	}
}

// deliver sends one event, retrying as the package documentation says.
func (n *Notifier) deliver(t *target, it *item) {
	body, err := encode(&it.ev, n.host, n.version, it.seq)
	if err != nil { // only a bug could get here: every field encodes
		t.failed.Add(1)
		n.log.Error().Err(err).Str("webhook", t.name).Msg("webhook: cannot encode event")
		return
	}
	for attempt := 0; ; attempt++ {
		wait, retry, err := n.post(t, body)
		if err == nil {
			t.sent.Add(1)
			return
		}
		if n.abortCtx.Err() != nil {
			t.dropped.Add(1)
			return
		}
		if !retry || attempt >= t.retries {
			t.failed.Add(1)
			n.log.Warn().Err(err).Str("webhook", t.name).Str("source", it.ev.Source).Str("alarm", it.ev.Alarm).
				Str("state", it.ev.State).Int("attempts", attempt+1).Msg("webhook: event not delivered")
			return
		}
		t.retried.Add(1)
		if d := t.backoffFor(attempt); d > wait {
			wait = d
		}
		timer := time.NewTimer(min(wait, t.maxBackoff))
		select {
		case <-timer.C:
		case <-n.abortCtx.Done():
			timer.Stop()
			t.dropped.Add(1)
			return
		}
	}
}

// backoffFor returns the wait before retry number attempt+1: Backoff doubled attempt times, at most MaxBackoff,
// drawn at random from its upper half so that meters restarted together do not retry in step.
func (t *target) backoffFor(attempt int) time.Duration {
	d := t.backoff
	for i := 0; i < attempt && d < t.maxBackoff; i++ {
		d *= 2
	}
	d = min(d, t.maxBackoff)
	return d/2 + rand.N(d/2+1)
}

// StatusError is the error of a request the receiver answered with a status other than 2xx.
type StatusError struct{ Code int }

func (e *StatusError) Error() string {
	return "webhook: receiver answered " + strconv.Itoa(e.Code) + " " + http.StatusText(e.Code)
}

// post makes one request. It returns the error, whether a retry may help, and the wait the receiver asked for.
func (n *Notifier) post(t *target, body []byte) (wait time.Duration, retry bool, err error) {
	ctx, cancel := context.WithTimeout(n.abortCtx, t.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.url, bytes.NewReader(body))
	if err != nil {
		return 0, false, errors.New("webhook: cannot make a request for the url")
	}
	for k, v := range t.header {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "levelmeter/"+n.version)
	resp, err := n.client.Do(req)
	if err != nil {
		// *url.Error repeats the URL, which may hold a secret; the target's name identifies it instead.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		if ctx.Err() == context.DeadlineExceeded {
			err = fmt.Errorf("webhook: no answer within %v: %w", t.timeout, err)
		}
		return 0, true, err
	}
	// Reading the rest of the body lets the connection be reused.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return 0, false, nil
	}
	c := resp.StatusCode
	retry = c == http.StatusRequestTimeout || c == http.StatusTooManyRequests || c >= 500
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 && retry {
		wait = time.Duration(min(s, 86400)) * time.Second
	}
	return wait, retry, &StatusError{c}
}

// logDrops logs the events dropped since the last such line, at most once per delivery.
func (n *Notifier) logDrops(t *target) {
	d := t.dropped.Load()
	if d == t.loggedDrops {
		return
	}
	n.log.Warn().Str("webhook", t.name).Uint64("dropped", d-t.loggedDrops).Uint64("dropped_total", d).
		Msg("webhook: queue full, oldest events dropped")
	t.loggedDrops = d
}

// Close stops accepting events and sends those queued until ctx ends; then it cancels what is in flight and
// drops the rest. It returns when every sender has stopped, with ctx's error if events were abandoned. Calling
// it again waits the same way.
func (n *Notifier) Close(ctx context.Context) error {
	n.closeOnce.Do(func() {
		for _, t := range n.targets {
			t.mu.Lock()
			t.closed = true
			t.mu.Unlock()
		}
		close(n.closing)
	})
	done := make(chan struct{})
	go func() { n.wg.Wait(); close(done) }()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		n.abort()
		<-done
		err = fmt.Errorf("webhook: close: %w: queued events dropped", ctx.Err())
	}
	n.abort()
	n.client.CloseIdleConnections()
	return err
}

// Stats is a snapshot of one target's counters.
type Stats struct {
	Name                           string
	Sent, Failed, Dropped, Retried uint64
	Queued                         int
}

// Stats returns the targets' counters in the order of the targets given to New.
func (n *Notifier) Stats() []Stats {
	s := make([]Stats, len(n.targets))
	for i, t := range n.targets {
		s[i] = Stats{
			Name:    t.name,
			Sent:    t.sent.Load(),
			Failed:  t.failed.Load(),
			Dropped: t.dropped.Load(),
			Retried: t.retried.Load(),
			Queued:  t.queued(),
		}
	}
	return s
}
