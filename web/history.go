package web

import (
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/levelmeter/levelmeter/pipeline"
	"github.com/levelmeter/levelmeter/ring"
)

// DefaultHistory is how far back /api/history reaches when Options.History is 0.
const DefaultHistory = 24 * time.Hour

// MaxHistoryPoints is the most points /api/history returns for one window: longer windows are cut into this
// many buckets, each holding the minimum and maximum of what it covers, so that a peak shorter than a bucket
// still shows.
const MaxHistoryPoints = 600

// A second is the summary of one second of one source's reports, as the history keeps it. float32 holds
// levels to better than 0.001 dB in the range a meter shows and halves the memory: 24 bytes a second, so 24
// hours take 86 400 × 24 B = 2 073 600 B (1.98 MiB) per source, allocated once at its first report; 16 sources
// take 32 MiB, 64 sources 127 MiB. Options.History shortens it in proportion.
type second struct {
	t      uint32  // Unix time in seconds (unsigned: good until 2106)
	alarms uint32  // bit i set: the alarm named alarmNames[i] was active during the second
	m, s   float32 // the largest momentary and short-term loudness, LUFS; -Inf silence, NaN none measured
	sp, tp float32 // the largest sample peak (dBFS) and true peak (dBTP) over all channels
}

func newSecond(t int64) second {
	nan := float32(math.NaN())
	return second{t: uint32(t), m: nan, s: nan, sp: nan, tp: nan}
}

// add folds one report's values into the second.
func (x *second) add(r *pipeline.Report, alarms uint32) {
	iv := &r.Interval
	x.alarms |= alarms
	x.m = max32(x.m, iv.Loudness.Momentary)
	x.s = max32(x.s, iv.Loudness.ShortTerm)
	if iv.Channels > 0 {
		x.sp = max32(x.sp, iv.Overall.SamplePeak)
		x.tp = max32(x.tp, iv.Overall.TruePeak)
	}
}

// max32 returns the larger of a and b, where NaN means "no value" (not "undefined wins" as in math.Max).
func max32(a float32, b float64) float32 {
	if math.IsNaN(b) {
		return a
	}
	if f := float32(b); a != a || f > a {
		return f
	}
	return a
}

// history is one source's second summaries. Report writes it (holding Server.mu); serveHistory reads the ring,
// which has its own lock, and cur under Server.mu.
type history struct {
	ring   *ring.Buffer[second] // nil before the first report, or if it could not be allocated
	cur    second               // the second being summed; t == 0 before the first report
	failed bool                 // the ring could not be allocated: the source has no history
}

// record adds r to h: O(1), no allocation.
func (h *history) record(r *pipeline.Report, at time.Time, alarms uint32) {
	t := at.Unix()
	if t <= 0 || t > math.MaxUint32 {
		return
	}
	if h.cur.t != uint32(t) {
		if h.cur.t != 0 {
			h.ring.Overwrite(h.cur)
		}
		h.cur = newSecond(t)
	}
	h.cur.add(r, alarms)
}

// A HistoryPoint summarizes one bucket of a source's history: the range of the per-second values within it.
// Levels are null where nothing was measured or the level was silence.
type HistoryPoint struct {
	Time       int64         `json:"t"`          // the bucket's start, Unix seconds
	Momentary  [2]historyVal `json:"momentary"`  // the smallest and largest per-second momentary maximum, LUFS
	ShortTerm  [2]historyVal `json:"shortTerm"`  // the smallest and largest per-second short-term maximum, LUFS
	SamplePeak historyVal    `json:"samplePeak"` // the largest sample peak, dBFS
	TruePeak   historyVal    `json:"truePeak"`   // the largest true peak, dBTP
	Alarms     []string      `json:"alarms,omitempty"`
}

// History is the JSON answer of /api/history.
type History struct {
	Source string `json:"source"`
	Window string `json:"window"`
	// Step is the length of a bucket in seconds; buckets start at multiples of it (Unix time), so a client can
	// fold live reports into the last one the same way.
	Step int64 `json:"step"`
	// Start and End bound the window, Unix seconds; End is the second after the newest one.
	Start int64 `json:"start"`
	End   int64 `json:"end"`
	// Points are the buckets that hold data, oldest first; a missing bucket is a gap (the source was not
	// reporting).
	Points []HistoryPoint `json:"points"`
}

// historyVal is a float32 level in JSON: the shortest decimal that reads back as the float32, or null for
// NaN and ±Inf.
type historyVal float32

func (v historyVal) MarshalJSON() ([]byte, error) {
	f := float64(v)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, f, 'g', -1, 32), nil
}

func (v *historyVal) UnmarshalJSON(b []byte) error {
	var f Float
	if err := f.UnmarshalJSON(b); err != nil {
		return err
	}
	*v = historyVal(f)
	return nil
}

// parseWindow reads a window such as "10m" or "24h".
func parseWindow(s string, limit time.Duration) (time.Duration, bool) {
	d, err := time.ParseDuration(s)
	if err != nil || d < 10*time.Second || d > limit || d%time.Second != 0 {
		return 0, false
	}
	return d, true
}

// downsample cuts [end-window, end) into at most MaxHistoryPoints buckets aligned to multiples of the step and
// summarizes secs (in any order) into them.
func downsample(secs []second, end int64, window time.Duration, names []string) History {
	w := int64(window / time.Second)
	step := (w + MaxHistoryPoints - 1) / MaxHistoryPoints
	start := (end - w + step - 1) / step * step // the first whole bucket inside the window
	n := (end - start + step - 1) / step
	type bucket struct {
		have               bool
		mLo, mHi, sLo, sHi float32
		sp, tp             float32
		alarms             uint32
	}
	b := make([]bucket, n)
	nan := float32(math.NaN())
	for i := range b {
		b[i] = bucket{mLo: nan, mHi: nan, sLo: nan, sHi: nan, sp: nan, tp: nan}
	}
	lo := func(a, v float32) float32 {
		if v != v || (a == a && a <= v) {
			return a
		}
		return v
	}
	hi := func(a, v float32) float32 {
		if v != v || (a == a && a >= v) {
			return a
		}
		return v
	}
	for i := range secs {
		x := &secs[i]
		t := int64(x.t)
		if t < start || t >= end {
			continue
		}
		k := &b[(t-start)/step]
		k.have = true
		k.mLo, k.mHi = lo(k.mLo, x.m), hi(k.mHi, x.m)
		k.sLo, k.sHi = lo(k.sLo, x.s), hi(k.sHi, x.s)
		k.sp, k.tp = hi(k.sp, x.sp), hi(k.tp, x.tp)
		k.alarms |= x.alarms
	}
	h := History{Window: window.String(), Step: step, Start: start, End: end, Points: []HistoryPoint{}}
	for i := range b {
		k := &b[i]
		if !k.have {
			continue
		}
		p := HistoryPoint{
			Time:       start + int64(i)*step,
			Momentary:  [2]historyVal{historyVal(k.mLo), historyVal(k.mHi)},
			ShortTerm:  [2]historyVal{historyVal(k.sLo), historyVal(k.sHi)},
			SamplePeak: historyVal(k.sp), TruePeak: historyVal(k.tp),
		}
		for a := k.alarms; a != 0; a &= a - 1 {
			if i := trailingZeros(a); i < len(names) {
				p.Alarms = append(p.Alarms, names[i])
			}
		}
		h.Points = append(h.Points, p)
	}
	return h
}

func trailingZeros(a uint32) int {
	n := 0
	for a&1 == 0 {
		a >>= 1
		n++
	}
	return n
}

// serveHistory answers /api/history?source=NAME&window=DURATION (default 10m) with a History as JSON: 400 for a
// missing source or a bad window, 404 for a source that has not reported.
func (s *Server) serveHistory(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	name := q.Get("source")
	if name == "" {
		http.Error(w, "missing ?source=NAME", http.StatusBadRequest)
		return
	}
	ws := q.Get("window")
	if ws == "" {
		ws = "10m"
	}
	window, ok := parseWindow(ws, s.opts.History)
	if !ok {
		http.Error(w, "bad window "+strconv.Quote(ws)+": give a duration from 10s to "+fmtDuration(s.opts.History)+
			" in whole seconds, such as 1m, 10m, 1h or 24h", http.StatusBadRequest)
		return
	}

	s.mu.Lock()
	src := s.sources[name]
	var cur second
	var h *history
	if src != nil {
		h = &src.history
		cur = h.cur
	}
	s.mu.Unlock()
	if h == nil || h.ring == nil {
		http.Error(w, "no source "+strconv.Quote(name), http.StatusNotFound)
		return
	}
	// A snapshot of a day is 2 MB: reuse them, so that page loads do not each leave one to the collector.
	buf, _ := snapshots.Get().(*[]second)
	if buf == nil {
		buf = new([]second)
	}
	defer snapshots.Put(buf)
	secs := h.ring.Snapshot(*buf)
	if cur.t != 0 {
		secs = append(secs, cur)
	}
	*buf = secs[:0]
	end := s.now().Unix() + 1
	if cur.t != 0 && int64(cur.t) >= end {
		end = int64(cur.t) + 1 // the reports' clock runs ahead of ours
	}
	out := downsample(secs, end, window, s.alarmNames())
	out.Source = name
	out.Window = ws

	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(out)
}

// snapshots holds buffers for serveHistory's copies of a history.
var snapshots sync.Pool

// fmtDuration writes d as people write windows: 24h rather than 24h0m0s.
func fmtDuration(d time.Duration) string {
	switch {
	case d%time.Hour == 0:
		return strconv.FormatInt(int64(d/time.Hour), 10) + "h"
	case d%time.Minute == 0:
		return strconv.FormatInt(int64(d/time.Minute), 10) + "m"
	}
	return d.String()
}
