package drive

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kesu-erase/kesu/ata/atatest"
	"github.com/kesu-erase/kesu/erase"
	"github.com/kesu-erase/kesu/erase/discover"
	"github.com/kesu-erase/kesu/erase/worker"
	"github.com/kesu-erase/kesu/nvme"
	"github.com/kesu-erase/kesu/nvme/nvmetest"
	"github.com/kesu-erase/kesu/report"
	"github.com/kesu-erase/kesu/scsi"
	"github.com/kesu-erase/kesu/scsi/scsitest"
)

// Issue 12 item 1: an NVMe drive that acknowledges host writes it never
// makes, and whose every sanitize and format reports success without
// touching the data. Planted canaries never reach its medium, so "every
// canary is gone" after its crypto erase proved nothing — fe5492b recorded
// PASS, Purge, MIC (2) with the resident data intact. Now the canaries do
// not read back, so only a read of every block can prove an erase, and
// that read finds the data.
func TestWriteDroppingNVMeGetsNoPass(t *testing.T) {
	b := newBench(t)
	liar := b.addNVMe("nvme0n1", nvmeWith("DROPS", 0b111, 0b100, 1), 8<<20)
	liar.SetMisbehaviour(nvmetest.Misbehaviour{DropWrites: true, FakeSanitize: true, FakeFormat: true})

	results, vr, _ := b.run("version = 1\n[policy]\nmic_category = 2\nverify = '10%'\n")
	r := results[0]
	if r.Status != report.StatusFail || r.Assessment.Reached != report.LevelNone || r.Assessment.MICMet != 0 {
		t.Errorf("write-dropping liar: %s, reached %s, MIC met %d (%s); want FAIL, none, 0", r.Status, r.Assessment.Reached, r.Assessment.MICMet, r.Reason)
	}
	if !b.markerLeft("nvme0n1") {
		t.Fatal("the emulated drive lost the resident data: it was meant to erase nothing")
	}
	d := driveRun(t, vr, "DROPS")
	if len(d.Attempts) == 0 {
		t.Fatal("no attempt recorded")
	}
	for _, at := range d.Attempts {
		c := at.Canaries
		if c == nil || c.Planned == 0 || c.Planted != c.Planned || c.ReadBack != 0 || c.Proven() {
			t.Errorf("attempt %d (%s) canaries %+v; want all planted, none read back", at.Attempt, at.Method, c)
		}
	}
	// Methods that declare content were read back in full and caught; the
	// crypto erase, which declares none, could not be proven at all.
	var full, unprovable int
	for _, v := range d.Verifications {
		switch {
		case v.Method == report.VerifyFull && v.PercentRequested == 100 && v.Mismatches > 0:
			full++
		case strings.Contains(strings.Join(v.Errors, " "), "cannot be proven"):
			unprovable++
		}
	}
	if full == 0 || unprovable == 0 {
		t.Errorf("verifications: %d full read-backs that found data, %d unprovable; want both (records: %+v)", full, unprovable, d.Verifications)
	}
	// What the technician reads says why.
	if !strings.Contains(r.Reason, "proven") && !strings.Contains(r.Reason, "Verification") {
		t.Errorf("reason on screen = %q; want the proof problem", r.Reason)
	}
}

// zeroWithData makes an emulated drive's medium all zeros but one block of
// resident data at lba: a mostly trimmed SSD.
func zeroWithData(t *testing.T, d *atatest.Drive, size, lba int64) {
	t.Helper()
	if _, err := d.WriteRaw(make([]byte, size), 0); err != nil {
		t.Fatal(err)
	}
	if _, err := d.WriteRaw(marker, lba*512); err != nil {
		t.Fatal(err)
	}
}

func trimmedSSD(serial string) atatest.Config {
	return atatest.Config{Model: "EMULATED SSD " + serial, Serial: serial, Firmware: "S1", Sectors: hddSectors, RotationRate: 1,
		TRIM: true, DRAT: true, RZAT: true, SanitizeBlockErase: true, SMART: true}
}

// Issue 12 item 2: an SSD in a read-only end-of-life mode (no canary can be
// planted) whose BLOCK ERASE reports success and does nothing; it is all
// zeros but one block of data. fe5492b judged the erase by a 10% sample of
// the zeros the drive declares (DRAT+RZAT) and passed it as Purge about 9
// runs in 10. Without canaries a firmware erase now counts only after a
// read-back of every block: the data is found every time.
func TestNoCanariesMeansFullReadBack(t *testing.T) {
	const dataLBA = 23456
	b := newBench(t)
	liar := b.addATA("sda", trimmedSSD("RO-LIAR"), discover.SATA, nil)
	zeroWithData(t, liar, hddSectors*512, dataLBA)
	liar.Faults.WriteProtect = true
	liar.Faults.FakeSuccess = map[string]bool{atatest.OpBlockErase: true}
	// The same drive, honest: its block erase really erases.
	honest := b.addATA("sdb", trimmedSSD("RO-HONEST"), discover.SATA, nil)
	zeroWithData(t, honest, hddSectors*512, dataLBA)
	honest.Faults.WriteProtect = true

	results, vr, _ := b.run("version = 1\n[policy]\nlevel = 'purge'\nverify = '10%'\n")
	r := byDrive(results)
	if got := r["sda"]; got.Status != report.StatusFail || got.Assessment.Reached != report.LevelNone {
		t.Errorf("lying read-only SSD: %s reached %s (%s); want FAIL, none", got.Status, got.Assessment.Reached, got.Reason)
	}
	if !rawContains(t, liar, dataLBA*512, 512, marker) {
		t.Fatal("the lying drive's data block is gone: the fake block erase erased it")
	}
	if got := r["sdb"]; got.Status != report.StatusPass || got.Assessment.Reached != report.LevelPurge || got.Assessment.Method != report.MethodATASanitizeBlockErase {
		t.Errorf("honest read-only SSD: %s reached %s by %s (%s); want PASS, Purge by the block erase", got.Status, got.Assessment.Reached, got.Assessment.Method, got.Reason)
	}
	for serial, wantMismatch := range map[string]bool{"RO-LIAR": true, "RO-HONEST": false} {
		d := driveRun(t, vr, serial)
		var blockErase *report.Verification
		for i, v := range d.Verifications {
			for _, at := range d.Attempts {
				if at.Attempt == v.Attempt && at.Method == report.MethodATASanitizeBlockErase {
					blockErase = &d.Verifications[i]
				}
			}
		}
		if blockErase == nil {
			t.Fatalf("%s: the block erase was not read back", serial)
		}
		v := blockErase
		if v.Method != report.VerifyFull || v.PercentAchieved != 100 || v.BlocksRead != hddSectors || (v.Mismatches > 0) != wantMismatch {
			t.Errorf("%s: block erase read back %s, %.2f%%, %d blocks, %d mismatches %v; want every block read, mismatch %v",
				serial, v.Method, v.PercentAchieved, v.BlocksRead, v.Mismatches, v.MismatchLBAs, wantMismatch)
		}
		if wantMismatch && (len(v.MismatchLBAs) == 0 || v.MismatchLBAs[0] != dataLBA) {
			t.Errorf("%s: first mismatch %v; want LBA %d", serial, v.MismatchLBAs, dataLBA)
		}
		for _, at := range d.Attempts {
			if at.Canaries == nil || at.Canaries.Planted != 0 || at.Canaries.Error == "" {
				t.Errorf("%s attempt %d: canaries %+v; want none planted, with the write error", serial, at.Attempt, at.Canaries)
			}
		}
	}
}

// swapNVMe answers at one path as controller a until swapped, then as b: a
// controller reset or rescan after which a different drive answers there.
type swapNVMe struct {
	a, b    nvme.Transport
	swapped atomic.Bool
}

func (s *swapNVMe) Admin(ctx context.Context, cmd *nvme.Command) (nvme.Completion, error) {
	if s.swapped.Load() {
		return s.b.Admin(ctx, cmd)
	}
	return s.a.Admin(ctx, cmd)
}

// addSwapping adds an NVMe namespace at nvme0n1 that is drive a until the
// open numbered swapAt (1-based, counting opens for writing), and from then
// on drive b. It returns the emulated controllers.
func (b *bench) addSwapping(t *testing.T, swapAt int) (a, c *nvmetest.Controller) {
	const size = 8 << 20
	newCtrl := func(serial string) *nvmetest.Controller {
		cfg := nvmeWith(serial, 0b111, 0b100, 1)
		cfg.Namespaces[0].Path = markedFile(t, serial, size)
		ctrl, err := nvmetest.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		b.cleanup = append(b.cleanup, func() { ctrl.Close() })
		return ctrl
	}
	a, c = newCtrl("FIRST"), newCtrl("SECOND")
	sw := &swapNVMe{a: a.OnNamespace(1), b: c.OnNamespace(1)}
	opens := 0
	disk := discover.Disk{Name: "nvme0n1", Path: "/dev/nvme0n1", Transport: discover.NVMe, Size: size,
		LogicalBlockSize: 512, PhysicalBlockSize: 512, Serial: "FIRST"}
	block := func(write bool) (erase.Target, error) {
		if write {
			opens++
			if opens == swapAt {
				sw.swapped.Store(true)
			}
		}
		if sw.swapped.Load() {
			return c.Namespace(1), nil
		}
		return a.Namespace(1), nil
	}
	b.drives["nvme0n1"] = NewNVMe(disk, sw, 1, block, nvmetest.NewFakeClock(time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)), nil)
	b.disks = append(b.disks, disk)
	b.files["nvme0n1"] = a.Namespace(1).Path()
	return a, c
}

func readAll(t *testing.T, ns *nvmetest.Namespace) []byte {
	t.Helper()
	buf := make([]byte, ns.Size())
	if _, err := ns.ReadAt(buf, 0); err != nil {
		t.Fatal(err)
	}
	return buf
}

// Issue 12 item 3: after the first drive's crypto erase, a different drive
// answers at its path (a controller reset, a rescan). fe5492b reopened by
// path, compared the geometry only, and read the second drive back as the
// first one's proof: PASS. Now the reopen compares the identity and the
// drive fails at once; the second drive is neither read as proof nor sent
// any further command or write.
func TestDifferentDriveAfterEraseFails(t *testing.T) {
	b := newBench(t)
	first, second := b.addSwapping(t, 2)
	before := readAll(t, second.Namespace(1))

	results, vr, _ := b.run("version = 1\n[policy]\nlevel = 'purge'\nverify = '10%'\n")
	r := results[0]
	if r.Status != report.StatusFail || r.Assessment.Reached != report.LevelNone {
		t.Errorf("drive swapped after the erase: %s reached %s (%s); want FAIL, none", r.Status, r.Assessment.Reached, r.Reason)
	}
	if !strings.Contains(r.Reason, "a different drive answered at this path") {
		t.Errorf("reason = %q; want it to say a different drive answered", r.Reason)
	}
	d := driveRun(t, vr, "FIRST")
	if len(d.Attempts) != 1 {
		t.Errorf("%d attempts recorded; want 1 (nothing more after the swap)", len(d.Attempts))
	}
	if len(d.Verifications) != 1 || !strings.Contains(strings.Join(d.Verifications[0].Errors, " "), "SECOND") || d.Verifications[0].BlocksRead != 0 {
		t.Errorf("verifications %+v; want one failed, naming the serial that answered, nothing read", d.Verifications)
	}
	if !bytes.Equal(before, readAll(t, second.Namespace(1))) {
		t.Error("the second drive's content changed")
	}
	if bytes.Contains(readAll(t, first.Namespace(1)), marker) {
		t.Error("the first drive's crypto erase did not run")
	}
}

// A different drive at the path before anything was written: no write at
// all reaches it.
func TestDifferentDriveBeforeWriteIsNotTouched(t *testing.T) {
	b := newBench(t)
	_, second := b.addSwapping(t, 1)
	before := readAll(t, second.Namespace(1))
	results, vr, _ := b.run("version = 1\n[policy]\nlevel = 'purge'\nverify = '10%'\n")
	if r := results[0]; r.Status != report.StatusFail || !strings.Contains(r.Reason, "a different drive answered at this path") {
		t.Errorf("drive swapped before the first write: %s (%s); want FAIL naming the swap", r.Status, r.Reason)
	}
	if d := driveRun(t, vr, "FIRST"); len(d.Attempts) != 0 {
		t.Errorf("%d attempts recorded; want none", len(d.Attempts))
	}
	if !bytes.Equal(before, readAll(t, second.Namespace(1))) {
		t.Error("the second drive's content changed")
	}
}

// devTarget and devTransport carry kernel device numbers, as erase.Device
// and the SG_IO / NVMe transports do.
type devTarget struct {
	erase.Target
	dev   uint64
	block bool
}

func (d devTarget) DeviceNumber() (uint64, error) {
	if !d.block {
		return 0, errors.New("a regular file has no device number")
	}
	return d.dev, nil
}
func (d devTarget) Name() string { return "/dev/sdz" }

type devTransport struct{ dev uint64 }

func (d devTransport) DeviceNumber() (uint64, error) { return d.dev, nil }

func TestSameNode(t *testing.T) {
	sdb := uint64(8<<8 | 16) // 8:16
	sdc := uint64(8<<8 | 32) // 8:32
	if err := sameNode(devTransport{sdb}, devTarget{dev: sdb, block: true}); err != nil {
		t.Errorf("same device: %v", err)
	}
	err := sameNode(devTransport{sdb}, devTarget{dev: sdc, block: true})
	if !errors.Is(err, worker.ErrDifferentDrive) || !strings.Contains(err.Error(), "device 8:32, probed 8:16") {
		t.Errorf("other device: %v; want ErrDifferentDrive naming 8:32 and 8:16", err)
	}
	if err := sameNode(devTransport{sdb}, devTarget{dev: 0, block: false}); !errors.Is(err, worker.ErrDifferentDrive) {
		t.Errorf("a regular file at the path: %v; want ErrDifferentDrive", err)
	}
	// Emulated transports carry no number: nothing to compare here.
	if err := sameNode(struct{}{}, devTarget{dev: sdc, block: true}); err != nil {
		t.Errorf("no device number on the transport: %v", err)
	}
	if got := devString(259<<8 | 3); got != "259:3" {
		t.Errorf("devString = %q; want 259:3", got)
	}
}

// failOnce fails the first INQUIRY for VPD page 80h with an I/O error (a
// one-off transport hiccup at probe time).
type failOnce struct {
	scsi.Transport
	failed atomic.Bool
}

func (f *failOnce) Exec(ctx context.Context, cmd *scsi.Command) (*scsi.Response, error) {
	if len(cmd.CDB) > 2 && cmd.CDB[0] == 0x12 && cmd.CDB[1]&1 == 1 && cmd.CDB[2] == 0x80 && !f.failed.Swap(true) {
		return nil, errors.New("SG_IO: input/output error (injected)")
	}
	return f.Transport.Exec(ctx, cmd)
}

// A serial the probe could not read is not a serial that changed: an
// honest SAS drive whose VPD page 80h failed once at probe time is still
// erased (found by review: it was failed as "a different drive").
func TestSCSIProbeHiccupIsNotADifferentDrive(t *testing.T) {
	b := newBench(t)
	b.addSAS("sdc", scsitest.DriveConfig{Vendor: "SEAGATE", Product: "ST600MM0006", Revision: "0003",
		Serial: "SAS0000001", NAA: 0x5000c5001234abcd, Blocks: hddSectors, RotationRate: 10000})
	drv := b.drives["sdc"].(*SCSI)
	drv.t = &failOnce{Transport: drv.t}
	drv.dev = scsi.NewDevice(drv.t, "/dev/sdc")
	drv.dev.Clock = scsitest.NewFakeClock()
	results, _, _ := b.run("version = 1\n[policy]\nlevel = 'clear'\nverify = '10%'\n")
	if r := results[0]; r.Status != report.StatusPass || strings.Contains(r.Reason, "different drive") {
		t.Errorf("honest SAS drive after a VPD hiccup: %s (%s); want PASS", r.Status, r.Reason)
	}
	if b.markerLeft("sdc") {
		t.Error("the drive was not erased")
	}
}
