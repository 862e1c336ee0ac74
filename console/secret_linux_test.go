//go:build linux

package console

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// ptyOutput collects what a pty's master shows, until the test ends.
func ptyOutput(t *testing.T, master *os.File) (waitOut func(text string) string) {
	t.Helper()
	out := make(chan string, 1000)
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := master.Read(buf)
			if n > 0 {
				out <- string(buf[:n])
			}
			if err != nil {
				close(out)
				return
			}
		}
	}()
	var seen strings.Builder
	return func(text string) string {
		t.Helper()
		guard := time.After(10 * time.Second) // a hang guard, not a timing assertion
		for !strings.Contains(seen.String(), text) {
			select {
			case s, ok := <-out:
				if !ok {
					t.Fatalf("the pty closed before %q; got %q", text, seen.String())
				}
				seen.WriteString(s)
			case <-guard:
				t.Fatalf("no %q on the pty; got %q", text, seen.String())
			}
		}
		return seen.String()
	}
}

func termios(t *testing.T, f *os.File) unix.Termios {
	t.Helper()
	tio, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	return *tio
}

// blockingSlave opens the pty's slave again as a blocking file that Go's
// poller does not watch — what os.Stdin usually is.
func blockingSlave(t *testing.T, master *os.File) *os.File {
	t.Helper()
	n, err := unix.IoctlGetInt(int(master.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	fd, err := unix.Open(fmt.Sprintf("/dev/pts/%d", n), unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	f := os.NewFile(uintptr(fd), "stdin-like")
	if _, err := f.SyscallConn(); err != nil {
		t.Fatal(err)
	}
	if err := f.SetReadDeadline(time.Now()); !errors.Is(err, os.ErrNoDeadline) {
		t.Fatalf("SetReadDeadline on a blocking pty = %v; want ErrNoDeadline (not pollable)", err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

type secretResult struct {
	line []byte
	err  error
}

// The line typed is returned without its newline and never shown; the
// echo is off when the prompt shows and back on afterwards.
func TestReadSecretOnPTY(t *testing.T) {
	for _, stdinLike := range []bool{false, true} {
		t.Run(fmt.Sprintf("blocking=%v", stdinLike), func(t *testing.T) {
			master, slave := openPTY(t)
			if stdinLike {
				slave = blockingSlave(t, master)
			}
			waitOut := ptyOutput(t, master)
			before := termios(t, slave)
			atPrompt := make(chan unix.Termios, 1)
			res := make(chan secretResult, 1)
			go func() {
				line, err := ReadSecret(context.Background(), []*os.File{slave}, func() {
					atPrompt <- termios(t, slave)
					fmt.Fprint(slave, "passphrase: ")
				})
				res <- secretResult{line, err}
			}()
			waitOut("passphrase: ")
			if l := (<-atPrompt).Lflag; l&unix.ECHO != 0 || l&(unix.ICANON|unix.ECHONL) != unix.ICANON|unix.ECHONL {
				t.Errorf("lflag at the prompt %#x; want ECHO off, ICANON and ECHONL on", l)
			}
			master.Write([]byte("correct horse\r"))
			var r secretResult
			select {
			case r = <-res:
			case <-time.After(10 * time.Second):
				t.Fatal("no line")
			}
			if r.err != nil || string(r.line) != "correct horse" {
				t.Errorf("ReadSecret = %q, %v; want the line without its newline", r.line, r.err)
			}
			fmt.Fprint(slave, "END")
			screen := waitOut("END")
			if strings.Contains(screen, "horse") {
				t.Errorf("the terminal echoed the secret: %q", screen)
			}
			if !strings.Contains(screen, "passphrase: \r\nEND") {
				t.Errorf("the newline was not echoed (ECHONL): %q", screen)
			}
			if after := termios(t, slave); after != before {
				t.Errorf("termios after ReadSecret = %+v; want it restored to %+v", after, before)
			}
		})
	}
}

// With several terminals, the first line typed on any is returned; the
// echo is off on all of them before the prompt; afterwards no read is left
// pending: a line typed later stays for whoever reads next.
func TestReadSecretSeveralTerminals(t *testing.T) {
	m1, s1 := openPTY(t)
	m2, s2 := openPTY(t)
	before1, before2 := termios(t, s1), termios(t, s2)
	waitOut2 := ptyOutput(t, m2)
	res := make(chan secretResult, 1)
	go func() {
		line, err := ReadSecret(context.Background(), []*os.File{s1, s2}, func() {
			for _, s := range []*os.File{s1, s2} {
				if termios(t, s).Lflag&unix.ECHO != 0 {
					t.Errorf("%s echoes at the prompt", s.Name())
				}
			}
			fmt.Fprint(s2, "key? ")
		})
		res <- secretResult{line, err}
	}()
	waitOut2("key? ")
	m2.Write([]byte("typed on the second\n"))
	select {
	case r := <-res:
		if r.err != nil || string(r.line) != "typed on the second" {
			t.Errorf("ReadSecret = %q, %v; want the second terminal's line", r.line, r.err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no line")
	}
	if a1, a2 := termios(t, s1), termios(t, s2); a1 != before1 || a2 != before2 {
		t.Errorf("termios not restored on every terminal")
	}
	m1.Write([]byte("later\n"))
	got := make(chan string, 1)
	go func() {
		buf := make([]byte, 64)
		n, _ := s1.Read(buf)
		got <- string(buf[:n])
	}()
	select {
	case s := <-got:
		if s != "later\n" {
			t.Errorf("the next reader of the first terminal got %q; want the line typed after ReadSecret", s)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a line typed after ReadSecret did not reach the next reader: a read of ReadSecret's outlived it")
	}
}

// A cancelled ctx ends ReadSecret while nothing is typed, also on a
// blocking file like os.Stdin, which it does not close; the termios is put
// back and a line typed afterwards stays for the next reader.
func TestReadSecretCancel(t *testing.T) {
	for _, stdinLike := range []bool{false, true} {
		t.Run(fmt.Sprintf("blocking=%v", stdinLike), func(t *testing.T) {
			master, slave := openPTY(t)
			if stdinLike {
				slave = blockingSlave(t, master)
			}
			before := termios(t, slave)
			ctx, cancel := context.WithCancel(context.Background())
			prompted := make(chan struct{})
			res := make(chan secretResult, 1)
			go func() {
				line, err := ReadSecret(ctx, []*os.File{slave}, func() { close(prompted) })
				res <- secretResult{line, err}
			}()
			<-prompted
			time.Sleep(50 * time.Millisecond) // let the read start waiting
			start := time.Now()
			cancel()
			select {
			case r := <-res:
				if !errors.Is(r.err, context.Canceled) || r.line != nil {
					t.Errorf("ReadSecret after cancel = %q, %v; want context.Canceled", r.line, r.err)
				}
				if d := time.Since(start); d > 2*time.Second {
					t.Errorf("ReadSecret took %v to return after cancel", d)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("ReadSecret did not return after cancel")
			}
			if after := termios(t, slave); after != before {
				t.Errorf("termios after cancel = %+v; want it restored to %+v", after, before)
			}
			master.Write([]byte("next\n"))
			got := make(chan string, 1)
			go func() {
				buf := make([]byte, 64)
				n, _ := slave.Read(buf)
				got <- string(buf[:n])
			}()
			select {
			case s := <-got:
				if s != "next\n" {
					t.Errorf("the file after ReadSecret read %q; want the next line (not closed, no read left)", s)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("a line typed after cancel did not reach the next reader")
			}
		})
	}
}

// A file that is not a terminal is not read, and without any terminal the
// prompt is not shown.
func TestReadSecretNotATerminal(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	prompted := false
	line, err := ReadSecret(context.Background(), []*os.File{r}, func() { prompted = true })
	if err == nil || line != nil || prompted {
		t.Errorf("ReadSecret(pipe) = %q, %v, prompted %v; want an error and no prompt", line, err, prompted)
	}
}
