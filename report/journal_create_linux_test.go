package report

import (
	"errors"
	"github.com/kesu-erase/kesu/internal/tmpfstest"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// The same on a real file system that is full: the file can be created,
// but not its first record.
func TestCreateOnFullFilesystemLeavesNoFile(t *testing.T) {
	mnt := tmpfstest.Full(t, "kesu-full-create")
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
