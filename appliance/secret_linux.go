//go:build linux

package appliance

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"

	"golang.org/x/sys/unix"
)

// Site returns the network boot's site files (SiteDir, from the site
// archive GRUB loaded after the initramfs), or nil when there are none.
func (s *linuxSystem) Site() fs.FS {
	if st, err := os.Stat(SiteDir); err != nil || !st.IsDir() {
		return nil
	}
	return os.DirFS(SiteDir)
}

// ReadSecret turns the consoles' echo off, shows the prompt, reads one
// line from whichever active console gives one first, and closes them
// again: the
// technician's screen (which reads the ttys itself) must have the keys
// afterwards.
func (s *linuxSystem) ReadSecret(ctx context.Context, prompt func()) ([]byte, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type answer struct {
		line []byte
		err  error
	}
	got := make(chan answer, len(s.Consoles()))
	var files []*os.File
	var restore []func()
	for _, n := range s.Consoles() {
		f, err := os.OpenFile("/dev/"+n, os.O_RDWR, 0)
		if err != nil {
			continue
		}
		files = append(files, f)
		// Through the raw connection, not Fd(): Fd would make the file
		// blocking, and Close could then not end the read below.
		if rc, err := f.SyscallConn(); err == nil {
			rc.Control(func(fd uintptr) {
				t, err := unix.IoctlGetTermios(int(fd), unix.TCGETS)
				if err != nil {
					return
				}
				old := *t
				t.Lflag &^= unix.ECHO
				t.Lflag |= unix.ICANON | unix.ECHONL
				if unix.IoctlSetTermios(int(fd), unix.TCSETS, t) == nil {
					restore = append(restore, func() {
						rc.Control(func(fd uintptr) { unix.IoctlSetTermios(int(fd), unix.TCSETS, &old) })
					})
				}
			})
		}
		go func() {
			// In canonical mode one read returns one line at most.
			var buf [1024]byte
			n, err := f.Read(buf[:])
			line := bytes.Clone(bytes.TrimRight(buf[:n], "\r\n"))
			clear(buf[:])
			if err == nil && n == 0 {
				err = io.EOF
			}
			got <- answer{line, err}
		}()
	}
	defer func() {
		for _, r := range restore {
			r()
		}
		for _, f := range files {
			f.Close()
		}
	}()
	if len(files) == 0 {
		return nil, errors.New("no console to read from")
	}
	prompt() // with the echo off: nothing typed as soon as it shows is echoed
	for range files {
		select {
		case a := <-got:
			if a.err == nil {
				return a.line, nil
			}
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return nil, errors.New("every console closed")
}
