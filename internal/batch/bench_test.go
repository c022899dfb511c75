//go:build unix

package batch

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/levelmeter/levelmeter/audio/decode"
	"github.com/levelmeter/levelmeter/dsp"
)

// writeWAV24 writes seconds of 48 kHz stereo 24-bit noise with a slow sine, different per seed.
func writeWAV24(path string, seconds int, seed uint64) error {
	const rate, ch = 48000, 2
	frames := seconds * rate
	data := make([]byte, 44+frames*ch*3)
	le := binary.LittleEndian
	copy(data[0:], "RIFF")
	le.PutUint32(data[4:], uint32(len(data)-8))
	copy(data[8:], "WAVEfmt ")
	le.PutUint32(data[16:], 16)
	le.PutUint16(data[20:], 1)
	le.PutUint16(data[22:], ch)
	le.PutUint32(data[24:], rate)
	le.PutUint32(data[28:], rate*ch*3)
	le.PutUint16(data[32:], ch*3)
	le.PutUint16(data[34:], 24)
	copy(data[36:], "data")
	le.PutUint32(data[40:], uint32(frames*ch*3))
	rng := rand.New(rand.NewPCG(seed, 1))
	p := data[44:]
	for i := range frames * ch {
		v := 0.3*math.Sin(2*math.Pi*440*float64(i/ch)/rate) + 0.2*(rng.Float64()-0.5)
		s := int32(v * (1 << 23))
		p[0], p[1], p[2] = byte(s), byte(s>>8), byte(s>>16)
		p = p[3:]
	}
	return os.WriteFile(path, data, 0o644)
}

// analyze meters one file as levelmeter analyze does: decode in 8192-frame blocks into a dsp.Meter.
func analyze(_ context.Context, path string) (dsp.Levels, error) {
	r, err := decode.Open(path)
	if err != nil {
		return dsp.Levels{}, err
	}
	defer r.Close()
	info := r.Info()
	m, err := dsp.NewMeter(dsp.Config{SampleRate: info.SampleRate, Channels: info.Channels, ClipLevel: info.ClipLevel})
	if err != nil {
		return dsp.Levels{}, err
	}
	buf := make([]float32, 8192*info.Channels)
	for {
		n, err := r.Read(buf)
		if err == io.EOF {
			return m.Levels(), nil
		}
		if err != nil {
			return dsp.Levels{}, err
		}
		m.Process(buf[:n])
	}
}

// BenchmarkJobs: 20 three-minute 48 kHz stereo 24-bit WAV files metered through Run with -j 1 and -j 2 in
// turn, in one run; x_j2 is how many times faster -j 2 is in wall time. The results must be identical. The
// files (1 GB) are written once; run with -benchtime 1x or 2x.
func BenchmarkJobs(b *testing.B) {
	dir := b.TempDir()
	files := make([]string, 20)
	for i := range files {
		files[i] = filepath.Join(dir, fmt.Sprintf("f%02d.wav", i))
		if err := writeWAV24(files[i], 180, uint64(i)); err != nil {
			b.Fatal(err)
		}
	}
	run := func(jobs int) (time.Duration, []dsp.Levels) {
		var out []dsp.Levels
		start := time.Now()
		err := Run(context.Background(), files, jobs, analyze, func(r Result[string, dsp.Levels]) error {
			if r.Err != nil {
				return r.Err
			}
			out = append(out, r.Value)
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		return time.Since(start), out
	}
	run(2) // bring the files into the page cache, as they are after writing them anyway
	var t1, t2, c1, c2 time.Duration
	for b.Loop() {
		cpu := cpuTime()
		d1, serial := run(1)
		c1 += cpuTime() - cpu
		cpu = cpuTime()
		d2, parallel := run(2)
		c2 += cpuTime() - cpu
		t1 += d1
		t2 += d2
		for i := range serial {
			if fmt.Sprintf("%+v", serial[i]) != fmt.Sprintf("%+v", parallel[i]) {
				b.Fatalf("file %d: -j 2 measured differently from -j 1", i)
			}
		}
	}
	b.ReportMetric(t1.Seconds()/float64(b.N), "s_j1")
	b.ReportMetric(t2.Seconds()/float64(b.N), "s_j2")
	b.ReportMetric(t1.Seconds()/t2.Seconds(), "x_j2")
	// What two goroutines of pure arithmetic gain over one on this machine right now: on a machine shared with
	// other work the second core may not be there, and x_j2 is to be read against this.
	b.ReportMetric(spinSpeedup(), "x_spin_baseline")
	// CPU time spent per run: equal when running in parallel costs nothing extra. On a machine busy with other
	// work x_j2 falls towards 1 while this stays put.
	b.ReportMetric(c2.Seconds()/c1.Seconds(), "cpu_j2/j1")
}

// cpuTime returns the CPU time (user + system) this process has used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// spinSpeedup is how much faster two goroutines do a fixed amount of arithmetic than one goroutine does it
// twice: about 2 on an idle machine with two cores.
func spinSpeedup() float64 {
	spin := func() (x float64) {
		for i := range 200_000_000 {
			x += float64(i&7) * 1e-9
		}
		return x
	}
	var sink [2]float64
	start := time.Now()
	sink[0] = spin() + spin()
	serial := time.Since(start)
	start = time.Now()
	var wg sync.WaitGroup
	for k := range 2 {
		wg.Add(1)
		go func() { defer wg.Done(); sink[k] = spin() }()
	}
	wg.Wait()
	_ = sink
	return serial.Seconds() / time.Since(start).Seconds()
}
