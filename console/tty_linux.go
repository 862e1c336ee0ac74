//go:build linux

package console

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/unix"
)

// This file is the only one that touches a tty: termios for cbreak mode
// and for reading a secret without echo (ReadSecret, which kesu keygen and
// the appliance use too), TIOCGWINSZ for the size, poll(2) with a wake-up
// pipe so a blocked read can stop. Everything else sees an io.Reader of
// bytes and an io.Writer.

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
	return pollRead(r.fd, r.wake, r.closed.Load, p)
}

// pollRead reads the tty fd once poll(2) says it has input, and returns
// io.EOF without reading once the wake-up pipe wake is readable or stopped
// reports true. The fd may be blocking (os.Stdin usually is): read starts
// only after poll has seen input — in canonical mode a whole line — so it
// does not wait, unless another reader of the same tty took that input in
// between; then it waits for the next.
func pollRead(fd, wake int, stopped func() bool, p []byte) (int, error) {
	for {
		if stopped() {
			return 0, io.EOF
		}
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}, {Fd: int32(wake), Events: unix.POLLIN}}
		if _, err := unix.Poll(fds, -1); err != nil {
			if errors.Is(err, unix.EINTR) {
				continue
			}
			return 0, err
		}
		if fds[1].Revents != 0 || stopped() {
			return 0, io.EOF
		}
		if fds[0].Revents&unix.POLLIN != 0 {
			n, err := unix.Read(fd, p)
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

// secretLineMax is the longest line ReadSecret takes: Linux keeps at most
// 4095 characters and the newline of a canonical line (N_TTY_BUF_SIZE), so
// one read of this size gets a whole line.
const secretLineMax = 4096

// ReadSecret reads one line typed on any of the terminals files without
// showing it. It turns every terminal's echo off (ECHONL and ICANON on: the
// newline still shows, the line can be edited) before it calls prompt, so
// nothing typed as soon as the prompt shows is echoed; then it returns the
// first line typed on any of them, without its newline. A file that is not
// a terminal is not read; if none is, ReadSecret returns an error without
// calling prompt.
//
// When it returns — with a line, an error, or ctx's error once ctx ends —
// no read of it is pending any more: every read waits in poll(2) together
// with a wake-up pipe, which ReadSecret writes and then waits for the
// reads to return, so a line typed afterwards stays in the terminal for
// whoever reads it next. Then the terminals' termios are put back. The
// files are not closed, and their blocking mode is not changed (they are
// used through SyscallConn, not Fd), so os.Stdin can be given. Its read
// buffer is cleared; the caller clears the line once used.
func ReadSecret(ctx context.Context, files []*os.File, prompt func()) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	type tty struct {
		rc  syscall.RawConn
		old unix.Termios
	}
	var ttys []tty
	var notTTY error
	for _, f := range files {
		rc, err := f.SyscallConn()
		if err != nil {
			notTTY = cmp.Or(notTTY, fmt.Errorf("%s: %w", f.Name(), err))
			continue
		}
		var old *unix.Termios
		cerr := rc.Control(func(fd uintptr) {
			if old, err = unix.IoctlGetTermios(int(fd), unix.TCGETS); err != nil {
				return
			}
			t := *old
			t.Lflag = t.Lflag&^unix.ECHO | unix.ECHONL | unix.ICANON
			err = unix.IoctlSetTermios(int(fd), unix.TCSETS, &t)
		})
		if err = cmp.Or(cerr, err); err != nil {
			notTTY = cmp.Or(notTTY, fmt.Errorf("turning the echo of %s off: %w", f.Name(), err))
			continue
		}
		ttys = append(ttys, tty{rc, *old})
	}
	restore := func() {
		for _, t := range ttys {
			t.rc.Control(func(fd uintptr) { unix.IoctlSetTermios(int(fd), unix.TCSETS, &t.old) })
		}
	}
	if len(ttys) == 0 {
		if notTTY == nil {
			notTTY = errors.New("no terminal given")
		}
		return nil, notTTY
	}
	var wake [2]int
	if err := unix.Pipe2(wake[:], unix.O_CLOEXEC|unix.O_NONBLOCK); err != nil {
		restore()
		return nil, err
	}
	type answer struct {
		line []byte
		err  error
	}
	got := make(chan answer, len(ttys))
	var stop atomic.Bool
	var reads sync.WaitGroup
	for _, t := range ttys {
		reads.Go(func() {
			buf := make([]byte, secretLineMax)
			defer clear(buf)
			var n int
			var err error
			if cerr := t.rc.Control(func(fd uintptr) { n, err = pollRead(int(fd), wake[0], stop.Load, buf) }); cerr != nil {
				err = cerr
			}
			switch {
			case err != nil:
				got <- answer{nil, err}
			case n == len(buf) && buf[n-1] != '\n':
				got <- answer{nil, errors.New("the line is too long")}
			default:
				got <- answer{bytes.Clone(bytes.TrimRight(buf[:n], "\r\n")), nil}
			}
		})
	}
	defer func() {
		stop.Store(true)
		unix.Write(wake[1], []byte{0})
		reads.Wait() // no read outlives ReadSecret
		close(got)
		for a := range got { // lines typed on another terminal at the same time
			clear(a.line)
		}
		restore()
		unix.Close(wake[0])
		unix.Close(wake[1])
	}()
	prompt()
	var last error
	for range ttys {
		select {
		case a := <-got:
			if a.err == nil {
				return a.line, nil
			}
			last = a.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return nil, fmt.Errorf("no line read from any terminal: %w", last)
}
