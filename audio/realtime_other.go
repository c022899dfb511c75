//go:build !linux

package audio

import "github.com/gordonklaus/portaudio"

// requestRealtime does nothing: real-time scheduling is asked of ALSA streams only.
func requestRealtime(s *portaudio.Stream, api portaudio.HostApiType) bool { return false }
