//go:build !race

package httpserver

// floodRing is the ring of TestFlood's source: the pipeline's default, as the daemon has it.
const floodRing = 16384
