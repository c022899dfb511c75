package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// receiver is a local webhook receiver that records what it gets and answers with status, or hangs until
// its request is cancelled or release is closed when status is 0.
type receiver struct {
	*httptest.Server
	status  int
	release chan struct{}
	arrived chan struct{} // gets a value as each request arrives, if there is room

	mu       sync.Mutex
	bodies   []map[string]any
	headers  []http.Header
	requests atomic.Int64
}

func newReceiver(t testing.TB, status int) *receiver {
	r := &receiver{status: status, release: make(chan struct{}), arrived: make(chan struct{}, 1)}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.requests.Add(1)
		raw, _ := io.ReadAll(req.Body)
		var body map[string]any
		if err := json.Unmarshal(raw, &body); err != nil {
			t.Errorf("receiver: body %q: %v", raw, err)
		}
		r.mu.Lock()
		r.bodies = append(r.bodies, body)
		r.headers = append(r.headers, req.Header.Clone())
		r.mu.Unlock()
		select {
		case r.arrived <- struct{}{}:
		default:
		}
		if r.status == 0 {
			select {
			case <-req.Context().Done():
				return
			case <-r.release:
			}
			w.WriteHeader(http.StatusOK)
			return
		}
		w.WriteHeader(r.status)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) seqs() []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	var s []int
	for _, b := range r.bodies {
		s = append(s, int(b["seq"].(float64)))
	}
	return s
}

// downURL returns a loopback URL where nothing listens.
func downURL(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr + "/hook"
}

// newNotifier makes a Notifier closed at the end of the test (before the receivers it was made after).
func newNotifier(t *testing.T, targets ...Target) *Notifier {
	t.Helper()
	n, err := New(targets, Options{Version: "v9.9.9", Host: "meter1"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = n.Close(ctx)
	})
	return n
}

func closeWithin(t testing.TB, n *Notifier, d time.Duration) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	return n.Close(ctx)
}

var (
	t0      = time.Date(2026, 11, 29, 19, 10, 41, 123456789, time.UTC)
	evStart = Event{Source: "studio", Alarm: "silence", State: Start, Time: t0, Value: math.Inf(-1), Threshold: -60, Channel: NoChannel}
	evEnd   = Event{Source: "studio", Alarm: "channel_dead", State: End, Time: t0.Add(12400 * time.Millisecond), Value: -87.25, Threshold: -60, Channel: 1, Duration: 12400 * time.Millisecond}
)

func TestDeliversEventsAsJSON(t *testing.T) {
	r := newReceiver(t, http.StatusNoContent)
	n := newNotifier(t, Target{Name: "ops", URL: r.URL + "/hook?token=s3cret", Headers: map[string]string{"Authorization": "Bearer abc"}})
	n.Enqueue(evStart)
	n.Enqueue(evEnd)
	stopped := evStart
	stopped.State, stopped.Stopped, stopped.Duration = End, true, 2*time.Second
	n.Enqueue(stopped)
	if err := closeWithin(t, n, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	want := []string{
		`{"alarm":"silence","host":"meter1","seq":1,"source":"studio","state":"start","time":"2026-11-29T19:10:41.123Z","values":{"threshold":-60,"value":null},"version":"v9.9.9"}`,
		`{"alarm":"channel_dead","duration_seconds":12.4,"host":"meter1","reason":"cleared","seq":2,"source":"studio","state":"end","time":"2026-11-29T19:10:53.523Z","values":{"channel":1,"threshold":-60,"value":-87.25},"version":"v9.9.9"}`,
		`{"alarm":"silence","duration_seconds":2,"host":"meter1","reason":"source_stopped","seq":3,"source":"studio","state":"end","time":"2026-11-29T19:10:41.123Z","values":{"threshold":-60,"value":null},"version":"v9.9.9"}`,
	}
	if len(r.bodies) != len(want) {
		t.Fatalf("receiver got %d events, want %d", len(r.bodies), len(want))
	}
	for i, b := range r.bodies {
		got, _ := json.Marshal(b) // sorted keys
		if string(got) != want[i] {
			t.Errorf("event %d:\n got %s\nwant %s", i, got, want[i])
		}
		h := r.headers[i]
		if h.Get("Authorization") != "Bearer abc" || h.Get("Content-Type") != "application/json" || h.Get("User-Agent") != "levelmeter/v9.9.9" {
			t.Errorf("event %d headers: %v", i, h)
		}
	}
	if s := n.Stats()[0]; s != (Stats{Name: "ops", Sent: 3}) {
		t.Errorf("stats %+v", s)
	}
}

// TestReceivers runs one event against receivers that answer, fail, hang and are down, and checks the counters
// and the requests made.
func TestReceivers(t *testing.T) {
	for _, tc := range []struct {
		name     string
		status   int // 0: hang; -1: nothing listens
		retries  int
		requests int64 // -1: not counted (nothing listens)
		want     Stats
	}{
		{"200", 200, 3, 1, Stats{Sent: 1}},
		{"202", 202, 3, 1, Stats{Sent: 1}},
		{"500 retried then failed", 500, 3, 4, Stats{Failed: 1, Retried: 3}},
		{"503 without retries", 503, -1, 1, Stats{Failed: 1}},
		{"429 retried", 429, 2, 3, Stats{Failed: 1, Retried: 2}},
		{"400 is final", 400, 3, 1, Stats{Failed: 1}},
		{"redirect not followed", 307, 3, 1, Stats{Failed: 1}},
		{"hangs past the timeout", 0, 2, 3, Stats{Failed: 1, Retried: 2}},
		{"connection refused", -1, 2, -1, Stats{Failed: 1, Retried: 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var u string
			var r *receiver
			if tc.status < 0 {
				u = downURL(t)
			} else {
				r = newReceiver(t, tc.status)
				u = r.URL
			}
			n := newNotifier(t, Target{Name: "x", URL: u, Retries: tc.retries, Timeout: 100 * time.Millisecond,
				Backoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond})
			n.Enqueue(evStart)
			if err := closeWithin(t, n, 10*time.Second); err != nil {
				t.Fatal(err)
			}
			tc.want.Name = "x"
			if s := n.Stats()[0]; s != tc.want {
				t.Errorf("stats %+v, want %+v", s, tc.want)
			}
			if r != nil && r.requests.Load() != tc.requests {
				t.Errorf("%d requests, want %d", r.requests.Load(), tc.requests)
			}
		})
	}
}

// TestHungReceiverDropsOldest floods a receiver that does not answer: Enqueue keeps returning, the queue keeps
// the newest events, and every event is accounted for.
func TestHungReceiverDropsOldest(t *testing.T) {
	const events, queue = 10000, 8
	r := newReceiver(t, 0)
	n := newNotifier(t, Target{Name: "hung", URL: r.URL, Queue: queue, Timeout: time.Minute})
	n.Enqueue(evStart)
	<-r.arrived // event 1 is in flight and will stay there
	start := time.Now()
	for range events - 1 {
		n.Enqueue(evEnd)
	}
	// A sanity bound with a wide margin: 10k enqueues take a few milliseconds; one blocked request would take
	// the minute of the timeout.
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("%d enqueues took %v", events-1, d)
	}
	if s := n.Stats()[0]; s.Queued != queue || s.Dropped != events-1-queue {
		t.Errorf("stats %+v; want %d queued, %d dropped", s, queue, events-1-queue)
	}
	close(r.release)
	if err := closeWithin(t, n, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	want := []int{1}
	for s := events - queue + 1; s <= events; s++ {
		want = append(want, s)
	}
	if got := r.seqs(); !equal(got, want) {
		t.Errorf("receiver got seq %v, want %v", got, want)
	}
	if s := n.Stats()[0]; s.Sent != queue+1 || s.Dropped != events-1-queue || s.Failed != 0 {
		t.Errorf("stats %+v", s)
	}
}

func equal(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestOneReceiverDoesNotDelayAnother: a hung receiver and a working one get the same events; the working one
// gets them all while the other hangs.
func TestOneReceiverDoesNotDelayAnother(t *testing.T) {
	hung, ok := newReceiver(t, 0), newReceiver(t, 200)
	n := newNotifier(t, Target{Name: "hung", URL: hung.URL, Timeout: time.Minute}, Target{Name: "ok", URL: ok.URL})
	for range 20 {
		n.Enqueue(evStart)
	}
	deadline := time.Now().Add(10 * time.Second)
	for ok.requests.Load() < 20 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if got := ok.requests.Load(); got != 20 {
		t.Errorf("the working receiver got %d of 20 events while the other hung", got)
	}
	close(hung.release)
}

// TestCloseDeadline: Close gives up on a receiver that never answers when its context ends, and counts what it
// abandoned.
func TestCloseDeadline(t *testing.T) {
	r := newReceiver(t, 0)
	n := newNotifier(t, Target{Name: "hung", URL: r.URL, Timeout: time.Minute})
	for range 5 {
		n.Enqueue(evStart)
	}
	<-r.arrived
	start := time.Now()
	err := closeWithin(t, n, 100*time.Millisecond)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Close: %v; want a deadline error", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Close took %v with a 100 ms deadline", d)
	}
	n.Enqueue(evEnd) // after Close: counted, not sent
	if s := n.Stats()[0]; s != (Stats{Name: "hung", Dropped: 6}) {
		t.Errorf("stats %+v; want all 6 dropped", s)
	}
}

// TestEnqueueDoesNotAllocate holds whether the queue has room or is full.
func TestEnqueueDoesNotAllocate(t *testing.T) {
	r := newReceiver(t, 0)
	n := newNotifier(t, Target{Name: "a", URL: r.URL, Queue: 4, Timeout: time.Minute}, Target{Name: "b", URL: r.URL, Queue: 1000, Timeout: time.Minute})
	ev := evEnd
	if a := testing.AllocsPerRun(500, func() { n.Enqueue(ev) }); a != 0 {
		t.Errorf("Enqueue allocates %v times", a)
	}
	close(r.release)
}

func TestNewRejectsBadTargets(t *testing.T) {
	for _, tc := range []struct {
		name    string
		targets []Target
		want    string
	}{
		{"scheme", []Target{{URL: "ftp://example.org/x"}}, `url scheme "ftp"`},
		{"no scheme", []Target{{URL: "example.org/x"}}, `url scheme ""`},
		{"no host", []Target{{URL: "http:///x"}}, "no host"},
		{"unparsable", []Target{{URL: "http://user:s3cret@[::1/x"}}, "does not parse"},
		{"duplicate", []Target{{Name: "a", URL: "http://h/1"}, {Name: "a", URL: "http://h/2"}}, `target 2: name "a" is used twice`},
		{"duplicate derived", []Target{{URL: "http://h/1?k=1"}, {URL: "http://h/1?k=2"}}, `name "http://h/1" is used twice`},
		{"header", []Target{{URL: "http://h/", Headers: map[string]string{"X-A": "1\r\nX-B: 2"}}}, `header "X-A"`},
		{"negative", []Target{{URL: "http://h/", Timeout: -1}}, "must not be negative"},
		{"backoff inverted", []Target{{URL: "http://h/", Backoff: time.Second, MaxBackoff: time.Millisecond}}, "max backoff 1ms is below backoff 1s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, err := New(tc.targets, Options{})
			if err == nil {
				_ = n.Close(context.Background())
				t.Fatal("New accepted the targets")
			}
			if !errors.Is(err, ErrTarget) || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "s3cret") {
				t.Errorf("error %q; want ErrTarget saying %q and no secret", err, tc.want)
			}
		})
	}
}

func TestBackoffDefaults(t *testing.T) {
	for _, tc := range []struct {
		backoff, max, wantBackoff, wantMax time.Duration
	}{
		{0, 0, DefaultBackoff, DefaultMaxBackoff},
		{0, 100 * time.Millisecond, 100 * time.Millisecond, 100 * time.Millisecond},
		{0, time.Minute, DefaultBackoff, time.Minute},
		{time.Minute, 0, time.Minute, time.Minute},
		{time.Second, 0, time.Second, DefaultMaxBackoff},
	} {
		tg, err := newTarget(Target{URL: "http://h/", Backoff: tc.backoff, MaxBackoff: tc.max})
		if err != nil {
			t.Errorf("Backoff %v MaxBackoff %v: %v", tc.backoff, tc.max, err)
			continue
		}
		if tg.backoff != tc.wantBackoff || tg.maxBackoff != tc.wantMax {
			t.Errorf("Backoff %v MaxBackoff %v: got %v..%v; want %v..%v", tc.backoff, tc.max, tg.backoff, tg.maxBackoff, tc.wantBackoff, tc.wantMax)
		}
	}
}

func TestNamesHideCredentials(t *testing.T) {
	n := newNotifier(t, Target{URL: "https://user:pw@hooks.example.org/services/T0/B0?token=abc#x"}, Target{Name: "pager", URL: "http://h/"})
	got := []string{n.Stats()[0].Name, n.Stats()[1].Name}
	if got[0] != "https://hooks.example.org/services/T0/B0" || got[1] != "pager" {
		t.Errorf("names %q", got)
	}
}

func TestCollector(t *testing.T) {
	r := newReceiver(t, 500)
	n := newNotifier(t, Target{Name: "ops", URL: r.URL, Retries: 1, Backoff: time.Millisecond}, Target{Name: "chat", URL: downURL(t), Retries: -1})
	n.Enqueue(evStart)
	if err := closeWithin(t, n, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	n.Enqueue(evStart)
	want := `
# HELP levelmeter_webhook_events_dropped_total Alarm events dropped because the receiver's queue was full (the oldest go) or shutdown came first.
# TYPE levelmeter_webhook_events_dropped_total counter
levelmeter_webhook_events_dropped_total{webhook="chat"} 1
levelmeter_webhook_events_dropped_total{webhook="ops"} 1
# HELP levelmeter_webhook_events_failed_total Alarm events given up after the last retry or a status that retrying cannot fix.
# TYPE levelmeter_webhook_events_failed_total counter
levelmeter_webhook_events_failed_total{webhook="chat"} 1
levelmeter_webhook_events_failed_total{webhook="ops"} 1
# HELP levelmeter_webhook_events_sent_total Alarm events the webhook receiver accepted (2xx).
# TYPE levelmeter_webhook_events_sent_total counter
levelmeter_webhook_events_sent_total{webhook="chat"} 0
levelmeter_webhook_events_sent_total{webhook="ops"} 0
# HELP levelmeter_webhook_queue_length Alarm events waiting to be sent to the receiver.
# TYPE levelmeter_webhook_queue_length gauge
levelmeter_webhook_queue_length{webhook="chat"} 0
levelmeter_webhook_queue_length{webhook="ops"} 0
# HELP levelmeter_webhook_retries_total Requests repeated after a network error, a timeout, 408, 429 or 5xx.
# TYPE levelmeter_webhook_retries_total counter
levelmeter_webhook_retries_total{webhook="chat"} 0
levelmeter_webhook_retries_total{webhook="ops"} 1
`
	if err := testutil.CollectAndCompare(n, strings.NewReader(want)); err != nil {
		t.Error(err)
	}
	if problems, err := testutil.CollectAndLint(n); err != nil || len(problems) > 0 {
		t.Errorf("lint: %v %v", problems, err)
	}
}

func TestBackoffGrowsWithJitterUpToTheMaximum(t *testing.T) {
	tg := &target{backoff: 100 * time.Millisecond, maxBackoff: time.Second}
	for _, tc := range []struct {
		attempt int
		full    time.Duration
	}{{0, 100 * time.Millisecond}, {1, 200 * time.Millisecond}, {3, 800 * time.Millisecond}, {4, time.Second}, {100, time.Second}} {
		lo, hi := tc.full, time.Duration(0)
		for range 200 {
			d := tg.backoffFor(tc.attempt)
			lo, hi = min(lo, d), max(hi, d)
		}
		if lo < tc.full/2 || hi > tc.full || hi-lo < tc.full/8 {
			t.Errorf("retry %d: waits %v..%v; want jittered within %v..%v", tc.attempt+1, lo, hi, tc.full/2, tc.full)
		}
	}
}

func TestRetryAfterIsHonouredUpToMaxBackoff(t *testing.T) {
	var times []time.Time
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		times = append(times, time.Now())
		mu.Unlock()
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	t.Cleanup(srv.Close)
	n := newNotifier(t, Target{URL: srv.URL, Retries: 1, Backoff: time.Millisecond, MaxBackoff: 300 * time.Millisecond})
	n.Enqueue(evStart)
	if err := closeWithin(t, n, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if len(times) != 2 {
		t.Fatalf("%d requests, want 2", len(times))
	}
	if d := times[1].Sub(times[0]); d < 300*time.Millisecond {
		t.Errorf("retried after %v; the receiver asked for an hour, capped at 300ms", d)
	}
}
