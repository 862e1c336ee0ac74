package atatest_test

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/kesu-erase/kesu/ata"
	"github.com/kesu-erase/kesu/ata/atatest"
	"github.com/kesu-erase/kesu/scsi"
)

func newDrive(t *testing.T, cfg atatest.Config) (*atatest.Drive, *ata.Device) {
	t.Helper()
	if cfg.Sectors == 0 {
		cfg.Sectors = 2048
	}
	d, err := atatest.New(filepath.Join(t.TempDir(), "d.img"), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d, &ata.Device{T: d, Name: "emu"}
}

var ctx = context.Background()

func pw(s string) ata.Password {
	p, err := ata.PasswordFromString(s)
	if err != nil {
		panic(err)
	}
	return p
}

// TestSecurityStateMachine walks SEC1 -> SEC5 -> (power) SEC4 -> SEC5 ->
// SEC6 (frozen) -> (power) SEC4 and checks what each state refuses
// (ACS-3 table "Security mode command actions").
func TestSecurityStateMachine(t *testing.T) {
	d, dev := newDrive(t, atatest.Config{Security: true})
	state := func() string {
		id, err := dev.Identify(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return id.Security.State()[:4]
	}
	if s := state(); s != "SEC1" {
		t.Fatalf("initial state %s; want SEC1", s)
	}
	if err := dev.DisablePassword(ctx, pw("a"), false); !errors.Is(err, ata.ErrAborted) {
		t.Errorf("DISABLE in SEC1 = %v; want aborted", err)
	}
	if _, err := dev.Exec(ctx, ata.SetPasswordCommand(pw("user1"))); err != nil {
		t.Fatal(err)
	}
	if s := state(); s != "SEC5" {
		t.Errorf("after SET PASSWORD: %s; want SEC5", s)
	}
	d.PowerCycle()
	if s := state(); s != "SEC4" {
		t.Errorf("after power cycle: %s; want SEC4 (locked)", s)
	}
	if _, err := d.Media().ReadAt(make([]byte, 512), 0); !errors.Is(err, atatest.ErrLocked) {
		t.Errorf("media read while locked = %v; want ErrLocked", err)
	}
	if _, err := dev.Exec(ctx, ata.SetPasswordCommand(pw("other"))); !errors.Is(err, ata.ErrAborted) {
		t.Errorf("SET PASSWORD in SEC4 = %v; want aborted", err)
	}
	if err := dev.Unlock(ctx, pw("user1"), false); err != nil {
		t.Fatalf("UNLOCK = %v", err)
	}
	if s := state(); s != "SEC5" {
		t.Errorf("after UNLOCK: %s; want SEC5", s)
	}
	if _, err := dev.Exec(ctx, &ata.Command{Name: "SECURITY FREEZE LOCK", Opcode: 0xF5, Device: 0x40, Protocol: ata.ProtoNonData, CheckCondition: true, Timeout: ata.ShortTimeout}); err != nil {
		t.Fatal(err)
	}
	if s := state(); s != "SEC6" {
		t.Errorf("after FREEZE LOCK: %s; want SEC6", s)
	}
	if err := dev.DisablePassword(ctx, pw("user1"), false); !errors.Is(err, ata.ErrAborted) {
		t.Errorf("DISABLE in SEC6 = %v; want aborted", err)
	}
	d.PowerCycle()
	if s := state(); s != "SEC4" {
		t.Errorf("after power cycle: %s; want SEC4", s)
	}
}

// TestMasterPasswordCapability: with capability Maximum the master password
// only erases; with High it also unlocks.
func TestMasterPasswordCapability(t *testing.T) {
	for _, maximum := range []bool{false, true} {
		d, dev := newDrive(t, atatest.Config{Security: true, MasterPassword: "master", MasterMaximum: maximum})
		d.SetUserPassword("user")
		d.PowerCycle()
		err := dev.Unlock(ctx, pw("master"), true)
		if maximum != errors.Is(err, ata.ErrAborted) {
			t.Errorf("maximum=%v: UNLOCK with master = %v", maximum, err)
		}
		if _, err := dev.Exec(ctx, ata.ErasePrepareCommand()); err != nil {
			t.Fatal(err)
		}
		c := ata.EraseUnitCommand(pw("master"), false, ata.ShortTimeout)
		c.Data[0] |= 0x01 // identifier: master
		if _, err := dev.Exec(ctx, c); err != nil {
			t.Errorf("maximum=%v: ERASE UNIT with master = %v; want success", maximum, err)
		}
		if st := d.State(); st.SecurityEnabled || st.Locked {
			t.Errorf("maximum=%v: state after master erase %+v; want SEC1", maximum, st)
		}
	}
}

func TestEraseUnitNeedsPrepare(t *testing.T) {
	d, dev := newDrive(t, atatest.Config{Security: true})
	d.SetUserPassword("u")
	if _, err := dev.Exec(ctx, ata.EraseUnitCommand(pw("u"), false, ata.ShortTimeout)); !errors.Is(err, ata.ErrAborted) {
		t.Errorf("ERASE UNIT without PREPARE = %v; want aborted", err)
	}
	// PREPARE, then another command, then UNIT: still refused.
	dev.Exec(ctx, ata.ErasePrepareCommand())
	dev.Identify(ctx)
	if _, err := dev.Exec(ctx, ata.EraseUnitCommand(pw("u"), false, ata.ShortTimeout)); !errors.Is(err, ata.ErrAborted) {
		t.Errorf("ERASE UNIT not directly after PREPARE = %v; want aborted", err)
	}
}

func TestSetMaxOrderAndDCORestoreRules(t *testing.T) {
	d, dev := newDrive(t, atatest.Config{HPA: true, DCO: true, HPASectors: 10, DCOSectors: 20})
	// SET MAX without READ NATIVE MAX: refused.
	if _, err := dev.Exec(ctx, ata.SetMaxCommand(true, 2000, true)); !errors.Is(err, ata.ErrAborted) {
		t.Errorf("SET MAX alone = %v; want aborted", err)
	}
	// DCO RESTORE while the HPA is set: refused.
	if _, err := dev.Exec(ctx, ata.DCORestoreCommand()); !errors.Is(err, ata.ErrAborted) {
		t.Errorf("DCO RESTORE with HPA set = %v; want aborted", err)
	}
	// SET MAX beyond the (DCO-limited) native max: IDNF.
	dev.Exec(ctx, ata.ReadNativeMaxCommand(true))
	_, err := dev.Exec(ctx, ata.SetMaxCommand(true, 2047, true))
	var ce *ata.CommandError
	if !errors.As(err, &ce) || ce.Status.Registers == nil || ce.Status.Registers.Error&scsi.ATAErrorIDNF == 0 {
		t.Errorf("SET MAX beyond native = %v; want an IDNF error", err)
	}
	if st := d.State(); st.CurrentMax != 2047-30 {
		t.Errorf("max changed by refused commands: %d", st.CurrentMax)
	}
}

func TestVolatileSetMaxRevertsAtPowerCycle(t *testing.T) {
	d, dev := newDrive(t, atatest.Config{HPA: true, HPASectors: 48})
	if _, err := dev.RestoreHiddenAreas(ctx, ata.RestoreOptions{Volatile: true}); err != nil {
		t.Fatal(err)
	}
	if st := d.State(); st.CurrentMax != 2047 {
		t.Fatalf("max after volatile restore %d; want 2047", st.CurrentMax)
	}
	d.PowerCycle()
	if st := d.State(); st.CurrentMax != 2047-48 {
		t.Errorf("max after power cycle %d; want the HPA back at %d", st.CurrentMax, 2047-48)
	}
}

// TestRestore28Bit uses READ NATIVE MAX ADDRESS / SET MAX ADDRESS (F8h/F9h)
// on a drive without 48-bit addressing; LBA 27:24 travels in DEVICE 3:0.
func TestRestore28Bit(t *testing.T) {
	d, dev := newDrive(t, atatest.Config{No48Bit: true, HPA: true, Sectors: 0x01234567, HPASectors: 0x100})
	h, err := dev.RestoreHiddenAreas(ctx, ata.RestoreOptions{})
	if err != nil || h.NativeMax != 0x01234566 || h.After != 0x01234566 || h.NativeSource != "READ NATIVE MAX ADDRESS" {
		t.Fatalf("RestoreHiddenAreas(28-bit) = %+v, %v", h, err)
	}
	for _, e := range d.Log() {
		if e.Name == atatest.OpSetMax && e.CDB[13] != 0x41 {
			t.Errorf("SET MAX ADDRESS DEVICE byte = %#02x; want 41h (LBA 27:24 = 1)", e.CDB[13])
		}
	}
}

func TestSanitizeFreezeAndAntifreeze(t *testing.T) {
	d, dev := newDrive(t, atatest.Config{SanitizeBlockErase: true, SanitizeAntifreeze: true})
	if _, err := dev.Exec(ctx, ata.SanitizeAntifreezeLockCommand()); err != nil {
		t.Fatal(err)
	}
	_, err := dev.Exec(ctx, ata.SanitizeFreezeLockCommand())
	var ce *ata.CommandError
	if !errors.As(err, &ce) || ce.Status.Registers == nil || ce.Status.Registers.LBA != 4 {
		t.Errorf("FREEZE LOCK under antifreeze = %v; want abort reason 4", err)
	}
	st, err := dev.SanitizeStatus(ctx, false)
	if err != nil || !st.Antifreeze || st.Frozen {
		t.Errorf("status = %+v, %v; want antifreeze, not frozen", st, err)
	}
	d.PowerCycle()
	if _, err := dev.Exec(ctx, ata.SanitizeFreezeLockCommand()); err != nil {
		t.Errorf("FREEZE LOCK after power cycle = %v", err)
	}
	if st, _ := dev.SanitizeStatus(ctx, false); !st.Frozen || st.State != ata.SanitizeFrozen {
		t.Errorf("status after freeze = %+v; want SD1", st)
	}
}

func TestCommandsRefusedDuringSanitize(t *testing.T) {
	d, dev := newDrive(t, atatest.Config{SanitizeBlockErase: true, HPA: true})
	d.Faults.SanitizePolls = 10
	op, _ := ata.SanitizeOperationCommand(ata.SanitizeOptions{Method: ata.SanitizeBlockErase})
	if _, err := dev.Exec(ctx, op); err != nil {
		t.Fatal(err)
	}
	if _, err := dev.Exec(ctx, ata.ReadNativeMaxCommand(true)); !errors.Is(err, ata.ErrAborted) {
		t.Errorf("READ NATIVE MAX during sanitize = %v; want aborted", err)
	}
	if _, err := dev.Identify(ctx); err != nil {
		t.Errorf("IDENTIFY during sanitize = %v; want allowed", err)
	}
	if _, err := d.Media().WriteAt(make([]byte, 512), 0); !errors.Is(err, atatest.ErrSanitizing) {
		t.Errorf("media write during sanitize = %v; want ErrSanitizing", err)
	}
}

// TestSATLPages checks the libata-simulated SCSI side: INQUIRY "ATA"
// vendor, VPD 89h carrying IDENTIFY, B1h rotation rate, READ CAPACITY(16)
// following the current max address.
func TestSATLPages(t *testing.T) {
	d, _ := newDrive(t, atatest.Config{Model: "KESU HDD 2TB", Serial: "HD42", Firmware: "AB12CD34", RotationRate: 7200, HPA: true, HPASectors: 48})
	sd := &scsi.Device{T: d, Name: "emu"}
	in, err := scsi.Inspect(ctx, sd)
	if err != nil {
		t.Fatal(err)
	}
	if !in.IsATA() || in.Inquiry.Vendor != "ATA" || in.Inquiry.Product != "KESU HDD 2TB" || in.Inquiry.Revision != "CD34" {
		t.Errorf("INQUIRY = %+v; want ATA / KESU HDD 2TB / CD34 (libata takes firmware characters 5-8)", in.Inquiry)
	}
	if in.Serial != "HD42" || in.Class() != "HDD" || in.Capacity.Blocks() != 2000 {
		t.Errorf("serial %q class %s blocks %d", in.Serial, in.Class(), in.Capacity.Blocks())
	}
	id, err := ata.DecodeIdentify(in.ATA.Identify)
	if err != nil || id.Model != "KESU HDD 2TB" || !id.ChecksumValid {
		t.Errorf("VPD 89h IDENTIFY = %+v, %v", id, err)
	}
	if !bytes.Equal(in.VPDPages, []byte{0x00, 0x80, 0x83, 0x89, 0xB0, 0xB1, 0xB2}) {
		t.Errorf("VPD pages = % x", in.VPDPages)
	}
	// SCSI SANITIZE is not translated by libata.
	if _, err := sd.Do(ctx, "SANITIZE", &scsi.Command{CDB: scsi.SanitizeCDB(scsi.SanitizeBlockErase, true, false, false, 0), Timeout: scsi.ShortTimeout}); !errors.Is(err, scsi.ErrUnsupported) {
		t.Errorf("SCSI SANITIZE through the SATL = %v; want ErrUnsupported", err)
	}
}

func TestSMARTEmulation(t *testing.T) {
	_, dev := newDrive(t, atatest.Config{SMART: true, Attributes: []atatest.Attribute{
		{ID: 5, Flags: 0x33, Current: 9, Worst: 9, Threshold: 10, Raw: 4000},
	}})
	ex, err := dev.SMARTReturnStatus(ctx)
	if err != nil || !ex {
		t.Errorf("SMARTReturnStatus() = %v, %v; want exceeded", ex, err)
	}
	data, err := dev.SMARTReadData(ctx)
	if err != nil || !data.ChecksumValid || !data.ThresholdsRead || len(data.Attributes) != 1 || !data.Attributes[0].Failing() || data.Attributes[0].RawValue != 4000 {
		t.Errorf("SMARTReadData() = %+v, %v", data, err)
	}
	_, dev2 := newDrive(t, atatest.Config{SMART: true, SMARTDisabled: true})
	if _, err := dev2.SMARTReadData(ctx); !errors.Is(err, ata.ErrAborted) {
		t.Errorf("SMART READ DATA with SMART disabled = %v; want aborted", err)
	}
}

// target is erase.Target's method set (notes/target-iface.md), repeated
// here because atatest must not import erase.
type target interface {
	ReadAt(p []byte, off int64) (int, error)
	WriteAt(p []byte, off int64) (int, error)
	Size() int64
	LogicalBlockSize() int
	PhysicalBlockSize() int
	Sync() error
	Close() error
	Name() string
}

var _ target = (*atatest.Media)(nil)

func TestMediaBounds(t *testing.T) {
	d, _ := newDrive(t, atatest.Config{LogicalSectorSize: 4096, PhysicalSectorSize: 4096, Sectors: 16, HPA: true, HPASectors: 2})
	var m target = d.Media()
	if m.Size() != 14*4096 || m.LogicalBlockSize() != 4096 || m.PhysicalBlockSize() != 4096 {
		t.Fatalf("media geometry %d/%d/%d", m.Size(), m.LogicalBlockSize(), m.PhysicalBlockSize())
	}
	buf := make([]byte, 8192)
	if n, err := m.ReadAt(buf, 13*4096); n != 4096 || err == nil {
		t.Errorf("ReadAt across the max = %d, %v; want 4096 and io.EOF", n, err)
	}
	if n, err := m.WriteAt(buf, 13*4096); n != 4096 || !errors.Is(err, atatest.ErrBeyondMax) {
		t.Errorf("WriteAt across the max = %d, %v; want 4096 and ErrBeyondMax", n, err)
	}
	if _, err := m.WriteAt(buf[:1], 15*4096); !errors.Is(err, atatest.ErrBeyondMax) {
		t.Errorf("WriteAt inside the HPA = %v; want ErrBeyondMax", err)
	}
	if err := m.Sync(); err != nil {
		t.Error(err)
	}
}
