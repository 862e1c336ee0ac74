package mfi

import (
	"encoding/binary"
	"errors"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
)

// raw is a reply buffer filled in by hand at offsets taken from the
// header field lists.
type raw []byte

func (b raw) u8(off int, v uint8)   { b[off] = v }
func (b raw) u16(off int, v uint16) { binary.LittleEndian.PutUint16(b[off:], v) }
func (b raw) u32(off int, v uint32) { binary.LittleEndian.PutUint32(b[off:], v) }
func (b raw) u64(off int, v uint64) { binary.LittleEndian.PutUint64(b[off:], v) }
func (b raw) str(off int, s string) { copy(b[off:], s) }

// TestDecodeInfo decodes a CTRL_GET_INFO reply built from struct
// megasas_ctrl_info: pci at 0x00, image_component_count 0xB4, components
// of 72 bytes from 0xB8, product_name 0x540, serial_no 0x590,
// max_request_size 0x5BC, ld_present_count 0x5C0, pd_present_count
// 0x5C6, OnOffProperties 0x620, package_version 0x640,
// adapterOperations2 0x7A4.
func TestDecodeInfo(t *testing.T) {
	b := raw(make([]byte, 0x800))
	b.u16(0x00, 0x1000)
	b.u16(0x02, 0x005D)
	b.u16(0x04, 0x1028)
	b.u16(0x06, 0x1F47)
	b.u32(0xB4, 2)
	b.str(0xB8, "BIOS")
	b.str(0xB8+8, "6.33.01.0")
	b.str(0x100, "APP")
	b.str(0x100+8, "4.270.00-8112")
	b.str(0x100+40, "Jun 5 2016")
	b.str(0x100+56, "12:00:00")
	b.str(0x540, "PERC H730P Mini")
	b.str(0x590, "66301T0")
	b.u32(0x5BC, 2048)
	b.u16(0x5C0, 1)
	b.u16(0x5C6, 4)
	b.u32(0x620, 1<<13)
	b.str(0x640, "25.5.0.0018")
	b.u32(0x7A4, 1<<11)
	got, err := DecodeInfo(b)
	if err != nil {
		t.Fatal(err)
	}
	want := &Info{
		VendorID: 0x1000, DeviceID: 0x005D, SubVendorID: 0x1028, SubDeviceID: 0x1F47,
		Product: "PERC H730P Mini", Serial: "66301T0", PackageVersion: "25.5.0.0018",
		Firmware: "4.270.00-8112",
		Components: []Component{
			{Name: "BIOS", Version: "6.33.01.0"},
			{Name: "APP", Version: "4.270.00-8112", BuildDate: "Jun 5 2016", BuildTime: "12:00:00"},
		},
		MaxRequestSectors: 2048, LDsPresent: 1, PDsPresent: 4,
		JBODEnabled: true, JBODSupported: true,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("DecodeInfo mismatch (-want +got):\n%s", diff)
	}

	// Every other bit of the two words set: no JBOD.
	b.u32(0x620, ^uint32(1<<13))
	b.u32(0x7A4, ^uint32(1<<11))
	if got, _ := DecodeInfo(b); got.JBODEnabled || got.JBODSupported {
		t.Errorf("JBODEnabled, JBODSupported = %v, %v; want false, false", got.JBODEnabled, got.JBODSupported)
	}
	if _, err := DecodeInfo(b[:0x7FF]); !errors.Is(err, errShort) {
		t.Errorf("DecodeInfo(0x7FF bytes) error = %v; want errShort", err)
	}
}

// TestDecodePDList decodes an MR_PD_LIST built from struct MR_PD_ADDRESS
// (24 bytes: deviceId 0, enclDeviceId 2, enclIndex 4, slotNumber 5,
// scsiDevType 6, connectedPortBitmap 7, sasAddr[2] 8).
func TestDecodePDList(t *testing.T) {
	b := raw(make([]byte, 1024))
	b.u32(0, 8+2*24)
	b.u32(4, 2)
	b.u16(8+0, 8)
	b.u16(8+2, 252)
	b.u8(8+4, 1)
	b.u8(8+5, 3)
	b.u8(8+7, 0x01)
	b.u64(8+8, 0x5000C500A1B2C3D4)
	b.u16(32+0, 252)
	b.u16(32+2, 0xFFFF)
	b.u8(32+6, 0x0D)
	b.u64(32+16, 0x500056B3F7FEA5FF)
	got, size, err := DecodePDList(b)
	if err != nil {
		t.Fatal(err)
	}
	want := []PDAddress{
		{DeviceID: 8, EnclosureID: 252, EnclosureIndex: 1, Slot: 3, PortBitmap: 1, SASAddress: [2]uint64{0x5000C500A1B2C3D4, 0}},
		{DeviceID: 252, EnclosureID: 0xFFFF, SCSIDevType: 0x0D, SASAddress: [2]uint64{0, 0x500056B3F7FEA5FF}},
	}
	if diff := cmp.Diff(want, got); diff != "" || size != 56 {
		t.Errorf("DecodePDList size %d (want 56), mismatch (-want +got):\n%s", size, diff)
	}
	if !got[0].IsDisk() || got[1].IsDisk() {
		t.Errorf("IsDisk = %v, %v; want true, false", got[0].IsDisk(), got[1].IsDisk())
	}

	b.u32(0, 8000) // more than the buffer: read again
	if got, size, err := DecodePDList(b); got != nil || size != 8000 || err != nil {
		t.Errorf("DecodePDList(size 8000 in 1024) = %v, %d, %v; want nil, 8000, nil", got, size, err)
	}
	b.u32(0, 1024)
	b.u32(4, 43) // 8 + 43*24 = 1040 > 1024
	if _, _, err := DecodePDList(b); !errors.Is(err, errShort) {
		t.Errorf("DecodePDList(43 entries in 1024) error = %v; want errShort", err)
	}
}

// TestDecodePDInfo decodes an MR_PD_INFO built from the kernel's field
// list (OpenBSD's mfi_pd_details has the same offsets).
func TestDecodePDInfo(t *testing.T) {
	b := raw(make([]byte, 512))
	b.u16(0, 8)
	b.u16(2, 3)
	b.u8(4+2, 0x06) // INQUIRY: version
	b.str(4+8, "ATA     SAMSUNG MZ7LH960HAJR-00005304Q")
	b.u8(165, 0)
	b.u32(168, 5)
	b.u32(172, 6)
	b.u32(176, 7)
	b.u16(184, 0x18)
	b.u16(188, 0x3002) // intf 3 (SATA), inVD
	b.u64(200, 0x4433221106000000)
	b.u64(208, 0)
	b.u64(232, 1875385008)
	b.u64(240, 1874336432)
	b.u64(248, 1874329600)
	b.u16(256, 252)
	b.u8(258, 1)
	b.u8(259, 3)
	got, err := DecodePDInfo(b)
	if err != nil {
		t.Fatal(err)
	}
	inq := make([]byte, 96)
	copy(inq, b[4:100])
	want := &PDInfo{
		DeviceID: 8, SeqNum: 3, Inquiry: inq, VPD83: make([]byte, 64), MediaErrors: 5, OtherErrors: 6, PredFail: 7,
		State: PDOnline, Interface: "SATA", SASAddress: [2]uint64{0x4433221106000000, 0},
		RawSectors: 1875385008, NonCoercedSectors: 1874336432, CoercedSectors: 1874329600,
		EnclosureID: 252, EnclosureIndex: 1, Slot: 3,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("DecodePDInfo mismatch (-want +got):\n%s", diff)
	}
	if got.Vendor() != "ATA" || got.Product() != "SAMSUNG MZ7LH960" || got.Revision() != "HAJR" {
		t.Errorf("Vendor, Product, Revision = %q, %q, %q; want ATA, SAMSUNG MZ7LH960, HAJR",
			got.Vendor(), got.Product(), got.Revision())
	}
	if got.RawBytes() != 1875385008*512 {
		t.Errorf("RawBytes = %d; want %d", got.RawBytes(), uint64(1875385008)*512)
	}
	for intf, name := range map[uint16]string{0: "unknown", 1: "parallel SCSI", 2: "SAS", 5: "NVMe", 9: "interface 9"} {
		b.u16(188, intf<<12)
		if got, _ := DecodePDInfo(b); got.Interface != name {
			t.Errorf("intf %d: Interface = %q; want %q", intf, got.Interface, name)
		}
	}
	if _, err := DecodePDInfo(b[:259]); !errors.Is(err, errShort) {
		t.Errorf("DecodePDInfo(259 bytes) error = %v; want errShort", err)
	}
}

// TestDecodeLDList decodes an MR_LD_LIST (ldCount 0, entries of 16 bytes
// from 8: targetId 0, seqNum 2, state 4, size 8).
func TestDecodeLDList(t *testing.T) {
	b := raw(make([]byte, LDListSize))
	b.u32(0, 2)
	b.u8(8, 0)
	b.u16(8+2, 1)
	b.u8(8+4, 3)
	b.u64(8+8, 3749707776)
	b.u8(24, 1)
	b.u8(24+4, 2)
	b.u64(24+8, 2048)
	got, err := DecodeLDList(b)
	if err != nil {
		t.Fatal(err)
	}
	want := []LDListEntry{
		{TargetID: 0, SeqNum: 1, State: LDOptimal, Sectors: 3749707776},
		{TargetID: 1, State: LDDegraded, Sectors: 2048},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("DecodeLDList mismatch (-want +got):\n%s", diff)
	}
	b.u32(0, 65)
	if _, err := DecodeLDList(b); !errors.Is(err, errShort) {
		t.Errorf("DecodeLDList(65 in a 64-entry buffer) error = %v; want errShort", err)
	}
}

// configRAID10 is a CFG_READ reply as real firmware lays it out (element
// sizes in the header): a RAID-10 of devices 8, 9 (array 0) and 10, 11
// (array 1) as target 0 named "data", and device 12 as a hot spare
// dedicated to both arrays.
func configRAID10() raw {
	const arS, ldS, spS = 288, 256, 40
	b := raw(make([]byte, 32+2*arS+ldS+spS))
	b.u32(0, uint32(len(b)))
	b.u16(4, 2)
	b.u16(6, arS)
	b.u16(8, 1)
	b.u16(10, ldS)
	b.u16(12, 1)
	b.u16(14, spS)
	for a, ids := range [][]uint16{{8, 9}, {10, 11}} {
		e := 32 + arS*a
		b.u64(e+0, 1874329600)
		b.u8(e+8, 2)
		b.u16(e+10, uint16(a))
		for j, id := range ids {
			m := e + 32 + 8*j
			b.u16(m+0, id)
			b.u16(m+4, 0x18)
			b.u8(m+6, 1)
			b.u8(m+7, uint8(id-8))
		}
	}
	ld := 32 + 2*arS
	b.u8(ld+0, 0)
	b.str(ld+4, "data")
	b.u8(ld+32, 0x01) // DDF RAID-1
	b.u8(ld+34, 0x03) // spanned
	b.u8(ld+35, 7)
	b.u8(ld+36, 2)
	b.u8(ld+37, 2)
	b.u8(ld+38, 3)
	for j := range 2 {
		s := ld + 64 + 24*j
		b.u64(s+8, 1874329600)
		b.u16(s+16, uint16(j))
	}
	sp := ld + ldS
	b.u16(sp+0, 12)
	b.u8(sp+4, 0x01)
	b.u8(sp+7, 2)
	b.u16(sp+8, 0)
	b.u16(sp+10, 1)
	return b
}

func TestDecodeConfig(t *testing.T) {
	got, err := DecodeConfig(configRAID10())
	if err != nil {
		t.Fatal(err)
	}
	member := func(id uint16) ArrayMember {
		return ArrayMember{DeviceID: id, State: PDOnline, Enclosure: 1, Slot: uint8(id - 8)}
	}
	want := &Config{
		Arrays: []Array{
			{Ref: 0, Sectors: 1874329600, Members: []ArrayMember{member(8), member(9)}},
			{Ref: 1, Sectors: 1874329600, Members: []ArrayMember{member(10), member(11)}},
		},
		LDs: []LDConfig{{
			TargetID: 0, Name: "data", PrimaryRAID: 1, SecondaryRAID: 3, StripeSize: 7, DrivesPerSpan: 2,
			State: LDOptimal, Spans: []Span{{Blocks: 1874329600, ArrayRef: 0}, {Blocks: 1874329600, ArrayRef: 1}},
		}},
		Spares: []Spare{{DeviceID: 12, Dedicated: true, Arrays: []uint16{0, 1}}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("DecodeConfig mismatch (-want +got):\n%s", diff)
	}
	if m, ok := got.Members(0); !ok || !cmp.Equal(m, []uint16{8, 9, 10, 11}) {
		t.Errorf("Members(0) = %v, %v; want [8 9 10 11], true", m, ok)
	}
	if _, ok := got.Members(1); ok {
		t.Errorf("Members(1) ok = true; want false")
	}
	if hs := got.HotSpares(); !cmp.Equal(hs, []uint16{12}) {
		t.Errorf("HotSpares = %v; want [12]", hs)
	}
	if got.LDs[0].RAIDLevel() != "RAID-10" {
		t.Errorf("RAIDLevel = %q; want RAID-10", got.LDs[0].RAIDLevel())
	}
}

// TestDecodeConfigQEMU decodes the reply QEMU's megasas_dcmd_cfg_read
// writes for two disks: one array and one RAID-0 logical drive per disk,
// array_size and log_drv_size holding the totals (2*288, 2*256), no
// spares but spares_size 40, and size = 32 + 576 + 512.
func TestDecodeConfigQEMU(t *testing.T) {
	b := raw(make([]byte, 4096))
	b.u32(0, 32+576+512)
	b.u16(4, 2)
	b.u16(6, 576)
	b.u16(8, 2)
	b.u16(10, 512)
	b.u16(14, 40)
	for i, id := range []uint16{0x0000, 0x0100} {
		a := 32 + 288*i
		b.u64(a, 2048)
		b.u8(a+8, 1)
		b.u16(a+10, id)
		b.u16(a+32, id)
		b.u16(a+32+4, 0x18)
		b.u8(a+32+6, 0xFF)
		b.u8(a+32+7, uint8(id>>8))
		for j := 1; j < 32; j++ {
			b.u16(a+32+8*j, 0xFFFF)
		}
		l := 32 + 576 + 256*i
		b.u8(l, uint8(id>>8))
		b.u8(l+36, 1)
		b.u8(l+37, 1)
		b.u8(l+38, 3)
		b.u64(l+64+8, 2048)
		b.u16(l+64+16, id)
	}
	got, err := DecodeConfig(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Arrays) != 2 || len(got.LDs) != 2 || len(got.Spares) != 0 {
		t.Fatalf("DecodeConfig = %d arrays, %d LDs, %d spares; want 2, 2, 0", len(got.Arrays), len(got.LDs), len(got.Spares))
	}
	for target, want := range map[uint8][]uint16{0: {0x0000}, 1: {0x0100}} {
		if m, ok := got.Members(target); !ok || !cmp.Equal(m, want) {
			t.Errorf("Members(%d) = %v, %v; want %v", target, m, ok, want)
		}
	}
	if got.LDs[1].RAIDLevel() != "RAID-0" || got.Arrays[1].Members[0].Slot != 1 {
		t.Errorf("second LD %+v, array %+v", got.LDs[1], got.Arrays[1])
	}
}

func TestDecodeConfigRejects(t *testing.T) {
	good := configRAID10()
	tooSmall := append(raw(nil), good...)
	tooSmall.u16(6, 16) // array element smaller than its fixed part
	tests := []struct {
		name string
		b    []byte
	}{
		{"no header", good[:31]},
		{"size beyond the buffer", good[:len(good)-1]},
		{"element too small", tooSmall},
	}
	for _, tc := range tests {
		if _, err := DecodeConfig(tc.b); err == nil {
			t.Errorf("%s: DecodeConfig error = nil; want an error", tc.name)
		}
	}
	if ConfigSize(good) != uint32(len(good)) || ConfigSize(good[:8]) != 0 {
		t.Errorf("ConfigSize = %d, %d; want %d, 0", ConfigSize(good), ConfigSize(good[:8]), len(good))
	}
}

// TestRAIDLevel names SNIA DDF primary/secondary levels as mfiutil's
// mfi_raid_level does.
func TestRAIDLevel(t *testing.T) {
	tests := []struct {
		primary, secondary uint8
		want               string
	}{
		{0x00, 0, "RAID-0"}, {0x01, 0, "RAID-1"}, {0x01, 3, "RAID-10"}, {0x03, 0, "RAID-3"},
		{0x05, 0, "RAID-5"}, {0x05, 3, "RAID-50"}, {0x06, 0, "RAID-6"}, {0x06, 3, "RAID-60"},
		{0x16, 0, "RAID-6"}, {0x11, 0, "RAID-1E"}, {0x15, 0, "RAID-5E"}, {0x25, 0, "RAID-5EE"},
		{0x0F, 0, "JBOD"}, {0x1F, 0, "CONCAT"}, {0x42, 0, "level 0x42"},
	}
	for _, tc := range tests {
		l := LDConfig{PrimaryRAID: tc.primary, SecondaryRAID: tc.secondary}
		if got := l.RAIDLevel(); got != tc.want {
			t.Errorf("RAIDLevel(%#x, %d) = %q; want %q", tc.primary, tc.secondary, got, tc.want)
		}
	}
}

func TestStateStrings(t *testing.T) {
	pd := map[PDState]string{
		0x00: "unconfigured good", 0x01: "unconfigured bad", 0x02: "hot spare", 0x10: "offline",
		0x11: "failed", 0x14: "rebuilding", 0x18: "online (RAID member)", 0x20: "copyback",
		0x40: "JBOD", 0x99: "state 0x99",
	}
	for s, want := range pd {
		if got := s.String(); got != want {
			t.Errorf("PDState(%#x) = %q; want %q", uint16(s), got, want)
		}
	}
	ld := map[LDState]string{0: "offline", 1: "partially degraded", 2: "degraded", 3: "optimal", 9: "state 9"}
	for s, want := range ld {
		if got := s.String(); got != want {
			t.Errorf("LDState(%d) = %q; want %q", s, got, want)
		}
	}
}

func TestHosts(t *testing.T) {
	sys := fstest.MapFS{
		"class/scsi_host/host0/proc_name":  {Data: []byte("ahci\n")},
		"class/scsi_host/host10/proc_name": {Data: []byte("megaraid_sas\n")},
		"class/scsi_host/host2/proc_name":  {Data: []byte("megaraid_sas\n")},
		"class/scsi_host/host3/proc_name":  {Data: []byte("megaraid_sas_x\n")},
		"class/scsi_host/hostX/proc_name":  {Data: []byte("megaraid_sas\n")},
		"class/scsi_host/host4/unique_id":  {Data: []byte("4\n")},
	}
	got, err := Hosts(sys)
	if err != nil || !cmp.Equal(got, []uint16{2, 10}) {
		t.Errorf("Hosts = %v, %v; want [2 10], nil", got, err)
	}
	if got, err := Hosts(fstest.MapFS{}); got != nil || err != nil {
		t.Errorf("Hosts(no scsi_host) = %v, %v; want nil, nil", got, err)
	}
}

func TestSenseBytes(t *testing.T) {
	fixed := make([]byte, 96)
	copy(fixed, []byte{0x70, 0, 0x05, 0, 0, 0, 0, 0x0A, 0, 0, 0, 0, 0x20, 0x00})
	desc := make([]byte, 96)
	copy(desc, []byte{0x72, 0x05, 0x24, 0x00, 0, 0, 0, 0x0E})
	tests := []struct {
		name string
		b    []byte
		n    int
	}{
		{"fixed", fixed, 18},
		{"descriptor", desc, 22},
		{"none", make([]byte, 96), 0},
		{"short buffer", []byte{0x70, 0, 5}, 0},
		{"length past the buffer", append([]byte{0xF0, 0, 5, 0, 0, 0, 0, 0xFF}, make([]byte, 4)...), 12},
	}
	for _, tc := range tests {
		if got := senseBytes(tc.b); len(got) != tc.n {
			t.Errorf("%s: senseBytes = % x (%d bytes); want %d bytes", tc.name, got, len(got), tc.n)
		}
	}
}

// TestPDInfoNAA decodes the WWN from the 64 bytes of VPD page 83h the
// firmware keeps in MR_PD_INFO (offset 100), written by hand: an NAA
// designator (binary, LU association, type 3, 8 bytes 5000c500a1b2c3d4)
// after a T10 vendor designator, the page cut at 64 bytes.
func TestPDInfoNAA(t *testing.T) {
	b := make([]byte, PDInfoSize)
	page := []byte{0x00, 0x83, 0x00, 0x50, // page length 80: longer than the 60 bytes kept
		0x02, 0x01, 0x00, 0x10, 'S', 'E', 'A', 'G', 'A', 'T', 'E', ' ', 'Z', '1', 'X', '2', 'Y', '3', 'W', '4',
		0x01, 0x03, 0x00, 0x08, 0x50, 0x00, 0xC5, 0x00, 0xA1, 0xB2, 0xC3, 0xD4}
	copy(b[100:], page)
	p, err := DecodePDInfo(b)
	if err != nil {
		t.Fatal(err)
	}
	if got := p.NAA(); got != "5000c500a1b2c3d4" {
		t.Fatalf("NAA() = %q; want 5000c500a1b2c3d4", got)
	}
	p.VPD83 = make([]byte, 64) // QEMU: no page
	if got := p.NAA(); got != "" {
		t.Fatalf("NAA() of an empty page = %q; want \"\"", got)
	}
}
