package worker

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/kesu-erase/kesu/erase"
	"github.com/kesu-erase/kesu/erase/discover"
	"github.com/kesu-erase/kesu/erase/plan"
	"github.com/kesu-erase/kesu/erase/policy"
	"github.com/kesu-erase/kesu/report"
)

// fakeDrive is a file-backed drive whose firmware erase can succeed, do
// nothing (and say it succeeded), refuse, or panic.
type fakeDrive struct {
	name     string
	path     string
	class    report.Class
	caps     plan.Capabilities
	serial   string
	frozen   bool
	behave   map[report.Method]string // "ok", "lie", "refuse", "panic"
	probeErr error
	// readOnlyAfterErase makes host writes fail once a firmware erase
	// succeeded (a drive that went read-only).
	readOnlyAfterErase bool
	erasedOK           bool
	// onWrite, if set, is called before every host write.
	onWrite func()

	mu          sync.Mutex
	openedWrite int
	erased      []report.Method
	closed      bool
}

func (f *fakeDrive) Name() string { return f.name }

func (f *fakeDrive) Probe(ctx context.Context) (*Probe, error) {
	if f.probeErr != nil {
		return nil, f.probeErr
	}
	st, err := os.Stat(f.path)
	if err != nil {
		return nil, err
	}
	return &Probe{
		Identity:       report.Identity{Path: "/dev/" + f.name, Model: "FAKE " + f.name, Serial: f.serial, CapacityBytes: uint64(st.Size()), LogicalSectorSize: 512},
		Class:          f.class,
		Hidden:         report.HiddenAreas{Checked: true},
		Caps:           f.caps,
		SecurityFrozen: f.frozen,
	}, nil
}

func (f *fakeDrive) RestoreHiddenAreas(context.Context) ([]report.HiddenArea, error) { return nil, nil }

func (f *fakeDrive) Erase(ctx context.Context, m report.Method, env Env) *Outcome {
	f.mu.Lock()
	f.erased = append(f.erased, m)
	f.mu.Unlock()
	switch f.behave[m] {
	case "ok":
		st, _ := os.Stat(f.path)
		os.WriteFile(f.path, make([]byte, st.Size()), 0o600)
		f.mu.Lock()
		f.erasedOK = true
		f.mu.Unlock()
		env.Progress(Progress{Fraction: 1})
		return &Outcome{Outcome: report.OutcomeSuccess, Mechanism: "fake " + string(m), Expect: erase.ExpectPattern(erase.Zero())}
	case "lie":
		return &Outcome{Outcome: report.OutcomeSuccess, Mechanism: "fake " + string(m) + " (does nothing)", Expect: erase.ExpectPattern(erase.Zero())}
	case "panic":
		panic("fake firmware crashed")
	}
	return &Outcome{Outcome: report.OutcomeUnsupported, Mechanism: "fake " + string(m), Errors: []string{"invalid opcode"}}
}

func (f *fakeDrive) Open(write bool) (erase.Target, error) {
	if write {
		f.mu.Lock()
		f.openedWrite++
		f.mu.Unlock()
	}
	t, err := erase.Open(f.path, erase.OpenOptions{Write: write})
	f.mu.Lock()
	defer f.mu.Unlock()
	if err == nil && f.readOnlyAfterErase && f.erasedOK {
		return readOnly{t}, nil
	}
	if err == nil && f.onWrite != nil {
		return watched{t, f.onWrite}, nil
	}
	return t, err
}

// watched calls fn before each write.
type watched struct {
	erase.Target
	fn func()
}

func (w watched) WriteAt(p []byte, off int64) (int, error) {
	w.fn()
	return w.Target.WriteAt(p, off)
}

// readOnly is a target whose writes fail.
type readOnly struct{ erase.Target }

func (r readOnly) WriteAt(p []byte, off int64) (int, error) {
	return 0, errors.New("write protected (injected)")
}

func (f *fakeDrive) Close() error { f.closed = true; return nil }

func newFake(t *testing.T, name string, class report.Class, caps plan.Capabilities) *fakeDrive {
	t.Helper()
	p := filepath.Join(t.TempDir(), name+".img")
	junk := bytes.Repeat([]byte("resident-data "), (8<<20)/14+1)[:8<<20]
	if err := os.WriteFile(p, junk, 0o600); err != nil {
		t.Fatal(err)
	}
	caps.Class, caps.HostWritable = class, true
	return &fakeDrive{name: name, path: p, class: class, caps: caps, serial: "SN-" + name, behave: map[report.Method]string{}}
}

type harness struct {
	cfg     Config
	keyring report.KeyRing
	events  []Event
	mu      sync.Mutex
}

func newHarness(t *testing.T, toml string, drives ...*fakeDrive) (*harness, []discover.Disk) {
	t.Helper()
	pol, err := policy.Parse([]byte(toml), "test")
	if err != nil {
		t.Fatal(err)
	}
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	j, err := report.Create(t.TempDir(), report.NewSigner(priv), report.RunStart{Policy: report.Policy{Level: levelOf(pol), MICCategory: pol.Policy.MICCategory,
		Verify: report.VerifyPolicy{Mode: report.VerifySampled, Percent: pol.VerifyPercent}, ExtraOverwrite: pol.Policy.ExtraOverwrite}})
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{keyring: report.KeyRing{}}
	h.keyring.Add(pub)
	byName := map[string]*fakeDrive{}
	var disks []discover.Disk
	for _, d := range drives {
		byName[d.name] = d
		disks = append(disks, discover.Disk{Name: d.name, Path: "/dev/" + d.name, Serial: d.serial})
	}
	h.cfg = Config{Policy: pol, Journal: j,
		Events: func(e Event) { h.mu.Lock(); h.events = append(h.events, e); h.mu.Unlock() },
		Open: func(d discover.Disk) (Drive, error) {
			if f, ok := byName[d.Name]; ok {
				return f, nil
			}
			return nil, errors.New("no such drive")
		}}
	return h, disks
}

func levelOf(c *policy.Config) report.Level {
	if c.Policy.MICCategory != 0 {
		return ""
	}
	if c.Level == policy.Purge {
		return report.LevelPurge
	}
	return report.LevelClear
}

func (h *harness) verifyJournal(t *testing.T) *report.Result {
	t.Helper()
	if err := h.cfg.Journal.Seal(); err != nil {
		t.Fatal(err)
	}
	res, err := report.VerifyFile(h.cfg.Journal.Path(), h.keyring)
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK() {
		t.Fatalf("journal does not verify: %+v", res)
	}
	return res
}

const purge = "version = 1\n[policy]\nlevel = 'purge'\nverify = '10%'\n"

var nvmeAll = plan.Capabilities{NVMe: &plan.NVMe{SanitizeCrypto: true, SanitizeBlock: true, Format: true, Namespaces: 1}}

func TestRunFallsThroughALiar(t *testing.T) {
	good := newFake(t, "nvme0n1", report.ClassNVMe, nvmeAll)
	good.behave[report.MethodNVMeSanitizeCryptoErase] = "ok"
	liar := newFake(t, "nvme1n1", report.ClassNVMe, nvmeAll)
	liar.behave[report.MethodNVMeSanitizeCryptoErase] = "lie"
	liar.behave[report.MethodNVMeSanitizeBlockErase] = "ok"
	h, disks := newHarness(t, purge, good, liar)
	p, err := Prepare(context.Background(), h.cfg, disks, nil)
	if err != nil {
		t.Fatal(err)
	}
	res := p.Execute(context.Background())
	for _, r := range res {
		if r.Status != report.StatusPass || r.Assessment.Reached != report.LevelPurge {
			t.Errorf("%s: %s reached %s (%s); want PASS Purge", r.Drive, r.Status, r.Assessment.Reached, r.Reason)
		}
	}
	if res[1].Assessment.Method != report.MethodNVMeSanitizeBlockErase {
		t.Errorf("liar passed by %s; want the block erase it fell through to", res[1].Assessment.Method)
	}
	if got := liar.erased; len(got) != 2 {
		t.Errorf("liar ran %v; want crypto erase then block erase", got)
	}
	h.verifyJournal(t)
	// The liar's journal shows the failed canary verification.
	data, _ := os.ReadFile(h.cfg.Journal.Path())
	if !bytes.Contains(data, []byte("still hold the content planted before the erase")) {
		t.Error("journal does not record the surviving canaries")
	}
}

func TestRunOnlyLiesLeavesClearAndFails(t *testing.T) {
	liar := newFake(t, "nvme0n1", report.ClassNVMe, plan.Capabilities{NVMe: &plan.NVMe{SanitizeCrypto: true, Namespaces: 1}})
	liar.behave[report.MethodNVMeSanitizeCryptoErase] = "lie"
	h, disks := newHarness(t, purge, liar)
	p, _ := Prepare(context.Background(), h.cfg, disks, nil)
	r := p.Execute(context.Background())[0]
	if r.Status != report.StatusFail || r.Assessment.Reached != report.LevelClear || r.Assessment.Method != report.MethodOverwrite {
		t.Errorf("lying drive: %s reached %s by %s; want FAIL, Clear by host overwrite", r.Status, r.Assessment.Reached, r.Assessment.Method)
	}
	// The overwrite really erased the data.
	data, _ := os.ReadFile(liar.path)
	if bytes.Contains(data, []byte("resident-data")) {
		t.Error("resident data survived the fallback overwrite")
	}
	h.verifyJournal(t)
}

func TestRunPanicAndProbeErrorDoNotStopOthers(t *testing.T) {
	crash := newFake(t, "nvme0n1", report.ClassNVMe, nvmeAll)
	crash.behave[report.MethodNVMeSanitizeCryptoErase] = "panic"
	broken := newFake(t, "sda", report.ClassHDD, plan.Capabilities{})
	broken.probeErr = errors.New("IDENTIFY DEVICE: input/output error")
	fine := newFake(t, "sdb", report.ClassHDD, plan.Capabilities{})
	h, disks := newHarness(t, "version = 1\n[policy]\nmic_category = 3\n", crash, broken, fine)
	p, err := Prepare(context.Background(), h.cfg, disks, nil)
	if err != nil {
		t.Fatal(err)
	}
	res := p.Execute(context.Background())
	want := []report.Status{report.StatusFail, report.StatusFail, report.StatusPass}
	for i, r := range res {
		if r.Status != want[i] {
			t.Errorf("%s: %s (%s); want %s", r.Drive, r.Status, r.Reason, want[i])
		}
	}
	if broken.openedWrite != 0 {
		t.Errorf("a drive that failed its probe was opened for writing %d times", broken.openedWrite)
	}
	h.verifyJournal(t)
}

func TestExcludedByProbedSerialNeverWritten(t *testing.T) {
	const t10 = "t10.ATA     KEEP DRIVE                              K1"
	for _, tc := range []struct {
		name, exclude string
		disk          func(*discover.Disk)
	}{
		// sysfs did not know the serial; the drive's own identity does.
		{"serial", "serials = ['keep-me']", func(d *discover.Disk) { d.Serial = "" }},
		// An exclusion by the raw sysfs wwid (a T10 id that is no WWN)
		// still protects the drive (found by review).
		{"raw wwid", "wwns = ['" + t10 + "']", func(d *discover.Disk) { d.WWID = t10 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			keep := newFake(t, "sda", report.ClassHDD, plan.Capabilities{})
			keep.serial = "KEEP-ME"
			other := newFake(t, "sdb", report.ClassHDD, plan.Capabilities{})
			before, _ := os.ReadFile(keep.path)
			h, disks := newHarness(t, "version = 1\n[policy]\nlevel = 'clear'\n[exclude]\n"+tc.exclude+"\n", keep, other)
			tc.disk(&disks[0])
			p, err := Prepare(context.Background(), h.cfg, disks, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Targets) != 1 || len(p.Excluded) != 1 || p.Excluded[0].Disk.Name != "sda" {
				t.Fatalf("targets %d, excluded %+v; want sda excluded", len(p.Targets), p.Excluded)
			}
			p.Execute(context.Background())
			after, _ := os.ReadFile(keep.path)
			if keep.openedWrite != 0 || !bytes.Equal(before, after) {
				t.Errorf("excluded drive opened for writing %d times, content changed: %v", keep.openedWrite, !bytes.Equal(before, after))
			}
			h.verifyJournal(t)
		})
	}
}

type countingUnfreezer struct{ n int }

func (c *countingUnfreezer) Unfreeze(context.Context) error { c.n++; return nil }

func TestFrozenDrivesUnfrozenOnce(t *testing.T) {
	a := newFake(t, "sda", report.ClassSSD, plan.Capabilities{ATA: &plan.ATA{SecuritySupported: true, SecurityFrozen: true}})
	b := newFake(t, "sdb", report.ClassSSD, plan.Capabilities{ATA: &plan.ATA{SecuritySupported: true, SecurityFrozen: true}})
	a.frozen, b.frozen = true, true
	h, disks := newHarness(t, "version = 1\n[policy]\nlevel = 'clear'\n", a, b)
	u := &countingUnfreezer{}
	h.cfg.Unfreezer = u
	p, err := Prepare(context.Background(), h.cfg, disks, nil)
	if err != nil {
		t.Fatal(err)
	}
	if u.n != 1 || p.Unfrozen == "" {
		t.Errorf("Unfreeze called %d times (%q); want once for both drives", u.n, p.Unfrozen)
	}
	p.Cancel("the technician declined")
	res := h.verifyJournal(t)
	if len(res.Run.Drives) != 2 {
		t.Fatalf("journal holds %d drives; want 2", len(res.Run.Drives))
	}
	for _, d := range res.Run.Drives {
		if d.Result == nil || d.Result.Assessment.Status != report.StatusSkipped {
			t.Errorf("after Cancel drive %d result %+v; want SKIPPED", d.Drive.ID, d.Result)
		}
	}
}

func TestCancelledRunIsIncomplete(t *testing.T) {
	d := newFake(t, "sda", report.ClassHDD, plan.Capabilities{})
	h, disks := newHarness(t, "version = 1\n[policy]\nlevel = 'clear'\n", d)
	p, _ := Prepare(context.Background(), h.cfg, disks, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := p.Execute(ctx)[0]
	if r.Status == report.StatusPass {
		t.Errorf("cancelled run: %s (%s); want not PASS", r.Status, r.Reason)
	}
	h.verifyJournal(t)
}

func TestUSBGetsTwoPasses(t *testing.T) {
	stick := newFake(t, "sdc", report.ClassUSB, plan.Capabilities{})
	h, disks := newHarness(t, "version = 1\n[policy]\nlevel = 'clear'\n", stick)
	p, _ := Prepare(context.Background(), h.cfg, disks, nil)
	r := p.Execute(context.Background())[0]
	if r.Status != report.StatusPass || r.Assessment.NISTRev1 != report.LevelClear {
		t.Errorf("USB stick: %s, Rev.1 %s (%s); want PASS, Clear", r.Status, r.Assessment.NISTRev1, r.Reason)
	}
	res := h.verifyJournal(t)
	at := res.Run.Drives[0].Attempts
	if len(at) != 1 || at[0].Passes != 2 {
		t.Errorf("USB attempts %+v; want one overwrite of 2 passes", at)
	}
	data, _ := os.ReadFile(stick.path)
	if bytes.Count(data, []byte{0}) != len(data) {
		t.Error("after two passes the stick does not hold the policy's zeros")
	}
}

// A drive with no usable method fails (its data remains, destruction is
// required); SKIPPED is kept for a run the technician declined.
func TestNoMethodIsFailNotSkip(t *testing.T) {
	locked := newFake(t, "sda", report.ClassHDD, plan.Capabilities{ATA: &plan.ATA{SecuritySupported: true, SecurityEnabled: true, SecurityLocked: true}})
	locked.caps.HostWritable = false
	h, disks := newHarness(t, "version = 1\n[policy]\nmic_category = 2\n", locked)
	p, _ := Prepare(context.Background(), h.cfg, disks, nil)
	r := p.Execute(context.Background())[0]
	if r.Status != report.StatusFail || !r.Assessment.DestroyRequired || locked.openedWrite != 0 {
		t.Errorf("unerasable drive: %s, destroy required %v, opened for writing %d; want FAIL, destroy required, never opened",
			r.Status, r.Assessment.DestroyRequired, locked.openedWrite)
	}
	h.verifyJournal(t)
}

// With exclusions by serial, a drive that reports no serial and no WWN is
// not erased: it could be one of the protected drives.
func TestNoIdentityFailsClosedUnderSerialExclusions(t *testing.T) {
	anon := newFake(t, "sda", report.ClassUSB, plan.Capabilities{})
	anon.serial = ""
	named := newFake(t, "sdb", report.ClassUSB, plan.Capabilities{})
	h, disks := newHarness(t, "version = 1\n[policy]\nlevel = 'clear'\n[exclude]\nserials = ['SOMETHING-ELSE']\n", anon, named)
	disks[0].Serial = ""
	p, err := Prepare(context.Background(), h.cfg, disks, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Targets) != 1 || p.Targets[0].Disk.Name != "sdb" || len(p.Excluded) != 1 || !strings.Contains(p.Excluded[0].Reason, "reports neither") {
		t.Fatalf("targets %d, excluded %+v; want sda excluded for lack of identity", len(p.Targets), p.Excluded)
	}
	p.Execute(context.Background())
	if anon.openedWrite != 0 {
		t.Errorf("the anonymous drive was opened for writing %d times", anon.openedWrite)
	}
	h.verifyJournal(t)
}

// Issue 12 item 4: the policy asks for a host overwrite after the firmware
// erase; when it fails the drive does not pass (fe5492b ignored the
// failure and showed a plain PASS).
func TestExtraOverwriteFailureFailsTheDrive(t *testing.T) {
	const toml = "version = 1\n[policy]\nlevel = 'purge'\nverify = '10%'\nextra_overwrite = true\n"
	ro := newFake(t, "nvme0n1", report.ClassNVMe, nvmeAll)
	ro.behave[report.MethodNVMeSanitizeCryptoErase] = "ok"
	ro.readOnlyAfterErase = true
	fine := newFake(t, "nvme1n1", report.ClassNVMe, nvmeAll)
	fine.behave[report.MethodNVMeSanitizeCryptoErase] = "ok"
	h, disks := newHarness(t, toml, ro, fine)
	p, err := Prepare(context.Background(), h.cfg, disks, nil)
	if err != nil {
		t.Fatal(err)
	}
	res := p.Execute(context.Background())
	bad, good := res[0], res[1]
	if bad.Status != report.StatusFail || bad.Assessment.Reached != report.LevelPurge || !bad.Assessment.DestroyRequired ||
		!strings.Contains(bad.Reason, "extra_overwrite") || !strings.HasPrefix(bad.Assessment.Wording[0], "Policy not met") {
		t.Errorf("failed extra overwrite: %s, reached %s, destroy %v, reason %q, wording %q; want FAIL with Purge reached and the policy unmet",
			bad.Status, bad.Assessment.Reached, bad.Assessment.DestroyRequired, bad.Reason, bad.Assessment.Wording)
	}
	if good.Status != report.StatusPass || good.Assessment.Reached != report.LevelPurge || good.Assessment.Method != report.MethodNVMeSanitizeCryptoErase {
		t.Errorf("working extra overwrite: %s reached %s by %s (%s); want PASS, Purge by the crypto erase", good.Status, good.Assessment.Reached, good.Assessment.Method, good.Reason)
	}
	warned := false
	h.mu.Lock()
	for _, e := range h.events {
		if e.Drive == "nvme0n1" && strings.Contains(e.Warning, "extra host overwrite") {
			warned = true
		}
	}
	h.mu.Unlock()
	if !warned {
		t.Error("no warning on screen for the failed extra overwrite")
	}
	vr := h.verifyJournal(t)
	if vr.Run.Start.Policy.ExtraOverwrite != true {
		t.Error("the record's policy does not say extra_overwrite")
	}
}

// A drive that could not be probed is classed from sysfs; rotational=1 is
// the kernel's default for a drive that reports no rotation, so it never
// makes a SATA/SAS drive an HDD (the laxer rating).
func TestClassFromDiskRotation(t *testing.T) {
	for _, tc := range []struct {
		tr   discover.Transport
		rot  string
		want report.Class
		rd   string // Identity.Rotational
	}{
		{discover.SATA, discover.RotationUnknown, report.ClassSSD, "nil"},
		{discover.SAS, discover.RotationNonRotational, report.ClassSSD, "false"},
		{discover.SATA, discover.RotationRotational, report.ClassHDD, "true"},
		{discover.NVMe, discover.RotationNonRotational, report.ClassNVMe, "false"},
		{discover.Loop, discover.RotationUnknown, report.ClassFile, "nil"},
	} {
		d := discover.Disk{Name: "sdx", Transport: tc.tr, Rotation: tc.rot, Rotational: tc.rot != discover.RotationNonRotational}
		rd := "nil"
		if r := IdentityFromDisk(d).Rotational; r != nil {
			rd = fmt.Sprint(*r)
		}
		if got := ClassFromDisk(d); got != tc.want || rd != tc.rd {
			t.Errorf("%s rotation %s: class %s, rotational %s; want %s, %s", tc.tr, tc.rot, got, rd, tc.want, tc.rd)
		}
	}
}

// Canaries overwrite user data: no host write reaches the drive before the
// record says an attempt started (a power cut during planting must leave
// evidence).
func TestNoWriteBeforeAttemptStart(t *testing.T) {
	d := newFake(t, "nvme0n1", report.ClassNVMe, nvmeAll)
	d.behave[report.MethodNVMeSanitizeCryptoErase] = "ok"
	h, disks := newHarness(t, purge, d)
	var mu sync.Mutex // canaries are written by several goroutines
	writes, early := 0, 0
	d.onWrite = func() {
		data, _ := os.ReadFile(h.cfg.Journal.Path())
		mu.Lock()
		defer mu.Unlock()
		writes++
		if !bytes.Contains(data, []byte(`"kind":"attempt-start"`)) {
			early++
		}
	}
	p, err := Prepare(context.Background(), h.cfg, disks, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r := p.Execute(context.Background())[0]; r.Status != report.StatusPass {
		t.Fatalf("%s (%s); want PASS", r.Status, r.Reason)
	}
	if writes == 0 || early != 0 {
		t.Errorf("%d host writes, %d of them before any attempt-start record; want writes, none early", writes, early)
	}
	h.verifyJournal(t)
}
