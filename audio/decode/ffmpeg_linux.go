package decode

import (
	"os/exec"
	"syscall"
)

// setChildAttrs has the kernel kill ffmpeg if levelmeter dies without closing the Reader, so that no decoder
// is left running.
func setChildAttrs(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
