package ata

import (
	"encoding/binary"
	"os"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// readWordDump reads a whole IDENTIFY word dump (hdparm --Istdout, or
// CrystalDiskInfo's table) through ParseWordDump and returns the 512 bytes
// as the drive sent them.
func readWordDump(t *testing.T, path string) []byte {
	t.Helper()
	b, words := readWordDumpHead(t, path)
	if words != 256 {
		t.Fatalf("%s: %d words; want 256", path, words)
	}
	return b
}

// readWordDumpHead reads a word dump that may hold only the published
// first words; the rest of the 512 bytes are zero.
func readWordDumpHead(t *testing.T, path string) ([]byte, int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, words, err := ParseWordDump(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return b, words
}

// readByteDump reads a 512-byte dump printed as rows "NNN: xx xx ...".
func readByteDump(t *testing.T, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out, err := ParseByteDump(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if len(out) != 512 {
		t.Fatalf("%s: %d bytes; want 512", path, len(out))
	}
	return out
}

// TestDecodeIdentifySamsung870QVO checks the decoder on a real Samsung SSD
// 870 QVO 4TB IDENTIFY dump (testdata/README). Expected identity values are
// CrystalDiskInfo's own decoding printed in the same report (model,
// firmware, serial, "# of Sectors : 7814037168", "Rotation Rate : ---- (SSD)",
// TRIM); the remaining fields are decoded by hand from the words and ACS-3.
func TestDecodeIdentifySamsung870QVO(t *testing.T) {
	id, err := DecodeIdentify(readWordDump(t, "testdata/samsung-870qvo-4tb.identify.txt"))
	if err != nil {
		t.Fatal(err)
	}
	type view struct {
		Model, Serial, Firmware         string
		ChecksumPresent, ChecksumValid  bool
		Sectors, Sectors28              uint64
		LBA48                           bool
		Logical, Physical               int
		Class                           string
		TRIM, DRAT, RZAT                bool
		SMARTSupported, SMARTEnabled    bool
		HPASupported, DCOSupported, AMA bool
		WWN                             string
		Security                        SecurityInfo
		Sanitize                        SanitizeInfo
	}
	got := view{id.Model, id.Serial, id.Firmware, id.ChecksumPresent, id.ChecksumValid, id.Sectors(), uint64(id.Sectors28),
		id.LBA48, id.LogicalSectorSize, id.PhysicalSectorSize, id.Class(), id.TRIM, id.DRAT, id.RZAT,
		id.SMARTSupported, id.SMARTEnabled, id.HPASupported, id.DCOSupported, id.AMASupported, id.WWN, id.Security, id.Sanitize}
	want := view{
		Model: "Samsung SSD 870 QVO 4TB", Serial: "S5STNF0W706332M", Firmware: "SVQ02B6Q",
		ChecksumPresent: true, ChecksumValid: true,
		// Words 100-103 = BEB0 D1C0 0001 0000 -> 0x1D1C0BEB0 = 7814037168.
		Sectors: 7814037168, Sectors28: 0x0FFFFFFF, LBA48: true,
		// Word 106 = 4000: valid, one logical per physical, 512 bytes.
		Logical: 512, Physical: 512, Class: "SSD",
		// Word 169 = 0001 (TRIM); word 69 = 4F30: bit 14 DRAT, bit 5 RZAT, bit 4 encrypts.
		TRIM: true, DRAT: true, RZAT: true,
		// Word 82 = 746B: bit 0 SMART, bit 1 security, bit 10 HPA; word 85 = 7469.
		SMARTSupported: true, SMARTEnabled: true, HPASupported: true,
		// Word 83 = 7D01: bit 11 DCO supported; word 119 = 401E: bit 8 clear.
		DCOSupported: true, AMA: false,
		// Word 84 = 4163 bit 8: WWN words 108-111 = 5002 538F 4372 DD3A.
		WWN: "5002538f4372dd3a",
		// Word 128 = 0029: supported, frozen, enhanced erase; words 89/90 =
		// 0002/0004 -> 4 and 8 minutes; word 92 = FFFE.
		Security: SecurityInfo{Supported: true, Frozen: true, EnhancedEraseSupported: true,
			EraseTime: 4 * time.Minute, EnhancedEraseTime: 8 * time.Minute, MasterPasswordID: 0xFFFE},
		// Word 59 = 0101: no Sanitize feature set.
		Sanitize: SanitizeInfo{},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("DecodeIdentify(Samsung 870 QVO) mismatch (-want +got):\n%s", diff)
	}
	if !id.EncryptsAllUserData {
		t.Errorf("EncryptsAllUserData = false; want true (word 69 bit 4)")
	}
	if got := id.Security.State(); got != "SEC2 (disabled, frozen)" {
		t.Errorf("Security.State() = %q; want SEC2 (disabled, frozen)", got)
	}
}

// TestDecodeIdentifyMaxtor checks two hdparm --Istdout dumps of Maxtor
// 6B200M0 drives posted to linux-kernel (testdata/README). The kernel log
// in the same message is the oracle: "Vendor: ATA Model: Maxtor 6B200M0
// Rev: BANC", "ATA-7, ..., 390721968 sectors: LBA48" for sda and 398297088
// for sdb, "cfg ... 82:7869 83:7d09 ..." / "82:7c6b 83:7f09".
func TestDecodeIdentifyMaxtor(t *testing.T) {
	tests := []struct {
		file             string
		serial, firmware string
		sectors          uint64
		hpa, dco, smart  bool
		securitySup      bool
		eraseTime        time.Duration
	}{
		// sda: word 82 = 7869 (SMART, no security, no HPA), 83 = 7D09 (DCO).
		{"maxtor-6b200m0-a.identify.txt", "B4038RRH", "BANC1980", 390721968, false, true, true, false, 0},
		// sdb: 82 = 7C6B (SMART, security, HPA), 83 = 7F09 (DCO), 128 = 0001,
		// 89 = 0000 (no erase time reported).
		{"maxtor-6b200m0-b.identify.txt", "B41RVA1H", "BANC1BY0", 398297088, true, true, true, true, 0},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			id, err := DecodeIdentify(readWordDump(t, "testdata/"+tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if id.Model != "Maxtor 6B200M0" || id.Serial != tc.serial || id.Firmware != tc.firmware {
				t.Errorf("identity = %q %q %q; want Maxtor 6B200M0 %s %s", id.Model, id.Serial, id.Firmware, tc.serial, tc.firmware)
			}
			if !id.ChecksumPresent || !id.ChecksumValid {
				t.Errorf("checksum present=%v valid=%v; want both", id.ChecksumPresent, id.ChecksumValid)
			}
			if id.Sectors() != tc.sectors || !id.LBA48 {
				t.Errorf("Sectors() = %d LBA48=%v; want %d, true", id.Sectors(), id.LBA48, tc.sectors)
			}
			if id.HPASupported != tc.hpa || id.DCOSupported != tc.dco || id.SMARTSupported != tc.smart {
				t.Errorf("HPA=%v DCO=%v SMART=%v; want %v %v %v", id.HPASupported, id.DCOSupported, id.SMARTSupported, tc.hpa, tc.dco, tc.smart)
			}
			if id.Security.Supported != tc.securitySup || id.Security.EraseTime != tc.eraseTime {
				t.Errorf("security supported=%v erase time=%v; want %v, %v", id.Security.Supported, id.Security.EraseTime, tc.securitySup, tc.eraseTime)
			}
			if id.RotationRate != 0 || id.Class() != "unknown" {
				t.Errorf("rotation rate %d class %q; want 0 (pre-ACS drive), unknown", id.RotationRate, id.Class())
			}
		})
	}
}

func TestDecodeIdentifyChecksum(t *testing.T) {
	b := readWordDump(t, "testdata/maxtor-6b200m0-b.identify.txt")
	b[100] ^= 0x01
	id, err := DecodeIdentify(b)
	if err != nil {
		t.Fatal(err)
	}
	if !id.ChecksumPresent || id.ChecksumValid {
		t.Errorf("corrupted IDENTIFY: checksum present=%v valid=%v; want true, false", id.ChecksumPresent, id.ChecksumValid)
	}
	if _, err := DecodeIdentify(b[:511]); err == nil {
		t.Errorf("DecodeIdentify(511 bytes) error = nil; want an error")
	}
}

// TestSecurityWordBits sets each word-128 bit alone (ACS-3 table 45 word 128;
// hdparm identify.c) and checks exactly one field turns on.
func TestSecurityWordBits(t *testing.T) {
	tests := []struct {
		bit  uint16
		want SecurityInfo
	}{
		{0x0001, SecurityInfo{Supported: true}},
		{0x0003, SecurityInfo{Supported: true, Enabled: true}},
		{0x0005, SecurityInfo{Supported: true, Locked: true}},
		{0x0009, SecurityInfo{Supported: true, Frozen: true}},
		{0x0011, SecurityInfo{Supported: true, CountExpired: true}},
		{0x0021, SecurityInfo{Supported: true, EnhancedEraseSupported: true}},
		{0x0101, SecurityInfo{Supported: true, MasterPasswordMaximum: true}},
		{0x003E, SecurityInfo{}}, // not supported: the rest is ignored
	}
	for _, tc := range tests {
		b := make([]byte, 512)
		binary.LittleEndian.PutUint16(b[2*128:], tc.bit)
		id, _ := DecodeIdentify(b)
		if diff := cmp.Diff(tc.want, id.Security); diff != "" {
			t.Errorf("word 128 = %#04x: Security mismatch (-want +got):\n%s", tc.bit, diff)
		}
	}
}

// TestEraseTimeWords covers word 89/90 encodings (ACS-3 7.12.7.27; hdparm
// identify.c): bits 7:0 × 2 minutes, or bits 14:0 when bit 15 is set; the
// all-ones value means "more than".
func TestEraseTimeWords(t *testing.T) {
	tests := []struct {
		w       uint16
		want    time.Duration
		atLeast bool
	}{
		{0x0000, 0, false},
		{0x0001, 2 * time.Minute, false},
		{0x0087, 270 * time.Minute, false},
		{0x0187, 270 * time.Minute, false}, // bits 15:8 ignored without bit 15
		{0x00FF, 510 * time.Minute, true},
		{0x8001, 2 * time.Minute, false},
		{0x8123, 0x123 * 2 * time.Minute, false},
		{0xFFFF, 0x7FFF * 2 * time.Minute, true},
	}
	for _, tc := range tests {
		got, atLeast := eraseTime(tc.w)
		if got != tc.want || atLeast != tc.atLeast {
			t.Errorf("eraseTime(%#04x) = %v, %v; want %v, %v", tc.w, got, atLeast, tc.want, tc.atLeast)
		}
	}
}

// TestEraseTimeout checks hdparm's get_erase_timeout_secs rule: max of
// (value×2 + 60) min (598 min for FFh, 65622 min for 7FFFh) and
// sectors/2048/30 s + 1800 s; value 0 gives the capacity estimate alone.
func TestEraseTimeout(t *testing.T) {
	mk := func(sectors uint64, w89, w90 uint16) *Identity {
		b := make([]byte, 512)
		binary.LittleEndian.PutUint16(b[2*83:], 0x4400)
		binary.LittleEndian.PutUint64(b[2*100:], sectors)
		binary.LittleEndian.PutUint16(b[2*89:], w89)
		binary.LittleEndian.PutUint16(b[2*90:], w90)
		binary.LittleEndian.PutUint16(b[2*128:], 0x0021)
		id, _ := DecodeIdentify(b)
		return id
	}
	const tb4 = 7814037168 // 4 TB of 512-byte sectors: 7814037168/2048/30 = 127181 s (integer division)
	tests := []struct {
		name     string
		id       *Identity
		enhanced bool
		want     time.Duration
	}{
		{"drive value wins", mk(2048*30*60, 100, 0), false, 260 * time.Minute},
		{"capacity wins", mk(tb4, 2, 4), false, 127181*time.Second + 30*time.Minute},
		{"enhanced word 90", mk(2048, 2, 10), true, 80 * time.Minute},
		{"not reported", mk(2048*30*100, 0, 0), false, 100*time.Second + 30*time.Minute},
		{"saturated FFh", mk(2048, 0xFF, 0), false, 598 * time.Minute},
		{"saturated 7FFFh", mk(2048, 0, 0xFFFF), true, 65622 * time.Minute},
	}
	for _, tc := range tests {
		if got := tc.id.EraseTimeout(tc.enhanced); got != tc.want {
			t.Errorf("%s: EraseTimeout(%v) = %v; want %v", tc.name, tc.enhanced, got, tc.want)
		}
	}
}

// TestWord59SanitizeBits checks each sanitize capability bit (ACS-3 word 59;
// opensea-operations sanitize.c).
func TestWord59SanitizeBits(t *testing.T) {
	tests := []struct {
		w    uint16
		want SanitizeInfo
	}{
		{0x1000, SanitizeInfo{Supported: true}},
		{0x3000, SanitizeInfo{Supported: true, CryptoScramble: true}},
		{0x5000, SanitizeInfo{Supported: true, Overwrite: true}},
		{0x9000, SanitizeInfo{Supported: true, BlockErase: true}},
		{0x1400, SanitizeInfo{Supported: true, AntifreezeSupported: true}},
		{0x1800, SanitizeInfo{Supported: true, ACS3Commands: true}},
		{0xE000, SanitizeInfo{}}, // method bits without bit 12 mean nothing
	}
	for _, tc := range tests {
		b := make([]byte, 512)
		binary.LittleEndian.PutUint16(b[2*59:], tc.w)
		id, _ := DecodeIdentify(b)
		if id.Sanitize != tc.want {
			t.Errorf("word 59 = %#04x: Sanitize = %+v; want %+v", tc.w, id.Sanitize, tc.want)
		}
	}
}

// TestWWNWords covers words 84 and 108-111 (ACS-3 7.12.7.41, 7.12.7.52):
// with words 82-84 valid (word 83 bits 15:14 = 01b), the WWN is reported
// when word 84 is valid with bit 8 set, and not when words 108-111 are all
// zero (NAA 0 names no device; some drives set bit 8 anyway). Hand-built
// words, not a real dump.
func TestWWNWords(t *testing.T) {
	tests := []struct {
		w84  uint16
		wwn  [4]uint16
		want string
	}{
		{0x4100, [4]uint16{0x5002, 0x538f, 0x4322, 0x22b1}, "5002538f432222b1"},
		{0x4100, [4]uint16{}, ""},                               // bit 8 over all-zero words
		{0x4000, [4]uint16{0x5002, 0x538f, 0x4322, 0x22b1}, ""}, // bit 8 clear
		{0xC100, [4]uint16{0x5002, 0x538f, 0x4322, 0x22b1}, ""}, // word 84 not valid
	}
	for _, tc := range tests {
		b := make([]byte, 512)
		binary.LittleEndian.PutUint16(b[2*83:], 0x4000)
		binary.LittleEndian.PutUint16(b[2*84:], tc.w84)
		for i, v := range tc.wwn {
			binary.LittleEndian.PutUint16(b[2*(108+i):], v)
		}
		id, err := DecodeIdentify(b)
		if err != nil {
			t.Fatal(err)
		}
		if id.WWN != tc.want {
			t.Errorf("word 84 = %#04x, words 108-111 = %04x: WWN = %q; want %q", tc.w84, tc.wwn, id.WWN, tc.want)
		}
	}
}

// TestSectorSizeWords covers words 106 and 117–118 (ACS-3; hdparm
// get_current_sector_size).
func TestSectorSizeWords(t *testing.T) {
	tests := []struct {
		w106          uint16
		words117      uint32
		logical, phys int
	}{
		{0x0000, 0, 512, 512},      // word 106 not valid
		{0x4000, 0, 512, 512},      // valid, nothing set
		{0x6003, 0, 512, 4096},     // 8 logical per physical (512e)
		{0x5000, 2048, 4096, 4096}, // 4Kn: 2048 words
		{0xC003, 0, 512, 512},      // bits 15:14 = 11b: invalid
		{0x7001, 2048, 4096, 8192}, // 4 KiB logical, 2 per physical
	}
	for _, tc := range tests {
		b := make([]byte, 512)
		binary.LittleEndian.PutUint16(b[2*106:], tc.w106)
		binary.LittleEndian.PutUint32(b[2*117:], tc.words117)
		id, _ := DecodeIdentify(b)
		if id.LogicalSectorSize != tc.logical || id.PhysicalSectorSize != tc.phys {
			t.Errorf("word 106 = %#04x, 117 = %d: sizes = %d/%d; want %d/%d", tc.w106, tc.words117,
				id.LogicalSectorSize, id.PhysicalSectorSize, tc.logical, tc.phys)
		}
	}
}

// TestDecodeIdentifyQEMUAHCI decodes IDENTIFY DEVICE as QEMU 7.2's AHCI
// disk returned it to kesu inside the VM test (testdata/README), for a
// 64 MiB ide-hd with model "KESU AHCI TEST DISK" and serial "KESUSATA01".
// QEMU's hw/ide/core.c ide_identify: firmware "2.5+", no word-255
// signature, words 82/83 without Security, HPA or DCO, word 169 TRIM.
func TestDecodeIdentifyQEMUAHCI(t *testing.T) {
	id, err := DecodeIdentify(readWordDump(t, "testdata/qemu72-ahci.identify.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if id.Model != "KESU AHCI TEST DISK" || id.Serial != "KESUSATA01" || id.Firmware != "2.5+" {
		t.Errorf("identity = %q %q %q", id.Model, id.Serial, id.Firmware)
	}
	if id.Sectors() != 64<<20/512 || !id.LBA48 || id.ChecksumPresent {
		t.Errorf("sectors %d LBA48 %v checksum present %v; want 131072, true, false", id.Sectors(), id.LBA48, id.ChecksumPresent)
	}
	if id.Security.Supported || id.Sanitize.Supported || id.HPASupported || id.DCOSupported || id.AMASupported {
		t.Errorf("QEMU AHCI claims security %v sanitize %v HPA %v DCO %v AMA %v; want none",
			id.Security.Supported, id.Sanitize.Supported, id.HPASupported, id.DCOSupported, id.AMASupported)
	}
	if !id.SMARTSupported || !id.SMARTEnabled || !id.TRIM || id.Class() != "unknown" {
		t.Errorf("SMART %v/%v TRIM %v class %s; want SMART on, TRIM, class unknown (word 217 = 0)", id.SMARTSupported, id.SMARTEnabled, id.TRIM, id.Class())
	}
}
