package ciss

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kesu-erase/kesu/scsi"
)

// The CDB oracles are written out from hpsa.c fill_cmd, smartpqi_init.c
// pqi_build_raid_path_request and FreeBSD cissreg.h (struct ciss_report_cdb,
// struct ciss_bmic_cdb).
func TestCDBs(t *testing.T) {
	tests := []struct {
		name string
		got  []byte
		want []byte
	}{
		{"REPORT PHYSICAL LUNS extended, 8+1024*24", ReportPhysicalLUNsCDB(0x02, 24584),
			[]byte{0xC3, 0x02, 0, 0, 0, 0, 0x00, 0x00, 0x60, 0x08, 0, 0}},
		{"REPORT PHYSICAL LUNS plain, big-endian length", ReportPhysicalLUNsCDB(0x00, 0x01020304),
			[]byte{0xC3, 0x00, 0, 0, 0, 0, 0x01, 0x02, 0x03, 0x04, 0, 0}},
		{"REPORT PHYSICAL LUNS format 4", ReportPhysicalLUNsCDB(0x04, 32776),
			[]byte{0xC3, 0x04, 0, 0, 0, 0, 0x00, 0x00, 0x80, 0x08, 0, 0}},
		{"REPORT LOGICAL LUNS", ReportLogicalLUNsCDB(0, 8200),
			[]byte{0xC2, 0x00, 0, 0, 0, 0, 0x00, 0x00, 0x20, 0x08, 0, 0}},
		{"BMIC IDENTIFY PHYSICAL DEVICE drive 3", BMICIdentifyPhysicalCDB(3, 2560),
			[]byte{0x26, 0x00, 0x03, 0, 0, 0, 0x15, 0x0A, 0x00, 0x00}},
		{"BMIC IDENTIFY PHYSICAL DEVICE drive 261 (high byte in 9)", BMICIdentifyPhysicalCDB(0x0105, 2560),
			[]byte{0x26, 0x00, 0x05, 0, 0, 0, 0x15, 0x0A, 0x00, 0x01}},
		{"BMIC IDENTIFY PHYSICAL DEVICE odd length", BMICIdentifyPhysicalCDB(0, 0x1234),
			[]byte{0x26, 0x00, 0x00, 0, 0, 0, 0x15, 0x12, 0x34, 0x00}},
	}
	for _, tc := range tests {
		if diff := cmp.Diff(tc.want, tc.got); diff != "" {
			t.Errorf("%s: CDB mismatch (-want +got):\n%s", tc.name, diff)
		}
	}
}

func TestLUN(t *testing.T) {
	tests := []struct {
		lun                      LUN
		str                      string
		controller, logical, hid bool
		vol                      uint32
		bus, target              uint8
		drive                    uint16
		driveOK                  bool
	}{
		// The controller: RAID_CTLR_LUNID.
		{LUN{}, "0000000000000000", true, false, false, 0, 0, 0, 0xFF00, false},
		// Logical drive 0: VolId 0, mode 01b in the top bits of byte 3.
		{LUN{0, 0, 0, 0x40, 0, 0, 0, 0}, "0000004000000000", false, true, true, 0, 0, 0, 0xFF00, false},
		// Logical drive 5.
		{LUN{5, 0, 0, 0x40, 0, 0, 0, 0}, "0500004000000000", false, true, true, 5, 0, 0, 0xFF00, false},
		// A hidden physical drive on BMIC bus 1, target 3: drive 3.
		{LUN{0, 0, 0, 0xC0, 0, 0, 0x03, 0x01}, "000000c000000301", false, false, true, 0, 1, 3, 3, true},
		// An exposed physical drive on bus 2, target 5: drive 256+5.
		{LUN{0, 0, 0, 0, 0, 0, 0x05, 0x02}, "0000000000000502", false, false, false, 0, 2, 5, 261, true},
		// Mode bits in byte 7 are not part of the bus.
		{LUN{0, 0, 0, 0, 0, 0, 0x07, 0x41}, "0000000000000741", false, false, false, 0, 1, 7, 7, true},
	}
	for _, tc := range tests {
		if got := tc.lun.String(); got != tc.str {
			t.Errorf("LUN(% x).String() = %q; want %q", tc.lun[:], got, tc.str)
		}
		for _, s := range []string{tc.str, "0x" + tc.str} {
			if p, err := ParseLUN(s); err != nil || p != tc.lun {
				t.Errorf("ParseLUN(%q) = % x, %v; want % x", s, p[:], err, tc.lun[:])
			}
		}
		if got := tc.lun.IsController(); got != tc.controller {
			t.Errorf("LUN %s IsController = %v; want %v", tc.str, got, tc.controller)
		}
		if got := tc.lun.Logical(); got != tc.logical {
			t.Errorf("LUN %s Logical = %v; want %v", tc.str, got, tc.logical)
		}
		if got := tc.lun.Hidden(); got != tc.hid {
			t.Errorf("LUN %s Hidden = %v; want %v", tc.str, got, tc.hid)
		}
		if got := tc.lun.VolumeID(); tc.logical && got != tc.vol {
			t.Errorf("LUN %s VolumeID = %d; want %d", tc.str, got, tc.vol)
		}
		if b, tg := tc.lun.BMICBus(), tc.lun.BMICTarget(); b != tc.bus || tg != tc.target {
			t.Errorf("LUN %s bus/target = %d/%d; want %d/%d", tc.str, b, tg, tc.bus, tc.target)
		}
		if n, ok := tc.lun.DriveNumber(); n != tc.drive || ok != tc.driveOK {
			t.Errorf("LUN %s DriveNumber = %d, %v; want %d, %v", tc.str, n, ok, tc.drive, tc.driveOK)
		}
	}
	for _, bad := range []string{"", "00000040", "000000400000000g", "0x00000040000000000"} {
		if _, err := ParseLUN(bad); err == nil {
			t.Errorf("ParseLUN(%q) error = nil; want an error", bad)
		}
	}
}

func TestDecodeReportPhysicalExtended(t *testing.T) {
	b := []byte{
		0x00, 0x00, 0x00, 0x30, // list length 48: two 24-byte entries
		0x02, 0, 0, 0, // format 2
		// entry 0: hidden SAS drive, bus 1 target 0, AIO enabled
		0x00, 0x00, 0x00, 0xC0, 0x00, 0x00, 0x00, 0x01,
		0x50, 0x00, 0xC5, 0x00, 0x12, 0x34, 0x56, 0x78, // WWID
		0x02, 0x08, 0x01, 0x00, // type SAS, flags AIO, 1 LUN, 0 paths
		0x2A, 0x01, 0x00, 0x00, // AIO handle 0x12A, little-endian
		// entry 1: enclosure flagged non-disk
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x7F, 0x01,
		0x50, 0x01, 0x43, 0x80, 0x00, 0x00, 0x00, 0x01,
		0x06, 0x01, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00,
		// padding past the list is ignored
		0xEE, 0xEE,
	}
	got, err := DecodeReportPhysical(b)
	if err != nil {
		t.Fatalf("DecodeReportPhysical error = %v", err)
	}
	want := &PhysicalReport{
		Format:     0x02,
		ListLength: 48,
		Entries: []PhysicalEntry{
			{LUN: LUN{0, 0, 0, 0xC0, 0, 0, 0, 1}, WWID: []byte{0x50, 0x00, 0xC5, 0x00, 0x12, 0x34, 0x56, 0x78},
				Type: TypeSAS, Flags: 0x08, LUNCount: 1, AIOHandle: 0x12A},
			{LUN: LUN{0, 0, 0, 0, 0, 0, 0x7F, 1}, WWID: []byte{0x50, 0x01, 0x43, 0x80, 0, 0, 0, 1},
				Type: TypeEnclosure, Flags: 0x01},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("DecodeReportPhysical mismatch (-want +got):\n%s", diff)
	}
	if got.Entries[0].NonDisk() || !got.Entries[1].NonDisk() {
		t.Errorf("NonDisk = %v, %v; want false, true", got.Entries[0].NonDisk(), got.Entries[1].NonDisk())
	}
}

func TestDecodeReportPhysicalFormats(t *testing.T) {
	plain := []byte{0, 0, 0, 16, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 2, 1}
	f4 := make([]byte, 8+32)
	f4[3], f4[4] = 32, 0x04
	copy(f4[8:], []byte{0, 0, 0, 0, 0, 0, 9, 1})
	for i := 0; i < 16; i++ {
		f4[16+i] = byte(0xA0 + i)
	}
	f4[32], f4[33] = 0x09, 0x08 // NVMe, AIO
	f4[36] = 0x01
	truncated := []byte{0, 0, 0, 48, 0x02, 0, 0, 0}
	truncated = append(truncated, make([]byte, 24)...)
	tests := []struct {
		name string
		b    []byte
		want *PhysicalReport
	}{
		{"plain", plain, &PhysicalReport{Format: 0, ListLength: 16, Entries: []PhysicalEntry{
			{LUN: LUN{0, 0, 0, 0, 0, 0, 1, 1}}, {LUN: LUN{0, 0, 0, 0, 0, 0, 2, 1}}}}},
		{"format 4, 16-byte WWID", f4, &PhysicalReport{Format: 4, ListLength: 32, Entries: []PhysicalEntry{
			{LUN: LUN{0, 0, 0, 0, 0, 0, 9, 1}, WWID: []byte{0xA0, 0xA1, 0xA2, 0xA3, 0xA4, 0xA5, 0xA6, 0xA7,
				0xA8, 0xA9, 0xAA, 0xAB, 0xAC, 0xAD, 0xAE, 0xAF}, Type: TypeNVMe, Flags: 0x08, AIOHandle: 1}}}},
		{"list longer than the buffer", truncated, &PhysicalReport{Format: 2, ListLength: 48, Truncated: true,
			Entries: []PhysicalEntry{{LUN: LUN{}, WWID: make([]byte, 8)}}}},
	}
	for _, tc := range tests {
		got, err := DecodeReportPhysical(tc.b)
		if err != nil {
			t.Errorf("%s: error = %v", tc.name, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s: mismatch (-want +got):\n%s", tc.name, diff)
		}
	}
	if _, err := DecodeReportPhysical([]byte{0, 0, 0}); !errors.Is(err, ErrShortData) {
		t.Errorf("short header: error = %v; want ErrShortData", err)
	}
	if _, err := DecodeReportPhysical([]byte{0, 0, 0, 0, 0x03, 0, 0, 0}); err == nil {
		t.Errorf("format 3: error = nil; want an error")
	}
}

func TestDecodeReportLogical(t *testing.T) {
	plain := []byte{0, 0, 0, 16, 0, 0, 0, 0,
		0, 0, 0, 0x40, 0, 0, 0, 0,
		1, 0, 0, 0x40, 0, 0, 0, 0}
	got, err := DecodeReportLogical(plain)
	if err != nil {
		t.Fatal(err)
	}
	want := &LogicalReport{ListLength: 16, Entries: []LogicalEntry{
		{LUN: LUN{0, 0, 0, 0x40}}, {LUN: LUN{1, 0, 0, 0x40}}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("plain: mismatch (-want +got):\n%s", diff)
	}
	unique := append([]byte{0, 0, 0, 24, 0x01, 0, 0, 0, 2, 0, 0, 0x40, 0, 0, 0, 0},
		0x60, 0x05, 0x08, 0xB1, 0, 0x10, 0x44, 0x39, 0x53, 0x55, 0x30, 0x30, 0x30, 0x30, 0x30, 0x31)
	got, err = DecodeReportLogical(unique)
	if err != nil {
		t.Fatal(err)
	}
	want = &LogicalReport{Flags: 1, ListLength: 24, Entries: []LogicalEntry{{LUN: LUN{2, 0, 0, 0x40},
		VolumeID: []byte{0x60, 0x05, 0x08, 0xB1, 0, 0x10, 0x44, 0x39, 0x53, 0x55, 0x30, 0x30, 0x30, 0x30, 0x30, 0x31}}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("unique IDs: mismatch (-want +got):\n%s", diff)
	}
}

// identifyBuffer builds a BMIC IDENTIFY PHYSICAL DEVICE reply at the
// offsets gcc computes for struct bmic_identify_physical_device (hpsa_cmd.h
// and smartpqi.h agree; smartpqi's BUILD_BUG_ONs pin bay 115, type 120).
func identifyBuffer() []byte {
	b := make([]byte, 2560)
	b[2], b[3] = 0x00, 0x02 // block_size 512
	b[4], b[5], b[6], b[7] = 0xFF, 0xFF, 0xFF, 0xFF
	copy(b[12:52], "HP      EG0600FBDSR                      ")
	copy(b[52:92], "  EA01PC30B9VG1132                      ")
	copy(b[92:100], "HPDC\x00\x00\x00\x00")
	copy(b[112:114], "1I")
	b[114] = 2    // phys_box_on_bus
	b[115] = 7    // phys_bay_in_box
	b[116] = 0x10 // rpm 10000 = 0x2710, little-endian
	b[117] = 0x27
	b[120] = 0x02 // SAS
	// big_total_block_count 1172123568 = 0x45DD2FB0
	b[122], b[123], b[124], b[125] = 0xB0, 0x2F, 0xDD, 0x45
	return b
}

func TestDecodeIdentifyPhysical(t *testing.T) {
	got, err := DecodeIdentifyPhysical(identifyBuffer())
	if err != nil {
		t.Fatal(err)
	}
	want := &IdentifyPhysical{
		BlockSize: 512,
		Blocks:    1172123568,
		Model:     "HP      EG0600FBDSR",
		Serial:    "EA01PC30B9VG1132",
		Firmware:  "HPDC",
		Connector: "1I",
		Box:       2,
		Bay:       7,
		RPM:       10000,
		Type:      TypeSAS,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("DecodeIdentifyPhysical mismatch (-want +got):\n%s", diff)
	}
	if v, p := got.Vendor(), got.Product(); v != "HP" || p != "EG0600FBDSR" {
		t.Errorf("Vendor, Product = %q, %q; want \"HP\", \"EG0600FBDSR\"", v, p)
	}
	if c := got.Capacity(); c != 1172123568*512 {
		t.Errorf("Capacity = %d; want %d", c, uint64(1172123568*512))
	}

	// Without big_total_block_count the 32-bit count stands.
	b := identifyBuffer()
	copy(b[122:130], make([]byte, 8))
	b[4], b[5], b[6], b[7] = 0x00, 0x10, 0x00, 0x00
	if got, err := DecodeIdentifyPhysical(b); err != nil || got.Blocks != 4096 {
		t.Errorf("32-bit count: Blocks = %v, %v; want 4096", got, err)
	}
	if _, err := DecodeIdentifyPhysical(make([]byte, 129)); !errors.Is(err, ErrShortData) {
		t.Errorf("129 bytes: error = %v; want ErrShortData", err)
	}
}

func TestDecodeLogicalDriveGeometry(t *testing.T) {
	page := func(level byte) []byte {
		return []byte{0x00, 0xC1, 0x00, 0x3C, 0x00, 0x00, 0x00, 0x00, level, 0, 0, 0}
	}
	tests := []struct {
		b    []byte
		want RAIDLevel
		name string
	}{
		{page(0), RAID0, "RAID 0"},
		{page(2), RAID1, "RAID 1(+0)"},
		{page(3), RAID5, "RAID 5"},
		{page(5), RAID6, "RAID 6"},
		{page(6), RAID1Triple, "RAID 1(+0) triple"},
		{page(7), RAIDUnknown, "RAID unknown"},
	}
	for _, tc := range tests {
		got, err := DecodeLogicalDriveGeometry(tc.b)
		if err != nil || got != tc.want || got.String() != tc.name {
			t.Errorf("DecodeLogicalDriveGeometry(byte 8 = %d) = %v (%q), %v; want %v (%q)", tc.b[8], got, got.String(), err, tc.want, tc.name)
		}
	}
	if _, err := DecodeLogicalDriveGeometry([]byte{0, 0xC1, 0, 0}); !errors.Is(err, ErrShortData) {
		t.Errorf("short page: error = %v; want ErrShortData", err)
	}
	wrong := page(1)
	wrong[1] = 0x80
	if _, err := DecodeLogicalDriveGeometry(wrong); err == nil {
		t.Errorf("page 80h: error = nil; want an error")
	}
}

func TestRequestValidate(t *testing.T) {
	ok := func() *Request {
		return &Request{CDB: []byte{0x12, 0, 0, 0, 36, 0}, Dir: scsi.DirFromDevice, Data: make([]byte, 36), Timeout: time.Second}
	}
	if err := ok().Validate(); err != nil {
		t.Fatalf("valid request: %v", err)
	}
	tests := []struct {
		name string
		mod  func(*Request)
	}{
		{"empty CDB", func(r *Request) { r.CDB = nil }},
		{"17-byte CDB", func(r *Request) { r.CDB = make([]byte, 17) }},
		{"zero timeout", func(r *Request) { r.Timeout = 0 }},
		{"direction without data", func(r *Request) { r.Data = nil }},
		{"data without direction", func(r *Request) { r.Dir = scsi.DirNone }},
		{"bad direction", func(r *Request) { r.Dir = 7 }},
		{"beyond CCISS_BIG_PASSTHRU", func(r *Request) { r.Data = make([]byte, 128000*32+1) }},
	}
	for _, tc := range tests {
		r := ok()
		tc.mod(r)
		if err := r.Validate(); !errors.Is(err, scsi.ErrBadCommand) {
			t.Errorf("%s: Validate = %v; want ErrBadCommand", tc.name, err)
		}
	}
}

// The status values are cciss_defs.h's (and hpsa_cmd.h's 0Dh, 0Eh),
// written out here as the header spells them.
func TestCommandStatuses(t *testing.T) {
	tests := []struct {
		got, want uint16
		sentinel  error
	}{
		{CmdSuccess, 0x0000, nil},
		{CmdTargetStatus, 0x0001, nil},
		{CmdDataUnderrun, 0x0002, nil},
		{CmdDataOverrun, 0x0003, ErrOverrun},
		{CmdInvalid, 0x0004, ErrRefused},
		{CmdProtocolErr, 0x0005, ErrControllerFault},
		{CmdHardwareErr, 0x0006, ErrControllerFault},
		{CmdConnectionLost, 0x0007, ErrDeviceGone},
		{CmdAborted, 0x0008, ErrAborted},
		{CmdAbortFailed, 0x0009, ErrControllerFault},
		{CmdUnsolicitedAbort, 0x000A, ErrAborted},
		{CmdTimeout, 0x000B, ErrTimeout},
		{CmdUnabortable, 0x000C, ErrControllerFault},
		{CmdTMFStatus, 0x000D, ErrRefused},
		{CmdIOAccelDisabled, 0x000E, ErrRefused},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s = %#x; want %#x", StatusText(tc.want), tc.got, tc.want)
		}
		if tc.got > CmdDataUnderrun {
			if err := Sentinel(tc.got); err != tc.sentinel {
				t.Errorf("Sentinel(%s) = %v; want %v", StatusText(tc.got), err, tc.sentinel)
			}
		}
	}
}
