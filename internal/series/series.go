// Package series writes a loudness time series: one row per 100 ms of audio with the momentary and short-term
// loudness and the sample and true peak of that 100 ms, overall and optionally per channel, as CSV or JSON lines,
// for plotting elsewhere and for finding the moment of a maximum. It also tracks the times of the maxima for a
// report ("true peak -0.3 dBTP at 1:23.4").
//
// Guarantees:
//   - Full precision: every number is the shortest decimal that reads back to the same float64 (strconv 'g', -1);
//     nothing is rounded. A level that is -Inf (digital silence, or a window not yet full: the momentary value for
//     the first 400 ms, the short-term one for the first 3 s) is an empty CSV cell and a JSON null, never a
//     made-up floor.
//   - Both formats carry the same columns under the same names, each naming its unit: t_s, momentary_lufs,
//     short_term_lufs, sample_peak_dbfs, true_peak_dbtp, then per channel sample_peak_dbfs_L, true_peak_dbtp_L,
//     and so on with the channel labels (dsp.Layout.Labels). CSV starts with a header row of these names.
//   - t_s is the time in seconds from the start of the input to the end of the 100 ms the row covers; the first
//     row is t_s=0.1, as ffmpeg's ebur128 framelog counts. The loudness values are those of the windows ending
//     there (400 ms and 3 s); the peaks are those of the 100 ms itself (dsp.Meter.Interval).
//   - Hops are exact at every rate: hop k ends at frame k·rate/10 (integer division), so the hops partition the
//     input with no drift; at rates divisible by 10 each is rate/10 frames and coincides with the loudness
//     meter's 100 ms sub-blocks. A last, partial hop gets a row too.
//   - Writing a row allocates nothing (a buffer is reused); the output is buffered, and Flush must be called at
//     the end.
package series

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/levelmeter/levelmeter/dsp"
)

// Format is the encoding of a series.
type Format int

const (
	CSV   Format = iota // comma-separated values with a header row
	JSONL               // one JSON object per line
)

func (f Format) String() string {
	switch f {
	case CSV:
		return "CSV"
	case JSONL:
		return "JSON lines"
	}
	return "Format(" + strconv.Itoa(int(f)) + ")"
}

// ErrFormat is the error FormatFor wraps when a file name's extension names no format.
var ErrFormat = errors.New("unknown series format")

// FormatFor chooses the format from a file name's extension: .csv for CSV, .jsonl (or .ndjson) for JSON lines,
// in any case. Anything else is an error wrapping ErrFormat; standard output has no extension, so the caller
// that offers it ("-") must say which format it means.
func FormatFor(name string) (Format, error) {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv":
		return CSV, nil
	case ".jsonl", ".ndjson":
		return JSONL, nil
	}
	return 0, fmt.Errorf("series: %w: %q; the name must end in .csv or .jsonl", ErrFormat, name)
}

// A Writer writes one row per Row call. It is not safe for concurrent use.
type Writer struct {
	w          *bufio.Writer
	format     Format
	channels   int
	perChannel bool
	names      []string // column names
	buf        []byte
	header     bool // the CSV header has been written
	err        error
}

// NewWriter returns a Writer of format f to w for audio whose channels carry labels (one per channel, as
// dsp.Layout.Labels gives them). perChannel adds each channel's sample and true peak to every row.
func NewWriter(w io.Writer, f Format, labels []string, perChannel bool) *Writer {
	names := []string{"t_s", "momentary_lufs", "short_term_lufs", "sample_peak_dbfs", "true_peak_dbtp"}
	if perChannel {
		for _, l := range labels {
			l = safeLabel(l)
			names = append(names, "sample_peak_dbfs_"+l, "true_peak_dbtp_"+l)
		}
	}
	return &Writer{w: bufio.NewWriterSize(w, 64<<10), format: f, channels: len(labels), perChannel: perChannel,
		names: names, buf: make([]byte, 0, 64+48*len(names))}
}

// Part returns a Writer of the same format and columns to out that writes no CSV header: for the rows of a later
// part of the input, written at once by another goroutine, to be appended to w's output after w's rows (Flush
// both first).
func (w *Writer) Part(out io.Writer) *Writer {
	p := NewWriter(out, w.format, nil, false)
	p.channels, p.perChannel, p.names = w.channels, w.perChannel, w.names
	p.buf = make([]byte, 0, cap(w.buf))
	p.header = true
	return p
}

// Columns returns the column names, in order: the CSV header and the JSON keys.
func (w *Writer) Columns() []string { return append([]string(nil), w.names...) }

// Row writes the row of the 100 ms that ends t seconds from the start, with the loudness of l.Loudness and the
// peaks of l.Overall and l.Channel: l should be what dsp.Meter.Interval returned at the end of that 100 ms (see
// Run). It allocates nothing. The first error is kept and returned by every later call and by Flush.
func (w *Writer) Row(t float64, l *dsp.Levels) error {
	if w.err != nil {
		return w.err
	}
	b := w.buf[:0]
	if w.format == CSV && !w.header {
		b = append(b, strings.Join(w.names, ",")...)
		b = append(b, '\n')
		w.header = true
	}
	if w.format == JSONL {
		b = append(b, '{')
	}
	col := 0
	b = w.num(b, col, t)
	col++
	for _, v := range [...]float64{l.Loudness.Momentary, l.Loudness.ShortTerm, l.Overall.SamplePeak, l.Overall.TruePeak} {
		b = w.num(b, col, v)
		col++
	}
	if w.perChannel {
		for c := range w.channels {
			b = w.num(b, col, l.Channel[c].SamplePeak)
			b = w.num(b, col+1, l.Channel[c].TruePeak)
			col += 2
		}
	}
	if w.format == JSONL {
		b = append(b, '}')
	}
	b = append(b, '\n')
	w.buf = b
	_, w.err = w.w.Write(b)
	return w.err
}

// num appends the value of column col, with its separator (and for JSON its key).
func (w *Writer) num(b []byte, col int, v float64) []byte {
	finite := !math.IsInf(v, 0) && !math.IsNaN(v)
	switch w.format {
	case CSV:
		if col > 0 {
			b = append(b, ',')
		}
		if finite {
			b = strconv.AppendFloat(b, v, 'g', -1, 64)
		}
	default:
		if col > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, w.names[col]...) // labels are letters and digits: nothing to escape
		b = append(b, '"', ':')
		if finite {
			b = strconv.AppendFloat(b, v, 'g', -1, 64)
		} else {
			b = append(b, "null"...)
		}
	}
	return b
}

// Flush writes what is buffered. It writes the CSV header if no row was written, so that an empty input gives a
// file a reader can still recognise.
func (w *Writer) Flush() error {
	if w.err != nil {
		return w.err
	}
	if w.format == CSV && !w.header {
		w.header = true
		if _, w.err = w.w.WriteString(strings.Join(w.names, ",") + "\n"); w.err != nil {
			return w.err
		}
	}
	w.err = w.w.Flush()
	return w.err
}

// safeLabel keeps a channel label to letters, digits and '_', so that a column name needs no quoting in either
// format.
func safeLabel(l string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' {
			return r
		}
		return '_'
	}, l)
}
