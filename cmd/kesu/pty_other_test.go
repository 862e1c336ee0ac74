//go:build !linux

package main

import (
	"os"
	"testing"
)

// openPTY is Linux-only (/dev/ptmx, TIOCSPTLCK, TIOCGPTN).
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Skip("pseudo-terminals are opened the Linux way only")
	return nil, nil
}
