package report

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// A journal whose run-start record cannot be written leaves no file: an
// empty (or cut) journal would look like a run that started. It used to
// leave a 0-byte <run-id>.jsonl.
func TestCreateFailingLeavesNoFile(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fault faultFile
		want  error
	}{
		{"nothing written", faultFile{shortAfter: 0}, syscall.ENOSPC},
		{"part written", faultFile{shortAfter: 40}, syscall.ENOSPC},
		{"fsync fails", faultFile{shortAfter: -1, syncErr: syscall.EIO}, syscall.EIO},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			ff := tc.fault
			j, err := CreateWith(dir, testSigner(), testStart(), Options{wrapFile: func(f *os.File) journalFile {
				ff.f = f
				return &ff
			}})
			if err == nil {
				j.Close()
			}
			if !errors.Is(err, ErrJournalFailed) || !errors.Is(err, tc.want) {
				t.Errorf("CreateWith(failing file) error = %v; want ErrJournalFailed wrapping %v", err, tc.want)
			}
			if ents, _ := os.ReadDir(dir); len(ents) != 0 {
				t.Errorf("CreateWith(failing file) left %d file(s) behind, e.g. %s", len(ents), ents[0].Name())
			}
		})
	}
}

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
