package drive

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/kesu-erase/kesu/erase"
	"github.com/kesu-erase/kesu/erase/discover"
	"github.com/kesu-erase/kesu/erase/policy"
	"github.com/kesu-erase/kesu/erase/worker"
	"github.com/kesu-erase/kesu/nvme"
	"github.com/kesu-erase/kesu/nvme/nvmetest"
	"github.com/kesu-erase/kesu/report"
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
	targets, excluded := discover.Select(b.disks, exclude...)
	cfg := worker.Config{Policy: pol, Journal: j, Open: func(d discover.Disk) (worker.Drive, error) {
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
