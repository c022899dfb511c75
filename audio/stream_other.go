//go:build !unix

package audio

import "os"

// pollable returns nil: reads of f cannot be given deadlines here.
func pollable(f *os.File) *os.File { return nil }
