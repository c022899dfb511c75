package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/levelmeter/levelmeter/audio/wavfile"
	"github.com/levelmeter/levelmeter/dsp"
)

// Measuring one long file on several cores.
//
// With more jobs than files, analyze cuts each long WAV file (a regular file of known length, at least splitMin
// long) into parts and meters them at once, each from its own reader: a part's meter is primed on the 5 s before
// it (dsp.Meter.Prime) and the parts' meters are merged in order (dsp.Meter.Merge), which adds the gating blocks,
// loudness-range values, peaks, sums and counts exactly.
//
// The parts start at multiples of the stretch (10 s from the start of the file), and every measurement of a file,
// split or not, starts a new interval of the meter at every stretch (dsp.Meter.Interval): which true-peak
// candidates the meter refines depends on the largest value found since the interval started, so a part and the
// single pass then refine the same ones and read the same true peak, to the last bit. The report is the same
// whichever way a file was measured: peaks, counts, loudness maxima and integrated loudness to the last bit (to
// within a few units of the last place where sums of energies are added in another order: RMS, DC offset,
// correlation, the loudness range's bin means).
//
// Pipes, standard input, other formats (decoded as a stream), files with a warning (a size never written or
// wrapped, a file cut short), rates that are not a multiple of 100 Hz (whose 10 ms ticks and 100 ms sub-blocks do
// not line up), and --series and --plot (which want every 100 ms in order) are measured in one pass.

// splitStretch and splitMin, in tenths of a second, are the stretch at which parts may start and the length
// below which a file is measured in one pass; variables so that tests can cut short files.
var (
	splitStretch int64 = 100  // 10 s
	splitMin     int64 = 1200 // 2 minutes
)

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
// its header, a series or plot is asked for, or splitCuts says so.
func splitPlan(src frameReader, f fileFormat, opts analyzeOptions, seriesName string) (int64, []int64) {
	r, ok := src.(*wavfile.Reader)
	if !ok || opts.parts < 2 || opts.withSeries || seriesName != "" || len(r.Warnings()) > 0 {
		return 0, nil
	}
	frames := r.Info().Frames
	cuts := splitCuts(frames, f.SampleRate, opts.parts)
	if onSplit != nil && cuts != nil {
		onSplit(cuts)
	}
	return frames, cuts
}

// onSplit, when set (by tests), is told where each file measured in parts is cut.
var onSplit func(cuts []int64)

// measureSplit measures the file name in parts starting at cuts, at once, and returns the merged meter. Each
// part opens the file again; cancelling ctx stops them all between blocks.
func measureSplit(ctx context.Context, name string, cfg dsp.Config, f fileFormat, frames int64, cuts []int64) (*dsp.Meter, error) {
	bounds := append(append([]int64{0}, cuts...), frames)
	meters := make([]*dsp.Meter, len(bounds)-1)
	errs := make([]error, len(meters))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	for k := range meters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			meters[k], errs[k] = measurePart(ctx, name, cfg, f, bounds[k], bounds[k+1], k == len(meters)-1)
			if errs[k] != nil {
				cancel()
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil && !errors.Is(err, context.Canceled) {
			return nil, err
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m := meters[0]
	for _, p := range meters[1:] {
		if err := m.Merge(p); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err) // unreachable: the parts are cut where Merge wants them
		}
	}
	return m, nil
}

// measurePart measures frames from to end of the file name with a meter of its own, primed on the frames before
// (dsp.PrimeFrames), starting an interval at every stretch as a single pass does; the last part ends the meter's
// input (End).
func measurePart(ctx context.Context, name string, cfg dsp.Config, f fileFormat, from, end int64, last bool) (*dsp.Meter, error) {
	m, err := dsp.NewMeter(cfg)
	if err != nil {
		return nil, err
	}
	r, err := wavfile.Open(name)
	if err != nil {
		return nil, err
	}
	defer r.Close()
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
	if err := meterStretches(ctx, r, m, f, buf, from, end); err != nil {
		return nil, partEnded(err, from, end)
	}
	if last {
		m.End() // the file ends in silence: measure the true peak of its last samples
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
