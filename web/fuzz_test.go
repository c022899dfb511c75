package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/levelmeter/levelmeter/dsp"
)

// FuzzEventReader feeds arbitrary streams to the reader of /events: it must not panic, must end with io.EOF or
// ErrLineTooLong, and must return only events with data whose names hold no line break.
func FuzzEventReader(f *testing.F) {
	for _, s := range []string{
		"event: hello\ndata: {}\n\n",
		"data: a\r\ndata: b\r\n\r\n",
		": comment\n\nretry: 10\nid: 3\n\n",
		"event: x\ndata\n\n",
		"data: cut off",
		"\n\n\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		er := NewEventReader(bytes.NewReader(in))
		for range len(in) + 1 {
			ev, err := er.Next()
			if err != nil {
				if err != io.EOF && !errors.Is(err, ErrLineTooLong) {
					t.Fatalf("Next: %v", err)
				}
				return
			}
			if ev.Name == "" || bytes.ContainsAny([]byte(ev.Name), "\r\n") {
				t.Fatalf("event name %q", ev.Name)
			}
		}
		t.Fatal("more events than bytes")
	})
}

// FuzzFloat checks that Float's JSON round trip keeps every finite value and that UnmarshalJSON never panics.
func FuzzFloat(f *testing.F) {
	f.Add([]byte("-23.5"))
	f.Add([]byte("null"))
	f.Add([]byte("1e400"))
	f.Fuzz(func(t *testing.T, in []byte) {
		var v Float
		if v.UnmarshalJSON(in) != nil || !v.Valid() {
			return
		}
		b, err := v.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		var w Float
		if err := w.UnmarshalJSON(b); err != nil || w != v {
			t.Fatalf("%s → %v → %s → %v, %v", in, v, b, w, err)
		}
	})
}

// FuzzAppendUpdate holds appendUpdate to encoding/json for arbitrary names, errors and levels.
func FuzzAppendUpdate(f *testing.F) {
	f.Add("studio", "", -23.0, 0.5, int64(7))
	f.Add("studio", "", -23.0, 0.5, int64(8)) // with windows
	f.Add("caf\u00e9\u2028", "a\x00b", math.Inf(-1), math.NaN(), int64(-1))
	f.Fuzz(func(t *testing.T, source, lastError string, level, corr float64, n int64) {
		r := synth(source, int(n%100), level)
		r.LastError = lastError
		r.Interval.Correlation = corr
		r.Interval.Channel[1].RMS = level
		r.Counters.Captured = n
		if n%2 == 0 { // sliding windows, one of them silent
			r.Interval.Loudness.Windows[0] = dsp.WindowLoudness{Span: time.Minute, Integrated: level, Range: corr}
			r.Interval.Loudness.Windows[1] = dsp.WindowLoudness{Span: time.Hour, Integrated: math.Inf(-1)}
		}
		u := NewUpdate(r)
		want, err := json.Marshal(u)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendUpdate(nil, &u); !bytes.Equal(got, want) {
			t.Fatalf("appendUpdate: %s\njson.Marshal: %s", got, want)
		}
	})
}

// FuzzHistoryQuery sends /api/history any source and window: the answer is the history, 400 or 404, never a
// panic, and a 200 has at most MaxHistoryPoints points.
func FuzzHistoryQuery(f *testing.F) {
	for _, w := range []string{"1m", "10m", "1h", "24h", "", "0", "1s", "-1m", "1h0m0s", "9999999h", "1.5s", "1e9ns", "%zz"} {
		f.Add("studio", w)
	}
	f.Add("", "1m")
	f.Add("stu\x00dio", "1m")
	s := New(Options{History: time.Hour})
	for i := range 50 {
		r := synth("studio", i, -23)
		r.Time = time.Now().Add(time.Duration(i-50) * time.Second)
		s.Report(r)
	}
	h := s.Handler()
	f.Fuzz(func(t *testing.T, source, window string) {
		q := url.Values{"source": {source}, "window": {window}}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/history?"+q.Encode(), nil))
		switch rec.Code {
		case 200:
			var out History
			if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || len(out.Points) > MaxHistoryPoints || out.Source != source {
				t.Fatalf("source %q window %q: %v, %d points\n%.500s", source, window, err, len(out.Points), rec.Body)
			}
		case 400, 404:
		default:
			t.Fatalf("source %q window %q: %d", source, window, rec.Code)
		}
	})
}
