//go:build !linux

package console

import (
	"context"
	"io"
	"os"
)

func isTerminal(v any) bool { return false }

func termSize(v any) (w, h int, ok bool) { return 0, 0, false }

func openInput(r io.Reader) (io.Reader, func() error, bool, error) {
	return r, func() error { return nil }, false, nil
}

// ReadSecret is not available off Linux: it returns ErrNoEcho.
func ReadSecret(context.Context, []*os.File, func()) ([]byte, error) {
	return nil, ErrNoEcho
}
