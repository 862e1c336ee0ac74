package erase

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// Open opens a block device or regular file as a Target. Block devices get
// their size and sector sizes from the kernel (BLKGETSIZE64, BLKSSZGET,
// BLKPBSZGET); regular files count as 512-byte-sector targets. For writing
// it refuses a read-only target with ErrReadOnly (see
// OpenOptions.AllowReadOnly) before anything is written.
func Open(path string, o OpenOptions) (*Device, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	mode := st.Mode()
	isBlock := mode&os.ModeDevice != 0 && mode&os.ModeCharDevice == 0
	if !isBlock && !mode.IsRegular() {
		return nil, fmt.Errorf("%w: %s is neither a block device nor a regular file", ErrNotTarget, path)
	}
	if o.Write && !o.AllowReadOnly && !isBlock {
		if err := fileWritable(path, mode); err != nil {
			return nil, err
		}
	}
	flag := unix.O_RDONLY
	if o.Write {
		flag = unix.O_RDWR
	}
	flag |= unix.O_CLOEXEC
	if isBlock && o.Exclusive {
		flag |= unix.O_EXCL
	}
	direct := !o.Buffered
	fd, err := unix.Open(path, flag|boolFlag(direct, unix.O_DIRECT), 0)
	if err == unix.EINVAL && direct {
		// The filesystem holding a file target does not do O_DIRECT.
		direct = false
		fd, err = unix.Open(path, flag, 0)
	}
	if err != nil {
		if err == unix.EBUSY {
			return nil, fmt.Errorf("%w: %s: exclusive open refused by the kernel (mounted, or held by another user)", ErrInUse, path)
		}
		if err == unix.EROFS {
			if isBlock {
				return nil, fmt.Errorf("%s is %w: the kernel refuses to open it for writing (%v); nothing was written", path, ErrReadOnly, err)
			}
			return nil, fmt.Errorf("%s is %w: it lies on a filesystem mounted read-only (%v); nothing was written", path, ErrReadOnly, err)
		}
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	f := os.NewFile(uintptr(fd), path)
	d := &Device{path: path, f: f, direct: direct, isBlock: isBlock, write: o.Write}
	if isBlock {
		// The device number of what was opened, not of what the path named
		// a moment before (a disk swapped between the two).
		var fst unix.Stat_t
		if err := unix.Fstat(fd, &fst); err != nil {
			f.Close()
			return nil, &os.PathError{Op: "fstat", Path: path, Err: err}
		}
		if fst.Mode&unix.S_IFMT != unix.S_IFBLK {
			f.Close()
			return nil, fmt.Errorf("%w: %s is no longer a block device", ErrNotTarget, path)
		}
		d.rdev = fst.Rdev
		if o.Write && !o.AllowReadOnly {
			ro, err := unix.IoctlGetInt(fd, unix.BLKROGET)
			if err != nil {
				f.Close()
				return nil, fmt.Errorf("%s: BLKROGET: cannot tell whether it is read-only: %w", path, err)
			}
			if ro != 0 {
				f.Close()
				return nil, readOnlyBlock(path)
			}
		}
		if err := d.blockGeometry(fd); err != nil {
			f.Close()
			return nil, err
		}
	} else {
		d.size = st.Size()
		d.lbs, d.pbs = 512, 4096
	}
	d.align = d.lbs
	if !isBlock {
		// O_DIRECT on files needs the filesystem's block alignment; 4096
		// covers every filesystem kesu's tests use.
		d.align = 4096
	}
	return d, nil
}

// readOnlyBlock is the refusal of a block device the kernel holds
// read-only.
func readOnlyBlock(path string) error {
	return fmt.Errorf("%s is %w: the kernel holds it read-only (BLKROGET; sysfs ro = 1) — write-protected media, "+
		"a loop device attached with --read-only, or blockdev --setro; nothing was written", path, ErrReadOnly)
}

// ReadOnly reports whether the target cannot be written: the kernel's
// read-only flag of a block device (BLKROGET), or for a regular file no
// write permission bit or a filesystem mounted read-only.
func (d *Device) ReadOnly() (bool, error) {
	fd := int(d.f.Fd())
	if d.isBlock {
		ro, err := unix.IoctlGetInt(fd, unix.BLKROGET)
		if err != nil {
			return false, fmt.Errorf("%s: BLKROGET: %w", d.path, err)
		}
		return ro != 0, nil
	}
	st, err := d.f.Stat()
	if err != nil {
		return false, err
	}
	if st.Mode().Perm()&0o222 == 0 {
		return true, nil
	}
	var fs unix.Statfs_t
	if err := unix.Fstatfs(fd, &fs); err != nil {
		return false, &os.PathError{Op: "fstatfs", Path: d.path, Err: err}
	}
	return fs.Flags&unix.ST_RDONLY != 0, nil
}

func boolFlag(b bool, f int) int {
	if b {
		return f
	}
	return 0
}

func (d *Device) blockGeometry(fd int) error {
	size, err := unix.IoctlGetUint64(fd, unix.BLKGETSIZE64)
	if err != nil {
		return fmt.Errorf("%s: BLKGETSIZE64: %w", d.path, err)
	}
	lbs, err := unix.IoctlGetInt(fd, unix.BLKSSZGET)
	if err != nil {
		return fmt.Errorf("%s: BLKSSZGET: %w", d.path, err)
	}
	pbs, err := unix.IoctlGetUint32(fd, unix.BLKPBSZGET)
	if err != nil {
		return fmt.Errorf("%s: BLKPBSZGET: %w", d.path, err)
	}
	if lbs <= 0 || lbs&(lbs-1) != 0 {
		return fmt.Errorf("%s: kernel reports logical block size %d", d.path, lbs)
	}
	d.size, d.lbs, d.pbs = int64(size), lbs, int(pbs)
	if d.pbs < d.lbs {
		d.pbs = d.lbs
	}
	return nil
}

// Present reports whether a block device is still attached: its sysfs node
// exists and it still reports a non-zero size. Files are always present.
func (d *Device) Present() bool {
	if !d.isBlock {
		_, err := os.Stat(d.path)
		return err == nil
	}
	if _, err := os.Stat(fmt.Sprintf("/sys/dev/block/%d:%d", unix.Major(d.rdev), unix.Minor(d.rdev))); err != nil {
		return false
	}
	size, err := unix.IoctlGetUint64(int(d.f.Fd()), unix.BLKGETSIZE64)
	return err == nil && size > 0
}

// vanishedErr reports whether err says the device is gone.
func vanishedErr(err error) bool {
	return errors.Is(err, unix.ENODEV) || errors.Is(err, unix.ENXIO) || errors.Is(err, unix.ESHUTDOWN)
}
