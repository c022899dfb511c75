package series

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/levelmeter/levelmeter/dsp"
)

// sliceSource hands out samples of a slice in reads of at most chunk samples.
type sliceSource struct {
	p     []float32
	ch    int
	chunk int
}

func (s *sliceSource) Read(dst []float32) (int, error) {
	if len(s.p) == 0 {
		return 0, io.EOF
	}
	n := min(len(dst), len(s.p), s.chunk)
	n -= n % s.ch
	copy(dst, s.p[:n])
	s.p = s.p[n:]
	return n, nil
}

// noise returns frames of stereo noise whose level changes every second, with a silent first half second.
func noise(rate, frames int) []float32 {
	r := rand.New(rand.NewPCG(1, 2))
	p := make([]float32, 2*frames)
	for i := range frames {
		if i < rate/2 {
			continue
		}
		a := 0.05 + 0.4*float64((i/rate)%4)/3
		p[2*i] = float32(a * (2*r.Float64() - 1))
		p[2*i+1] = float32(0.5 * a * (2*r.Float64() - 1))
	}
	return p
}

func newMeter(t testing.TB, rate int) *dsp.Meter {
	t.Helper()
	m, err := dsp.NewMeter(dsp.Config{SampleRate: rate, Channels: 2})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

type row struct {
	t float64
	l dsp.Levels
}

func collect(t *testing.T, rate int, p []float32, chunk int) ([]row, dsp.Levels) {
	t.Helper()
	m := newMeter(t, rate)
	var rows []row
	err := Run(&sliceSource{p: p, ch: 2, chunk: chunk}, m, rate, 2, make([]float32, 8192), func(tt float64, l *dsp.Levels) error {
		rows = append(rows, row{tt, *l})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return rows, m.Levels()
}

// TestRunHops: one row per 100 ms, exact at every rate, a last partial hop included; the meter's totals are those
// of a plain pass, and the rows' peaks partition it.
func TestRunHops(t *testing.T) {
	tests := []struct {
		rate, frames, rows int
		lastT              float64
	}{
		{48000, 48000 * 5, 50, 5},
		{44100, 44100*4 + 100, 41, 4 + 100.0/44100},
		{11025, 11025 * 2, 20, 2}, // hops of 1102 and 1103 frames
		{8000, 799, 1, 799.0 / 8000},
	}
	for _, tt := range tests {
		p := noise(tt.rate, tt.frames)
		for _, chunk := range []int{2, 999 * 2, 1 << 20} {
			rows, total := collect(t, tt.rate, p, chunk)
			if len(rows) != tt.rows || rows[len(rows)-1].t != tt.lastT {
				t.Fatalf("%d Hz, reads of %d: %d rows ending at %v, want %d ending at %v", tt.rate, chunk, len(rows),
					rows[len(rows)-1].t, tt.rows, tt.lastT)
			}
			var frames int64
			peak := math.Inf(-1)
			for i, r := range rows {
				frames += r.l.Frames
				peak = max(peak, r.l.Overall.TruePeak)
				if i+1 < len(rows) && r.l.Frames != HopEnd(int64(i+1), tt.rate)-HopEnd(int64(i), tt.rate) {
					t.Fatalf("%d Hz: hop %d has %d frames", tt.rate, i, r.l.Frames)
				}
			}
			m := newMeter(t, tt.rate)
			m.Process(p)
			plain := m.Levels()
			// Where hops are whole 10 ms ticks, the totals are those of a plain pass to the last bit; elsewhere
			// the sums are merged in another order, within rounding.
			tol := 0.0
			if tt.rate%100 != 0 {
				tol = 1e-12
			}
			if frames != int64(tt.frames) || peak != plain.Overall.TruePeak || !sameLevels(total, plain, tol) {
				t.Errorf("%d Hz: rows cover %d frames with true peak %v; want %d, %v; totals %+v, plain %+v",
					tt.rate, frames, peak, tt.frames, plain.Overall.TruePeak, total.Overall, plain.Overall)
			}
		}
	}
}

func write(t *testing.T, f Format, perChannel bool, rows []row) string {
	t.Helper()
	var b bytes.Buffer
	w := NewWriter(&b, f, []string{"L", "R"}, perChannel)
	for _, r := range rows {
		if err := w.Row(r.t, &r.l); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// values returns the numbers a row must carry, in column order.
func values(r row, perChannel bool) []float64 {
	v := []float64{r.t, r.l.Loudness.Momentary, r.l.Loudness.ShortTerm, r.l.Overall.SamplePeak, r.l.Overall.TruePeak}
	if perChannel {
		for c := range r.l.Channels {
			v = append(v, r.l.Channel[c].SamplePeak, r.l.Channel[c].TruePeak)
		}
	}
	return v
}

func same(a, b float64) bool { return a == b || math.IsInf(a, -1) && math.IsInf(b, -1) }

// TestParseBack: both formats read back with the standard parsers to the same float64 values, -Inf as an empty
// cell or null, under the same column names.
func TestParseBack(t *testing.T) {
	rows, _ := collect(t, 48000, noise(48000, 48000*4+480), 4096)
	for _, perChannel := range []bool{false, true} {
		want := []string{"t_s", "momentary_lufs", "short_term_lufs", "sample_peak_dbfs", "true_peak_dbtp"}
		if perChannel {
			want = append(want, "sample_peak_dbfs_L", "true_peak_dbtp_L", "sample_peak_dbfs_R", "true_peak_dbtp_R")
		}

		recs, err := csv.NewReader(strings.NewReader(write(t, CSV, perChannel, rows))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(recs[0], ",") != strings.Join(want, ",") || len(recs) != len(rows)+1 {
			t.Fatalf("CSV header %v and %d rows, want %v and %d", recs[0], len(recs)-1, want, len(rows))
		}
		for i, rec := range recs[1:] {
			for j, v := range values(rows[i], perChannel) {
				got := math.Inf(-1)
				if rec[j] != "" {
					if got, err = strconv.ParseFloat(rec[j], 64); err != nil {
						t.Fatal(err)
					}
				}
				if !same(got, v) {
					t.Fatalf("CSV row %d column %s: %q, want %v", i, want[j], rec[j], v)
				}
			}
		}

		sc := bufio.NewScanner(strings.NewReader(write(t, JSONL, perChannel, rows)))
		i := 0
		for ; sc.Scan(); i++ {
			var obj map[string]*float64
			if err := json.Unmarshal(sc.Bytes(), &obj); err != nil {
				t.Fatalf("line %d: %v: %s", i, err, sc.Bytes())
			}
			if len(obj) != len(want) {
				t.Fatalf("line %d has %d keys, want %v", i, len(obj), want)
			}
			for j, v := range values(rows[i], perChannel) {
				p, ok := obj[want[j]]
				got := math.Inf(-1)
				if p != nil {
					got = *p
				}
				if !ok || !same(got, v) {
					t.Fatalf("JSON line %d key %s: %v, want %v", i, want[j], p, v)
				}
			}
		}
		if i != len(rows) {
			t.Errorf("%d JSON lines, want %d", i, len(rows))
		}
	}
}

func TestEmptyCSVHasHeader(t *testing.T) {
	if got := write(t, CSV, false, nil); got != "t_s,momentary_lufs,short_term_lufs,sample_peak_dbfs,true_peak_dbtp\n" {
		t.Errorf("got %q", got)
	}
	if got := write(t, JSONL, false, nil); got != "" {
		t.Errorf("JSON lines of nothing: %q", got)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteErrorSticks(t *testing.T) {
	w := NewWriter(failWriter{}, CSV, []string{"L"}, false)
	var l dsp.Levels
	for range 5000 { // past the buffer
		if err := w.Row(1, &l); err != nil {
			break
		}
	}
	if err := w.Flush(); err == nil || err.Error() != "disk full" {
		t.Errorf("Flush: %v", err)
	}
}

func TestRowAllocs(t *testing.T) {
	rows, _ := collect(t, 48000, noise(48000, 48000*4), 4096)
	for _, f := range []Format{CSV, JSONL} {
		w := NewWriter(io.Discard, f, []string{"L", "R"}, true)
		i := 0
		allocs := testing.AllocsPerRun(200, func() {
			r := &rows[i%len(rows)]
			w.Row(r.t, &r.l)
			i++
		})
		if allocs != 0 {
			t.Errorf("%v: %v allocations per row", f, allocs)
		}
	}
}

func TestFormatFor(t *testing.T) {
	tests := []struct {
		name string
		want Format
		ok   bool
	}{
		{"out.csv", CSV, true},
		{"dir.d/OUT.CSV", CSV, true},
		{"out.jsonl", JSONL, true},
		{"out.ndjson", JSONL, true},
		{"out.json", 0, false},
		{"-", 0, false},
		{"csv", 0, false},
	}
	for _, tt := range tests {
		f, err := FormatFor(tt.name)
		if (err == nil) != tt.ok || tt.ok && f != tt.want || !tt.ok && !errors.Is(err, ErrFormat) {
			t.Errorf("FormatFor(%q) = %v, %v", tt.name, f, err)
		}
	}
}

func TestLabelsAreSafe(t *testing.T) {
	w := NewWriter(io.Discard, JSONL, []string{"L", `a"b c`}, true)
	if got := strings.Join(w.Columns()[5:], ","); got != "sample_peak_dbfs_L,true_peak_dbtp_L,sample_peak_dbfs_a_b_c,true_peak_dbtp_a_b_c" {
		t.Error(got)
	}
}

// TestMaxima: the times of the maxima are the hops and windows that reached them first, and the values are the
// meter's.
func TestMaxima(t *testing.T) {
	rate := 48000
	p := make([]float32, 2*rate*10)
	for i := range rate * 10 {
		v := float32(0.1 * math.Sin(float64(i)*0.05))
		if i >= rate*6 && i < rate*7 { // the loudest second
			v *= 5
		}
		p[2*i], p[2*i+1] = v, v
	}
	p[2*(rate*2+rate/4)] = 0.9 // a click at 2.25 s
	rows, total := collect(t, rate, p, 1<<20)
	var x Maxima
	for _, r := range rows {
		x.Add(r.t, &r.l)
	}
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-9 }
	if x.TruePeak.Value != total.Overall.TruePeak || !near(x.TruePeak.Start, 2.2) || !near(x.TruePeak.End, 2.3) {
		t.Errorf("true peak %+v, meter %v", x.TruePeak, total.Overall.TruePeak)
	}
	if x.SamplePeak.Value != total.Overall.SamplePeak || !near(x.SamplePeak.Start, 2.2) {
		t.Errorf("sample peak %+v", x.SamplePeak)
	}
	// Every window inside the loud second is as loud, to a rounding error: any of them may be the maximum.
	if m := x.Momentary; m.Value != total.Loudness.MomentaryMax || m.End < 6.4-1e-9 || m.End > 7+1e-9 || !near(m.Start, m.End-0.4) {
		t.Errorf("momentary %+v, meter %v", x.Momentary, total.Loudness.MomentaryMax)
	}
	if m := x.ShortTerm; m.Value != total.Loudness.ShortTermMax || m.End < 7-1e-9 || m.End > 9+1e-9 || !near(m.Start, m.End-3) {
		t.Errorf("short-term %+v, meter %v", x.ShortTerm, total.Loudness.ShortTermMax)
	}
	if got := Clock(x.TruePeak.Start); got != "0:02.2" {
		t.Errorf("Clock = %q", got)
	}
}

func TestClock(t *testing.T) {
	tests := []struct {
		s    float64
		want string
	}{
		{0, "0:00.0"}, {0.3, "0:00.3"}, {0.1 * 3, "0:00.3"}, {7.29, "0:07.2"}, {83.4, "1:23.4"},
		{3723, "1:02:03.0"}, {-1, "?"}, {math.NaN(), "?"}, {math.Inf(1), "?"},
	}
	for _, tt := range tests {
		if got := Clock(tt.s); got != tt.want {
			t.Errorf("Clock(%v) = %q, want %q", tt.s, got, tt.want)
		}
	}
}

func sameLevels(a, b dsp.Levels, tol float64) bool {
	eq := func(x, y float64) bool {
		return x == y || math.IsNaN(x) && math.IsNaN(y) || math.Abs(x-y) <= tol*math.Abs(y)
	}
	la, lb := a.Loudness, b.Loudness
	oa, ob := a.Overall, b.Overall
	return eq(la.Momentary, lb.Momentary) && eq(la.ShortTerm, lb.ShortTerm) && eq(la.MomentaryMax, lb.MomentaryMax) &&
		eq(la.ShortTermMax, lb.ShortTermMax) && eq(la.Integrated, lb.Integrated) && eq(la.Range, lb.Range) &&
		eq(oa.SamplePeak, ob.SamplePeak) && eq(oa.TruePeak, ob.TruePeak) && eq(oa.RMS, ob.RMS) &&
		eq(oa.DCOffset, ob.DCOffset) && eq(oa.CrestFactor, ob.CrestFactor) && oa.Clipped == ob.Clipped
}

type stuckSource struct{}

func (stuckSource) Read([]float32) (int, error) { return 0, nil }

type failSource struct{}

func (failSource) Read([]float32) (int, error) { return 0, errors.New("decode: bad frame") }

func TestRunErrors(t *testing.T) {
	m := newMeter(t, 48000)
	row := func(float64, *dsp.Levels) error { return nil }
	buf := make([]float32, 1024)
	if err := Run(stuckSource{}, m, 48000, 2, buf, row); !errors.Is(err, io.ErrNoProgress) {
		t.Errorf("a stuck source: %v", err)
	}
	if err := Run(failSource{}, m, 48000, 2, buf, row); err == nil || err.Error() != "decode: bad frame" {
		t.Errorf("a failing source: %v", err)
	}
	if err := Run(failSource{}, m, 48000, 2, buf[:1], row); !errors.Is(err, io.ErrShortBuffer) {
		t.Errorf("a buffer of less than a frame: %v", err)
	}
	stop := errors.New("stop")
	rows := 0
	err := Run(&sliceSource{p: noise(48000, 48000), ch: 2, chunk: 1 << 20}, m, 48000, 2, buf, func(float64, *dsp.Levels) error {
		rows++
		if rows == 3 {
			return stop
		}
		return nil
	})
	if err != stop || rows != 3 {
		t.Errorf("a row's error: %v after %d rows", err, rows)
	}
}
