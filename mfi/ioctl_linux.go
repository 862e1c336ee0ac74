//go:build linux && (amd64 || arm64 || riscv64 || loong64)

package mfi

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"
)

// iocFirmware is MEGASAS_IOC_FIRMWARE, _IOWR('M', 1, struct
// megasas_iocpacket): direction read|write (3) << 30, size 404 << 16,
// type 'M' << 8, number 1 (include/uapi/asm-generic/ioctl.h), valid for
// the architectures of this file's build constraint.
const iocFirmware = 0xC1944D01

// maxIOCTLSGE is MAX_IOCTL_SGE.
const maxIOCTLSGE = 16

// chrdevName is the name megasas_init registers its character device
// under (register_chrdev(0, "megaraid_sas_ioctl", ...)).
const chrdevName = "megaraid_sas_ioctl"

// iocPacket mirrors struct megasas_iocpacket (megaraid_sas.h), which is
// __packed: its iovec array starts at the unaligned offset 148, so each
// struct iovec {void *iov_base; size_t iov_len} is kept as 16 raw bytes.
// The layout is pinned by TestIOCPacketLayout (404 bytes).
type iocPacket struct {
	hostNo   uint16                // 0
	_        uint16                // 2: __pad1
	sglOff   uint32                // 4: offset of the SGL in frame
	sgeCount uint32                // 8
	senseOff uint32                // 12: offset in frame of the sense buffer pointer
	senseLen uint32                // 16
	frame    [FrameSize]byte       // 20
	sgl      [maxIOCTLSGE][16]byte // 148
}

// buildIOC fills the ioctl packet for p, whose data and sense buffers are
// at dataAddr and senseAddr (0 when absent). For a pass-through frame the
// driver reads the sense buffer's user address from the frame at
// sense_off (8 bytes, megasas_mgmt_fw_ioctl) and copies sense_len bytes
// there; the sgl_off entry of the frame is rewritten by the driver with
// its own DMA buffer.
func buildIOC(p *Packet, dataAddr, senseAddr uintptr) (*iocPacket, error) {
	ioc := &iocPacket{hostNo: p.Host, frame: p.Frame}
	switch p.Frame[offCmd] {
	case CmdPDSCSIIO, CmdLDSCSIIO:
		ioc.sglOff = offPthruSGL
	case CmdDCMD:
		ioc.sglOff = offDCMDSGL
		if len(p.Sense) > 0 {
			return nil, errors.New("mfi: a DCMD frame has no sense buffer")
		}
	default:
		return nil, fmt.Errorf("mfi: frame command %#02x not supported", p.Frame[offCmd])
	}
	if uint64(len(p.Data)) > 0xFFFFFFFF {
		return nil, errors.New("mfi: data buffer larger than 4 GiB")
	}
	if len(p.Data) > 0 {
		ioc.sgeCount = 1
		binary.NativeEndian.PutUint64(ioc.sgl[0][0:8], uint64(dataAddr))
		binary.NativeEndian.PutUint64(ioc.sgl[0][8:16], uint64(len(p.Data)))
	}
	if len(p.Sense) > 0xFF {
		return nil, fmt.Errorf("mfi: sense buffer of %d bytes (at most 255)", len(p.Sense))
	}
	if len(p.Sense) > 0 {
		ioc.senseOff = offSenseAddr
		ioc.senseLen = uint32(len(p.Sense))
		binary.NativeEndian.PutUint64(ioc.frame[offSenseAddr:], uint64(senseAddr))
	}
	return ioc, nil
}

// Node is the megaraid_sas management device, a Transport for every
// controller the driver runs (Packet.Host selects one).
type Node struct {
	f    *os.File
	path string
}

var _ Transport = (*Node)(nil)

// OpenNode opens NodePath, first creating it (mknod, major from the
// "megaraid_sas_ioctl" line of /proc/devices, minor 0) when it is
// missing. If /dev cannot take the node, it is made in a private
// temporary directory and removed again once open. An existing node with
// another major number is refused rather than opened. The driver allows
// only CAP_SYS_ADMIN to open the device (megasas_mgmt_open).
func OpenNode() (*Node, error) {
	return openNode(nodeEnv{
		devPath:     NodePath,
		procDevices: "/proc/devices",
		mknod:       unix.Mknod,
	})
}

type nodeEnv struct {
	devPath     string
	procDevices string
	tempDir     string // "" means os.TempDir()
	mknod       func(path string, mode uint32, dev int) error
}

// ErrNoDriver is returned by OpenNode when megaraid_sas is not loaded.
var ErrNoDriver = errors.New("mfi: megaraid_sas is not loaded (no " + chrdevName + " in /proc/devices)")

func openNode(env nodeEnv) (*Node, error) {
	f, err := os.Open(env.procDevices)
	if err != nil {
		return nil, err
	}
	major, err := chrdevMajor(f, chrdevName)
	f.Close()
	if err != nil {
		return nil, err
	}
	dev := int(unix.Mkdev(major, 0))
	n, err := openChecked(env.devPath, major)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return n, err
	}
	mkErr := env.mknod(env.devPath, unix.S_IFCHR|0o600, dev)
	if mkErr == nil || errors.Is(mkErr, fs.ErrExist) {
		return openChecked(env.devPath, major)
	}
	dir, err := os.MkdirTemp(env.tempDir, "kesu-megaraid-")
	if err != nil {
		return nil, fmt.Errorf("mfi: mknod %s: %w; private directory: %w", env.devPath, mkErr, err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, filepath.Base(env.devPath))
	if err := env.mknod(path, unix.S_IFCHR|0o600, dev); err != nil {
		return nil, fmt.Errorf("mfi: mknod %s: %w; mknod %s: %w", env.devPath, mkErr, path, err)
	}
	n, err = openChecked(path, major)
	if err != nil {
		return nil, fmt.Errorf("mfi: mknod %s: %w; %w", env.devPath, mkErr, err)
	}
	return n, nil
}

// chrdevMajor finds name in the "Character devices:" section of a
// /proc/devices listing ("246 megaraid_sas_ioctl").
func chrdevMajor(r io.Reader, name string) (uint32, error) {
	sc := bufio.NewScanner(r)
	inChar := false
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "Character devices:":
			inChar = true
			continue
		case strings.HasSuffix(line, ":"):
			inChar = false
			continue
		}
		fields := strings.Fields(line)
		if !inChar || len(fields) != 2 || fields[1] != name {
			continue
		}
		m, err := strconv.ParseUint(fields[0], 10, 32)
		if err != nil {
			return 0, fmt.Errorf("mfi: /proc/devices: %q: %w", line, err)
		}
		return uint32(m), nil
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, ErrNoDriver
}

// checkNode verifies that path is a character device node with the given
// major and minor 0, without opening it.
func checkNode(path string, major uint32) (uint64, error) {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return 0, &os.PathError{Op: "stat", Path: path, Err: err}
	}
	if st.Mode&unix.S_IFMT != unix.S_IFCHR {
		return 0, fmt.Errorf("mfi: %s is not a character device", path)
	}
	if unix.Major(st.Rdev) != major || unix.Minor(st.Rdev) != 0 {
		return 0, fmt.Errorf("mfi: %s is device %d:%d, not %s (%d:0)", path,
			unix.Major(st.Rdev), unix.Minor(st.Rdev), chrdevName, major)
	}
	return st.Rdev, nil
}

func openChecked(path string, major uint32) (*Node, error) {
	rdev, err := checkNode(path, major)
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil || st.Rdev != rdev {
		f.Close()
		return nil, fmt.Errorf("mfi: %s changed while being opened", path)
	}
	return &Node{f: f, path: path}, nil
}

// Path returns the node the device was opened through (it may have been
// removed again, see OpenNode).
func (n *Node) Path() string { return n.path }

// Close closes the device.
func (n *Node) Close() error { return n.f.Close() }

// Exec issues MEGASAS_IOC_FIRMWARE for p. The driver copies the data and
// sense buffers from and to user memory (copy_from_user/copy_to_user
// around its own DMA-coherent buffers), so Go memory needs only to stay
// valid and in place for the duration of the system call: runtime.Pinner
// guarantees that, and no mmap'd memory is needed. The ioctl cannot be
// interrupted once the frame is issued; ctx is checked before, and the
// frame's timeout bounds the command in the firmware. On return only
// p.Frame's cmd_status has changed: the driver copies back nothing else.
func (n *Node) Exec(ctx context.Context, p *Packet) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var pin runtime.Pinner
	defer pin.Unpin()
	var dataAddr, senseAddr uintptr
	if len(p.Data) > 0 {
		pin.Pin(&p.Data[0])
		dataAddr = uintptr(unsafe.Pointer(&p.Data[0]))
	}
	if len(p.Sense) > 0 {
		pin.Pin(&p.Sense[0])
		senseAddr = uintptr(unsafe.Pointer(&p.Sense[0]))
	}
	ioc, err := buildIOC(p, dataAddr, senseAddr)
	if err != nil {
		return err
	}
	pin.Pin(ioc)
	for {
		_, _, errno := unix.Syscall(unix.SYS_IOCTL, n.f.Fd(), iocFirmware, uintptr(unsafe.Pointer(ioc)))
		if errno == unix.EINTR {
			continue
		}
		if errno != 0 {
			return &os.PathError{Op: "MEGASAS_IOC_FIRMWARE", Path: n.path, Err: errno}
		}
		break
	}
	runtime.KeepAlive(p.Data)
	runtime.KeepAlive(p.Sense)
	p.Frame[offCmdStatus] = ioc.frame[offCmdStatus]
	return nil
}
