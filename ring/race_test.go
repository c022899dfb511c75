//go:build race

package ring

// The race detector slows the rings down some twentyfold; the stress tests move fewer items under it.
const raceEnabled = true
