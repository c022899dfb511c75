//go:build race

package dsp

// raceBuild is whether the race detector is on: the slowest accuracy tests then measure fewer signals.
const raceBuild = true
