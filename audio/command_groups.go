//go:build unix

package audio

import (
	"sync"
	"syscall"
)

// groups are the process groups of the commands running now, for KillCommandGroups. Only starting and finishing
// a command touch it, never the audio path.
var groups = struct {
	sync.Mutex
	ids map[int]struct{}
}{ids: map[int]struct{}{}}

func addGroup(pgid int) {
	groups.Lock()
	groups.ids[pgid] = struct{}{}
	groups.Unlock()
}

func removeGroup(pgid int) {
	groups.Lock()
	delete(groups.ids, pgid)
	groups.Unlock()
}

// KillCommandGroups sends SIGKILL to the process group of every command source running now, and returns how
// many groups it signalled. It is for a process about to exit without stopping its sources (a forced exit): a
// command that ignores SIGTERM, and what it started, would otherwise outlive levelmeter (Pdeathsig reaches
// only the command itself). It does not wait; the caller's exit reaps nothing, and the kernel re-parents the
// killed processes to init, which reaps them. Safe to call from any goroutine, at any time.
func KillCommandGroups() int {
	groups.Lock()
	defer groups.Unlock()
	for pgid := range groups.ids {
		syscall.Kill(-pgid, syscall.SIGKILL)
	}
	return len(groups.ids)
}
