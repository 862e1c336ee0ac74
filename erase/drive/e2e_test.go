package drive

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kesu-erase/kesu/ata/atatest"
	"github.com/kesu-erase/kesu/erase"
	"github.com/kesu-erase/kesu/erase/discover"
	"github.com/kesu-erase/kesu/erase/policy"
	"github.com/kesu-erase/kesu/erase/worker"
	"github.com/kesu-erase/kesu/nvme"
	"github.com/kesu-erase/kesu/nvme/nvmetest"
	"github.com/kesu-erase/kesu/report"
	"github.com/kesu-erase/kesu/scsi"
	"github.com/kesu-erase/kesu/scsi/scsitest"
)

// marker is resident data planted on every emulated drive; after a PASS it
// must be gone.
var marker = []byte("RESIDENT-DATA-MY-NUMBER-0123456789 ")

func markedFile(t *testing.T, name string, size int64) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name+".img")
	data := bytes.Repeat(marker, int(size)/len(marker)+1)[:size]
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// bench is a machine of emulated drives: each disk name maps to a drive.
type bench struct {
	t       *testing.T
	drives  map[string]worker.Drive
	disks   []discover.Disk
	files   map[string]string // backing file per disk, for marker checks
	mu      sync.Mutex
	writes  map[string]int // Open(write=true) calls per disk
	cleanup []func()
	// unfreezer, if set, is the run's worker.Unfreezer.
	unfreezer worker.Unfreezer
	// journalPath is the path of the last run's journal, set before any
	// drive is probed.
	journalPath string
}

func newBench(t *testing.T) *bench {
	b := &bench{t: t, drives: map[string]worker.Drive{}, files: map[string]string{}, writes: map[string]int{}}
	t.Cleanup(func() {
		for _, f := range b.cleanup {
			f()
		}
	})
	return b
}

// countingBlock wraps a block opener so tests can assert who was opened for
// writing.
func (b *bench) countingBlock(name string, open BlockOpener) BlockOpener {
	return func(write bool) (erase.Target, error) {
		if write {
			b.mu.Lock()
			b.writes[name]++
			b.mu.Unlock()
		}
		return open(write)
	}
}

func (b *bench) addNVMe(name string, cfg nvmetest.Config, size int64) *nvmetest.Controller {
	b.t.Helper()
	path := markedFile(b.t, name, size)
	for i := range cfg.Namespaces {
		cfg.Namespaces[i].Path = path
	}
	if len(cfg.Namespaces) == 0 {
		cfg.Namespaces = []nvmetest.NamespaceConfig{{Path: path}}
	}
	c, err := nvmetest.New(cfg)
	if err != nil {
		b.t.Fatal(err)
	}
	b.cleanup = append(b.cleanup, func() { c.Close() })
	clock := nvmetest.NewFakeClock(time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC))
	disk := discover.Disk{Name: name, Path: "/dev/" + name, Transport: discover.NVMe, Size: size,
		LogicalBlockSize: 512, PhysicalBlockSize: 512, Serial: cfg.Serial, Model: cfg.Model}
	block := b.countingBlock(name, func(bool) (erase.Target, error) { return c.Namespace(1), nil })
	b.drives[name] = NewNVMe(disk, c.OnNamespace(1), 1, block, clock, nil)
	b.disks = append(b.disks, disk)
	b.files[name] = path
	return c
}

func (b *bench) addPlain(name string, tr discover.Transport, size int64) {
	b.t.Helper()
	path := markedFile(b.t, name, size)
	disk := discover.Disk{Name: name, Path: "/dev/" + name, Transport: tr, Size: size, LogicalBlockSize: 512, PhysicalBlockSize: 512, Serial: "SN-" + name}
	b.drives[name] = NewPlain(disk, b.countingBlock(name, func(write bool) (erase.Target, error) {
		return erase.Open(path, erase.OpenOptions{Write: write})
	}))
	b.disks = append(b.disks, disk)
	b.files[name] = path
}

// run prepares and executes a run over the bench's drives, seals the
// journal and verifies it with the run's key.
func (b *bench) run(toml string, exclude ...discover.Rule) ([]worker.Result, *report.Result, *worker.Preparation) {
	t := b.t
	t.Helper()
	pol, err := policy.Parse([]byte(toml), "test")
	if err != nil {
		t.Fatal(err)
	}
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	rp := report.Policy{MICCategory: pol.Policy.MICCategory, Verify: report.VerifyPolicy{Mode: report.VerifySampled, Percent: pol.VerifyPercent}}
	if pol.Policy.MICCategory == 0 {
		rp.Level = report.LevelClear
		if pol.Level == policy.Purge {
			rp.Level = report.LevelPurge
		}
	}
	j, err := report.Create(t.TempDir(), report.NewSigner(priv), report.RunStart{Mode: "test", Policy: rp})
	if err != nil {
		t.Fatal(err)
	}
	b.journalPath = j.Path()
	targets, excluded := discover.Select(b.disks, exclude...)
	cfg := worker.Config{Policy: pol, Journal: j, Unfreezer: b.unfreezer, Open: func(d discover.Disk) (worker.Drive, error) {
		drv, ok := b.drives[d.Name]
		if !ok {
			return nil, fmt.Errorf("no drive %s", d.Name)
		}
		return drv, nil
	}}
	prep, err := worker.Prepare(context.Background(), cfg, targets, excluded)
	if err != nil {
		t.Fatal(err)
	}
	results := prep.Execute(context.Background())
	if err := j.Seal(); err != nil {
		t.Fatal(err)
	}
	ring := report.KeyRing{}
	ring.Add(pub)
	vr, err := report.VerifyFile(j.Path(), ring)
	if err != nil {
		t.Fatal(err)
	}
	if !vr.OK() {
		t.Fatalf("the run's journal does not verify: %v", vr.Problems)
	}
	return results, vr, prep
}

func (b *bench) markerLeft(name string) bool {
	data, err := os.ReadFile(b.files[name])
	if err != nil {
		b.t.Fatal(err)
	}
	return bytes.Contains(data, marker)
}

func byDrive(rs []worker.Result) map[string]worker.Result {
	m := map[string]worker.Result{}
	for _, r := range rs {
		m[r.Drive] = r
	}
	return m
}

func nvmeWith(serial string, sanicap uint32, fna uint8, dlfeat uint8) nvmetest.Config {
	return nvmetest.Config{Serial: serial, Model: "EMULATED NVME " + serial, Firmware: "1.0", Version: 0x00020000,
		OACS: nvmetest.OACSFormat, SANICAP: sanicap, FNA: fna,
		Namespaces: []nvmetest.NamespaceConfig{{DLFEAT: dlfeat}},
		Estimates:  nvmetest.Estimates{ETO: 60, ETBE: 30, ETCE: 5, ETOND: nvme.NoEstimate, ETBEND: nvme.NoEstimate, ETCEND: nvme.NoEstimate}}
}

func TestNVMeEndToEnd(t *testing.T) {
	b := newBench(t)
	const size = 16 << 20
	// Crypto sanitize that works.
	b.addNVMe("nvme0n1", nvmeWith("GOOD", 0b111, 0b100, 1), size)
	// Reports every sanitize as done without touching the data; its Format
	// works.
	liar := b.addNVMe("nvme1n1", nvmeWith("LIAR", 0b111, 0b100, 1), size)
	liar.SetMisbehaviour(nvmetest.Misbehaviour{FakeSanitize: true})
	// QEMU 7.2: no Sanitize, Format SES=1 zeroes.
	b.addNVMe("nvme2n1", nvmetest.QEMU72("QEMU01", "QEMU NVMe Ctrl"), size)
	// A virtio disk: host overwrite only.
	b.addPlain("vda", discover.VirtioBlk, size)

	results, vr, _ := b.run("version = 1\n[policy]\nlevel = 'purge'\nbelow_level = 'fail'\nverify = '10%'\n")
	r := byDrive(results)
	want := map[string]struct {
		status report.Status
		level  report.Level
		method report.Method
	}{
		"nvme0n1": {report.StatusPass, report.LevelPurge, report.MethodNVMeSanitizeCryptoErase},
		// Every sanitize is caught by the canaries; the format is honest
		// (SES=2: Purge under Rev.1, Clear under IEEE 2883).
		"nvme1n1": {report.StatusFail, report.LevelClear, report.MethodNVMeFormatCrypto},
		"nvme2n1": {report.StatusFail, report.LevelClear, report.MethodNVMeFormatUserData},
		"vda":     {report.StatusFail, report.LevelClear, report.MethodOverwrite},
	}
	for name, w := range want {
		got := r[name]
		if got.Status != w.status || got.Assessment.Reached != w.level || got.Assessment.Method != w.method {
			t.Errorf("%s: %s, reached %s by %s (%s); want %s, %s by %s", name, got.Status, got.Assessment.Reached,
				got.Assessment.Method, got.Reason, w.status, w.level, w.method)
		}
		if b.markerLeft(name) {
			t.Errorf("%s: resident data survived", name)
		}
	}
	// The liar's three sanitizes were each caught by surviving canaries.
	var caught int
	for _, d := range vr.Run.Drives {
		if d.Drive.Identity.Serial != "LIAR" {
			continue
		}
		for _, v := range d.Verifications {
			if v.Method == report.VerifyCanary && len(v.Errors) > 0 {
				caught++
			}
		}
	}
	if caught != 3 {
		t.Errorf("liar: %d failed canary verifications; want 3 (crypto, block, overwrite sanitize)", caught)
	}
	// Under MIC category (3) the same drives all pass (a second run over
	// the already erased drives: what changes is the verdict).
	results, _, _ = b.run("version = 1\n[policy]\nmic_category = 3\n")
	for _, x := range results {
		if x.Status != report.StatusPass {
			t.Errorf("MIC (3) run: %s %s (%s); want PASS", x.Drive, x.Status, x.Reason)
		}
	}
}

func TestExcludedNeverOpenedForWriting(t *testing.T) {
	b := newBench(t)
	b.addNVMe("nvme0n1", nvmeWith("KEEP", 0b111, 0b100, 1), 8<<20)
	b.addPlain("sdc", discover.USB, 8<<20) // the boot stick
	b.addPlain("vda", discover.VirtioBlk, 8<<20)
	results, _, prep := b.run("version = 1\n[policy]\nmic_category = 3\n[exclude]\nserials = ['KEEP']\n", discover.BootStick("sdc"))
	if len(results) != 1 || results[0].Drive != "vda" || results[0].Status != report.StatusPass {
		t.Fatalf("results %+v; want only vda, PASS", results)
	}
	if len(prep.Excluded) != 2 {
		t.Errorf("excluded %+v; want the stick and the excluded serial", prep.Excluded)
	}
	for _, name := range []string{"nvme0n1", "sdc"} {
		if b.writes[name] != 0 || !b.markerLeft(name) {
			t.Errorf("%s: opened for writing %d times, marker left %v; want untouched", name, b.writes[name], b.markerLeft(name))
		}
	}
}

// plantMarker fills an emulated drive's whole raw medium (hidden areas
// included) with the marker.
func plantMarker(t *testing.T, w interface {
	WriteRaw([]byte, int64) (int, error)
}, size int64) {
	t.Helper()
	data := bytes.Repeat(marker, int(size)/len(marker)+1)[:size]
	if _, err := w.WriteRaw(data, 0); err != nil {
		t.Fatal(err)
	}
}

// addATA adds an emulated SATA drive (libata, or behind a SAS HBA when tr
// is discover.SAS). wrap, if not nil, wraps its transport.
func (b *bench) addATA(name string, cfg atatest.Config, tr discover.Transport, wrap func(scsi.Transport) scsi.Transport) *atatest.Drive {
	b.t.Helper()
	path := filepath.Join(b.t.TempDir(), name+".img")
	d, err := atatest.New(path, cfg)
	if err != nil {
		b.t.Fatal(err)
	}
	b.cleanup = append(b.cleanup, func() { d.Close() })
	lss := cfg.LogicalSectorSize
	if lss == 0 {
		lss = 512
	}
	plantMarker(b.t, d, int64(cfg.Sectors)*int64(lss))
	media := d.Media()
	disk := discover.Disk{Name: name, Path: "/dev/" + name, Transport: tr, Size: media.Size(),
		LogicalBlockSize: lss, PhysicalBlockSize: lss, Serial: cfg.Serial, Model: cfg.Model,
		Rotational: cfg.RotationRate != 1, Location: discover.Location{Bay: "bay-" + name}}
	// The adapter's Close must not close the emulated drive: the test reads
	// its medium after the run.
	var t scsi.Transport = keepOpen{d}
	if wrap != nil {
		t = wrap(d)
	}
	block := b.countingBlock(name, func(bool) (erase.Target, error) { return media, nil })
	b.drives[name] = NewATA(disk, t, block, ATAOptions{Clock: scsitest.NewFakeClock(), Via: "emulated SATL"})
	b.disks = append(b.disks, disk)
	b.files[name] = path
	return d
}

// addSAS adds an emulated native SAS drive.
func (b *bench) addSAS(name string, cfg scsitest.DriveConfig) *scsitest.Drive {
	b.t.Helper()
	path := filepath.Join(b.t.TempDir(), name+".img")
	d, err := scsitest.NewDrive(path, cfg)
	if err != nil {
		b.t.Fatal(err)
	}
	b.cleanup = append(b.cleanup, func() { d.Close() })
	bs := cfg.BlockSize
	if bs == 0 {
		bs = 512
	}
	plantMarker(b.t, d, int64(cfg.Blocks)*int64(bs))
	media := d.Media()
	disk := discover.Disk{Name: name, Path: "/dev/" + name, Transport: discover.SAS, Size: media.Size(),
		LogicalBlockSize: bs, PhysicalBlockSize: bs, Serial: cfg.Serial, Model: cfg.Product,
		Rotational: cfg.RotationRate != 1, Location: discover.Location{Bay: "bay-" + name}}
	block := b.countingBlock(name, func(bool) (erase.Target, error) { return media, nil })
	b.drives[name] = NewSCSI(disk, keepOpen{d}, block, scsitest.NewFakeClock())
	b.disks = append(b.disks, disk)
	b.files[name] = path
	return d
}

// keepOpen hides an emulated drive's Close from the adapter.
type keepOpen struct{ scsi.Transport }

// powerCycler is the test's Unfreezer: a "suspend-to-RAM cycle" power
// cycles the emulated SATA drives, which clears the freeze the "BIOS" set.
type powerCycler struct {
	mu     sync.Mutex
	drives []*atatest.Drive
	calls  int
}

func (p *powerCycler) Unfreeze(context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls++
	for _, d := range p.drives {
		d.PowerCycle()
	}
	return nil
}

// driveRun finds a drive's records in a verified run by serial.
func driveRun(t *testing.T, vr *report.Result, serial string) *report.DriveRun {
	t.Helper()
	for _, d := range vr.Run.Drives {
		if d.Drive.Identity.Serial == serial {
			return d
		}
	}
	t.Fatalf("no drive with serial %q in the journal", serial)
	return nil
}

func rawContains(t *testing.T, d interface {
	ReadRaw([]byte, int64) (int, error)
}, off, n int64, needle []byte) bool {
	t.Helper()
	buf := make([]byte, n)
	if _, err := d.ReadRaw(buf, off); err != nil {
		t.Fatal(err)
	}
	return bytes.Contains(buf, needle)
}

const hddSectors = 32768 // 16 MiB

func hddWithHPA(serial string) atatest.Config {
	return atatest.Config{Model: "EMULATED HDD " + serial, Serial: serial, Firmware: "HD01", Sectors: hddSectors,
		RotationRate: 7200, HPA: true, HPASectors: hddSectors / 100, SMART: true,
		Attributes: []atatest.Attribute{{ID: 5, Flags: 0x33, Current: 100, Worst: 100, Threshold: 10}}}
}

// TestIssue6EndToEnd is issue 6's end-to-end run: an ATA HDD with an HPA, a
// frozen ATA SSD, an NVMe with crypto sanitize, an NVMe that lies about its
// sanitizes and a SAS HDD, all in one run under MIC category (2).
func TestIssue6EndToEnd(t *testing.T) {
	b := newBench(t)
	const size = hddSectors * 512
	hdd := b.addATA("sda", hddWithHPA("HDD-HPA"), discover.SATA, nil)

	ssdCfg := atatest.Config{Model: "EMULATED SSD", Serial: "SSD-FROZEN", Sectors: hddSectors, RotationRate: 1,
		TRIM: true, DRAT: true, SanitizeCrypto: true, EncryptsAll: true, SanitizeBlockErase: true, Security: true, EnhancedErase: true, SMART: true}
	ssd := b.addATA("sdb", ssdCfg, discover.SATA, nil)
	// The firmware froze security and sanitize at POST.
	ssd.Freeze()
	ssd.FreezeSanitize()
	pc := &powerCycler{drives: []*atatest.Drive{ssd}}
	b.unfreezer = pc

	b.addNVMe("nvme0n1", nvmeWith("GOOD", 0b111, 0b100, 1), size)
	liar := b.addNVMe("nvme1n1", nvmeWith("LIAR", 0b111, 0b100, 1), size)
	liar.SetMisbehaviour(nvmetest.Misbehaviour{FakeSanitize: true})
	sas := b.addSAS("sdc", scsitest.DriveConfig{Vendor: "SEAGATE", Product: "ST600MM0006", Revision: "0003",
		Serial: "SAS-HDD", NAA: 0x5000c5001234abcd, Blocks: hddSectors, RotationRate: 10000,
		SanitizeOverwrite: true, SanitizeCrypto: true, RecommendedTimeout: 3600, TemperatureC: 31, PowerOnMinutes: 600})

	results, vr, prep := b.run("version = 1\n[policy]\nmic_category = 2\nverify = '10%'\n")
	r := byDrive(results)
	want := map[string]struct {
		level  report.Level
		mic    int
		method report.Method
	}{
		// Host overwrite of an HDD reaches MIC (2) because the HPA was
		// restored first; under NIST it is Clear.
		"sda": {report.LevelClear, 2, report.MethodOverwrite},
		// Unfrozen by the one suspend cycle, then crypto scramble.
		"sdb":     {report.LevelPurge, 2, report.MethodATASanitizeCrypto},
		"nvme0n1": {report.LevelPurge, 2, report.MethodNVMeSanitizeCryptoErase},
		// Every sanitize caught by the canaries; Format SES=2 (crypto) is
		// Purge under Rev.1, Clear under IEEE 2883, and meets MIC (2).
		"nvme1n1": {report.LevelClear, 2, report.MethodNVMeFormatCrypto},
		"sdc":     {report.LevelPurge, 2, report.MethodSCSISanitizeOverwrite},
	}
	for name, w := range want {
		got := r[name]
		a := got.Assessment
		if got.Status != report.StatusPass || a.Reached != w.level || a.MICMet != w.mic || a.Method != w.method || !a.Verified {
			t.Errorf("%s: %s, reached %s, MIC %d, by %s, verified %v (%s); want PASS, %s, MIC %d, by %s, verified",
				name, got.Status, a.Reached, a.MICMet, a.Method, a.Verified, got.Reason, w.level, w.mic, w.method)
		}
		if b.markerLeft(name) {
			t.Errorf("%s: resident data survived", name)
		}
	}

	// The frozen SSD: exactly one suspend cycle, recorded, and sanitize
	// planned only after it.
	if pc.calls != 1 {
		t.Errorf("Unfreeze ran %d times; want 1", pc.calls)
	}
	if !strings.Contains(prep.Unfrozen, "sdb") || !strings.Contains(prep.Unfrozen, "all unfrozen") {
		t.Errorf("unfreeze record %q; want sdb named and all unfrozen", prep.Unfrozen)
	}
	if st := ssd.State(); st.Frozen || st.SanitizeFrozen {
		t.Errorf("SSD state after the run %+v; want unfrozen", st)
	}

	// The HDD: HPA found at probe, restored, and the host overwrite
	// reached the true end of the medium; the marker in the former hidden
	// area is gone.
	hd := driveRun(t, vr, "HDD-HPA")
	probed := hd.Drive.HiddenAreas
	if !probed.Checked || len(probed.Areas) != 1 || probed.Areas[0].Kind != "HPA" || !probed.Areas[0].Present ||
		probed.Areas[0].HiddenSectors != hddSectors/100 {
		t.Errorf("probed hidden areas %+v; want one present HPA of %d sectors", probed, hddSectors/100)
	}
	if hd.Drive.Identity.CapacityBytes != uint64(hddSectors-hddSectors/100)*512 {
		t.Errorf("probed capacity %d; want %d (the HPA hides the rest)", hd.Drive.Identity.CapacityBytes, (hddSectors-hddSectors/100)*512)
	}
	final := hd.HiddenAreas
	if len(final.Areas) != 1 || !final.Areas[0].Restored || final.Areas[0].Error != "" || final.Areas[0].NativeMaxLBA != hddSectors-1 {
		t.Errorf("hidden areas after the restore %+v; want the HPA restored up to LBA %d", final, hddSectors-1)
	}
	if st := hdd.State(); st.CurrentMax != hddSectors-1 {
		t.Errorf("HDD max LBA after the run %d; want %d", st.CurrentMax, hddSectors-1)
	}
	var ow *report.Attempt
	for i := range hd.Attempts {
		if hd.Attempts[i].Method == report.MethodOverwrite {
			ow = &hd.Attempts[i]
		}
	}
	if ow == nil || ow.TargetBytes != size || ow.BytesWritten != size {
		t.Errorf("HDD overwrite %+v; want %d bytes covered", ow, size)
	}
	hiddenStart := int64(hddSectors-hddSectors/100) * 512
	if rawContains(t, hdd, hiddenStart, size-hiddenStart, marker[:16]) {
		t.Error("HDD: the marker in the former HPA survived")
	}
	if hd.Drive.SMART == nil || hd.Drive.SMART.Source != "ata" {
		t.Errorf("HDD SMART %+v; want an ATA summary", hd.Drive.SMART)
	}

	// The liar's three sanitizes were each caught by surviving canaries.
	lr := driveRun(t, vr, "LIAR")
	var caught int
	for _, v := range lr.Verifications {
		if v.Method == report.VerifyCanary && len(v.Errors) > 0 {
			caught++
		}
	}
	if caught != 3 {
		t.Errorf("liar: %d failed canary verifications; want 3 (crypto, block, overwrite sanitize)", caught)
	}

	// The SAS drive ran SANITIZE OVERWRITE with IMMED and AUSE.
	var sanitize []byte
	for _, e := range sas.Log() {
		if e.Name == "SANITIZE" {
			sanitize = e.CDB
		}
	}
	if sanitize == nil || sanitize[1] != 0x80|0x20|0x01 {
		t.Errorf("SAS SANITIZE CDB % x; want byte 1 = A1h (IMMED, AUSE, OVERWRITE)", sanitize)
	}
	sd := driveRun(t, vr, "SAS-HDD")
	if sd.Drive.Class != report.ClassHDD || sd.Drive.Identity.WWN != "naa.5000c5001234abcd" || sd.Drive.SMART == nil {
		t.Errorf("SAS drive record %+v; want an HDD with its WWN and SMART", sd.Drive)
	}
}

// staleSize is the kernel's view of a disk that did not notice a capacity
// change: the old size, whatever the drive now addresses.
type staleSize struct {
	erase.Target
	size int64
}

func (s staleSize) Size() int64 { return s.size }

// TestHDDOverwriteNeedsRestoredHPA shows the other side of the HPA drive of
// TestIssue6EndToEnd: when the hidden area is not restored — the drive
// ignores SET MAX ADDRESS, or the kernel keeps the old size — the same host
// overwrite reaches only MIC (3), the record says why, and the marker in
// the hidden area survives.
func TestHDDOverwriteNeedsRestoredHPA(t *testing.T) {
	for _, tc := range []struct {
		name       string
		serial     string
		fakeSetMax bool
		stale      bool
		wantErr    string
	}{
		{name: "drive ignores SET MAX", serial: "HDD-SETMAX", fakeSetMax: true, wantErr: "after the restore"},
		{name: "kernel keeps the old size", serial: "HDD-STALE", stale: true, wantErr: "the kernel still shows"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newBench(t)
			cfg := hddWithHPA(tc.serial)
			d := b.addATA("sda", cfg, discover.SATA, nil)
			if tc.fakeSetMax {
				d.Faults.FakeSuccess = map[string]bool{atatest.OpSetMaxExt: true}
			}
			shown := int64(hddSectors-hddSectors/100) * 512
			if tc.stale {
				media := d.Media()
				b.drives["sda"].(*ATA).block = b.countingBlock("sda", func(bool) (erase.Target, error) {
					return staleSize{media, shown}, nil
				})
			}
			results, vr, _ := b.run("version = 1\n[policy]\nmic_category = 2\nverify = '10%'\n")
			got := results[0]
			if got.Status != report.StatusFail || got.Assessment.MICMet != 3 || got.Assessment.Method != report.MethodOverwrite {
				t.Errorf("%s, MIC %d by %s (%s); want FAIL, MIC 3 by overwrite", got.Status, got.Assessment.MICMet, got.Assessment.Method, got.Reason)
			}
			dr := driveRun(t, vr, cfg.Serial)
			if a := dr.HiddenAreas.Areas; len(a) != 1 || a[0].Restored || !strings.Contains(a[0].Error, tc.wantErr) {
				t.Errorf("hidden areas %+v; want the HPA not restored, error containing %q", a, tc.wantErr)
			}
			var found bool
			for _, f := range got.Assessment.Findings {
				found = found || f.Code == report.FindHiddenNotRestored
			}
			if !found {
				t.Errorf("findings %+v; want %s", got.Assessment.Findings, report.FindHiddenNotRestored)
			}
			if !rawContains(t, d, shown, hddSectors*512-shown, marker[:16]) {
				t.Error("the marker in the hidden area is gone; the test cannot tell restored from not")
			}
			if rawContains(t, d, 0, shown, marker[:16]) {
				t.Error("the marker survived in the visible area")
			}
		})
	}
}

// passwordWatch fails the test unless, at SECURITY SET PASSWORD, the
// password in the data block is already in the journal file on disk.
type passwordWatch struct {
	scsi.Transport
	journal func() string
	mu      sync.Mutex
	seen    []string // passwords sent with SET PASSWORD
	before  []bool   // whether each was in the journal at that moment
}

func (w *passwordWatch) Exec(ctx context.Context, cmd *scsi.Command) (*scsi.Response, error) {
	if len(cmd.CDB) == 16 && cmd.CDB[0] == scsi.OpATAPassThru16 && cmd.CDB[14] == 0xF1 && len(cmd.Data) >= 34 {
		pw := string(bytes.TrimRight(cmd.Data[2:34], "\x00"))
		data, err := os.ReadFile(w.journal())
		w.mu.Lock()
		w.seen = append(w.seen, pw)
		w.before = append(w.before, err == nil && bytes.Contains(data, []byte(pw)))
		w.mu.Unlock()
	}
	return w.Transport.Exec(ctx, cmd)
}

type rawRecord struct {
	Seq  int64           `json:"seq"`
	Kind string          `json:"kind"`
	Body json.RawMessage `json:"body"`
}

func readRecords(t *testing.T, path string) []rawRecord {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []rawRecord
	for _, line := range bytes.Split(bytes.TrimSpace(data), []byte("\n")) {
		var r rawRecord
		if err := json.Unmarshal(line, &r); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

// TestATASecurityErasePasswordJournaledFirst runs a security erase through
// the worker: the password reaches the journal on disk before SECURITY SET
// PASSWORD is sent, with how to remove it, and the erase then leaves zeros
// and security disabled.
func TestATASecurityErasePasswordJournaledFirst(t *testing.T) {
	b := newBench(t)
	cfg := atatest.Config{Model: "EMULATED HDD SEC", Serial: "HDD-SEC", Sectors: 8192, RotationRate: 5400,
		Security: true, EraseTime: 2}
	var w *passwordWatch
	d := b.addATA("sda", cfg, discover.SATA, func(tr scsi.Transport) scsi.Transport {
		w = &passwordWatch{Transport: tr, journal: func() string { return b.journalPath }}
		return w
	})
	results, _, _ := b.run("version = 1\n[policy]\nmic_category = 3\nverify = '10%'\n")
	got := results[0]
	if got.Status != report.StatusPass || got.Assessment.Method != report.MethodATASecurityErase || !got.Assessment.Verified {
		t.Fatalf("%s by %s, verified %v (%s); want PASS by %s, verified", got.Status, got.Assessment.Method,
			got.Assessment.Verified, got.Reason, report.MethodATASecurityErase)
	}
	if len(w.seen) != 1 || !w.before[0] {
		t.Fatalf("SET PASSWORD sent %d times, password in the journal beforehand %v; want once, true", len(w.seen), w.before)
	}
	pw := w.seen[0]
	if len(pw) != 20 {
		t.Errorf("password %q; want a fresh 20-character one", pw)
	}
	// In the journal: the note with the password and its removal comes
	// before the attempt's record.
	noteSeq, attemptSeq := int64(-1), int64(-1)
	for _, r := range readRecords(t, b.journalPath) {
		switch r.Kind {
		case "note":
			var n report.Note
			json.Unmarshal(r.Body, &n)
			if strings.Contains(n.Text, pw) {
				noteSeq = r.Seq
				for _, s := range []string{"hdparm --user-master u --security-unlock " + pw + " /dev/sda", "hdparm --user-master u --security-disable " + pw + " /dev/sda", "HDD-SEC"} {
					if !strings.Contains(n.Text, s) {
						t.Errorf("password note %q lacks %q", n.Text, s)
					}
				}
			}
		case "attempt":
			var a report.Attempt
			json.Unmarshal(r.Body, &a)
			if a.Method == report.MethodATASecurityErase {
				attemptSeq = r.Seq
			}
		}
	}
	if noteSeq < 0 || attemptSeq < 0 || noteSeq > attemptSeq {
		t.Errorf("password note at record %d, attempt at %d; want the note first", noteSeq, attemptSeq)
	}
	if st := d.State(); st.SecurityEnabled || st.Locked {
		t.Errorf("drive state %+v; want security disabled after the erase", st)
	}
	if b.markerLeft("sda") {
		t.Error("resident data survived")
	}
}

// TestATASanitizeFailureExits: a sanitize that fails part-way is left with
// CLEAR SANITIZE OPERATION FAILED (FAILURE MODE was set), the record says
// what state the drive is in, and the drive is usable for the next method.
func TestATASanitizeFailureExits(t *testing.T) {
	b := newBench(t)
	cfg := atatest.Config{Model: "EMULATED SSD FAIL", Serial: "SSD-FAIL", Sectors: 8192, RotationRate: 1, SanitizeCrypto: true, EncryptsAll: true}
	d := b.addATA("sda", cfg, discover.SATA, nil)
	d.Faults.SanitizeFailAt = 0.5
	results, vr, _ := b.run("version = 1\n[policy]\nlevel = 'purge'\nverify = '10%'\n")
	got := results[0]
	// Crypto scramble failed; the host overwrite that followed reaches
	// Clear only on flash.
	if got.Status != report.StatusFail || got.Assessment.Reached != report.LevelClear || got.Assessment.Method != report.MethodOverwrite {
		t.Errorf("%s, %s by %s (%s); want FAIL, Clear by overwrite", got.Status, got.Assessment.Reached, got.Assessment.Method, got.Reason)
	}
	dr := driveRun(t, vr, "SSD-FAIL")
	if len(dr.Attempts) != 2 || dr.Attempts[0].Outcome != report.OutcomeFailed || dr.Attempts[1].Outcome != report.OutcomeSuccess {
		t.Fatalf("attempts %+v; want the failed sanitize, then a successful overwrite", dr.Attempts)
	}
	details := strings.Join(dr.Attempts[0].Details, "\n")
	for _, s := range []string{"FAILURE MODE set", "CLEAR SANITIZE OPERATION FAILED sent after the failure", "recovery: "} {
		if !strings.Contains(details, s) {
			t.Errorf("sanitize attempt details lack %q:\n%s", s, details)
		}
	}
	if rec := dr.Result.Recovery; !strings.Contains(rec, "left the sanitize failure state") || !strings.Contains(rec, "only partly sanitized") {
		t.Errorf("recovery %q; want the failure state left and the partial sanitize named", rec)
	}
	if st := d.State(); st.Sanitize != "SD0" {
		t.Errorf("sanitize state %s; want SD0 (failure state left)", st.Sanitize)
	}
	var op []byte
	for _, e := range d.Log() {
		if e.Name == atatest.OpCryptoScramble {
			op = e.CDB
		}
	}
	// COUNT(7:0) is byte 6 of ATA PASS-THROUGH(16); FAILURE MODE is bit 4
	// (ACS-3 7.41.4).
	if op == nil || op[6]&0x10 == 0 {
		t.Errorf("CRYPTO SCRAMBLE EXT CDB % x; want FAILURE MODE (COUNT bit 4) set", op)
	}
	if b.markerLeft("sda") {
		t.Error("resident data survived the overwrite")
	}
}

// TestSCSISanitizeRefusedFallsThrough: a SAS drive that refuses SANITIZE
// (not reported, or reported but rejected) gets unsupported attempts and
// then the host overwrite.
func TestSCSISanitizeRefusedFallsThrough(t *testing.T) {
	for _, tc := range []struct {
		name   string
		cfg    scsitest.DriveConfig
		reject bool
	}{
		{name: "not reported, refused", cfg: scsitest.DriveConfig{NoRSOC: true}},
		{name: "reported, invalid opcode", cfg: scsitest.DriveConfig{SanitizeOverwrite: true, SanitizeCrypto: true}, reject: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newBench(t)
			cfg := tc.cfg
			cfg.Vendor, cfg.Product, cfg.Serial, cfg.Blocks, cfg.RotationRate = "HGST", "HUC101818CS4200", "SAS-REFUSE", 8192, 10000
			d := b.addSAS("sdc", cfg)
			if tc.reject {
				d.Faults.Reject = map[string]bool{"SANITIZE": true}
			}
			results, vr, _ := b.run("version = 1\n[policy]\nmic_category = 2\nverify = '10%'\n")
			got := results[0]
			if got.Status != report.StatusPass || got.Assessment.Method != report.MethodOverwrite || got.Assessment.MICMet != 2 {
				t.Errorf("%s, MIC %d by %s (%s); want PASS, MIC 2 by overwrite", got.Status, got.Assessment.MICMet, got.Assessment.Method, got.Reason)
			}
			dr := driveRun(t, vr, "SAS-REFUSE")
			var outcomes []string
			for _, a := range dr.Attempts {
				outcomes = append(outcomes, string(a.Method)+":"+string(a.Outcome))
			}
			want := []string{"scsi-sanitize-overwrite:unsupported", "scsi-sanitize-crypto-erase:unsupported", "overwrite:success"}
			if strings.Join(outcomes, " ") != strings.Join(want, " ") {
				t.Errorf("attempts %v; want %v", outcomes, want)
			}
			if b.markerLeft("sdc") {
				t.Error("resident data survived")
			}
		})
	}
}
