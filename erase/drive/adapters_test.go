package drive

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/kesu-erase/kesu/ata"
	"github.com/kesu-erase/kesu/ata/atatest"
	"github.com/kesu-erase/kesu/erase"
	"github.com/kesu-erase/kesu/erase/discover"
	"github.com/kesu-erase/kesu/erase/plan"
	"github.com/kesu-erase/kesu/erase/worker"
	"github.com/kesu-erase/kesu/report"
	"github.com/kesu-erase/kesu/scsi"
	"github.com/kesu-erase/kesu/scsi/scsitest"
)

// newATA makes an emulated SATA drive and its adapter, outside a bench.
func newATA(t *testing.T, cfg atatest.Config, disk discover.Disk) (*ATA, *atatest.Drive) {
	t.Helper()
	if cfg.Sectors == 0 {
		cfg.Sectors = 2048
	}
	d, err := atatest.New(filepath.Join(t.TempDir(), "ata.img"), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if disk.Name == "" {
		disk = discover.Disk{Name: "sda", Path: "/dev/sda", Transport: discover.SATA, LogicalBlockSize: 512}
	}
	media := d.Media()
	a := NewATA(disk, keepOpen{d}, func(bool) (erase.Target, error) { return media, nil },
		ATAOptions{Clock: scsitest.NewFakeClock(), Via: "emulated SATL"})
	return a, d
}

func newSCSI(t *testing.T, cfg scsitest.DriveConfig, disk discover.Disk, wrap func(scsi.Transport) scsi.Transport) (*SCSI, *scsitest.Drive) {
	t.Helper()
	if cfg.Blocks == 0 {
		cfg.Blocks = 2048
	}
	d, err := scsitest.NewDrive(filepath.Join(t.TempDir(), "sas.img"), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if disk.Name == "" {
		disk = discover.Disk{Name: "sdc", Path: "/dev/sdc", Transport: discover.SAS, LogicalBlockSize: 512}
	}
	var tr scsi.Transport = keepOpen{d}
	if wrap != nil {
		tr = wrap(tr)
	}
	media := d.Media()
	return NewSCSI(disk, tr, func(bool) (erase.Target, error) { return media, nil }, scsitest.NewFakeClock()), d
}

func TestATAProbe(t *testing.T) {
	sata := func(rot bool) discover.Disk {
		return discover.Disk{Name: "sda", Path: "/dev/sda", Transport: discover.SATA, Rotational: rot, LogicalBlockSize: 512,
			WWN: "naa.5000000000000001", DevPath: "/devices/pci0000:00/0000:00:17.0/ata3/host2/target2:0:0/2:0:0:0/block/sda",
			Location: discover.Location{Bay: "ata3"}}
	}
	for _, tc := range []struct {
		name       string
		cfg        atatest.Config
		disk       discover.Disk
		setup      func(*atatest.Drive)
		class      report.Class
		caps       plan.ATA
		frozen     bool
		writable   bool
		hiddenKind []string
	}{
		{name: "SSD by word 217", cfg: atatest.Config{RotationRate: 1, SanitizeCrypto: true, SanitizeBlockErase: true},
			disk: sata(true), class: report.ClassSSD, writable: true,
			caps: plan.ATA{SanitizeSupported: true, SanitizeCrypto: true, SanitizeBlock: true}},
		{name: "HDD by word 217", cfg: atatest.Config{RotationRate: 7200, SanitizeOverwrite: true, Security: true, EnhancedErase: true},
			disk: sata(false), class: report.ClassHDD, writable: true,
			caps: plan.ATA{SanitizeSupported: true, SanitizeOverwrite: true, SecuritySupported: true, EnhancedErase: true}},
		{name: "no rate, kernel says rotational", cfg: atatest.Config{RotationRate: 0}, disk: sata(true), class: report.ClassSSD, writable: true}, // unknown media is rated as flash,
		{name: "no rate, kernel says not rotational", cfg: atatest.Config{RotationRate: 0}, disk: sata(false), class: report.ClassSSD, writable: true},
		{name: "security frozen", cfg: atatest.Config{RotationRate: 1, Security: true, FreezeAtPowerOn: true},
			disk: sata(false), class: report.ClassSSD, frozen: true, writable: true,
			caps: plan.ATA{SecuritySupported: true, SecurityFrozen: true}},
		{name: "sanitize frozen", cfg: atatest.Config{RotationRate: 1, SanitizeCrypto: true},
			setup: func(d *atatest.Drive) { d.FreezeSanitize() },
			disk:  sata(false), class: report.ClassSSD, frozen: true, writable: true,
			caps: plan.ATA{SanitizeSupported: true, SanitizeCrypto: true, SanitizeFrozen: true}},
		{name: "locked by someone's password", cfg: atatest.Config{RotationRate: 7200, Security: true},
			setup: func(d *atatest.Drive) { d.SetUserPassword("secret"); d.PowerCycle() },
			disk:  sata(true), class: report.ClassHDD, writable: false,
			caps: plan.ATA{SecuritySupported: true, SecurityEnabled: true, SecurityLocked: true}},
		{name: "HPA and DCO", cfg: atatest.Config{RotationRate: 7200, HPA: true, DCO: true, HPASectors: 100, DCOSectors: 50},
			disk: sata(true), class: report.ClassHDD, writable: true, hiddenKind: []string{"HPA", "DCO"}},
		{name: "AMA", cfg: atatest.Config{RotationRate: 7200, AMA: true, HPASectors: 64},
			disk: sata(true), class: report.ClassHDD, writable: true, hiddenKind: []string{"AMA"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.Model, tc.cfg.Serial = "PROBE MODEL", "PROBE-SN"
			a, d := newATA(t, tc.cfg, tc.disk)
			if tc.setup != nil {
				tc.setup(d)
			}
			p, err := a.Probe(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if p.Class != tc.class || p.Caps.Class != tc.class {
				t.Errorf("class %s (caps %s); want %s", p.Class, p.Caps.Class, tc.class)
			}
			if p.Caps.ATA == nil {
				t.Fatal("no ATA capabilities")
			}
			if diff := cmp.Diff(tc.caps, *p.Caps.ATA); diff != "" {
				t.Errorf("ATA capabilities (-want +got):\n%s", diff)
			}
			if p.SecurityFrozen != tc.frozen || p.Caps.HostWritable != tc.writable {
				t.Errorf("SecurityFrozen %v, HostWritable %v; want %v, %v", p.SecurityFrozen, p.Caps.HostWritable, tc.frozen, tc.writable)
			}
			id := p.Identity
			if id.Model != "PROBE MODEL" || id.Serial != "PROBE-SN" || id.Firmware != "1.0" || id.WWN != "naa.5000000000000001" ||
				id.Transport != "sata" || id.Bay != "ata3" || id.Port != tc.disk.DevPath || id.LogicalSectorSize != 512 ||
				(id.Rotational != nil && *id.Rotational != (tc.class == report.ClassHDD)) || (id.Rotational == nil && tc.cfg.RotationRate != 0) {
				t.Errorf("identity %+v", id)
			}
			wantCap := (2048 - tc.cfg.HPASectors - tc.cfg.DCOSectors) * 512
			if id.CapacityBytes != wantCap {
				t.Errorf("capacity %d; want %d (hidden areas excluded)", id.CapacityBytes, wantCap)
			}
			if !p.Hidden.Checked {
				t.Errorf("hidden areas not checked: %+v", p.Hidden)
			}
			var kinds []string
			for _, ar := range p.Hidden.Areas {
				if ar.Present {
					kinds = append(kinds, ar.Kind)
				}
			}
			if diff := cmp.Diff(tc.hiddenKind, kinds); diff != "" {
				t.Errorf("present hidden areas (-want +got):\n%s", diff)
			}
			for _, e := range d.Log() {
				switch e.Name {
				case atatest.OpSetPassword, atatest.OpSetMaxExt, atatest.OpSetMax, atatest.OpSetAccessibleMax,
					atatest.OpDCORestore, atatest.OpCryptoScramble, atatest.OpBlockErase, atatest.OpOverwrite,
					atatest.OpErasePrepare, atatest.OpEraseUnit, atatest.OpFreezeLock, atatest.OpSanitizeFreeze:
					t.Errorf("Probe sent %s", e.Name)
				}
				if e.Name == atatest.OpSanitizeStatus && e.CDB[6]&0x01 != 0 {
					t.Error("Probe sent SANITIZE STATUS EXT with CLEAR")
				}
			}
		})
	}
}

func TestATAProbeHPAAndDCOAreas(t *testing.T) {
	a, _ := newATA(t, atatest.Config{Sectors: 4096, RotationRate: 7200, HPA: true, DCO: true, HPASectors: 100, DCOSectors: 50}, discover.Disk{})
	p, err := a.Probe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []report.HiddenArea{
		{Kind: "HPA", Present: true, AccessibleMaxLBA: 4095 - 150, NativeMaxLBA: 4095 - 50, HiddenSectors: 100},
		{Kind: "DCO", Present: true, AccessibleMaxLBA: 4095 - 50, NativeMaxLBA: 4095, HiddenSectors: 50},
	}
	if diff := cmp.Diff(want, p.Hidden.Areas); diff != "" {
		t.Errorf("hidden areas (-want +got):\n%s", diff)
	}
	areas, err := a.RestoreHiddenAreas(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		want[i].Restored, want[i].AccessibleMaxLBA = true, 4095
	}
	if diff := cmp.Diff(want, areas); diff != "" {
		t.Errorf("restored areas (-want +got):\n%s", diff)
	}
}

// A SATL that refuses ATA PASS-THROUGH: the drive is still erased by host
// overwrite, with hidden areas unchecked.
func TestATAProbeFallsBackToBlockLayer(t *testing.T) {
	a, d := newATA(t, atatest.Config{RotationRate: 7200}, discover.Disk{Name: "sdb", Path: "/dev/sdb",
		Transport: discover.SAS, Rotational: true, Model: "BRIDGED", Serial: "SYSFS-SN", LogicalBlockSize: 512})
	d.Faults.RejectPassThrough = true
	p, err := a.Probe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// sysfs rotational=1 is the kernel's default, not a reported rotation:
	// the drive is rated as flash, the stricter reading, rotation unknown.
	if p.Caps.ATA != nil || !p.Caps.HostWritable || p.Hidden.Checked || p.Class != report.ClassSSD || p.Identity.Rotational != nil ||
		p.Identity.Serial != "SYSFS-SN" || p.Identity.CapacityBytes != 2048*512 {
		t.Errorf("probe %+v; want host overwrite only, hidden areas unchecked, identity from sysfs, rated as flash", p)
	}
	if len(p.Notes) == 0 || !strings.Contains(p.Notes[0], "IDENTIFY DEVICE") {
		t.Errorf("notes %q; want the IDENTIFY failure explained", p.Notes)
	}
}

func recordingEnv(notes *[]string, progress *[]worker.Progress) worker.Env {
	var mu sync.Mutex
	return worker.Env{
		Progress: func(p worker.Progress) {
			mu.Lock()
			defer mu.Unlock()
			if progress != nil {
				*progress = append(*progress, p)
			}
		},
		Record: func(s string) error {
			mu.Lock()
			defer mu.Unlock()
			*notes = append(*notes, s)
			return nil
		},
	}
}

func TestATASecurityEraseRecordFailureSetsNoPassword(t *testing.T) {
	a, d := newATA(t, atatest.Config{RotationRate: 7200, Security: true}, discover.Disk{})
	if _, err := a.Probe(context.Background()); err != nil {
		t.Fatal(err)
	}
	var offered string
	out := a.Erase(context.Background(), report.MethodATASecurityErase, worker.Env{
		Progress: func(worker.Progress) {},
		Record: func(s string) error {
			offered = s
			return errors.New("the stick is full")
		},
	})
	if out.Outcome != report.OutcomeFailed || len(out.Errors) == 0 || !strings.Contains(out.Errors[0], "the stick is full") {
		t.Errorf("outcome %s, errors %q; want failed, naming the record failure", out.Outcome, out.Errors)
	}
	if !strings.Contains(offered, "--security-disable") {
		t.Errorf("record text %q; want the removal steps", offered)
	}
	for _, e := range d.Log() {
		if e.Name == atatest.OpSetPassword || e.Name == atatest.OpEraseUnit {
			t.Errorf("%s was sent although the password could not be recorded", e.Name)
		}
	}
	if st := d.State(); st.SecurityEnabled {
		t.Errorf("state %+v; want security not enabled", st)
	}
	if out.Recovery != "" {
		t.Errorf("recovery %q; want none (no password was set)", out.Recovery)
	}
}

// An ERASE UNIT that times out and a password that cannot be removed: the
// outcome tells how to unlock with the recorded password.
func TestATASecurityEraseRecovery(t *testing.T) {
	a, d := newATA(t, atatest.Config{RotationRate: 7200, Security: true, EraseTime: 1}, discover.Disk{})
	d.Faults.EraseUnitTime = 1000 * time.Hour
	d.Faults.Abort = map[string]bool{atatest.OpDisablePassword: true}
	if _, err := a.Probe(context.Background()); err != nil {
		t.Fatal(err)
	}
	var notes []string
	out := a.Erase(context.Background(), report.MethodATASecurityErase, recordingEnv(&notes, nil))
	if out.Outcome != report.OutcomeFailed {
		t.Errorf("outcome %s; want failed", out.Outcome)
	}
	pw := d.State().UserPassword
	if pw == "" || !d.State().SecurityEnabled {
		t.Fatalf("state %+v; want the password still set (the test's premise)", d.State())
	}
	if len(notes) != 1 || !strings.Contains(notes[0], pw) {
		t.Errorf("recorded %q; want one note with the password %q", notes, pw)
	}
	for _, s := range []string{pw, "hdparm --user-master u --security-unlock " + pw + " /dev/sda", "hdparm --user-master u --security-disable " + pw + " /dev/sda"} {
		if !strings.Contains(out.Recovery, s) {
			t.Errorf("recovery %q lacks %q", out.Recovery, s)
		}
	}
	// The hdparm steps work with what the record says.
	p, _ := ata.PasswordFromString(pw)
	d.Faults.Abort = nil
	rec, _ := ata.NewDevice(d, "/dev/sda").RemovePassword(context.Background(), p)
	if !rec.Disabled {
		t.Errorf("removing the recorded password: %+v", rec)
	}
}

func TestATARefusalsAreUnsupported(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  atatest.Config
		m    report.Method
	}{
		{"security frozen", atatest.Config{RotationRate: 7200, Security: true, FreezeAtPowerOn: true}, report.MethodATASecurityErase},
		{"no security feature", atatest.Config{RotationRate: 7200}, report.MethodATASecurityEraseEnhanced},
		{"no enhanced erase", atatest.Config{RotationRate: 7200, Security: true}, report.MethodATASecurityEraseEnhanced},
		{"no sanitize feature", atatest.Config{RotationRate: 1}, report.MethodATASanitizeCrypto},
		{"no block erase", atatest.Config{RotationRate: 1, SanitizeCrypto: true}, report.MethodATASanitizeBlockErase},
		{"not an ATA method", atatest.Config{RotationRate: 1}, report.MethodNVMeFormatCrypto},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, d := newATA(t, tc.cfg, discover.Disk{})
			if _, err := a.Probe(context.Background()); err != nil {
				t.Fatal(err)
			}
			d.ResetLog()
			var notes []string
			out := a.Erase(context.Background(), tc.m, recordingEnv(&notes, nil))
			if out.Outcome != report.OutcomeUnsupported || len(out.Errors) == 0 {
				t.Errorf("outcome %s, errors %q; want unsupported with the reason", out.Outcome, out.Errors)
			}
			for _, e := range d.Log() {
				if e.Name != atatest.OpIdentify && e.Name != atatest.OpSanitizeStatus {
					t.Errorf("%s sent for a refused method", e.Name)
				}
			}
			if len(notes) != 0 {
				t.Errorf("recorded %q; want nothing (no password needed)", notes)
			}
		})
	}
}

// TestATADeclaredContent checks what each ATA method declares the drive
// reads as afterwards, on drives that do what they declare.
func TestATADeclaredContent(t *testing.T) {
	zero := erase.ExpectPattern(erase.Zero()).String()
	for _, tc := range []struct {
		name string
		cfg  atatest.Config
		m    report.Method
		want string // "" for no declared content
	}{
		{"sanitize overwrite", atatest.Config{RotationRate: 7200, SanitizeOverwrite: true}, report.MethodATASanitizeOverwrite, zero},
		{"block erase with DRAT and RZAT", atatest.Config{RotationRate: 1, SanitizeBlockErase: true, TRIM: true, DRAT: true, RZAT: true}, report.MethodATASanitizeBlockErase, zero},
		{"block erase with DRAT only", atatest.Config{RotationRate: 1, SanitizeBlockErase: true, TRIM: true, DRAT: true}, report.MethodATASanitizeBlockErase, ""},
		{"block erase, nothing declared", atatest.Config{RotationRate: 1, SanitizeBlockErase: true}, report.MethodATASanitizeBlockErase, ""},
		{"crypto scramble", atatest.Config{RotationRate: 1, SanitizeCrypto: true, EncryptsAll: true, TRIM: true, DRAT: true, RZAT: true}, report.MethodATASanitizeCrypto, ""},
		{"security erase normal", atatest.Config{RotationRate: 7200, Security: true}, report.MethodATASecurityErase, zero},
		{"security erase enhanced", atatest.Config{RotationRate: 7200, Security: true, EnhancedErase: true, EnhancedPattern: 0x5a}, report.MethodATASecurityEraseEnhanced, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, d := newATA(t, tc.cfg, discover.Disk{})
			plantMarker(t, d, 2048*512)
			if _, err := a.Probe(context.Background()); err != nil {
				t.Fatal(err)
			}
			var notes []string
			var progress []worker.Progress
			out := a.Erase(context.Background(), tc.m, recordingEnv(&notes, &progress))
			if out.Outcome != report.OutcomeSuccess {
				t.Fatalf("outcome %s %q; want success", out.Outcome, out.Errors)
			}
			got := ""
			if out.Expect != nil {
				got = out.Expect.String()
			}
			if got != tc.want || out.ExpectWhy == "" {
				t.Errorf("declared %q (%s); want %q with a reason", got, out.ExpectWhy, tc.want)
			}
			if !strings.Contains(out.Mechanism, "via SAT ATA PASS-THROUGH(16)") || !strings.Contains(out.Mechanism, "/dev/sda") {
				t.Errorf("mechanism %q", out.Mechanism)
			}
			if out.Expect != nil {
				// The drive really reads as declared.
				v, err := erase.Verify(context.Background(), d.Media(), erase.VerifyOptions{Plan: erase.FullPlan(2048, 512), Expect: out.Expect})
				if err != nil || v.Outcome != erase.OK {
					t.Errorf("verify against the declared content: %v %+v", err, v)
				}
			}
			if rawContains(t, d, 0, 2048*512, marker[:16]) {
				t.Error("the marker survived")
			}
			if strings.Contains(string(tc.m), "sanitize") {
				var mid bool
				for _, p := range progress {
					mid = mid || (p.Fraction > 0 && p.Fraction < 1)
				}
				if !mid {
					t.Errorf("progress %+v; want the drive's own progress between 0 and 1", progress)
				}
			}
		})
	}
}

func TestATARestoreReportsKernelView(t *testing.T) {
	a, d := newATA(t, atatest.Config{Sectors: 4096, RotationRate: 7200, HPA: true, HPASectors: 96}, discover.Disk{})
	var rescans int
	a.opts.Rescan = func(context.Context) error { rescans++; return nil }
	media := d.Media()
	a.block = func(bool) (erase.Target, error) { return staleSize{media, 4000 * 512}, nil }
	if _, err := a.Probe(context.Background()); err != nil {
		t.Fatal(err)
	}
	areas, err := a.RestoreHiddenAreas(context.Background())
	if err == nil || !strings.Contains(err.Error(), "the kernel still shows 2048000 bytes") {
		t.Errorf("error %v; want the kernel's stale size named", err)
	}
	if rescans != 1 {
		t.Errorf("%d rescans; want 1", rescans)
	}
	if len(areas) != 1 || areas[0].Restored || areas[0].Kind != "HPA" || !strings.Contains(areas[0].Error, "2097152 bytes") {
		t.Errorf("areas %+v; want the HPA not restored for the host, the drive's new size named", areas)
	}
	if st := d.State(); st.CurrentMax != 4095 {
		t.Errorf("drive max LBA %d; want 4095 (the drive-level restore happened)", st.CurrentMax)
	}
}

func TestSysfsRescan(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "sys/class/block/sda/device")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "rescan"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := SysfsRescan(root, "sda")(context.Background()); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "rescan")); string(b) != "1" {
		t.Errorf("rescan file holds %q; want \"1\"", b)
	}
	if err := SysfsRescan(root, "sdb")(context.Background()); err == nil {
		t.Error("SysfsRescan of a disk without a rescan attribute succeeded; want an error")
	} else if _, statErr := os.Stat(filepath.Join(root, "sys/class/block/sdb")); statErr == nil {
		t.Error("SysfsRescan created sysfs entries")
	}
}

func TestCommandSummary(t *testing.T) {
	got := commandSummary([]ata.CommandRecord{
		{Name: "IDENTIFY DEVICE", Duration: 2 * time.Millisecond},
		{Name: "SANITIZE STATUS EXT"}, {Name: "SANITIZE STATUS EXT"}, {Name: "SANITIZE STATUS EXT"},
		{Name: "SANITIZE STATUS EXT", Error: "aborted"},
	})
	want := "IDENTIFY DEVICE (2ms), SANITIZE STATUS EXT ×3, SANITIZE STATUS EXT: aborted"
	if got != want {
		t.Errorf("commandSummary = %q; want %q", got, want)
	}
}

func TestSCSIProbe(t *testing.T) {
	for _, tc := range []struct {
		name  string
		cfg   scsitest.DriveConfig
		rot   bool
		class report.Class
		caps  plan.SCSI
	}{
		{"HDD by VPD B1h, all reported", scsitest.DriveConfig{RotationRate: 10000, SanitizeOverwrite: true, SanitizeBlockErase: true, SanitizeCrypto: true},
			false, report.ClassHDD, plan.SCSI{SanitizeCrypto: plan.Yes, SanitizeBlock: plan.Yes, SanitizeOverwrite: plan.Yes}},
		{"SSD by VPD B1h, crypto only", scsitest.DriveConfig{RotationRate: 1, SanitizeCrypto: true},
			true, report.ClassSSD, plan.SCSI{SanitizeCrypto: plan.Yes, SanitizeBlock: plan.No, SanitizeOverwrite: plan.No}},
		{"no rate, kernel rotational, no RSOC", scsitest.DriveConfig{RotationRate: 0, NoRSOC: true},
			true, report.ClassSSD, plan.SCSI{}}, // unknown media is rated as flash
		{"no rate, kernel not rotational", scsitest.DriveConfig{RotationRate: 0, NoRSOC: true},
			false, report.ClassSSD, plan.SCSI{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg
			cfg.Vendor, cfg.Product, cfg.Revision, cfg.Serial, cfg.NAA = "SEAGATE", "ST1200MM0088", "N003", "SN-SAS", 0x5000c500aabbccdd
			cfg.BlockSize, cfg.PhysicalBlockSize = 512, 4096
			cfg.TemperatureC = 35
			s, d := newSCSI(t, cfg, discover.Disk{Name: "sdc", Path: "/dev/sdc", Transport: discover.SAS, Rotational: tc.rot,
				Location: discover.Location{Bay: "slot 4"}}, nil)
			p, err := s.Probe(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if p.Class != tc.class || p.Caps.SCSI == nil || p.Caps.ATA != nil || !p.Caps.HostWritable {
				t.Fatalf("class %s, caps %+v; want %s with SCSI capabilities", p.Class, p.Caps, tc.class)
			}
			if diff := cmp.Diff(tc.caps, *p.Caps.SCSI); diff != "" {
				t.Errorf("SCSI capabilities (-want +got):\n%s", diff)
			}
			want := report.Identity{Path: "/dev/sdc", Vendor: "SEAGATE", Model: "ST1200MM0088", Serial: "SN-SAS", Firmware: "N003",
				WWN: "naa.5000c500aabbccdd", CapacityBytes: 2048 * 512, LogicalSectorSize: 512, PhysicalSectorSize: 4096,
				Transport: "sas", Bay: "slot 4"}
			got := p.Identity
			got.Rotational = nil
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("identity (-want +got):\n%s", diff)
			}
			if !p.Hidden.Checked || p.Hidden.Note == "" {
				t.Errorf("hidden areas %+v; want checked with the SCSI note", p.Hidden)
			}
			if p.SMART == nil || p.SMART.TemperatureC == nil || *p.SMART.TemperatureC != 35 {
				t.Errorf("SMART %+v; want the log pages' temperature", p.SMART)
			}
			for _, e := range d.Log() {
				if e.Name == "SANITIZE" || e.Name == "FORMAT UNIT" {
					t.Errorf("Probe sent %s", e.Name)
				}
			}
		})
	}
}

// lbprz sets LBPRZ in READ CAPACITY(16) answers (byte 14 bit 6, SBC-4
// 5.20.2), which the emulated SAS drive never sets.
type lbprz struct{ scsi.Transport }

func (l lbprz) Exec(ctx context.Context, cmd *scsi.Command) (*scsi.Response, error) {
	r, err := l.Transport.Exec(ctx, cmd)
	if err == nil && cmd.CDB[0] == scsi.OpServiceIn16 && r.Status == scsi.StatusGood && len(cmd.Data) > 14 {
		cmd.Data[14] |= 0x40
	}
	return r, err
}

func TestSCSIDeclaredContent(t *testing.T) {
	zero := erase.ExpectPattern(erase.Zero()).String()
	for _, tc := range []struct {
		name  string
		m     report.Method
		lbprz bool
		want  string
	}{
		{"overwrite", report.MethodSCSISanitizeOverwrite, false, zero},
		{"block erase, LBPRZ", report.MethodSCSISanitizeBlockErase, true, zero},
		{"block erase, no LBPRZ", report.MethodSCSISanitizeBlockErase, false, ""},
		{"crypto erase, LBPRZ", report.MethodSCSISanitizeCrypto, true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var wrap func(scsi.Transport) scsi.Transport
			if tc.lbprz {
				wrap = func(t scsi.Transport) scsi.Transport { return lbprz{t} }
			}
			s, d := newSCSI(t, scsitest.DriveConfig{RotationRate: 1, SanitizeOverwrite: true, SanitizeBlockErase: true, SanitizeCrypto: true}, discover.Disk{}, wrap)
			plantMarker(t, d, 2048*512)
			if _, err := s.Probe(context.Background()); err != nil {
				t.Fatal(err)
			}
			var notes []string
			var progress []worker.Progress
			out := s.Erase(context.Background(), tc.m, recordingEnv(&notes, &progress))
			if out.Outcome != report.OutcomeSuccess {
				t.Fatalf("outcome %s %q; want success", out.Outcome, out.Errors)
			}
			got := ""
			if out.Expect != nil {
				got = out.Expect.String()
			}
			if got != tc.want || out.ExpectWhy == "" {
				t.Errorf("declared %q (%s); want %q with a reason", got, out.ExpectWhy, tc.want)
			}
			if out.Expect != nil {
				v, err := erase.Verify(context.Background(), d.Media(), erase.VerifyOptions{Plan: erase.FullPlan(2048, 512), Expect: out.Expect})
				if err != nil || v.Outcome != erase.OK {
					t.Errorf("verify against the declared content: %v %+v", err, v)
				}
			}
			var mid bool
			for _, p := range progress {
				mid = mid || (p.Fraction > 0 && p.Fraction < 1)
			}
			if !mid {
				t.Errorf("progress %+v; want the drive's own progress between 0 and 1", progress)
			}
		})
	}
}

// A SANITIZE that fails part-way: kesu sends EXIT FAILURE MODE (allowed by
// AUSE) and says so; the drive answers again.
func TestSCSISanitizeFailureExits(t *testing.T) {
	s, d := newSCSI(t, scsitest.DriveConfig{RotationRate: 7200, SanitizeOverwrite: true}, discover.Disk{}, nil)
	d.Faults.SanitizeFailAt = 0.5
	if _, err := s.Probe(context.Background()); err != nil {
		t.Fatal(err)
	}
	var notes []string
	out := s.Erase(context.Background(), report.MethodSCSISanitizeOverwrite, recordingEnv(&notes, nil))
	if out.Outcome != report.OutcomeFailed || len(out.Errors) == 0 {
		t.Errorf("outcome %s %q; want failed", out.Outcome, out.Errors)
	}
	if !strings.Contains(out.Recovery, "EXIT FAILURE MODE") || !strings.Contains(out.Recovery, "only partly sanitized") {
		t.Errorf("recovery %q; want EXIT FAILURE MODE and the partial sanitize named", out.Recovery)
	}
	var exits int
	for _, e := range d.Log() {
		if e.Name == "SANITIZE" && e.CDB[1]&0x1f == byte(scsi.SanitizeExitFailureMode) {
			exits++
		}
	}
	if exits != 1 {
		t.Errorf("%d EXIT FAILURE MODE commands; want 1", exits)
	}
	if err := scsi.NewDevice(d, "sdc").TestUnitReady(context.Background()); err != nil {
		t.Errorf("TEST UNIT READY after the exit: %v; want ready", err)
	}
}
