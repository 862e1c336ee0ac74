//go:build linux

package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/kesu-erase/kesu/internal/loopdev"
)

// These tests run kesu erase on regular files that something else uses. They
// touch only files, loop devices and mounts they create themselves.

func fileSum(t *testing.T, path string) [sha256.Size]byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(data)
}

// newFilledFile creates a file of size bytes, every byte b, in a temp dir.
func newFilledFile(t *testing.T, size int, b byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "disk.img")
	if err := os.WriteFile(p, bytes.Repeat([]byte{b}, size), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func mountOn(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command("mount", args...).CombinedOutput(); err != nil {
		t.Fatalf("mount %q: %v: %s", args, err, out)
	}
	mnt := args[len(args)-1]
	t.Cleanup(func() {
		if out, err := exec.Command("umount", mnt).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", mnt, err, out)
		}
	})
}

// TestEraseRefusesFileBackingMountedLoop is issue 12 item 6: kesu erase
// --device FILE zeroed the backing file of a mounted loop device and
// reported PASS. The file is named four ways (absolute, through a symlink,
// relative, through a bind mount of its directory); each must be refused
// and the file left byte for byte as it was.
func TestEraseRefusesFileBackingMountedLoop(t *testing.T) {
	if why := loopdev.Available(); why != "" {
		t.Skip(why)
	}
	var mkfs []string
	if _, err := exec.LookPath("mkfs.ext4"); err == nil {
		// Inode tables and journal written now, not by a kernel thread
		// after mounting: the file must not change while the test runs.
		mkfs = []string{"mkfs.ext4", "-q", "-F", "-E", "lazy_itable_init=0,lazy_journal_init=0"}
	} else if _, err := exec.LookPath("mkfs.vfat"); err == nil {
		mkfs = []string{"mkfs.vfat"}
	} else {
		t.Skip("neither mkfs.ext4 nor mkfs.vfat installed")
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "fs.img")
	if err := os.WriteFile(file, make([]byte, 16<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	l := loopdev.AttachFile(t, file, 512)
	if out, err := exec.Command(mkfs[0], append(mkfs[1:], l.Path)...).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v: %s", mkfs[0], err, out)
	}
	mnt := t.TempDir()
	mountOn(t, l.Path, mnt)
	if err := os.WriteFile(filepath.Join(mnt, "resident.txt"), []byte("data someone still uses\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	syscall.Sync()
	before := fileSum(t, file)

	link := filepath.Join(t.TempDir(), "alias.img")
	if err := os.Symlink(file, link); err != nil {
		t.Fatal(err)
	}
	bind := t.TempDir()
	mountOn(t, "--bind", dir, bind)

	for _, tc := range []struct{ name, path, chdir string }{
		{"absolute", file, ""},
		{"symlink", link, ""},
		{"relative", "./fs.img", dir},
		{"bind mount", filepath.Join(bind, "fs.img"), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.chdir != "" {
				t.Chdir(tc.chdir)
			}
			_, stderr, code := kesu(t, "erase", "--device", tc.path, "--yes")
			if code != exitRefused || !strings.Contains(stderr, l.Path) || !strings.Contains(stderr, "mounted at "+mnt) {
				t.Errorf("kesu erase --device %s (backs mounted %s): exit %d, stderr %q; want %d naming %s and %s",
					tc.path, l.Path, code, stderr, exitRefused, l.Path, mnt)
			}
			if fileSum(t, file) != before {
				t.Errorf("kesu erase --device %s changed the file behind mounted %s", tc.path, l.Path)
			}
		})
	}
}

// TestEraseRefusesDeletedLoopBackingByHardLink: the loop device's backing
// file was unlinked (sysfs shows "NAME (deleted)") and the same inode is
// given by another name. Only its device and inode can tell.
func TestEraseRefusesDeletedLoopBackingByHardLink(t *testing.T) {
	if why := loopdev.Available(); why != "" {
		t.Skip(why)
	}
	orig := newFilledFile(t, 1<<20, 0x5a)
	l := loopdev.AttachFile(t, orig, 512)
	other := filepath.Join(t.TempDir(), "same-inode.img")
	if err := os.Link(orig, other); err != nil {
		t.Skipf("hard link across temp dirs: %v", err)
	}
	if err := os.Remove(orig); err != nil {
		t.Fatal(err)
	}
	before := fileSum(t, other)
	_, stderr, code := kesu(t, "erase", "--device", other, "--yes")
	if code != exitRefused || !strings.Contains(stderr, l.Path) {
		t.Errorf("kesu erase --device %s (hard link to the deleted backing file of %s): exit %d, stderr %q; want %d naming %s",
			other, l.Path, code, stderr, exitRefused, l.Path)
	}
	if fileSum(t, other) != before {
		t.Error("kesu erase changed the file behind an attached loop device")
	}
}

// TestEraseFileHeldOpenByAnotherProcess: a process that holds the file open
// (here sleep, given it as fd 3) stops the erase; once it is gone, the same
// file is erased, though the test's own process, in which kesu runs, holds it.
func TestEraseFileHeldOpenByAnotherProcess(t *testing.T) {
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip("no sleep command")
	}
	file := newFilledFile(t, 1<<20, 0x5a)
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(sleep, "600")
	cmd.ExtraFiles = []*os.File{f}
	// Start returns after the child has exec'd sleep: it holds the file.
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	done := false
	stop := func() {
		if !done {
			cmd.Process.Kill()
			cmd.Wait()
			done = true
		}
	}
	t.Cleanup(stop)

	before := fileSum(t, file)
	_, stderr, code := kesu(t, "erase", "--device", file, "--yes")
	want := fmt.Sprintf("held open by process %d (sleep)", cmd.Process.Pid)
	if code != exitRefused || !strings.Contains(stderr, want) {
		t.Errorf("kesu erase of a file sleep holds open: exit %d, stderr %q; want %d and %q", code, stderr, exitRefused, want)
	}
	if fileSum(t, file) != before {
		t.Error("kesu erase changed a file another process holds open")
	}

	stop()
	// kesu's own process (here the test's) holding the file does not count.
	mine, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer mine.Close()
	if _, stderr, code := kesu(t, "erase", "--device", file, "--yes", "--pattern", "zero"); code != exitPass {
		t.Fatalf("kesu erase of the same file, no longer held: exit %d, stderr %q; want %d", code, stderr, exitPass)
	}
	if !allBytes(t, file, 0) {
		t.Error("after kesu erase --pattern zero the file is not all zeros")
	}
}

// TestHelperMapFile is not a test: run by TestEraseRefusesFileMappedByAnotherProcess
// as a child, it maps KESU_HELPER_MAP_FILE, closes its descriptor, says
// "mapped" and waits for its stdin to close.
func TestHelperMapFile(t *testing.T) {
	name := os.Getenv("KESU_HELPER_MAP_FILE")
	if name == "" {
		t.Skip("helper process for TestEraseRefusesFileMappedByAnotherProcess")
	}
	f, err := os.Open(name)
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	st, _ := f.Stat()
	m, err := syscall.Mmap(int(f.Fd()), 0, int(st.Size()), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	f.Close()
	fmt.Println("mapped")
	io.Copy(io.Discard, os.Stdin)
	syscall.Munmap(m)
	os.Exit(0)
}

// TestEraseRefusesFileMappedByAnotherProcess: a process that mapped the file
// and closed its descriptor has no entry in /proc/PID/fd but one in
// /proc/PID/maps; the erase is refused.
func TestEraseRefusesFileMappedByAnotherProcess(t *testing.T) {
	file := newFilledFile(t, 1<<20, 0x5a)
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperMapFile$")
	cmd.Env = append(os.Environ(), "KESU_HELPER_MAP_FILE="+file)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		cmd.Wait()
	})
	line, _ := bufio.NewReader(stdout).ReadString('\n')
	if line != "mapped\n" {
		t.Fatalf("helper process said %q; want \"mapped\"", line)
	}
	before := fileSum(t, file)
	_, stderr, code := kesu(t, "erase", "--device", file, "--yes")
	want := fmt.Sprintf("memory-mapped by process %d", cmd.Process.Pid)
	if code != exitRefused || !strings.Contains(stderr, want) {
		t.Errorf("kesu erase of a file another process maps: exit %d, stderr %q; want %d and %q", code, stderr, exitRefused, want)
	}
	if fileSum(t, file) != before {
		t.Error("kesu erase changed a file another process maps")
	}
}

// TestEraseRefusesNonRegularFiles: a FIFO, a socket and a directory are
// neither drives nor regular files; the refusal says what they are.
func TestEraseRefusesNonRegularFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	sub := filepath.Join(dir, "dir")
	if err := os.Mkdir(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ path, want string }{
		{fifo, "is a named pipe"},
		{sock, "is a socket"},
		{sub, "is a directory"},
	} {
		_, stderr, code := kesu(t, "erase", "--device", tc.path, "--yes")
		if code != exitRefused || !strings.Contains(stderr, tc.want) {
			t.Errorf("kesu erase --device %s: exit %d, stderr %q; want %d and %q", tc.path, code, stderr, exitRefused, tc.want)
		}
	}
}
