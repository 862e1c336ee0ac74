package scsi

import (
	"bytes"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestCDBs checks the builders against CDBs written by hand from the
// command tables of SPC-4 / SBC-4 (and the way sg3_utils' sg_inq,
// sg_readcap, sg_requests, sg_sanitize, sg_format, sg_logs and sg_opcodes
// fill them).
func TestCDBs(t *testing.T) {
	tests := []struct {
		name string
		got  []byte
		want string
	}{
		{"TEST UNIT READY", TestUnitReadyCDB(), "00 00 00 00 00 00"},
		{"INQUIRY standard", InquiryCDB(false, 0, 96), "12 00 00 00 60 00"},
		{"INQUIRY VPD 83h", InquiryCDB(true, 0x83, 1024), "12 01 83 04 00 00"},
		{"INQUIRY VPD 89h", InquiryCDB(true, 0x89, 572), "12 01 89 02 3C 00"},
		{"READ CAPACITY(16)", ReadCapacity16CDB(32), "9E 10 00 00 00 00 00 00 00 00 00 00 00 20 00 00"},
		{"REQUEST SENSE fixed", RequestSenseCDB(false, 252), "03 00 00 00 FC 00"},
		{"REQUEST SENSE descriptor", RequestSenseCDB(true, 252), "03 01 00 00 FC 00"},
		{"SANITIZE BLOCK ERASE IMMED", SanitizeCDB(SanitizeBlockErase, true, false, false, 0), "48 82 00 00 00 00 00 00 00 00"},
		{"SANITIZE CRYPTO IMMED AUSE", SanitizeCDB(SanitizeCryptoErase, true, false, true, 0), "48 A3 00 00 00 00 00 00 00 00"},
		{"SANITIZE OVERWRITE IMMED ZNR", SanitizeCDB(SanitizeOverwrite, true, true, false, 8), "48 C1 00 00 00 00 00 00 08 00"},
		{"SANITIZE EXIT FAILURE MODE", SanitizeCDB(SanitizeExitFailureMode, false, false, false, 0), "48 1F 00 00 00 00 00 00 00 00"},
		{"FORMAT UNIT FMTDATA", FormatUnitCDB(true), "04 10 00 00 00 00"},
		{"FORMAT UNIT no data", FormatUnitCDB(false), "04 00 00 00 00 00"},
		{"FORMAT short header IMMED", FormatUnitShortHeader(true), "00 02 00 00"},
		{"LOG SENSE 0Dh", LogSenseCDB(0x0D, 0, 4096), "4D 00 4D 00 00 00 00 10 00 00"},
		{"LOG SENSE 2Fh", LogSenseCDB(0x2F, 0, 252), "4D 00 6F 00 00 00 00 00 FC 00"},
		{"RSOC 48h/02h RCTD", ReportOpcodeCDB(0x48, 2, true, true, 64), "A3 0C 82 48 00 02 00 00 00 40 00 00"},
		{"RSOC 04h", ReportOpcodeCDB(0x04, 0, false, false, 64), "A3 0C 01 04 00 00 00 00 00 40 00 00"},
	}
	for _, tc := range tests {
		if want := hexBytes(t, tc.want); !bytes.Equal(tc.got, want) {
			t.Errorf("%s = % X; want % X", tc.name, tc.got, want)
		}
	}
}

// TestSanitizeOverwriteParams: SBC-4 table "OVERWRITE service action
// parameter list": byte 0 INVERT(7) | OVERWRITE COUNT(4:0), bytes 2–3
// pattern length, pattern.
func TestSanitizeOverwriteParams(t *testing.T) {
	p, err := SanitizeOverwriteParams(3, true, []byte{0xDE, 0xAD, 0xBE, 0xEF})
	if err != nil {
		t.Fatal(err)
	}
	if want := hexBytes(t, "83 00 00 04 DE AD BE EF"); !bytes.Equal(p, want) {
		t.Errorf("SanitizeOverwriteParams(3, invert, DEADBEEF) = % X; want % X", p, want)
	}
	for _, bad := range []struct {
		passes int
		pat    []byte
	}{{0, []byte{0}}, {32, []byte{0}}, {1, nil}} {
		if _, err := SanitizeOverwriteParams(bad.passes, false, bad.pat); err == nil {
			t.Errorf("SanitizeOverwriteParams(%d, %d bytes) error = nil; want an error", bad.passes, len(bad.pat))
		}
	}
}

// TestDecodeCapacity16 rebuilds READ CAPACITY(16) data from an sg_readcap
// report of a WD 8 TB USB drive posted to linux-usb (2019-08): "Last
// LBA=15628052479 (0x3a38127ff) ... Logical block length=512 bytes ...
// Logical blocks per physical block exponent=3 ... Device size:
// 8001562869760 bytes". The bytes follow SBC-4 table 124.
func TestDecodeCapacity16(t *testing.T) {
	b := hexBytes(t, "00 00 00 03 A3 81 27 FF 00 00 02 00 00 03 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00")
	c, err := DecodeCapacity16(b)
	if err != nil {
		t.Fatal(err)
	}
	if c.LastLBA != 15628052479 || c.LogicalBlockSize != 512 || c.PhysicalBlockSize() != 4096 || c.Bytes() != 8001562869760 {
		t.Errorf("DecodeCapacity16() = %+v (bytes %d, phys %d); want last LBA 15628052479, 512/4096, 8001562869760 bytes",
			c, c.Bytes(), c.PhysicalBlockSize())
	}
	// Flags: PROT_EN with P_TYPE 1 (type 2), LBPME, LBPRZ, lowest aligned 7.
	b2 := hexBytes(t, "00 00 00 00 00 00 0F FF 00 00 10 00 03 00 C0 07")
	c2, err := DecodeCapacity16(b2)
	if err != nil {
		t.Fatal(err)
	}
	want := Capacity{LastLBA: 4095, LogicalBlockSize: 4096, ProtectionType: 2, LogicalPerPhys: 1, LBPME: true, LBPRZ: true, LowestAlignedLBA: 7}
	if diff := cmp.Diff(want, *c2); diff != "" {
		t.Errorf("DecodeCapacity16(flags) mismatch (-want +got):\n%s", diff)
	}
	if _, err := DecodeCapacity16(make([]byte, 16)); err == nil {
		t.Errorf("DecodeCapacity16(zero block length) error = nil; want an error")
	}
}

// TestDecodeVPD83Real decodes two real Device Identification pages
// (testdata/README). Expected designators are read off the dumps by hand
// with SPC-4 table 588 (byte 0 protocol/code set, byte 1 PIV/association/
// type, byte 3 length).
func TestDecodeVPD83Real(t *testing.T) {
	ds, err := DecodeDeviceIdentification(readHexDump(t, "testdata/vpd83-scst.txt"))
	if err != nil {
		t.Fatal(err)
	}
	want := []Designator{
		{CodeSet: 2, Association: 0, Type: 1, Value: []byte("SCST_BIO509f7d73-vg1")},
		{CodeSet: 1, Association: 1, Type: 4, Value: []byte{0, 0, 0, 1}},
		{CodeSet: 1, Association: 1, Type: 5, Value: []byte{0, 0, 0, 1}},
		{CodeSet: 1, Association: 0, Type: 2, Value: []byte("509f7d73")},
	}
	if diff := cmp.Diff(want, ds); diff != "" {
		t.Errorf("DecodeDeviceIdentification(SCST) mismatch (-want +got):\n%s", diff)
	}
	if got := ds[0].String(); got != "SCST_BIO509f7d73-vg1" {
		t.Errorf("T10 vendor designator String() = %q", got)
	}

	ds, err = DecodeDeviceIdentification(readHexDump(t, "testdata/vpd83-array-naa.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 6 {
		t.Fatalf("array page: %d designators; want 6", len(ds))
	}
	if got := NAA(ds); got != "600c0ff00029a5f56e7bfe5f01000000" {
		t.Errorf("NAA() = %q; want the logical-unit NAA 600c0ff00029a5f56e7bfe5f01000000", got)
	}
	// The SAS target port designator: protocol 6, PIV, association 1, NAA.
	if d := ds[4]; d.Association != 1 || d.Type != 3 || d.String() != "500c0ff3beed4000" {
		t.Errorf("designator 5 = %+v; want target-port NAA 500c0ff3beed4000", d)
	}
}

// TestDecodeVPDPages decodes pages written by hand from SBC-4 / SAT-3.
func TestDecodeVPDPages(t *testing.T) {
	pages, err := DecodeSupportedPages(hexBytes(t, "00 00 00 05 00 80 83 89 B1"))
	if err != nil || !bytes.Equal(pages, []byte{0x00, 0x80, 0x83, 0x89, 0xB1}) {
		t.Errorf("DecodeSupportedPages() = % x, %v", pages, err)
	}
	sn, err := DecodeUnitSerial(hexBytes(t, "00 80 00 0A 20 20 53 4E 31 32 33 34 20 00"))
	if err != nil || sn != "SN1234" {
		t.Errorf("DecodeUnitSerial() = %q, %v; want SN1234", sn, err)
	}
	// B1h: 7200 rpm (1C20h), form factor 2 (3.5") — what sg_vpd printed for
	// the pve1 disk "Nominal rotation rate: 7200 rpm, 3.5 inch".
	bc, err := DecodeBlockCharacteristics(hexBytes(t, "00 B1 00 3C 1C 20 00 02 00 00 00 00"))
	if err != nil || bc.RotationRate != 7200 || bc.FormFactor != 2 || !bc.Rotating() || bc.SolidState() {
		t.Errorf("DecodeBlockCharacteristics(HDD) = %+v, %v", bc, err)
	}
	bc, _ = DecodeBlockCharacteristics(hexBytes(t, "00 B1 00 3C 00 01 00 03"))
	if !bc.SolidState() || bc.Rotating() || bc.FormFactor != 3 {
		t.Errorf("DecodeBlockCharacteristics(SSD) = %+v; want solid state, 2.5\"", bc)
	}
	if _, err := DecodeBlockCharacteristics(hexBytes(t, "00 B0 00 3C 00 01 00 03")); err == nil {
		t.Errorf("DecodeBlockCharacteristics(page B0h) error = nil; want a page mismatch error")
	}
	// Truncated by the allocation length: decode what came.
	pages, err = DecodeSupportedPages(hexBytes(t, "00 00 00 08 00 80"))
	if err != nil || len(pages) != 2 {
		t.Errorf("DecodeSupportedPages(truncated) = % x, %v; want 2 pages", pages, err)
	}
}

// TestDecodeATAInformation lays out VPD 89h by hand (SAT-3 table 12.4.2;
// libata ata_scsiop_inq_89 fills the same bytes).
func TestDecodeATAInformation(t *testing.T) {
	b := make([]byte, 572)
	copy(b, hexBytes(t, "00 89 02 38"))
	copy(b[8:], "linux   libata          3.00")
	b[36], b[56] = 0x34, 0xEC
	for i := 0; i < 512; i++ {
		b[60+i] = byte(i)
	}
	info, err := DecodeATAInformation(b)
	if err != nil {
		t.Fatal(err)
	}
	if info.SATVendor != "linux" || info.SATProduct != "libata" || info.SATRevision != "3.00" || info.CommandCode != 0xEC || info.Signature[0] != 0x34 {
		t.Errorf("DecodeATAInformation() = %+v", info)
	}
	if len(info.Identify) != 512 || info.Identify[0] != 0 || info.Identify[511] != 0xFF {
		t.Errorf("IDENTIFY data not taken from bytes 60-571")
	}
	if _, err := DecodeATAInformation(b[:300]); err == nil {
		t.Errorf("DecodeATAInformation(short) error = nil")
	}
}

func TestDecodeInquiry(t *testing.T) {
	b := make([]byte, 36)
	b[0], b[1], b[2] = 0x00, 0x80, 0x06
	copy(b[8:], "SEAGATE ST4000NM0023    0004")
	inq, err := DecodeInquiry(b)
	if err != nil {
		t.Fatal(err)
	}
	want := Inquiry{DeviceType: 0, Removable: true, Version: 6, Vendor: "SEAGATE", Product: "ST4000NM0023", Revision: "0004"}
	if *inq != want {
		t.Errorf("DecodeInquiry() = %+v; want %+v", *inq, want)
	}
}

// TestDecodeOpcodeSupport: one-command RSOC data (SPC-4 table 227/230; the
// Linux target's spc_rsoc_encode_one_command_descriptor writes the same).
func TestDecodeOpcodeSupport(t *testing.T) {
	b := hexBytes(t, "00 83 00 0A 48 FF 00 00 00 00 00 FF FF 07 00 0A 00 00 00 00 00 3C 00 00 0E 10")
	o, err := DecodeOpcodeSupport(b)
	if err != nil {
		t.Fatal(err)
	}
	if !o.Supported() || o.CDBSize != 10 || !o.HasTimeouts || o.NominalSeconds != 60 || o.RecommendedSeconds != 3600 {
		t.Errorf("DecodeOpcodeSupport() = %+v; want supported, 10-byte CDB, 60 s / 3600 s", o)
	}
	o, _ = DecodeOpcodeSupport(hexBytes(t, "00 01"))
	if o.Supported() || o.Support != 1 {
		t.Errorf("DecodeOpcodeSupport(not supported) = %+v", o)
	}
}

// TestDecodeLogPage: temperature page 0Dh laid out by hand (SPC-4 7.3.21):
// parameter 0000h temperature 40 °C, 0001h reference 65 °C.
func TestDecodeLogPage(t *testing.T) {
	lp, err := DecodeLogPage(hexBytes(t, "0D 00 00 0C 00 00 03 02 00 28 00 01 03 02 00 41"))
	if err != nil {
		t.Fatal(err)
	}
	if lp.Page != 0x0D || len(lp.Params) != 2 {
		t.Fatalf("DecodeLogPage() = %+v; want page 0Dh with 2 parameters", lp)
	}
	p, ok := lp.Param(0)
	if v, _ := p.Uint(); !ok || v != 0x0028 {
		t.Errorf("parameter 0 = %+v; want 0028h", p)
	}
	if _, err := DecodeLogPage(hexBytes(t, "0D 00 00 06 00 00 03 09 00 28")); err == nil {
		t.Errorf("DecodeLogPage(overrun) error = nil")
	}
}

func TestSeconds16(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want uint16
	}{
		{time.Nanosecond, 1},
		{time.Second, 1},
		{1500 * time.Millisecond, 2},
		{30 * time.Second, 30},
		{18 * time.Hour, 64800},
		{18*time.Hour + 12*time.Minute + 15*time.Second, 0xFFFF}, // 65535 s
		{19 * time.Hour, 0xFFFF},                                 // 68400 s: capped, never wrapped to 0
		{100 * time.Hour, 0xFFFF},
	} {
		if got := Seconds16(tc.d); got != tc.want {
			t.Errorf("Seconds16(%v) = %d; want %d", tc.d, got, tc.want)
		}
	}
}
