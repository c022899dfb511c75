package fleettest

import (
	"os/exec"
	"syscall"
)

// dieWithParent makes a server exit when the test process dies without stopping it (a test that panics or
// times out), so that no Prometheus or Alertmanager outlives its test.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
