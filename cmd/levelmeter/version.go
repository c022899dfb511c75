package main

import (
	"fmt"
	"io"
	"runtime/debug"
)

// version is set at link time (-ldflags "-X main.version=v1.2.3"); otherwise it comes from the build info.
var version = ""

func init() {
	register(command{name: "version", summary: "print the version", run: runVersion})
}

func runVersion(args []string, stdout, stderr io.Writer) int {
	c := newCLI("version", "", "Prints the version: the release, or the commit and the Go version it was built with.")
	if code, ok := c.parse(args, false, stdout, stderr); !ok {
		return code
	}
	fmt.Fprintln(stdout, "levelmeter", versionString())
	return exitOK
}

func versionString() string {
	if version != "" {
		return version
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "(unknown)"
	}
	v := info.Main.Version
	var rev, dirty string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "+dirty"
			}
		}
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if rev != "" {
		return fmt.Sprintf("%s (%s%s, %s)", v, rev, dirty, info.GoVersion)
	}
	return fmt.Sprintf("%s (%s)", v, info.GoVersion)
}
