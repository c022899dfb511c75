package termmeter

import "strconv"

// channelLabels names the channels of a source whose reports carry no labels. It is the one place the meter
// knows channel layouts; the labels agree with levelmeter analyze and the web page (5.1: L R C LFE Ls Rs).
func channelLabels(n int) []string { return layoutLabels(n) }

// layoutLabels labels the usual layouts by channel count (WAVE_FORMAT_EXTENSIBLE's default order) and numbers
// the channels of any other.
func layoutLabels(n int) []string {
	switch n {
	case 1:
		return []string{"M"}
	case 2:
		return []string{"L", "R"}
	case 6:
		return []string{"L", "R", "C", "LFE", "Ls", "Rs"}
	}
	labels := make([]string, n)
	for i := range labels {
		labels[i] = strconv.Itoa(i + 1)
	}
	return labels
}
