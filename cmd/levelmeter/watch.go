package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/levelmeter/levelmeter/internal/termmeter"
)

// defaultWatchAddr is the daemon's default listen address (http.listen in config.yaml).
const defaultWatchAddr = "127.0.0.1:9464"

func init() {
	register(command{name: "watch", summary: "show a running daemon's meters in the terminal", run: runWatch})
}

func runWatch(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("watch", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", defaultWatchAddr, "the daemon's listen address, host:port or a URL")
	once := fs.Bool("once", false, "print the current levels once, without escape codes, and exit")
	noColor := fs.Bool("no-color", false, "draw without colours")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: levelmeter watch [--addr HOST:PORT] [--once] [--no-color]")
		fmt.Fprintln(stderr)
		fmt.Fprintln(stderr, "Connects to the live meter of a running levelmeter daemon (levelmeter run) and draws its sources'")
		fmt.Fprintln(stderr, "meters in the terminal until Ctrl-C.")
		fmt.Fprintln(stderr)
		fs.PrintDefaults()
	}
	if code, ok := parseNoArgs(fs, args, stderr); !ok {
		return code
	}
	base, err := watchURL(*addr)
	if err != nil {
		fmt.Fprintf(stderr, "levelmeter watch: --addr %q: %v; use host:port such as %s\n", *addr, err, defaultWatchAddr)
		return 2
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
		fmt.Fprintf(stderr, "levelmeter watch: %s answered /events with %s: is it a levelmeter daemon with the web meter on (http.web in config.yaml)?\n", *addr, notDaemonText(notDaemon))
	case errors.As(err, &noDaemon):
		fmt.Fprintf(stderr, "levelmeter watch: no levelmeter daemon at %s: start one with levelmeter run (%s)\n", *addr, termmeter.Sanitize(noDaemon.Err.Error()))
	default:
		fmt.Fprintf(stderr, "levelmeter watch: %s: %s\n", *addr, strings.TrimPrefix(err.Error(), "termmeter: "))
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
