package mfi

import (
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kesu-erase/kesu/scsi"
)

// frameHex turns rows of hex bytes (spaces and "NN:" row labels ignored)
// into a zero-padded frame.
func frameHex(t *testing.T, rows ...string) [FrameSize]byte {
	t.Helper()
	var s strings.Builder
	for _, r := range rows {
		if i := strings.Index(r, ":"); i >= 0 {
			r = r[i+1:]
		}
		s.WriteString(strings.ReplaceAll(r, " ", ""))
	}
	b, err := hex.DecodeString(s.String())
	if err != nil {
		t.Fatal(err)
	}
	var f [FrameSize]byte
	copy(f[:], b)
	return f
}

// TestPassthroughFrameOracle checks MFI_CMD_PD_SCSI_IO frames against
// bytes written from struct megasas_pthru_frame (megaraid_sas.h): an
// INQUIRY of 96 bytes for device id 8.
func TestPassthroughFrameOracle(t *testing.T) {
	inquiry := []byte{0x12, 0, 0, 0, 0x60, 0}
	tests := []struct {
		name string
		f    PassthroughFrame
		want [FrameSize]byte
	}{
		{
			// As smartmontools' megasas_cmd builds it (no sense buffer,
			// timeout 0), except that smartmontools puts the low 32 bits
			// of its buffer pointer at 0x30, which the driver overwrites.
			name: "smartmontools",
			f:    PassthroughFrame{Target: 8, CDB: inquiry, Dir: scsi.DirFromDevice, DataLen: 96},
			want: frameHex(t,
				"00: 04 00 ff 00 08 00 06 01",                         // cmd PD_SCSI_IO, sense_len, cmd_status 0xFF, scsi_status, target 8, lun, cdb_len 6, sge_count 1
				"08: 00 00 00 00 00 00 00 00",                         // context, pad_0
				"10: 10 00 00 00 60 00 00 00",                         // flags DIR_READ, timeout 0, data_xfer_len 96
				"18: 00 00 00 00 00 00 00 00",                         // sense_buf_phys_addr_lo/hi
				"20: 12 00 00 00 60 00 00 00 00 00 00 00 00 00 00 00", // cdb[16]
				"30: 00 00 00 00 60 00 00 00",                         // sge32[0]: phys_addr, length 96
			),
		},
		{
			name: "with sense and timeout",
			f: PassthroughFrame{Target: 8, CDB: inquiry, Dir: scsi.DirFromDevice, DataLen: 96,
				SenseLen: 96, Timeout: 30},
			want: frameHex(t,
				"00: 04 60 ff 00 08 00 06 01",
				"08: 00 00 00 00 00 00 00 00",
				"10: 10 00 1e 00 60 00 00 00", // timeout 30 s
				"18: 00 00 00 00 00 00 00 00",
				"20: 12 00 00 00 60 00 00 00 00 00 00 00 00 00 00 00",
				"30: 00 00 00 00 60 00 00 00",
			),
		},
		{
			name: "TEST UNIT READY, no data",
			f:    PassthroughFrame{Target: 0x21, LUN: 0, CDB: make([]byte, 6), Dir: scsi.DirNone, SenseLen: 96, Timeout: 1},
			want: frameHex(t,
				"00: 04 60 ff 00 21 00 06 00", // sge_count 0
				"08: 00 00 00 00 00 00 00 00",
				"10: 00 00 01 00 00 00 00 00", // no direction flag, no data
			),
		},
		{
			name: "WRITE(16) of 4096 bytes, QEMU target 1 lun 2",
			f: PassthroughFrame{Target: 1, LUN: 2, CDB: []byte{0x8A, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0, 8, 0, 0},
				Dir: scsi.DirToDevice, DataLen: 4096, SenseLen: 96, Timeout: 0xFFFF},
			want: frameHex(t,
				"00: 04 60 ff 00 01 02 10 01",
				"08: 00 00 00 00 00 00 00 00",
				"10: 08 00 ff ff 00 10 00 00", // DIR_WRITE, timeout 0xFFFF, 4096
				"18: 00 00 00 00 00 00 00 00",
				"20: 8a 00 00 00 00 00 00 00 00 10 00 00 00 08 00 00",
				"30: 00 00 00 00 00 10 00 00",
			),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.f.Build()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Build() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDCMDFrameOracle checks MFI_CMD_DCMD frames against bytes written
// from struct megasas_dcmd_frame (opcode at 0x18, mbox at 0x1C, SGL at
// 0x28).
func TestDCMDFrameOracle(t *testing.T) {
	tests := []struct {
		name string
		f    DCMDFrame
		want [FrameSize]byte
	}{
		{
			name: "PD_GET_INFO device 8",
			f:    DCMDFrame{Opcode: 0x02020000, Mbox: MboxDeviceID(8), Dir: scsi.DirFromDevice, DataLen: 512},
			want: frameHex(t,
				"00: 05 00 ff 00 00 00 00 01",
				"08: 00 00 00 00 00 00 00 00",
				"10: 10 00 00 00 00 02 00 00", // DIR_READ, timeout 0, data_xfer_len 512
				"18: 00 00 02 02 08 00 00 00", // opcode 0x02020000, mbox.s[0] = 8
				"20: 00 00 00 00 00 00 00 00",
				"28: 00 00 00 00 00 02 00 00", // sge32[0] length 512
			),
		},
		{
			name: "CTRL_GET_INFO",
			f:    DCMDFrame{Opcode: 0x01010000, Dir: scsi.DirFromDevice, DataLen: 0x800},
			want: frameHex(t,
				"00: 05 00 ff 00 00 00 00 01",
				"08: 00 00 00 00 00 00 00 00",
				"10: 10 00 00 00 00 08 00 00",
				"18: 00 00 01 01 00 00 00 00",
				"20: 00 00 00 00 00 00 00 00",
				"28: 00 00 00 00 00 08 00 00",
			),
		},
		{
			name: "no data",
			f:    DCMDFrame{Opcode: 0x01101000, Mbox: [MboxSize]byte{3}},
			want: frameHex(t,
				"00: 05 00 ff 00 00 00 00 00",
				"08: 00 00 00 00 00 00 00 00",
				"10: 00 00 00 00 00 00 00 00",
				"18: 00 10 10 01 03 00 00 00",
			),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.f.Build()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Build() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBuildRejects(t *testing.T) {
	tests := []struct {
		name string
		f    PassthroughFrame
	}{
		{"empty CDB", PassthroughFrame{Dir: scsi.DirNone}},
		{"17-byte CDB", PassthroughFrame{CDB: make([]byte, 17)}},
		{"data without direction", PassthroughFrame{CDB: []byte{0}, DataLen: 1}},
		{"direction without data", PassthroughFrame{CDB: []byte{0}, Dir: scsi.DirFromDevice}},
		{"bad direction", PassthroughFrame{CDB: []byte{0}, Dir: scsi.Direction(7), DataLen: 1}},
	}
	for _, tc := range tests {
		if _, err := tc.f.Build(); err == nil {
			t.Errorf("%s: Build() error = nil; want an error", tc.name)
		}
	}
	if _, err := (&DCMDFrame{Opcode: 1, Dir: scsi.DirFromDevice}).Build(); err == nil {
		t.Errorf("DCMD with a direction and no data: Build() error = nil; want an error")
	}
}

func TestFrameStatus(t *testing.T) {
	f := frameHex(t, "00: 04 60 2d 02")
	st, ss := FrameStatus(&f)
	if st != 0x2D || ss != 0x02 {
		t.Errorf("FrameStatus = %#x, %#x; want 0x2d, 0x2", st, ss)
	}
}

// TestStatus checks names against enum MFI_STAT as written in
// megaraid_sas.h and QEMU's mfi.h, and the sentinel each status maps to.
func TestStatus(t *testing.T) {
	tests := []struct {
		status byte
		name   string
		is     []error
		isNot  []error
	}{
		{0x01, "INVALID_CMD", []error{ErrRefused}, []error{ErrUnsupported, ErrDeviceNotFound}},
		{0x02, "INVALID_DCMD", []error{ErrRefused, ErrUnsupported}, []error{ErrDeviceNotFound}},
		{0x03, "INVALID_PARAMETER", []error{ErrRefused}, []error{ErrUnsupported}},
		{0x0C, "DEVICE_NOT_FOUND", []error{ErrDeviceNotFound}, []error{ErrRefused}},
		{0x16, "HOST_CODE_NOT_FOUND", nil, []error{ErrRefused}},
		{0x23, "NOT_FOUND", nil, []error{ErrDeviceNotFound, ErrRefused}},
		{0x26, "PD_TYPE_WRONG", []error{ErrRefused}, nil},
		{0x2D, "SCSI_DONE_WITH_ERROR", nil, []error{ErrRefused, ErrDeviceNotFound}},
		{0x2E, "SCSI_IO_FAILED", nil, []error{ErrRefused}},
		{0x32, "WRONG_STATE", []error{ErrRefused}, nil},
		{0x38, "PCI_ERRORS_DETECTED", nil, nil},
		{0x3B, "FOREIGN_CONFIG_INCOMPLETE", nil, nil},
		{0x65, "LD_BLOCK_SIZE_MISMATCH", nil, nil},
		{0x66, "status 0x66", nil, []error{ErrRefused}},
		{0x67, "CONFIG_SEQ_MISMATCH", nil, nil},
		{0xFF, "INVALID_STATUS", []error{ErrNoStatus}, []error{ErrRefused}},
	}
	for _, tc := range tests {
		err := CheckStatus("OP", tc.status)
		var se *StatusError
		if !errors.As(err, &se) {
			t.Fatalf("CheckStatus(%#x) = %v; want a *StatusError", tc.status, err)
		}
		if se.Name() != tc.name {
			t.Errorf("StatusError{%#x}.Name() = %q; want %q", tc.status, se.Name(), tc.name)
		}
		if !strings.Contains(err.Error(), tc.name) || !strings.Contains(err.Error(), "OP") {
			t.Errorf("error text %q lacks the op or %q", err, tc.name)
		}
		for _, s := range tc.is {
			if !errors.Is(err, s) {
				t.Errorf("errors.Is(status %#x, %v) = false; want true", tc.status, s)
			}
		}
		for _, s := range tc.isNot {
			if errors.Is(err, s) {
				t.Errorf("errors.Is(status %#x, %v) = true; want false", tc.status, s)
			}
		}
	}
	if err := CheckStatus("OP", 0); err != nil {
		t.Errorf("CheckStatus(OK) = %v; want nil", err)
	}
	// Every code of the kernel's enum (0x00–0x38) has a name.
	for s := 0; s <= 0x38; s++ {
		if strings.HasPrefix(StatusName(byte(s)), "status ") {
			t.Errorf("StatusName(%#x) = %q; want a name", s, StatusName(byte(s)))
		}
	}
}
