package drive

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/kesu-erase/kesu/erase"
	"github.com/kesu-erase/kesu/erase/discover"
	"github.com/kesu-erase/kesu/report"
)

// forceROLog is a fake sysfs force_ro: it records every change.
type forceROLog struct {
	mu    sync.Mutex
	state map[string]bool
	log   []string
	// failSet makes setting force_ro again fail (a sysfs write refused).
	failSet bool
}

func (f *forceROLog) set(name string, on bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if on && f.failSet {
		return fmt.Errorf("writing /sys/block/%s/force_ro: input/output error (injected)", name)
	}
	f.state[name] = on
	f.log = append(f.log, fmt.Sprintf("%s=%v", name, on))
	return nil
}

// addMMC adds an eMMC whose user data area and hardware partitions are
// marker-filled files; parts lists the partitions as discovery would.
func (b *bench) addMMC(name string, userSize int64, parts ...discover.HWPartition) *forceROLog {
	b.t.Helper()
	fro := &forceROLog{state: map[string]bool{}}
	files := map[string]string{}
	for i := range parts {
		if parts[i].Kind != discover.HWRPMB {
			files[parts[i].Name] = markedFile(b.t, parts[i].Name, parts[i].Size)
			b.files[parts[i].Name] = files[parts[i].Name]
		}
		fro.state[parts[i].Name] = parts[i].ForceRO
	}
	path := markedFile(b.t, name, userSize)
	disk := discover.Disk{Name: name, Path: "/dev/" + name, Transport: discover.MMC, Size: userSize, LogicalBlockSize: 512,
		PhysicalBlockSize: 512, Serial: "0x8f2a19c4", Model: "DG4016", HWPartitions: parts}
	block := b.countingBlock(name, func(write bool) (erase.Target, error) { return erase.Open(path, erase.OpenOptions{Write: write}) })
	openPart := func(p discover.HWPartition, write bool) (erase.Target, error) {
		fro.mu.Lock()
		ro := fro.state[p.Name]
		fro.mu.Unlock()
		if write && ro {
			return nil, fmt.Errorf("%s: read-only file system (force_ro is set)", p.Path)
		}
		return erase.Open(files[p.Name], erase.OpenOptions{Write: write})
	}
	b.drives[name] = NewMMC(disk, block, openPart, fro.set)
	b.disks = append(b.disks, disk)
	b.files[name] = path
	return fro
}

func bootParts(rpmb bool) []discover.HWPartition {
	ps := []discover.HWPartition{
		{Name: "mmcblk0boot0", Path: "/dev/mmcblk0boot0", Kind: discover.HWBoot, Size: 1 << 20, ForceRO: true},
		{Name: "mmcblk0boot1", Path: "/dev/mmcblk0boot1", Kind: discover.HWBoot, Size: 1 << 20, ForceRO: true},
	}
	if rpmb {
		ps = append(ps, discover.HWPartition{Name: "mmcblk0rpmb", Path: "/dev/mmcblk0rpmb", Kind: discover.HWRPMB, Size: 4 << 20})
	}
	return ps
}

// Issue 12 item 7: an eMMC's boot partitions are overwritten and verified
// with its user data area (force_ro cleared, then set again), and the
// record lists them. fe5492b dropped them at discovery: the user area
// passed while the boot partitions kept their data.
func TestEMMCBootPartitionsErased(t *testing.T) {
	b := newBench(t)
	fro := b.addMMC("mmcblk0", 8<<20, bootParts(false)...)
	results, vr, _ := b.run("version = 1\n[policy]\nmic_category = 3\nverify = '10%'\n")
	r := results[0]
	if r.Status != report.StatusPass || r.Assessment.Reached != report.LevelClear || r.Assessment.MICMet != 3 {
		t.Errorf("eMMC: %s reached %s MIC %d (%s); want PASS, Clear, MIC (3)", r.Status, r.Assessment.Reached, r.Assessment.MICMet, r.Reason)
	}
	for _, n := range []string{"mmcblk0", "mmcblk0boot0", "mmcblk0boot1"} {
		if b.markerLeft(n) {
			t.Errorf("%s: resident data survived", n)
		}
	}
	if fro.state["mmcblk0boot0"] != true || fro.state["mmcblk0boot1"] != true || !strings.Contains(strings.Join(fro.log, " "), "mmcblk0boot0=false") {
		t.Errorf("force_ro changes %v, final %v; want cleared for the writes and set again", fro.log, fro.state)
	}
	d := driveRun(t, vr, "0x8f2a19c4")
	if len(d.Drive.HWPartitions) != 2 || !d.Drive.HWPartitions[0].Covered || !d.Drive.HWPartitions[1].Covered {
		t.Errorf("recorded hardware partitions %+v; want boot0 and boot1, covered", d.Drive.HWPartitions)
	}
	var ow *report.Attempt
	for i := range d.Attempts {
		if d.Attempts[i].Method == report.MethodOverwrite {
			ow = &d.Attempts[i]
		}
	}
	if ow == nil || ow.TargetBytes != 10<<20 || ow.Passes != 2 {
		t.Errorf("overwrite attempt %+v; want 10 MiB (user area and both boot partitions), 2 passes", ow)
	}
	if last := d.Drive.Plan.Steps[len(d.Drive.Plan.Steps)-1]; !strings.Contains(last.Reason, "mmcblk0boot0, mmcblk0boot1") {
		t.Errorf("plan step %+v does not say the boot partitions are written", d.Drive.Plan.Steps)
	}
}

// The RPMB cannot be written without the card's key: recorded, and no MIC
// category is met, though Clear of what the host addresses is.
func TestEMMCRPMBCapsMIC(t *testing.T) {
	b := newBench(t)
	b.addMMC("mmcblk0", 8<<20, bootParts(true)...)
	results, vr, _ := b.run("version = 1\n[policy]\nmic_category = 3\nverify = '10%'\n")
	r := results[0]
	if r.Status != report.StatusFail || r.Assessment.Reached != report.LevelClear || r.Assessment.MICMet != 0 {
		t.Errorf("eMMC with RPMB: %s reached %s MIC %d; want FAIL, Clear, no MIC category", r.Status, r.Assessment.Reached, r.Assessment.MICMet)
	}
	if !strings.Contains(r.Reason, "RPMB") {
		t.Errorf("reason %q does not name the RPMB", r.Reason)
	}
	d := driveRun(t, vr, "0x8f2a19c4")
	if p := d.Drive.HWPartitions[2]; p.Kind != "rpmb" || p.Covered || p.Note == "" {
		t.Errorf("RPMB record %+v; want listed, not covered, with why", p)
	}
}

// A boot partition locked until the next power-on cannot be overwritten:
// the drive does not reach Clear, and says why.
func TestEMMCLockedBootPartition(t *testing.T) {
	b := newBench(t)
	parts := bootParts(false)
	parts[1].Locked = true
	b.addMMC("mmcblk0", 8<<20, parts...)
	results, _, _ := b.run("version = 1\n[policy]\nmic_category = 3\nverify = '10%'\n")
	r := results[0]
	if r.Status != report.StatusFail || r.Assessment.Reached != report.LevelNone || !strings.Contains(r.Reason, "mmcblk0boot1") {
		t.Errorf("locked boot1: %s reached %s (%s); want FAIL, none, naming mmcblk0boot1", r.Status, r.Assessment.Reached, r.Reason)
	}
	if b.markerLeft("mmcblk0boot0") || !b.markerLeft("mmcblk0boot1") {
		t.Error("want boot0 erased and the locked boot1 untouched")
	}
	if data, _ := os.ReadFile(b.files["mmcblk0"]); strings.Contains(string(data), string(marker)) {
		t.Error("the user data area was not erased")
	}
}

// When force_ro cannot be set again, the record says so and how to recover
// (found by review: the failure was swallowed and the note claimed it was
// set again).
func TestEMMCForceRORestoreFailureRecorded(t *testing.T) {
	b := newBench(t)
	fro := b.addMMC("mmcblk0", 8<<20, bootParts(false)...)
	fro.failSet = true
	_, vr, _ := b.run("version = 1\n[policy]\nmic_category = 3\nverify = '10%'\n")
	d := driveRun(t, vr, "0x8f2a19c4")
	if d.Result == nil || !strings.Contains(d.Result.Recovery, "echo 1 > /sys/block/mmcblk0boot0/force_ro") ||
		!strings.Contains(d.Result.Recovery, "mmcblk0boot1") {
		t.Errorf("recovery %q; want how to set force_ro again on both boot partitions", d.Result.Recovery)
	}
	noted := false
	for _, n := range d.Notes {
		if n.Code == "close" && n.Severity == report.SeverityError {
			noted = true
		}
	}
	if !noted {
		t.Error("no error note for the failed restore")
	}
}
