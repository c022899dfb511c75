package httpserver_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/rs/zerolog"

	"github.com/levelmeter/levelmeter/internal/httpserver"
)

// A daemon serves its mux through a Server, warns when the configuration exposes it, and shuts it down after
// ending its event streams.
func Example() {
	listen := "127.0.0.1:0"
	if e, err := httpserver.CheckExposure(listen, ""); err != nil {
		fmt.Println(err)
		return
	} else if w := e.Warning(); w != "" {
		fmt.Println("warning:", w)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	srv := httpserver.New(httpserver.Options{
		Handler:      mux,
		Log:          zerolog.New(os.Stderr),
		AllowedHosts: []string{"meter.example.org"},
	})
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		fmt.Println(err)
		return
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	for _, host := range []string{"localhost", "meter.example.org", "rebind.example"} {
		req, _ := http.NewRequest("GET", "http://"+ln.Addr().String()+"/healthz", nil)
		req.Host = host
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			fmt.Println(err)
			return
		}
		resp.Body.Close()
		fmt.Println(host, resp.StatusCode, resp.Header.Get("X-Frame-Options"))
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	srv.Shutdown(ctx)
	fmt.Println(<-served)

	fmt.Println(httpserver.Exposure{BeyondLoopback: true, TLS: true}.Warning() != "")
	// Output:
	// localhost 200 DENY
	// meter.example.org 200 DENY
	// rebind.example 403 DENY
	// http: Server closed
	// true
}
