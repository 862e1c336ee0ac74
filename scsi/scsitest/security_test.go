package scsitest

import (
	"bytes"
	"context"
	"errors"
	"os"
	"testing"

	"github.com/kesu-erase/kesu/internal/filemedia/sedtest"
	"github.com/kesu-erase/kesu/scsi"
	"github.com/kesu-erase/kesu/tcg"
	"github.com/kesu-erase/kesu/tcg/tcgtest"
)

// TestSASSecurityProtocol: SECURITY PROTOCOL IN/OUT reach the TPer with
// the protocol, SP specific field and length the CDB carries, in bytes or
// (INC_512) blocks; refusals are typed.
func TestSASSecurityProtocol(t *testing.T) {
	ctx := context.Background()
	f := &sedtest.Fake{Answers: map[uint8][]byte{0x01: []byte("discovery")}}
	d := newSAS(t, DriveConfig{TPer: f, Blocks: 128})
	medium, capacity, times := f.Attached()
	if file, ok := medium.(*os.File); !ok || file != d.f || capacity != 128*512 || times != 1 {
		t.Errorf("Attach(%v, %d) × %d; want the backing file, %d, once", medium, capacity, times, 128*512)
	}
	p := scsi.TCG(d)
	buf := make([]byte, 1024)
	if err := p.SecurityReceive(ctx, 0x01, 0x0001, buf); err != nil || string(buf[:9]) != "discovery" {
		t.Fatalf("SECURITY PROTOCOL IN = %v, %q; want the TPer's answer", err, buf[:9])
	}
	if c := f.Last(t); c.Send || c.Protocol != 0x01 || c.SPSpecific != 0x0001 || c.Len != 1024 {
		t.Errorf("TPer got %+v; want IF-RECV 01h, 0001h, 1024 bytes", c)
	}
	data := bytes.Repeat([]byte{0x42}, 1536)
	if err := p.SecuritySend(ctx, 0x01, 0x07FE, data); err != nil {
		t.Fatalf("SECURITY PROTOCOL OUT = %v", err)
	}
	if c := f.Last(t); !c.Send || c.Protocol != 0x01 || c.SPSpecific != 0x07FE || !bytes.Equal(c.Data, data) {
		t.Errorf("TPer got send=%v %02Xh %04Xh %d bytes; want IF-SEND 01h, 07FEh, the 1536 bytes", c.Send, c.Protocol, c.SPSpecific, c.Len)
	}
	// INC_512: the length counts 512-byte blocks (SPC-5 6.40).
	cdb := scsi.SecurityProtocolInCDB(0x01, 0x0001, true, 2)
	if r, err := d.Exec(ctx, &scsi.Command{CDB: cdb, Dir: scsi.DirFromDevice, Data: buf, Timeout: scsi.SecurityTimeout}); err != nil || r.Status != scsi.StatusGood || f.Last(t).Len != 1024 {
		t.Errorf("SECURITY PROTOCOL IN, INC_512, 2 blocks = %v, %+v; want GOOD, 1024 bytes to the TPer", err, r)
	}
	cdb = scsi.SecurityProtocolInCDB(0x01, 0x0001, false, 512) // does not match the 1024-byte buffer
	if r, _ := d.Exec(ctx, &scsi.Command{CDB: cdb, Dir: scsi.DirFromDevice, Data: buf, Timeout: scsi.SecurityTimeout}); r.Status != scsi.StatusCheckCondition {
		t.Errorf("SECURITY PROTOCOL IN with a length unlike the buffer = %+v; want CHECK CONDITION", r)
	}

	err := p.SecurityReceive(ctx, 0x02, 0x0000, buf)
	var ce *scsi.CommandError
	if !errors.Is(err, tcg.ErrNotSupported) || !errors.As(err, &ce) || ce.Status.Sense.ASC != 0x24 {
		t.Errorf("SECURITY PROTOCOL IN of an unsupported protocol = %v; want INVALID FIELD IN CDB, ErrNotSupported", err)
	}
	f.Fail = errors.New("TPer broke")
	if err := p.SecurityReceive(ctx, 0x01, 0x0001, buf); errors.Is(err, tcg.ErrNotSupported) || !errors.Is(err, scsi.ErrHardwareError) {
		t.Errorf("SECURITY PROTOCOL IN the TPer fails = %v; want HARDWARE ERROR, not ErrNotSupported", err)
	}

	plain := newSAS(t, DriveConfig{Blocks: 64})
	err = scsi.TCG(plain).SecurityReceive(ctx, 0x00, 0x0000, buf)
	if !errors.Is(err, tcg.ErrNotSupported) || !errors.As(err, &ce) || ce.Status.Sense.ASC != 0x20 {
		t.Errorf("SECURITY PROTOCOL IN without a TPer = %v; want invalid operation code, ErrNotSupported", err)
	}
}

// TestSASLockedRangeAndShadow: a locked range refuses host I/O with DATA
// PROTECT, ACCESS DENIED - NO ACCESS RIGHTS (07h 20h/02h) through READ(16)/
// WRITE(16) and with tcgtest.ErrLocked on the Target view; reads of the
// MBR shadow come from the TPer on both.
func TestSASLockedRangeAndShadow(t *testing.T) {
	ctx := context.Background()
	f := &sedtest.Fake{Locked: []sedtest.Range{{Start: 8 * 512, End: 16 * 512}}, MBR: bytes.Repeat([]byte{'S'}, 512)}
	d := newSAS(t, DriveConfig{TPer: f, Blocks: 64})
	medium := bytes.Repeat([]byte{0x6B}, 64*512)
	d.WriteRaw(medium, 0)
	m := d.Media()
	sd := scsi.NewDevice(d, "sas")

	buf := make([]byte, 1024)
	if _, err := m.ReadAt(buf, 0); err != nil || !bytes.Equal(buf[:512], f.MBR) || !bytes.Equal(buf[512:], medium[512:1024]) {
		t.Errorf("Media read of LBA 0-1 = %v; want the shadow, then the medium", err)
	}
	in := make([]byte, 512)
	if _, err := sd.Do(ctx, "READ(16)", &scsi.Command{CDB: scsi.Read16CDB(0, 1), Dir: scsi.DirFromDevice, Data: in, Timeout: scsi.BlockIOTimeout}); err != nil || !bytes.Equal(in, f.MBR) {
		t.Errorf("READ(16) of LBA 0 = %v, % x...; want the shadow", err, in[:4])
	}
	if _, err := m.ReadAt(buf, 7*512); !errors.Is(err, tcgtest.ErrLocked) {
		t.Errorf("Media read into the locked range = %v; want ErrLocked", err)
	}
	if _, err := m.WriteAt(buf, 15*512); !errors.Is(err, tcgtest.ErrLocked) {
		t.Errorf("Media write into the locked range = %v; want ErrLocked", err)
	}
	for _, cmd := range []*scsi.Command{
		{CDB: scsi.Read16CDB(8, 1), Dir: scsi.DirFromDevice, Data: in, Timeout: scsi.BlockIOTimeout},
		{CDB: scsi.Write16CDB(15, 1), Dir: scsi.DirToDevice, Data: make([]byte, 512), Timeout: scsi.BlockIOTimeout},
	} {
		_, err := sd.Do(ctx, "I/O", cmd)
		var ce *scsi.CommandError
		if !errors.Is(err, scsi.ErrDataProtect) || !errors.As(err, &ce) || ce.Status.Sense.ASC != 0x20 || ce.Status.Sense.ASCQ != 0x02 {
			t.Errorf("CDB % x into the locked range = %v; want DATA PROTECT 20h/02h", cmd.CDB[:2], err)
		}
	}
	raw := make([]byte, 64*512)
	d.ReadRaw(raw, 0)
	if !bytes.Equal(raw, medium) {
		t.Errorf("the medium changed under refused writes")
	}
	if _, err := sd.Do(ctx, "WRITE(16)", &scsi.Command{CDB: scsi.Write16CDB(16, 1), Dir: scsi.DirToDevice, Data: make([]byte, 512), Timeout: scsi.BlockIOTimeout}); err != nil {
		t.Errorf("WRITE(16) of unlocked LBA 16 = %v", err)
	}
}
