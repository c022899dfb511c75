package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/levelmeter/levelmeter/config"
	"github.com/levelmeter/levelmeter/internal/daemon"
)

// TestResetCommand: levelmeter reset asks a real daemon to reset, and says so; an unknown source or a missing
// daemon is one line on stderr and exit status 1.
func TestResetCommand(t *testing.T) {
	cfg := config.Default()
	cfg.Sources = []config.Source{{Name: "studio", WAV: filepath.Join("..", "..", "testdata", "sine-s16-stereo.wav"), Loop: true}}
	cfg.HTTP.Listen = "127.0.0.1:0"
	cfg.SetDefaults()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	d, err := daemon.New(cfg, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- d.Run(ctx) }()
	addr := d.Addr().String()
	for _, tc := range []struct {
		args         []string
		code         int
		stdout, errs string
	}{
		{[]string{"reset", "--addr", addr}, 0, "reset studio\n", ""},
		{[]string{"reset", "--addr", addr, "--source", "studio"}, 0, "reset studio\n", ""},
		{[]string{"reset", "--addr", addr, "--source", "nope"}, 1, "", "levelmeter reset: the daemon at " + addr + " has no source named \"nope\"\n"},
		{[]string{"reset", "--addr", "nohost"}, 2, "", "levelmeter reset: --addr \"nohost\": not host:port"},
		{[]string{"reset", "extra"}, 2, "", "levelmeter reset: unexpected argument \"extra\""},
	} {
		var stdout, stderr strings.Builder
		code := dispatch(tc.args, &stdout, &stderr)
		if code != tc.code || stdout.String() != tc.stdout || !strings.HasPrefix(stderr.String(), tc.errs) ||
			(tc.errs == "" && stderr.Len() > 0) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want %d, %q, %q", tc.args, code, stdout.String(),
				stderr.String(), tc.code, tc.stdout, tc.errs)
		}
	}
	cancel()
	if err := <-ran; err != nil {
		t.Fatal(err)
	}
	var stdout, stderr strings.Builder
	if code := dispatch([]string{"reset", "--addr", addr}, &stdout, &stderr); code != 1 ||
		!strings.HasPrefix(stderr.String(), "levelmeter reset: no levelmeter daemon at "+addr) {
		t.Errorf("no daemon: exit %d, %q", code, stderr.String())
	}
}
