package series

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/levelmeter/levelmeter/dsp"
)

// A Source gives interleaved float32 frames, as audio/decode.Reader does: n > 0 samples of whole frames with a
// nil error until the end, then 0 and io.EOF.
type Source interface {
	Read(dst []float32) (int, error)
}

// HopEnd is the frame at which the k-th 100 ms hop ends (k from 1), exact at any rate: k·rate/10.
func HopEnd(k int64, rate int) int64 { return k * int64(rate) / 10 }

// Run reads src to its end into m in 100 ms hops and calls row after each, with the time of the hop's end in
// seconds from the start and m.Interval() (a last, partial hop gets a row too). buf is the read buffer; it must
// hold at least one frame, and a hop is read in several reads when it is shorter. A Run over a meter is what
// the analysis does without a series, plus one Interval per hop: m.Levels() afterwards is the same (to the last
// bit where a hop is a whole number of the meter's 10 ms ticks, as at 44.1 and 48 kHz; elsewhere the sums are
// merged in another order, which can move the last bits of the RMS). It stops at the first error of src or row and returns it; io.EOF is the normal end and returns nil.
func Run(src Source, m *dsp.Meter, rate, channels int, buf []float32, row func(t float64, l *dsp.Levels) error) error {
	return RunPart(src, m, rate, channels, buf, 0, -1, row)
}

// RunPart is Run over a part of a longer input: src stands at frame first of the input, a hop boundary (a
// multiple of rate/10 frames at rates divisible by 10), and is read up to frame end (to its end when end < 0);
// the times are from the start of the input. The rows are those Run gives for the hops of the part, when m has
// been primed on the input before it (dsp.Meter.Prime). A src that ends before end is io.ErrUnexpectedEOF.
func RunPart(src Source, m *dsp.Meter, rate, channels int, buf []float32, first, end int64, row func(t float64, l *dsp.Levels) error) error {
	if channels < 1 || rate < 1 {
		return fmt.Errorf("series: %d channels at %d Hz", channels, rate)
	}
	if len(buf) < channels {
		return io.ErrShortBuffer
	}
	pos := first
	k := first*10/int64(rate) + 1
	next := HopEnd(k, rate)
	for end < 0 || pos < end {
		want := min(int64(len(buf)/channels), next-pos) * int64(channels)
		if end >= 0 {
			want = min(want, (end-pos)*int64(channels))
		}
		n, err := src.Read(buf[:want])
		if errors.Is(err, io.EOF) {
			if end >= 0 {
				return io.ErrUnexpectedEOF
			}
			break
		}
		if err != nil {
			return err
		}
		if n == 0 {
			return io.ErrNoProgress // a source that neither reads nor ends would spin here
		}
		m.Process(buf[:n])
		pos += int64(n / channels)
		if pos == next {
			l := m.Interval()
			if err := row(float64(pos)/float64(rate), &l); err != nil {
				return err
			}
			k++
			next = HopEnd(k, rate)
		}
	}
	if pos > max(first, HopEnd(k-1, rate)) {
		l := m.Interval() // the last, partial hop
		return row(float64(pos)/float64(rate), &l)
	}
	return nil
}

// A Max is a maximum and the span of time it was measured over, in seconds from the start: the 100 ms hop of a
// peak, the 400 ms or 3 s window of a loudness value (the 400 ms or 3 s before the end of the hop whose row
// carried it). Value is -Inf while nothing was measured: silence, or a window not yet full.
type Max struct {
	Value      float64
	Start, End float64
}

// Maxima tracks when the maxima of a series were reached: the first hop (or window) that reached each. The zero
// Maxima is ready to use (its values mean something once Add has been called); feed it every row.
type Maxima struct {
	TruePeak   Max // dBTP
	SamplePeak Max // dBFS
	Momentary  Max // LUFS
	ShortTerm  Max // LUFS
	prev       float64
	started    bool
}

// Add takes the row of the hop that ends t seconds from the start (as Run gives it).
func (x *Maxima) Add(t float64, l *dsp.Levels) {
	if !x.started {
		inf := math.Inf(-1)
		x.TruePeak.Value, x.SamplePeak.Value, x.Momentary.Value, x.ShortTerm.Value = inf, inf, inf, inf
		x.started = true
	}
	start := x.prev
	x.prev = t
	up := func(m *Max, v, from float64) {
		if v > m.Value && !math.IsNaN(v) {
			*m = Max{Value: v, Start: max(0, from), End: t}
		}
	}
	up(&x.TruePeak, l.Overall.TruePeak, start)
	up(&x.SamplePeak, l.Overall.SamplePeak, start)
	up(&x.Momentary, l.Loudness.Momentary, t-0.4)
	up(&x.ShortTerm, l.Loudness.ShortTerm, t-3)
}

// Begin sets the time, in seconds from the start of the input, at which the first row's hop starts, for the
// maxima of a part of the input that does not start at 0 (see RunPart). Call it before the first Add.
func (x *Maxima) Begin(t float64) { x.prev = t }

// Merge takes the maxima of later, the part of the series that follows x's: where later reached a higher value,
// its value and time; on a tie, x's, which came first.
func (x *Maxima) Merge(later *Maxima) {
	if !later.started {
		return
	}
	if !x.started {
		*x = *later
		return
	}
	for _, p := range [...][2]*Max{{&x.TruePeak, &later.TruePeak}, {&x.SamplePeak, &later.SamplePeak},
		{&x.Momentary, &later.Momentary}, {&x.ShortTerm, &later.ShortTerm}} {
		if p[1].Value > p[0].Value {
			*p[0] = *p[1]
		}
	}
	x.prev = later.prev
}

// Clock formats seconds from the start as a person reads a position in a recording, to the tenth of a second
// (the resolution of a series): "0:07.3", "1:23.4", "1:02:03.0". Negative or non-finite input gives "?".
func Clock(s float64) string {
	if !(s >= 0) || math.IsInf(s, 0) {
		return "?"
	}
	tenths := int64(math.Floor(s*10 + 1e-6)) // a time of 0.3 s is 0.29999... in binary; it is 0:00.3
	h, m, sec, d := tenths/36000, tenths/600%60, tenths/10%60, tenths%10
	if h > 0 {
		return strconv.FormatInt(h, 10) + ":" + two(m) + ":" + two(sec) + "." + strconv.FormatInt(d, 10)
	}
	return strconv.FormatInt(m, 10) + ":" + two(sec) + "." + strconv.FormatInt(d, 10)
}

func two(v int64) string {
	if v < 10 {
		return "0" + strconv.FormatInt(v, 10)
	}
	return strconv.FormatInt(v, 10)
}
