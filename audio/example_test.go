package audio_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"time"

	"github.com/levelmeter/levelmeter/audio"
	"github.com/levelmeter/levelmeter/audio/wavfile"
)

// A Writer for a device runs on the audio thread: it copies what it can into memory it owns and counts the rest.
func ExampleWriterFunc() {
	var stored, lost int
	buf := make([]float32, 8) // room for 4 stereo frames
	w := audio.WriterFunc(func(p []float32, s audio.Status) int {
		n := copy(buf[2*stored:], p) / 2
		stored += n
		lost += len(p)/2 - n
		return n
	})
	w.Write([]float32{0.1, 0.2, 0.3, 0.4, 0.5, 0.6}, 0)
	w.Write([]float32{0.7, 0.8, 0.9, 1.0, 1.1, 1.2}, audio.InputOverflow)
	fmt.Println("stored", stored, "lost", lost)
	// Output: stored 4 lost 2
}

// Replaying a file as fast as the Writer takes it, to the end.
func ExampleFile() {
	f, err := audio.OpenFile("../testdata/sine-s16-stereo.wav")
	if err != nil {
		log.Fatal(err)
	}
	var frames int64
	err = f.Run(context.Background(), audio.WriterFunc(func(p []float32, s audio.Status) int {
		frames += int64(len(p) / f.Format().Channels)
		return len(p) / f.Format().Channels
	}))
	fmt.Println(f.Format(), errors.Is(err, io.EOF), frames == f.Info().Frames)
	// Output: {48000 2} true true
}

// Capturing from a microphone until interrupted.
func ExampleDevice() {
	d := &audio.Device{Name: "USB", SampleRate: 48000, Channels: 1, Realtime: true}
	if err := d.Check(); err != nil {
		log.Fatal(err) // e.g. audio: no input device named "USB"
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	var peak float32
	err := d.Run(ctx, audio.WriterFunc(func(p []float32, s audio.Status) int {
		for _, v := range p { // the audio thread: no allocation, no lock, no system call
			peak = max(peak, v, -v)
		}
		return len(p)
	}))
	if err != nil {
		log.Fatal(err) // the device failed; Run may be called again
	}
	fmt.Println("peak", peak)
}

func ExampleDevices() {
	list, err := audio.Devices()
	if err != nil {
		log.Fatal(err) // e.g. audio: no audio input device found; ...
	}
	for _, d := range list {
		fmt.Printf("%d %q (%s, %d channels, %g Hz) default=%v\n", d.Index, d.Name, d.HostAPI, d.MaxInputChannels, d.DefaultSampleRate, d.Default)
	}
}

// Metering an Icecast stream through ffmpeg: the command writes WAV to its standard output, and its end or a
// stall is an error after which the caller runs it again.
func ExampleCommand() {
	c := &audio.Command{
		Args: []string{"ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "warning",
			"-i", "http://radio.example.com:8000/live", "-ac", "2", "-ar", "48000", "-f", "wav", "-"},
		SampleRate: 48000, // what -ar and -ac make it; Run checks them against the WAV header
		Channels:   2,
		Stderr:     func(line string) { log.Print("ffmpeg: ", line) },
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	for ctx.Err() == nil {
		err := c.Run(ctx, audio.WriterFunc(func(p []float32, s audio.Status) int { return len(p) / 2 }))
		if err != nil {
			log.Print(err) // e.g. audio: command ffmpeg ... exited with status 1 after 2s (its last message: ...)
			time.Sleep(time.Second)
		}
	}
	fmt.Printf("%d frames, lag %v\n", c.Stats().Frames, c.Stats().Lag)
}

// Reading `ffmpeg … -f wav - | levelmeter run --source stdin`: the format is the WAV header's.
func ExampleNewStream() {
	s, err := audio.NewStream(os.Stdin, audio.WAV, audio.Format{})
	if err != nil {
		log.Fatal(err)
	}
	err = s.Run(context.Background(), audio.WriterFunc(func(p []float32, st audio.Status) int {
		return len(p) / s.Format().Channels
	}))
	fmt.Println(errors.Is(err, io.EOF), s.Stats().Frames)
}

func ExampleParseEncoding() {
	_, err := audio.ParseEncoding("s16")
	fmt.Println(err)
	e, _ := audio.ParseEncoding("F32LE")
	fmt.Println(e)
	// Output:
	// audio: unknown stream encoding "s16" (did you mean "s16le"?): use wav, s16le, s24le, s32le or f32le
	// f32le
}

// A WAV file whose writer never patched its data size (a recorder that died) is replayed to its end; Warnings
// says so, once, for the caller to log.
func ExampleFile_Warnings() {
	dir, err := os.MkdirTemp("", "example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	hdr := []byte("RIFF\x2c\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x80\xbb\x00\x00\x00\x77\x01\x00\x02\x00\x10\x00data\x00\x00\x00\x00")
	name := dir + "/died.wav"
	if err := os.WriteFile(name, append(hdr, make([]byte, 96000)...), 0o644); err != nil { // 48000 frames
		log.Fatal(err)
	}
	f, err := audio.OpenFile(name)
	if err != nil {
		log.Fatal(err)
	}
	for _, w := range f.Warnings() {
		fmt.Println(errors.Is(w, wavfile.ErrSizeUnknown))
	}
	// Output: true
}
