//go:build unix

package decode

import (
	"io"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/levelmeter/levelmeter/dsp"
)

// cpuTime returns the CPU time (user + system) this process has used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// childCPUTime returns the CPU time of this process's children that have been waited for.
func childCPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// meterFile decodes and meters a whole file the way levelmeter analyze does: 8192-frame blocks into a
// dsp.Meter configured with the format's clip level.
func meterFile(tb testing.TB, path string) dsp.Levels {
	r, err := Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer r.Close()
	info := r.Info()
	m, err := dsp.NewMeter(dsp.Config{SampleRate: info.SampleRate, Channels: info.Channels, ClipLevel: info.ClipLevel})
	if err != nil {
		tb.Fatal(err)
	}
	buf := make([]float32, 8192*info.Channels)
	for {
		n, err := r.Read(buf)
		if err == io.EOF {
			return m.Levels()
		}
		if err != nil {
			tb.Fatal(err)
		}
		m.Process(buf[:n])
	}
}

// BenchmarkFLACVsFFmpeg: decoding and metering a 3-minute 48 kHz stereo 24-bit FLAC file (everything analyze
// measures, true peak included) against `ffmpeg -i F.flac -af ebur128=peak=true -f null -` on the same file,
// in one run. x_ffmpeg_wall and x_ffmpeg_cpu are how many times faster than ffmpeg this is (above 1: faster),
// with FLAC decoded by an ffmpeg child as Open does when ffmpeg is installed (the child's CPU time counted);
// x_ffmpeg_*_native the same with the native decoder.
// Run with -benchtime 1x or 2x; the file takes a few seconds to make.
func BenchmarkFLACVsFFmpeg(b *testing.B) {
	needTool(b, "ffmpeg")
	path := ffmpegGen(b, b.TempDir(), "3min.flac", 2, 180, "-c:a", "flac", "-sample_fmt", "s32")
	var oursWall, oursCPU, theirsWall, theirsCPU time.Duration
	for b.Loop() {
		cmd := exec.Command("ffmpeg", "-nostdin", "-nostats", "-hide_banner", "-i", path, "-af", "ebur128=peak=true",
			"-f", "null", "-")
		start := time.Now()
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("ffmpeg: %v\n%s", err, out)
		}
		theirsWall += time.Since(start)
		theirsCPU += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()

		start, cpu := time.Now(), cpuTime()+childCPUTime()
		meterFile(b, path)
		oursWall += time.Since(start)
		oursCPU += cpuTime() + childCPUTime() - cpu // the decoding child's included
	}
	// For comparison: the same file decoded by the native decoder (used when ffmpeg is not installed).
	flacByFFmpeg = false
	start, cpu := time.Now(), cpuTime()
	meterFile(b, path)
	nativeWall, nativeCPU := time.Since(start), cpuTime()-cpu
	flacByFFmpeg = true
	b.ReportMetric(theirsWall.Seconds()/float64(b.N)/nativeWall.Seconds(), "x_ffmpeg_wall_native")
	b.ReportMetric(theirsCPU.Seconds()/float64(b.N)/nativeCPU.Seconds(), "x_ffmpeg_cpu_native")
	b.ReportMetric(theirsWall.Seconds()/oursWall.Seconds(), "x_ffmpeg_wall")
	b.ReportMetric(theirsCPU.Seconds()/oursCPU.Seconds(), "x_ffmpeg_cpu")
	b.ReportMetric(oursWall.Seconds()/float64(b.N), "s_ours")
	b.ReportMetric(theirsWall.Seconds()/float64(b.N), "s_ffmpeg")
}

// BenchmarkRead: decoding alone, per format, on 20 s of 48 kHz stereo; the rate is in seconds of audio per
// second (x_realtime).
func BenchmarkRead(b *testing.B) {
	needTool(b, "ffmpeg")
	dir := b.TempDir()
	for _, f := range []struct {
		name string
		args []string
	}{
		{"wav-s24.wav", []string{"-c:a", "pcm_s24le"}},
		{"aiff-s24.aiff", []string{"-c:a", "pcm_s24be"}},
		{"flac-s24.flac", []string{"-c:a", "flac", "-sample_fmt", "s32"}},
		{"flac-s16.flac", []string{"-c:a", "flac", "-sample_fmt", "s16"}},
		{"mp3-192k.mp3", []string{"-c:a", "libmp3lame", "-b:a", "192k"}},
		{"vorbis-q5.ogg", []string{"-c:a", "libvorbis", "-q:a", "5"}},
	} {
		path := ffmpegGen(b, dir, f.name, 2, 20, f.args...)
		b.Run(f.name, func(b *testing.B) {
			buf := make([]float32, 8192*2)
			var audio float64
			for b.Loop() {
				r, err := Open(path)
				if err != nil {
					b.Fatal(err)
				}
				for {
					n, err := r.Read(buf)
					if err == io.EOF {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
					audio += float64(n/2) / 48000
				}
				r.Close()
			}
			b.ReportMetric(audio/b.Elapsed().Seconds(), "x_realtime")
		})
	}
}
