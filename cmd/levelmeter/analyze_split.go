package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/levelmeter/levelmeter/audio/wavfile"
	"github.com/levelmeter/levelmeter/dsp"
	tseries "github.com/levelmeter/levelmeter/internal/series"
)

// Measuring one long file on several cores.
//
// With more jobs than files, analyze cuts each long WAV file (a regular file of known length, at least splitMin,
// 10 minutes, long) into parts and meters them at once, each from its own reader: a part's meter is primed on the 5 s before
// it (dsp.Meter.Prime) and the parts' meters are merged in order (dsp.Meter.Merge), which adds the gating blocks,
// loudness-range values, peaks, sums and counts exactly.
//
// The parts start at multiples of the stretch (5 minutes from the start of the file), and every measurement of a file,
// split or not, starts a new interval of the meter at every stretch (dsp.Meter.Interval): which true-peak
// candidates the meter refines depends on the largest value found since the interval started, so a part and the
// single pass then refine the same ones and read the same true peak, to the last bit. The report is the same
// whichever way a file was measured: the text report byte for byte; in the JSON, peaks, counts and the loudness
// maxima to the last bit, and integrated loudness, loudness range, RMS, DC offset and correlation, whose sums are
// added in another order, to within a few units of the last place (1.4e-16 relative on an hour of noise).
//
// The stretch is long because each new interval costs: the true peak refines every candidate that beats the
// maximum of the interval so far, so until the interval has found its loud part it refines far more than a
// meter that found the whole file's long ago. On an hour of pink noise whose level swells and falls every 22 s,
// an interval every 10 s refined 20 times as many candidates and cost 60 % more CPU time in all; every 5
// minutes, 1.4 times as many, a few per cent.
//
// With --series, each part measures its 100 ms hops as a single pass does (tseries.RunPart, an interval per hop):
// the first part writes its rows to the series file, the others each to a file of their own beside it, appended
// in order at the end; the times of the maxima merge, the earlier winning a tie. The series file is the one a
// single pass writes, byte for byte.
//
// Pipes, standard input, other formats (decoded as a stream), files with a warning (a size never written or
// wrapped, a file cut short), rates that are not a multiple of 100 Hz (whose 10 ms ticks and 100 ms sub-blocks do
// not line up), and --plot (which thins its points as they come) are measured in one pass.

// splitStretch and splitMin, in tenths of a second, are the stretch at which parts may start and the length
// below which a file is measured in one pass; variables so that tests can cut short files.
var (
	splitStretch int64 = 3000 // 5 minutes
	splitMin     int64 = 6000 // 10 minutes
)

// partsPerJob is how many parts a file is cut into per job that measures it (as far as its stretches go): with
// more parts than jobs, a job whose core another program slows down measures fewer of them, and the jobs end
// together.
const partsPerJob = 4

// stretchFrames is the stretch in frames at rate.
func stretchFrames(rate int) int64 { return splitStretch * int64(rate) / 10 }

// splitCuts returns where the parts of a file of frames frames start, after the first (which starts at 0), for
// up to parts parts of nearly equal length, each a multiple of the stretch; nil when the file is to be measured
// in one pass.
func splitCuts(frames int64, rate, parts int) []int64 {
	if parts < 2 || rate%100 != 0 || frames < splitMin*int64(rate)/10 {
		return nil
	}
	stretch := stretchFrames(rate)
	var cuts []int64
	for k := 1; k < parts; k++ {
		c := (frames*int64(k)/int64(parts) + stretch/2) / stretch * stretch
		if c > 0 && c < frames && (len(cuts) == 0 || c > cuts[len(cuts)-1]) {
			cuts = append(cuts, c)
		}
	}
	return cuts
}

// splitPlan returns the length of src, the opened file, and where its parts start after the first, or nil cuts
// when it is to be measured in one pass: it is not a WAV file read from a regular file with nothing wrong with
// its header, a plot is asked for, or splitCuts says so.
func splitPlan(src frameReader, f fileFormat, opts analyzeOptions) (int64, []int64) {
	r, ok := src.(*wavfile.Reader)
	if !ok || opts.parts < 2 || opts.withSeries || len(r.Warnings()) > 0 {
		return 0, nil
	}
	frames := r.Info().Frames
	cuts := splitCuts(frames, f.SampleRate, opts.parts*partsPerJob)
	if onSplit != nil && cuts != nil {
		onSplit(cuts)
	}
	return frames, cuts
}

// onSplit, when set (by tests), is told where each file measured in parts is cut.
var onSplit func(cuts []int64)

// A filePart is one part of a file measured in parts.
type filePart struct {
	from, end int64 // frames
	last      bool  // the part that ends the file
	m         *dsp.Meter
	err       error

	// With a series: the part's maxima and rows. The first part writes its rows to the series file; the
	// others to a file of their own next to it, appended to it in order at the end.
	hops   bool
	maxima tseries.Maxima
	w      *tseries.Writer
	tmp    *os.File
	werr   error // writing the rows failed: the series is lost, the measurement stands
}

// measureSplit measures the file name in parts starting at cuts, opts.parts at once, and sets a.Levels from their merged
// meter (and with seriesName, a.maxima and the series file, measured in 100 ms hops). Each part opens the file
// again; cancelling ctx stops them all between blocks.
func (a *analysis) measureSplit(ctx context.Context, name string, cfg dsp.Config, frames int64, cuts []int64, opts analyzeOptions, seriesName string) (*dsp.Meter, error) {
	f := a.Format
	bounds := append(append([]int64{0}, cuts...), frames)
	parts := make([]filePart, len(bounds)-1)
	if seriesName != "" {
		a.out = createSeries(seriesName, opts.format, a.Layout.Labels(), opts.perChannel)
	}
	for k := range parts {
		p := &parts[k]
		p.from, p.end, p.last, p.hops = bounds[k], bounds[k+1], k == len(parts)-1, seriesName != ""
		p.maxima.Begin(float64(p.from) / float64(f.SampleRate))
		if a.out == nil || a.out.w == nil {
			continue
		}
		if k == 0 {
			p.w = a.out.w
			continue
		}
		p.tmp, p.werr = os.CreateTemp(filepath.Dir(seriesName), "."+filepath.Base(seriesName)+".part*")
		if p.werr == nil {
			p.w = a.out.w.Part(p.tmp)
		}
	}
	// opts.parts goroutines take the parts in order, each the next one not taken: a core that another program
	// slows down measures fewer of them.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	var next atomic.Int64
	for range min(opts.parts, len(parts)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := int(next.Add(1) - 1); k < len(parts); k = int(next.Add(1) - 1) {
				p := &parts[k]
				if p.m, p.err = measurePart(ctx, name, cfg, f, p); p.err != nil {
					cancel()
				}
			}
		}()
	}
	wg.Wait()
	err := ctx.Err()
	for _, p := range parts {
		if p.err != nil && !errors.Is(p.err, context.Canceled) {
			err = p.err
			break
		}
	}
	var m *dsp.Meter
	if err == nil {
		m = parts[0].m
		for _, p := range parts[1:] {
			if err = m.Merge(p.m); err != nil {
				err = fmt.Errorf("%s: %w", name, err) // unreachable: the parts are cut where Merge wants them
				break
			}
		}
	}
	if seriesName != "" {
		a.maxima = new(tseries.Maxima)
		for k := range parts {
			a.maxima.Merge(&parts[k].maxima)
		}
		a.out.join(parts, err == nil)
	}
	return m, err
}

// join appends the rows of the parts after the first to the series file, in order, removes their files, and
// closes the series file (removing it when the measurement did not finish, as close does).
func (s *seriesOut) join(parts []filePart, keep bool) {
	for _, p := range parts {
		if p.werr != nil && s.err == nil {
			s.err = p.werr
		}
	}
	if s.w != nil && s.err == nil {
		s.err = s.w.Flush()
	}
	for _, p := range parts[1:] {
		if p.tmp == nil {
			continue
		}
		if keep && s.err == nil {
			if _, err := p.tmp.Seek(0, io.SeekStart); err != nil {
				s.err = err
			} else if _, err := io.Copy(s.f, p.tmp); err != nil {
				s.err = err
			}
		}
		p.tmp.Close()
		os.Remove(p.tmp.Name())
	}
	s.close(keep)
}

// measurePart measures frames p.from to p.end of the file name with a meter of its own, primed on the frames
// before (dsp.PrimeFrames), starting an interval at every stretch as a single pass does (with a series, at every
// 100 ms hop, handing the rows on as measureHops does); the last part ends the meter's input (End).
func measurePart(ctx context.Context, name string, cfg dsp.Config, f fileFormat, p *filePart) (*dsp.Meter, error) {
	m, err := dsp.NewMeter(cfg)
	if err != nil {
		return nil, err
	}
	r, err := wavfile.Open(name)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	from, end := p.from, p.end
	prime := max(0, from-int64(dsp.PrimeFrames(cfg.SampleRate)))
	if err := r.SeekFrame(prime); err != nil {
		return nil, err
	}
	buf := make([]float32, readBlock*cfg.Channels)
	for pos := prime; pos < from; {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		n, err := r.Read(buf[:min(int64(readBlock), from-pos)*int64(cfg.Channels)])
		if err != nil {
			return nil, partEnded(err, pos, from)
		}
		m.Prime(buf[:n])
		pos += int64(n / cfg.Channels)
	}
	if !p.hops {
		if err := meterStretches(ctx, r, m, f, buf, from, end); err != nil {
			return nil, partEnded(err, from, end)
		}
		if p.last {
			m.End() // the file ends in silence: measure the true peak of its last samples
		}
		return m, nil
	}
	rows := hopRows{emit: func(t float64, l *dsp.Levels) {
		p.maxima.Add(t, l)
		if p.w != nil && p.werr == nil {
			p.werr = p.w.Row(t, l)
		}
	}}
	err = tseries.RunPart(r, m, f.SampleRate, f.Channels, buf, from, end, func(t float64, l *dsp.Levels) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		rows.add(t, l)
		return nil
	})
	if err == io.ErrUnexpectedEOF {
		return nil, partEnded(io.EOF, from, end)
	}
	if err != nil {
		return nil, err
	}
	if p.last {
		rows.end(m, f.Channels)
	} else {
		rows.flush(nil, f.Channels)
	}
	if p.w != nil && p.werr == nil && p.tmp != nil {
		p.werr = p.w.Flush()
	}
	return m, nil
}

// partEnded says that a file read in parts ended before frame end, which its header had promised (it shrank).
func partEnded(err error, pos, end int64) error {
	if err == io.EOF {
		return fmt.Errorf("the file ended before frame %d of %d while it was read in parts", pos, end)
	}
	return err
}

// meterStretches reads src, which stands at frame pos, into m in blocks up to frame end (to its end when end < 0),
// and starts a new interval of the meter at every multiple of the stretch from the start of the file: every
// measurement of a file does, split or not, so that all read the same true peak (see above). It returns io.EOF
// when src ends before end.
func meterStretches(ctx context.Context, src frameReader, m *dsp.Meter, f fileFormat, buf []float32, pos, end int64) error {
	ch := f.Channels
	stretch := stretchFrames(f.SampleRate)
	for end < 0 || pos < end {
		if err := ctx.Err(); err != nil {
			return err
		}
		want := min(int64(len(buf)/ch), (pos/stretch+1)*stretch-pos)
		if end >= 0 {
			want = min(want, end-pos)
		}
		n, err := src.Read(buf[:want*int64(ch)])
		if err == io.EOF && end < 0 {
			return nil
		}
		if err != nil {
			return err
		}
		m.Process(buf[:n])
		pos += int64(n / ch)
		if pos%stretch == 0 {
			m.Interval()
		}
	}
	return nil
}
