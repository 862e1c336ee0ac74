package scsi

import (
	"encoding/hex"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestRealDeviceIdentification decodes Device Identification VPD pages from
// a SAS disk, a SATL and Linux's scsi_debug (testdata/README.md). Each
// designator header is read by hand with SPC-4 7.8.6.1 (byte 0 bits 3:0
// code set, byte 1 bits 5:4 association and 3:0 type, byte 3 length); the
// sg3_utils README's sg_vpd decoding is the oracle for the SAS disk.
func TestRealDeviceIdentification(t *testing.T) {
	tests := []struct {
		file string
		want []Designator
		naa  string
	}{
		{"seagate-sas-vpd83.txt", []Designator{
			// 01 03 00 08: binary, LU, NAA -> sg_vpd "0x5000c5003011cb2b".
			{CodeSet: 1, Association: 0, Type: 3, Value: unhex(t, "5000c5003011cb2b")},
			// 61 93 00 08: SAS (6), PIV, target port, NAA -> "0x5000c5003011cb29".
			{CodeSet: 1, Association: 1, Type: 3, Value: unhex(t, "5000c5003011cb29")},
			// 61 94 00 04: target port, relative target port -> "0x1".
			{CodeSet: 1, Association: 1, Type: 4, Value: unhex(t, "00000001")},
			// 61 a3 00 08: target device, NAA -> "0x5000c5003011cb28".
			{CodeSet: 1, Association: 2, Type: 3, Value: unhex(t, "5000c5003011cb28")},
			// 03 28 00 18: UTF-8, target device, SCSI name string (NUL padded).
			{CodeSet: 3, Association: 2, Type: 8, Value: append([]byte("naa.5000C5003011CB28"), 0, 0, 0, 0)},
		}, "5000c5003011cb2b"},
		{"sk-hynix-sc311-satl-vpd83.txt", []Designator{
			// 02 01 00 44: ASCII, LU, T10 vendor ID, 68 bytes: "ATA     " + model (40) + serial (20).
			{CodeSet: 2, Association: 0, Type: 1, Value: []byte("ATA     SK hynix SC311 SATA 256GB               MJ78N707311609142   ")},
		}, ""},
		{"scsi-debug-vpd83.txt", []Designator{
			{CodeSet: 2, Association: 0, Type: 1, Value: []byte("Linux   scsi_debug      2000")},
			{CodeSet: 1, Association: 0, Type: 3, Value: unhex(t, "33333330000007d0")},
			{CodeSet: 1, Association: 1, Type: 4, Value: unhex(t, "00000001")},
			{CodeSet: 1, Association: 1, Type: 3, Value: unhex(t, "32222220000007ce")},
			{CodeSet: 1, Association: 1, Type: 5, Value: unhex(t, "00000100")},
			{CodeSet: 1, Association: 2, Type: 3, Value: unhex(t, "32222220000007cd")},
			{CodeSet: 3, Association: 2, Type: 8, Value: append([]byte("naa.32222220000007CD"), 0, 0, 0, 0)},
		}, "33333330000007d0"},
	}
	for _, tc := range tests {
		ds, err := DecodeDeviceIdentification(readHexDump(t, "testdata/"+tc.file))
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		if diff := cmp.Diff(tc.want, ds); diff != "" {
			t.Errorf("DecodeDeviceIdentification(%s) mismatch (-want +got):\n%s", tc.file, diff)
		}
		if got := NAA(ds); got != tc.naa {
			t.Errorf("NAA(%s) = %q; want %q", tc.file, got, tc.naa)
		}
	}
	// The SATL's T10 designator as text (what sysfs shows after "t10.").
	ds, _ := DecodeDeviceIdentification(readHexDump(t, "testdata/sk-hynix-sc311-satl-vpd83.txt"))
	if got := ds[0].String(); got != "ATA     SK hynix SC311 SATA 256GB               MJ78N707311609142" {
		t.Errorf("T10 designator String() = %q", got)
	}
}

// TestRealSupportedPagesAndSerial decodes VPD 00h and 80h from a SATL and
// from scsi_debug. The SATL's buffer carries stale bytes after the page
// length (08h) that must not be read as page codes.
func TestRealSupportedPagesAndSerial(t *testing.T) {
	for _, tc := range []struct {
		file string
		want []byte
	}{
		{"samsung-mz7kh480-satl-vpd00.txt", []byte{0x00, 0x80, 0x83, 0x87, 0x89, 0xb0, 0xb1, 0xb2}},
		{"scsi-debug-vpd00.txt", []byte{0x00, 0x80, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0xb0, 0xb1, 0xb2}},
	} {
		raw := readHexDump(t, "testdata/"+tc.file)
		got, err := DecodeSupportedPages(raw)
		if err != nil || !cmp.Equal(got, tc.want) {
			t.Errorf("DecodeSupportedPages(%s, %d bytes) = % x, %v; want % x", tc.file, len(raw), got, err, tc.want)
		}
	}
	for _, tc := range []struct{ file, want string }{
		// Page length 14h: six spaces then the serial (the ATA serial as the SATL copies it).
		{"samsung-mz7kh480-satl-vpd80.txt", "S47GNA0M816130"},
		{"scsi-debug-vpd80.txt", "2000"},
	} {
		got, err := DecodeUnitSerial(readHexDump(t, "testdata/"+tc.file))
		if err != nil || got != tc.want {
			t.Errorf("DecodeUnitSerial(%s) = %q, %v; want %q", tc.file, got, err, tc.want)
		}
	}
}

// TestRealBlockCharacteristics decodes scsi_debug's B1h page (SBC-4
// 6.6.2): bytes 4-5 MEDIUM ROTATION RATE 0001h, byte 7 bits 3:0 NOMINAL
// FORM FACTOR 5h (less than 1.8 inch).
func TestRealBlockCharacteristics(t *testing.T) {
	bc, err := DecodeBlockCharacteristics(readHexDump(t, "testdata/scsi-debug-vpdb1.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if bc.RotationRate != 1 || !bc.SolidState() || bc.Rotating() || bc.FormFactor != 5 {
		t.Errorf("B1h = %+v (solid state %v); want rotation 1, solid state, form factor 5", *bc, bc.SolidState())
	}
}

// TestRealATAInformation decodes scsi_debug's ATA Information page (89h;
// SAT-3 12.4.2): bytes 8-15 SAT VENDOR IDENTIFICATION "linux   ", 16-31
// SAT PRODUCT IDENTIFICATION "SAT scsi_debug  ", 32-35 SAT PRODUCT REVISION
// LEVEL "1234", 36-55 the device signature (a register D2H FIS: 34h, then
// byte 4 = 01h and byte 12 = 01h, the rest zero), byte 56 COMMAND CODE ECh
// (IDENTIFY DEVICE), 60-571 the IDENTIFY data, whose word 0 is 0C5Ah and
// word 255 51A5h (signature A5h; the 512 bytes sum to zero).
func TestRealATAInformation(t *testing.T) {
	info, err := DecodeATAInformation(readHexDump(t, "testdata/scsi-debug-vpd89.txt"))
	if err != nil {
		t.Fatal(err)
	}
	sig := make([]byte, 20)
	sig[0], sig[4], sig[12] = 0x34, 0x01, 0x01
	if info.SATVendor != "linux" || info.SATProduct != "SAT scsi_debug" || info.SATRevision != "1234" ||
		!cmp.Equal(info.Signature, sig) || info.CommandCode != 0xEC || len(info.Identify) != 512 {
		t.Fatalf("DecodeATAInformation = %+v", info)
	}
	var sum byte
	for _, c := range info.Identify {
		sum += c
	}
	if info.Identify[0] != 0x5a || info.Identify[1] != 0x0c || info.Identify[510] != 0xa5 || info.Identify[511] != 0x51 || sum != 0 {
		t.Errorf("IDENTIFY word 0 = %02x%02x, word 255 = %02x%02x, sum %#x; want 0c5a, 51a5, 0",
			info.Identify[1], info.Identify[0], info.Identify[511], info.Identify[510], sum)
	}
}
