//go:build unix

package dsp

import (
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// cpuTime returns the CPU time (user + system) this process has used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// writeWAV16 writes interleaved samples as a 16-bit PCM WAV file.
func writeWAV16(path string, rate, channels int, p []float32) error {
	data := make([]byte, 44+2*len(p))
	le := binary.LittleEndian
	copy(data[0:], "RIFF")
	le.PutUint32(data[4:], uint32(36+2*len(p)))
	copy(data[8:], "WAVEfmt ")
	le.PutUint32(data[16:], 16)
	le.PutUint16(data[20:], 1) // PCM
	le.PutUint16(data[22:], uint16(channels))
	le.PutUint32(data[24:], uint32(rate))
	le.PutUint32(data[28:], uint32(rate*channels*2))
	le.PutUint16(data[32:], uint16(channels*2))
	le.PutUint16(data[34:], 16)
	copy(data[36:], "data")
	le.PutUint32(data[40:], uint32(2*len(p)))
	for i, v := range p {
		le.PutUint16(data[44+2*i:], uint16(int16(max(-32768, min(32767, v*32768)))))
	}
	return os.WriteFile(path, data, 0o644)
}

// BenchmarkMeterVsFFmpeg measures the Meter (everything, true peak included) against the baseline of
// `ffmpeg -af ebur128=peak=true` on the same 60 s of 48 kHz stereo 16-bit noise, in CPU time (user + system, so
// that a busy machine skews both sides alike). x_ffmpeg is how many times less CPU the Meter needs; ffmpeg's
// time includes decoding the file and its start-up, the Meter's only the measurement. Run with -benchtime 1x.
func BenchmarkMeterVsFFmpeg(b *testing.B) {
	ffmpeg, err := exec.LookPath("ffmpeg")
	if err != nil {
		b.Skip("no ffmpeg in PATH")
	}
	const rate, channels, seconds = 48000, 2, 60
	for _, sig := range []struct {
		name string
		sec  []float32
	}{{"noise", benchSignal(rate, channels)}, {"sine", benchSine(rate, channels)}} {
		b.Run(sig.name, func(b *testing.B) {
			p := make([]float32, 0, len(sig.sec)*seconds)
			for range seconds {
				p = append(p, sig.sec...)
			}
			for i, v := range p { // the samples ffmpeg sees
				p[i] = float32(int16(max(-32768, min(32767, v*32768)))) / 32768
			}
			path := filepath.Join(b.TempDir(), sig.name+".wav")
			if err := writeWAV16(path, rate, channels, p); err != nil {
				b.Fatal(err)
			}
			var ours, theirs time.Duration
			for b.Loop() {
				cmd := exec.Command(ffmpeg, "-nostats", "-hide_banner", "-i", path, "-af", "ebur128=peak=true", "-f", "null", "-")
				if out, err := cmd.CombinedOutput(); err != nil {
					b.Fatalf("ffmpeg: %v\n%s", err, out)
				}
				theirs += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()

				start := cpuTime()
				m, err := NewMeter(Config{SampleRate: rate, Channels: channels})
				if err != nil {
					b.Fatal(err)
				}
				for q := p; len(q) > 0; {
					n := min(len(q), 4096*channels)
					m.Process(q[:n])
					q = q[n:]
				}
				_ = m.Levels()
				ours += cpuTime() - start
			}
			audio := float64(seconds * b.N)
			b.ReportMetric(audio/ours.Seconds(), "x_realtime")
			b.ReportMetric(audio/theirs.Seconds(), "ffmpeg_x_realtime")
			b.ReportMetric(theirs.Seconds()/ours.Seconds(), "x_ffmpeg")
			b.ReportMetric(0, "ns/op")
		})
	}
}
