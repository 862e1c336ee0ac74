package job

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/kesu-erase/kesu/ata/atatest"
	"github.com/kesu-erase/kesu/erase/discover"
	"github.com/kesu-erase/kesu/erase/raid"
	"github.com/kesu-erase/kesu/internal/clock"
	"github.com/kesu-erase/kesu/mfi"
	"github.com/kesu-erase/kesu/mfi/mfitest"
	"github.com/kesu-erase/kesu/report"
	"github.com/kesu-erase/kesu/scsi"
	"github.com/kesu-erase/kesu/scsi/scsitest"
)

// withMegaRAID adds a megaraid_sas host (host0) to root with one logical
// drive, sdb at 0:2:0:0 (LD 0), as the kernel shows it.
func withMegaRAID(root fstest.MapFS) {
	h := "sys/devices/pci0000:00/0000:00:06.0/host0"
	root["sys/class/scsi_host/host0"] = &fstest.MapFile{Mode: fs.ModeSymlink, Data: []byte("../../devices/pci0000:00/0000:00:06.0/host0/scsi_host/host0")}
	root[h+"/scsi_host/host0/proc_name"] = &fstest.MapFile{Data: []byte("megaraid_sas\n")}
	sdev := h + "/target0:2:0/0:2:0:0"
	b := sdev + "/block/sdb"
	root["sys/block/sdb"] = &fstest.MapFile{Mode: fs.ModeSymlink, Data: []byte("../" + strings.TrimPrefix(b, "sys/"))}
	root[b+"/device"] = &fstest.MapFile{Mode: fs.ModeSymlink, Data: []byte("../../../0:2:0:0")}
	root[b+"/size"] = &fstest.MapFile{Data: []byte("16384\n")}
	root[b+"/dev"] = &fstest.MapFile{Data: []byte("8:16\n")}
	root[b+"/queue/logical_block_size"] = &fstest.MapFile{Data: []byte("512\n")}
	root[b+"/queue/rotational"] = &fstest.MapFile{Data: []byte("1\n")}
	root[sdev+"/vendor"] = &fstest.MapFile{Data: []byte("QEMU\n")}
	root[sdev+"/model"] = &fstest.MapFile{Data: []byte("QEMU HARDDISK\n")}
	root[sdev+"/vpd_pg80"] = &fstest.MapFile{Data: append([]byte{0, 0x80, 0, 9}, "LDSERIAL0"...)}
}

// fakeController is a controller's management interface over emulated
// drives: what raid needs of MFI or CISS, without either.
type fakeController struct {
	drives []raid.PhysicalDrive
	vols   []raid.Volume
	devs   map[string]scsi.Transport
	closed bool
}

func (c *fakeController) Interface() string { return "test pass-through" }
func (c *fakeController) Info(context.Context) (raid.Info, error) {
	return raid.Info{Model: "Test MegaRAID 9999", Serial: "CTRL1", Firmware: "1.0", Mode: "RAID"}, nil
}
func (c *fakeController) Drives(context.Context) ([]raid.PhysicalDrive, error) { return c.drives, nil }
func (c *fakeController) Volumes(context.Context) ([]raid.Volume, error)       { return c.vols, nil }
func (c *fakeController) Reach(addr string) (scsi.Transport, int, error) {
	t, ok := c.devs[addr]
	if !ok {
		return nil, 0, fmt.Errorf("no drive at %s", addr)
	}
	return t, 64 << 10, nil
}
func (c *fakeController) Close() error { c.closed = true; return nil }

// refusing is a drive the controller will not pass commands to.
type refusing struct{}

func (refusing) Exec(context.Context, *scsi.Command) (*scsi.Response, error) {
	return nil, fmt.Errorf("%w: firmware status 0x01 (invalid command)", scsi.ErrControllerRefused)
}

type raidBench struct {
	ctrl *fakeController
	sas  *scsitest.Drive
	sata *atatest.Drive
}

// newRAIDBench builds the controller: device 8 (a SAS disk) and device 9
// (a SATA disk) make LD 0 (sdb); device 10 is an unconfigured SAS disk;
// device 11 is a hot spare the controller refuses pass-through to.
func newRAIDBench(t *testing.T) *raidBench {
	dir := t.TempDir()
	sas, err := scsitest.NewDrive(filepath.Join(dir, "pd8"), scsitest.DriveConfig{Blocks: 4096, Serial: "SASPD8", RotationRate: 10000})
	if err != nil {
		t.Fatal(err)
	}
	sata, err := atatest.New(filepath.Join(dir, "pd9"), atatest.Config{Model: "EMU SATA SSD", Serial: "SATAPD9", Sectors: 4096, RotationRate: 1})
	if err != nil {
		t.Fatal(err)
	}
	spare, err := scsitest.NewDrive(filepath.Join(dir, "pd10"), scsitest.DriveConfig{Blocks: 2048, Serial: "SASPD10", RotationRate: 7200})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sas.Close(); sata.Close(); spare.Close() })
	for _, d := range []interface {
		WriteRaw([]byte, int64) (int, error)
	}{sas, sata, spare} {
		d.WriteRaw(bytes.Repeat([]byte("secret"), 2048*512/6), 0)
	}
	return &raidBench{sas: sas, sata: sata, ctrl: &fakeController{
		drives: []raid.PhysicalDrive{
			{Address: "device 8", Bay: "252:0", State: "online (RAID member)", Serial: "SASPD8"},
			{Address: "device 9", Bay: "252:1", State: "online (RAID member)", Serial: "SATAPD9"},
			{Address: "device 10", Bay: "252:2", State: "unconfigured good", Serial: "SASPD10"},
			{Address: "device 11", Bay: "252:3", State: "hot spare", Serial: "SPARE11"},
		},
		vols: []raid.Volume{{TargetID: 0, RAIDLevel: "RAID-1", State: "optimal", Members: []string{"device 8", "device 9"}, MembersKnown: true}},
		devs: map[string]scsi.Transport{"device 8": sas, "device 9": sata, "device 10": spare, "device 11": refusing{}},
	}}
}

func (b *raidBench) opener(h discover.Host, _ []discover.Disk) (raid.Backend, error) {
	if h.Driver != discover.DriverMegaRAID {
		return nil, raid.ErrNoPassthrough
	}
	return b.ctrl, nil
}

// raidRun is the bench of most tests here: a virtio disk, and a
// megaraid_sas host with LD 0 (sdb) over the emulated drives of
// newRAIDBench; the policy is toml.
func raidRun(t *testing.T, toml string) (*files, *raidBench, Options, report.KeyRing) {
	t.Helper()
	f := setup(t, "vda", "sdb")
	root := machine([]string{"vda"}, "")
	withMegaRAID(root)
	b := newRAIDBench(t)
	o, ring := opts(t, toml, root, f)
	o.Controllers = b.opener
	return f, b, o, ring
}

func allBytes(t *testing.T, read func([]byte, int64) (int, error), size int64, v byte) bool {
	t.Helper()
	buf := make([]byte, size)
	if _, err := read(buf, 0); err != nil {
		t.Fatal(err)
	}
	return bytes.Count(buf, []byte{v}) == len(buf)
}

// TestJobErasesDrivesBehindController runs the whole job against a
// megaraid_sas host: the logical volume is recorded as a volume and not
// written; every physical drive is erased through the controller and
// named by its own serial, bay and access; a drive the controller will
// not pass commands to FAILs with the reason; nothing is all-PASS.
func TestJobErasesDrivesBehindController(t *testing.T) {
	f, b, o, ring := raidRun(t, "version = 1\n[policy]\nmic_category = 3\nverify = 'full'\n")
	j, err := Start(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tg := range j.Prep.Targets {
		names = append(names, tg.Disk.Name)
	}
	if want := "vda host0-dev8 host0-dev9 host0-dev10 host0-dev11"; strings.Join(names, " ") != want {
		t.Fatalf("targets %v; want %s", names, want)
	}
	if len(j.Prep.Excluded) != 1 || j.Prep.Excluded[0].Disk.Name != "sdb" || !strings.Contains(j.Prep.Excluded[0].Reason, "logical volume") {
		t.Fatalf("excluded %+v; want the volume sdb", j.Prep.Excluded)
	}
	res, err := j.Execute(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range res {
		got[r.Drive] = string(r.Status) + " " + r.Reason
	}
	for _, n := range []string{"vda", "host0-dev8", "host0-dev9", "host0-dev10"} {
		if !strings.HasPrefix(got[n], "PASS") {
			t.Errorf("%s: %s; want PASS", n, got[n])
		}
	}
	if !strings.HasPrefix(got["host0-dev11"], "FAIL") || !strings.Contains(got["host0-dev11"], "controller refuses pass-through; switch it to HBA/JBOD mode") {
		t.Errorf("host0-dev11: %s; want FAIL saying the controller refuses pass-through", got["host0-dev11"])
	}
	if f.writes["sdb"] != 0 {
		t.Error("the logical volume was opened for writing under the default policy")
	}
	if !b.ctrl.closed {
		t.Error("the controller's interface was not closed after the run")
	}
	// Every block of the three reachable drives was overwritten.
	if !allBytes(t, b.sas.ReadRaw, 4096*512, 0) || !allBytes(t, b.sata.ReadRaw, 4096*512, 0) {
		t.Error("a member drive still holds data")
	}

	vr, err := report.VerifyFile(j.Journal.Path(), ring)
	if err != nil || vr.Status != report.Intact {
		t.Fatalf("record: %v, %s %v", err, vr.Status, vr.Problems)
	}
	if vr.Outcome.AllPassed() || vr.Outcome.Pass != 4 || vr.Outcome.Fail != 1 {
		t.Fatalf("outcome %s; want 4 PASS, 1 FAIL, not all passed", vr.Outcome)
	}
	run := vr.Run
	if len(run.Controllers) != 1 {
		t.Fatalf("%d controller records; want 1", len(run.Controllers))
	}
	c := run.Controllers[0]
	if c.Driver != "megaraid_sas" || c.Model != "Test MegaRAID 9999" || !c.Listed || len(c.Drives) != 4 || len(c.Volumes) != 1 {
		t.Fatalf("controller record %+v", c)
	}
	if v := c.Volumes[0]; v.Name != "sdb" || v.Overwritten || strings.Join(v.Members, ",") != "device 8,device 9" {
		t.Errorf("volume record %+v; want sdb on devices 8 and 9, not overwritten", v)
	}
	for _, d := range c.Drives {
		if !d.Reached {
			t.Errorf("%s not marked reached", d.Address)
		}
	}
	for _, d := range run.Drives {
		id := d.Drive.Identity
		switch d.Drive.Identity.Serial {
		case "SASPD8", "SATAPD9", "SASPD10":
			if id.Access != report.AccessPassthrough || id.Controller == nil || id.Controller.Driver != "megaraid_sas" ||
				!strings.HasPrefix(id.Bay, "252:") {
				t.Errorf("drive %q: access %q, controller %+v, bay %q", id.Serial, id.Access, id.Controller, id.Bay)
			}
			if d.Drive.Class == report.ClassVolume {
				t.Errorf("physical drive %q rated as a volume", id.Serial)
			}
		case "SER-vda":
			if id.Access != report.AccessDirect {
				t.Errorf("vda access %q; want direct", id.Access)
			}
		}
	}
	// The SATA drive was driven as ATA through the controller's SATL.
	for _, d := range run.Drives {
		if d.Drive.Identity.Serial == "SATAPD9" && d.Drive.Identity.Model != "EMU SATA SSD" {
			t.Errorf("SATA member's model %q: not from its own IDENTIFY", d.Drive.Identity.Model)
		}
	}
}

// TestJobVolumeOverwriteAndExcludedVolume: overwrite = the volume is
// written as a volume (class volume, no level), before its members;
// a volume that is excluded takes its members with it.
func TestJobVolumeOverwriteAndExcludedVolume(t *testing.T) {
	t.Run("overwrite", func(t *testing.T) {
		f, b, o, ring := raidRun(t, "version = 1\n[policy]\nmic_category = 3\n[raid]\nlogical_volumes = 'overwrite'\n")
		delete(b.ctrl.devs, "device 11")
		b.ctrl.drives = b.ctrl.drives[:3]
		j, err := Start(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := j.Execute(context.Background()); err != nil {
			t.Fatal(err)
		}
		if f.writes["sdb"] == 0 {
			t.Fatal("the volume was not overwritten")
		}
		vr, _ := report.VerifyFile(j.Journal.Path(), ring)
		if vr.Outcome.Volumes != 1 || vr.Outcome.VolumesFailed != 0 || vr.Outcome.Drives != 4 || !vr.Outcome.AllPassed() {
			t.Fatalf("outcome %+v; want 4 drives PASS and 1 volume apart", vr.Outcome)
		}
		for _, d := range vr.Run.Drives {
			if d.Drive.Identity.Path == "/dev/sdb" {
				a := d.Assessment(vr.Run.Start.Policy)
				if d.Drive.Class != report.ClassVolume || a.Reached != report.LevelNone || a.MICMet != 0 {
					t.Errorf("volume rated %s/%s MIC %d", d.Drive.Class, a.Reached, a.MICMet)
				}
			}
		}
		if !vr.Run.Controllers[0].Volumes[0].Overwritten {
			t.Error("the controller record does not say the volume was overwritten")
		}
		// The volume and every drive of its controller form one group,
		// volume first: its overwrite never runs under their erasure.
		var order []string
		for _, tg := range j.Prep.Targets {
			if g, ok := tg.Drive.(interface{ Group() string }); ok && g.Group() != "" {
				order = append(order, tg.Disk.Name)
			}
		}
		if strings.Join(order, " ") != "sdb host0-dev8 host0-dev9 host0-dev10" {
			t.Errorf("grouped targets %v; want sdb, then every drive of its controller", order)
		}
	})
	t.Run("excluded volume", func(t *testing.T) {
		_, b, o, ring := raidRun(t, "version = 1\n[policy]\nmic_category = 3\n")
		o.BootDisks = []string{"sdb"}
		j, err := Start(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		reasons := map[string]string{}
		for _, e := range j.Prep.Excluded {
			reasons[e.Disk.Name] = e.Reason
		}
		for _, n := range []string{"host0-dev8", "host0-dev9"} {
			if !strings.Contains(reasons[n], "member of logical volume sdb, which is excluded (the kesu boot stick)") {
				t.Errorf("%s: excluded %q; want as a member of the excluded volume", n, reasons[n])
			}
		}
		if _, err := j.Execute(context.Background()); err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(mustRead(t, b.sas.ReadRaw), []byte("secret")) || !bytes.HasPrefix(mustRead(t, b.sata.ReadRaw), []byte("secret")) {
			t.Error("a member of the excluded volume was written")
		}
		vr, _ := report.VerifyFile(j.Journal.Path(), ring)
		for _, d := range vr.Run.Controllers[0].Drives {
			if (d.Address == "device 8" || d.Address == "device 9") && (!d.Excluded || d.Reached) {
				t.Errorf("%s: reached %v excluded %v", d.Address, d.Reached, d.Excluded)
			}
		}
	})
}

func mustRead(t *testing.T, read func([]byte, int64) (int, error)) []byte {
	t.Helper()
	b := make([]byte, 512)
	if _, err := read(b, 0); err != nil {
		t.Fatal(err)
	}
	return b
}

// TestJobUnlistedControllerIsNotAllPassed: a controller kesu has no
// pass-through for leaves its volume's members unreached, and the run says
// so.
func TestJobUnlistedControllerIsNotAllPassed(t *testing.T) {
	f := setup(t, "vda", "sdb")
	root := machine([]string{"vda"}, "")
	withMegaRAID(root)
	o, ring := opts(t, "version = 1\n[policy]\nmic_category = 3\n", root, f)
	j, err := Start(context.Background(), o) // no Controllers opener
	if err != nil {
		t.Fatal(err)
	}
	u := j.Unreached()
	if len(u) != 1 || !strings.Contains(u[0], "megaraid_sas host0") || !strings.Contains(u[0], "volume sdb") {
		t.Fatalf("Unreached() = %q; want the members of sdb", u)
	}
	res, err := j.Execute(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || res[0].Status != report.StatusPass {
		t.Fatalf("results %+v; want vda PASS", res)
	}
	vr, _ := report.VerifyFile(j.Journal.Path(), ring)
	if vr.Outcome.AllPassed() || len(vr.Outcome.Unreached) != 1 {
		t.Fatalf("outcome %s (unreached %q); want not all passed, 1 unreached", vr.Outcome, vr.Outcome.Unreached)
	}
}

// TestJobFirmwareEraseThroughMFI runs the job against the emulated
// MegaRAID controller itself (package mfi's frames, decoded by mfitest):
// a SAS disk with SANITIZE OVERWRITE and a SATA disk with ATA Sanitize
// block erase, members of a RAID-1, are purged by their own firmware
// through MFI pass-through — SANITIZE and the SAT ATA PASS-THROUGH
// commands travel as PD_SCSI_IO frames — and proven by read-back through
// the controller.
func TestJobFirmwareEraseThroughMFI(t *testing.T) {
	dir := t.TempDir()
	sas, err := scsitest.NewDrive(filepath.Join(dir, "pd8"), scsitest.DriveConfig{Blocks: 4096, Serial: "SASPD8",
		RotationRate: 10000, SanitizeOverwrite: true})
	if err != nil {
		t.Fatal(err)
	}
	sata, err := atatest.New(filepath.Join(dir, "pd9"), atatest.Config{Model: "EMU SATA HDD", Serial: "SATAPD9",
		Sectors: 4096, RotationRate: 7200, SanitizeOverwrite: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sas.Close(); sata.Close() })
	for _, d := range []interface {
		WriteRaw([]byte, int64) (int, error)
	}{sas, sata} {
		d.WriteRaw(bytes.Repeat([]byte("secret"), 4096*512/6), 0)
	}
	emu := &mfitest.Controller{Host: 0, Product: "PERC H730P Mini", Serial: "66301T0",
		PDs: []*mfitest.PD{
			{DeviceID: 8, Enclosure: 32, Slot: 0, State: mfi.PDOnline, Dev: sas},
			{DeviceID: 9, Enclosure: 32, Slot: 1, State: mfi.PDOnline, Dev: sata},
		},
		LDs: []*mfitest.LD{{TargetID: 0, RAIDLevel: 1, Members: []uint16{8, 9}}},
	}
	f := setup(t, "vda", "sdb")
	root := machine([]string{"vda"}, "")
	withMegaRAID(root)
	o, ring := opts(t, "version = 1\n[policy]\nmic_category = 2\nverify = 'full'\n", root, f)
	o.Controllers = func(h discover.Host, _ []discover.Disk) (raid.Backend, error) {
		return &raid.MFI{C: &mfi.Controller{T: emu, Host: uint16(h.Number)}, Node: "emulated"}, nil
	}
	o.Clock, o.BootDisks = clock.NewFake(time.Unix(1e9, 0)), []string{"vda"} // vda: a file, Clear at most
	j, err := Start(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	res, err := j.Execute(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Status != report.StatusPass {
			t.Errorf("%s: %s (%s); want PASS", r.Drive, r.Status, r.Reason)
		}
	}
	vr, _ := report.VerifyFile(j.Journal.Path(), ring)
	if !vr.Outcome.AllPassed() {
		t.Fatalf("outcome %s", vr.Outcome)
	}
	want := map[string]report.Method{"SASPD8": report.MethodSCSISanitizeOverwrite, "SATAPD9": report.MethodATASanitizeOverwrite}
	for _, d := range vr.Run.Drives {
		id := d.Drive.Identity
		m, ok := want[id.Serial]
		if !ok {
			continue
		}
		for _, at := range d.Attempts {
			if !strings.Contains(at.Mechanism, "megaraid_sas host0's pass-through to device") || strings.Contains(at.Mechanism, "SG_IO") {
				t.Errorf("%s attempt %d: mechanism %q; want the controller's pass-through named", id.Serial, at.Attempt, at.Mechanism)
			}
		}
		a := d.Assessment(vr.Run.Start.Policy)
		if a.Method != m || a.Reached != report.LevelPurge || a.MICMet != 2 || !a.Verified {
			t.Errorf("%s: %s, %s, MIC %d, verified %v; want %s, Purge, MIC 2, verified", id.Serial, a.Method, a.Reached, a.MICMet, a.Verified, m)
		}
		if id.Bay != map[string]string{"SASPD8": "32:0", "SATAPD9": "32:1"}[id.Serial] || id.Access != report.AccessPassthrough {
			t.Errorf("%s: bay %q, access %q", id.Serial, id.Bay, id.Access)
		}
		delete(want, id.Serial)
	}
	if len(want) != 0 {
		t.Errorf("drives missing from the record: %v", want)
	}
	// MFI's PD list names no serial: the controller record has each
	// drive's own, as probing read it.
	var serials []string
	for _, d := range vr.Run.Controllers[0].Drives {
		serials = append(serials, d.Bay+" "+d.Serial)
	}
	if strings.Join(serials, ",") != "32:0 SASPD8,32:1 SATAPD9" {
		t.Errorf("controller record drives %q; want each bay with its drive's serial", serials)
	}
	// The firmware erases and every read-back went through MFI frames.
	var sanitize, reads int
	for _, e := range emu.Log() {
		if len(e.CDB) == 0 {
			continue
		}
		switch {
		case e.CDB[0] == 0x48: // SANITIZE
			sanitize++
		case e.CDB[0] == 0x85 && e.CDB[14] == 0xB4: // ATA PASS-THROUGH(16) of SANITIZE DEVICE
			sanitize++
		case e.CDB[0] == 0x88: // READ(16)
			reads++
		}
	}
	if sanitize == 0 || reads == 0 {
		t.Errorf("MFI frames seen: %d SANITIZE, %d READ(16); want both", sanitize, reads)
	}
	if !allBytes(t, sas.ReadRaw, 4096*512, 0) || !allBytes(t, sata.ReadRaw, 4096*512, 0) {
		t.Error("a member still holds data")
	}
}

// TestJobFailsClosedBehindController covers the ways a drive behind a
// controller could be written although it is protected, or hidden although
// it failed.
func TestJobFailsClosedBehindController(t *testing.T) {
	t.Run("refused drive without a serial stays a FAIL under serial exclusions", func(t *testing.T) {
		_, b, o, ring := raidRun(t, "version = 1\n[policy]\nmic_category = 3\n[exclude]\nserials = ['SOMETHING-ELSE']\n")
		b.ctrl.drives[3].Serial = "" // MFI's PD list names no serial
		j, err := Start(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range j.Prep.Excluded {
			if e.Disk.Name == "host0-dev11" {
				t.Fatalf("the refused drive was moved among the exclusions: %s", e.Reason)
			}
		}
		if _, err := j.Execute(context.Background()); err != nil {
			t.Fatal(err)
		}
		vr, _ := report.VerifyFile(j.Journal.Path(), ring)
		if vr.Outcome.AllPassed() || vr.Outcome.Fail != 1 {
			t.Fatalf("outcome %s; want the refused drive's FAIL", vr.Outcome)
		}
	})
	t.Run("a volume on a refused drive that might be protected is not overwritten", func(t *testing.T) {
		f, b, o, _ := raidRun(t, "version = 1\n[policy]\nmic_category = 3\n[raid]\nlogical_volumes = 'overwrite'\n[exclude]\nserials = ['SASPD8']\n")
		b.ctrl.drives[0].Serial = ""         // MFI names no serial
		b.ctrl.devs["device 8"] = refusing{} // and the firmware refuses device 8
		j, err := Start(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := j.Execute(context.Background()); err != nil {
			t.Fatal(err)
		}
		if f.writes["sdb"] != 0 {
			t.Fatal("the volume on an unidentifiable drive the policy may protect was overwritten")
		}
	})
	t.Run("members unknown: an excluded volume keeps every drive of its controller", func(t *testing.T) {
		_, b, o, _ := raidRun(t, "version = 1\n[policy]\nmic_category = 3\n")
		b.ctrl.vols[0].MembersKnown, b.ctrl.vols[0].Members = false, nil
		o.BootDisks = []string{"sdb"}
		j, err := Start(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		defer j.Cancel("test")
		for _, tg := range j.Prep.Targets {
			if tg.Disk.Passthrough != nil {
				t.Errorf("%s is a target although the excluded volume may lie on it", tg.Disk.Name)
			}
		}
	})
	t.Run("a volume on a drive excluded by its probed serial is not overwritten", func(t *testing.T) {
		f, b, o, _ := raidRun(t, "version = 1\n[policy]\nmic_category = 3\n[raid]\nlogical_volumes = 'overwrite'\n[exclude]\nserials = ['SASPD8']\n")
		b.ctrl.drives[0].Serial = "" // known only once probed
		j, err := Start(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		reasons := map[string]string{}
		for _, e := range j.Prep.Excluded {
			reasons[e.Disk.Name] = e.Reason
		}
		if !strings.Contains(reasons["host0-dev8"], "excluded by the policy") || !strings.Contains(reasons["sdb"], "lies on host0-dev8, which is excluded") {
			t.Fatalf("exclusions %q; want device 8 by its serial and sdb with it", reasons)
		}
		// sdb is kept from being written, not kept for its data: its other
		// member is erased.
		if r, ok := reasons["host0-dev9"]; ok {
			t.Fatalf("device 9 excluded (%s); a volume merely not written takes no member with it", r)
		}
		if _, err := j.Execute(context.Background()); err != nil {
			t.Fatal(err)
		}
		if f.writes["sdb"] != 0 || !bytes.HasPrefix(mustRead(t, b.sas.ReadRaw), []byte("secret")) {
			t.Error("the excluded drive was written, through its volume or directly")
		}
	})
}
