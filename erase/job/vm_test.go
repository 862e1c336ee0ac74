package job_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"strings"
	"testing"

	"github.com/kesu-erase/kesu/internal/vm"
	"github.com/kesu-erase/kesu/report"
	"github.com/kesu-erase/kesu/report/reporttest"
)

// TestVMEraseAll runs `kesu erase --all` inside QEMU (TCG, one boot) over
// NVMe, AHCI and virtio-scsi disks filled with marker data plus a
// virtio-blk disk the policy excludes by serial: afterwards no marker is left
// on the erased disks, the excluded one is untouched, and the signed
// journal, read back off the VM, verifies with the stick's public key.
// Skipped under -short.
func TestVMEraseAll(t *testing.T) {
	vm.Require(t, false)
	nv := vm.NewDisk(t, vm.NVMe, "ALLNVME1", 32<<20)
	ahci := vm.NewDisk(t, vm.AHCI, "ALLAHCI1", 32<<20)
	ahci.Model = "KESU TEST HDD"
	sc := vm.NewDisk(t, vm.SCSI, "ALLSCSI1", 32<<20)
	keep := vm.NewDisk(t, vm.VirtioBlk, "KEEPME01", 16<<20)
	disks := []vm.Disk{nv, ahci, sc, keep}
	for _, d := range disks {
		if err := vm.WriteMarkers(d.Path, d.Serial); err != nil {
			t.Fatal(err)
		}
	}
	keepBefore, _, err := vm.CountMarkers(keep.Path)
	if err != nil || keepBefore == 0 {
		t.Fatalf("markers on the excluded disk before the run: %d, %v", keepBefore, err)
	}
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	keyPEM, err := report.MarshalPrivateKeyPEM(priv)
	if err != nil {
		t.Fatal(err)
	}
	policy := `version = 1
language = "en"
[policy]
mic_category = 3
verify = "10%"
[exclude]
serials = ["KEEPME01"]
[record]
operator = "VM test"
`
	res := vm.RunScript(t, vm.NewMachine(t, disks...),
		vm.Write("/tmp/kesu/kesu.toml", []byte(policy), 0o644),
		vm.Write("/tmp/kesu/kesu.key", keyPEM, 0o600),
		vm.Kesu("erase", "--all", "--config", "/tmp/kesu/kesu.toml", "--yes", "--json"),
		vm.Cat("/tmp/kesu/records/*.jsonl"),
	)
	run := res.Results[2]
	if run.ExitCode != 0 {
		t.Fatalf("kesu erase --all: exit %d\nstdout %s\nstderr %s", run.ExitCode, run.Stdout, run.Stderr)
	}
	var out struct {
		Results []struct {
			Drive  string
			Status report.Status
			Reason string
		} `json:"results"`
		Excluded []struct{ Device, Serial, Reason string } `json:"excluded"`
	}
	if err := json.Unmarshal([]byte(run.Stdout), &out); err != nil {
		t.Fatalf("--json output: %v\n%s", err, run.Stdout)
	}
	if len(out.Results) != 3 {
		t.Errorf("%d drives erased; want 3: %+v", len(out.Results), out.Results)
	}
	for _, r := range out.Results {
		if r.Status != report.StatusPass {
			t.Errorf("%s: %s (%s); want PASS", r.Drive, r.Status, r.Reason)
		}
	}
	if len(out.Excluded) != 1 || out.Excluded[0].Serial != "KEEPME01" || !strings.Contains(out.Excluded[0].Reason, "excluded by the policy") {
		t.Errorf("excluded %+v; want KEEPME01 by the policy", out.Excluded)
	}
	for _, d := range []vm.Disk{nv, ahci, sc} {
		if n, first, err := vm.CountMarkers(d.Path); err != nil || n != 0 {
			t.Errorf("%s: %d markers left (first at %d, %v); want none", d.Serial, n, first, err)
		}
	}
	if n, _, err := vm.CountMarkers(keep.Path); err != nil || n != keepBefore {
		t.Errorf("excluded disk has %d markers after the run (%v); want all %d", n, err, keepBefore)
	}
	// The journal, read off the VM, verifies with the key's public half.
	cat := res.Results[3].Stdout
	i := strings.Index(cat, "<==\n")
	if res.Results[3].ExitCode != 0 || i < 0 {
		t.Fatalf("reading the journal: %+v", res.Results[3])
	}
	journal := []byte(cat[i+4:])
	ring := report.KeyRing{}
	ring.Add(pub)
	vr := report.Verify(report.SplitJournal(journal), ring)
	if !vr.OK() || vr.Run == nil || len(vr.Run.Drives) != 3 {
		t.Fatalf("journal: %s, problems %v", vr.Status, vr.Problems)
	}
	// Written inside the VM, it escapes reporttest.Main: check it here.
	reporttest.ValidateJournal(t, journal)
	if !bytes.Contains(journal, []byte("KEEPME01")) || !bytes.Contains(journal, []byte("drive-excluded")) {
		t.Error("the journal does not record the excluded drive")
	}
}
