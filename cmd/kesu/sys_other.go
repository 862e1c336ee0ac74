//go:build !linux

package main

import (
	"errors"
	"io"
	"os"
)

// isTerminal reports false off Linux: kesu prints plain lines there.
func isTerminal(io.Writer) bool { return false }

// kernelBlockName needs Linux's sysfs.
func kernelBlockName(os.FileInfo) (string, error) {
	return "", errors.New("block devices are supported on Linux only")
}

// dirWritable cannot tell off Linux; the record's creation will.
func dirWritable(string) error { return nil }
