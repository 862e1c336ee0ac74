// Package tmpfstest mounts small tmpfs file systems for tests of what
// kesu does when its records' file system is full or read-only.
package tmpfstest

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// Full mounts a one-page tmpfs (unmounted when the test ends), fills it,
// and returns its directory. The test is skipped when not root or when
// the mount is refused.
func Full(t testing.TB, name string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("mounting a tmpfs needs root")
	}
	mnt := t.TempDir()
	if err := unix.Mount(name, mnt, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "size=4k,mode=0755"); err != nil {
		t.Skipf("mount tmpfs: %v", err)
	}
	t.Cleanup(func() {
		if err := unix.Unmount(mnt, 0); err != nil {
			t.Errorf("unmount %s: %v", mnt, err)
		}
	})
	// Fill the one page the file system has.
	if err := os.WriteFile(filepath.Join(mnt, "filler"), make([]byte, 4096), 0o644); err != nil {
		t.Fatalf("filling the tmpfs: %v", err)
	}
	return mnt
}
