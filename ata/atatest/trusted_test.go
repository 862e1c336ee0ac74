package atatest_test

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/kesu-erase/kesu/ata"
	"github.com/kesu-erase/kesu/ata/atatest"
	"github.com/kesu-erase/kesu/internal/filemedia/sedtest"
	"github.com/kesu-erase/kesu/scsi"
	"github.com/kesu-erase/kesu/tcg"
	"github.com/kesu-erase/kesu/tcg/tcgtest"
)

func newSED(t *testing.T, cfg atatest.Config) (*sedtest.Fake, *atatest.Drive, *ata.Device) {
	t.Helper()
	f := &sedtest.Fake{Answers: map[uint8][]byte{0x00: {0, 0, 0, 0, 0, 0, 0, 2, 0x00, 0x01}, 0x01: []byte("level 0")}}
	cfg.TPer = f
	d, dev := newDrive(t, cfg)
	return f, d, dev
}

func TestTPerAttachAndIdentify(t *testing.T) {
	f, d, dev := newSED(t, atatest.Config{Sectors: 4096})
	medium, capacity, times := f.Attached()
	if file, ok := medium.(*os.File); !ok || file != d.File() || capacity != 4096*512 || times != 1 {
		t.Errorf("Attach(%v, %d) × %d; want the backing file, %d, once", medium, capacity, times, 4096*512)
	}
	id, err := dev.Identify(ctx)
	if err != nil || !id.TrustedComputing {
		t.Errorf("IDENTIFY with a TPer: TrustedComputing %v, %v; want true", id != nil && id.TrustedComputing, err)
	}
	_, plain := newDrive(t, atatest.Config{})
	if id, err := plain.Identify(ctx); err != nil || id.TrustedComputing {
		t.Errorf("IDENTIFY without a TPer: TrustedComputing %v, %v; want false", id != nil && id.TrustedComputing, err)
	}
}

// TestTrustedPassThrough: TRUSTED RECEIVE/SEND through ATA PASS-THROUGH
// reach the TPer with the protocol, SP specific field and length the host
// gave, including a length above 255 blocks.
func TestTrustedPassThrough(t *testing.T) {
	f, _, dev := newSED(t, atatest.Config{})
	p := ata.TCG(dev)
	buf := bytes.Repeat([]byte{0xFF}, 512)
	if err := p.SecurityReceive(ctx, 0x01, 0x0001, buf); err != nil {
		t.Fatalf("IF-RECV = %v", err)
	}
	if want := append([]byte("level 0"), make([]byte, 505)...); !bytes.Equal(buf, want) {
		t.Errorf("IF-RECV data = %q...; want the TPer's answer, zero padded", buf[:10])
	}
	if c := f.Last(t); c.Send || c.Protocol != 0x01 || c.SPSpecific != 0x0001 || c.Len != 512 {
		t.Errorf("TPer got %+v; want IF-RECV protocol 01h, SP 0001h, 512 bytes", c)
	}
	data := bytes.Repeat([]byte("IF-SEND!"), 291*64) // 291 blocks
	if err := p.SecuritySend(ctx, 0x01, 0x07FE, data); err != nil {
		t.Fatalf("IF-SEND = %v", err)
	}
	if c := f.Last(t); !c.Send || c.Protocol != 0x01 || c.SPSpecific != 0x07FE || !bytes.Equal(c.Data, data) {
		t.Errorf("TPer got send=%v protocol %02Xh SP %04Xh %d bytes; want IF-SEND 01h, 07FEh, the 148992 bytes", c.Send, c.Protocol, c.SPSpecific, c.Len)
	}
	if err := p.SecurityReceive(ctx, 0x02, 0x0000, buf); !errors.Is(err, tcg.ErrNotSupported) || !errors.Is(err, ata.ErrAborted) {
		t.Errorf("IF-RECV of an unsupported protocol = %v; want ABORT, ErrNotSupported", err)
	}
	f.Fail = errors.New("TPer broke")
	if err := p.SecurityReceive(ctx, 0x01, 0x0001, buf); errors.Is(err, tcg.ErrNotSupported) || !errors.Is(err, ata.ErrDeviceFault) {
		t.Errorf("IF-RECV the TPer fails = %v; want a device fault, not ErrNotSupported", err)
	}
}

// TestSATLSecurityProtocol: the SATL translates SECURITY PROTOCOL IN/OUT
// to the TPer as libata does, with libata's reading of byte 4.
func TestSATLSecurityProtocol(t *testing.T) {
	f, d, _ := newSED(t, atatest.Config{})
	p := scsi.TCG(d)
	buf := make([]byte, 1024)
	if err := p.SecurityReceive(ctx, 0x00, 0x0000, buf); err != nil || buf[7] != 2 || buf[9] != 1 {
		t.Fatalf("SECURITY PROTOCOL IN = %v, % x; want the TPer's protocol list", err, buf[:10])
	}
	if c := f.Last(t); c.Send || c.Protocol != 0 || c.SPSpecific != 0 || c.Len != 1024 {
		t.Errorf("TPer got %+v; want IF-RECV protocol 00h, SP 0000h, 1024 bytes", c)
	}
	if err := p.SecuritySend(ctx, 0x01, 0x1234, bytes.Repeat([]byte{7}, 512)); err != nil {
		t.Fatalf("SECURITY PROTOCOL OUT = %v", err)
	}
	if c := f.Last(t); !c.Send || c.Protocol != 0x01 || c.SPSpecific != 0x1234 || c.Len != 512 || c.Data[0] != 7 {
		t.Errorf("TPer got %+v; want IF-SEND protocol 01h, SP 1234h, 512 bytes", c)
	}
	// libata takes byte 4 bits 2:0 as INC_512 (ata_scsi_security_inout_xlat
	// `cdb[4] & 7`): 4 in bytes 6-9 is then 4 blocks.
	cdb := []byte{scsi.OpSecurityProtocolIn, 0x01, 0x00, 0x01, 0x01, 0, 0, 0, 0, 4, 0, 0}
	r, err := d.Exec(ctx, &scsi.Command{CDB: cdb, Dir: scsi.DirFromDevice, Data: make([]byte, 2048), Timeout: scsi.SecurityTimeout})
	if err != nil || r.Status != scsi.StatusGood || f.Last(t).Len != 2048 {
		t.Errorf("SECURITY PROTOCOL IN with byte 4 = 01h, length 4 = %v, %+v, TPer saw %d bytes; want GOOD, 2048", err, r, f.Last(t).Len)
	}
	cdb[1] = 0xEF // ATA Security, which libata refuses
	if r, _ := d.Exec(ctx, &scsi.Command{CDB: cdb, Dir: scsi.DirFromDevice, Data: make([]byte, 2048), Timeout: scsi.SecurityTimeout}); r.Status != scsi.StatusCheckCondition {
		t.Errorf("SECURITY PROTOCOL IN of protocol EFh = %+v; want CHECK CONDITION", r)
	}
	if err := p.SecurityReceive(ctx, 0x02, 0x0000, buf); !errors.Is(err, tcg.ErrNotSupported) {
		t.Errorf("SECURITY PROTOCOL IN of an unsupported protocol = %v; want ErrNotSupported", err)
	}
	f.Fail = errors.New("TPer broke")
	if err := p.SecurityReceive(ctx, 0x01, 0x0001, buf); errors.Is(err, tcg.ErrNotSupported) || !errors.Is(err, scsi.ErrHardwareError) {
		t.Errorf("SECURITY PROTOCOL IN the TPer fails = %v; want HARDWARE ERROR, not ErrNotSupported", err)
	}
}

func TestNoTPerRefusesSecurityProtocols(t *testing.T) {
	d, dev := newDrive(t, atatest.Config{})
	if err := ata.TCG(dev).SecurityReceive(ctx, 0x00, 0x0000, make([]byte, 512)); !errors.Is(err, tcg.ErrNotSupported) || !errors.Is(err, ata.ErrAborted) {
		t.Errorf("TRUSTED RECEIVE without a TPer = %v; want ABORT, ErrNotSupported", err)
	}
	err := scsi.TCG(d).SecuritySend(ctx, 0x01, 0x0001, make([]byte, 512))
	var ce *scsi.CommandError
	if !errors.Is(err, tcg.ErrNotSupported) || !errors.As(err, &ce) || ce.Status.Sense == nil || ce.Status.Sense.ASC != 0x20 {
		t.Errorf("SECURITY PROTOCOL OUT without a TPer = %v; want invalid operation code, ErrNotSupported", err)
	}
}

// TestFilterTPM: with libata's default allow_tpm=0 the pass-through is
// refused and the error says how to allow it; SECURITY PROTOCOL IN is not
// filtered.
func TestFilterTPM(t *testing.T) {
	f, d, dev := newSED(t, atatest.Config{FilterTPM: true})
	err := ata.TCG(dev).SecurityReceive(ctx, 0x01, 0x0001, make([]byte, 512))
	if !errors.Is(err, tcg.ErrNotSupported) || !errors.Is(err, ata.ErrPassThroughRejected) || !strings.Contains(err.Error(), "libata.allow_tpm=1") {
		t.Errorf("TRUSTED RECEIVE through a filtering libata = %v; want ErrNotSupported naming libata.allow_tpm=1", err)
	}
	if n := len(f.Calls()); n != 0 {
		t.Errorf("the TPer received %d commands through the filter; want 0", n)
	}
	if err := scsi.TCG(d).SecurityReceive(ctx, 0x01, 0x0001, make([]byte, 512)); err != nil {
		t.Errorf("SECURITY PROTOCOL IN through a filtering libata = %v; want it translated", err)
	}
}

// TestLockedRangeAndShadow: a locked range refuses host I/O on the Target
// view (tcgtest.ErrLocked) and through the SATL (ABORTED COMMAND); reads of
// the MBR shadow come from the TPer on both.
func TestLockedRangeAndShadow(t *testing.T) {
	f, d, _ := newSED(t, atatest.Config{Sectors: 64})
	f.Locked = []sedtest.Range{{Start: 16 * 512, End: 32 * 512}}
	f.MBR = bytes.Repeat([]byte{'M'}, 1024)
	medium := bytes.Repeat([]byte{0xD7}, 64*512)
	d.WriteRaw(medium, 0)
	m := d.Media()
	sd := scsi.NewDevice(d, "emu")

	buf := make([]byte, 4*512)
	if _, err := m.ReadAt(buf, 0); err != nil || !bytes.Equal(buf[:1024], f.MBR) || !bytes.Equal(buf[1024:], medium[1024:2048]) {
		t.Errorf("Media read of LBA 0-3 = %v; want the shadow over 1024 bytes, then the medium", err)
	}
	in := make([]byte, 512)
	if _, err := sd.Do(ctx, "READ(16)", &scsi.Command{CDB: scsi.Read16CDB(1, 1), Dir: scsi.DirFromDevice, Data: in, Timeout: scsi.BlockIOTimeout}); err != nil || !bytes.Equal(in, f.MBR[512:]) {
		t.Errorf("READ(16) of LBA 1 = %v, % x...; want the shadow", err, in[:4])
	}
	if _, err := m.ReadAt(buf, 15*512); !errors.Is(err, tcgtest.ErrLocked) {
		t.Errorf("Media read into the locked range = %v; want ErrLocked", err)
	}
	if _, err := m.WriteAt(buf, 20*512); !errors.Is(err, tcgtest.ErrLocked) {
		t.Errorf("Media write into the locked range = %v; want ErrLocked", err)
	}
	if _, err := sd.Do(ctx, "READ(16)", &scsi.Command{CDB: scsi.Read16CDB(16, 1), Dir: scsi.DirFromDevice, Data: in, Timeout: scsi.BlockIOTimeout}); !errors.Is(err, scsi.ErrAborted) {
		t.Errorf("READ(16) of locked LBA 16 = %v; want ABORTED COMMAND", err)
	}
	if _, err := sd.Do(ctx, "WRITE(16)", &scsi.Command{CDB: scsi.Write16CDB(31, 1), Dir: scsi.DirToDevice, Data: make([]byte, 512), Timeout: scsi.BlockIOTimeout}); !errors.Is(err, scsi.ErrAborted) {
		t.Errorf("WRITE(16) of locked LBA 31 = %v; want ABORTED COMMAND", err)
	}
	raw := make([]byte, 64*512)
	d.ReadRaw(raw, 0)
	if !bytes.Equal(raw, medium) {
		t.Errorf("the medium changed under refused writes")
	}
	if _, err := sd.Do(ctx, "WRITE(16)", &scsi.Command{CDB: scsi.Write16CDB(32, 1), Dir: scsi.DirToDevice, Data: make([]byte, 512), Timeout: scsi.BlockIOTimeout}); err != nil {
		t.Errorf("WRITE(16) of unlocked LBA 32 = %v", err)
	}
}
