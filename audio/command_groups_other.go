//go:build !unix

package audio

// KillCommandGroups does nothing where command sources do not run; see the Unix version.
func KillCommandGroups() int { return 0 }
