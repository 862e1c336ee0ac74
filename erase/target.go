// Package erase holds kesu's erase path: the targets it writes (block devices
// and files), the patterns, the overwrite engine, and read-back verification
// by a reproducible NIST SP 800-88 sampling plan.
package erase

import (
	"errors"
	"fmt"
	"os"
	"sync"
)

// Target is what the overwrite engine and the verifier work on: a block
// device, a regular file, or an emulated drive's user data area.
type Target interface {
	ReadAt(p []byte, off int64) (int, error)
	WriteAt(p []byte, off int64) (int, error)
	// Size is the number of bytes the host can currently address.
	Size() int64
	// LogicalBlockSize is the size of one LBA in bytes.
	LogicalBlockSize() int
	PhysicalBlockSize() int
	// Sync flushes written data to stable media.
	Sync() error
	Close() error
	// Name identifies the target in messages and the record.
	Name() string
}

// presence is implemented by targets that can tell whether the device is
// still attached (a pulled disk, a vanished loop device).
type presence interface {
	Present() bool
}

// Errors the engine reports; wrapped with detail.
var (
	ErrVanished    = errors.New("device vanished")
	ErrShortDevice = errors.New("device smaller than expected")
	ErrInUse       = errors.New("device in use")
	ErrNotTarget   = errors.New("not an erasable target")
	// ErrReadOnly: the target cannot be written (a block device the
	// kernel holds read-only, a file without write permission or on a
	// read-only filesystem). Open returns it before anything is written.
	ErrReadOnly = errors.New("read-only")
)

// OpenOptions controls how Open opens a target.
type OpenOptions struct {
	// Write opens read-write; otherwise read-only.
	Write bool
	// Exclusive opens a block device with O_EXCL, which the kernel refuses
	// (EBUSY) while the device or one of its partitions is mounted or held
	// by another kernel user (device-mapper, md, swap).
	Exclusive bool
	// Buffered disables O_DIRECT (tests of the engine's logic only).
	Buffered bool
	// AllowReadOnly lets Write open a target that cannot be written. By
	// default Open refuses it with ErrReadOnly: a block device the kernel
	// holds read-only (BLKROGET: write-protected media, a loop device
	// attached read-only, blockdev --setro), a regular file nobody may
	// write (no write permission bit; root would otherwise write it
	// anyway) or on a read-only filesystem. A drive's firmware erase
	// needs no host write, so the drive adapters allow it.
	AllowReadOnly bool
}

// Device is a Target backed by a block device or a regular file, using
// O_DIRECT I/O where the kernel supports it.
type Device struct {
	path    string
	f       *os.File // O_DIRECT when direct is true
	tailMu  sync.Mutex
	tail    *os.File // buffered descriptor for an unaligned file tail
	direct  bool
	isBlock bool
	rdev    uint64
	size    int64
	lbs     int
	pbs     int
	align   int
	write   bool
}

// SameDevice reports whether d and o are the same device or file: the same
// device number for block devices, the same file otherwise. A drive pulled
// and another plugged in under the same name is not the same device.
func (d *Device) SameDevice(o *Device) bool {
	if d.isBlock != o.isBlock {
		return false
	}
	if d.isBlock {
		return d.rdev == o.rdev
	}
	a, err1 := d.f.Stat()
	b, err2 := o.f.Stat()
	return err1 == nil && err2 == nil && os.SameFile(a, b)
}

// DeviceNumberer is a target or transport that knows the kernel device
// number (st_rdev) of the block device it holds open.
type DeviceNumberer interface {
	DeviceNumber() (uint64, error)
}

// DeviceNumber returns the kernel device number (st_rdev) of the block
// device that was opened; a regular file has none.
func (d *Device) DeviceNumber() (uint64, error) {
	if !d.isBlock {
		return 0, fmt.Errorf("%s: %w: a regular file has no device number", d.path, ErrNotTarget)
	}
	return d.rdev, nil
}

// fileWritable refuses (ErrReadOnly) a regular file without any write
// permission bit: root could write it, but its owner marked it read-only.
func fileWritable(path string, mode os.FileMode) error {
	if mode.Perm()&0o222 != 0 {
		return nil
	}
	return fmt.Errorf("%s is %w: the file has no write permission (mode %s) and kesu does not override that, even as root "+
		"(chmod u+w it if it really is to be erased); nothing was written", path, ErrReadOnly, mode.Perm())
}

// Stat returns the file information of what was opened.
func (d *Device) Stat() (os.FileInfo, error) { return d.f.Stat() }

// Path returns the path the device was opened from.
func (d *Device) Path() string { return d.path }

// Name implements Target.
func (d *Device) Name() string { return d.path }

// Size implements Target.
func (d *Device) Size() int64 { return d.size }

// LogicalBlockSize implements Target.
func (d *Device) LogicalBlockSize() int { return d.lbs }

// PhysicalBlockSize implements Target.
func (d *Device) PhysicalBlockSize() int { return d.pbs }

// IsBlockDevice reports whether the target is a block device.
func (d *Device) IsBlockDevice() bool { return d.isBlock }

// Direct reports whether I/O bypasses the page cache (O_DIRECT).
func (d *Device) Direct() bool { return d.direct }

// Alignment is the offset, length and buffer alignment O_DIRECT needs.
func (d *Device) Alignment() int { return d.align }

func (d *Device) aligned(n int, off int64) bool {
	return !d.direct || (off%int64(d.align) == 0 && n%d.align == 0)
}

// ReadAt implements Target. Unaligned requests (only at a regular file's
// unaligned tail) go through a buffered descriptor.
func (d *Device) ReadAt(p []byte, off int64) (int, error) {
	if d.aligned(len(p), off) {
		return d.f.ReadAt(p, off)
	}
	t, err := d.tailFile()
	if err != nil {
		return 0, err
	}
	return t.ReadAt(p, off)
}

// WriteAt implements Target.
func (d *Device) WriteAt(p []byte, off int64) (int, error) {
	if !d.write {
		return 0, fmt.Errorf("%s: opened read-only", d.path)
	}
	if d.aligned(len(p), off) {
		return d.f.WriteAt(p, off)
	}
	t, err := d.tailFile()
	if err != nil {
		return 0, err
	}
	return t.WriteAt(p, off)
}

func (d *Device) tailFile() (*os.File, error) {
	d.tailMu.Lock()
	defer d.tailMu.Unlock()
	if d.tail != nil {
		return d.tail, nil
	}
	if d.isBlock {
		return nil, fmt.Errorf("%s: unaligned I/O on a block device", d.path)
	}
	flag := os.O_RDONLY
	if d.write {
		flag = os.O_RDWR
	}
	// Reopen the file already open, not whatever now has its name: through
	// /proc/self/fd where there is a /proc, else by path, checked to be the
	// same file.
	t, err := os.OpenFile(fmt.Sprintf("/proc/self/fd/%d", d.f.Fd()), flag, 0)
	if err != nil {
		if t, err = os.OpenFile(d.path, flag, 0); err != nil {
			return nil, err
		}
	}
	a, err1 := d.f.Stat()
	b, err2 := t.Stat()
	if err1 != nil || err2 != nil || !os.SameFile(a, b) {
		t.Close()
		return nil, fmt.Errorf("%s: %w: the file was replaced while open", d.path, ErrVanished)
	}
	d.tail = t
	return t, nil
}

// Sync implements Target: fsync of every descriptor used for writing.
func (d *Device) Sync() error {
	if err := d.f.Sync(); err != nil {
		return err
	}
	d.tailMu.Lock()
	defer d.tailMu.Unlock()
	if d.tail != nil {
		return d.tail.Sync()
	}
	return nil
}

// Close implements Target.
func (d *Device) Close() error {
	err := d.f.Close()
	d.tailMu.Lock()
	defer d.tailMu.Unlock()
	if d.tail != nil {
		if e := d.tail.Close(); err == nil {
			err = e
		}
	}
	return err
}
