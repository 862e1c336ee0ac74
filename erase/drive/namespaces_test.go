package drive

import (
	"testing"
	"time"

	"github.com/kesu-erase/kesu/erase"
	"github.com/kesu-erase/kesu/erase/discover"
	"github.com/kesu-erase/kesu/nvme/nvmetest"
	"github.com/kesu-erase/kesu/report"
)

// A namespace whose sibling on the same controller is excluded (or in use)
// is not sanitized — a Sanitize would erase the sibling too — and the
// sibling keeps its data.
func TestSanitizeSparesProtectedSiblingNamespace(t *testing.T) {
	b := newBench(t)
	const size = 8 << 20
	p1 := markedFile(t, "nvme0n1", size)
	p2 := markedFile(t, "nvme0n2", size)
	cfg := nvmeWith("TWO-NS", 0b111, 0b100, 1)
	cfg.Namespaces = []nvmetest.NamespaceConfig{{Path: p1, DLFEAT: 1}, {Path: p2, DLFEAT: 1}}
	c, err := nvmetest.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	clock := nvmetest.NewFakeClock(time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC))
	lock := make(chan struct{}, 1)
	for i, name := range []string{"nvme0n1", "nvme0n2"} {
		nsid := uint32(i + 1)
		disk := discover.Disk{Name: name, Path: "/dev/" + name, Transport: discover.NVMe, Size: size,
			LogicalBlockSize: 512, PhysicalBlockSize: 512, Serial: "TWO-NS", Controller: "nvme0"}
		block := b.countingBlock(name, func(bool) (erase.Target, error) { return c.Namespace(nsid), nil })
		b.drives[name] = NewNVMe(disk, c.OnNamespace(nsid), nsid, block, clock, lock)
		b.disks = append(b.disks, disk)
	}
	b.files["nvme0n1"], b.files["nvme0n2"] = p1, p2
	// nvme0n2 is excluded (by path in the policy, or in use: the InUseRule
	// gives the same discover.Rule).
	results, _, _ := b.run("version = 1\n[policy]\nlevel = 'purge'\n",
		func(d discover.Disk) (bool, string) {
			return d.Name == "nvme0n2", "excluded (e.g. holds the running root fs)"
		})
	if len(results) != 1 || results[0].Assessment.Method != report.MethodNVMeFormatCrypto {
		t.Fatalf("results %+v; want nvme0n1 erased by its own Format (SES=2), not a Sanitize", results)
	}
	// Without Sanitize, Purge under both readings is out of reach: the
	// record says so.
	if results[0].Status != report.StatusFail || results[0].Assessment.Reached != report.LevelClear {
		t.Errorf("nvme0n1: %s, %s; want FAIL at Clear (Purge needs a Sanitize the sibling forbids)", results[0].Status, results[0].Assessment.Reached)
	}
	if b.markerLeft("nvme0n1") {
		t.Error("nvme0n1 was not erased")
	}
	if b.writes["nvme0n2"] != 0 {
		t.Errorf("nvme0n2 opened for writing")
	}
	if !b.markerLeft("nvme0n2") {
		t.Errorf("excluded namespace nvme0n2 was erased by nvme0n1's %s", results[0].Assessment.Method)
	}
}

// When every namespace of the controller is a target, each is sanitized in
// turn (one after the other, never under the other's canaries) and both pass.
func TestSanitizeAllNamespacesInTurn(t *testing.T) {
	b := newBench(t)
	const size = 8 << 20
	p1 := markedFile(t, "nvme0n1", size)
	p2 := markedFile(t, "nvme0n2", size)
	cfg := nvmeWith("TWO-NS", 0b111, 0b100, 1)
	cfg.Namespaces = []nvmetest.NamespaceConfig{{Path: p1, DLFEAT: 1}, {Path: p2, DLFEAT: 1}}
	c, err := nvmetest.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	clock := nvmetest.NewFakeClock(time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC))
	for i, name := range []string{"nvme0n1", "nvme0n2"} {
		nsid := uint32(i + 1)
		disk := discover.Disk{Name: name, Path: "/dev/" + name, Transport: discover.NVMe, Size: size,
			LogicalBlockSize: 512, PhysicalBlockSize: 512, Serial: "TWO-NS", Controller: "nvme0"}
		block := b.countingBlock(name, func(bool) (erase.Target, error) { return c.Namespace(nsid), nil })
		b.drives[name] = NewNVMe(disk, c.OnNamespace(nsid), nsid, block, clock, nil)
		b.disks = append(b.disks, disk)
	}
	b.files["nvme0n1"], b.files["nvme0n2"] = p1, p2
	results, _, _ := b.run("version = 1\n[policy]\nlevel = 'purge'\n")
	for _, r := range results {
		if r.Status != report.StatusPass || r.Assessment.Method != report.MethodNVMeSanitizeCryptoErase {
			t.Errorf("%s: %s by %s; want PASS by crypto sanitize", r.Drive, r.Status, r.Assessment.Method)
		}
	}
	for _, n := range []string{"nvme0n1", "nvme0n2"} {
		if b.markerLeft(n) {
			t.Errorf("%s kept data", n)
		}
	}
}
