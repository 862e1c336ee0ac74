package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

// readHidden turns the terminal f's echo off, then shows prompt on w and
// reads one line (through r) — the newline is still echoed — and puts the
// terminal back as it was. The echo goes off before the prompt shows, so
// that nothing typed as soon as it appears is echoed. A cancelled ctx
// (Ctrl-C) puts it back and returns at once.
func readHidden(ctx context.Context, f *os.File, r *bufio.Reader, w io.Writer, prompt string) ([]byte, error) {
	fd := int(f.Fd())
	old, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return nil, fmt.Errorf("reading the passphrase: %w", err)
	}
	t := *old
	t.Lflag = t.Lflag&^unix.ECHO | unix.ECHONL | unix.ICANON
	if err := unix.IoctlSetTermios(fd, unix.TCSETS, &t); err != nil {
		return nil, fmt.Errorf("turning the terminal's echo off: %w", err)
	}
	defer unix.IoctlSetTermios(fd, unix.TCSETS, old)
	fmt.Fprint(w, prompt)
	type line struct {
		b   []byte
		err error
	}
	got := make(chan line, 1)
	go func() {
		b, err := r.ReadBytes('\n')
		got <- line{b, err}
	}()
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case l := <-got:
		if l.err != nil && !(errors.Is(l.err, io.EOF) && len(l.b) > 0) {
			clear(l.b)
			return nil, fmt.Errorf("reading the passphrase: %w", l.err)
		}
		b := bytes.TrimSuffix(bytes.TrimSuffix(l.b, []byte("\n")), []byte("\r"))
		out := bytes.Clone(b)
		clear(l.b)
		return out, nil
	}
}
