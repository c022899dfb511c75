package termmeter_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"

	"github.com/levelmeter/levelmeter/internal/termmeter"
)

// Run with Once prints every source of the daemon's event stream once; here a stand-in for a daemon's /events.
func ExampleRun() {
	daemon := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, "event: hello\ndata: {\"version\": \"v2.0.0\", \"sources\": [\"studio\"]}\n\n")
		fmt.Fprint(w, "event: report\ndata: {\"source\": \"studio\", \"sampleRate\": 48000, \"latency\": 0.02, "+
			"\"loudness\": {\"momentary\": -21.5, \"shortTerm\": -22.5, \"integrated\": -23.4, \"range\": 5.5}, "+
			"\"truePeakMax\": -0.5, \"correlation\": null, \"channels\": [{\"peak\": -12, \"hold\": -3}], "+
			"\"counters\": {\"captured\": 1234567, \"metered\": 1234567, \"ringFill\": 100, \"ringCap\": 1000}}\n\n")
	}))
	defer daemon.Close()

	err := termmeter.Run(context.Background(), termmeter.Options{URL: daemon.URL, Addr: "studio-pc:9464", Once: true, Out: os.Stdout})
	if err != nil {
		fmt.Println(err)
	}
	// Output:
	// levelmeter watch · studio-pc:9464 · live · v2.0.0
	//
	// studio  48 kHz · 1 ch · running
	//   mom  -21.5  short  -22.5  int  -23.4 LUFS   LRA  5.5 LU   TP max  -0.5 dBTP   corr mono
	//     -60       -50        -40        -30       -20        -10        0
	//   M ███████████████████████████████████████████████████▏········│···   -12.0  hold   -3.0
	//   captured 1 234 567  metered 1 234 567  dropped 0  overflows 0  restarts 0  lost reports 0
	//   ring 10%  latency 20 ms
}

func ExampleRedactAddr() {
	fmt.Println(termmeter.RedactAddr("https://prometheus:s3cret@studio-pc:9464"))
	fmt.Println(termmeter.RedactAddr("studio-pc:9464"))
	// Output:
	// https://prometheus:xxxxx@studio-pc:9464
	// studio-pc:9464
}
