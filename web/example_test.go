package web_test

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

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

// The alarm detectors tell the Server which alarms are active on a source; its updates carry them as badges and
// its history marks them. Targets and layouts come from the configuration.
func ExampleServer_SetAlarms() {
	fiveOne, _ := dsp.ParseLayout("5.1")
	s := web.New(web.Options{
		Targets: map[string]web.Target{"": {Name: "ebu-r128", LUFS: -23, Tolerance: 1, MaxTruePeak: -1}},
		Layouts: map[string]dsp.Layout{"film": fiveOne},
	})
	defer s.Close()
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/events")
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	er := web.NewEventReader(resp.Body)

	since := time.Date(2026, 11, 29, 19, 0, 0, 0, time.UTC)
	s.SetAlarms("film", []web.Alarm{{Name: "silence", Since: since, Value: web.Float(math.Inf(-1))}})
	l := dsp.Levels{SampleRate: 48000, Channels: 6}
	s.Report(&pipeline.Report{Source: "film", Time: since.Add(time.Minute), Interval: l, Total: l})
	for {
		ev, err := er.Next()
		if err != nil {
			panic(err)
		}
		if ev.Name == "report" {
			var u web.Update
			json.Unmarshal(ev.Data, &u)
			fmt.Println(u.Labels, u.Alarms[0].Name, u.Alarms[0].Since.Format(time.TimeOnly), u.Target.Name)
			return
		}
	}
	// Output: [L R C LFE Ls Rs] silence 19:00:00 ebu-r128
}

// /api/history returns a source's one-second summaries, in at most 600 buckets of any window.
func ExampleServer_Handler_history() {
	s := web.New(web.Options{})
	defer s.Close()
	start := time.Now().Add(-time.Minute)
	for i := range 10 * 60 { // a minute of reports, ten a second
		l := dsp.Levels{SampleRate: 48000, Channels: 1, Correlation: math.NaN()}
		l.Loudness.Momentary = -23
		s.Report(&pipeline.Report{Source: "studio", Time: start.Add(time.Duration(i) * 100 * time.Millisecond), Interval: l, Total: l})
	}
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/api/history?source=studio&window=24h")
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	var h web.History
	json.NewDecoder(resp.Body).Decode(&h)
	fmt.Println(resp.StatusCode, h.Window, h.Step, len(h.Points) <= 2)
	// Output: 200 24h 144 true
}
