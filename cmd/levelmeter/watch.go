package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"golang.org/x/sys/unix"

	"github.com/levelmeter/levelmeter/config"
	"github.com/levelmeter/levelmeter/web"
)

func init() {
	register(command{name: "watch", summary: "show a running daemon's meters in the terminal", run: runWatch})
}

const watchHelp = `Connects to the live meter of a running levelmeter daemon (levelmeter run) and draws its sources'
meters in the terminal until Ctrl-C.`

func runWatch(args []string, stdout, stderr io.Writer) int {
	c := newCLI("watch", "[--addr HOST:PORT] [--once] [--no-color]", watchHelp)
	addr := c.fs.String("addr", config.DefaultListen, "the daemon's listen address, host:port or a URL")
	c.arg("addr", "HOST:PORT")
	once := c.fs.Bool("once", false, "print the current levels once, without escape codes, and exit")
	noColor := c.fs.Bool("no-color", false, "draw without colours")
	if code, ok := c.parse(args, false, stdout, stderr); !ok {
		return code
	}
	base, err := watchURL(*addr)
	if err != nil {
		return c.usageError(stderr, "--addr %q: %v; use host:port such as %s", *addr, err, config.DefaultListen)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	w := &watcher{base: base, addr: *addr, out: stdout, errOut: stderr, once: *once}
	w.width, w.tty = watchTermWidth(stdout)
	w.color = w.tty && !*noColor && os.Getenv("NO_COLOR") == ""
	return w.run(ctx)
}

// watchURL turns host:port, :port or a URL into the base URL of the daemon's HTTP server.
func watchURL(addr string) (*url.URL, error) {
	if !strings.Contains(addr, "://") {
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, errors.New("not host:port")
		}
		if host == "" {
			host = "127.0.0.1"
		}
		addr = "http://" + net.JoinHostPort(host, port)
	}
	u, err := url.Parse(addr)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("not host:port or an http URL")
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	return u, nil
}

// watchTermWidth returns the width of w's terminal, or 100 and false when w is not a terminal.
func watchTermWidth(w io.Writer) (int, bool) {
	f, ok := w.(*os.File)
	if !ok {
		return 100, false
	}
	ws, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ)
	if err != nil || ws.Col == 0 {
		return 100, false
	}
	return int(ws.Col), true
}

// A watcher follows one daemon's event stream and draws it.
type watcher struct {
	base          *url.URL
	addr          string
	out, errOut   io.Writer
	width         int
	tty, color    bool
	alt           bool // the terminal shows the alternate screen
	once          bool
	version       string
	sources       map[string]*web.Update
	status        string // "live", or why not
	everConnected bool
}

// watchNotDaemon is an answer from something that is not a levelmeter daemon's web meter.
type watchNotDaemon struct{ status string }

func (e watchNotDaemon) Error() string { return "answered /events with " + e.status }

func (w *watcher) run(ctx context.Context) int {
	w.sources = map[string]*web.Update{}
	defer w.leaveScreen()
	for {
		err := w.follow(ctx)
		if ctx.Err() != nil || (w.once && err == nil) {
			return 0
		}
		var nd watchNotDaemon
		switch {
		case errors.As(err, &nd):
			w.fail(fmt.Sprintf("%s %v: is it a levelmeter daemon with the web meter on (http.web in config.yaml)?", w.addr, err))
			return 1
		case !w.everConnected:
			w.fail(fmt.Sprintf("no levelmeter daemon at %s: start one with levelmeter run (%v)", w.addr, watchCause(err)))
			return 1
		case w.once:
			w.fail(fmt.Sprintf("%s: %v", w.addr, err))
			return 1
		}
		w.status = "disconnected, reconnecting"
		w.draw()
		select {
		case <-ctx.Done():
			return 0
		case <-time.After(time.Second):
		}
	}
}

// enterScreen switches a terminal to the alternate screen, which keeps the user's scrollback, and hides the
// cursor while drawing.
func (w *watcher) enterScreen() {
	if w.tty && !w.once && !w.alt {
		fmt.Fprint(w.out, "\x1b[?1049h\x1b[?25l")
		w.alt = true
	}
}

// leaveScreen undoes enterScreen.
func (w *watcher) leaveScreen() {
	if w.alt {
		fmt.Fprint(w.out, "\x1b[?25h\x1b[?1049l")
		w.alt = false
	}
}

// fail reports a fatal error after leaving the alternate screen.
func (w *watcher) fail(msg string) {
	w.leaveScreen()
	fmt.Fprintln(w.errOut, "levelmeter watch:", msg)
}

// watchCause strips the URL and operation from a connection error, leaving "connection refused" and the like.
func watchCause(err error) error {
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

// follow reads the event stream until it ends, drawing as reports arrive.
func (w *watcher) follow(ctx context.Context) error {
	u := *w.base
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
		return watchNotDaemon{resp.Status}
	}
	w.everConnected = true
	w.status = "live"
	w.enterScreen()

	// A stream that falls silent (a daemon that hangs) is closed after a while; the server sends a heartbeat
	// at least every 15 s.
	body := &watchIdleReader{r: resp.Body, timeout: 40 * time.Second}
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

	var want map[string]bool // for --once: the sources of the hello that have not reported yet
	for {
		var ev web.Event
		select {
		case <-frame.C:
			if dirty {
				w.draw()
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
				w.version = h.Version
				want = map[string]bool{}
				for _, s := range h.Sources {
					want[s] = true
				}
			}
		case "report":
			u := new(web.Update)
			if err := json.Unmarshal(ev.Data, u); err != nil {
				return fmt.Errorf("a report the watcher cannot read: %v", err)
			}
			w.sources[u.Source] = u
			delete(want, u.Source)
			if w.once && len(want) == 0 {
				w.draw()
				return nil
			}
			dirty = !w.once
		}
	}
}

// watchIdleReader closes a stream that has been silent for timeout.
type watchIdleReader struct {
	r       io.Reader
	timeout time.Duration
	seen    chan struct{}
}

func (ir *watchIdleReader) Read(p []byte) (int, error) {
	n, err := ir.r.Read(p)
	if n > 0 {
		select {
		case ir.seen <- struct{}{}:
		default:
		}
	}
	return n, err
}

func (ir *watchIdleReader) watch(ctx context.Context, c io.Closer) (stop func()) {
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

// draw redraws the screen.
func (w *watcher) draw() {
	if w.alt {
		if width, ok := watchTermWidth(w.out); ok {
			w.width = width
		}
	}
	frame := renderWatch(w.sources, w.frameHeader(), w.width, w.color)
	if w.alt {
		// Home, draw each line over the old one and clear its rest, clear below.
		frame = "\x1b[H" + strings.ReplaceAll(frame, "\n", "\x1b[K\n") + "\x1b[J"
	}
	io.WriteString(w.out, frame)
}

func (w *watcher) frameHeader() string {
	h := "levelmeter watch · " + w.addr + " · " + w.status
	if w.version != "" {
		h += " · " + w.version
	}
	return h
}

// ANSI colours.
const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiDim    = "\x1b[2m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
	ansiRed    = "\x1b[31m"
	ansiCyan   = "\x1b[36m"
	ansiWhite  = "\x1b[97m"
)

// The bar scale in dBFS and its colour zones (as on the web page).
const (
	watchFloor  = -60.0
	watchYellow = -18.0
	watchRed    = -6.0
)

// renderWatch draws every source as lines of at most width columns.
func renderWatch(sources map[string]*web.Update, header string, width int, color bool) string {
	width = max(width, 60)
	c := func(code, s string) string {
		if !color || code == "" {
			return s
		}
		return code + s + ansiReset
	}
	var b strings.Builder
	b.WriteString(c(ansiBold, header))
	b.WriteString("\n")
	names := make([]string, 0, len(sources))
	for n := range sources {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(names) == 0 {
		b.WriteString("\nwaiting for the first report…\n")
	}

	// Each channel line: "  L " + bar + readouts.
	const label, readouts = 4, 30
	barWidth := width - label - readouts - 2
	for _, name := range names {
		u := sources[name]
		b.WriteString("\n")
		state := c(ansiGreen, "running")
		if u.Final {
			state = c(ansiDim, "stopped")
		}
		fmt.Fprintf(&b, "%s  %s · %d ch · %s\n", c(ansiBold+ansiWhite, name), watchKHz(u.SampleRate), len(u.Channels), state)
		if u.LastError != "" {
			msg := "  last error: " + u.LastError
			if utf8.RuneCountInString(msg) > width {
				msg = string([]rune(msg)[:width-1]) + "…"
			}
			b.WriteString(c(ansiRed, msg) + "\n")
		}
		L := u.Loudness
		watchFields(&b, width, []string{
			"mom " + c(ansiCyan, watchLU(L.Momentary, 6)), "short " + c(ansiYellow, watchLU(L.ShortTerm, 6)),
			"int " + c(ansiBold+ansiWhite, watchLU(L.Integrated, 6)) + " LUFS", " LRA " + watchNum(L.Range, 4) + " LU",
			" TP max " + watchPeak(u.TruePeakMax, c) + " dBTP", " corr " + watchCorr(u, c),
		})
		b.WriteString(strings.Repeat(" ", label) + c(ansiDim, watchRuler(barWidth)) + "\n")
		names := watchChannelNames(len(u.Channels))
		for i, ch := range u.Channels {
			fmt.Fprintf(&b, "  %-2s%s  %s  hold %s  %s\n", names[i], watchBar(ch.Peak, ch.Hold, barWidth, c),
				watchNum(ch.Peak, 6), watchNum(ch.Hold, 6), watchClip(ch.Clip, c))
		}
		k := u.Counters
		bad := func(n int64) string {
			if n > 0 {
				return c(ansiRed+ansiBold, watchGroup(n))
			}
			return watchGroup(n)
		}
		ring := 0
		if k.RingCap > 0 {
			ring = 100 * k.RingFill / k.RingCap
		}
		watchFields(&b, width, []string{
			"captured " + watchGroup(k.Captured), "metered " + watchGroup(k.Metered), "dropped " + bad(k.Dropped),
			"overflows " + bad(k.Overflows), "restarts " + bad(k.Restarts), "lost reports " + bad(k.Lost),
			fmt.Sprintf("ring %d%%", ring), "latency " + watchLatency(u.Latency),
		})
	}
	return b.String()
}

// watchFields writes fields two spaces apart on lines indented by two, wrapping them at width columns.
func watchFields(b *strings.Builder, width int, fields []string) {
	col := 0
	for _, f := range fields {
		n := utf8.RuneCountInString(watchEscapes.ReplaceAllString(f, ""))
		if col > 0 && col+2+n > width {
			b.WriteString("\n")
			col = 0
		}
		b.WriteString("  ")
		b.WriteString(f)
		col += 2 + n
	}
	b.WriteString("\n")
}

var watchEscapes = regexp.MustCompile(`\x1b\[[0-9;?]*[A-Za-z]`)

// watchBar draws a peak meter of width cells: the level in eighths of a cell, coloured by zone, and the peak-hold
// marker.
func watchBar(peak, hold web.Float, width int, c func(code, s string) string) string {
	pos := func(db web.Float) float64 {
		if !db.Valid() || float64(db) <= watchFloor {
			return 0
		}
		return math.Min(1, (float64(db)-watchFloor)/-watchFloor) * float64(width)
	}
	level, mark := pos(peak), int(pos(hold))
	if !hold.Valid() || float64(hold) <= watchFloor {
		mark = -1
	}
	mark = min(mark, width-1)
	var b strings.Builder
	partial := []string{"", "▏", "▎", "▍", "▌", "▋", "▊", "▉"}
	for i := range width {
		db := watchFloor + (float64(i)+0.5)/float64(width)*-watchFloor
		zone := ansiGreen
		switch {
		case db > watchRed:
			zone = ansiRed
		case db > watchYellow:
			zone = ansiYellow
		}
		var cell string
		switch {
		case float64(i+1) <= level:
			cell = "█"
		case float64(i) < level:
			cell = partial[int((level-float64(i))*8)]
			if cell == "" {
				cell = " "
			}
		case i == mark:
			cell = "│"
			if db > watchRed {
				zone = ansiRed
			} else {
				zone = ansiWhite
			}
		default:
			cell, zone = "·", ansiDim
		}
		b.WriteString(c(zone, cell))
	}
	return b.String()
}

// watchRuler labels the bar scale every 10 dB.
func watchRuler(width int) string {
	r := []byte(strings.Repeat(" ", width+4))
	for db := watchFloor; db <= 0; db += 10 {
		label := strconv.Itoa(int(db))
		at := int((db - watchFloor) / -watchFloor * float64(width))
		at = min(at, width-len(label)+1)
		copy(r[max(at, 0):], label)
	}
	return strings.TrimRight(string(r), " ")
}

// watchLU formats a loudness in w columns; below the absolute gate (-70 LUFS) it reads "<-70".
func watchLU(f web.Float, w int) string {
	if f.Valid() && float64(f) < -70 {
		return fmt.Sprintf("%*s", w, "<-70")
	}
	return watchNum(f, w)
}

func watchNum(f web.Float, w int) string {
	if !f.Valid() {
		return fmt.Sprintf("%*s", w, "-inf")
	}
	return fmt.Sprintf("%*.1f", w, float64(f))
}

func watchLatency(f web.Float) string {
	if !f.Valid() {
		return "—"
	}
	return strconv.Itoa(int(math.Round(float64(f)*1000))) + " ms"
}

func watchPeak(f web.Float, c func(code, s string) string) string {
	s := watchNum(f, 5)
	if f.Valid() && float64(f) > -1 {
		return c(ansiRed+ansiBold, s)
	}
	return s
}

func watchCorr(u *web.Update, c func(code, s string) string) string {
	switch {
	case len(u.Channels) == 1:
		return "mono"
	case !u.Correlation.Valid():
		return "  —"
	case u.Correlation < 0:
		return c(ansiRed, fmt.Sprintf("%+.2f", float64(u.Correlation)))
	}
	return fmt.Sprintf("%+.2f", float64(u.Correlation))
}

func watchClip(clip bool, c func(code, s string) string) string {
	if clip {
		return c(ansiRed+ansiBold, "CLIP")
	}
	return ""
}

func watchKHz(rate int) string {
	return strconv.FormatFloat(float64(rate)/1000, 'f', -1, 64) + " kHz"
}

func watchChannelNames(n int) []string {
	switch n {
	case 1:
		return []string{"M"}
	case 2:
		return []string{"L", "R"}
	case 6:
		return []string{"L", "R", "C", "LF", "Ls", "Rs"}
	}
	names := make([]string, n)
	for i := range names {
		names[i] = strconv.Itoa(i + 1)
	}
	return names
}

// watchGroup writes n with thin groups of three digits: 1 291 200.
func watchGroup(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
