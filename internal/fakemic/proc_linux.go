package fakemic

import (
	"os/exec"
	"syscall"
)

// dieWithParent makes the server exit when the process that started it dies without stopping it (a test that
// panics or times out): a leftover server holds 100 MB of shared memory, and JACK allows 8 servers at most.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
