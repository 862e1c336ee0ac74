package ata

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/kesu-erase/kesu/scsi"
	"github.com/kesu-erase/kesu/scsi/scsitest"
	"github.com/kesu-erase/kesu/tcg"
)

// TestTrustedCommandCDB checks TRUSTED RECEIVE/SEND against CDBs written
// by hand from the register layout of Linux's ata_scsi_security_inout_xlat
// (libata-scsi.c: feature = protocol, nsect = length 7:0, lbal = length
// 15:8, lbam = SP specific 7:0, lbah = SP specific 15:8) and sedutil's
// DtaDevLinuxSata.cpp (protocol in FEATURE, 512-byte block count in COUNT,
// ComID low/high in LBA mid/high, PIO in 4<<1 / 0Eh, out 5<<1 / 06h),
// placed in ATA PASS-THROUGH(16) as SAT lays it out (protocols.md §2.1).
func TestTrustedCommandCDB(t *testing.T) {
	for _, tc := range []struct {
		name     string
		send     bool
		protocol uint8
		sp       uint16
		blocks   int
		cdb      string
	}{
		{"security protocol list", false, 0x00, 0x0000, 1, "85 08 0E 00 00 00 01 00 00 00 00 00 00 40 5C 00"},
		{"Level 0 Discovery (ComID 0001h)", false, 0x01, 0x0001, 1, "85 08 0E 00 01 00 01 00 00 00 01 00 00 40 5C 00"},
		{"IF-SEND on ComID 07FEh", true, 0x01, 0x07FE, 4, "85 0A 06 00 01 00 04 00 00 00 FE 00 07 40 5E 00"},
		{"291 blocks: length 15:8 in LBA 7:0", false, 0x02, 0x1234, 0x123, "85 08 0E 00 02 00 23 00 01 00 34 00 12 40 5C 00"},
		{"largest transfer", true, 0xEE, 0xFFFF, 0xFFFF, "85 0A 06 00 EE 00 FF 00 FF 00 FF 00 FF 40 5E 00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			buf := make([]byte, tc.blocks*512)
			build := TrustedReceiveCommand
			if tc.send {
				build = TrustedSendCommand
			}
			c, err := build(tc.protocol, tc.sp, buf)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := c.CDB(), unhexStr(tc.cdb); !bytes.Equal(got, want) {
				t.Errorf("CDB = % X; want % X", got, want)
			}
			if c.Timeout != TrustedTimeout || len(c.Data) != len(buf) {
				t.Errorf("timeout %v, data %d bytes; want %v, %d", c.Timeout, len(c.Data), TrustedTimeout, len(buf))
			}
		})
	}
}

func TestTrustedCommandLength(t *testing.T) {
	for _, n := range []int{0, 511, 513, 0x10000 * 512} {
		if _, err := TrustedReceiveCommand(1, 1, make([]byte, n)); !errors.Is(err, scsi.ErrBadCommand) {
			t.Errorf("TrustedReceiveCommand of %d bytes = %v; want ErrBadCommand", n, err)
		}
	}
}

// TestDecodeIdentifyTrustedComputing: word 48 bit 0 counts only with bits
// 15:14 = 01b (smartmontools ataidentify.cpp "48 Trusted Computing feature
// set options: 15:14 Must be set to 0x1, 0 Trusted Computing feature set
// supported"). QEMU sets word 48 to 0001h for "dword I/O" (hw/ide/core.c),
// the pre-ATA8 meaning; the Samsung 870 EVO and QVO (TCG Opal drives)
// report 4001h, the IronWolf Pro 4000h.
func TestDecodeIdentifyTrustedComputing(t *testing.T) {
	for _, tc := range []struct {
		w48  uint16
		want bool
	}{{0x4001, true}, {0x4000, false}, {0x0001, false}, {0xC001, false}, {0x8001, false}, {0x0000, false}} {
		id, err := DecodeIdentify(identifyWords(map[int]uint16{48: tc.w48}))
		if err != nil {
			t.Fatal(err)
		}
		if id.TrustedComputing != tc.want {
			t.Errorf("word 48 = %04Xh: TrustedComputing = %v; want %v", tc.w48, id.TrustedComputing, tc.want)
		}
	}
	for file, want := range map[string]bool{
		"samsung-870evo-2tb-mpt3sas.identify.txt": true,
		"samsung-870qvo-4tb.identify.txt":         true,
		"qemu72-ahci.identify.txt":                false,
		"seagate-st3160023as.identify.txt":        false,
	} {
		id, err := DecodeIdentify(readWordDump(t, "testdata/"+file))
		if err != nil {
			t.Fatal(err)
		}
		if id.TrustedComputing != want {
			t.Errorf("%s: TrustedComputing = %v; want %v", file, id.TrustedComputing, want)
		}
	}
	head, _ := readWordDumpHead(t, "testdata/seagate-st8000ne0004-head.identify.txt")
	if id, _ := DecodeIdentify(head); id.TrustedComputing {
		t.Errorf("ST8000NE0004 (word 48 = 4000h): TrustedComputing = true; want false")
	}
}

// TestTCGTransportRefusals plays what reaches kesu for TRUSTED commands
// and checks which outcomes mean "not supported on this path".
func TestTCGTransportRefusals(t *testing.T) {
	recv := unhexStr("85 08 0E 00 01 00 01 00 00 00 01 00 00 40 5C 00")
	// libata with allow_tpm=0: ata_scsi_set_invalid_field(dev, scmd, 14,
	// 0xff) builds fixed sense ILLEGAL REQUEST 24h/00h, then
	// scsi_set_sense_field_pointer (scsi_common.c) sets byte 15 = 80h|40h
	// (SKSV, C/D), bytes 16-17 = 000Eh and the additional length to 18.
	filtered := unhexStr("70 00 05 00 00 00 00 12 00 00 00 00 24 00 00 C0 00 0E 00 00 00 00 00 00 00 00")
	// An ATA ABORT as Debian 12's kernel returns it (design.md: fixed
	// sense, the pre-6.11 libata layout with the registers from byte 8):
	// ERROR 04h (ABRT), STATUS 51h (DRDY, DSC, ERR), DEVICE 40h, COUNT 01h.
	aborted := unhexStr("70 00 0B 00 00 00 00 0A 04 51 40 01 00 00 00 00 00 00")
	// A device fault in the same layout: ERROR 00h, STATUS 61h (DRDY, DF,
	// ERR).
	fault := unhexStr("70 00 04 00 00 00 00 0A 00 61 40 01 00 00 00 00 00 00")
	for _, tc := range []struct {
		name        string
		reply       scsitest.Reply
		unsupported bool
		is          error
		text        string
	}{
		{"libata.allow_tpm=0", scsitest.Check(filtered), true, ErrPassThroughRejected, "libata.allow_tpm=1"},
		{"drive aborts", scsitest.Check(aborted), true, ErrAborted, ""},
		{"device fault", scsitest.Check(fault), false, ErrDeviceFault, ""},
		{"transport error", scsitest.Reply{HostStatus: 0x07}, false, scsi.ErrTransport, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := scsitest.NewScript(t, scsitest.Step{CDB: recv, Timeout: TrustedTimeout, Reply: tc.reply})
			err := TCG(NewDevice(s, "sdz")).SecurityReceive(context.Background(), 0x01, 0x0001, make([]byte, 512))
			if errors.Is(err, tcg.ErrNotSupported) != tc.unsupported || !errors.Is(err, tc.is) {
				t.Errorf("SecurityReceive = %v; want ErrNotSupported %v and %v", err, tc.unsupported, tc.is)
			}
			var ce *CommandError
			if !errors.As(err, &ce) || ce.Op != "TRUSTED RECEIVE" || ce.Dev != "sdz" {
				t.Errorf("SecurityReceive = %#v; want a *CommandError for TRUSTED RECEIVE on sdz", err)
			}
			if !strings.Contains(err.Error(), tc.text) {
				t.Errorf("SecurityReceive = %q; want it to say %q", err, tc.text)
			}
		})
	}
}

func TestTCGTransportData(t *testing.T) {
	reply := bytes.Repeat([]byte{0x5A}, 1024)
	out := bytes.Repeat([]byte{0xA5}, 512)
	s := scsitest.NewScript(t,
		scsitest.Step{CDB: unhexStr("85 08 0E 00 01 00 02 00 00 00 FE 00 07 40 5C 00"), Reply: scsitest.Good(reply)},
		scsitest.Step{CDB: unhexStr("85 0A 06 00 01 00 01 00 00 00 FE 00 07 40 5E 00"), DataOut: out, Reply: scsitest.Good(nil)},
	)
	p := TCG(NewDevice(s, "sdz"))
	buf := make([]byte, 1024)
	if err := p.SecurityReceive(context.Background(), 0x01, 0x07FE, buf); err != nil || !bytes.Equal(buf, reply) {
		t.Errorf("SecurityReceive = %v, % x...; want the drive's bytes", err, buf[:4])
	}
	if err := p.SecuritySend(context.Background(), 0x01, 0x07FE, out); err != nil {
		t.Errorf("SecuritySend = %v", err)
	}
	if err := p.SecuritySend(context.Background(), 0x01, 0x07FE, make([]byte, 100)); !errors.Is(err, scsi.ErrBadCommand) || errors.Is(err, tcg.ErrNotSupported) {
		t.Errorf("SecuritySend of 100 bytes = %v; want ErrBadCommand, nothing sent", err)
	}
}

// Review finding 2.3: the TCG client never asks the ATA path for more than
// a SATL that reads only COUNT can move: 255 blocks, all in COUNT.
func TestTCGTransportMaxTransfer(t *testing.T) {
	l, ok := TCG(nil).(tcg.TransferLimiter)
	if !ok || l.MaxTransfer() != 130560 {
		t.Fatalf("the ATA TCG path's transfer limit: %v; want 130560 bytes (255 blocks)", l)
	}
	c, err := TrustedReceiveCommand(0x01, 0x07FE, make([]byte, l.MaxTransfer()))
	if err != nil || c.Count != 0xFF || c.LBA&0xFF != 0 {
		t.Errorf("TRUSTED RECEIVE of the limit: %+v, %v; want COUNT FFh and LBA 7:0 zero", c, err)
	}
}
