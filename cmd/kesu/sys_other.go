//go:build !linux

package main

import "io"

// isTerminal reports false off Linux: kesu prints plain lines there.
func isTerminal(io.Writer) bool { return false }
