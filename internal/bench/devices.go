package main

import (
	"bytes"
	"fmt"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/kesu-erase/kesu/internal/loopdev"
)

// Kind is where a bench device's data lives.
type Kind string

// The device kinds: a loop device over a file in /dev/shm (RAM) and one over
// a file on the root filesystem (disk).
const (
	RAM  Kind = "ram"
	Disk Kind = "disk"
)

// Device is a loop device the bench created.
type Device struct {
	Kind    Kind   `json:"kind"`
	Path    string `json:"path"`
	Backing string `json:"backing"`
	FS      string `json:"backing_fs"`
	Size    int64  `json:"size_bytes"`
	// DirectIO: the loop device bypasses the page cache of its backing
	// file, as the kernel reports it once attached (loop/dio in sysfs).
	DirectIO bool `json:"direct_io"`
}

// Devices creates and removes the bench's devices and touches their data
// outside the timed runs; tests use a fake.
type Devices interface {
	// Create makes a device of size bytes of the kind.
	Create(kind Kind, size int64) (*Device, error)
	// Remove detaches the device and removes its backing file.
	Remove(d *Device) error
	// Mark writes non-zero marker blocks at the start, middle and end.
	Mark(d *Device) error
	// Marked reports whether any marker block is still there.
	Marked(d *Device) (bool, error)
}

// loopDevices makes loop devices over sparse files in ramDir (tmpfs) or
// diskDir (the root filesystem).
type loopDevices struct {
	dirs map[Kind]string
}

func (l loopDevices) Create(kind Kind, size int64) (*Device, error) {
	dir := l.dirs[kind]
	f, err := os.CreateTemp(dir, "kesu-bench-*.img")
	if err != nil {
		return nil, fmt.Errorf("bench: %s device: %w", kind, err)
	}
	name := f.Name()
	err = f.Truncate(size)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(name)
		return nil, fmt.Errorf("bench: %s device: %w", kind, err)
	}
	// The disk-backed device runs with direct I/O, so its reads and
	// writes reach the disk rather than the page cache.
	attach := loopdev.Attach
	if kind == Disk {
		attach = loopdev.AttachDirect
	}
	ld, err := attach(name, 0)
	if err != nil {
		os.Remove(name)
		return nil, fmt.Errorf("bench: %s device: %w", kind, err)
	}
	dio, err := ld.DirectIO()
	if err == nil && kind == Disk && !dio {
		err = fmt.Errorf("the kernel runs it without direct I/O (loop/dio 0): its figures would be the page cache's")
	}
	if err != nil {
		ld.Detach()
		os.Remove(name)
		return nil, fmt.Errorf("bench: %s device: %w", kind, err)
	}
	return &Device{Kind: kind, Path: ld.Path, Backing: name, FS: fsType(dir), Size: size, DirectIO: dio}, nil
}

func (l loopDevices) Remove(d *Device) error {
	err := (&loopdev.Device{Path: d.Path, Backing: d.Backing}).Detach()
	if rerr := os.Remove(d.Backing); err == nil {
		err = rerr
	}
	return err
}

// markBlock is the marker's size and content.
const markBlock = 1 << 20

var marker = bytes.Repeat([]byte{0xA5}, markBlock)

func markOffsets(size int64) []int64 {
	return []int64{0, (size / 2) &^ (markBlock - 1), size - markBlock}
}

func (l loopDevices) Mark(d *Device) error {
	f, err := os.OpenFile(d.Path, os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("bench: mark %s: %w", d.Path, err)
	}
	defer f.Close()
	for _, off := range markOffsets(d.Size) {
		if _, err := f.WriteAt(marker, off); err != nil {
			return fmt.Errorf("bench: mark %s: %w", d.Path, err)
		}
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("bench: mark %s: %w", d.Path, err)
	}
	return nil
}

func (l loopDevices) Marked(d *Device) (bool, error) {
	f, err := os.OpenFile(d.Path, os.O_RDONLY|unix.O_DIRECT, 0)
	if err != nil {
		return false, fmt.Errorf("bench: read %s: %w", d.Path, err)
	}
	defer f.Close()
	buf := alignedBuffer(markBlock)
	for _, off := range markOffsets(d.Size) {
		if _, err := f.ReadAt(buf, off); err != nil {
			return false, fmt.Errorf("bench: read %s: %w", d.Path, err)
		}
		if bytes.Contains(buf, marker[:512]) {
			return true, nil
		}
	}
	return false, nil
}

// alignedBuffer is n bytes aligned to 4096 for O_DIRECT.
func alignedBuffer(n int) []byte {
	b := make([]byte, n+4096)
	off := 0
	if r := int(uintptr(unsafe.Pointer(unsafe.SliceData(b))) & 4095); r != 0 {
		off = 4096 - r
	}
	return b[off : off+n]
}

// fsType names the filesystem holding dir (tmpfs, ext4, ...).
func fsType(dir string) string {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return "unknown"
	}
	switch st.Type {
	case unix.TMPFS_MAGIC:
		return "tmpfs"
	case unix.EXT4_SUPER_MAGIC:
		return "ext4"
	case unix.XFS_SUPER_MAGIC:
		return "xfs"
	case unix.BTRFS_SUPER_MAGIC:
		return "btrfs"
	case unix.OVERLAYFS_SUPER_MAGIC:
		return "overlayfs"
	}
	return fmt.Sprintf("%#x", st.Type)
}
