package metrics_test

import (
	"fmt"
	"math"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/levelmeter/levelmeter/dsp"
	"github.com/levelmeter/levelmeter/metrics"
	"github.com/levelmeter/levelmeter/pipeline"
)

// A daemon makes one Reporter, hands it to the pipeline as one of its reporters and serves its Handler at
// /metrics.
func ExampleNew() {
	m := metrics.New(nil, metrics.Options{Version: "v1.0.0"})
	// mux.Handle("/metrics", m.Handler()); pipeline reporters: append(reporters, m)

	l := dsp.Levels{SampleRate: 48000, Channels: 1, Correlation: math.NaN()}
	l.Channel[0] = dsp.Stats{SamplePeak: -6, TruePeak: -5.5, RMS: -20, CrestFactor: 14}
	l.Loudness = dsp.Loudness{Momentary: -23, ShortTerm: -23.5, Integrated: math.Inf(-1)}
	m.Report(&pipeline.Report{Source: "studio", Time: time.Now(), Interval: l, Total: l})

	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	for line := range strings.Lines(rec.Body.String()) {
		if strings.HasPrefix(line, "levelmeter_sample_peak") || strings.HasPrefix(line, "levelmeter_integrated") {
			fmt.Print(line)
		}
	}
	// Output:
	// levelmeter_integrated_lufs{source="studio"} -70
	// levelmeter_sample_peak_dbfs{channel="0",source="studio"} -6
	// levelmeter_sample_peak_max_dbfs{channel="0",source="studio"} -6
}
