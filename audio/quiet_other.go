//go:build !linux

package audio

// quietSoundLibraries does nothing: only Linux's ALSA and JACK print their probing noise.
func quietSoundLibraries() {}

// filterStderr runs f: PortAudio's failure trace is filtered on Linux only.
func filterStderr(f func() error) error { return f() }
