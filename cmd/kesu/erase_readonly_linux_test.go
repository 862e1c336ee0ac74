package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kesu-erase/kesu/internal/loopdev"
	"golang.org/x/sys/unix"
)

// A read-only target is refused up front — exit 3, "read-only" — and
// nothing is written: not a FAIL after "the drive refused every write in 3
// chunks", and no record is started.
func TestEraseRefusesReadOnly(t *testing.T) {
	l := loopdev.New(t, "", 4<<20, 512)
	fillFile(t, l.Backing, 0x5a)
	// The kernel's read-only flag (BLKROSET, as blockdev --setro): it
	// outlives the attachment, so it is cleared before the detach.
	setRO := func(v int) error {
		fd, err := unix.Open(l.Path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			return err
		}
		defer unix.Close(fd)
		return unix.IoctlSetPointerInt(fd, unix.BLKROSET, v)
	}
	t.Cleanup(func() {
		if err := setRO(0); err != nil {
			t.Errorf("BLKROSET 0 %s: %v", l.Path, err)
		}
	})
	if err := setRO(1); err != nil {
		t.Fatalf("BLKROSET %s: %v", l.Path, err)
	}
	file := filepath.Join(t.TempDir(), "ro.img")
	if err := os.WriteFile(file, make([]byte, 1<<20), 0o444); err != nil {
		t.Fatal(err)
	}
	fillFile(t, file, 0x5a)
	if err := os.Chmod(file, 0o444); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, path, backing string }{
		{"loop device set read-only", l.Path, l.Backing},
		{"file without write permission", file, file},
	} {
		t.Run(tc.name, func(t *testing.T) {
			journal := t.TempDir()
			_, stderr, code := kesu(t, "erase", "--device", tc.path, "--yes", "--pattern", "zero", "--journal", journal, "--unsigned")
			if code != exitRefused || !strings.Contains(stderr, tc.path+" is read-only") || strings.Contains(stderr, "refused every write") {
				t.Errorf("kesu erase %s: exit %d, stderr %q; want %d and %q", tc.path, code, stderr, exitRefused, tc.path+" is read-only")
			}
			if !allBytes(t, tc.backing, 0x5a) {
				t.Error("the read-only target was changed")
			}
			if ents, _ := os.ReadDir(journal); len(ents) != 0 {
				t.Errorf("a record was started for a refused target: %v", ents)
			}
		})
	}
}
