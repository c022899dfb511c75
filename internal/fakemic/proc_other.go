//go:build !linux

package fakemic

import "os/exec"

// dieWithParent does nothing: only Linux can tie a child's life to its parent's.
func dieWithParent(cmd *exec.Cmd) {}
