package report

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// The same on a real file system that is full: the file can be created,
// but not its first record.
func TestCreateOnFullFilesystemLeavesNoFile(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting a tmpfs needs root")
	}
	mnt := t.TempDir()
	if err := unix.Mount("kesu-full-create", mnt, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "size=4k,mode=0755"); err != nil {
		t.Skipf("mount tmpfs: %v", err)
	}
	defer func() {
		if err := unix.Unmount(mnt, 0); err != nil {
			t.Errorf("unmount %s: %v", mnt, err)
		}
	}()
	// Fill the one page the file system has.
	if err := os.WriteFile(filepath.Join(mnt, "filler"), make([]byte, 4096), 0o644); err != nil {
		t.Fatalf("filling the tmpfs: %v", err)
	}
	dir := filepath.Join(mnt, "records")
	j, err := Create(dir, testSigner(), testStart())
	if err == nil {
		j.Close()
		t.Fatal("Create on a full file system succeeded")
	}
	if !errors.Is(err, syscall.ENOSPC) {
		t.Errorf("Create on a full file system: error = %v; want ENOSPC", err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("Create on a full file system left %s behind", ents[0].Name())
	}
}
