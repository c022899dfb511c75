package audio

import "syscall"

// procAttr puts the command in a process group of its own, which Run signals as a whole, and has the kernel
// kill it if levelmeter dies without stopping it. Pdeathsig fires when the thread that started the command
// ends; Go ends a thread only when a goroutine locked to it exits, which no goroutine that runs a Command does.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
