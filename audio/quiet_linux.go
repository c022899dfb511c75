package audio

/*
#cgo LDFLAGS: -ldl
#define _GNU_SOURCE
#include <dlfcn.h>

static void quietALSA(const char *file, int line, const char *function, int err, const char *fmt, ...) {}
static void quietJACK(const char *msg) {}

// quiet silences ALSA's and JACK's messages to standard error, if those libraries are in the process (PortAudio
// links them). They are looked up at run time so that the build needs no headers beyond PortAudio's and a
// PortAudio built without one of them still works.
static void quiet(void) {
	int (*setALSA)(void *) = dlsym(RTLD_DEFAULT, "snd_lib_error_set_handler");
	if (setALSA) setALSA((void *)quietALSA);
	void (*setJACK)(void (*)(const char *)) = dlsym(RTLD_DEFAULT, "jack_set_error_function");
	if (setJACK) setJACK(quietJACK);
	setJACK = dlsym(RTLD_DEFAULT, "jack_set_info_function");
	if (setJACK) setJACK(quietJACK);
}
*/
import "C"

import (
	"bufio"
	"os"
	"regexp"
	"syscall"
)

// quietSoundLibraries stops ALSA and JACK from printing to standard error. On a machine with no sound card,
// PortAudio's probing makes them print 65 to 100 lines (every PCM of the stock ALSA configuration that has no
// card behind it, every attempt to reach a JACK server); the errors that matter reach the user through
// PortAudio's return codes, turned into one message by this package.
func quietSoundLibraries() { C.quiet() }

// filterStderr runs f while PortAudio's own failure trace is filtered out of standard error. PortAudio's ALSA
// host API prints one "Expression '...' failed in 'src/hostapi/...', line: N" line per level of a failed
// open (a refused sample rate makes three), always, through a function the library does not export. The
// filter passes every other line through as it comes, so that what other goroutines write meanwhile is kept.
func filterStderr(f func() error) error {
	if debugging() {
		return f()
	}
	saved, err := syscall.Dup(2)
	if err != nil {
		return f()
	}
	defer syscall.Close(saved)
	var p [2]int
	if err := syscall.Pipe2(p[:], syscall.O_CLOEXEC); err != nil {
		return f()
	}
	if err := syscall.Dup3(p[1], 2, 0); err != nil {
		syscall.Close(p[0])
		syscall.Close(p[1])
		return f()
	}
	syscall.Close(p[1])
	done := make(chan struct{})
	go func() {
		defer close(done)
		r := os.NewFile(uintptr(p[0]), "stderr pipe")
		defer r.Close()
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 4096), 1<<20)
		for sc.Scan() {
			line := sc.Bytes()
			if paTrace.Match(line) {
				continue
			}
			writeAll(saved, append(line, '\n'))
		}
	}()
	err = f()
	syscall.Dup3(saved, 2, 0) // closes the pipe's last write end: the filter reads to the end and stops
	<-done
	return err
}

// writeAll writes b to the file descriptor fd. (An *os.File for fd would close it when collected.)
func writeAll(fd int, b []byte) {
	for len(b) > 0 {
		n, err := syscall.Write(fd, b)
		if err == syscall.EINTR || err == syscall.EAGAIN {
			continue
		}
		if err != nil || n <= 0 {
			return
		}
		b = b[n:]
	}
}

// paTrace matches the lines PortAudio's PA_ENSURE prints when a call fails.
var paTrace = regexp.MustCompile(`^Expression '.*' failed in '.*', line: \d+$`)
