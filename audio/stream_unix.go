//go:build unix

package audio

import (
	"os"
	"syscall"
)

// pollable returns a non-blocking duplicate of f, which Go's poller waits on (so that read deadlines work), if
// f is a pipe or a socket; nil otherwise. The duplicate shares f's open file description, so f becomes
// non-blocking too: f must not be read directly afterwards. A terminal is left alone, since the shell shares
// it.
func pollable(f *os.File) *os.File {
	st, err := f.Stat()
	if err != nil || st.Mode()&(os.ModeNamedPipe|os.ModeSocket) == 0 {
		return nil
	}
	rc, err := f.SyscallConn()
	if err != nil {
		return nil
	}
	var nf *os.File
	rc.Control(func(fd uintptr) {
		syscall.ForkLock.RLock()
		d, err := syscall.Dup(int(fd))
		if err == nil {
			syscall.CloseOnExec(d)
		}
		syscall.ForkLock.RUnlock()
		if err != nil {
			return
		}
		if err := syscall.SetNonblock(d, true); err != nil {
			syscall.Close(d)
			return
		}
		nf = os.NewFile(uintptr(d), f.Name())
	})
	return nf
}
