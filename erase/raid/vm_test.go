package raid_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"strings"
	"testing"

	"github.com/kesu-erase/kesu/internal/vm"
	"github.com/kesu-erase/kesu/report"
)

// eraseAllInVM runs `kesu erase --all --yes --json` in QEMU over disks
// and returns kesu's exit code, its output and the signed journal,
// verified with the key's public half.
func eraseAllInVM(t *testing.T, policy string, disks ...vm.Disk) (int, string, *report.Result) {
	t.Helper()
	for _, d := range disks {
		if err := vm.WriteMarkers(d.Path, d.Serial); err != nil {
			t.Fatal(err)
		}
	}
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	keyPEM, err := report.MarshalPrivateKeyPEM(priv)
	if err != nil {
		t.Fatal(err)
	}
	res := vm.RunScript(t, vm.NewMachine(t, disks...),
		vm.Write("/tmp/kesu/kesu.toml", []byte(policy), 0o644),
		vm.Write("/tmp/kesu/kesu.key", keyPEM, 0o600),
		vm.Kesu("erase", "--all", "--config", "/tmp/kesu/kesu.toml", "--yes", "--json"),
		vm.Cat("/tmp/kesu/records/*.jsonl"),
	)
	run, cat := res.Results[2], res.Results[3].Stdout
	i := strings.Index(cat, "<==\n")
	if res.Results[3].ExitCode != 0 || i < 0 {
		t.Fatalf("reading the journal: %+v\nkesu: exit %d\n%s\n%s", res.Results[3], run.ExitCode, run.Stdout, run.Stderr)
	}
	ring := report.KeyRing{}
	ring.Add(pub)
	vr := report.Verify(report.SplitJournal([]byte(cat[i+4:])), ring)
	if vr.Status != report.Intact || vr.Run == nil {
		t.Fatalf("journal: %s, problems %v\nkesu stderr:\n%s", vr.Status, vr.Problems, run.Stderr)
	}
	return run.ExitCode, run.Stdout + run.Stderr, vr
}

const vmPolicy = `version = 1
language = "en"
[policy]
mic_category = 3
verify = "10%"
[record]
operator = "VM test"
`

// TestVMMegaRAID boots a VM with two disks behind QEMU's megasas-gen2 in
// RAID mode (each a one-disk RAID-0 logical drive on channel 2) and one
// AHCI disk, and runs the whole erase: every sector of both member disks'
// images is overwritten through MFI pass-through, the record names the
// member disks by their own serials with passthrough access and their
// slots, and no logical volume is rated as a drive. Skipped under -short.
func TestVMMegaRAID(t *testing.T) {
	vm.Require(t, false)
	m1 := vm.NewDisk(t, vm.MegaRAID, "MRMEMBER01", 16<<20)
	m2 := vm.NewDisk(t, vm.MegaRAID, "MRMEMBER02", 16<<20)
	sata := vm.NewDisk(t, vm.AHCI, "OTHERSATA1", 16<<20)
	sata.Model = "KESU OTHER CONTROLLER"
	code, out, vr := eraseAllInVM(t, vmPolicy, m1, m2, sata)
	if code != 0 {
		t.Errorf("kesu erase --all: exit %d; want 0\n%s", code, out)
	}
	for _, d := range []vm.Disk{m1, m2, sata} {
		if n, first, err := vm.CountMarkers(d.Path); err != nil || n != 0 {
			t.Errorf("%s: %d sectors still hold markers (first at %d, %v); want none", d.Serial, n, first, err)
		}
	}
	run := vr.Run
	if !vr.Outcome.AllPassed() || vr.Outcome.Drives != 3 {
		t.Errorf("outcome %s; want 3 drives, all PASS", vr.Outcome)
	}
	seen := map[string]bool{}
	for _, d := range run.Drives {
		id := d.Drive.Identity
		if d.Drive.Class == report.ClassVolume || id.Access == report.AccessLogicalVolume {
			t.Errorf("a logical volume is in the record as a drive: %+v", id)
		}
		switch id.Serial {
		case "MRMEMBER01", "MRMEMBER02":
			seen[id.Serial] = true
			if id.Access != report.AccessPassthrough || id.Controller == nil || id.Controller.Driver != "megaraid_sas" || (id.Bay == "" || id.Bay == id.Path) {
				t.Errorf("%s: access %q, controller %+v, bay %q; want passthrough behind megaraid_sas with its slot", id.Serial, id.Access, id.Controller, id.Bay)
			}
		case "OTHERSATA1":
			seen[id.Serial] = true
			if id.Access != report.AccessDirect {
				t.Errorf("the AHCI disk's access %q; want direct", id.Access)
			}
		}
		if got := d.Assessment(run.Start.Policy).Status; got != report.StatusPass {
			t.Errorf("%s: %s; want PASS", id.Serial, got)
		}
	}
	if len(seen) != 3 {
		t.Errorf("drives named in the record: %v; want both members and the AHCI disk", seen)
	}
	if len(run.Controllers) != 1 {
		t.Fatalf("%d controller records; want 1", len(run.Controllers))
	}
	c := run.Controllers[0]
	if c.Driver != "megaraid_sas" || !c.Listed || len(c.Drives) != 2 || len(c.Volumes) != 2 || len(c.Unreached()) != 0 {
		b, _ := json.MarshalIndent(c, "", "  ")
		t.Errorf("controller record: %s", b)
	}
	for _, v := range c.Volumes {
		if v.Overwritten || !v.MembersKnown || len(v.Members) != 1 || v.Name == "" {
			t.Errorf("volume %+v; want a named one-disk volume, not overwritten", v)
		}
	}
}

// TestVMMegaRAIDJBOD: a controller with use_jbod=on exposes its disk as a
// system PD — a disk of the host's own. It is erased once, as that disk,
// and the controller record says so. Skipped under -short.
func TestVMMegaRAIDJBOD(t *testing.T) {
	vm.Require(t, false)
	j := vm.NewDisk(t, vm.MegaRAIDJBOD, "MRJBOD0001", 16<<20)
	// The kernel's own flush of a JBOD disk fails on QEMU's megasas (it
	// refuses frames without a data buffer): a disk without a volatile
	// write cache is flushed by nobody.
	j.WriteCacheOff = true
	code, out, vr := eraseAllInVM(t, vmPolicy, j)
	if code != 0 {
		t.Errorf("kesu erase --all: exit %d; want 0\n%s", code, out)
	}
	if n, _, err := vm.CountMarkers(j.Path); err != nil || n != 0 {
		t.Errorf("%d sectors still hold markers (%v); want none", n, err)
	}
	if len(vr.Run.Drives) != 1 || vr.Run.Drives[0].Drive.Identity.Serial != "MRJBOD0001" {
		t.Fatalf("drives in the record: %d; want the JBOD disk once", len(vr.Run.Drives))
	}
	if len(vr.Run.Controllers) != 1 {
		t.Fatalf("%d controller records; want 1", len(vr.Run.Controllers))
	}
	c := vr.Run.Controllers[0]
	if len(c.Drives) != 1 || !c.Drives[0].Reached || !strings.Contains(c.Drives[0].Reason, "exposed to the host") || len(c.Volumes) != 0 {
		b, _ := json.MarshalIndent(c, "", "  ")
		t.Errorf("controller record: %s", b)
	}
}
