//go:build linux && (amd64 || arm64 || riscv64 || loong64)

package mfi

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unsafe"

	"github.com/kesu-erase/kesu/scsi"
	"golang.org/x/sys/unix"
)

// TestIOCPacketLayout pins struct megasas_iocpacket (megaraid_sas.h,
// __packed) on 64-bit Linux: u16 host_no, u16 __pad1, u32 sgl_off, u32
// sge_count, u32 sense_off, u32 sense_len, u8 frame.raw[128], struct
// iovec sgl[16] (16 bytes each) = 2+2+4*4+128+256 = 404 bytes.
func TestIOCPacketLayout(t *testing.T) {
	var p iocPacket
	if got := unsafe.Sizeof(p); got != 404 {
		t.Errorf("unsafe.Sizeof(iocPacket) = %d; want 404", got)
	}
	offsets := []struct {
		name      string
		got, want uintptr
	}{
		{"host_no", unsafe.Offsetof(p.hostNo), 0},
		{"sgl_off", unsafe.Offsetof(p.sglOff), 4},
		{"sge_count", unsafe.Offsetof(p.sgeCount), 8},
		{"sense_off", unsafe.Offsetof(p.senseOff), 12},
		{"sense_len", unsafe.Offsetof(p.senseLen), 16},
		{"frame", unsafe.Offsetof(p.frame), 20},
		{"sgl", unsafe.Offsetof(p.sgl), 148},
	}
	for _, o := range offsets {
		if o.got != o.want {
			t.Errorf("offsetof(%s) = %d; want %d", o.name, o.got, o.want)
		}
	}
	if got := unsafe.Sizeof(p.frame); got != 128 {
		t.Errorf("sizeof(frame) = %d; want 128 (frame.raw)", got)
	}
	if got := unsafe.Sizeof(p.sgl[0]); got != unsafe.Sizeof(unix.Iovec{}) {
		t.Errorf("iovec slot of %d bytes; struct iovec is %d", got, unsafe.Sizeof(unix.Iovec{}))
	}
}

// TestIOCNumber checks MEGASAS_IOC_FIRMWARE against _IOWR('M', 1, 404
// bytes) per include/uapi/asm-generic/ioctl.h: dir (_IOC_READ 2 |
// _IOC_WRITE 1) << 30, size << 16, type << 8, nr.
func TestIOCNumber(t *testing.T) {
	want := uint32(2|1)<<30 | uint32(404)<<16 | uint32('M')<<8 | 1
	if iocFirmware != want {
		t.Errorf("iocFirmware = %#x; want %#x", iocFirmware, want)
	}
	if want != 0xC1944D01 {
		t.Errorf("_IOWR('M', 1, 404) = %#x; want 0xc1944d01", want)
	}
}

func iocBytes(p *iocPacket) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(p)), unsafe.Sizeof(*p))
}

// TestBuildIOC checks the packet the ioctl receives, byte by byte at the
// offsets of struct megasas_iocpacket.
func TestBuildIOC(t *testing.T) {
	pthru, err := (&PassthroughFrame{Target: 8, CDB: []byte{0x12, 0, 0, 0, 0x60, 0},
		Dir: scsi.DirFromDevice, DataLen: 96, SenseLen: 96}).Build()
	if err != nil {
		t.Fatal(err)
	}
	p := &Packet{Host: 3, Frame: pthru, Data: make([]byte, 96), Sense: make([]byte, 96)}
	ioc, err := buildIOC(p, 0x1122334455667788, 0x0A0B0C0D0E0F1011)
	if err != nil {
		t.Fatal(err)
	}
	b := iocBytes(ioc)
	le := binary.LittleEndian
	checks := []struct {
		name      string
		got, want uint64
	}{
		{"host_no", uint64(le.Uint16(b[0:])), 3},
		{"sgl_off", uint64(le.Uint32(b[4:])), 0x30},
		{"sge_count", uint64(le.Uint32(b[8:])), 1},
		{"sense_off", uint64(le.Uint32(b[12:])), 0x18},
		{"sense_len", uint64(le.Uint32(b[16:])), 96},
		{"frame cmd", uint64(b[20]), 0x04},
		{"frame target", uint64(b[20+4]), 8},
		{"sense pointer in frame", le.Uint64(b[20+0x18:]), 0x0A0B0C0D0E0F1011},
		{"iov_base", le.Uint64(b[148:]), 0x1122334455667788},
		{"iov_len", le.Uint64(b[156:]), 96},
		{"second iovec", le.Uint64(b[164:]), 0},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %#x; want %#x", c.name, c.got, c.want)
		}
	}
	if p.Frame[0x18] != 0 {
		t.Errorf("the caller's frame got the sense pointer: % x", p.Frame[0x18:0x20])
	}

	dcmd, _ := (&DCMDFrame{Opcode: 0x02010000, Dir: scsi.DirFromDevice, DataLen: 1024}).Build()
	ioc, err = buildIOC(&Packet{Frame: dcmd, Data: make([]byte, 1024)}, 0x1000, 0)
	if err != nil {
		t.Fatal(err)
	}
	b = iocBytes(ioc)
	if got := le.Uint32(b[4:]); got != 0x28 {
		t.Errorf("DCMD sgl_off = %#x; want 0x28", got)
	}
	if got := le.Uint32(b[12:]) | le.Uint32(b[16:]); got != 0 {
		t.Errorf("DCMD sense_off|sense_len = %#x; want 0", got)
	}

	noData, _ := (&DCMDFrame{Opcode: 0x01101000}).Build()
	ioc, err = buildIOC(&Packet{Frame: noData}, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if ioc.sgeCount != 0 {
		t.Errorf("no-data sge_count = %d; want 0", ioc.sgeCount)
	}
}

func TestBuildIOCRejects(t *testing.T) {
	dcmd, _ := (&DCMDFrame{Opcode: 1}).Build()
	pthru, _ := (&PassthroughFrame{CDB: []byte{0}}).Build()
	tests := []struct {
		name string
		p    Packet
	}{
		{"unknown frame command", Packet{}},
		{"sense buffer with a DCMD", Packet{Frame: dcmd, Sense: make([]byte, 8)}},
		{"sense buffer over 255 bytes", Packet{Frame: pthru, Sense: make([]byte, 256)}},
	}
	for _, tc := range tests {
		if _, err := buildIOC(&tc.p, 1, 1); err == nil {
			t.Errorf("%s: buildIOC error = nil; want an error", tc.name)
		}
		if err := (&Node{path: "/nonexistent"}).Exec(t.Context(), &tc.p); err == nil {
			t.Errorf("%s: Exec error = nil; want an error before any ioctl", tc.name)
		}
	}
}

const procDevices = `Character devices:
  1 mem
  4 /dev/vc/0
 10 misc
 29 fb
246 megaraid_sas_ioctl
247 megaraid_sas_ioctlx
248 nvme

Block devices:
  8 sd
250 megaraid_sas_ioctl
`

func TestChrdevMajor(t *testing.T) {
	tests := []struct {
		name, text string
		want       uint32
		err        error
	}{
		{"listed", procDevices, 246, nil},
		{"block device of the same name ignored", "Character devices:\n  1 mem\n\nBlock devices:\n250 megaraid_sas_ioctl\n", 0, ErrNoDriver},
		{"not loaded", "Character devices:\n  1 mem\n", 0, ErrNoDriver},
		{"empty", "", 0, ErrNoDriver},
	}
	for _, tc := range tests {
		got, err := chrdevMajor(strings.NewReader(tc.text), chrdevName)
		if got != tc.want || !errors.Is(err, tc.err) {
			t.Errorf("%s: chrdevMajor = %d, %v; want %d, %v", tc.name, got, err, tc.want, tc.err)
		}
	}
}

func writeProcDevices(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "devices")
	if err := os.WriteFile(p, []byte(procDevices), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestOpenNodeRefusesOtherFiles: an existing path that is not the
// driver's character device is never opened or replaced.
func TestOpenNodeRefusesOtherFiles(t *testing.T) {
	dir := t.TempDir()
	dev := filepath.Join(dir, "megaraid_sas_ioctl_node")
	if err := os.WriteFile(dev, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	env := nodeEnv{devPath: dev, procDevices: writeProcDevices(t), tempDir: dir,
		mknod: func(string, uint32, int) error { t.Error("mknod called"); return nil }}
	n, err := openNode(env)
	if err == nil || !strings.Contains(err.Error(), "not a character device") {
		t.Errorf("openNode over a regular file = %v, %v; want a not-a-character-device error", n, err)
	}
}

// TestOpenNodeFallback: when /dev refuses the node, it is made in a
// private directory under tempDir, which is removed afterwards; both
// failures are reported.
func TestOpenNodeFallback(t *testing.T) {
	tmp := t.TempDir()
	dev := filepath.Join(t.TempDir(), "megaraid_sas_ioctl_node")
	type call struct {
		path string
		mode uint32
		dev  int
	}
	var calls []call
	env := nodeEnv{devPath: dev, procDevices: writeProcDevices(t), tempDir: tmp,
		mknod: func(path string, mode uint32, d int) error {
			calls = append(calls, call{path, mode, d})
			if len(calls) == 1 {
				return unix.EROFS
			}
			return unix.EPERM
		}}
	_, err := openNode(env)
	if err == nil || !strings.Contains(err.Error(), "read-only") || !strings.Contains(err.Error(), "not permitted") {
		t.Errorf("openNode error = %v; want both mknod failures", err)
	}
	if len(calls) != 2 {
		t.Fatalf("mknod calls = %+v; want 2", calls)
	}
	wantDev := int(unix.Mkdev(246, 0))
	if calls[0].path != dev || calls[0].mode != unix.S_IFCHR|0o600 || calls[0].dev != wantDev {
		t.Errorf("first mknod = %+v; want %s, S_IFCHR|0600, 246:0", calls[0], dev)
	}
	if filepath.Dir(filepath.Dir(calls[1].path)) != tmp || calls[1].dev != wantDev {
		t.Errorf("second mknod = %+v; want under %s, 246:0", calls[1], tmp)
	}
	if ents, _ := os.ReadDir(tmp); len(ents) != 0 {
		t.Errorf("private directory left behind: %v", ents)
	}
}

// TestCheckNode makes device nodes with made-up numbers (4094:0,
// 4094:1) in a temporary directory and checks them without opening them.
func TestCheckNode(t *testing.T) {
	dir := t.TempDir()
	node := filepath.Join(dir, "node")
	if err := unix.Mknod(node, unix.S_IFCHR|0o600, int(unix.Mkdev(4094, 0))); err != nil {
		t.Skipf("mknod needs CAP_MKNOD: %v", err)
	}
	minor1 := filepath.Join(dir, "minor1")
	if err := unix.Mknod(minor1, unix.S_IFCHR|0o600, int(unix.Mkdev(4094, 1))); err != nil {
		t.Fatal(err)
	}
	if _, err := checkNode(node, 4094); err != nil {
		t.Errorf("checkNode(4094:0, 4094) = %v; want nil", err)
	}
	if _, err := checkNode(node, 246); err == nil {
		t.Errorf("checkNode(4094:0, 246) = nil; want an error")
	}
	if _, err := checkNode(minor1, 4094); err == nil {
		t.Errorf("checkNode(4094:1, 4094) = nil; want an error")
	}
	if _, err := checkNode(filepath.Join(dir, "missing"), 4094); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("checkNode(missing) = %v; want ErrNotExist", err)
	}
}
