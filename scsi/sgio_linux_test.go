//go:build linux

package scsi

import (
	"runtime"
	"testing"
	"time"
	"unsafe"
)

// TestSGIOHdrLayout pins struct sg_io_hdr (include/scsi/sg.h) as compiled on
// 64-bit Linux: 88 bytes, offsets per the table in protocols.md §1 (computed
// with gcc against <scsi/sg.h>).
func TestSGIOHdrLayout(t *testing.T) {
	if runtime.GOARCH != "amd64" && runtime.GOARCH != "arm64" {
		t.Skipf("layout pinned for 64-bit Linux, not %s", runtime.GOARCH)
	}
	var h sgIOHdr
	if got := unsafe.Sizeof(h); got != 88 {
		t.Errorf("unsafe.Sizeof(sgIOHdr) = %d; want 88", got)
	}
	offsets := []struct {
		name string
		got  uintptr
		want uintptr
	}{
		{"interface_id", unsafe.Offsetof(h.interfaceID), 0},
		{"dxfer_direction", unsafe.Offsetof(h.dxferDirection), 4},
		{"cmd_len", unsafe.Offsetof(h.cmdLen), 8},
		{"mx_sb_len", unsafe.Offsetof(h.mxSbLen), 9},
		{"iovec_count", unsafe.Offsetof(h.iovecCount), 10},
		{"dxfer_len", unsafe.Offsetof(h.dxferLen), 12},
		{"dxferp", unsafe.Offsetof(h.dxferp), 16},
		{"cmdp", unsafe.Offsetof(h.cmdp), 24},
		{"sbp", unsafe.Offsetof(h.sbp), 32},
		{"timeout", unsafe.Offsetof(h.timeout), 40},
		{"flags", unsafe.Offsetof(h.flags), 44},
		{"pack_id", unsafe.Offsetof(h.packID), 48},
		{"usr_ptr", unsafe.Offsetof(h.usrPtr), 56},
		{"status", unsafe.Offsetof(h.status), 64},
		{"masked_status", unsafe.Offsetof(h.maskedStatus), 65},
		{"msg_status", unsafe.Offsetof(h.msgStatus), 66},
		{"sb_len_wr", unsafe.Offsetof(h.sbLenWr), 67},
		{"host_status", unsafe.Offsetof(h.hostStatus), 68},
		{"driver_status", unsafe.Offsetof(h.driverStatus), 70},
		{"resid", unsafe.Offsetof(h.resid), 72},
		{"duration", unsafe.Offsetof(h.duration), 76},
		{"info", unsafe.Offsetof(h.info), 80},
	}
	for _, o := range offsets {
		if o.got != o.want {
			t.Errorf("offsetof(%s) = %d; want %d", o.name, o.got, o.want)
		}
	}
}

func TestTimeoutMS(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want uint32
	}{
		{time.Nanosecond, 1},
		{15 * time.Second, 15000},
		{1500 * time.Microsecond, 2},
		{65622 * time.Minute, 3937320000},
		{2000 * time.Hour, 0xFFFFFFFE}, // never 0xFFFFFFFF ("no timeout")
	}
	for _, tc := range tests {
		if got := timeoutMS(tc.d); got != tc.want {
			t.Errorf("timeoutMS(%v) = %d; want %d", tc.d, got, tc.want)
		}
	}
}

func TestSGIORejectsBadCommands(t *testing.T) {
	s := &SGIO{path: "/nonexistent"}
	for _, c := range []*Command{
		{CDB: []byte{0}, Timeout: 0},
		{CDB: nil, Timeout: time.Second},
		{CDB: []byte{0x12}, Dir: DirFromDevice, Timeout: time.Second},
		{CDB: []byte{0x12}, Data: []byte{1}, Timeout: time.Second},
	} {
		if _, err := s.Exec(t.Context(), c); err == nil {
			t.Errorf("Exec(%+v) error = nil; want ErrBadCommand", c)
		}
	}
}
