package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"

	"github.com/levelmeter/levelmeter/dsp"
)

// An albumSum is --album: the loudness of every file measured, together, as one programme in the order given
// (dsp.Album: the gates applied to all the files' blocks at once, as ReplayGain's album gain does).
type albumSum struct {
	a           *dsp.Album
	notMeasured int     // files that could not be measured and are left out
	stMax       float64 // the largest short-term loudness of any file: whether a 3 s window passed the gate
	lastShown   bool    // the last file's report was printed, with no blank line after it
}

func newAlbumSum() *albumSum { return &albumSum{a: dsp.NewAlbum(), stMax: math.Inf(-1)} }

// add takes a file's result, in the order of the files; its meter is let go once added.
func (s *albumSum) add(r fileResult) {
	if r.a == nil || r.a.meter == nil {
		s.notMeasured++
		return
	}
	s.a.Add(r.a.meter)
	r.a.meter = nil
	s.stMax = max(s.stMax, r.a.Levels.Loudness.ShortTermMax)
}

// integrated and lra are the album's values; lra is NaN where there is none to measure, as a file's is.
func (s *albumSum) integrated() float64 { return s.a.Integrated() }

func (s *albumSum) lra() float64 {
	r := s.a.Range()
	if math.IsInf(s.a.Integrated(), -1) || r == 0 && !(s.stMax >= -70) {
		return nanValue
	}
	return r
}

type jsonAlbum struct {
	Files       int `json:"files"`
	NotMeasured int `json:"files_not_measured"`
	Integrated  num `json:"integrated_lufs"`
	Range       num `json:"lra_lu"`
}

// write prints the album after the reports: a last JSON line {"album": {...}}, or a paragraph of text.
func (s *albumSum) write(w io.Writer, asJSON bool) error {
	if asJSON {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		err := enc.Encode(struct {
			Album jsonAlbum `json:"album"`
		}{jsonAlbum{Files: s.a.Programmes(), NotMeasured: s.notMeasured, Integrated: num(s.integrated()),
			Range: num(s.lra())}})
		if err != nil {
			return err
		}
		_, err = w.Write(b.Bytes())
		return err
	}
	what := fmt.Sprintf("%d files", s.a.Programmes())
	if s.a.Programmes() == 1 {
		what = "1 file"
	}
	if s.notMeasured > 0 {
		what += fmt.Sprintf(" (%d not measured, left out)", s.notMeasured)
	}
	if s.lastShown {
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "album: %s, measured together in the order given\n", what)
	note := "nothing above the -70 LUFS gate in any file"
	if s.a.Programmes() == 0 {
		note = "no file was measured"
	}
	fmt.Fprintf(w, "  integrated     %s\n", fmtLU(s.integrated(), "LUFS", note))
	fmt.Fprintf(w, "  loudness range %s\n", fmtLU(s.lra(), "LU", "no 3 s window of any file above the -70 LUFS gate"))
	return nil
}
