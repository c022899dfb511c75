//go:build !linux

package fleettest

import "os/exec"

// dieWithParent does nothing: only Linux can tie a child's life to its parent's.
func dieWithParent(cmd *exec.Cmd) {}
