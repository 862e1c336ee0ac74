//go:build linux

package console

import (
	"errors"
	"io"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// This file is the only one that touches a tty: termios for cbreak mode,
// TIOCGWINSZ for the size, poll(2) with a wake-up pipe so a blocked read
// can stop. Everything
// else sees an io.Reader of bytes and an io.Writer.

type fder interface{ Fd() uintptr }

// isTerminal reports whether v (an *os.File) is a tty.
func isTerminal(v any) bool {
	f, ok := v.(fder)
	if !ok {
		return false
	}
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

// termSize is the tty's size in columns and rows; ok is false when v is
// not a tty or the tty does not know (a serial line reports 0x0).
func termSize(v any) (w, h int, ok bool) {
	f, isF := v.(fder)
	if !isF {
		return 0, 0, false
	}
	ws, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ)
	if err != nil || ws.Col == 0 || ws.Row == 0 {
		return 0, 0, false
	}
	return int(ws.Col), int(ws.Row), true
}

// openInput prepares r for reading single keys. A tty goes into cbreak
// mode — no line editing, no echo, no signals (Ctrl-C arrives as a byte
// for the abort question), no XON/XOFF — and is read through poll(2)
// together with a wake-up pipe. closeInput wakes a blocked read, waits
// until no read is running (so no reader outlives it and no key typed
// afterwards is taken), then puts the old termios back. Any other reader
// is returned as it is (raw is false).
func openInput(r io.Reader) (in io.Reader, closeInput func() error, raw bool, err error) {
	nothing := func() error { return nil }
	f, ok := r.(fder)
	if !ok {
		return r, nothing, false, nil
	}
	fd := int(f.Fd())
	old, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return r, nothing, false, nil // not a tty: a pipe or a file
	}
	var wake [2]int
	if err := unix.Pipe2(wake[:], unix.O_CLOEXEC|unix.O_NONBLOCK); err != nil {
		return nil, nil, false, err
	}
	t := *old
	t.Lflag &^= unix.ICANON | unix.ECHO | unix.ISIG | unix.IEXTEN
	t.Iflag &^= unix.IXON
	t.Cc[unix.VMIN], t.Cc[unix.VTIME] = 1, 0
	if err := unix.IoctlSetTermios(fd, unix.TCSETS, &t); err != nil {
		unix.Close(wake[0])
		unix.Close(wake[1])
		return nil, nil, false, err
	}
	tr := &ttyReader{fd: fd, wake: wake[0]}
	saved := *old
	closeInput = func() error {
		tr.closed.Store(true)
		unix.Write(wake[1], []byte{0})
		tr.mu.Lock() // a running Read has returned
		defer tr.mu.Unlock()
		unix.Close(wake[0])
		unix.Close(wake[1])
		return unix.IoctlSetTermios(fd, unix.TCSETS, &saved)
	}
	return tr, closeInput, true, nil
}

// ttyReader reads a tty until its wake-up pipe is written.
type ttyReader struct {
	fd, wake int
	mu       sync.Mutex
	closed   atomic.Bool
}

func (r *ttyReader) Read(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for {
		if r.closed.Load() {
			return 0, io.EOF
		}
		fds := []unix.PollFd{{Fd: int32(r.fd), Events: unix.POLLIN}, {Fd: int32(r.wake), Events: unix.POLLIN}}
		if _, err := unix.Poll(fds, -1); err != nil {
			if errors.Is(err, unix.EINTR) {
				continue
			}
			return 0, err
		}
		if fds[1].Revents != 0 || r.closed.Load() {
			return 0, io.EOF
		}
		if fds[0].Revents&unix.POLLIN != 0 {
			n, err := unix.Read(r.fd, p)
			switch {
			case n > 0:
				return n, nil
			case errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EINTR):
				continue
			case err != nil:
				return 0, err
			}
			return 0, io.EOF
		}
		if fds[0].Revents&(unix.POLLHUP|unix.POLLERR|unix.POLLNVAL) != 0 {
			return 0, io.EOF
		}
	}
}
