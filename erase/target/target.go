// Package target is a drive or file named on kesu's command line: whether
// kesu may act on it and how it is opened — for an erase or a read-back
// (Open), as a whole drive for a plan or a named method (WholeDisk), for an
// ATA password unlock (OpenATA) — how the record names it (Describe), the
// record of its host overwrite (Record), and the plan of one named method
// (PrepareMethod). Every refusal wraps ErrRefused and comes before anything
// is written or sent.
package target

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/kesu-erase/kesu/erase"
	"github.com/kesu-erase/kesu/erase/discover"
	"github.com/kesu-erase/kesu/erase/policy"
	"github.com/kesu-erase/kesu/report"
)

// ErrRefused marks a safety refusal: nothing was written or sent.
var ErrRefused = errors.New("refused")

// Open opens a block device or regular file for kesu; anything else
// (directory, FIFO, socket, character device) is refused. For writing, a
// block device must be a whole disk that is not mounted, holds no mounted
// partition, is not swap, held by device-mapper/md, or the root filesystem's
// disk, and the kernel must grant an exclusive open; a regular file must not
// back an attached loop device, be active swap, or be held open or mapped by
// another process (erase.CheckFileNotInUse). The checks for writing
// (check) go apart from opening for writing (write): kesu erase --dry-run
// makes every check a write would, and opens read-only (block devices
// still exclusively). A refusal wraps ErrRefused.
func Open(path string, check, write bool) (*erase.Device, error) {
	if path == "" {
		return nil, errors.New("no device given")
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	isBlock := st.Mode()&os.ModeDevice != 0 && st.Mode()&os.ModeCharDevice == 0
	if !isBlock && !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%w: %s is a %s; kesu erases block devices and regular files", ErrRefused, path, erase.KindOf(st.Mode()))
	}
	if isBlock && check {
		name, err := kernelName(st)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: cannot find it in sysfs: %v", ErrRefused, path, err)
		}
		if _, err := os.Stat(filepath.Join("/sys/class/block", name, "partition")); err == nil {
			return nil, fmt.Errorf("%w: %s (%s) is a partition; kesu erases whole drives", ErrRefused, path, name)
		}
		if err := erase.CheckNotInUse(os.DirFS("/"), name); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrRefused, err)
		}
		if disk, err := discover.Lookup(os.DirFS("/"), name); err == nil {
			if why := disk.NotADrive(); why != "" {
				return nil, fmt.Errorf("%w: %s (%s) is %s", ErrRefused, path, name, why)
			}
		}
	}
	if !isBlock && check {
		// Files are compared by device and inode, so the name's spelling
		// (relative, through a symlink or bind mount) does not matter.
		abs, err := filepath.Abs(path)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrRefused, path, err)
		}
		if err := erase.CheckFileNotInUse(os.DirFS("/"), strings.TrimPrefix(filepath.ToSlash(abs), "/")); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrRefused, err)
		}
	}
	d, err := erase.Open(path, erase.OpenOptions{Write: write, Exclusive: check})
	if err != nil {
		if errors.Is(err, erase.ErrInUse) || errors.Is(err, erase.ErrNotTarget) || errors.Is(err, erase.ErrReadOnly) {
			return nil, fmt.Errorf("%w: %v", ErrRefused, err)
		}
		return nil, err
	}
	if !isBlock {
		// The file checked above must be the file opened: a path swapped
		// in between is refused.
		if fi, err := d.Stat(); err != nil || !os.SameFile(fi, st) {
			d.Close()
			return nil, fmt.Errorf("%w: %s changed while kesu checked it (another file took its name)", ErrRefused, path)
		}
	}
	if d.Size() < int64(d.LogicalBlockSize()) {
		d.Close()
		return nil, fmt.Errorf("%w: %s holds %d bytes, less than one %d-byte block: nothing to erase or verify", ErrRefused, path, d.Size(), d.LogicalBlockSize())
	}
	if check && !write {
		// A dry run opens read-only; it must refuse what the real run
		// would (erase.Open refuses a read-only target only for writing).
		ro, err := d.ReadOnly()
		if err != nil || ro {
			d.Close()
			if err == nil {
				err = fmt.Errorf("%s is read-only", path)
			}
			return nil, fmt.Errorf("%w: %w: %v", ErrRefused, erase.ErrReadOnly, err)
		}
	}
	return d, nil
}

// WholeDisk returns the kernel name (sdb, nvme0n1, loop3) of the whole-disk
// block device at path (following symlinks such as /dev/disk/by-id). A
// partition, a file or anything that is no block device is refused
// (ErrRefused).
func WholeDisk(root fs.FS, path string) (string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	if st.Mode()&os.ModeDevice == 0 || st.Mode()&os.ModeCharDevice != 0 {
		return "", fmt.Errorf("%w: %s is a %s, not a block device: this needs a drive (a file is overwritten by kesu erase FILE; see --dry-run)",
			ErrRefused, path, erase.KindOf(st.Mode()))
	}
	name, err := kernelName(st)
	if err != nil {
		return "", fmt.Errorf("%w: %s: cannot find it in sysfs: %v", ErrRefused, path, err)
	}
	disk, err := discover.DiskOf(root, name)
	if err != nil {
		return "", fmt.Errorf("%w: %s is not a block device kesu can find in sysfs: %v", ErrRefused, path, err)
	}
	if disk != name {
		return "", fmt.Errorf("%w: %s (%s) is a partition of %s; kesu works on whole drives", ErrRefused, path, name, disk)
	}
	return name, nil
}

// CheckRecordDir checks, without creating anything, that a journal could
// be created in dir: it is a writable directory, or the nearest directory
// that exists above it is writable (report.Create makes the rest).
func CheckRecordDir(dir string) error {
	p := filepath.Clean(dir)
	for {
		st, err := os.Stat(p)
		switch {
		case err == nil && !st.IsDir():
			return fmt.Errorf("%s is not a directory", p)
		case err == nil:
			if err := dirWritable(p); err != nil {
				return fmt.Errorf("%s is not writable: %v", p, err)
			}
			return nil
		case !os.IsNotExist(err):
			return err
		}
		up := filepath.Dir(p)
		if up == p {
			return fmt.Errorf("no directory of %s exists", dir)
		}
		p = up
	}
}

// ErrExcluded is wrapped in the refusal of a device a policy's [exclude]
// table names.
var ErrExcluded = errors.New("the policy excludes this drive")

// CheckExcluded refuses a device named on the command line when the
// policy's [exclude] table names it: by the serial or WWN it reports, by
// the path given, or by any path that resolves to the same device (a
// /dev/disk/by-id link).
func CheckExcluded(ex policy.Exclude, id report.Identity, device string) error {
	c := policy.Config{Exclude: ex}
	paths := []string{device, id.Path}
	if real, err := filepath.EvalSymlinks(device); err == nil {
		paths = append(paths, real)
	}
	for _, p := range ex.Paths {
		if real, err := filepath.EvalSymlinks(p); err == nil && slices.Contains(paths, real) {
			paths = append(paths, p)
		}
	}
	if is, why := c.Excluded(id.Serial, []string{id.WWN}, paths...); is {
		return fmt.Errorf("%s: %w: %s (--config); nothing was erased", device, ErrExcluded, why)
	}
	return nil
}
