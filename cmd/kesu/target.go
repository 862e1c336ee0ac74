package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/kesu-erase/kesu/erase"
)

// errRefused marks a safety refusal (exit status 3).
var errRefused = errors.New("refused")

// openTarget opens a block device or regular file for kesu; anything else
// (directory, FIFO, socket, character device) is refused. For writing, a
// block device must be a whole disk that is not mounted, holds no mounted
// partition, is not swap, held by device-mapper/md, or the root filesystem's
// disk, and the kernel must grant an exclusive open; a regular file must not
// back an attached loop device, be active swap, or be held open or mapped by
// another process (erase.CheckFileNotInUse).
func openTarget(path string, write bool) (*erase.Device, error) {
	return openTargetFor(path, write, write)
}

// openTargetFor is openTarget with the checks for writing (check) apart
// from opening for writing (write): kesu erase --dry-run makes every check
// a write would, and opens read-only (block devices still exclusively).
func openTargetFor(path string, check, write bool) (*erase.Device, error) {
	if path == "" {
		return nil, fmt.Errorf("%w: no device given", errUsage)
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	isBlock := st.Mode()&os.ModeDevice != 0 && st.Mode()&os.ModeCharDevice == 0
	if !isBlock && !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%w: %s is a %s; kesu erases block devices and regular files", errRefused, path, erase.KindOf(st.Mode()))
	}
	if isBlock && check {
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
	if !isBlock && check {
		// Files are compared by device and inode, so the name's spelling
		// (relative, through a symlink or bind mount) does not matter.
		abs, err := filepath.Abs(path)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", errRefused, path, err)
		}
		if err := erase.CheckFileNotInUse(os.DirFS("/"), strings.TrimPrefix(filepath.ToSlash(abs), "/")); err != nil {
			return nil, fmt.Errorf("%w: %v", errRefused, err)
		}
	}
	d, err := erase.Open(path, erase.OpenOptions{Write: write, Exclusive: check})
	if err != nil {
		if errors.Is(err, erase.ErrInUse) || errors.Is(err, erase.ErrNotTarget) || errors.Is(err, erase.ErrReadOnly) {
			return nil, fmt.Errorf("%w: %v", errRefused, err)
		}
		return nil, err
	}
	if !isBlock {
		// The file checked above must be the file opened: a path swapped
		// in between is refused.
		if fi, err := d.Stat(); err != nil || !os.SameFile(fi, st) {
			d.Close()
			return nil, fmt.Errorf("%w: %s changed while kesu checked it (another file took its name)", errRefused, path)
		}
	}
	if d.Size() < int64(d.LogicalBlockSize()) {
		d.Close()
		return nil, fmt.Errorf("%w: %s holds %d bytes, less than one %d-byte block: nothing to erase or verify", errRefused, path, d.Size(), d.LogicalBlockSize())
	}
	return d, nil
}
