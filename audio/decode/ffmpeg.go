package decode

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/levelmeter/levelmeter/audio/wavfile"
)

// ffmpegSource reads what an ffmpeg child process decodes: a WAV stream of 32-bit float on its standard output,
// which carries the sample rate and the channel count in its header, so no ffprobe run is needed.
type ffmpegSource struct {
	cmd    *exec.Cmd
	out    *os.File // the read end of ffmpeg's standard output
	input  string   // ffmpeg's -i argument
	wav    source
	name   string
	format Format
	stderr *tailBuffer
	exited chan struct{} // closed when Wait has returned
	werr   error         // from Wait, once exited is closed
	killed bool
	got    bool // some audio was read
}

// ffmpegArgs are the arguments after the input: float32 WAV on standard output. -nostdin keeps ffmpeg from
// reading the terminal; -v error keeps its standard error to the reasons it failed.
var ffmpegArgs = []string{"-vn", "-sn", "-dn", "-f", "wav", "-acodec", "pcm_f32le", "-"}

// hasFFmpeg reports whether ffmpeg is on the PATH.
func hasFFmpeg() bool {
	_, err := exec.LookPath("ffmpeg")
	return err == nil
}

// newFFmpeg starts ffmpeg on the named file, or on in when it is not nil (a stream, given on ffmpeg's
// standard input). A file is better given by name: MP4 keeps its index at the end, which a pipe cannot reach.
func newFFmpeg(format Format, name string, in io.Reader) (source, Info, error) {
	path, err := exec.LookPath("ffmpeg")
	if err != nil {
		return nil, Info{}, &Error{File: name, Format: format, Err: ErrNeedsFFmpeg,
			Msg: fmt.Sprintf("is %v, which needs ffmpeg, and ffmpeg is not installed", format)}
	}
	input := "pipe:0"
	if in == nil {
		abs, err := filepath.Abs(name)
		if err != nil {
			return nil, Info{}, &Error{File: name, Format: format, Err: err, Msg: err.Error()}
		}
		input = "file:" + abs // "file:" so that a name with a colon or a leading dash is a file name
	}
	args := []string{"-nostdin", "-hide_banner", "-v", "error"}
	if format == FLAC {
		// A lossless decode must be whole: a corrupt or cut frame is an error, not a warning and a gap or a
		// concealed frame. ffmpeg checks the frames' CRCs only when asked, and then reports a mismatch but exits
		// 0, so flacFFmpeg also takes anything ffmpeg writes at -v error as an error.
		args = append(args, "-xerror", "-err_detect", "crccheck")
	}
	args = append(append(args, "-i", input), ffmpegArgs...)
	if in != nil {
		args = args[1:] // it reads its input from standard input
	}
	cmd := exec.Command(path, args...)
	cmd.Stdin = in
	stderr := &tailBuffer{max: 4096}
	cmd.Stderr = stderr
	// Wait would wait for the copy into ffmpeg's standard input, which blocks as long as the stream has nothing
	// to read (a terminal, an idle pipe); after the child is gone it need not.
	cmd.WaitDelay = time.Second
	setChildAttrs(cmd)
	// A pipe of our own rather than StdoutPipe: Wait closes that one when the child exits, which may be before
	// everything it wrote has been read, and Wait runs as soon as the child starts here.
	out, w, err := os.Pipe()
	if err != nil {
		return nil, Info{}, &Error{File: name, Format: format, Err: err, Msg: "cannot start ffmpeg: " + err.Error()}
	}
	cmd.Stdout = w
	err = cmd.Start()
	w.Close()
	if err != nil {
		out.Close()
		return nil, Info{}, &Error{File: name, Format: format, Err: err, Msg: "cannot start ffmpeg: " + err.Error()}
	}
	s := &ffmpegSource{cmd: cmd, out: out, input: input, name: name, format: format, stderr: stderr, exited: make(chan struct{})}
	go func() {
		s.werr = cmd.Wait()
		close(s.exited)
	}()
	wav, info, err := newWAV(stream{bufio.NewReaderSize(out, peekSize)}, name)
	if err != nil {
		// Most likely ffmpeg could not read the input and wrote no header, and is exiting; its own words say
		// why. If it is still running, what it wrote is of no use.
		select {
		case <-s.exited:
		case <-time.After(2 * time.Second):
		}
		ferr := s.finish(true)
		s.out.Close()
		if ferr != nil {
			return nil, Info{}, ferr
		}
		if ferr := s.noAudio(); ferr != nil {
			return nil, Info{}, ferr
		}
		if errors.Is(err, wavfile.ErrUnsupported) {
			return nil, Info{}, err // a sample rate or a channel count wavfile refuses, in wavfile's words
		}
		return nil, Info{}, &Error{File: name, Format: format, Err: ErrFFmpeg,
			Msg: fmt.Sprintf("is %v, and ffmpeg's output could not be read: %v", format, err)}
	}
	s.wav = wav
	info.Format = format
	info.WAV = wavInfoZero
	info.BitsPerSample, info.Float, info.ClipLevel, info.FFmpeg = 0, false, 0, true
	return s, info, nil
}

var wavInfoZero = Info{}.WAV

func (s *ffmpegSource) read(dst []float32) (int, error) {
	n, err := s.wav.read(dst)
	s.got = s.got || n > 0
	if err == io.EOF {
		// The end of ffmpeg's output is a success only if ffmpeg says so, and ffmpeg says so (exits 0) also
		// when it could not read its input at all: no audio and an error message is a failure too.
		if ferr := s.finish(false); ferr != nil {
			return 0, ferr
		}
		if ferr := s.noAudio(); ferr != nil {
			return 0, ferr
		}
	}
	return n, err
}

// noAudio returns an error when ffmpeg produced no audio and wrote an error message: it exits 0 when it
// cannot read its input from a pipe, as with an MP4 whose index (moov atom) comes after the audio, which a pipe
// cannot seek back to ("Invalid data found when processing input"); from a pipe the error wraps ErrNeedsSeek.
func (s *ffmpegSource) noAudio() error {
	msg := s.message()
	if s.got || msg == "" {
		return nil
	}
	if s.input == "pipe:0" {
		// Most likely what ffmpeg needs is behind the audio (MP4/M4A keeps its index at the end), out of reach.
		return &Error{File: s.name, Format: s.format, Err: fmt.Errorf("%w: %w", ErrFFmpeg, ErrNeedsSeek),
			Msg: "ffmpeg decoded no audio from it, read as a stream: " + msg}
	}
	return &Error{File: s.name, Format: s.format, Err: ErrFFmpeg, Msg: "ffmpeg decoded no audio from it: " + msg}
}

// message is the last line of what ffmpeg wrote at -v error, which says what finally went wrong, without the
// input's name or the "[flac @ 0x55d0c0a1b2c0] " that starts the lines of a decoder or demuxer; "" when it wrote
// nothing.
func (s *ffmpegSource) message() string {
	msg := strings.TrimSpace(s.stderr.String())
	if i := strings.LastIndexByte(msg, '\n'); i >= 0 {
		msg = msg[i+1:]
	}
	msg = strings.TrimPrefix(msg, s.input+": ") // the name is said once, at the start
	if strings.HasPrefix(msg, "[") {
		if i := strings.Index(msg, "] "); i > 0 && strings.Contains(msg[:i], " @ 0x") {
			msg = msg[i+2:]
		}
	}
	return strings.TrimSpace(msg)
}

// finish waits for ffmpeg to exit (killing it first when kill is set) and returns an error when it failed.
func (s *ffmpegSource) finish(kill bool) error {
	if kill {
		select {
		case <-s.exited:
		default:
			s.killed = true
			s.cmd.Process.Kill()
		}
	}
	<-s.exited
	if s.werr == nil || s.killed && isKilled(s.werr) {
		return nil
	}
	msg := s.message()
	if msg == "" {
		msg = s.werr.Error()
	}
	return &Error{File: s.name, Format: s.format, Err: ErrFFmpeg, Msg: "ffmpeg could not decode it: " + msg}
}

func isKilled(err error) bool {
	var ee *exec.ExitError
	return errors.As(err, &ee) && !ee.Exited()
}

// close stops ffmpeg if it is still running and reaps it.
func (s *ffmpegSource) close() error {
	s.finish(true)
	return s.out.Close()
}

// A tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = append(t.b[:0], t.b[len(t.b)-t.max:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(bytes.ToValidUTF8(t.b, nil))
}
