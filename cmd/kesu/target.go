package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"github.com/kesu-erase/kesu/erase"
	"golang.org/x/sys/unix"
)

// errRefused marks a safety refusal (exit status 3).
var errRefused = errors.New("refused")

// kernelBlockName returns the kernel name (sda, nvme0n1, loop3) of the
// block device at path, from /sys/dev/block/MAJ:MIN.
func kernelBlockName(st os.FileInfo) (string, error) {
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

// openTarget opens a block device or file for kesu. For writing, a block
// device must be a whole disk that is not mounted, holds no mounted
// partition, is not swap, held by device-mapper/md, or the root filesystem's
// disk, and the kernel must grant an exclusive open.
func openTarget(path string, write bool) (*erase.Device, error) {
	if path == "" {
		return nil, fmt.Errorf("%w: no device given", errUsage)
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	isBlock := st.Mode()&os.ModeDevice != 0 && st.Mode()&os.ModeCharDevice == 0
	if isBlock && write {
		name, err := kernelBlockName(st)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: cannot find it in sysfs: %v", errRefused, path, err)
		}
		if _, err := os.Stat(filepath.Join("/sys/class/block", name, "partition")); err == nil {
			return nil, fmt.Errorf("%w: %s (%s) is a partition; kesu erases whole drives", errRefused, path, name)
		}
		if err := erase.CheckNotInUse(os.DirFS("/"), name); err != nil {
			return nil, fmt.Errorf("%w: %v", errRefused, err)
		}
	}
	d, err := erase.Open(path, erase.OpenOptions{Write: write, Exclusive: write})
	if err != nil {
		if errors.Is(err, erase.ErrInUse) || errors.Is(err, erase.ErrNotTarget) {
			return nil, fmt.Errorf("%w: %v", errRefused, err)
		}
		return nil, err
	}
	return d, nil
}
