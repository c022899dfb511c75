package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/levelmeter/levelmeter/config"
	"github.com/levelmeter/levelmeter/internal/termmeter"
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
	shown := termmeter.RedactAddr(*addr) // never print a password given in the URL
	base, err := watchURL(*addr)
	if err != nil {
		return c.usageError(stderr, "--addr %q: %v; use host:port such as %s", shown, err, config.DefaultListen)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err = termmeter.Run(ctx, termmeter.Options{URL: base.String(), Addr: *addr, Once: *once, Out: stdout,
		Color: !*noColor && os.Getenv("NO_COLOR") == ""})
	var notDaemon *termmeter.StatusError
	var noDaemon *termmeter.ConnectError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &notDaemon):
		fmt.Fprintf(stderr, "levelmeter watch: %s answered /events with %s: is it a levelmeter daemon with the web meter on (http.web in config.yaml)?\n", shown, notDaemonText(notDaemon))
	case errors.As(err, &noDaemon):
		fmt.Fprintf(stderr, "levelmeter watch: no levelmeter daemon at %s: start one with levelmeter run (%s)\n", shown, termmeter.Sanitize(noDaemon.Err.Error()))
	default:
		fmt.Fprintf(stderr, "levelmeter watch: %s: %s\n", shown, strings.TrimPrefix(err.Error(), "termmeter: "))
	}
	return 1
}

// notDaemonText is the status of an answer that is not an event stream, with the start of its body if any.
func notDaemonText(e *termmeter.StatusError) string {
	if e.Body == "" {
		return e.Status
	}
	return e.Status + " (" + e.Body + ")"
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
