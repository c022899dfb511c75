package web

import (
	"encoding/json"
	"math"
	"strconv"
	"time"
)

// appendUpdate appends the JSON of u to b: the same bytes as json.Marshal(u) (a test holds the two together),
// about ten times faster, because Report encodes every report of every source.
func appendUpdate(b []byte, u *Update) []byte {
	b = append(b, `{"source":`...)
	b = appendString(b, u.Source)
	b = append(b, `,"time":`...)
	b = appendTime(b, u.Time)
	b = append(b, `,"final":`...)
	b = strconv.AppendBool(b, u.Final)
	b = append(b, `,"sampleRate":`...)
	b = strconv.AppendInt(b, int64(u.SampleRate), 10)
	if !u.Started.IsZero() {
		b = append(b, `,"started":`...)
		b = appendTime(b, u.Started)
	}
	if u.LastError != "" {
		b = append(b, `,"lastError":`...)
		b = appendString(b, u.LastError)
	}
	b = appendFloat(append(b, `,"latency":`...), u.Latency)
	b = append(b, `,"channels":`...)
	if u.Channels == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range u.Channels {
			if i > 0 {
				b = append(b, ',')
			}
			c := &u.Channels[i]
			b = appendFloat(append(b, `{"samplePeak":`...), c.SamplePeak)
			b = appendFloat(append(b, `,"truePeak":`...), c.TruePeak)
			b = appendFloat(append(b, `,"rms":`...), c.RMS)
			b = appendFloat(append(b, `,"dcOffset":`...), c.DCOffset)
			b = appendFloat(append(b, `,"crest":`...), c.Crest)
			b = appendFloat(append(b, `,"peak":`...), c.Peak)
			b = appendFloat(append(b, `,"hold":`...), c.Hold)
			b = strconv.AppendBool(append(b, `,"clip":`...), c.Clip)
			b = appendFloat(append(b, `,"truePeakMax":`...), c.TruePeakMax)
			b = strconv.AppendInt(append(b, `,"clipped":`...), c.Clipped, 10)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = append(b, `,"labels":`...)
	b = appendStrings(b, u.Labels)
	b = appendFloat(append(b, `,"correlation":`...), u.Correlation)
	l := &u.Loudness
	b = appendFloat(append(b, `,"loudness":{"momentary":`...), l.Momentary)
	b = appendFloat(append(b, `,"shortTerm":`...), l.ShortTerm)
	b = appendFloat(append(b, `,"momentaryMax":`...), l.MomentaryMax)
	b = appendFloat(append(b, `,"shortTermMax":`...), l.ShortTermMax)
	b = appendFloat(append(b, `,"integrated":`...), l.Integrated)
	b = appendFloat(append(b, `,"range":`...), l.Range)
	if len(l.Windows) > 0 {
		b = append(b, `,"windows":[`...)
		for i := range l.Windows {
			w := &l.Windows[i]
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(append(b, `{"span":`...), w.Span)
			b = appendFloat(append(b, `,"integrated":`...), w.Integrated)
			b = appendFloat(append(b, `,"range":`...), w.Range)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = appendFloat(append(b, `},"truePeakMax":`...), u.TruePeakMax)
	b = appendFloat(append(b, `,"samplePeakMax":`...), u.SamplePeakMax)
	k := &u.Counters
	b = strconv.AppendInt(append(b, `,"counters":{"captured":`...), k.Captured, 10)
	b = strconv.AppendInt(append(b, `,"metered":`...), k.Metered, 10)
	b = strconv.AppendInt(append(b, `,"dropped":`...), k.Dropped, 10)
	b = strconv.AppendInt(append(b, `,"overflows":`...), k.Overflows, 10)
	b = strconv.AppendInt(append(b, `,"restarts":`...), k.Restarts, 10)
	b = strconv.AppendInt(append(b, `,"errors":`...), k.Errors, 10)
	b = strconv.AppendInt(append(b, `,"lost":`...), k.Lost, 10)
	b = strconv.AppendInt(append(b, `,"ringFill":`...), int64(k.RingFill), 10)
	b = strconv.AppendInt(append(b, `,"ringCap":`...), int64(k.RingCap), 10)
	b = append(b, '}')
	if len(u.Alarms) > 0 {
		b = append(b, `,"alarms":[`...)
		for i := range u.Alarms {
			a := &u.Alarms[i]
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(append(b, `{"name":`...), a.Name)
			b = appendTime(append(b, `,"since":`...), a.Since)
			b = appendFloat(append(b, `,"value":`...), a.Value)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if t := u.Target; t != nil {
		b = append(b, `,"target":{`...)
		if t.Name != "" {
			b = appendString(append(b, `"name":`...), t.Name)
			b = append(b, ',')
		}
		b = appendFloat(append(b, `"lufs":`...), t.LUFS)
		b = appendFloat(append(b, `,"tolerance":`...), t.Tolerance)
		b = appendFloat(append(b, `,"maxTruePeak":`...), t.MaxTruePeak)
		b = append(b, '}')
	}
	return append(b, '}')
}

func appendStrings(b []byte, s []string) []byte {
	if s == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, v := range s {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, v)
	}
	return append(b, ']')
}

func appendFloat(b []byte, f Float) []byte {
	v := float64(f)
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return append(b, "null"...)
	}
	return strconv.AppendFloat(b, v, 'g', -1, 64)
}

func appendTime(b []byte, t time.Time) []byte {
	if y := t.Year(); y < 0 || y > 9999 {
		// encoding/json refuses such times; a report never has one.
		return append(b, "null"...)
	}
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

// appendString appends s as a JSON string, escaped as encoding/json escapes it.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' || c >= 0x80 {
			// Names and errors are short; let encoding/json handle anything unusual.
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
