package scsi_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/kesu-erase/kesu/scsi"
	"github.com/kesu-erase/kesu/scsi/scsitest"
	"github.com/kesu-erase/kesu/tcg"
)

func hexBytes(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

// TestSecurityProtocolCDB checks the CDBs against bytes written by hand
// from Linux sd.c sd_sec_submit (cdb[0] A2h/B5h, cdb[1] protocol, cdb[2-3]
// SP specific big-endian, cdb[6-9] length in bytes big-endian) and
// sedutil's CScsiCmdSecurityProtocolIn (DtaStructures.h: byte 4 bit 7
// INC_512, then the length in 512-byte blocks).
func TestSecurityProtocolCDB(t *testing.T) {
	for _, tc := range []struct {
		name string
		got  []byte
		want string
	}{
		{"protocol list", scsi.SecurityProtocolInCDB(0x00, 0x0000, false, 512), "A2 00 00 00 00 00 00 00 02 00 00 00"},
		{"Level 0 Discovery", scsi.SecurityProtocolInCDB(0x01, 0x0001, false, 512), "A2 01 00 01 00 00 00 00 02 00 00 00"},
		{"IF-SEND, ComID 07FEh", scsi.SecurityProtocolOutCDB(0x01, 0x07FE, false, 2048), "B5 01 07 FE 00 00 00 00 08 00 00 00"},
		{"sedutil's INC_512 form", scsi.SecurityProtocolInCDB(0x01, 0x0001, true, 4), "A2 01 00 01 80 00 00 00 00 04 00 00"},
		{"32-bit length", scsi.SecurityProtocolOutCDB(0xEE, 0xABCD, false, 0x01020304), "B5 EE AB CD 00 00 01 02 03 04 00 00"},
	} {
		if want := hexBytes(tc.want); !bytes.Equal(tc.got, want) {
			t.Errorf("%s: CDB = % X; want % X", tc.name, tc.got, want)
		}
	}
}

// TestSecurityProtocolRefusals checks which CHECK CONDITIONs mean the
// security protocol commands do not reach a TPer.
func TestSecurityProtocolRefusals(t *testing.T) {
	in := hexBytes("A2 01 00 01 00 00 00 00 02 00 00 00")
	fixed := func(key, asc, ascq byte) []byte {
		return []byte{0x70, 0, key, 0, 0, 0, 0, 0x0A, 0, 0, 0, 0, asc, ascq, 0, 0, 0, 0}
	}
	for _, tc := range []struct {
		name        string
		sense       []byte
		unsupported bool
		is          error
	}{
		{"invalid operation code", fixed(0x05, 0x20, 0x00), true, scsi.ErrUnsupported},
		{"invalid field in CDB", fixed(0x05, 0x24, 0x00), true, scsi.ErrUnsupported},
		{"invalid field, descriptor sense", []byte{0x72, 0x05, 0x24, 0x00, 0, 0, 0, 0}, true, scsi.ErrUnsupported},
		{"libata's ATA ABORT (21h/04h)", fixed(0x05, 0x21, 0x04), true, tcg.ErrNotSupported},
		{"LBA out of range is not a refusal", fixed(0x05, 0x21, 0x00), false, scsi.ErrIllegalRequest},
		{"aborted command", fixed(0x0B, 0x00, 0x00), false, scsi.ErrAborted},
		{"internal target failure", fixed(0x04, 0x44, 0x00), false, scsi.ErrHardwareError},
		{"data protect", fixed(0x07, 0x20, 0x02), false, scsi.ErrDataProtect},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := scsitest.NewScript(t, scsitest.Step{CDB: in, Timeout: scsi.SecurityTimeout, Reply: scsitest.Check(tc.sense)})
			err := scsi.TCG(s).SecurityReceive(context.Background(), 0x01, 0x0001, make([]byte, 512))
			if errors.Is(err, tcg.ErrNotSupported) != tc.unsupported || !errors.Is(err, tc.is) {
				t.Errorf("SecurityReceive = %v; want ErrNotSupported %v and %v", err, tc.unsupported, tc.is)
			}
			var ce *scsi.CommandError
			if !errors.As(err, &ce) || ce.Op != "SECURITY PROTOCOL IN" {
				t.Errorf("SecurityReceive = %#v; want a *scsi.CommandError for SECURITY PROTOCOL IN", err)
			}
		})
	}
}

func TestSecurityProtocolData(t *testing.T) {
	reply := bytes.Repeat([]byte{0x3C}, 700) // shorter than the buffer
	out := bytes.Repeat([]byte{0xC3}, 512)
	s := scsitest.NewScript(t,
		scsitest.Step{CDB: hexBytes("A2 01 07 FE 00 00 00 00 04 00 00 00"), Reply: scsitest.Good(reply)},
		scsitest.Step{CDB: hexBytes("B5 01 07 FE 00 00 00 00 02 00 00 00"), DataOut: out, Reply: scsitest.Good(nil)},
	)
	p := scsi.TCG(s)
	buf := bytes.Repeat([]byte{0xFF}, 1024)
	if err := p.SecurityReceive(context.Background(), 0x01, 0x07FE, buf); err != nil {
		t.Fatalf("SecurityReceive = %v", err)
	}
	if want := append(append([]byte(nil), reply...), make([]byte, 324)...); !bytes.Equal(buf, want) {
		t.Errorf("SecurityReceive left % x ... % x; want the device's 700 bytes, then zeros", buf[:4], buf[696:704])
	}
	if err := p.SecuritySend(context.Background(), 0x01, 0x07FE, out); err != nil {
		t.Errorf("SecuritySend = %v", err)
	}
	if err := p.SecuritySend(context.Background(), 0x01, 0x07FE, nil); !errors.Is(err, scsi.ErrBadCommand) {
		t.Errorf("SecuritySend of nothing = %v; want ErrBadCommand, nothing sent", err)
	}
}
