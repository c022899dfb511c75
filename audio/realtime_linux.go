package audio

/*
#cgo LDFLAGS: -ldl
#define _GNU_SOURCE
#include <dlfcn.h>

// enableRealtime asks PortAudio's ALSA host API to run the stream's audio thread with the FIFO scheduling policy.
static int enableRealtime(void *stream) {
	void (*enable)(void *, int) = dlsym(RTLD_DEFAULT, "PaAlsa_EnableRealtimeScheduling");
	if (!enable) return 0;
	enable(stream, 1);
	return 1;
}
*/
import "C"

import (
	"reflect"
	"unsafe"

	"github.com/gordonklaus/portaudio"
)

// requestRealtime asks for real-time scheduling of an ALSA stream's audio thread, as JACK gives its clients:
// at normal priority, a busy machine starves the thread and the device overflows. Where the process may not
// use real-time scheduling, PortAudio runs the thread at normal priority. It must be called before Start, and
// reports whether the request was made.
func requestRealtime(s *portaudio.Stream, api portaudio.HostApiType) bool {
	if api != portaudio.ALSA {
		return false
	}
	// The binding keeps PortAudio's stream handle unexported.
	f := reflect.ValueOf(s).Elem().FieldByName("paStream")
	if !f.IsValid() || f.Kind() != reflect.UnsafePointer {
		return false
	}
	p := unsafe.Pointer(f.Pointer())
	if p == nil {
		return false
	}
	return C.enableRealtime(p) != 0
}
