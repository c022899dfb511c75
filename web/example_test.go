package web_test

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/levelmeter/levelmeter/dsp"
	"github.com/levelmeter/levelmeter/pipeline"
	"github.com/levelmeter/levelmeter/web"
)

// A daemon makes one Server, hands it to the pipeline as a reporter and serves its Handler; Close ends the event
// streams before the HTTP server shuts down.
func ExampleNew() {
	s := web.New(web.Options{Version: "v1.0.0"})
	defer s.Close()
	srv := httptest.NewServer(s.Handler()) // in the daemon: the mux on the configured listen address
	defer srv.Close()

	l := dsp.Levels{SampleRate: 48000, Channels: 1, Correlation: math.NaN()}
	l.Loudness.Integrated = -23
	s.Report(&pipeline.Report{Source: "studio", Interval: l, Total: l})

	resp, err := http.Get(srv.URL + "/healthz")
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	var h web.Health
	json.NewDecoder(resp.Body).Decode(&h)
	fmt.Println(resp.StatusCode, h.OK, h.Sources)
	// Output: 200 true 1
}

// A client other than a browser reads the event stream with an EventReader.
func ExampleEventReader() {
	stream := "retry: 2000\n\n" +
		"event: hello\ndata: {\"version\":\"v1.0.0\",\"sources\":[\"studio\"]}\n\n" +
		"event: report\ndata: {\"source\":\"studio\",\"loudness\":{\"integrated\":-23.1,\"momentary\":null}}\n\n"
	er := web.NewEventReader(strings.NewReader(stream))
	for {
		ev, err := er.Next()
		if err != nil {
			break
		}
		if ev.Name == "report" {
			var u web.Update
			json.Unmarshal(ev.Data, &u)
			fmt.Println(u.Source, u.Loudness.Integrated, u.Loudness.Momentary.Valid())
		}
	}
	// Output: studio -23.1 false
}
