//go:build linux

package console

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// openPTY opens a pseudo-terminal pair (posix_openpt, unlockpt, ptsname
// done by hand with the ioctls of pty(7)).
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		m.Close()
		t.Fatalf("unlockpt: %v", err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		m.Close()
		t.Fatalf("ptsname: %v", err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		m.Close()
		t.Fatalf("open pts: %v", err)
	}
	t.Cleanup(func() { s.Close(); m.Close() })
	return m, s
}

func TestTTYDetectionAndSize(t *testing.T) {
	_, slave := openPTY(t)
	if !isTerminal(slave) {
		t.Error("isTerminal(pty) = false")
	}
	if isTerminal(&bytes.Buffer{}) {
		t.Error("isTerminal(buffer) = true")
	}
	r, w, _ := os.Pipe()
	defer r.Close()
	defer w.Close()
	if isTerminal(w) {
		t.Error("isTerminal(pipe) = true")
	}
	if _, _, ok := termSize(slave); ok {
		t.Error("termSize of a pty without a size is ok; want not ok (a serial line reports 0x0)")
	}
	if err := unix.IoctlSetWinsize(int(slave.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Col: 132, Row: 43}); err != nil {
		t.Fatal(err)
	}
	if w, h, ok := termSize(slave); !ok || w != 132 || h != 43 {
		t.Errorf("termSize = %d, %d, %v; want 132, 43, true", w, h, ok)
	}
}

func TestCbreakModeAndRestore(t *testing.T) {
	master, slave := openPTY(t)
	before, err := unix.IoctlGetTermios(int(slave.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	if before.Lflag&(unix.ICANON|unix.ECHO|unix.ISIG) != unix.ICANON|unix.ECHO|unix.ISIG {
		t.Fatalf("a new pty is not in canonical mode with echo and signals: lflag %#x", before.Lflag)
	}
	in, closeInput, raw, err := openInput(slave)
	if err != nil || !raw {
		t.Fatalf("openInput(pty) = raw %v, %v; want raw", raw, err)
	}
	now, _ := unix.IoctlGetTermios(int(slave.Fd()), unix.TCGETS)
	if now.Lflag&(unix.ICANON|unix.ECHO|unix.ISIG|unix.IEXTEN) != 0 || now.Iflag&unix.IXON != 0 {
		t.Errorf("cbreak termios lflag %#x iflag %#x; want ICANON, ECHO, ISIG, IEXTEN and IXON off", now.Lflag, now.Iflag)
	}
	if now.Oflag&unix.OPOST == 0 {
		t.Error("cbreak turned OPOST off; plain lines need NL -> CR NL")
	}

	// Ctrl-C and a key arrive as bytes at once, without Enter and without
	// a signal.
	if _, err := master.Write([]byte("\x03q")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 16)
	var got []byte
	for len(got) < 2 {
		n, err := in.Read(buf)
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		got = append(got, buf[:n]...)
	}
	if string(got) != "\x03q" {
		t.Errorf("read %q; want Ctrl-C and q as bytes", got)
	}

	// A blocked read ends when the input is closed, and closing returns
	// only once the read has: no reader outlives it to take later keys.
	done := make(chan error, 1)
	started := make(chan struct{})
	go func() {
		close(started)
		_, err := in.Read(buf)
		done <- err
	}()
	<-started
	if err := closeInput(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != io.EOF {
			t.Errorf("read after close = %v; want EOF", err)
		}
	case <-time.After(10 * time.Second): // a hang guard, not a timing assertion
		t.Fatal("read did not stop")
	}
	if n, err := in.Read(buf); n != 0 || err != io.EOF {
		t.Errorf("read after close = %d, %v; want EOF", n, err)
	}
	master.Write([]byte("z")) // typed after close: stays in the tty for whoever reads next
	after, _ := unix.IoctlGetTermios(int(slave.Fd()), unix.TCGETS)
	if *after != *before {
		t.Errorf("restored termios = %+v; want %+v", *after, *before)
	}

	// Not a tty: returned as it is.
	r := strings.NewReader("x")
	if got, _, raw, err := openInput(r); got != r || raw || err != nil {
		t.Errorf("openInput(reader) = %v, raw %v, %v; want the reader unchanged", got, raw, err)
	}
}

// The whole UI on a pty: full screen chosen by itself, the size read from
// the tty, keys typed without Enter echo, the tty restored by Close.
func TestUIOnPTY(t *testing.T) {
	master, slave := openPTY(t)
	if err := unix.IoctlSetWinsize(int(slave.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Col: 100, Row: 30}); err != nil {
		t.Fatal(err)
	}
	before, _ := unix.IoctlGetTermios(int(slave.Fd()), unix.TCGETS)
	waitOut := ptyOutput(t, master)
	ui, err := New(Plan{Drives: []Drive{{ID: "a", Bay: "ata1"}, {ID: "b", Bay: "ata2"}}}, Options{},
		Terminal{Name: "pts", Out: slave, In: slave})
	if err != nil {
		t.Fatal(err)
	}
	res := make(chan Decision, 1)
	go func() {
		d, _ := ui.Confirm(context.Background())
		res <- d
	}()
	waitOut("\x1b[30;1H") // the last of 30 rows is addressed: the size came from the tty
	waitOut("Type 2 and press Enter")
	master.Write([]byte("2\r"))
	select {
	case d := <-res:
		if !d.Erase || d.How != HowTypedCount || d.Terminal != "pts" {
			t.Errorf("Confirm on a pty = %+v; want erase typed on pts", d)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no decision")
	}
	ui.Close()
	after, _ := unix.IoctlGetTermios(int(slave.Fd()), unix.TCGETS)
	if *after != *before {
		t.Errorf("termios after Close = %+v; want it restored to %+v", *after, *before)
	}
}

// On a serial-like tty (plain lines), kesu echoes what is typed itself,
// since the tty's echo is off.
func TestPlainEchoOnPTY(t *testing.T) {
	master, slave := openPTY(t)
	waitOut := ptyOutput(t, master)
	ui, err := New(Plan{Drives: []Drive{{ID: "a", Bay: "ata1"}}}, Options{},
		Terminal{Name: "ttyS0", Out: slave, In: slave, Mode: ModePlain})
	if err != nil {
		t.Fatal(err)
	}
	defer ui.Close()
	res := make(chan Decision, 1)
	go func() {
		d, _ := ui.Confirm(context.Background())
		res <- d
	}()
	waitOut("> ")
	master.Write([]byte("12"))
	waitOut("> 12")
	master.Write([]byte("\x7f"))
	waitOut("> 12\b \b")
	master.Write([]byte("\r"))
	select {
	case d := <-res:
		if !d.Erase || d.Typed != "1" {
			t.Errorf("Confirm = %+v; want erase with 1 typed", d)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no decision")
	}
	if strings.Contains(waitOut(""), "\x1b") {
		t.Errorf("plain output on a tty has an escape sequence: %q", waitOut(""))
	}
}

// On a serial-like tty kesu echoes a PSID's characters as stars, as they
// are typed; the tty's own echo is off, so the PSID never comes back.
func TestPlainPSIDEchoOnPTY(t *testing.T) {
	const psid = "3K9QW7ZT1M5XRB2H8VNC4JYD6FGP0LSA" // made up, 32 characters
	master, slave := openPTY(t)
	waitOut := ptyOutput(t, master)
	ui, err := New(Plan{Drives: []Drive{{ID: "a", Bay: "ata1"}}}, Options{},
		Terminal{Name: "ttyS0", Out: slave, In: slave, Mode: ModePlain})
	if err != nil {
		t.Fatal(err)
	}
	defer ui.Close()
	dec := make(chan Decision, 1)
	go func() {
		d, _ := ui.Confirm(context.Background())
		dec <- d
	}()
	waitOut("> ")
	master.Write([]byte("1\r"))
	<-dec
	res := make(chan PSIDAnswer, 1)
	go func() {
		a, _ := ui.AskPSID(context.Background(), PSIDRequest{Drive: "a", Bay: "ata1"})
		res <- a
	}()
	waitOut("(the drive stays FAIL).\r\n> ")
	master.Write([]byte(psid[:5]))
	waitOut("> *****")
	master.Write([]byte("\x7f"))
	waitOut("> *****\b \b")
	master.Write([]byte(psid[4:] + "\r"))
	waitOut("Type it again, then Enter.\r\n> ")
	master.Write([]byte(psid + "\r"))
	select {
	case a := <-res:
		if string(a.PSID) != psid || a.How != HowTypedTwice {
			t.Errorf("AskPSID = %+v (PSID %q); want %q typed twice", a, a.PSID, psid)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no answer")
	}
	waitOut("PSID typed twice for ata1")
	ui.Close()
	for i := 0; i+6 <= len(psid); i++ {
		if strings.Contains(waitOut(""), psid[i:i+6]) {
			t.Errorf("the tty shows %q, a part of the PSID: %q", psid[i:i+6], waitOut(""))
		}
	}
	if n := strings.Count(waitOut(""), "*"); n != 5+28+32 {
		t.Errorf("the tty shows %d stars; want 65 (5 typed, the fifth erased, 28 more, then 32)", n)
	}
}
