package termmeter

import "github.com/levelmeter/levelmeter/dsp"

// channelLabels names the channels of a source whose reports carry no labels: those of the default layout for
// the channel count (dsp.DefaultLayout), as levelmeter analyze and the daemon label them (5.1: L R C LFE Ls Rs).
func channelLabels(n int) []string { return dsp.DefaultLayout(n).Labels() }
