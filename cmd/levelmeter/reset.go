package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/levelmeter/levelmeter/config"
)

func init() {
	register(command{name: "reset", summary: "reset a running daemon's since-start values", run: runReset})
}

const resetHelp = `Asks a running levelmeter daemon (levelmeter run) to reset its since-start values: the integrated
loudness, the loudness range and the maxima start again from the next report. Without --source every source is
reset. It is POST /api/reset?source=NAME on the daemon's HTTP server.`

func runReset(args []string, stdout, stderr io.Writer) int {
	c := newCLI("reset", "[--addr HOST:PORT] [--source NAME]", resetHelp)
	addr := c.fs.String("addr", config.DefaultListen, "the daemon's listen address, host:port or a URL")
	c.arg("addr", "HOST:PORT")
	source := c.fs.String("source", "", "the source to reset (its name in the configuration); every source without it")
	c.arg("source", "NAME")
	if code, ok := c.parse(args, false, stdout, stderr); !ok {
		return code
	}
	base, err := watchURL(*addr)
	if err != nil {
		return c.usageError(stderr, "--addr %q: %v; use host:port such as %s", *addr, err, config.DefaultListen)
	}
	u := base.JoinPath("api", "reset")
	if *source != "" {
		u.RawQuery = url.Values{"source": {*source}}.Encode()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return c.fail(stderr, exitFailed, fmt.Errorf("no levelmeter daemon at %s: start one with levelmeter run (%v)", *addr, err))
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	var ok struct {
		Reset []string `json:"reset"`
	}
	switch {
	case resp.StatusCode == http.StatusNotFound && *source != "" && strings.HasPrefix(string(body), "no source"):
		return c.fail(stderr, exitFailed, fmt.Errorf("the daemon at %s has no source named %q", *addr, *source))
	case resp.StatusCode != http.StatusOK || json.Unmarshal(body, &ok) != nil:
		return c.fail(stderr, exitFailed, fmt.Errorf("%s answered POST /api/reset with %s: is it a levelmeter daemon "+
			"with its HTTP server on?", *addr, resp.Status))
	}
	fmt.Fprintf(stdout, "reset %s\n", strings.Join(ok.Reset, ", "))
	return exitOK
}
