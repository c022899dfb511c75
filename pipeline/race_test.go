//go:build race

package pipeline_test

// raceBuild: the race detector slows the meters' inner loops several times; long tests shorten themselves.
const raceBuild = true
