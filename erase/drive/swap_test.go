package drive

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"os"
	"path/filepath"
	"testing"

	"github.com/kesu-erase/kesu/erase"
	"github.com/kesu-erase/kesu/erase/discover"
	"github.com/kesu-erase/kesu/erase/policy"
	"github.com/kesu-erase/kesu/erase/worker"
	"github.com/kesu-erase/kesu/report"
)

// The drive at /dev/sdc is pulled while the plan is on screen and another
// disk takes its name: kesu writes the new disk, which nobody confirmed.
func TestPlainRefusesDeviceSwappedAfterProbe(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sdc") // stands for /dev/sdc
	os.WriteFile(path, bytes.Repeat([]byte("planned drive "), 1<<20/14+1)[:1<<20], 0o600)
	disk := discover.Disk{Name: "sdc", Path: path, Transport: discover.USB, Serial: "PLANNED"}
	drv := NewPlain(disk, func(write bool) (erase.Target, error) {
		return erase.Open(path, erase.OpenOptions{Write: write, Buffered: true})
	})
	pol, _ := policy.Parse([]byte("version = 1\n[policy]\nlevel = 'clear'\n"), "t")
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	j, _ := report.Create(t.TempDir(), report.NewSigner(priv), report.RunStart{Policy: report.Policy{Level: report.LevelClear, Verify: report.VerifyPolicy{Mode: report.VerifySampled, Percent: 10}}})
	prep, err := worker.Prepare(context.Background(), worker.Config{Policy: pol, Journal: j,
		Open: func(discover.Disk) (worker.Drive, error) { return drv, nil }}, []discover.Disk{disk}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// While the technician reads the plan: the drive is swapped.
	other := bytes.Repeat([]byte("someone else's backup "), 1<<20/22+1)[:1<<20]
	os.Remove(path)
	os.WriteFile(path, other, 0o600)
	r := prep.Execute(context.Background())[0]
	j.Seal()
	got, _ := os.ReadFile(path)
	t.Logf("result %s for serial %s; other disk erased: %v", r.Status, r.Identity.Serial, !bytes.Contains(got, []byte("backup")))
	if !bytes.Contains(got, []byte("backup")) {
		t.Error("a disk that replaced the planned one under the same name was erased; the record credits serial PLANNED")
	}
}

// The unswapped case still erases: the check does not refuse the drive that
// was probed.
func TestPlainSameDeviceErases(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sdc")
	os.WriteFile(path, bytes.Repeat([]byte("planned drive "), 1<<20/14+1)[:1<<20], 0o600)
	disk := discover.Disk{Name: "sdc", Path: path, Transport: discover.USB, Serial: "PLANNED"}
	drv := NewPlain(disk, func(write bool) (erase.Target, error) {
		return erase.Open(path, erase.OpenOptions{Write: write, Buffered: true})
	})
	pol, _ := policy.Parse([]byte("version = 1\n[policy]\nlevel = 'clear'\n"), "t")
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	j, _ := report.Create(t.TempDir(), report.NewSigner(priv), report.RunStart{Policy: report.Policy{Level: report.LevelClear, Verify: report.VerifyPolicy{Mode: report.VerifySampled, Percent: 10}}})
	prep, err := worker.Prepare(context.Background(), worker.Config{Policy: pol, Journal: j,
		Open: func(discover.Disk) (worker.Drive, error) { return drv, nil }}, []discover.Disk{disk}, nil)
	if err != nil {
		t.Fatal(err)
	}
	prep.Execute(context.Background())
	j.Seal()
	got, _ := os.ReadFile(path)
	if bytes.Contains(got, []byte("planned")) {
		t.Error("the probed drive was not erased")
	}
}
