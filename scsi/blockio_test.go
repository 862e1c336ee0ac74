package scsi_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"path/filepath"
	"testing"

	"github.com/kesu-erase/kesu/ata/atatest"
	"github.com/kesu-erase/kesu/scsi"
	"github.com/kesu-erase/kesu/scsi/scsitest"
)

// TestBlockCDBs checks READ(16), WRITE(16) and SYNCHRONIZE CACHE(10)
// against bytes written from SBC-4 tables 5.13/5.41/5.26 (and sg_dd's
// 16-byte CDBs: opcode, flags, 8-byte LBA, 4-byte length, group, control).
func TestBlockCDBs(t *testing.T) {
	for _, c := range []struct {
		name string
		got  []byte
		want []byte
	}{
		{"READ(16) LBA 0x0102030405060708, 0x80 blocks", scsi.Read16CDB(0x0102030405060708, 0x80),
			[]byte{0x88, 0, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0x80, 0, 0}},
		{"WRITE(16) LBA 7, 0x10000 blocks", scsi.Write16CDB(7, 0x10000),
			[]byte{0x8A, 0, 0, 0, 0, 0, 0, 0, 0, 7, 0, 1, 0, 0, 0, 0}},
		{"SYNCHRONIZE CACHE(10)", scsi.SynchronizeCache10CDB(), []byte{0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0}},
	} {
		if !bytes.Equal(c.got, c.want) {
			t.Errorf("%s = % x; want % x", c.name, c.got, c.want)
		}
	}
}

// TestBlockDeviceSplitsTransfers writes and reads through an emulated SAS
// disk with a transport limit smaller than the request, and checks the
// bytes on the emulator's medium and the commands it saw.
func TestBlockDeviceSplitsTransfers(t *testing.T) {
	d, err := scsitest.NewDrive(filepath.Join(t.TempDir(), "sas"), scsitest.DriveConfig{Blocks: 64})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ctx := context.Background()
	b, err := scsi.OpenBlockDevice(ctx, scsi.NewDevice(d, "pd8"), "pd8", 4*512+100, true)
	if err != nil {
		t.Fatal(err)
	}
	if b.Size() != 64*512 || b.MaxTransfer() != 4*512 {
		t.Fatalf("Size, MaxTransfer = %d, %d; want %d, %d", b.Size(), b.MaxTransfer(), 64*512, 4*512)
	}
	data := bytes.Repeat([]byte{0xA5, 0x5A, 0x01}, 10*512/3+1)[:10*512]
	if n, err := b.WriteAt(data, 3*512); n != len(data) || err != nil {
		t.Fatalf("WriteAt = %d, %v; want %d, nil", n, err, len(data))
	}
	if err := b.Sync(); err != nil {
		t.Fatalf("Sync: %v", err)
	}
	raw := make([]byte, len(data))
	d.ReadRaw(raw, 3*512)
	if !bytes.Equal(raw, data) {
		t.Fatal("the medium does not hold what was written")
	}
	var writes []string
	for _, e := range d.Log() {
		if e.Name == "WRITE(16)" {
			writes = append(writes, string(e.CDB[9])+string(e.CDB[13]))
		}
	}
	// 10 blocks in chunks of 4: LBA 3 (4), 7 (4), 11 (2).
	if want := []string{"\x03\x04", "\x07\x04", "\x0b\x02"}; len(writes) != 3 || writes[0] != want[0] || writes[1] != want[1] || writes[2] != want[2] {
		t.Fatalf("WRITE(16) (LBA, blocks) = %q; want %q", writes, want)
	}
	got := make([]byte, len(data))
	if n, err := b.ReadAt(got, 3*512); n != len(got) || err != nil || !bytes.Equal(got, data) {
		t.Fatalf("ReadAt = %d, %v, equal %v", n, err, bytes.Equal(got, data))
	}
	// A read across the end returns what lies before it and io.EOF.
	tail := make([]byte, 4*512)
	if n, err := b.ReadAt(tail, 62*512); n != 2*512 || err != io.EOF {
		t.Fatalf("ReadAt across the end = %d, %v; want %d, EOF", n, err, 2*512)
	}
	if _, err := b.WriteAt(make([]byte, 100), 0); !errors.Is(err, scsi.ErrUnaligned) {
		t.Fatalf("unaligned WriteAt: %v; want ErrUnaligned", err)
	}
	ro, err := scsi.OpenBlockDevice(ctx, scsi.NewDevice(d, "pd8"), "pd8", 1<<20, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ro.WriteAt(make([]byte, 512), 0); err == nil {
		t.Fatal("WriteAt on a read-only BlockDevice succeeded")
	}
}

// TestBlockDeviceThroughSATL writes through an emulated SATA drive's SATL
// and sees its state: a security-locked drive aborts host I/O, a
// write-protected medium refuses writes with DATA PROTECT.
func TestBlockDeviceThroughSATL(t *testing.T) {
	d, err := atatest.New(filepath.Join(t.TempDir(), "ata"), atatest.Config{Model: "EMU SATA", Serial: "S1", Sectors: 128})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	b, err := scsi.OpenBlockDevice(context.Background(), scsi.NewDevice(d, "pd9"), "pd9", 64<<10, true)
	if err != nil {
		t.Fatal(err)
	}
	if b.Size() != 128*512 {
		t.Fatalf("Size = %d; want %d", b.Size(), 128*512)
	}
	data := bytes.Repeat([]byte{0x3C}, 8*512)
	if _, err := b.WriteAt(data, 120*512); err != nil {
		t.Fatal(err)
	}
	raw := make([]byte, len(data))
	d.ReadRaw(raw, 120*512)
	if !bytes.Equal(raw, data) {
		t.Fatal("the SATA medium does not hold what was written")
	}
	if _, err := b.WriteAt(data, 124*512); err == nil {
		t.Fatal("a write past the max address succeeded")
	}
	d.Faults.WriteProtect = true
	_, err = b.WriteAt(data[:512], 0)
	var ce *scsi.CommandError
	if !errors.As(err, &ce) || ce.Status.Sense == nil || ce.Status.Sense.Key != scsi.KeyDataProtect {
		t.Fatalf("write to a write-protected medium: %v; want DATA PROTECT", err)
	}
	d.Faults.WriteProtect = false
	d.SetUserPassword("pw")
	d.PowerCycle() // security enabled and locked
	if _, err := b.ReadAt(make([]byte, 512), 0); err == nil {
		t.Fatal("a read from a locked drive succeeded")
	}
}

// lazyReader acknowledges every READ(16) without moving data and without
// a residual, as a pass-through that reports none may.
type lazyReader struct{ scsi.Transport }

func (l lazyReader) Exec(ctx context.Context, c *scsi.Command) (*scsi.Response, error) {
	if c.CDB[0] == scsi.OpRead16 {
		return &scsi.Response{Status: scsi.StatusGood}, nil
	}
	return l.Transport.Exec(ctx, c)
}

// TestBlockDeviceUnreadIsNotZeros: a read the device acknowledged without
// transferring leaves no zeros (nor any constant) behind for a
// verification to accept.
func TestBlockDeviceUnreadIsNotZeros(t *testing.T) {
	d, err := scsitest.NewDrive(filepath.Join(t.TempDir(), "sas"), scsitest.DriveConfig{Blocks: 16})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	b, err := scsi.OpenBlockDevice(context.Background(), scsi.NewDevice(lazyReader{d}, "pd"), "pd", 1<<20, false)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4*512) // zeros, as a reused buffer may be
	if _, err := b.ReadAt(buf, 0); err != nil {
		t.Fatal(err)
	}
	for _, v := range []byte{0x00, 0xFF} {
		if bytes.Count(buf, []byte{v}) == len(buf) {
			t.Fatalf("an unread buffer reads as all %#02x", v)
		}
	}
	if bytes.Count(buf, []byte{buf[0]}) == len(buf) {
		t.Fatal("an unread buffer reads as a constant")
	}
}
