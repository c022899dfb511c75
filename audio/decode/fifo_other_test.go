//go:build !unix

package decode

import "errors"

func mkfifo(string) error { return errors.New("no FIFOs on this system") }
