//go:build unix

package audio

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode"

	"github.com/levelmeter/levelmeter/audio/wavfile"
)

// Command defaults, when the fields are 0.
const (
	// DefaultCommandStallTimeout: a network feed read through ffmpeg may take seconds to connect and buffer
	// before its first bytes; a live feed silent for longer than this is dead.
	DefaultCommandStallTimeout = 10 * time.Second
	// DefaultKillGrace: ffmpeg finishes and exits within a fraction of a second of SIGTERM.
	DefaultKillGrace = 2 * time.Second
)

// Limits on a command's standard error, which goes to Stderr one line at a time: a tool that fails in a loop
// must not flood the log, and one line must not fill it.
const (
	StderrLineLimit = 512 // bytes of a line logged; the rest is cut and the line marked
	StderrBurst     = 20  // lines logged at once before the rate limit applies
	StderrPerMinute = 60  // lines logged per minute after the burst
)

// ErrExited is the cause of the error of a Command whose stream ended: the command exited, or closed its
// standard output.
var ErrExited = errors.New("audio: command exited")

// A Command is a source that starts a command and reads audio from its standard output: WAV (ffmpeg -f wav -)
// or raw PCM in a declared Encoding. One well-made command opens every feed ffmpeg, arecord, pw-record or
// gst-launch can read: an Icecast or HLS stream, an SRT listener, an RTP multicast.
//
// Guarantees:
//   - The stream paces itself: frames are delivered as they arrive, in blocks of what has arrived (at most
//     FramesPerBuffer frames). How far the stream's clock is behind real time is measured (Stats().Lag). A
//     Writer that is a SpaceWaiter is waited for before each block, so frames are held back in the pipe
//     rather than lost; a feed behind a meter that cannot keep up shows as lag.
//   - The command is a live feed, so its end is a failure: when it exits or closes its standard output, Run
//     returns an error wrapping ErrExited with its exit status and last line on standard error, and the
//     caller retries by calling Run again, which starts it again. No bytes for StallTimeout make Run return
//     an error wrapping ErrStalled. When ctx ends, Run returns nil.
//   - No process outlives Run: the command runs in a process group of its own, with standard input from
//     /dev/null, and before Run returns the group gets SIGTERM, then, after KillGrace, SIGKILL, and the
//     command is waited for (no zombie). When the command exits on its own, the group gets SIGTERM at once,
//     so that what it started cannot hold its output open. On Linux the command also gets SIGKILL if
//     levelmeter dies (Pdeathsig; Run must not be called from a goroutine locked to its thread, whose end
//     would count as levelmeter's); its own children get the group's signals only when levelmeter stops it.
//     A command that puts children in a group of their own (setsid) is beyond reach. A process about to exit
//     without stopping its commands (a forced exit) calls KillCommandGroups, which sends SIGKILL to every
//     running command's group at once.
//   - Its standard error goes to Stderr one line per call (a carriage return ends a line too, as in progress
//     output), each at most StderrLineLimit bytes (the rest cut, marked "… [N bytes cut]"), invalid UTF-8
//     and control characters escaped as \xNN, at most StderrBurst lines at once and StderrPerMinute after
//     that (a line then says how many were suppressed). Stderr is called from a goroutine of its own, one
//     call at a time; while it blocks, the command's writes to standard error do too.
//   - The read loop allocates nothing per block.
//
// Format must be known before Run (a pipeline sizes its meter from it), so SampleRate and Channels must be
// declared for WAV too; Run checks them against the header and fails with ErrFormatMismatch if they differ.
// Probe reads them from a run of the command, for a caller that was not told.
//
// Set the fields before Run; they must not change while it runs. Run must not be called concurrently.
type Command struct {
	Args            []string      // the command and its arguments; Args[0] is looked up in PATH. No shell.
	Shell           bool          // run Args[0], the only element, with /bin/sh -c (pipes, redirections)
	Dir             string        // working directory; "" is levelmeter's
	Env             []string      // environment; nil is levelmeter's
	Encoding        Encoding      // WAV or a raw encoding
	SampleRate      int           // frames per second: required
	Channels        int           // samples per frame: required
	FramesPerBuffer int           // largest block, in frames; 0 means DefaultStreamFramesPerBuffer
	StallTimeout    time.Duration // no bytes this long: ErrStalled (twice as long for the first); 0: DefaultCommandStallTimeout; < 0: never
	KillGrace       time.Duration // SIGTERM to SIGKILL; 0: DefaultKillGrace
	Stderr          func(line string)

	stats streamStats
}

// Format returns the declared format.
func (c *Command) Format() Format { return Format{SampleRate: c.SampleRate, Channels: c.Channels} }

// Stats returns the command's counters.
func (c *Command) Stats() StreamStats { return c.stats.read(time.Now()) }

// String returns the command line as a person would type it, for messages.
func (c *Command) String() string {
	if c.Shell && len(c.Args) == 1 {
		return "sh -c " + quoteArg(c.Args[0])
	}
	q := make([]string, len(c.Args))
	for i, a := range c.Args {
		q[i] = quoteArg(a)
	}
	return strings.Join(q, " ")
}

func quoteArg(a string) string {
	if a != "" && !strings.ContainsFunc(a, func(r rune) bool {
		return !(unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("-_./:=,+@%", r))
	}) {
		return a
	}
	return strconv.Quote(a)
}

// Check reports what is wrong with the fields, as Run would.
func (c *Command) Check() error {
	switch {
	case len(c.Args) == 0 || c.Args[0] == "":
		return errors.New("audio: a command source needs a command")
	case c.Shell && len(c.Args) != 1:
		return fmt.Errorf("audio: a shell command is one string, not %d arguments", len(c.Args))
	case c.SampleRate == 0 || c.Channels == 0:
		return fmt.Errorf("audio: command %s: declare its sample rate and channel count", c)
	case c.FramesPerBuffer < 0:
		return fmt.Errorf("audio: frames per buffer %d is negative", c.FramesPerBuffer)
	}
	return checkDeclared(c.Encoding, c.Format())
}

func (c *Command) stallTimeout() time.Duration {
	if c.StallTimeout == 0 {
		return DefaultCommandStallTimeout
	}
	return c.StallTimeout
}

func (c *Command) killGrace() time.Duration {
	if c.KillGrace <= 0 {
		return DefaultKillGrace
	}
	return c.KillGrace
}

// Run starts the command and delivers its frames to w until ctx is done (nil), the command exits or closes
// its output (ErrExited), stalls (ErrStalled) or writes what is not audio; then it stops the command's process
// group and waits for it. See Command for the guarantees.
func (c *Command) Run(ctx context.Context, w Writer) error {
	if err := c.Check(); err != nil {
		return err
	}
	if ctx.Err() != nil {
		return nil
	}
	c.stats.rate.Store(int64(c.SampleRate))
	p, err := c.start()
	if err != nil {
		return err
	}
	c.stats.startRun()
	defer c.stats.endRun()
	stop := context.AfterFunc(ctx, p.in.stop)
	defer stop()

	err = c.read(ctx, p, w)
	var cause error
	stopped := func() bool { return err == errStopped || ctx.Err() != nil || p.in.stopped.Load() }
	switch {
	case stopped():
	case p.in.stalled.Load():
		c.stats.stalls.Add(1)
		cause = fmt.Errorf("audio: command %s: no bytes for %v: %w", c, c.stallTimeout(), ErrStalled)
	}
	exited := p.finish(p.in.eof, c.killGrace())
	switch {
	case stopped():
		return nil
	case cause != nil:
		return cause
	case err == io.EOF || (p.in.eof && p.in.bytes < minWAVHeader):
		// The stream ended, or the command wrote next to nothing: how it ended says what went wrong.
		c.stats.exits.Add(1)
		how := "closed its standard output"
		if exited {
			how = p.state()
		}
		return fmt.Errorf("audio: command %s %s after %v%s: %w", c, how, p.elapsed().Round(time.Millisecond),
			p.lastLine(), ErrExited)
	case errors.Is(err, wavfile.ErrNotWAV):
		return fmt.Errorf("audio: command %s: %w%s (make it write WAV to its standard output, as ffmpeg's "+
			"-f wav - does, or declare a raw encoding)", c, err, p.lastLine())
	}
	return fmt.Errorf("audio: command %s: %w%s", c, err, p.lastLine())
}

// minWAVHeader is the size of the smallest WAV header: a command that wrote less wrote no audio.
const minWAVHeader = 44

// read reads the header and delivers the frames.
func (c *Command) read(ctx context.Context, p *process, w Writer) error {
	r, err := openStream(p.in, c.Encoding, c.Format())
	if err != nil {
		return err
	}
	return newStreamReader(r, w, c.FramesPerBuffer, c.Channels, &c.stats).run(ctx)
}

// Probe runs the command until its WAV header has arrived, stops it, and returns the header's format: for a
// caller that must know the format of a WAV command that was not declared. A raw encoding returns the
// declared format.
func (c *Command) Probe(ctx context.Context) (wavfile.Info, error) {
	if c.Encoding != WAV {
		return c.Encoding.rawInfo(c.Format()), nil
	}
	probe := &Command{Args: c.Args, Shell: c.Shell, Dir: c.Dir, Env: c.Env, StallTimeout: c.StallTimeout,
		KillGrace: c.KillGrace, Stderr: c.Stderr}
	if len(c.Args) == 0 || c.Args[0] == "" {
		return wavfile.Info{}, c.Check()
	}
	if ctx.Err() != nil {
		return wavfile.Info{}, ctx.Err()
	}
	p, err := probe.start()
	if err != nil {
		return wavfile.Info{}, err
	}
	stop := context.AfterFunc(ctx, p.in.stop)
	defer stop()
	r, err := wavfile.NewReader(p.in)
	p.finish(false, c.killGrace())
	switch {
	case ctx.Err() != nil:
		return wavfile.Info{}, ctx.Err()
	case p.in.stalled.Load():
		return wavfile.Info{}, fmt.Errorf("audio: command %s: no bytes for %v: %w", c, probe.stallTimeout(), ErrStalled)
	case err != nil:
		return wavfile.Info{}, fmt.Errorf("audio: command %s: %w%s", c, err, p.lastLine())
	}
	return r.Info(), nil
}

// A process is one run of a command.
type process struct {
	cmd      *exec.Cmd
	in       *liveInput
	errPipe  *os.File
	started  time.Time
	exitAt   time.Time     // when cmd.Wait returned
	waited   chan struct{} // closed when cmd.Wait has returned
	logged   chan struct{} // closed when standard error has been read to its end
	log      *stderrLog
	signaled bool
}

func (c *Command) start() (*process, error) {
	name, args := c.Args[0], c.Args[1:]
	if c.Shell {
		name, args = "/bin/sh", []string{"-c", c.Args[0]}
	}
	cmd := exec.Command(name, args...)
	if cmd.Err != nil {
		return nil, fmt.Errorf("audio: command %s: %w", c, cmd.Err)
	}
	cmd.Dir, cmd.Env = c.Dir, c.Env
	cmd.SysProcAttr = procAttr()
	outR, outW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("audio: command %s: %w", c, err)
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		outR.Close()
		outW.Close()
		return nil, fmt.Errorf("audio: command %s: %w", c, err)
	}
	// Files, not io.Writers, so that exec starts no copying goroutines and Wait does not wait for the pipes.
	cmd.Stdout, cmd.Stderr = outW, errW
	err = cmd.Start()
	outW.Close()
	errW.Close()
	if err != nil {
		outR.Close()
		errR.Close()
		return nil, fmt.Errorf("audio: command %s: %w", c, err)
	}
	addGroup(cmd.Process.Pid)
	p := &process{
		cmd:     cmd,
		in:      &liveInput{f: outR},
		errPipe: errR,
		started: time.Now(),
		waited:  make(chan struct{}),
		logged:  make(chan struct{}),
		log:     newStderrLog(c.Stderr),
	}
	if st := c.stallTimeout(); st > 0 {
		p.in.stall = st
	}
	go func() {
		cmd.Wait()
		p.exitAt = time.Now()
		close(p.waited)
		// The command is gone: so is the feed. What it started may still hold its standard output open, so
		// that the output would not end; stop them, and the output ends once what was written is read.
		syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
	}()
	go func() {
		p.log.copy(errR)
		close(p.logged)
	}()
	return p, nil
}

// finish stops the process group and waits for the command; the output ended is whether the command closed
// its standard output, in which case it is given the grace period to exit on its own. It reports whether the
// command exited on its own.
func (p *process) finish(ended bool, grace time.Duration) bool {
	deadline := time.Now().Add(grace)
	pgid := p.cmd.Process.Pid
	if ended {
		select {
		case <-p.waited:
		case <-time.After(grace):
		}
	}
	own := false
	select {
	case <-p.waited:
		own = true
	default:
		p.signaled = true
	}
	// The group may hold the command's children even after the command exited.
	syscall.Kill(-pgid, syscall.SIGTERM)
	if !own {
		select {
		case <-p.waited:
		case <-time.After(time.Until(deadline)):
		}
	}
	for time.Now().Before(deadline) && syscall.Kill(-pgid, 0) == nil {
		time.Sleep(10 * time.Millisecond)
	}
	syscall.Kill(-pgid, syscall.SIGKILL)
	<-p.waited
	removeGroup(pgid)
	// Standard error ends when the group is gone, unless a process that left it holds it open.
	p.errPipe.SetReadDeadline(time.Now().Add(time.Second))
	<-p.logged
	p.errPipe.Close()
	p.in.f.Close()
	return own
}

// elapsed is how long the command ran, or has run when it has not exited on its own.
func (p *process) elapsed() time.Duration {
	if p.exitAt.IsZero() {
		return time.Since(p.started)
	}
	return p.exitAt.Sub(p.started)
}

// state says how the command ended.
func (p *process) state() string {
	ps := p.cmd.ProcessState
	if ps.Exited() {
		return fmt.Sprintf("exited with status %d", ps.ExitCode())
	}
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return "was killed by " + ws.Signal().String()
	}
	return ps.String()
}

func (p *process) lastLine() string {
	if l := p.log.last(); l != "" {
		return " (its last message: " + strconv.Quote(l) + ")"
	}
	return ""
}
