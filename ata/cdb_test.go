package ata

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/kesu-erase/kesu/scsi"
)

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestCommandCDBs checks the ATA PASS-THROUGH(16) encodings against CDBs
// written out by hand. Sources for the expected bytes:
//   - PIO data-in (byte 2 = 0Eh: T_DIR, BYT_BLOK, T_LENGTH=COUNT, no
//     CK_COND): sg3_utils src/sg_sat_identify.c and smartmontools
//     scsiata.cpp build IDENTIFY as 85 08 0E ... 40 EC 00.
//   - PIO data-out (byte 2 = 06h): hdparm sgio.c sg16() for the security
//     commands (hdparm also sets CK_COND; we do not for data commands).
//   - Non-data (byte 2 = 20h, CK_COND): hdparm sgio.c sg16(), which sets
//     CK_COND on every command.
//   - SANITIZE keys and sub-commands: hdparm hdparm.h / hdparm.c
//     do_sanitize_cmd (LBA = key; OVERWRITE key 4F57h in LBA 47:32).
//   - SMART: LBA mid/high 4Fh/C2h, smartmontools atacmds.cpp.
//
// Register placement (SAT-3 table 139): FEATURES 15:8/7:0 in bytes 3/4,
// COUNT in 5/6, LBA 31:24/7:0 in 7/8, 39:32/15:8 in 9/10, 47:40/23:16 in
// 11/12, DEVICE 13, COMMAND 14.
func TestCommandCDBs(t *testing.T) {
	pw, _ := PasswordFromString("x")
	sanOW, err := SanitizeOperationCommand(SanitizeOptions{Method: SanitizeOverwrite})
	if err != nil {
		t.Fatal(err)
	}
	sanOW2, _ := SanitizeOperationCommand(SanitizeOptions{Method: SanitizeOverwrite, OverwritePattern: 0x11223344,
		OverwritePasses: 16, OverwriteInvert: true, AllowFailureExit: true})
	sanCrypto, _ := SanitizeOperationCommand(SanitizeOptions{Method: SanitizeCryptoScramble})
	sanBlock, _ := SanitizeOperationCommand(SanitizeOptions{Method: SanitizeBlockErase})
	sanBlockFM, _ := SanitizeOperationCommand(SanitizeOptions{Method: SanitizeBlockErase, AllowFailureExit: true})
	tests := []struct {
		name string
		cmd  *Command
		want string
	}{
		{"IDENTIFY", IdentifyCommand(), "85 08 0E 00 00 00 01 00 00 00 00 00 00 40 EC 00"},
		{"SET PASSWORD", SetPasswordCommand(pw), "85 0A 06 00 00 00 01 00 00 00 00 00 00 40 F1 00"},
		{"UNLOCK", UnlockCommand(pw, false), "85 0A 06 00 00 00 01 00 00 00 00 00 00 40 F2 00"},
		{"ERASE PREPARE", ErasePrepareCommand(), "85 06 20 00 00 00 00 00 00 00 00 00 00 40 F3 00"},
		{"ERASE UNIT", EraseUnitCommand(pw, true, time.Hour), "85 0A 06 00 00 00 01 00 00 00 00 00 00 40 F4 00"},
		{"DISABLE PASSWORD", DisablePasswordCommand(pw, false), "85 0A 06 00 00 00 01 00 00 00 00 00 00 40 F6 00"},
		{"SANITIZE STATUS", SanitizeStatusCommand(false), "85 07 20 00 00 00 00 00 00 00 00 00 00 40 B4 00"},
		{"SANITIZE STATUS clear", SanitizeStatusCommand(true), "85 07 20 00 00 00 01 00 00 00 00 00 00 40 B4 00"},
		{"CRYPTO SCRAMBLE", sanCrypto, "85 07 20 00 11 00 00 43 70 00 79 00 72 40 B4 00"},
		{"BLOCK ERASE", sanBlock, "85 07 20 00 12 00 00 42 72 00 45 00 6B 40 B4 00"},
		{"BLOCK ERASE failure mode", sanBlockFM, "85 07 20 00 12 00 10 42 72 00 45 00 6B 40 B4 00"},
		{"OVERWRITE 1 pass zero", sanOW, "85 07 20 00 14 00 01 00 00 57 00 4F 00 40 B4 00"},
		// COUNT = 0x90: FAILURE MODE (bit 4), INVERT (bit 7), 16 passes as 0.
		{"OVERWRITE 16 passes invert", sanOW2, "85 07 20 00 14 00 90 11 44 57 33 4F 22 40 B4 00"},
		{"SANITIZE FREEZE LOCK", SanitizeFreezeLockCommand(), "85 07 20 00 20 00 00 46 6B 00 4C 00 72 40 B4 00"},
		{"SANITIZE ANTIFREEZE", SanitizeAntifreezeLockCommand(), "85 07 20 00 40 00 00 41 69 00 74 00 6E 40 B4 00"},
		{"READ NATIVE MAX EXT", ReadNativeMaxCommand(true), "85 07 20 00 00 00 00 00 00 00 00 00 00 40 27 00"},
		{"READ NATIVE MAX", ReadNativeMaxCommand(false), "85 06 20 00 00 00 00 00 00 00 00 00 00 40 F8 00"},
		// max LBA 0x1_D1C0_BEAF, permanent: LBA bytes 31:24=D1 7:0=AF
		// 39:32=01 15:8=BE 47:40=00 23:16=C0.
		{"SET MAX EXT", SetMaxCommand(true, 0x1D1C0BEAF, true), "85 07 20 00 00 00 01 D1 AF 01 BE 00 C0 40 37 00"},
		// 28-bit: LBA 27:24 goes into DEVICE 3:0 (0x0ABCDEF1 -> device 4A).
		{"SET MAX 28-bit volatile", SetMaxCommand(false, 0x0ABCDEF1, false), "85 06 20 00 00 00 00 00 F1 00 DE 00 BC 4A F9 00"},
		{"GET NATIVE MAX EXT", GetNativeMaxCommand(), "85 07 20 00 00 00 00 00 00 00 00 00 00 40 78 00"},
		{"SET ACCESSIBLE MAX EXT", SetAccessibleMaxCommand(0x123456789A), "85 07 20 00 01 00 00 34 9A 12 78 00 56 40 78 00"},
		{"DCO IDENTIFY", DCOIdentifyCommand(), "85 08 0E 00 C2 00 01 00 00 00 00 00 00 40 B1 00"},
		{"DCO RESTORE", DCORestoreCommand(), "85 06 20 00 C0 00 00 00 00 00 00 00 00 40 B1 00"},
		{"SMART READ DATA", SMARTReadDataCommand(), "85 08 0E 00 D0 00 01 00 00 00 4F 00 C2 40 B0 00"},
		{"SMART READ THRESHOLDS", SMARTReadThresholdsCommand(), "85 08 0E 00 D1 00 01 00 00 00 4F 00 C2 40 B0 00"},
		{"SMART RETURN STATUS", SMARTReturnStatusCommand(), "85 06 20 00 DA 00 00 00 00 00 4F 00 C2 40 B0 00"},
	}
	for _, tc := range tests {
		if got, want := tc.cmd.CDB(), unhex(t, tc.want); !bytes.Equal(got, want) {
			t.Errorf("%s: CDB() = % X; want % X", tc.name, got, want)
		}
	}
}

// TestCommandDirections pins the SG_IO direction and length for each
// protocol: PIO-in 512 bytes from the device, PIO-out to it, non-data none.
func TestCommandDirections(t *testing.T) {
	pw, _ := PasswordFromString("x")
	tests := []struct {
		cmd *Command
		dir scsi.Direction
		n   int
	}{
		{IdentifyCommand(), scsi.DirFromDevice, 512},
		{SetPasswordCommand(pw), scsi.DirToDevice, 512},
		{ErasePrepareCommand(), scsi.DirNone, 0},
		{SMARTReturnStatusCommand(), scsi.DirNone, 0},
	}
	for _, tc := range tests {
		sc := tc.cmd.scsiCommand()
		if sc.Dir != tc.dir || len(sc.Data) != tc.n || sc.Timeout != tc.cmd.Timeout {
			t.Errorf("%s: dir=%v len=%d timeout=%v; want %v, %d, %v", tc.cmd.Name, sc.Dir, len(sc.Data), sc.Timeout, tc.dir, tc.n, tc.cmd.Timeout)
		}
	}
}

// TestSecurityBlocks checks the 512-byte security data blocks (ACS-3
// 7.43-7.47; hdparm.c do_set_security: data[0] identifier | enhanced<<1,
// data[1] capability, password at data+2, master revision code at 34-35).
func TestSecurityBlocks(t *testing.T) {
	pw, err := PasswordFromString("Secret1")
	if err != nil {
		t.Fatal(err)
	}
	want := func(b0, b1 byte) []byte {
		b := make([]byte, 512)
		b[0], b[1] = b0, b1
		copy(b[2:], "Secret1")
		return b
	}
	tests := []struct {
		name string
		cmd  *Command
		want []byte
	}{
		{"SET PASSWORD user high", SetPasswordCommand(pw), want(0x00, 0x00)},
		{"UNLOCK user", UnlockCommand(pw, false), want(0x00, 0x00)},
		{"UNLOCK master", UnlockCommand(pw, true), want(0x01, 0x00)},
		{"DISABLE master", DisablePasswordCommand(pw, true), want(0x01, 0x00)},
		{"ERASE UNIT normal", EraseUnitCommand(pw, false, time.Hour), want(0x00, 0x00)},
		{"ERASE UNIT enhanced", EraseUnitCommand(pw, true, time.Hour), want(0x02, 0x00)},
	}
	for _, tc := range tests {
		if !bytes.Equal(tc.cmd.Data, tc.want) {
			t.Errorf("%s: data[0:40] = % x; want % x", tc.name, tc.cmd.Data[:40], tc.want[:40])
		}
	}
	// Master SET PASSWORD with capability Maximum and revision code 0x0102.
	b := SecurityBlock(identifierMaster|capMaximum, pw, 0x0102)
	if b[0] != 0x01 || b[1] != 0x01 || b[34] != 0x02 || b[35] != 0x01 {
		t.Errorf("SecurityBlock(master, maximum, 0x0102) = % x; want 01 01 ... 02 01 at 34", b[:36])
	}
}

func TestPasswords(t *testing.T) {
	for _, bad := range []string{"", strings.Repeat("a", 33), "has space", "tab\t", "ü"} {
		if _, err := PasswordFromString(bad); err == nil {
			t.Errorf("PasswordFromString(%q) error = nil; want an error", bad)
		}
	}
	p, err := PasswordFromString(strings.Repeat("z", 32))
	if err != nil || p.String() != strings.Repeat("z", 32) {
		t.Errorf("PasswordFromString(32 chars) = %q, %v", p.String(), err)
	}
	seen := map[string]bool{}
	for i := 0; i < 50; i++ {
		p, err := NewPassword()
		if err != nil {
			t.Fatal(err)
		}
		s := p.String()
		if len(s) != 20 || strings.ContainsAny(s, "0O1lI") || seen[s] {
			t.Fatalf("NewPassword() = %q; want 20 unambiguous characters, unique", s)
		}
		seen[s] = true
		for _, c := range p[20:] {
			if c != 0 {
				t.Fatalf("NewPassword() not zero padded: % x", p)
			}
		}
	}
}

// TestDecodeSanitizeStatus decodes SANITIZE STATUS EXT outputs written by
// hand from ACS-3 / hdparm.c (COUNT 15:8 bits 7..4, LBA 15:0 progress).
func TestDecodeSanitizeStatus(t *testing.T) {
	tests := []struct {
		count uint16
		lba   uint64
		want  SanitizeStatus
		pct   float64
	}{
		{0x0000, 0xFFFF, SanitizeStatus{State: SanitizeIdle, Progress: 0xFFFF}, 100},
		{0x4000, 0x8000, SanitizeStatus{State: SanitizeInProgress, InProgress: true, Progress: 0x8000}, 50},
		{0x8000, 0xFFFF, SanitizeStatus{State: SanitizeSucceeded, LastCompletedOK: true, Progress: 0xFFFF}, 100},
		{0x2000, 0xFFFF, SanitizeStatus{State: SanitizeFrozen, Frozen: true, Progress: 0xFFFF}, 100},
		{0x1000, 0xFFFF, SanitizeStatus{State: SanitizeIdle, Antifreeze: true, Progress: 0xFFFF}, 100},
		{0xC000, 0x4000, SanitizeStatus{State: SanitizeInProgress, InProgress: true, LastCompletedOK: true, Progress: 0x4000}, 25},
	}
	for _, tc := range tests {
		got := DecodeSanitizeStatus(scsi.ATARegisters{Count: tc.count, LBA: tc.lba, Upper: true})
		if got != tc.want || got.Percent() != tc.pct {
			t.Errorf("DecodeSanitizeStatus(count=%04x lba=%04x) = %+v (%.0f%%); want %+v (%.0f%%)", tc.count, tc.lba, got, got.Percent(), tc.want, tc.pct)
		}
	}
}

// TestNativeFromRegisters: 48-bit from LBA 47:0; 28-bit from LBA 23:0 and
// DEVICE 3:0 (hdparm.c do_get_native_max_sectors; ACS-2 7.30).
func TestNativeFromRegisters(t *testing.T) {
	if got := nativeFromRegisters(ReadNativeMaxCommand(true), scsi.ATARegisters{LBA: 0x1D1C0BEAF, Device: 0x40}); got != 0x1D1C0BEAF {
		t.Errorf("48-bit native = %#x; want 0x1D1C0BEAF", got)
	}
	if got := nativeFromRegisters(ReadNativeMaxCommand(false), scsi.ATARegisters{LBA: 0xBCDEF1, Device: 0x4A}); got != 0x0ABCDEF1 {
		t.Errorf("28-bit native = %#x; want 0x0ABCDEF1", got)
	}
}

// TestDecodeSMARTSamsung decodes a real Samsung 870 QVO SMART READ DATA /
// READ THRESHOLDS dump (testdata/README). The oracle is CrystalDiskInfo's
// table printed in the same report: "ID Cur Wor Thr RawValues(6)".
func TestDecodeSMARTSamsung(t *testing.T) {
	data, err := DecodeSMARTData(readByteDump(t, "testdata/samsung-870qvo-4tb.smart-data.txt"))
	if err != nil {
		t.Fatal(err)
	}
	th, ok, err := DecodeSMARTThresholds(readByteDump(t, "testdata/samsung-870qvo-4tb.smart-thresholds.txt"))
	if err != nil || !ok {
		t.Fatalf("DecodeSMARTThresholds() checksum ok=%v err=%v", ok, err)
	}
	if !data.ChecksumValid {
		t.Errorf("SMART data checksum invalid")
	}
	data.ApplyThresholds(th)
	want := []struct {
		id              uint8
		cur, worst, thr uint8
		raw             uint64
	}{
		{0x05, 100, 100, 10, 0},
		{0x09, 99, 99, 0, 0x563},
		{0x0C, 99, 99, 0, 0xC4},
		{0xB1, 99, 99, 0, 0x4},
		{0xB3, 100, 100, 10, 0},
		{0xB5, 100, 100, 10, 0},
		{0xB6, 100, 100, 10, 0},
		{0xB7, 100, 100, 10, 0},
		{0xBB, 100, 100, 0, 0},
		{0xBE, 71, 47, 0, 0x1D},
		{0xC3, 200, 200, 0, 0},
		{0xC7, 100, 100, 0, 0},
		{0xEB, 99, 99, 0, 0xC},
		{0xF1, 99, 99, 0, 0x597D08C79},
	}
	if len(data.Attributes) != len(want) {
		t.Fatalf("got %d attributes; want %d", len(data.Attributes), len(want))
	}
	for i, w := range want {
		a := data.Attributes[i]
		if a.ID != w.id || a.Current != w.cur || a.Worst != w.worst || a.Threshold != w.thr || a.RawValue != w.raw || !a.HaveThreshold {
			t.Errorf("attribute %d = {%#02x %d %d thr %d raw %#x}; want {%#02x %d %d thr %d raw %#x}",
				i, a.ID, a.Current, a.Worst, a.Threshold, a.RawValue, w.id, w.cur, w.worst, w.thr, w.raw)
		}
		if a.Failing() {
			t.Errorf("attribute %#02x Failing() = true for a healthy drive", a.ID)
		}
	}
	if a, _ := data.Attribute(0x05); !a.PreFailure() {
		t.Errorf("attribute 5 flags %#04x: PreFailure() = false; want true (bit 0)", a.Flags)
	}
}

func TestAttributeFailing(t *testing.T) {
	tests := []struct {
		a    Attribute
		want bool
	}{
		{Attribute{Current: 10, Threshold: 10, HaveThreshold: true}, true},
		{Attribute{Current: 9, Threshold: 10, HaveThreshold: true}, true},
		{Attribute{Current: 11, Threshold: 10, HaveThreshold: true}, false},
		{Attribute{Current: 0, Threshold: 0, HaveThreshold: true}, false}, // zero threshold never fails
		{Attribute{Current: 1, Threshold: 10}, false},                     // no threshold read
	}
	for _, tc := range tests {
		if got := tc.a.Failing(); got != tc.want {
			t.Errorf("%+v.Failing() = %v; want %v", tc.a, got, tc.want)
		}
	}
}

func TestDecodeDCO(t *testing.T) {
	b := make([]byte, 512)
	b[0] = 0x02
	copy(b[6:14], []byte{0xAF, 0xBE, 0xC0, 0xD1, 0x01, 0, 0, 0}) // 0x1D1C0BEAF
	b[14] = 0x88
	b[510] = 0xA5
	var sum byte
	for _, c := range b[:511] {
		sum += c
	}
	b[511] = -sum
	info, err := DecodeDCO(b)
	if err != nil {
		t.Fatal(err)
	}
	want := DCOInfo{Revision: 2, MaxLBA: 0x1D1C0BEAF, HPAAllowed: true, SecurityAllowed: true, ChecksumPresent: true, ChecksumValid: true}
	if *info != want {
		t.Errorf("DecodeDCO() = %+v; want %+v", *info, want)
	}
	b[20] = 1
	if info, _ := DecodeDCO(b); info.ChecksumValid {
		t.Errorf("DecodeDCO(corrupted) ChecksumValid = true; want false")
	}
}
