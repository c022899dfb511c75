package decode

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/levelmeter/levelmeter/audio/wavfile"
)

// needTool skips the test when a reference tool is not installed (CI has them: make deps-test).
func needTool(t testing.TB, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Skipf("%s is not installed (apt-get install %s); this test compares against it", name, name)
	}
}

// ffmpegGen writes a file with ffmpeg from a lavfi source: a few seconds of a sweep plus noise, loud enough to
// use the top bits and quiet enough in places to use the bottom ones.
func ffmpegGen(t testing.TB, dir, name string, channels int, seconds float64, out ...string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	src := fmt.Sprintf("aevalsrc=exprs='0.7*sin(2*PI*(200+800*t)*t)+0.1*(random(0)-0.5)|0.5*sin(2*PI*997*t)*"+
		"(0.5+0.5*sin(2*PI*0.7*t))+0.05*(random(1)-0.5)':s=48000:d=%g", seconds)
	args := []string{"-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", src, "-ac", fmt.Sprint(channels)}
	args = append(args, out...)
	args = append(args, p)
	if b, err := exec.Command("ffmpeg", args...).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg %v: %v\n%s", args, err, b)
	}
	return p
}

// ffmpegDecode is ffmpeg's own decode of a file to interleaved float32, the reference.
func ffmpegDecode(t testing.TB, path string) []float32 {
	t.Helper()
	out, err := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-i", path, "-f", "f32le", "-acodec",
		"pcm_f32le", "-").Output()
	if err != nil {
		t.Fatalf("ffmpeg decode %s: %v", path, err)
	}
	v := make([]float32, len(out)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(out[4*i:]))
	}
	return v
}

// readAll decodes everything from r in odd-sized blocks, so that block boundaries fall inside codec frames.
func readAll(t testing.TB, r *Reader) []float32 {
	t.Helper()
	var all []float32
	buf := make([]float32, 1001*r.Info().Channels)
	for {
		n, err := r.Read(buf)
		if err == io.EOF {
			return all
		}
		if err != nil {
			t.Fatalf("Read after %d samples: %v", len(all), err)
		}
		if n == 0 || n%r.Info().Channels != 0 {
			t.Fatalf("Read returned %d samples for %d channels", n, r.Info().Channels)
		}
		all = append(all, buf[:n]...)
	}
}

// onlyReader hides every method but Read, as a pipe would.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

// openBoth opens the file by name, and again as a stream that cannot seek.
func openBoth(t testing.TB, path string) map[string]*Reader {
	t.Helper()
	byName, err := Open(path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { byName.Close() })
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	stream, err := NewReader(onlyReader{f}, "stream")
	if err != nil {
		t.Fatalf("NewReader on a stream: %v", err)
	}
	t.Cleanup(func() { stream.Close() })
	return map[string]*Reader{"file": byName, "stream": stream}
}

// openAll is openBoth, and for FLAC openBoth again with the native decoder, which is used when ffmpeg is not
// installed: both paths must decode bit for bit as ffmpeg does.
func openAll(t testing.TB, path string) map[string]*Reader {
	t.Helper()
	rs := openBoth(t, path)
	if rs["file"].Info().Format != FLAC {
		return rs
	}
	for how, r := range rs {
		if !r.Info().FFmpeg {
			t.Fatalf("%s: FLAC is decoded natively although ffmpeg is installed", how)
		}
	}
	flacByFFmpeg = false
	defer func() { flacByFFmpeg = true }()
	for how, r := range openBoth(t, path) {
		if r.Info().FFmpeg {
			t.Fatalf("%s: FLAC is decoded by ffmpeg with the native decoder selected", how)
		}
		rs[how+" (native)"] = r
	}
	return rs
}

func TestLosslessAgainstFFmpeg(t *testing.T) {
	needTool(t, "ffmpeg")
	dir := t.TempDir()
	tests := []struct {
		name     string
		file     string
		channels int
		args     []string
		format   Format
		bits     int
		float    bool
	}{
		{"FLAC 16-bit stereo", "s16.flac", 2, []string{"-c:a", "flac", "-sample_fmt", "s16"}, FLAC, 16, false},
		{"FLAC 24-bit stereo", "s24.flac", 2, []string{"-c:a", "flac", "-sample_fmt", "s32"}, FLAC, 24, false},
		{"FLAC 24-bit mono", "m24.flac", 1, []string{"-c:a", "flac", "-sample_fmt", "s32"}, FLAC, 24, false},
		{"FLAC 16-bit 6 channels", "c6.flac", 6, []string{"-c:a", "flac", "-sample_fmt", "s16"}, FLAC, 16, false},
		{"AIFF 16-bit", "s16.aiff", 2, []string{"-c:a", "pcm_s16be"}, AIFF, 16, false},
		{"AIFF 24-bit", "s24.aiff", 2, []string{"-c:a", "pcm_s24be"}, AIFF, 24, false},
		{"AIFF 32-bit", "s32.aiff", 2, []string{"-c:a", "pcm_s32be"}, AIFF, 32, false},
		{"AIFF 8-bit", "s8.aiff", 1, []string{"-c:a", "pcm_s8"}, AIFF, 8, false},
		{"AIFF-C sowt 16-bit", "sowt.aifc", 2, []string{"-f", "aiff", "-c:a", "pcm_s16le"}, AIFF, 16, false},
		{"AIFF-C fl32", "f32.aifc", 2, []string{"-f", "aiff", "-c:a", "pcm_f32be"}, AIFF, 32, true},
		{"AIFF-C fl64", "f64.aifc", 1, []string{"-f", "aiff", "-c:a", "pcm_f64be"}, AIFF, 64, true},
		{"WAV 24-bit", "s24.wav", 2, []string{"-c:a", "pcm_s24le"}, WAV, 24, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.file == "s24.flac" && testing.Short() {
				t.Skip("short")
			}
			args := append([]string{"-af", "volume=1.0"}, tt.args...)
			if tt.format == FLAC && tt.bits == 24 {
				args = append(args, "-bits_per_raw_sample", "24")
			}
			p := ffmpegGen(t, dir, tt.file, tt.channels, 2.5, args...)
			want := ffmpegDecode(t, p)
			for how, r := range openAll(t, p) {
				info := r.Info()
				if info.Format != tt.format || info.Channels != tt.channels || info.SampleRate != 48000 ||
					info.BitsPerSample != tt.bits || info.Float != tt.float {
					t.Errorf("%s: Info = %+v", how, info)
				}
				if wantClip := clipLevel(tt.bits); !tt.float && info.ClipLevel != wantClip {
					t.Errorf("%s: ClipLevel = %v, want %v", how, info.ClipLevel, wantClip)
				}
				got := readAll(t, r)
				if len(got) != len(want) {
					t.Fatalf("%s: %d samples, ffmpeg decodes %d", how, len(got), len(want))
				}
				for i := range got {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("%s: sample %d (frame %d, channel %d) = %v, ffmpeg decodes %v", how, i,
							i/tt.channels, i%tt.channels, got[i], want[i])
					}
				}
			}
		})
	}
}

// levels are the RMS and the peak of interleaved samples, in dBFS, over all channels.
func levels(v []float32) (rms, peak float64) {
	var sum float64
	var p float64
	for _, x := range v {
		sum += float64(x) * float64(x)
		p = max(p, math.Abs(float64(x)))
	}
	return 10 * math.Log10(sum/float64(len(v))), 20 * math.Log10(p)
}

func TestLossyAgainstFFmpeg(t *testing.T) {
	needTool(t, "ffmpeg")
	dir := t.TempDir()
	tests := []struct {
		name     string
		file     string
		channels int
		args     []string
		format   Format
	}{
		{"MP3 stereo 192k", "s.mp3", 2, []string{"-c:a", "libmp3lame", "-b:a", "192k"}, MP3},
		{"MP3 mono 128k", "m.mp3", 1, []string{"-c:a", "libmp3lame", "-b:a", "128k"}, MP3},
		{"MP3 with an ID3 tag", "tag.mp3", 2, []string{"-c:a", "libmp3lame", "-metadata", "title=x",
			"-id3v2_version", "3"}, MP3},
		{"Vorbis stereo", "s.ogg", 2, []string{"-c:a", "libvorbis", "-q:a", "5"}, Vorbis},
		{"Vorbis mono", "m.ogg", 1, []string{"-c:a", "libvorbis", "-q:a", "3"}, Vorbis},
		// Loud enough that the decode overshoots full scale: the overshoot is kept, as ffmpeg keeps it.
		{"Vorbis above full scale", "loud.ogg", 2, []string{"-af", "volume=2.8", "-c:a", "libvorbis"}, Vorbis},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Quieter than the lossless test, so that neither decoder clamps an overshoot.
			args := tt.args
			if args[0] != "-af" {
				args = append([]string{"-af", "volume=0.5"}, args...)
			}
			p := ffmpegGen(t, dir, tt.file, tt.channels, 10, args...)
			want := ffmpegDecode(t, p)
			wantRMS, wantPeak := levels(want)
			if tt.file == "loud.ogg" && wantPeak <= 0.5 {
				t.Fatalf("ffmpeg's decode peaks at %.2f dBFS; the test needs an overshoot", wantPeak)
			}
			for how, r := range openBoth(t, p) {
				info := r.Info()
				if info.Format != tt.format || info.Channels != tt.channels || info.SampleRate != 48000 ||
					info.ClipLevel != 0 {
					t.Errorf("%s: Info = %+v", how, info)
				}
				got := readAll(t, r)
				rms, peak := levels(got)
				frames := len(got) / tt.channels
				t.Logf("%s: %d frames (ffmpeg %d), RMS %+.4f dB, peak %+.4f dB against ffmpeg", how, frames,
					len(want)/tt.channels, rms-wantRMS, peak-wantPeak)
				if math.Abs(rms-wantRMS) > 0.05 || math.Abs(peak-wantPeak) > 0.05 {
					t.Errorf("%s: RMS %.3f dBFS, peak %.3f dBFS; ffmpeg decodes RMS %.3f, peak %.3f", how, rms, peak,
						wantRMS, wantPeak)
				}
			}
		})
	}
}

func TestFFmpegFormats(t *testing.T) {
	needTool(t, "ffmpeg")
	dir := t.TempDir()
	tests := []struct {
		name     string
		file     string
		channels int
		args     []string
		format   Format
		exact    bool
	}{
		{"Opus", "s.opus", 2, []string{"-c:a", "libopus", "-b:a", "128k"}, Opus, false},
		{"CAF PCM", "s.caf", 2, []string{"-c:a", "pcm_s24le"}, CAF, true},
		{"M4A ALAC", "s.m4a", 2, []string{"-c:a", "alac"}, MP4, true},
		{"Wave64", "s.w64", 1, []string{"-c:a", "pcm_s16le"}, W64, true},
		// The WAV encodings wavfile does not decode, from a path, a stream and a regular file as standard input.
		{"WAV of µ-law", "ulaw.wav", 1, []string{"-c:a", "pcm_mulaw", "-ar", "8000"}, WAV, true},
		{"WAV of A-law", "alaw.wav", 2, []string{"-c:a", "pcm_alaw"}, WAV, true},
		{"WAV of IMA ADPCM", "ima.wav", 2, []string{"-c:a", "adpcm_ima_wav"}, WAV, true},
		{"WAV of MS ADPCM", "ms.wav", 2, []string{"-c:a", "adpcm_ms"}, WAV, true},
		{"RF64 of µ-law", "ulaw64.wav", 2, []string{"-c:a", "pcm_mulaw", "-rf64", "always"}, WAV, true},
		// And the AIFF-C compressions read here only by ffmpeg.
		{"AIFF-C of µ-law", "ulaw.aifc", 2, []string{"-c:a", "pcm_mulaw"}, AIFF, true},
		{"AIFF-C of IMA ADPCM", "ima4.aifc", 1, []string{"-c:a", "adpcm_ima_qt"}, AIFF, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := ffmpegGen(t, dir, tt.file, tt.channels, 2, tt.args...)
			want := ffmpegDecode(t, p)
			readers := openBoth(t, p)
			if tt.format == WAV {
				// Standard input redirected from a file and not at its start (a shell script that read a line
				// of it first): the WAV is read from where it stands, by ffmpeg too.
				b, err := os.ReadFile(p)
				if err != nil {
					t.Fatal(err)
				}
				shifted := filepath.Join(dir, "shifted-"+tt.file)
				if err := os.WriteFile(shifted, append([]byte("skip me\n"), b...), 0o644); err != nil {
					t.Fatal(err)
				}
				f, err := os.Open(shifted)
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				if _, err := f.Seek(8, io.SeekStart); err != nil {
					t.Fatal(err)
				}
				r, err := NewReader(f, "-")
				if err != nil {
					t.Fatalf("NewReader on a regular file: %v", err)
				}
				defer r.Close()
				readers["regular"] = r
			}
			for how, r := range readers {
				if tt.format == MP4 && how == "stream" {
					continue // ffmpeg writes the MP4 index last, which a pipe reaches too late
				}
				info := r.Info()
				if info.Format != tt.format || info.Channels != tt.channels || info.Frames != -1 || !info.FFmpeg ||
					!strings.HasSuffix(info.String(), " (decoded by ffmpeg)") {
					t.Errorf("%s: Info = %+v", how, info)
				}
				got := readAll(t, r)
				if len(got) != len(want) {
					t.Fatalf("%s: %d samples, ffmpeg decodes %d", how, len(got), len(want))
				}
				if tt.exact && !bytes.Equal(f32bytes(got), f32bytes(want)) {
					t.Errorf("%s: samples differ from ffmpeg's decode", how)
				}
				if err := r.Close(); err != nil {
					t.Errorf("%s: Close: %v", how, err)
				}
			}
		})
	}
}

func f32bytes(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

func TestNeedsFFmpeg(t *testing.T) {
	needTool(t, "ffmpeg")
	p := ffmpegGen(t, t.TempDir(), "s.opus", 1, 0.5, "-c:a", "libopus")
	t.Setenv("PATH", t.TempDir()) // no ffmpeg on it
	_, err := Open(p)
	if !errors.Is(err, ErrNeedsFFmpeg) {
		t.Fatalf("Open = %v, want ErrNeedsFFmpeg", err)
	}
	want := p + ": is Ogg Opus, which needs ffmpeg, and ffmpeg is not installed"
	if err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
}

// TestWAVNeedsFFmpeg: without ffmpeg, a WAV encoding wavfile does not decode (or an AIFF-C compression) is
// refused, from a path and from a stream, by an error that names the encoding and wraps both ErrNeedsFFmpeg and
// wavfile.ErrEncoding (ErrEncoding).
func TestWAVNeedsFFmpeg(t *testing.T) {
	needTool(t, "ffmpeg")
	dir := t.TempDir()
	mulaw := ffmpegGen(t, dir, "mulaw.wav", 1, 0.5, "-c:a", "pcm_mulaw")
	adpcm := ffmpegGen(t, dir, "adpcm.wav", 2, 0.5, "-c:a", "adpcm_ms")
	ima4 := ffmpegGen(t, dir, "ima4.aifc", 1, 0.5, "-c:a", "adpcm_ima_qt")
	t.Setenv("PATH", t.TempDir()) // no ffmpeg on it
	for _, tt := range []struct {
		path, what string
		cause      error
	}{
		{mulaw, "is encoded as µ-law, not PCM or float", wavfile.ErrEncoding},
		{adpcm, "is encoded as Microsoft ADPCM, not PCM or float", wavfile.ErrEncoding},
		{ima4, `is compressed as "ima4", not PCM or float`, ErrEncoding},
	} {
		f, err := os.Open(tt.path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		_, errFile := Open(tt.path)
		_, errStream := NewReader(onlyReader{f}, "-")
		for name, err := range map[string]error{tt.path: errFile, "-": errStream} {
			if !errors.Is(err, ErrNeedsFFmpeg) || !errors.Is(err, tt.cause) {
				t.Fatalf("%s: %v, want ErrNeedsFFmpeg and %v", name, err, tt.cause)
			}
			want := name + ": " + tt.what + ": it needs ffmpeg, which is not installed"
			if err.Error() != want {
				t.Errorf("error %q, want %q", err, want)
			}
		}
	}
}

// TestFFmpegNoOrphan closes a Reader in the middle of a long ffmpeg decode and checks that the child is gone.
func TestFFmpegNoOrphan(t *testing.T) {
	needTool(t, "ffmpeg")
	p := ffmpegGen(t, t.TempDir(), "long.opus", 2, 60, "-c:a", "libopus")
	r, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]float32, 2048)
	if _, err := r.Read(buf); err != nil {
		t.Fatal(err)
	}
	s := r.src.(*ffmpegSource)
	if err := r.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	select {
	case <-s.exited:
	default:
		t.Fatal("ffmpeg is still running after Close")
	}
	if s.cmd.ProcessState == nil {
		t.Fatal("ffmpeg was not reaped")
	}
}

// TestFFmpegBadInput: ffmpeg's own reason reaches the caller when it cannot decode what it was given.
func TestFFmpegBadInput(t *testing.T) {
	needTool(t, "ffmpeg")
	p := filepath.Join(t.TempDir(), "bad.caf")
	if err := os.WriteFile(p, append([]byte("caff\x00\x01\x00\x00"), bytes.Repeat([]byte{0x55}, 300)...), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Open(p)
	if !errors.Is(err, ErrFFmpeg) {
		t.Fatalf("Open = %v, want ErrFFmpeg", err)
	}
	t.Logf("error: %v", err)
}

// TestStreamedWAV reads WAV as ffmpeg and SoX write it to a pipe, with unknown sizes.
func TestStreamedWAV(t *testing.T) {
	needTool(t, "ffmpeg")
	dir := t.TempDir()
	p := ffmpegGen(t, dir, "ref.wav", 2, 2, "-c:a", "pcm_s24le")
	want := ffmpegDecode(t, p)
	cmds := map[string][]string{
		"ffmpeg": {"ffmpeg", "-nostdin", "-v", "error", "-i", p, "-c:a", "pcm_s24le", "-f", "wav", "-"},
		"sox":    {"sox", p, "-t", "wav", "-"},
	}
	for name, argv := range cmds {
		t.Run(name, func(t *testing.T) {
			needTool(t, argv[0])
			cmd := exec.Command(argv[0], argv[1:]...)
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Wait()
			r, err := NewReader(out, "-")
			if err != nil {
				t.Fatalf("NewReader: %v", err)
			}
			if r.Info().Format != WAV || r.Info().BitsPerSample != 24 {
				t.Errorf("Info = %+v", r.Info())
			}
			got := readAll(t, r)
			if !bytes.Equal(f32bytes(got), f32bytes(want)) {
				t.Errorf("%d samples differ from ffmpeg's decode of the file (%d samples)", len(got), len(want))
			}
		})
	}
}

// TestFFmpegFromRegularStdin: a file given as standard input (levelmeter analyze - < song.opus) reaches ffmpeg
// as a stream, whatever name the caller gives it.
func TestFFmpegFromRegularStdin(t *testing.T) {
	needTool(t, "ffmpeg")
	p := ffmpegGen(t, t.TempDir(), "s.opus", 2, 1, "-c:a", "libopus")
	want := ffmpegDecode(t, p)
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := NewReader(f, "-")
	if err != nil {
		t.Fatalf("NewReader: %v", err)
	}
	defer r.Close()
	if got := readAll(t, r); len(got) != len(want) {
		t.Errorf("%d samples, ffmpeg decodes %d", len(got), len(want))
	}
}

// TestSoxFilesAgainstFFmpeg: FLAC from libFLAC (the reference encoder, through SoX) and AIFF from SoX decode as
// ffmpeg decodes them, bit for bit.
func TestSoxFilesAgainstFFmpeg(t *testing.T) {
	needTool(t, "ffmpeg")
	needTool(t, "sox")
	dir := t.TempDir()
	for _, f := range []struct {
		name string
		bits string
	}{{"s16.flac", "16"}, {"s24.flac", "24"}, {"s16.aiff", "16"}, {"s24.aiff", "24"}, {"s24.aifc", "24"}} {
		t.Run(f.name, func(t *testing.T) {
			p := filepath.Join(dir, f.name)
			cmd := exec.Command("sox", "-n", "-r", "44100", "-c", "2", "-b", f.bits, p, "synth", "1.5", "sine", "300-3000",
				"whitenoise", "vol", "0.6")
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("sox: %v\n%s", err, out)
			}
			want := ffmpegDecode(t, p)
			for how, r := range openAll(t, p) {
				if got := readAll(t, r); !slicesEqual(got, want) {
					t.Errorf("%s: %d samples differ from ffmpeg's %d", how, len(got), len(want))
				}
			}
		})
	}
}

// TestFFmpegNoAudioFromPipe: an M4A whose index comes after its audio, given on a pipe, cannot be decoded
// (ffmpeg cannot seek back to the index), and ffmpeg says so but exits 0. That is an error naming ffmpeg's cause
// and wrapping ErrNeedsSeek, not an empty decode; by name the same file decodes.
func TestFFmpegNoAudioFromPipe(t *testing.T) {
	needTool(t, "ffmpeg")
	p := filepath.Join(t.TempDir(), "late-index.m4a")
	// Noise, so that the audio is too large for ffmpeg to read past it to the index from a pipe.
	if b, err := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i",
		"anoisesrc=d=20:r=48000:a=0.3", "-ac", "2", "-c:a", "aac", p).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, b)
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := NewReader(onlyReader{f}, "-")
	if err == nil {
		defer r.Close()
		buf := make([]float32, 4096)
		var n, total int
		for err == nil {
			n, err = r.Read(buf)
			total += n
		}
		if total > 0 {
			t.Fatalf("%d samples decoded from a pipe, then %v; want an error and none", total, err)
		}
	}
	if !errors.Is(err, ErrFFmpeg) || !errors.Is(err, ErrNeedsSeek) {
		t.Fatalf("error %v, want ErrFFmpeg and ErrNeedsSeek", err)
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "-: ffmpeg decoded no audio from it, read as a stream: ") ||
		!strings.Contains(msg, "Invalid data") || strings.Contains(msg, "\n") || strings.Contains(msg, "pipe:0") {
		t.Errorf("error %q: want one line with ffmpeg's reason", msg)
	}
	t.Logf("error: %v", err)
	r, err = Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if got := readAll(t, r); len(got) < 2*20*48000 {
		t.Errorf("by name: %d samples, want 20 s", len(got))
	}
}

// TestWAVEncodingFFmpegCannotRead: a WAV format tag neither wavfile nor ffmpeg decodes is one error saying both,
// from a path and from a stream, that wraps wavfile.ErrEncoding and ErrFFmpeg.
func TestWAVEncodingFFmpegCannotRead(t *testing.T) {
	needTool(t, "ffmpeg")
	wav := []byte("RIFF\x2c\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x34\x12\x01\x00\x80\xbb\x00\x00\x00\x77\x01\x00" +
		"\x02\x00\x10\x00data\x08\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00")
	p := filepath.Join(t.TempDir(), "odd.wav")
	if err := os.WriteFile(p, wav, 0o644); err != nil {
		t.Fatal(err)
	}
	_, errFile := Open(p)
	_, errStream := NewReader(onlyReader{bytes.NewReader(wav)}, "-")
	for name, err := range map[string]error{p: errFile, "-": errStream} {
		if !errors.Is(err, ErrFFmpeg) || !errors.Is(err, wavfile.ErrEncoding) {
			t.Fatalf("%s: %v, want ErrFFmpeg and wavfile.ErrEncoding", name, err)
		}
		want := name + ": is encoded as format tag 0x1234, not PCM or float, and ffmpeg could not decode it: "
		if msg := err.Error(); !strings.HasPrefix(msg, want) || strings.Contains(msg, "\n") {
			t.Errorf("error %q, want one line starting %q", msg, want)
		}
	}
}
