//go:build linux

package scsi

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// sgIO is the SG_IO ioctl request number (include/scsi/sg.h: 0x2285, a plain
// number rather than an _IOWR encoding).
const sgIO = 0x2285

// SG_IO data directions (include/scsi/sg.h).
const (
	sgDxferNone    = -1
	sgDxferToDev   = -2
	sgDxferFromDev = -3
)

// senseBufLen is the sense buffer we offer the kernel (mx_sb_len). The SCSI
// midlayer keeps at most 96 bytes (SCSI_SENSE_BUFFERSIZE).
const senseBufLen = 96

// maxTimeoutMS is the largest finite SG_IO timeout: 0xFFFFFFFF means "no
// timeout", which we never ask for.
const maxTimeoutMS = 0xFFFFFFFE

// sgIOHdr mirrors struct sg_io_hdr from include/scsi/sg.h for 64-bit Linux,
// field for field, with the compiler's padding written out. Its layout is
// pinned by TestSGIOHdrLayout (88 bytes on amd64).
type sgIOHdr struct {
	interfaceID    int32          // 0: 'S'
	dxferDirection int32          // 4
	cmdLen         uint8          // 8
	mxSbLen        uint8          // 9
	iovecCount     uint16         // 10
	dxferLen       uint32         // 12
	dxferp         unsafe.Pointer // 16
	cmdp           unsafe.Pointer // 24
	sbp            unsafe.Pointer // 32
	timeout        uint32         // 40: milliseconds
	flags          uint32         // 44
	packID         int32          // 48
	_              [4]byte        // 52: padding before usr_ptr
	usrPtr         unsafe.Pointer // 56
	status         uint8          // 64
	maskedStatus   uint8          // 65
	msgStatus      uint8          // 66
	sbLenWr        uint8          // 67
	hostStatus     uint16         // 68
	driverStatus   uint16         // 70
	resid          int32          // 72
	duration       uint32         // 76: milliseconds
	info           uint32         // 80
	_              [4]byte        // 84: tail padding to 88
}

// SGIO is a Transport over the Linux SG_IO ioctl on a block device
// (/dev/sdX) or a SCSI generic device (/dev/sgN).
type SGIO struct {
	f    *os.File
	path string
}

var _ Transport = (*SGIO)(nil)

// Open opens path read-write for SG_IO.
func Open(path string) (*SGIO, error) { return OpenFile(path, os.O_RDWR) }

// OpenReadOnly opens path read-only. SG_IO still works for every command
// when the caller has CAP_SYS_RAWIO (root); without it the kernel only
// allows commands on its read-only whitelist.
func OpenReadOnly(path string) (*SGIO, error) { return OpenFile(path, os.O_RDONLY) }

// OpenFile opens path with the given os.OpenFile flags (O_RDONLY, O_RDWR,
// optionally O_EXCL) for SG_IO.
func OpenFile(path string, flag int) (*SGIO, error) {
	f, err := os.OpenFile(path, flag|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	return &SGIO{f: f, path: path}, nil
}

// Path returns the device path the transport was opened on.
func (s *SGIO) Path() string { return s.path }

// Close closes the device.
func (s *SGIO) Close() error { return s.f.Close() }

// Exec submits cmd with SG_IO and waits for it. The ioctl cannot be
// interrupted: ctx is only checked before submission, and cmd.Timeout bounds
// the command in the kernel.
func (s *SGIO) Exec(ctx context.Context, cmd *Command) (*Response, error) {
	if err := cmd.Validate(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if uint64(len(cmd.Data)) > 0xFFFFFFFF {
		return nil, fmt.Errorf("%w: transfer too large", ErrBadCommand)
	}
	cdb := append([]byte(nil), cmd.CDB...)
	sense := make([]byte, senseBufLen)
	hdr := &sgIOHdr{
		interfaceID: 'S',
		cmdLen:      uint8(len(cdb)),
		mxSbLen:     senseBufLen,
		dxferLen:    uint32(len(cmd.Data)),
		cmdp:        unsafe.Pointer(&cdb[0]),
		sbp:         unsafe.Pointer(&sense[0]),
		timeout:     timeoutMS(cmd.Timeout),
	}
	var pin runtime.Pinner
	defer pin.Unpin()
	pin.Pin(hdr)
	pin.Pin(&cdb[0])
	pin.Pin(&sense[0])
	switch cmd.Dir {
	case DirNone:
		hdr.dxferDirection = sgDxferNone
	case DirFromDevice:
		hdr.dxferDirection = sgDxferFromDev
	case DirToDevice:
		hdr.dxferDirection = sgDxferToDev
	}
	if len(cmd.Data) > 0 {
		pin.Pin(&cmd.Data[0])
		hdr.dxferp = unsafe.Pointer(&cmd.Data[0])
	}
	for {
		_, _, errno := unix.Syscall(unix.SYS_IOCTL, s.f.Fd(), sgIO, uintptr(unsafe.Pointer(hdr)))
		if errno == unix.EINTR {
			continue
		}
		if errno != 0 {
			return nil, &os.PathError{Op: "SG_IO", Path: s.path, Err: errno}
		}
		break
	}
	runtime.KeepAlive(cdb)
	runtime.KeepAlive(sense)
	runtime.KeepAlive(cmd.Data)
	n := int(hdr.sbLenWr)
	if n > len(sense) {
		n = len(sense)
	}
	status := hdr.status
	if status == 0 && hdr.maskedStatus != 0 {
		// Some drivers only fill masked_status (status >> 1).
		status = hdr.maskedStatus << 1
	}
	return &Response{
		Status:       status,
		HostStatus:   hdr.hostStatus,
		DriverStatus: hdr.driverStatus,
		Sense:        sense[:n:n],
		Resid:        int(hdr.resid),
		Duration:     time.Duration(hdr.duration) * time.Millisecond,
	}, nil
}

// timeoutMS converts a positive timeout to SG_IO milliseconds, rounding up
// and capping below the "no timeout" value.
func timeoutMS(d time.Duration) uint32 {
	ms := (d + time.Millisecond - 1) / time.Millisecond
	if ms < 1 {
		ms = 1
	}
	if ms > maxTimeoutMS {
		ms = maxTimeoutMS
	}
	return uint32(ms)
}

// DeviceNumber returns the kernel device number (st_rdev) of the device
// node the transport holds open, so that a block device opened later can be
// checked to be the same device.
func (s *SGIO) DeviceNumber() (uint64, error) {
	var st unix.Stat_t
	if err := unix.Fstat(int(s.f.Fd()), &st); err != nil {
		return 0, err
	}
	return st.Rdev, nil
}
