package series_test

import (
	"fmt"
	"io"
	"math"
	"os"

	"github.com/levelmeter/levelmeter/dsp"
	"github.com/levelmeter/levelmeter/internal/series"
)

// tone is a Source of one second of a quiet 1 kHz tone with a louder half second in the middle.
type tone struct{ i, n int }

func (s *tone) Read(dst []float32) (int, error) {
	k := 0
	for ; k < len(dst) && s.i < s.n; k, s.i = k+1, s.i+1 {
		a := 0.1
		if s.i >= 24000 && s.i < 36000 {
			a = 0.5
		}
		dst[k] = float32(a * math.Sin(2*math.Pi*1000*float64(s.i)/48000))
	}
	if k == 0 {
		return 0, io.EOF
	}
	return k, nil
}

// Write the series of a mono input as CSV and name the moment of its true peak.
func ExampleRun() {
	m, _ := dsp.NewMeter(dsp.Config{SampleRate: 48000, Channels: 1})
	w := series.NewWriter(os.Stdout, series.CSV, m.Layout().Labels(), false)
	var maxima series.Maxima
	err := series.Run(&tone{n: 48000}, m, 48000, 1, make([]float32, 4096), func(t float64, l *dsp.Levels) error {
		maxima.Add(t, l)
		if t > 0.45 { // the first rows only
			return nil
		}
		return w.Row(t, l)
	})
	if err := w.Flush(); err != nil {
		fmt.Println(err)
	}
	fmt.Println(err)
	fmt.Printf("true peak %.1f dBTP at %s\n", maxima.TruePeak.Value, series.Clock(maxima.TruePeak.Start))
	// Output:
	// t_s,momentary_lufs,short_term_lufs,sample_peak_dbfs,true_peak_dbtp
	// 0.1,,,-19.99999987057016,-19.99999987057016
	// 0.2,,,-19.99999987057016,-19.99999987057016
	// 0.3,,,-19.99999987057016,-19.99999987057016
	// 0.4,-23.00389525381388,,-19.99999987057016,-19.99999987057016
	// <nil>
	// true peak -6.0 dBTP at 0:00.5
}
