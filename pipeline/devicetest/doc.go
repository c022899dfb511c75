// Package devicetest runs the pipeline on a real PortAudio input stream with no sound card: a JACK dummy server
// clocks an ALSA device (internal/fakemic) that delivers known samples through PortAudio's real callback. It holds
// only tests; it is a package of its own because the ALSA configuration must be in place before PortAudio is
// first initialised in the process.
package devicetest
