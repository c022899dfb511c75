package daemon_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/rs/zerolog"

	"github.com/levelmeter/levelmeter/config"
	"github.com/levelmeter/levelmeter/internal/daemon"
)

func ExampleNew() {
	cfg := config.Default()
	cfg.Sources = []config.Source{{WAV: "../../testdata/sine-s16-stereo.wav", Pace: config.PaceFast}}
	cfg.HTTP.Listen = "127.0.0.1:0" // any free port: Addr says which
	cfg.SetDefaults()
	if err := cfg.Validate(); err != nil {
		log.Fatal(err)
	}
	d, err := daemon.New(cfg, zerolog.New(os.Stderr).Level(zerolog.Disabled))
	if err != nil {
		log.Fatal(err) // e.g. http.listen: "127.0.0.1:9464" cannot be listened on: ... address already in use
	}
	fmt.Println("serving:", d.Addr() != nil)
	// The file is replayed once, so the run ends with it; a daemon metering devices runs until ctx is done.
	fmt.Println(d.Run(context.Background()))
	// Output:
	// serving: true
	// <nil>
}
