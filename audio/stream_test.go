//go:build unix

package audio

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestParseEncoding(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Encoding
		err  string
	}{
		{"wav", WAV, ""},
		{"S16LE", S16LE, ""},
		{"s24le", S24LE, ""},
		{"s32le", S32LE, ""},
		{"f32le", F32LE, ""},
		{"s16", 0, `unknown stream encoding "s16" (did you mean "s16le"?): use wav, s16le, s24le, s32le or f32le`},
		{"pcm_s24le", 0, `(did you mean "s24le"?)`},
		{"f32be", 0, `(did you mean "f32le"?)`},
		{"wave", 0, `(did you mean "wav"?)`},
		{"mp3", 0, `unknown stream encoding "mp3": use wav`},
		{"", 0, `unknown stream encoding "": use wav`},
	} {
		got, err := ParseEncoding(tc.in)
		if tc.err == "" {
			if err != nil || got != tc.want {
				t.Errorf("ParseEncoding(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
			}
			if got.String() != strings.ToLower(tc.in) {
				t.Errorf("%v.String() = %q, want %q", got, got.String(), strings.ToLower(tc.in))
			}
			continue
		}
		if !errors.Is(err, ErrUnknownEncoding) || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("ParseEncoding(%q): %v\nwant ErrUnknownEncoding saying %s", tc.in, err, tc.err)
		}
	}
}

func FuzzParseEncoding(f *testing.F) {
	for _, s := range []string{"wav", "s16le", "S24LE", "f32be", "pcm_s16le", "", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := ParseEncoding(s)
		if err == nil {
			if !strings.EqualFold(e.String(), s) {
				t.Errorf("ParseEncoding(%q) = %v", s, e)
			}
			return
		}
		if !errors.Is(err, ErrUnknownEncoding) || strings.Count(err.Error(), "\n") != 0 {
			t.Errorf("ParseEncoding(%q): %v", s, err)
		}
	})
}

// FuzzStream: whatever arrives on standard input, a Stream refuses it with an error or delivers whole frames
// and ends with io.EOF, and its counters agree.
func FuzzStream(f *testing.F) {
	f.Add(append(wavStreamHeader(8000, 2, 16, false), encodeFrames(0, 10, 2, 16, false)...), false)
	f.Add(append(wavStreamHeader(8000, 1, 32, true), 1, 2, 3, 4, 5), false)
	f.Add(encodeFrames(0, 10, 2, 24, false), true)
	f.Add([]byte("not audio at all"), false)
	f.Fuzz(func(t *testing.T, b []byte, raw bool) {
		enc, declared := WAV, Format{}
		if raw {
			enc, declared = S24LE, Format{SampleRate: 48000, Channels: 2}
		}
		s, err := NewStream(bytes.NewReader(b), enc, declared)
		if err != nil {
			return
		}
		ch := s.Format().Channels
		var frames int64
		err = s.Run(context.Background(), WriterFunc(func(p []float32, st Status) int {
			if len(p)%ch != 0 || len(p) == 0 {
				t.Fatalf("a block of %d samples of %d channels", len(p), ch)
			}
			frames += int64(len(p) / ch)
			return len(p) / ch
		}))
		if err != io.EOF {
			t.Fatalf("Run: %v, want io.EOF", err)
		}
		if st := s.Stats(); st.Frames != frames || s.Info().Frames != frames {
			t.Fatalf("delivered %d frames; Stats %+v, Info %v", frames, st, s.Info())
		}
	})
}

// TestStream: a WAV or raw stream from a pipe is delivered to its end, once; a declared format that differs
// from the header is refused.
func TestStream(t *testing.T) {
	for _, tc := range []struct {
		enc      Encoding
		declared Format
	}{
		{WAV, Format{}},
		{WAV, Format{SampleRate: 8000, Channels: 2}},
		{S16LE, Format{SampleRate: 8000, Channels: 2}},
		{F32LE, Format{SampleRate: 8000, Channels: 2}},
	} {
		t.Run(tc.enc.String(), func(t *testing.T) {
			pr, pw, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			defer pr.Close()
			info := tc.enc.rawInfo(Format{})
			var data []byte
			if tc.enc == WAV {
				data, info.BitsPerSample = wavStreamHeader(8000, 2, 16, false), 16
			}
			data = append(data, encodeFrames(0, 5000, 2, info.BitsPerSample, tc.enc == F32LE)...)
			go func() {
				pw.Write(data)
				pw.Close()
			}()
			s, err := NewStream(pr, tc.enc, tc.declared)
			if err != nil {
				t.Fatal(err)
			}
			if s.Format() != (Format{SampleRate: 8000, Channels: 2}) {
				t.Errorf("Format() = %v", s.Format())
			}
			w := &collector{ch: 2}
			if err := s.Run(context.Background(), w); err != io.EOF {
				t.Fatalf("Run: %v, want io.EOF", err)
			}
			if w.frames() != 5000 {
				t.Errorf("%d frames, want 5000", w.frames())
			}
			checkStream(t, w.got, 2, 1e-9)
			if err := s.Run(context.Background(), w); err != io.EOF || w.frames() != 5000 {
				t.Errorf("second Run: %v, %d frames; want io.EOF and nothing more", err, w.frames())
			}
		})
	}
	_, err := NewStream(bytes.NewReader(wavStreamHeader(44100, 2, 16, false)), WAV, Format{SampleRate: 48000})
	if !errors.Is(err, ErrFormatMismatch) {
		t.Errorf("declared 48000 Hz for a 44100 Hz stream: %v, want ErrFormatMismatch", err)
	}
	if _, err := NewStream(bytes.NewReader(nil), S16LE, Format{SampleRate: 8000}); err == nil {
		t.Error("a raw stream without its channel count was accepted")
	}
}

// TestStreamCancelAndStall: a Run waiting on a pipe for bytes that do not come ends when ctx does (nil), or
// after StallTimeout (ErrStalled).
func TestStreamCancelAndStall(t *testing.T) {
	for _, stall := range []time.Duration{0, 200 * time.Millisecond} {
		pr, pw, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		pw.Write(wavStreamHeader(8000, 1, 16, false))
		s, err := NewStream(pr, WAV, Format{})
		if err != nil {
			t.Fatal(err)
		}
		s.StallTimeout = stall
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		if stall > 0 {
			ctx, cancel = context.WithCancel(context.Background())
		}
		start := time.Now()
		err = s.Run(ctx, &collector{ch: 1})
		cancel()
		switch {
		case stall == 0 && err != nil, stall > 0 && !errors.Is(err, ErrStalled):
			t.Errorf("stall timeout %v: Run: %v", stall, err)
		case time.Since(start) > 10*time.Second:
			t.Errorf("stall timeout %v: Run returned after %v", stall, time.Since(start))
		}
		pw.Close()
		pr.Close()
	}
}

func init() { children["stdin"] = stdinChild }

// stdinChild meters standard input as `levelmeter run --source stdin` would and prints its frames, peak and
// how it ended.
func stdinChild() int {
	s, err := NewStream(os.Stdin, WAV, Format{})
	if err != nil {
		os.Stdout.WriteString(err.Error())
		return 1
	}
	var frames int64
	var peak float32
	err = s.Run(context.Background(), WriterFunc(func(p []float32, st Status) int {
		for _, v := range p {
			peak = max(peak, v, -v)
		}
		frames += int64(len(p) / s.Format().Channels)
		return len(p) / s.Format().Channels
	}))
	os.Stdout.WriteString(strconv.FormatInt(frames, 10) + " " + strconv.FormatFloat(float64(peak), 'f', 4, 32) +
		" " + strconv.FormatBool(err == io.EOF))
	return 0
}

// TestStdinFromFFmpeg: `ffmpeg … -f wav - | levelmeter`: the whole stream arrives on standard input.
func TestStdinFromFFmpeg(t *testing.T) {
	ffmpeg := needTool(t, "ffmpeg")
	src := exec.Command(ffmpeg, "-v", "error", "-f", "lavfi", "-i", "aevalsrc=0.5*sin(2*PI*997*t)|0.25*sin(2*PI*997*t):s=48000:d=1.5",
		"-f", "wav", "-")
	child := exec.Command(os.Args[0], "-test.run=^$")
	child.Env = append(os.Environ(), childEnv+"=stdin")
	pipe, err := src.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	child.Stdin = pipe
	if err := src.Start(); err != nil {
		t.Fatal(err)
	}
	out, err := child.Output()
	src.Wait()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if string(out) != "72000 0.5000 true" {
		t.Errorf("frames, peak and io.EOF: %s, want 72000 0.5000 true", out)
	}
}

// needTool returns the path of a tool the test needs, or skips it.
func needTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s is not installed: %v", name, err)
	}
	return p
}

// TestStreamWaitsForRoom: a stream that comes faster than the Writer takes it (a file decoded into a pipe)
// waits for room in a SpaceWaiter and loses nothing.
func TestStreamWaitsForRoom(t *testing.T) {
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	go func() {
		pw.Write(wavStreamHeader(8000, 2, 16, false))
		pw.Write(encodeFrames(0, 20000, 2, 16, false))
		pw.Close()
	}()
	s, err := NewStream(pr, WAV, Format{})
	if err != nil {
		t.Fatal(err)
	}
	rg := newRing(2, 1500) // a block and a half: blocks wait for the ring to drain
	done := make(chan error, 1)
	go func() { done <- s.Run(context.Background(), rg) }()
	var got []float32
	for deadline := time.Now().Add(20 * time.Second); len(got) < 40000 && time.Now().Before(deadline); {
		got = append(got, rg.take(make([]float32, 128))...)
		time.Sleep(100 * time.Microsecond)
	}
	if err := <-done; err != io.EOF {
		t.Fatalf("Run: %v, want io.EOF", err)
	}
	if rg.dropped != 0 {
		t.Errorf("%d frames dropped", rg.dropped)
	}
	checkStream(t, got, 2, 1e-9)
}
