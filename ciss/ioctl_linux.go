//go:build linux

package ciss

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/kesu-erase/kesu/scsi"
)

// requestBlock mirrors RequestBlock_struct (cciss_defs.h, #pragma pack(1)):
// 20 bytes. typeAttrDir packs the Type:3, Attribute:3, Direction:2
// bitfields low bit first, as gcc lays them out on little-endian targets
// and as hpsa_cmd.h TYPE_ATTR_DIR spells it.
type requestBlock struct {
	cdbLen      uint8    // 0
	typeAttrDir uint8    // 1
	timeout     uint16   // 2: seconds, 0 = none
	cdb         [16]byte // 4
}

// errorInfo mirrors ErrorInfo_struct (cciss_defs.h, packed): 48 bytes.
type errorInfo struct {
	scsiStatus    uint8    // 0
	senseLen      uint8    // 1
	commandStatus uint16   // 2
	residualCnt   uint32   // 4
	moreErrInfo   [8]byte  // 8: MoreErrInfo_struct
	senseInfo     [32]byte // 16: SENSEINFOBYTES
}

// ioctlCommand mirrors IOCTL_Command_struct (cciss_ioctl.h). It is outside
// the header's pack(1) region, so the compiler aligns buf: 88 bytes on
// 64-bit Linux (LUN 0, Request 8, error_info 28, buf_size 76, buf 80),
// pinned by TestIoctlLayout against offsets gcc computed from the header.
type ioctlCommand struct {
	lun       [8]byte
	request   requestBlock
	errorInfo errorInfo
	bufSize   uint16 // WORD
	buf       unsafe.Pointer
}

// bigIoctlCommand mirrors BIG_IOCTL_Command_struct: 96 bytes on 64-bit
// Linux (malloc_size 76, buf_size 80, buf 88).
type bigIoctlCommand struct {
	lun        [8]byte
	request    requestBlock
	errorInfo  errorInfo
	mallocSize uint32 // DWORD, at most maxKmallocSize
	bufSize    uint32 // DWORD, at most mallocSize * sgEntriesInCmd
	buf        unsafe.Pointer
}

// Request block encodings (cciss_defs.h).
const (
	typeCmd     = 0x00 // TYPE_CMD
	attrSimple  = 0x04 // ATTR_SIMPLE
	xferNone    = 0x00 // XFER_NONE
	xferWrite   = 0x01 // XFER_WRITE
	xferRead    = 0x02 // XFER_READ
	senseMaxLen = 32   // SENSEINFOBYTES

	maxKmallocSize = 128000 // cciss_ioctl.h MAX_KMALLOC_SIZE
	sgEntriesInCmd = 32     // hpsa_cmd.h SG_ENTRIES_IN_CMD
	bigChunkAlign  = 4096

	// MaxConcurrent is how many pass-through ioctls hpsa runs at once per
	// controller before it answers EAGAIN (hpsa.h
	// HPSA_MAX_CONCURRENT_PASSTHRUS); a Node never issues more. smartpqi
	// runs them one at a time (sync_request_sem).
	MaxConcurrent = 10
)

// iowr encodes _IOWR(typ, nr, size) with the generic Linux layout
// (include/uapi/asm-generic/ioctl.h: dir<<30 | size<<16 | type<<8 | nr),
// which amd64 and arm64 use.
func iowr(typ, nr byte, size uintptr) uintptr {
	const iocRead, iocWrite = 2, 1
	return (iocRead|iocWrite)<<30 | size<<16 | uintptr(typ)<<8 | uintptr(nr)
}

// The ioctl numbers (cciss_ioctl.h CCISS_PASSTHRU = _IOWR('B', 11, ...),
// CCISS_BIG_PASSTHRU = _IOWR('B', 18, ...)); 0xC058420B and 0xC0604212 on
// amd64.
var (
	ccissPassthru    = iowr('B', 11, unsafe.Sizeof(ioctlCommand{}))
	ccissBigPassthru = iowr('B', 18, unsafe.Sizeof(bigIoctlCommand{}))
)

// Node is a Transport over CCISS_PASSTHRU on a SCSI device node of an hpsa
// or smartpqi host.
type Node struct {
	f    *os.File
	path string
	sem  chan struct{}
}

var _ Transport = (*Node)(nil)

// Open opens path, a SCSI device node of the controller's host: the
// controller's own /dev/sgN, or any /dev/sgN or /dev/sdX of that host
// (sg.c and sd.c hand unknown ioctls to scsi_ioctl, which calls the host
// template's .ioctl: hpsa_ioctl or pqi_ioctl).
//
// It opens read-write: on /dev/sgN the sg driver refuses every ioctl it
// does not know with EPERM when the node is open read-only (sg.c
// sg_ioctl_common, "don't know so take safe approach"); sd would accept a
// read-only open. Both drivers then require CAP_SYS_RAWIO (hpsa.c
// hpsa_passthru_ioctl, smartpqi_init.c pqi_passthru_ioctl), else EPERM.
func Open(path string) (*Node, error) {
	f, err := os.OpenFile(path, os.O_RDWR|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	return &Node{f: f, path: path, sem: make(chan struct{}, MaxConcurrent)}, nil
}

// Path returns the node's path.
func (n *Node) Path() string { return n.path }

// Close closes the node.
func (n *Node) Close() error { return n.f.Close() }

// Exec issues r with CCISS_PASSTHRU, or CCISS_BIG_PASSTHRU when the buffer
// exceeds MaxTransfer (hpsa only). The ioctl cannot be interrupted once the
// command is queued: ctx is checked before submission, and r.Timeout is
// handed to the controller. Both drivers copy the buffer through kernel
// memory, so Data is read or filled whole.
func (n *Node) Exec(ctx context.Context, r *Request) error {
	if err := r.Validate(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	select {
	case n.sem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-n.sem }()

	var pin runtime.Pinner
	defer pin.Unpin()
	var buf unsafe.Pointer
	if len(r.Data) > 0 {
		pin.Pin(&r.Data[0])
		buf = unsafe.Pointer(&r.Data[0])
	}
	rb := encodeRequest(r)
	var ei *errorInfo
	var arg unsafe.Pointer
	op := "CCISS_PASSTHRU"
	req := ccissPassthru
	if len(r.Data) <= MaxTransfer {
		c := &ioctlCommand{lun: r.LUN, request: rb, bufSize: uint16(len(r.Data)), buf: buf}
		pin.Pin(c)
		arg, ei = unsafe.Pointer(c), &c.errorInfo
	} else {
		c := &bigIoctlCommand{lun: r.LUN, request: rb, mallocSize: bigChunk(len(r.Data)), bufSize: uint32(len(r.Data)), buf: buf}
		pin.Pin(c)
		arg, ei, op, req = unsafe.Pointer(c), &c.errorInfo, "CCISS_BIG_PASSTHRU", ccissBigPassthru
	}
	for {
		_, _, errno := unix.Syscall(unix.SYS_IOCTL, n.f.Fd(), req, uintptr(arg))
		if errno == unix.EINTR {
			// smartpqi returns -ERESTARTSYS only before it queues the
			// command, and hpsa waits uninterruptibly: a retry cannot
			// issue the command twice.
			continue
		}
		if errno != 0 {
			return ioctlError(op, n.path, errno)
		}
		break
	}
	runtime.KeepAlive(r.Data)
	decodeErrorInfo(r, ei)
	return nil
}

func ioctlError(op, path string, errno unix.Errno) error {
	pe := &os.PathError{Op: op, Path: path, Err: errno}
	switch errno {
	case unix.ENOTTY, unix.EINVAL:
		return fmt.Errorf("%w: %w", ErrUnsupported, pe)
	}
	return pe
}

// encodeRequest fills RequestBlock_struct from r (validated).
func encodeRequest(r *Request) requestBlock {
	dir := byte(xferNone)
	switch r.Dir {
	case scsi.DirFromDevice:
		dir = xferRead
	case scsi.DirToDevice:
		dir = xferWrite
	}
	rb := requestBlock{
		cdbLen:      uint8(len(r.CDB)),
		typeAttrDir: dir<<6 | attrSimple<<3 | typeCmd,
		timeout:     scsi.Seconds16(r.Timeout),
	}
	copy(rb.cdb[:], r.CDB)
	return rb
}

// decodeErrorInfo copies the controller's answer into r.
func decodeErrorInfo(r *Request, ei *errorInfo) {
	r.CommandStatus = ei.commandStatus
	r.ScsiStatus = ei.scsiStatus
	n := int(ei.senseLen)
	if n > senseMaxLen {
		n = senseMaxLen
	}
	r.Sense = append([]byte(nil), ei.senseInfo[:n]...)
	r.Resid = int(ei.residualCnt)
	if r.Resid < 0 || r.Resid > len(r.Data) {
		r.Resid = len(r.Data)
	}
}

// bigChunk picks malloc_size for CCISS_BIG_PASSTHRU: hpsa splits the buffer
// into at most 32 kmalloc'ed chunks of malloc_size bytes, malloc_size at
// most 128000 (hpsa.c hpsa_big_passthru_ioctl).
func bigChunk(n int) uint32 {
	c := (n + sgEntriesInCmd - 1) / sgEntriesInCmd
	c = (c + bigChunkAlign - 1) / bigChunkAlign * bigChunkAlign
	if c > maxKmallocSize {
		c = maxKmallocSize
	}
	return uint32(c)
}
