//go:build unix && !linux

package audio

import "syscall"

// procAttr puts the command in a process group of its own, which Run signals as a whole. Without Linux's
// Pdeathsig, a command outlives a levelmeter that dies without stopping it.
func procAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }
