//go:build linux

package nvme

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// passthruCmd mirrors struct nvme_passthru_cmd (= nvme_admin_cmd) from
// include/uapi/linux/nvme_ioctl.h: 72 bytes on amd64.
type passthruCmd struct {
	Opcode      uint8
	Flags       uint8
	Rsvd1       uint16
	NSID        uint32
	CDW2        uint32
	CDW3        uint32
	Metadata    uint64
	Addr        uint64
	MetadataLen uint32
	DataLen     uint32
	CDW10       uint32
	CDW11       uint32
	CDW12       uint32
	CDW13       uint32
	CDW14       uint32
	CDW15       uint32
	TimeoutMs   uint32
	Result      uint32
}

// ioc computes an ioctl request number as the kernel's _IOC macro does
// (asm-generic/ioctl.h: dir<<30 | size<<16 | type<<8 | nr).
func ioc(dir, typ, nr, size uintptr) uintptr { return dir<<30 | size<<16 | typ<<8 | nr }

const (
	iocNone  = 0
	iocWrite = 1
	iocRead  = 2
)

var (
	ioctlNVMeID            = ioc(iocNone, 'N', 0x40, 0)                                     // NVME_IOCTL_ID
	ioctlAdminCmd          = ioc(iocRead|iocWrite, 'N', 0x41, unsafe.Sizeof(passthruCmd{})) // NVME_IOCTL_ADMIN_CMD
	ioctlRescan            = ioc(iocNone, 'N', 0x46, 0)                                     // NVME_IOCTL_RESCAN
	ioctlBLKRRPART uintptr = unix.BLKRRPART                                                 // re-read partition table
	ioctlBLKFLSBUF uintptr = unix.BLKFLSBUF                                                 // flush and drop the page cache
)

// LinuxTransport submits admin commands with NVME_IOCTL_ADMIN_CMD on an open
// controller character device or namespace block device.
type LinuxTransport struct {
	path  string
	f     *os.File
	paths Paths
}

// Open opens an NVMe controller (/dev/nvme0) or namespace (/dev/nvme0n1)
// read-only; admin passthrough needs CAP_SYS_ADMIN, not write access.
// Symlinks such as /dev/disk/by-id/nvme-... are followed.
func Open(dev string) (*LinuxTransport, error) {
	real, err := filepath.EvalSymlinks(dev)
	if err != nil {
		return nil, err
	}
	paths, err := ResolvePaths(os.DirFS("/sys"), real)
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(real, os.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	return &LinuxTransport{path: real, f: f, paths: paths}, nil
}

// Path is the opened device node.
func (t *LinuxTransport) Path() string { return t.path }

// Paths are the controller and namespace nodes that Rescan touches.
func (t *LinuxTransport) Paths() Paths { return t.paths }

// Close closes the device.
func (t *LinuxTransport) Close() error { return t.f.Close() }

// Admin submits cmd. The ioctl cannot be interrupted once submitted; ctx is
// checked before. A positive ioctl return is the NVMe status; a negative one
// an errno (EINTR: the kernel cancelled the command, e.g. after timeout).
func (t *LinuxTransport) Admin(ctx context.Context, cmd *Command) (Completion, error) {
	if err := ctx.Err(); err != nil {
		return Completion{}, err
	}
	c := passthruCmd{
		Opcode: cmd.Opcode, NSID: cmd.NSID,
		CDW10: cmd.CDW10, CDW11: cmd.CDW11, CDW12: cmd.CDW12,
		CDW13: cmd.CDW13, CDW14: cmd.CDW14, CDW15: cmd.CDW15,
		TimeoutMs: timeoutMs(cmd.Timeout),
	}
	if len(cmd.Data) > 0 {
		c.Addr = uint64(uintptr(unsafe.Pointer(&cmd.Data[0])))
		c.DataLen = uint32(len(cmd.Data))
	}
	r, _, errno := unix.Syscall(unix.SYS_IOCTL, t.f.Fd(), ioctlAdminCmd, uintptr(unsafe.Pointer(&c)))
	runtime.KeepAlive(cmd.Data)
	runtime.KeepAlive(t.f)
	if errno != 0 {
		return Completion{}, os.NewSyscallError("ioctl NVME_IOCTL_ADMIN_CMD", errno)
	}
	return Completion{Result: c.Result, Status: Status(r)}, nil
}

func timeoutMs(d time.Duration) uint32 {
	if d <= 0 {
		return 0
	}
	ms := d.Milliseconds()
	if ms > math.MaxUint32 {
		return math.MaxUint32
	}
	if ms == 0 {
		ms = 1
	}
	return uint32(ms)
}

// NamespaceID returns the NSID of the opened namespace block device
// (NVME_IOCTL_ID; fails with ENOTTY on a controller device).
func (t *LinuxTransport) NamespaceID() (uint32, error) {
	r, _, errno := unix.Syscall(unix.SYS_IOCTL, t.f.Fd(), ioctlNVMeID, 0)
	runtime.KeepAlive(t.f)
	if errno != 0 {
		return 0, os.NewSyscallError("ioctl NVME_IOCTL_ID", errno)
	}
	return uint32(r), nil
}

// Rescan asks the controller driver to rescan namespaces (NVME_IOCTL_RESCAN
// on the controller character device), then for every namespace block
// device drops the page cache (BLKFLSBUF) so read-back cannot see stale
// cached blocks, and re-reads the partition table (BLKRRPART). BLKRRPART
// fails with EBUSY while a partition is in use; that is recorded with a note
// and does not stop the other steps.
func (t *LinuxTransport) Rescan(ctx context.Context) RescanReport {
	var rep RescanReport
	rep.Steps = append(rep.Steps, ioctlOn(t.paths.Controller, "NVME_IOCTL_RESCAN", ioctlRescan).RescanStep)
	for _, ns := range t.paths.Namespaces {
		if ctx.Err() != nil {
			rep.Steps = append(rep.Steps, RescanStep{Target: ns, Action: "BLKFLSBUF", Err: ctx.Err().Error()})
			break
		}
		rep.Steps = append(rep.Steps, ioctlOn(ns, "BLKFLSBUF", ioctlBLKFLSBUF).RescanStep)
		s := ioctlOn(ns, "BLKRRPART", ioctlBLKRRPART)
		if s.errno == unix.EBUSY {
			s.Tolerated = true
			s.Note = "partition table not re-read: a partition of this namespace is in use (mounted or held open); stale partitions may remain visible until it is released"
		}
		rep.Steps = append(rep.Steps, s.RescanStep)
	}
	return rep
}

type rescanResult struct {
	RescanStep
	errno unix.Errno
}

func ioctlOn(dev, name string, req uintptr) rescanResult {
	res := rescanResult{RescanStep: RescanStep{Target: dev, Action: name}}
	f, err := os.OpenFile(dev, os.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		res.Err = err.Error()
		var en unix.Errno
		if errors.As(err, &en) {
			res.errno = en
		}
		return res
	}
	defer f.Close()
	_, _, errno := unix.Syscall(unix.SYS_IOCTL, f.Fd(), req, 0)
	if errno != 0 {
		res.errno = errno
		res.Err = fmt.Sprintf("ioctl %s: %v", name, errno)
	}
	return res
}

// DeviceNumber returns the kernel device number (st_rdev) of the device
// node the transport holds open, so that a block device opened later can be
// checked to be the same device.
func (t *LinuxTransport) DeviceNumber() (uint64, error) {
	var st unix.Stat_t
	if err := unix.Fstat(int(t.f.Fd()), &st); err != nil {
		return 0, err
	}
	return st.Rdev, nil
}
