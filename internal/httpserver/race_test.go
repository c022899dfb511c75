//go:build race

package httpserver

// floodRing is the ring of TestFlood's source. The race detector slows the meter several times, and on a busy
// machine a race build cannot keep a 340 ms ring from filling even without a flood; it gets 1.4 s.
const floodRing = 65536
