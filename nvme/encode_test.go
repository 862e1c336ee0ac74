package nvme

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

type cmdWire struct {
	Opcode       uint8
	NSID         uint32
	CDW10, CDW11 uint32
	CDW12, CDW13 uint32
	DataLen      int
}

func wireOf(c *Command) cmdWire {
	return cmdWire{c.Opcode, c.NSID, c.CDW10, c.CDW11, c.CDW12, c.CDW13, len(c.Data)}
}

// Identify and Get Log Page encodings against commands nvme-cli and
// smartmontools really sent:
//   - nvme-cli PR #1723: `admin-passthru --opcode 0x06 --cdw10=0x01 --data-len=4096` (Identify Controller)
//   - smartctl -r nvmeioctl (anatol/smart.go issue #12): "opcode=0x06, size=0x1000, nsid=0x00000001, cdw10=0x00000000" (Identify Namespace 1)
//   - libnvme PR #505: `admin-passthru --opcode 0x02 --cdw10=0x7f0002 --data-len=512` (SMART log, RAE=0)
func TestReadCommandEncoding(t *testing.T) {
	for _, c := range []struct {
		name string
		got  *Command
		want cmdWire
	}{
		{"identify controller", IdentifyCmd(CNSController, 0, make([]byte, 4096)), cmdWire{Opcode: 0x06, CDW10: 0x01, DataLen: 4096}},
		{"identify namespace 1", IdentifyCmd(CNSNamespace, 1, make([]byte, 4096)), cmdWire{Opcode: 0x06, NSID: 1, CDW10: 0x00, DataLen: 4096}},
		{"active namespace list after 0", IdentifyCmd(CNSActiveNamespace, 0, make([]byte, 4096)), cmdWire{Opcode: 0x06, CDW10: 0x02, DataLen: 4096}},
		{"SMART log, RAE=0", GetLogPageCmd(LogSMART, NSIDAll, false, 0, make([]byte, 512)), cmdWire{Opcode: 0x02, NSID: 0xFFFFFFFF, CDW10: 0x007F0002, DataLen: 512}},
		// By hand: RAE is CDW10 bit 15; Sanitize Status LID 81h.
		{"SMART log, RAE=1", GetLogPageCmd(LogSMART, NSIDAll, true, 0, make([]byte, 512)), cmdWire{Opcode: 0x02, NSID: 0xFFFFFFFF, CDW10: 0x007F8002, DataLen: 512}},
		{"sanitize status, RAE=1", GetLogPageCmd(LogSanitize, NSIDAll, true, 0, make([]byte, 512)), cmdWire{Opcode: 0x02, NSID: 0xFFFFFFFF, CDW10: 0x007F8081, DataLen: 512}},
		// 256 KiB = 65536 dwords: NUMD 0xFFFF all in NUMDL; 512 KiB: NUMDU 1; offset 2^32+8 split into CDW12/13.
		{"log 256 KiB", GetLogPageCmd(0x07, 1, false, 0, make([]byte, 256<<10)), cmdWire{Opcode: 0x02, NSID: 1, CDW10: 0xFFFF0007, DataLen: 256 << 10}},
		{"log 512 KiB at 4 GiB+8", GetLogPageCmd(0x07, 1, false, 1<<32+8, make([]byte, 512<<10)), cmdWire{Opcode: 0x02, NSID: 1, CDW10: 0xFFFF0007, CDW11: 1, CDW12: 8, CDW13: 1, DataLen: 512 << 10}},
	} {
		if d := cmp.Diff(c.want, wireOf(c.got)); d != "" {
			t.Errorf("%s: command = %v; want %+v (-want +got):\n%s", c.name, c.got, c.want, d)
		}
	}
}

// Format NVM CDW10 values written by hand from the field layout (LBAF 3:0,
// MSET 4, PI 7:5, PIL 8, SES 11:9, LBAF upper 13:12; libnvme
// NVME_FORMAT_CDW10_* shifts).
func TestFormatEncoding(t *testing.T) {
	for _, c := range []struct {
		args FormatArgs
		want uint32
	}{
		{FormatArgs{}, 0x0000},
		{FormatArgs{SES: SESUserData}, 0x0200},
		{FormatArgs{SES: SESCrypto}, 0x0400},
		{FormatArgs{LBAF: 1, SES: SESUserData}, 0x0201},
		{FormatArgs{LBAF: 15}, 0x000F},
		{FormatArgs{LBAF: 16}, 0x1000},
		{FormatArgs{LBAF: 19, SES: SESCrypto}, 0x1403},
		{FormatArgs{LBAF: 63}, 0x300F},
		{FormatArgs{MSET: true}, 0x0010},
		{FormatArgs{PI: 1}, 0x0020},
		{FormatArgs{PI: 3, PIL: true}, 0x0160},
		{FormatArgs{LBAF: 2, MSET: true, PI: 2, PIL: true, SES: SESUserData}, 0x0352},
	} {
		cmd, err := FormatNVMCmd(1, c.args, time.Hour)
		if err != nil {
			t.Errorf("FormatNVMCmd(1, %+v) error %v; want none", c.args, err)
			continue
		}
		if cmd.CDW10 != c.want || cmd.Opcode != 0x80 || cmd.NSID != 1 || len(cmd.Data) != 0 || cmd.Timeout != time.Hour {
			t.Errorf("FormatNVMCmd(1, %+v) = %v timeout %v; want opcode 0x80 nsid 1 cdw10 %#04x no data timeout 1h", c.args, cmd, cmd.Timeout, c.want)
		}
	}
	for _, bad := range []FormatArgs{{LBAF: 64}, {LBAF: -1}, {PI: 8}, {SES: 8}} {
		if _, err := FormatNVMCmd(1, bad, 0); err == nil {
			t.Errorf("FormatNVMCmd(1, %+v) error = nil; want an error", bad)
		}
	}
}

// Sanitize CDW10/CDW11 written by hand from the layout SANACT 2:0, AUSE 3,
// OWPASS 7:4, OIPBP 8, NDAS 9, EMVS 10; FreeBSD nvmecontrol sanitize.c
// builds the same word as (ndas<<9)|(oipbp<<8)|((owpass&0xf)<<4)|(ause<<3)|sanact.
func TestSanitizeEncoding(t *testing.T) {
	for _, c := range []struct {
		args         SanitizeArgs
		cdw10, cdw11 uint32
	}{
		{SanitizeArgs{Action: SanitizeExitFailureMode}, 0x001, 0},
		{SanitizeArgs{Action: SanitizeBlockErase}, 0x002, 0},
		{SanitizeArgs{Action: SanitizeCryptoErase}, 0x004, 0},
		{SanitizeArgs{Action: SanitizeCryptoErase, AUSE: true}, 0x00C, 0},
		{SanitizeArgs{Action: SanitizeBlockErase, NoDeallocate: true}, 0x202, 0},
		{SanitizeArgs{Action: SanitizeOverwrite, OverwritePasses: 1, Pattern: 0xDEADBEEF}, 0x013, 0xDEADBEEF},
		{SanitizeArgs{Action: SanitizeOverwrite, OverwritePasses: 3, InvertPattern: true, NoDeallocate: true}, 0x333, 0},
		{SanitizeArgs{Action: SanitizeOverwrite, OverwritePasses: 15}, 0x0F3, 0},
		{SanitizeArgs{Action: SanitizeOverwrite, OverwritePasses: 16, AUSE: true}, 0x00B, 0}, // 16 passes encode as 0
		{SanitizeArgs{Action: SanitizeBlockErase, EnterMediaVerification: true}, 0x402, 0},
		{SanitizeArgs{Action: SanitizeExitMediaVerification}, 0x005, 0},
	} {
		cmd, err := SanitizeCmd(c.args)
		if err != nil {
			t.Errorf("SanitizeCmd(%+v) error %v; want none", c.args, err)
			continue
		}
		if cmd.Opcode != 0x84 || cmd.NSID != 0 || cmd.CDW10 != c.cdw10 || cmd.CDW11 != c.cdw11 || len(cmd.Data) != 0 {
			t.Errorf("SanitizeCmd(%+v) = %v; want opcode 0x84 nsid 0 cdw10 %#03x cdw11 %#x", c.args, cmd, c.cdw10, c.cdw11)
		}
	}
	for _, bad := range []SanitizeArgs{
		{Action: 0}, {Action: 6},
		{Action: SanitizeOverwrite}, {Action: SanitizeOverwrite, OverwritePasses: 17},
		{Action: SanitizeBlockErase, Pattern: 1}, {Action: SanitizeCryptoErase, OverwritePasses: 2}, {Action: SanitizeBlockErase, InvertPattern: true},
		{Action: SanitizeExitFailureMode, AUSE: true}, {Action: SanitizeExitFailureMode, NoDeallocate: true},
	} {
		if _, err := SanitizeCmd(bad); err == nil {
			t.Errorf("SanitizeCmd(%+v) error = nil; want an error", bad)
		}
	}
}

func TestDirection(t *testing.T) {
	for _, c := range []struct {
		op   uint8
		want Direction
	}{{OpIdentify, DirIn}, {OpGetLogPage, DirIn}, {OpFormatNVM, DirNone}, {OpSanitize, DirNone}, {0x81, DirOut}} {
		cmd := Command{Opcode: c.op}
		if got := cmd.Direction(); got != c.want {
			t.Errorf("Command{Opcode: %#x}.Direction() = %d; want %d", c.op, got, c.want)
		}
	}
}
