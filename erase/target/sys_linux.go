package target

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"golang.org/x/sys/unix"
)

// kernelName returns the kernel name (sda, nvme0n1, loop3) of the block
// device st describes, from /sys/dev/block/MAJ:MIN.
func kernelName(st os.FileInfo) (string, error) {
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return "", errors.New("no device number")
	}
	link, err := os.Readlink(fmt.Sprintf("/sys/dev/block/%d:%d", unix.Major(sys.Rdev), unix.Minor(sys.Rdev)))
	if err != nil {
		return "", err
	}
	return filepath.Base(link), nil
}

// dirWritable checks that a file could be created in directory dir
// (access(2) W_OK|X_OK: also EROFS on a read-only filesystem).
func dirWritable(dir string) error { return unix.Access(dir, unix.W_OK|unix.X_OK) }
