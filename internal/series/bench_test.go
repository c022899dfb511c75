package series

import (
	"io"
	"testing"
	"time"

	"github.com/levelmeter/levelmeter/dsp"
)

// BenchmarkSeriesOverhead: metering 60 s of 48 kHz stereo with a CSV row per 100 ms (Run, a Writer to
// io.Discard, Maxima) against the plain meter, alternating in the same run; x_plain is the ratio of the times
// (1.05: the series costs 5 % more). Measured 1.5 on noise, nearly all in dsp's true-peak oversampler: it skips
// the samples that cannot beat the interval's true peak so far, and an interval of 100 ms has a low one to beat
// (the writer, Run and Maxima take about 2 % of the time in a profile).
func BenchmarkSeriesOverhead(b *testing.B) {
	p := noise(48000, 48000*60)
	buf := make([]float32, 8192*2)
	m := newMeter(b, 48000)
	var plain, with time.Duration
	for b.Loop() {
		start := time.Now()
		m.Reset()
		src := &sliceSource{p: p, ch: 2, chunk: len(buf)}
		for {
			n, err := src.Read(buf)
			if err == io.EOF {
				break
			}
			m.Process(buf[:n])
		}
		plain += time.Since(start)

		start = time.Now()
		m.Reset()
		w := NewWriter(io.Discard, CSV, []string{"L", "R"}, true)
		var x Maxima
		err := Run(&sliceSource{p: p, ch: 2, chunk: 1 << 30}, m, 48000, 2, buf, func(t float64, l *dsp.Levels) error {
			x.Add(t, l)
			return w.Row(t, l)
		})
		if err != nil || w.Flush() != nil {
			b.Fatal(err)
		}
		with += time.Since(start)
	}
	b.ReportMetric(with.Seconds()/plain.Seconds(), "x_plain")
}
