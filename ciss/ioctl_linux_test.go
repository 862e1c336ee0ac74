//go:build linux

package ciss

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
	"unsafe"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"

	"github.com/kesu-erase/kesu/scsi"
)

func skipUnless64(t *testing.T) {
	t.Helper()
	if runtime.GOARCH != "amd64" && runtime.GOARCH != "arm64" {
		t.Skipf("layout pinned for 64-bit Linux, not %s", runtime.GOARCH)
	}
}

// TestIoctlLayout pins the structs against sizeof/offsetof that gcc
// computed from <linux/cciss_ioctl.h> (linux-libc-dev 6.1, amd64):
// IOCTL_Command_struct 88 bytes (LUN_info 0, Request 8, error_info 28,
// buf_size 76, buf 80), BIG_IOCTL_Command_struct 96 (malloc_size 76,
// buf_size 80, buf 88), RequestBlock_struct 20 (Timeout 2, CDB 4),
// ErrorInfo_struct 48 (CommandStatus 2, ResidualCnt 4, MoreErrInfo 8,
// SenseInfo 16).
func TestIoctlLayout(t *testing.T) {
	skipUnless64(t)
	var c ioctlCommand
	var b bigIoctlCommand
	var rb requestBlock
	var ei errorInfo
	sizes := []struct {
		name      string
		got, want uintptr
	}{
		{"IOCTL_Command_struct", unsafe.Sizeof(c), 88},
		{"BIG_IOCTL_Command_struct", unsafe.Sizeof(b), 96},
		{"RequestBlock_struct", unsafe.Sizeof(rb), 20},
		{"ErrorInfo_struct", unsafe.Sizeof(ei), 48},
		{"IOCTL.LUN_info", unsafe.Offsetof(c.lun), 0},
		{"IOCTL.Request", unsafe.Offsetof(c.request), 8},
		{"IOCTL.error_info", unsafe.Offsetof(c.errorInfo), 28},
		{"IOCTL.buf_size", unsafe.Offsetof(c.bufSize), 76},
		{"IOCTL.buf", unsafe.Offsetof(c.buf), 80},
		{"BIG.Request", unsafe.Offsetof(b.request), 8},
		{"BIG.error_info", unsafe.Offsetof(b.errorInfo), 28},
		{"BIG.malloc_size", unsafe.Offsetof(b.mallocSize), 76},
		{"BIG.buf_size", unsafe.Offsetof(b.bufSize), 80},
		{"BIG.buf", unsafe.Offsetof(b.buf), 88},
		{"Request.CDBLen", unsafe.Offsetof(rb.cdbLen), 0},
		{"Request.Type", unsafe.Offsetof(rb.typeAttrDir), 1},
		{"Request.Timeout", unsafe.Offsetof(rb.timeout), 2},
		{"Request.CDB", unsafe.Offsetof(rb.cdb), 4},
		{"ErrorInfo.ScsiStatus", unsafe.Offsetof(ei.scsiStatus), 0},
		{"ErrorInfo.SenseLen", unsafe.Offsetof(ei.senseLen), 1},
		{"ErrorInfo.CommandStatus", unsafe.Offsetof(ei.commandStatus), 2},
		{"ErrorInfo.ResidualCnt", unsafe.Offsetof(ei.residualCnt), 4},
		{"ErrorInfo.MoreErrInfo", unsafe.Offsetof(ei.moreErrInfo), 8},
		{"ErrorInfo.SenseInfo", unsafe.Offsetof(ei.senseInfo), 16},
	}
	for _, s := range sizes {
		if s.got != s.want {
			t.Errorf("%s = %d; want %d", s.name, s.got, s.want)
		}
	}
}

// TestIoctlNumbers checks the request numbers against the values gcc
// printed for CCISS_PASSTHRU and CCISS_BIG_PASSTHRU on amd64.
func TestIoctlNumbers(t *testing.T) {
	skipUnless64(t)
	if ccissPassthru != 0xC058420B {
		t.Errorf("CCISS_PASSTHRU = %#x; want 0xc058420b", ccissPassthru)
	}
	if ccissBigPassthru != 0xC0604212 {
		t.Errorf("CCISS_BIG_PASSTHRU = %#x; want 0xc0604212", ccissBigPassthru)
	}
}

func rawRequestBlock(rb *requestBlock) []byte {
	return append([]byte(nil), unsafe.Slice((*byte)(unsafe.Pointer(rb)), unsafe.Sizeof(*rb))...)
}

// TestEncodeRequest compares RequestBlock_struct bytes with oracles: the
// type byte values are what gcc packs for Type=TYPE_CMD,
// Attribute=ATTR_SIMPLE and Direction=XFER_READ/WRITE/NONE (A0h, 60h,
// 20h).
func TestEncodeRequest(t *testing.T) {
	tests := []struct {
		name string
		r    Request
		want []byte
	}{
		{"INQUIRY, read, 30 s",
			Request{CDB: []byte{0x12, 0, 0, 0, 0x60, 0}, Dir: scsi.DirFromDevice, Data: make([]byte, 96), Timeout: 30 * time.Second},
			[]byte{6, 0xA0, 30, 0, 0x12, 0, 0, 0, 0x60, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}},
		{"WRITE(16), write, 600 s",
			Request{CDB: []byte{0x8A, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 8, 0, 0}, Dir: scsi.DirToDevice, Data: make([]byte, 4096), Timeout: 10 * time.Minute},
			[]byte{16, 0x60, 0x58, 0x02, 0x8A, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 8, 0, 0}},
		{"TEST UNIT READY, no data, 1 ms rounds up to 1 s",
			Request{CDB: []byte{0, 0, 0, 0, 0, 0}, Timeout: time.Millisecond},
			[]byte{6, 0x20, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}},
	}
	for _, tc := range tests {
		rb := encodeRequest(&tc.r)
		if diff := cmp.Diff(tc.want, rawRequestBlock(&rb)); diff != "" {
			t.Errorf("%s: RequestBlock bytes mismatch (-want +got):\n%s", tc.name, diff)
		}
	}
}

// TestDecodeErrorInfo fills ErrorInfo_struct from hand-written bytes as the
// driver would copy them out (little-endian CommandStatus and ResidualCnt).
func TestDecodeErrorInfo(t *testing.T) {
	raw := make([]byte, 48)
	copy(raw, []byte{0x02, 18, 0x01, 0x00, 0x00, 0x02, 0x00, 0x00})
	sense := []byte{0x70, 0, 0x05, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x20, 0x00, 0, 0, 0, 0}
	copy(raw[16:], sense)
	var ei errorInfo
	copy(unsafe.Slice((*byte)(unsafe.Pointer(&ei)), unsafe.Sizeof(ei)), raw)
	r := &Request{Data: make([]byte, 4096)}
	decodeErrorInfo(r, &ei)
	if r.ScsiStatus != 2 || r.CommandStatus != CmdTargetStatus || r.Resid != 512 {
		t.Errorf("status, command status, resid = %#x, %#x, %d; want 0x2, 0x1, 512", r.ScsiStatus, r.CommandStatus, r.Resid)
	}
	if diff := cmp.Diff(sense, r.Sense); diff != "" {
		t.Errorf("sense mismatch (-want +got):\n%s", diff)
	}

	// SenseLen beyond SENSEINFOBYTES and a residual beyond the buffer are
	// capped.
	raw = make([]byte, 48)
	copy(raw, []byte{0x00, 200, 0x02, 0x00, 0xFF, 0xFF, 0x00, 0x00})
	copy(unsafe.Slice((*byte)(unsafe.Pointer(&ei)), unsafe.Sizeof(ei)), raw)
	r = &Request{Data: make([]byte, 100)}
	decodeErrorInfo(r, &ei)
	if len(r.Sense) != 32 || r.Resid != 100 || r.CommandStatus != CmdDataUnderrun {
		t.Errorf("len(sense), resid, status = %d, %d, %#x; want 32, 100, 0x2", len(r.Sense), r.Resid, r.CommandStatus)
	}
}

func TestBigChunk(t *testing.T) {
	tests := []struct {
		n    int
		want uint32
	}{
		{65536, 4096},     // 2048 per chunk, rounded to a page
		{1 << 20, 32768},  // 32 chunks of 32 KiB
		{1000000, 32768},  // 31250 rounded up
		{4096000, 128000}, // MAX_KMALLOC_SIZE * 32 exactly
	}
	for _, tc := range tests {
		got := bigChunk(tc.n)
		if got != tc.want {
			t.Errorf("bigChunk(%d) = %d; want %d", tc.n, got, tc.want)
		}
		if uint64(tc.n) > uint64(got)*32 || got > 128000 {
			t.Errorf("bigChunk(%d) = %d breaks hpsa's limits (n <= malloc_size*32, malloc_size <= 128000)", tc.n, got)
		}
	}
}

// TestExecOnPlainFile issues the ioctl on a file this test creates: the
// kernel answers ENOTTY, which Exec reports as ErrUnsupported, for both
// ioctls. Malformed requests fail before any ioctl.
func TestExecOnPlainFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "not-a-controller")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	n, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	for _, size := range []int{512, MaxTransfer + 1} {
		r := &Request{CDB: []byte{0x12, 0, 0, 0, 0x60, 0}, Dir: scsi.DirFromDevice, Data: make([]byte, size), Timeout: time.Second}
		err := n.Exec(t.Context(), r)
		if !errors.Is(err, ErrUnsupported) || !errors.Is(err, unix.ENOTTY) {
			t.Errorf("Exec(%d bytes) on a plain file = %v; want ErrUnsupported wrapping ENOTTY", size, err)
		}
	}
	if err := n.Exec(t.Context(), &Request{CDB: []byte{0}, Timeout: 0}); !errors.Is(err, scsi.ErrBadCommand) {
		t.Errorf("Exec(zero timeout) = %v; want ErrBadCommand", err)
	}
}
