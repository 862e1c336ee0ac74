package erase

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kesu-erase/kesu/internal/loopdev"
	"golang.org/x/sys/unix"
)

// setBlockReadOnly sets the kernel's read-only flag of a loop device the
// test created (BLKROSET), as `blockdev --setro` does, and clears it when
// the test ends, before the device is detached: the flag outlives the
// attachment and would make the next test's loop device read-only.
func setBlockReadOnly(t *testing.T, path string) {
	t.Helper()
	set := func(v int) error {
		fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			return err
		}
		defer unix.Close(fd)
		return unix.IoctlSetPointerInt(fd, unix.BLKROSET, v)
	}
	t.Cleanup(func() {
		if err := set(0); err != nil {
			t.Errorf("BLKROSET 0 %s: %v", path, err)
		}
	})
	if err := set(1); err != nil {
		t.Fatalf("BLKROSET %s: %v", path, err)
	}
}

// A block device the kernel holds read-only is refused for writing before
// anything is written, naming it read-only (it used to open, and the pass
// failed with "the drive refused every write in 3 chunks").
func TestOpenRefusesReadOnlyBlockDevice(t *testing.T) {
	l := loopdev.New(t, "", 4<<20, 512)
	fillBacking(t, l.Backing, 0x5a)
	setBlockReadOnly(t, l.Path)

	d, err := Open(l.Path, OpenOptions{Write: true, Exclusive: true})
	if err == nil {
		d.Close()
	}
	if !errors.Is(err, ErrReadOnly) || !strings.Contains(err.Error(), "read-only") {
		t.Errorf("Open(read-only %s, write) error = %v; want ErrReadOnly", l.Path, err)
	}

	// Opened anyway (as the drive adapters do for firmware erases), the
	// overwrite engine refuses it up front.
	d, err = Open(l.Path, OpenOptions{Write: true, Exclusive: true, AllowReadOnly: true})
	if err != nil {
		t.Fatalf("Open(read-only %s, AllowReadOnly) error = %v; want none", l.Path, err)
	}
	if ro, err := d.ReadOnly(); !ro || err != nil {
		t.Errorf("ReadOnly() = %v, %v; want true, nil", ro, err)
	}
	res, err := Overwrite(context.Background(), d, OverwriteOptions{Pattern: Zero(), ChunkSize: 1 << 20})
	d.Close()
	if err != nil || res.Outcome != Failed || res.BytesWritten != 0 || res.UnwritableBlocks != 0 || !strings.Contains(res.Reason, "read-only") {
		t.Errorf("Overwrite(read-only device) = %s %q, %d bytes, %d unwritable blocks, %v; want failed, read-only, nothing tried",
			res.Outcome, res.Reason, res.BytesWritten, res.UnwritableBlocks, err)
	}
	if !sameBytes(t, l.Backing, 0x5a) {
		t.Error("the read-only device was changed")
	}
}

// A file without any write permission bit is refused even as root, who
// could write it.
func TestOpenRefusesReadOnlyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ro.img")
	if err := os.WriteFile(path, bytes.Repeat([]byte{0x5a}, 1<<20), 0o444); err != nil {
		t.Fatal(err)
	}
	d, err := Open(path, OpenOptions{Write: true})
	if err == nil {
		d.Close()
	}
	if !errors.Is(err, ErrReadOnly) || !strings.Contains(err.Error(), "no write permission") {
		t.Errorf("Open(mode 0444 file, write) error = %v; want ErrReadOnly naming the permission", err)
	}
	if !sameBytes(t, path, 0x5a) {
		t.Error("the read-only file was changed")
	}
	// Read-only opens are not affected.
	d, err = Open(path, OpenOptions{})
	if err != nil {
		t.Fatalf("Open(mode 0444 file, read) error = %v", err)
	}
	if ro, err := d.ReadOnly(); !ro || err != nil {
		t.Errorf("ReadOnly() = %v, %v; want true, nil", ro, err)
	}
	d.Close()
}

// A file on a filesystem mounted read-only is named read-only (EROFS).
func TestOpenRefusesFileOnReadOnlyMount(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting a tmpfs needs root")
	}
	mnt := t.TempDir()
	if err := unix.Mount("kesu-ro-test", mnt, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "size=2m"); err != nil {
		t.Skipf("mount tmpfs: %v", err)
	}
	defer func() {
		if err := unix.Unmount(mnt, 0); err != nil {
			t.Errorf("unmount %s: %v", mnt, err)
		}
	}()
	path := filepath.Join(mnt, "target.img")
	if err := os.WriteFile(path, bytes.Repeat([]byte{0x5a}, 64<<10), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mount("", mnt, "", unix.MS_REMOUNT|unix.MS_RDONLY, ""); err != nil {
		t.Skipf("remount read-only: %v", err)
	}
	d, err := Open(path, OpenOptions{Write: true})
	if err == nil {
		d.Close()
	}
	if !errors.Is(err, ErrReadOnly) || !strings.Contains(err.Error(), "mounted read-only") {
		t.Errorf("Open(file on a read-only mount, write) error = %v; want ErrReadOnly naming the mount", err)
	}
}

func fillBacking(t *testing.T, path string, b byte) {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, bytes.Repeat([]byte{b}, int(st.Size())), 0o600); err != nil {
		t.Fatal(err)
	}
}

func sameBytes(t *testing.T, path string, b byte) bool {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return len(data) > 0 && bytes.Count(data, []byte{b}) == len(data)
}
