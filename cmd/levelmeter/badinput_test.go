package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestHostileInput is the one table of hostile or broken inputs to the command line, run through the real
// binary so that everything the process writes to its standard error is seen, C libraries' noise included.
// Each row gives the exit status and the one line of standard error that says what was wrong (or, for input
// that is measured with a warning, that line; for input that is not an error, nothing). A row that cannot be
// set up here (no ffmpeg, running as root) is skipped with the reason.
//
// TestRunBadInput (configuration and flags) and TestBadFiles (analyze, with a good file measured beside the bad
// one) check the exact wording of more cases in-process; this table is about what a user sees.
func TestHostileInput(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	write := func(name string, b []byte, mode os.FileMode) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good, err := os.ReadFile("../../testdata/sine-s16-stereo.wav")
	if err != nil {
		t.Fatal(err)
	}

	missing := filepath.Join(dir, "missing.wav")
	inTheWay := filepath.Join(write("plain", []byte("a file, not a directory"), 0o644), "take1.wav")
	locked := write("locked.wav", good, 0o000)
	renamed := write("notes.wav", []byte("these are my notes about the mix, saved with the wrong extension"), 0o644)
	empty := write("empty-file.wav", nil, 0o644)
	noAudioDir := filepath.Join(dir, "covers")
	if err := os.Mkdir(noAudioDir, 0o755); err != nil {
		t.Fatal(err)
	}
	write("covers/front.jpg", []byte("not audio"), 0o644)
	fifo := filepath.Join(dir, "pipe.wav")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	// A 16-bit stereo header whose data chunk claims 0xFFFFFFF0 bytes (4 GB, the most a RIFF header can say)
	// on a file of about 1 kB, and an RF64 header whose ds64 chunk claims 10 GB.
	claim4G := write("claim-4g.wav", append(append(append([]byte{}, good[:40]...), 0xF0, 0xFF, 0xFF, 0xFF), make([]byte, 980)...), 0o644)
	claim10G := write("claim-10g.wav", rf64Header(10<<30, 1000), 0o644)
	mp3, flac := encoded(t, dir, "song.mp3"), encoded(t, dir, "song.flac")
	mp3AsWAV := ""
	if mp3 != "" {
		b, _ := os.ReadFile(mp3)
		mp3AsWAV = write("song-mp3.wav", b, 0o644)
	}
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	// No sound card, no JACK server and an ALSA configuration with only a null default device: the answer to
	// a device that does not exist does not depend on the machine.
	alsa := write("asound.conf", []byte("pcm.!default {\n    type null\n}\n"), 0o644)
	noAudio := []string{"ALSA_CONFIG_PATH=" + alsa, "JACK_NO_START_SERVER=1", "JACK_DEFAULT_SERVER=levelmeter-none"}

	nonFinite := "../../testdata/nonfinite-f32.wav"
	run := func(src string) []string {
		return []string{"run", "--source", "wav:" + src, "--pace", "fast", "--loop=false", "--listen", "", "--log-format", "json"}
	}
	wavKey := func(p string) string {
		return `levelmeter run: sources[0].wav (set by --source/--device): "` + p + `" `
	}

	root := os.Geteuid() == 0
	type row struct {
		name string
		args []string
		env  []string
		skip string // why the row cannot run here
		code int
		want string // the one line of standard error (a prefix of it); "" for none
		out  string // a substring of standard output
	}
	rows := []row{
		// Files that are not there or not files.
		{name: "analyze missing file", args: []string{"analyze", missing}, code: 1,
			want: "levelmeter analyze: " + missing + ": no such file or directory"},
		{name: "run missing file", args: run(missing), code: 2,
			want: wavKey(missing) + "does not exist; give the path of a WAV file"},
		{name: "analyze directory without audio", args: []string{"analyze", noAudioDir}, code: 1,
			want: "levelmeter analyze: " + noAudioDir + ": holds no audio files"},
		{name: "run directory", args: run(dir), code: 2,
			want: wavKey(dir) + "is a directory; give the path of a WAV file"},
		{name: "analyze file in the way of a directory", args: []string{"analyze", inTheWay}, code: 1,
			want: "levelmeter analyze: " + inTheWay + ": not a directory"},
		{name: "run file in the way of a directory", args: run(inTheWay), code: 2,
			want: wavKey(inTheWay) + "cannot be read: not a directory"},
		{name: "run named pipe", args: run(fifo), code: 2,
			want: wavKey(fifo) + "is not a regular file (a named pipe); give the path of a WAV file"},

		// Files that cannot be read.
		{name: "analyze unreadable file", args: []string{"analyze", locked}, code: 1, skip: skipIf(root, "root reads a file of mode 000"),
			want: "levelmeter analyze: " + locked + ": permission denied"},
		{name: "run unreadable file", args: run(locked), code: 1, skip: skipIf(root, "root reads a file of mode 000"),
			want: wavKey(locked) + "cannot be replayed: "},
		// A file every user can open but no one can read as a file: /proc/self/mem has no size and no data at 0.
		{name: "analyze file that fails to read", args: []string{"analyze", "/proc/self/mem"}, code: 1,
			want: "levelmeter analyze: /proc/self/mem: cannot find the file's size: "},
		{name: "run file that fails to read", args: run("/proc/self/mem"), code: 1,
			want: wavKey("/proc/self/mem") + "cannot be replayed: /proc/self/mem: cannot find the file's size: "},

		// Files that are not WAV.
		{name: "analyze text renamed .wav", args: []string{"analyze", renamed}, code: 1,
			want: "levelmeter analyze: " + renamed + `: is not in a known audio format (it starts with "these ar"); levelmeter reads WAV`},
		{name: "run text renamed .wav", args: run(renamed), code: 1,
			want: wavKey(renamed) + "cannot be replayed: " + renamed + ": is not a WAV file (no RIFF/WAVE header)"},
		{name: "analyze empty file", args: []string{"analyze", empty}, code: 1,
			want: "levelmeter analyze: " + empty + ": is empty, not an audio file; levelmeter reads WAV"},
		// MP3 and FLAC are measured, as any format audio/decode reads.
		{name: "analyze MP3", args: []string{"analyze", mp3}, code: 0, skip: skipIf(mp3 == "", "ffmpeg is not installed"),
			out: "format         MP3, 44100 Hz, 1 channel"},
		{name: "analyze MP3 renamed .wav", args: []string{"analyze", mp3AsWAV}, code: 0, skip: skipIf(mp3 == "", "ffmpeg is not installed"),
			out: "format         MP3, 44100 Hz, 1 channel"},
		{name: "run MP3 renamed .wav", args: run(mp3AsWAV), code: 1, skip: skipIf(mp3 == "", "ffmpeg is not installed"),
			want: wavKey(mp3AsWAV) + "cannot be replayed: " + mp3AsWAV + ": is not a WAV file (it looks like MP3)"},
		{name: "analyze FLAC", args: []string{"analyze", flac}, code: 0, skip: skipIf(flac == "", "ffmpeg is not installed"),
			out: "format         FLAC, 44100 Hz, 1 channel, 16-bit"},
		{name: "run FLAC", args: run(flac), code: 1, skip: skipIf(flac == "", "ffmpeg is not installed"),
			want: wavKey(flac) + "cannot be replayed: " + flac + ": is not a WAV file (it looks like FLAC)"},

		// Headers that claim more than the file holds.
		// The frames that are there are measured, with one warning (a distinct status only with --strict).
		{name: "analyze 4 GB claim on 1 kB", args: []string{"analyze", claim4G}, code: 0, out: "(245 frames)",
			want: "levelmeter analyze: " + claim4G + ": warning: is truncated: its data chunk claims 1073741820 frames but the file holds 245"},
		{name: "analyze --strict 4 GB claim on 1 kB", args: []string{"analyze", "--strict", claim4G}, code: 3,
			want: "levelmeter analyze: " + claim4G + ": is truncated: its data chunk claims 1073741820 frames but the file holds 245"},
		{name: "run 4 GB claim on 1 kB", args: run(claim4G), code: 0, out: `"captured":245,`},
		{name: "analyze 10 GB RF64 claim on 1 kB", args: []string{"analyze", claim10G}, code: 0, out: "(250 frames)",
			want: "levelmeter analyze: " + claim10G + ": warning: is truncated: its data chunk claims 2684354560 frames"},
		{name: "run 10 GB RF64 claim on 1 kB", args: run(claim10G), code: 0, out: `"captured":250,`},

		// NaN and ±Inf samples: counted, measured as silence, reported; not an error.
		{name: "analyze NaN and Inf samples", args: []string{"analyze", "--json", nonFinite}, code: 0,
			want: "levelmeter analyze: " + nonFinite + ": warning: 4 NaN or infinite samples were measured as silence",
			out:  `"sample_peak_dbfs":-19.99999987057016,`},
		{name: "run NaN and Inf samples", args: run(nonFinite), code: 0, out: `"non_finite":4`},

		// Things outside the files.
		{name: "run device that does not exist", args: []string{"run", "--device", "nosuchdevice", "--listen", ""}, env: noAudio, code: 1,
			want: `levelmeter run: sources[0].device (set by --source/--device): "nosuchdevice" (48000 Hz, 2 channels) cannot be opened: audio: no input device named "nosuchdevice"; ` + "`levelmeter devices` lists them"},
		{name: "run listen address in use", args: []string{"run", "--source", "wav:../../testdata/silence.wav", "--listen", busy.Addr().String()}, code: 1,
			want: `levelmeter run: http.listen (set by --listen): "` + busy.Addr().String() + `" cannot be listened on: listen tcp ` +
				busy.Addr().String() + ": bind: address already in use; another program (another levelmeter?) listens there: choose another with --listen or http.listen"},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			if r.skip != "" {
				t.Skip(r.skip)
			}
			code, stdout, stderr := runBinary(t, bin, r.env, r.args...)
			lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
			if stderr == "" {
				lines = nil
			}
			switch {
			case code != r.code:
				t.Errorf("exit %d, want %d; stderr:\n%s", code, r.code, stderr)
			case r.want == "" && len(lines) != 0:
				t.Errorf("stderr should be empty:\n%s", stderr)
			case r.want != "" && (len(lines) != 1 || !strings.HasPrefix(lines[0], r.want)):
				t.Errorf("stderr:\n%s\nwant one line starting\n%s", stderr, r.want)
			case !strings.Contains(stdout, r.out):
				t.Errorf("stdout lacks %q:\n%s", r.out, stdout)
			}
		})
	}
}

func skipIf(cond bool, why string) string {
	if cond {
		return why
	}
	return ""
}

// buildBinary builds levelmeter into the test's temporary directory.
func buildBinary(t *testing.T) string {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not on PATH")
	}
	bin := filepath.Join(t.TempDir(), "levelmeter")
	if out, err := exec.Command(gobin, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// runBinary runs bin with args and env added to the environment, and returns its status and output.
func runBinary(t *testing.T, bin string, env []string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), env...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("levelmeter %s did not finish within 30 s", strings.Join(args, " "))
	}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	return code, o.String(), e.String()
}

// encoded makes a 0.2 s sine in the format of name's extension with ffmpeg, or returns "" without it.
func encoded(t *testing.T, dir, name string) string {
	t.Helper()
	ffmpeg, err := exec.LookPath("ffmpeg")
	if err != nil {
		return ""
	}
	p := filepath.Join(dir, name)
	if out, err := exec.Command(ffmpeg, "-v", "error", "-f", "lavfi", "-i", "sine=f=1000:d=0.2", "-y", p).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	return p
}

// rf64Header is an RF64 (64-bit WAV) file of 16-bit stereo at 48 kHz whose ds64 chunk claims a data chunk of
// claim bytes, followed by have bytes of data.
func rf64Header(claim uint64, have int) []byte {
	var b bytes.Buffer
	le := binary.LittleEndian
	b.WriteString("RF64")
	b.Write(le.AppendUint32(nil, 0xFFFFFFFF))
	b.WriteString("WAVE")
	b.WriteString("ds64")
	b.Write(le.AppendUint32(nil, 28))
	b.Write(le.AppendUint64(nil, claim+36)) // RIFF size
	b.Write(le.AppendUint64(nil, claim))    // data size
	b.Write(le.AppendUint64(nil, claim/4))  // sample count
	b.Write(le.AppendUint32(nil, 0))        // table length
	b.WriteString("fmt ")
	b.Write(le.AppendUint32(nil, 16))
	b.Write(le.AppendUint16(nil, 1)) // PCM
	b.Write(le.AppendUint16(nil, 2))
	b.Write(le.AppendUint32(nil, 48000))
	b.Write(le.AppendUint32(nil, 48000*4))
	b.Write(le.AppendUint16(nil, 4))
	b.Write(le.AppendUint16(nil, 16))
	b.WriteString("data")
	b.Write(le.AppendUint32(nil, 0xFFFFFFFF))
	b.Write(make([]byte, have))
	return b.Bytes()
}
