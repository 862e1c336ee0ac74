//go:build !linux

package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"os"
)

// isTerminal reports false off Linux: kesu prints plain lines there.
func isTerminal(io.Writer) bool { return false }

// readHidden is not available off Linux: give --passphrase-file.
func readHidden(context.Context, *os.File, *bufio.Reader, io.Writer, string) ([]byte, error) {
	return nil, errors.New("kesu cannot turn a terminal's echo off on this system; give --passphrase-file")
}
