package scsitest

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kesu-erase/kesu/scsi"
)

func hx(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestATASenseMatchesRealLibataDump: the emulator's pre-6.11 libata fixed
// layout must reproduce, byte for byte, what a real kernel returned for an
// aborted security command (the 18 bytes SG_IO delivers of the dump in
// scsi/testdata/sense-libata-abort-locked.txt).
func TestATASenseMatchesRealLibataDump(t *testing.T) {
	got := ATASense(scsi.ATAFixedLibata, scsi.KeyIllegalRequest, 0x21, 0x04,
		scsi.ATARegisters{Status: 0x51, Error: 0x04, Device: 0x40})
	want := hx(t, "70 00 05 00 00 00 00 0a 04 51 40 00 21 04 00 00 00 00")
	if !bytes.Equal(got, want) {
		t.Errorf("ATASense(libata fixed) = % x; want % x", got, want)
	}
}

// TestATASenseLayouts checks the other two layouts against bytes written
// by hand from SAT-3 (descriptor 09h) and Linux 6.11's fixed layout.
func TestATASenseLayouts(t *testing.T) {
	r := scsi.ATARegisters{Extend: true, Status: 0x50, Device: 0x40, Count: 0x0102, LBA: 0x0000_1D1C_0BEAF}
	desc := ATASense(scsi.ATADescriptor, scsi.KeyRecoveredError, 0x00, 0x1D, r)
	wantDesc := hx(t, "72 01 00 1D 00 00 00 0E 09 0C 01 00 01 02 D1 AF 01 BE 00 C0 40 50")
	if !bytes.Equal(desc, wantDesc) {
		t.Errorf("ATASense(descriptor) = % X; want % X", desc, wantDesc)
	}
	fixed := ATASense(scsi.ATAFixedSAT, scsi.KeyRecoveredError, 0x00, 0x1D, r)
	// VALID|70, key 1, INFORMATION = error 00 status 50 device 40 count 02,
	// byte 8 = EXTEND|COUNT upper|LBA upper = E0, LBA 23:0 = AF BE C0.
	wantFixed := hx(t, "F0 00 01 00 50 40 02 0A E0 AF BE C0 00 1D 00 00 00 00")
	if !bytes.Equal(fixed, wantFixed) {
		t.Errorf("ATASense(fixed SAT) = % X; want % X", fixed, wantFixed)
	}
	// Round trip through the decoder for all three.
	for _, l := range []scsi.ATALayout{scsi.ATADescriptor, scsi.ATAFixedSAT, scsi.ATAFixedLibata} {
		s, err := scsi.ParseSense(ATASense(l, scsi.KeyRecoveredError, 0, 0x1D, r))
		if err != nil {
			t.Fatal(err)
		}
		got, ok := scsi.ATARegistersFromSense(s)
		if !ok || got.Layout != l || got.Status != 0x50 || byte(got.LBA) != 0xAF {
			t.Errorf("%v round trip = %+v, %v", l, got, ok)
		}
	}
}

func TestFixedSenseProgressBytes(t *testing.T) {
	got := FixedSenseProgress(scsi.KeyNotReady, 0x04, 0x1B, 0x8000)
	want := hx(t, "70 00 02 00 00 00 00 0A 00 00 00 00 04 1B 00 80 80 00")
	if !bytes.Equal(got, want) {
		t.Errorf("FixedSenseProgress() = % X; want % X", got, want)
	}
}

// recordingTB captures Errorf calls so Script's own checks can be tested.
type recordingTB struct {
	errors   []string
	cleanups []func()
}

func (r *recordingTB) Helper()                           {}
func (r *recordingTB) Errorf(format string, args ...any) { r.errors = append(r.errors, format) }
func (r *recordingTB) Cleanup(f func())                  { r.cleanups = append(r.cleanups, f) }

func TestScriptDetectsDeviations(t *testing.T) {
	rec := &recordingTB{}
	s := NewScript(rec,
		Step{CDB: []byte{0x00, 0, 0, 0, 0, 0}, Reply: Good(nil)},
		Step{CDB: []byte{0x12, 0, 0, 0, 0x60, 0}, Reply: Good([]byte{1, 2, 3})},
	)
	ctx := context.Background()
	if _, err := s.Exec(ctx, &scsi.Command{CDB: []byte{0x03, 0, 0, 0, 0xFC, 0}, Dir: scsi.DirFromDevice, Data: make([]byte, 252), Timeout: time.Second}); err == nil {
		t.Errorf("Exec(wrong CDB) error = nil; want an error")
	}
	if len(rec.errors) != 1 {
		t.Errorf("wrong CDB recorded %d test errors; want 1", len(rec.errors))
	}
	buf := make([]byte, 96)
	r, err := s.Exec(ctx, &scsi.Command{CDB: []byte{0x12, 0, 0, 0, 0x60, 0}, Dir: scsi.DirFromDevice, Data: buf, Timeout: time.Second})
	if err != nil || r.Resid != 93 || buf[2] != 3 {
		t.Errorf("Exec(second step) = %+v, %v; want data copied, resid 93", r, err)
	}
	for _, f := range rec.cleanups {
		f()
	}
	if len(rec.errors) != 1 {
		t.Errorf("cleanup recorded %d errors; want none extra (all steps used)", len(rec.errors)-1)
	}
	rec2 := &recordingTB{}
	NewScript(rec2, Step{CDB: []byte{0}})
	for _, f := range rec2.cleanups {
		f()
	}
	if len(rec2.errors) != 1 {
		t.Errorf("unused step not reported at cleanup")
	}
}

func newSAS(t *testing.T, cfg DriveConfig) *Drive {
	t.Helper()
	if cfg.Blocks == 0 {
		cfg.Blocks = 4096
	}
	d, err := NewDrive(filepath.Join(t.TempDir(), "sas.img"), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	data := make([]byte, int(cfg.Blocks)*512)
	r := rand.New(rand.NewPCG(3, 4))
	for i := range data {
		data[i] = byte(r.Uint32() | 1)
	}
	if _, err := d.WriteRaw(data, 0); err != nil {
		t.Fatal(err)
	}
	return d
}

func raw(t *testing.T, d *Drive, n int) []byte {
	b := make([]byte, n)
	if _, err := d.ReadRaw(b, 0); err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSASSanitizeEndToEnd(t *testing.T) {
	tests := []struct {
		name  string
		opts  scsi.SanitizeOptions
		check func([]byte) bool
	}{
		{"block erase", scsi.SanitizeOptions{Action: scsi.SanitizeBlockErase}, func(b []byte) bool { return bytes.Count(b, []byte{0}) == len(b) }},
		{"overwrite", scsi.SanitizeOptions{Action: scsi.SanitizeOverwrite, OverwritePattern: []byte{0xC0, 0xFF, 0xEE, 0x00}, OverwritePasses: 2, OverwriteInvert: true},
			func(b []byte) bool {
				return bytes.Equal(b[:8], []byte{0xC0, 0xFF, 0xEE, 0x00, 0xC0, 0xFF, 0xEE, 0x00}) && b[len(b)-1] == 0x00
			}},
		{"crypto erase", scsi.SanitizeOptions{Action: scsi.SanitizeCryptoErase}, func(b []byte) bool { return bytes.Count(b, []byte{0}) < len(b)/100 }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := newSAS(t, DriveConfig{SanitizeOverwrite: true, SanitizeBlockErase: true, SanitizeCrypto: true,
				RotationRate: 1, RecommendedTimeout: 300})
			d.Faults.Polls = 4
			before := raw(t, d, 4096*512)
			dev := &scsi.Device{T: d, Name: "sas", Clock: NewFakeClock()}
			res, err := dev.Sanitize(context.Background(), tc.opts)
			if err != nil {
				t.Fatalf("Sanitize() error = %v (%+v)", err, res)
			}
			if !res.Completed || res.Polls != 4 || len(res.Progress) != 3 || res.Estimate != 5*time.Minute {
				t.Errorf("result = %+v; want completed after 4 polls, 3 progress samples, estimate 5m", res)
			}
			after := raw(t, d, 4096*512)
			if bytes.Equal(before, after) || !tc.check(after) {
				t.Errorf("medium after %s not as expected (first bytes % x)", tc.name, after[:8])
			}
		})
	}
}

func TestSASSanitizeFailureAndExit(t *testing.T) {
	for _, ause := range []bool{true, false} {
		d := newSAS(t, DriveConfig{SanitizeBlockErase: true})
		d.Faults.SanitizeFailAt = 0.5
		d.Faults.Polls = 4
		dev := &scsi.Device{T: d, Name: "sas", Clock: NewFakeClock()}
		_, err := dev.Sanitize(context.Background(), scsi.SanitizeOptions{Action: scsi.SanitizeBlockErase, AUSE: ause})
		if !errors.Is(err, scsi.ErrSanitizeFailed) {
			t.Fatalf("Sanitize(fails) error = %v; want ErrSanitizeFailed", err)
		}
		if _, err := d.Media().ReadAt(make([]byte, 512), 0); !errors.Is(err, ErrFailed) {
			t.Errorf("media in failure state error = %v; want ErrFailed", err)
		}
		if err := dev.TestUnitReady(context.Background()); !errors.Is(err, scsi.ErrSanitizeFailed) {
			t.Errorf("TEST UNIT READY in failure state = %v; want ErrSanitizeFailed", err)
		}
		err = dev.ExitSanitizeFailure(context.Background())
		if ause && err != nil {
			t.Errorf("ExitSanitizeFailure(AUSE) error = %v; want nil", err)
		}
		if !ause {
			if !errors.Is(err, scsi.ErrSanitizeExitRefused) {
				t.Errorf("ExitSanitizeFailure(no AUSE) error = %v; want ErrSanitizeExitRefused", err)
			}
			// Only a sanitize that completes brings it back.
			d.Faults.SanitizeFailAt = 0
			if _, err := dev.Sanitize(context.Background(), scsi.SanitizeOptions{Action: scsi.SanitizeBlockErase}); err != nil {
				t.Errorf("Sanitize() in restricted failure mode error = %v; want success", err)
			}
			if err := dev.TestUnitReady(context.Background()); err != nil {
				t.Errorf("TEST UNIT READY after a successful sanitize = %v", err)
			}
		}
	}
}

func TestSASRefusalsAreTyped(t *testing.T) {
	d := newSAS(t, DriveConfig{NoRSOC: true})
	dev := &scsi.Device{T: d, Name: "sas", Clock: NewFakeClock()}
	_, err := dev.Sanitize(context.Background(), scsi.SanitizeOptions{Action: scsi.SanitizeCryptoErase})
	if !errors.Is(err, scsi.ErrUnsupported) {
		t.Errorf("Sanitize(unsupported) error = %v; want ErrUnsupported", err)
	}
	if bytes.Count(raw(t, d, 512), []byte{0}) != 0 {
		t.Errorf("refused sanitize changed the medium")
	}
}

func TestSASFormatFakeSuccessLeavesData(t *testing.T) {
	d := newSAS(t, DriveConfig{})
	d.Faults.FakeSuccess = map[string]bool{"FORMAT UNIT": true}
	before := raw(t, d, 4096*512)
	dev := &scsi.Device{T: d, Name: "sas", Clock: NewFakeClock()}
	res, err := dev.FormatUnit(context.Background(), scsi.FormatOptions{})
	if err != nil || !res.Completed {
		t.Fatalf("FormatUnit() = %+v, %v; want reported success", res, err)
	}
	if !bytes.Equal(before, raw(t, d, 4096*512)) {
		t.Errorf("fake FORMAT UNIT changed the medium")
	}
	d.Faults.FakeSuccess = nil
	if _, err := dev.FormatUnit(context.Background(), scsi.FormatOptions{}); err != nil {
		t.Fatal(err)
	}
	if b := raw(t, d, 4096*512); bytes.Count(b, []byte{0}) != len(b) {
		t.Errorf("FORMAT UNIT did not zero the medium")
	}
}

func TestSASIdentity(t *testing.T) {
	d := newSAS(t, DriveConfig{Vendor: "SEAGATE", Product: "ST600MM0006", Revision: "B001", Serial: "S0M0ABCD",
		NAA: 0x5000C50012345678, RotationRate: 10000, BlockSize: 512})
	dev := &scsi.Device{T: d, Name: "sas"}
	ctx := context.Background()
	inq, err := dev.Inquiry(ctx)
	if err != nil || inq.Vendor != "SEAGATE" || inq.Product != "ST600MM0006" || inq.Revision != "B001" {
		t.Errorf("Inquiry() = %+v, %v", inq, err)
	}
	if sn, err := dev.UnitSerial(ctx); err != nil || sn != "S0M0ABCD" {
		t.Errorf("UnitSerial() = %q, %v", sn, err)
	}
	ds, err := dev.DeviceIdentification(ctx)
	if err != nil || scsi.NAA(ds) != "5000c50012345678" {
		t.Errorf("DeviceIdentification() NAA = %q, %v", scsi.NAA(ds), err)
	}
	bc, err := dev.BlockCharacteristics(ctx)
	if err != nil || bc.RotationRate != 10000 {
		t.Errorf("BlockCharacteristics() = %+v, %v", bc, err)
	}
	c, err := dev.ReadCapacity16(ctx)
	if err != nil || c.Blocks() != 4096 || c.LogicalBlockSize != 512 {
		t.Errorf("ReadCapacity16() = %+v, %v", c, err)
	}
	if m := d.Media(); m.Size() != 4096*512 || m.LogicalBlockSize() != 512 {
		t.Errorf("Media size %d block %d", m.Size(), m.LogicalBlockSize())
	}
}

// target is erase.Target's method set (notes/target-iface.md).
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

var _ target = (*Media)(nil)

func TestSASMediaBusyDuringSanitize(t *testing.T) {
	d := newSAS(t, DriveConfig{SanitizeBlockErase: true})
	dev := &scsi.Device{T: d, Name: "sas"}
	if _, err := dev.Do(context.Background(), "SANITIZE", &scsi.Command{CDB: scsi.SanitizeCDB(scsi.SanitizeBlockErase, true, false, false, 0), Timeout: time.Second}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Media().ReadAt(make([]byte, 512), 0); !errors.Is(err, ErrBusy) {
		t.Errorf("media read during sanitize = %v; want ErrBusy", err)
	}
	if err := dev.TestUnitReady(context.Background()); !errors.Is(err, scsi.ErrSanitizeInProgress) {
		t.Errorf("TEST UNIT READY during sanitize = %v; want ErrSanitizeInProgress", err)
	}
}
