package jobview_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kesu-erase/kesu/ata/atatest"
	"github.com/kesu-erase/kesu/console"
	"github.com/kesu-erase/kesu/console/internal/sample"
	"github.com/kesu-erase/kesu/console/jobview"
	"github.com/kesu-erase/kesu/erase"
	"github.com/kesu-erase/kesu/erase/discover"
	"github.com/kesu-erase/kesu/erase/drive"
	"github.com/kesu-erase/kesu/erase/job"
	"github.com/kesu-erase/kesu/erase/policy"
	"github.com/kesu-erase/kesu/erase/worker"
	"github.com/kesu-erase/kesu/internal/sysfstest"
	"github.com/kesu-erase/kesu/nvme/nvmetest"
	"github.com/kesu-erase/kesu/report"
	"github.com/kesu-erase/kesu/scsi"
	"github.com/kesu-erase/kesu/scsi/scsitest"
	"github.com/kesu-erase/kesu/tcg/tcgtest"
)

// secret is what the drives' previous owner left on them; after a PASS
// not one copy may be readable.
var secret = []byte("JUMINHYO-MY-NUMBER-0123456789-KOSEKI ")

const (
	sectors    = 8192 // 4 MiB drives
	ownerPIN   = "the owner's SID password"
	sataLocked = "sda"
	sataOwned  = "sdb"
	sataShadow = "sdd"
	// shadowPSID is the PSID on sdd's label; the technician mistypes it.
	shadowPSID = "SHADOWPSID0123456789ABCDEFGHIJKL"
	sasEnt     = "sdc"
	nvmeNever  = "nvme0n1"
)

// sedMachine is a server of emulated self-encrypting drives behind the
// same transports as the appliance's: a SATA Opal 2 drive whose owner
// locked a range (sda), a SATA Opal 2 drive that has an owner but nothing
// locked (sdb, no Block SID feature: the ownership check must
// authenticate), a SATA Opal 2 drive whose owner left MBR shadowing on
// (sdd: its first blocks read from the shadow table), a SAS Enterprise
// drive nobody owns (sdc) and an NVMe Opal 2 drive nobody owns (nvme0n1,
// with Block SID).
type sedMachine struct {
	t      *testing.T
	root   sysfstest.Tree
	tpers  map[string]*tcgtest.TPer
	read   map[string]func([]byte, int64) (int, error)
	open   map[string]func(discover.Disk) worker.Drive
	mu     sync.Mutex
	writes map[string]int
}

func newSEDMachine(t *testing.T) *sedMachine {
	m := &sedMachine{t: t, root: sysfstest.New(), tpers: map[string]*tcgtest.TPer{},
		read: map[string]func([]byte, int64) (int, error){}, open: map[string]func(discover.Disk) worker.Drive{},
		writes: map[string]int{}}
	m.root.File("proc/self/mountinfo", "")
	dir := t.TempDir()
	sectorsStr := fmt.Sprint(sectors)

	// sda and sdb: SATA on an AHCI port, as Debian 12's kernel shows them.
	for i, name := range []string{sataLocked, sataOwned, sataShadow} {
		cfg := tcgtest.Config{Kind: tcgtest.Opal2, BlockSID: name == sataLocked}
		if name == sataShadow {
			cfg.PSID = shadowPSID
		}
		tp := tcgtest.New(cfg)
		d, err := atatest.New(filepath.Join(dir, name), atatest.Config{Model: "EMU OPAL SSD", Serial: "OPAL-" + name,
			Sectors: sectors, RotationRate: 1, TPer: tp})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		plant(t, d.WriteRaw)
		tp.TakeOwnership(ownerPIN)
		m.tpers[name], m.read[name] = tp, d.ReadRaw
		sd := fmt.Sprintf("sys/devices/pci0000:00/0000:00:1f.2/ata%d/host%d/target%d:0:0/%d:0:0:0", i+1, i, i, i)
		b := m.root.Disk(name, sd, sectorsStr, "0")
		m.root.Link(b+"/device", "../../../"+fmt.Sprintf("%d:0:0:0", i))
		m.root.File(sd+"/vendor", "ATA     ")
		m.root.File(sd+"/model", "EMU OPAL SSD")
		media := d.Media()
		m.open[name] = func(disk discover.Disk) worker.Drive {
			return drive.NewATA(disk, keepOpen{d}, m.counting(name, media), drive.ATAOptions{Clock: scsitest.NewFakeClock(), Via: "emulated SATL"})
		}
	}
	if err := m.tpers[sataLocked].LockGlobalRange(); err != nil {
		t.Fatal(err)
	}
	if err := m.tpers[sataShadow].EnableMBRShadow(bytes.Repeat([]byte("PBA "), 1024)); err != nil {
		t.Fatal(err)
	}

	// sdc: a SAS Enterprise drive behind an HBA.
	tp := tcgtest.New(tcgtest.Config{Kind: tcgtest.Enterprise})
	sas, err := scsitest.NewDrive(filepath.Join(dir, sasEnt), scsitest.DriveConfig{Blocks: sectors, Serial: "ENT-" + sasEnt,
		Product: "EMU SED 10K", RotationRate: 10000, TPer: tp})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sas.Close() })
	plant(t, sas.WriteRaw)
	m.tpers[sasEnt], m.read[sasEnt] = tp, sas.ReadRaw
	sd := "sys/devices/pci0000:00/0000:00:03.0/0000:02:00.0/host2/port-2:0/end_device-2:0/target2:0:0/2:0:0:0"
	b := m.root.Disk(sasEnt, sd, sectorsStr, "1")
	m.root.Link(b+"/device", "../../../2:0:0:0")
	m.root.File(sd+"/vendor", "EMU     ")
	m.root.File(sd+"/model", "EMU SED 10K")
	m.root.File(sd+"/sas_address", "0x5000c500a1b2c3d4")
	sasMedia := sas.Media()
	m.open[sasEnt] = func(disk discover.Disk) worker.Drive {
		return drive.NewSCSI(disk, keepOpen{sas}, m.counting(sasEnt, sasMedia), scsitest.NewFakeClock())
	}

	// nvme0n1: an NVMe Opal 2 drive nobody owns.
	tp = tcgtest.New(tcgtest.Config{Kind: tcgtest.Opal2, BlockSID: true})
	path := filepath.Join(dir, nvmeNever)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	f.Truncate(sectors * 512)
	plant(t, f.WriteAt)
	f.Close()
	cfg := nvmetest.QEMU72("NVME-SED-1", "EMU NVMe SED", nvmetest.NamespaceConfig{Path: path, Size: sectors * 512})
	cfg.TPer = tp
	c, err := nvmetest.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	m.tpers[nvmeNever] = tp
	m.read[nvmeNever] = func(p []byte, off int64) (int, error) {
		f, err := os.Open(path)
		if err != nil {
			return 0, err
		}
		defer f.Close()
		return f.ReadAt(p, off)
	}
	nv := "sys/devices/pci0000:00/0000:00:1d.0/0000:01:00.0/nvme/nvme0"
	b = m.root.Disk(nvmeNever, nv, sectorsStr, "0")
	m.root.Link(b+"/device", "../../nvme0")
	m.root.File(nv+"/serial", "NVME-SED-1")
	m.root.File(nv+"/model", "EMU NVMe SED")
	m.open[nvmeNever] = func(disk discover.Disk) worker.Drive {
		block := m.counting(nvmeNever, c.Namespace(1))
		return drive.NewNVMe(disk, c.OnNamespace(1), 1, block, nvmetest.NewFakeClock(time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)), nil)
	}
	return m
}

// plant fills a drive with the previous owner's data.
func plant(t *testing.T, write func([]byte, int64) (int, error)) {
	t.Helper()
	if _, err := write(bytes.Repeat(secret, sectors*512/len(secret)+1)[:sectors*512], 0); err != nil {
		t.Fatal(err)
	}
}

// counting opens a drive's medium and counts the opens for writing.
func (m *sedMachine) counting(name string, media erase.Target) drive.BlockOpener {
	return func(write bool) (erase.Target, error) {
		if write {
			m.mu.Lock()
			m.writes[name]++
			m.mu.Unlock()
		}
		return media, nil
	}
}

func (m *sedMachine) holdsSecret(name string) bool {
	buf := make([]byte, sectors*512)
	if _, err := m.read[name](buf, 0); err != nil && err != io.EOF {
		m.t.Fatal(err)
	}
	return bytes.Contains(buf, secret[:16])
}

// keepOpen hides an emulated drive's Close from the adapter: the test
// reads its medium after the run.
type keepOpen struct{ scsi.Transport }

// start begins a job over the machine under toml.
func (m *sedMachine) start(toml string) (*job.Job, *policy.Config, report.KeyRing) {
	t := m.t
	t.Helper()
	pol, err := policy.Parse([]byte(toml), "kesu.toml")
	if err != nil {
		t.Fatal(err)
	}
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	ring := report.KeyRing{}
	ring.Add(pub)
	o := job.Options{Policy: pol, RecordsDir: filepath.Join(t.TempDir(), "records"), Signer: report.NewSigner(priv),
		Mode: "appliance", Root: m.root.MapFS, Open: func(d discover.Disk) (worker.Drive, error) {
			open, ok := m.open[d.Name]
			if !ok {
				return nil, fmt.Errorf("no emulated drive %s", d.Name)
			}
			return open(d), nil
		}}
	j, err := job.Start(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	return j, pol, ring
}

// screen collects what the UI writes and lets the test wait for a text.
type screen struct {
	mu  sync.Mutex
	buf bytes.Buffer
	ch  chan struct{}
}

func newScreen() *screen { return &screen{ch: make(chan struct{}, 1)} }

func (s *screen) Write(p []byte) (int, error) {
	s.mu.Lock()
	s.buf.Write(p)
	s.mu.Unlock()
	select {
	case s.ch <- struct{}{}:
	default:
	}
	return len(p), nil
}

func (s *screen) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// waitFor waits until the screen has shown text after the offset *from,
// and moves *from past it.
func (s *screen) waitFor(t *testing.T, from *int, text string) {
	t.Helper()
	deadline := time.After(60 * time.Second)
	for {
		all := s.String()
		if i := strings.Index(all[*from:], text); i >= 0 {
			*from += i + len(text)
			return
		}
		select {
		case <-s.ch:
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			t.Fatalf("the screen never showed %q; it shows:\n%s", text, all[*from:])
		}
	}
}

const sedPolicy = "version = 1\n[policy]\nlevel = 'purge'\nverify = '10%'\n[tcg]\nerase = 'prefer'\n"

// checkRecord verifies the signed record and returns the drives' records
// by kernel name, the tcg records, and the raw journal.
func checkRecord(t *testing.T, j *job.Job, ring report.KeyRing) (*report.Result, []byte) {
	t.Helper()
	vr, err := report.VerifyFile(j.Journal.Path(), ring)
	if err != nil || vr.Status != report.Intact {
		t.Fatalf("record: %v, %s %v", err, vr.Status, vr.Problems)
	}
	raw, err := os.ReadFile(j.Journal.Path())
	if err != nil {
		t.Fatal(err)
	}
	return vr, raw
}

// leaks reports whether data holds secret as text, or as JSON would encode
// it from a []byte (base64), or hex encoded.
func leaks(data []byte, secret string) bool {
	for _, form := range []string{secret, base64.StdEncoding.EncodeToString([]byte(secret)), hex.EncodeToString([]byte(secret))} {
		if bytes.Contains(data, []byte(form)) {
			return true
		}
	}
	return false
}

func byDrive(res []worker.Result) map[string]worker.Result {
	out := map[string]worker.Result{}
	for _, r := range res {
		out[r.Drive] = r
	}
	return out
}

// TestUnattendedSEDRun: with nobody at the console the locked and the
// owned drive FAIL at once with the reason, and are never opened for
// writing; the drives nobody owns are crypto erased through TCG, PASS at
// Purge, and hold none of the old data.
func TestUnattendedSEDRun(t *testing.T) {
	m := newSEDMachine(t)
	j, pol, ring := m.start(sedPolicy)
	out := newScreen()
	ui, err := console.New(jobview.Plan(j, pol, "test server", false), console.Options{Clock: sample.NewFakeClock(sample.T0)},
		console.Terminal{Name: "ttyS0", Out: out, Mode: console.ModePlain})
	if err != nil {
		t.Fatal(err)
	}
	defer ui.Close()
	// Nobody will be asked for a PSID: the plan must not promise one.
	for _, d := range jobview.Plan(j, pol, "test server", false).Drives {
		if strings.Contains(d.Level, "PSID") {
			t.Errorf("unattended plan row %s: level %q promises a PSID revert", d.ID, d.Level)
		}
	}
	res, _, err := jobview.Run(context.Background(), j, jobview.NewEvents(nil), ui, true, console.Next{Action: console.ActionExit}, "")
	if err != nil {
		t.Fatal(err)
	}
	got := byDrive(res)
	for _, n := range []string{sataLocked, sataOwned, sataShadow} {
		r := got[n]
		if r.Status != report.StatusFail || !strings.HasPrefix(r.Reason, "not erased: ") {
			t.Errorf("%s: %s %q; want FAIL, not erased, with the reason", n, r.Status, r.Reason)
		}
		if m.writes[n] != 0 {
			t.Errorf("%s was opened for writing %d times; a blocked drive must never reach an overwrite", n, m.writes[n])
		}
		if !m.holdsSecret(n) {
			t.Errorf("%s: the old data is gone, yet nothing should have been written", n)
		}
	}
	if r := got[sataLocked]; !strings.Contains(r.Reason, "locking range is locked") {
		t.Errorf("%s: reason %q; want the locked range named", sataLocked, r.Reason)
	}
	if r := got[sataOwned]; !strings.Contains(r.Reason, "has an owner") {
		t.Errorf("%s: reason %q; want the owner named", sataOwned, r.Reason)
	}
	if r := got[sataShadow]; !strings.Contains(r.Reason, "MBR shadowing is active") {
		t.Errorf("%s: reason %q; want the MBR shadow named", sataShadow, r.Reason)
	}
	for _, n := range []string{sasEnt, nvmeNever} {
		r := got[n]
		if r.Status != report.StatusPass || r.Assessment.Method != report.MethodTCGCryptoErase {
			t.Errorf("%s: %s by %s (%q); want PASS by TCG crypto erase", n, r.Status, r.Assessment.Method, r.Reason)
		}
		if m.holdsSecret(n) {
			t.Errorf("%s: the old data is still readable after a PASS", n)
		}
	}
	if !m.tpers[nvmeNever].SIDIsMSID() || !m.tpers[sasEnt].SIDIsMSID() {
		t.Error("a crypto-erased drive was left with an owner")
	}
	vr, raw := checkRecord(t, j, ring)
	if vr.Outcome.Pass != 2 || vr.Outcome.Fail != 3 || vr.Outcome.AllPassed() {
		t.Errorf("outcome %s; want 2 PASS, 3 FAIL", vr.Outcome)
	}
	for _, want := range []string{`"ssc":"Opal 2"`, `"ssc":"Enterprise"`, `"owner":"owned"`, `"owner":"never-owned"`, "GenKey", "Erase"} {
		if !bytes.Contains(raw, []byte(want)) {
			t.Errorf("the record lacks %s", want)
		}
	}
	if leaks(raw, ownerPIN) || leaks(raw, tcgtest.DefaultMSID) {
		t.Error("a credential is in the record")
	}
}

// TestAttendedSEDRun: the technician confirms, types the locked drive's
// PSID twice, skips the owned drive and mistypes the shadowed drive's
// PSID (the same wrong one twice). The locked drive is PSID reverted and
// then erased and proven like any drive (PASS); the skipped one and the
// one whose drive refused the PSID stay FAIL and untouched; both reverts
// are in the signed record, no PSID is.
func TestAttendedSEDRun(t *testing.T) {
	m := newSEDMachine(t)
	j, pol, ring := m.start(sedPolicy)
	out := newScreen()
	in, keys := io.Pipe()
	defer keys.Close()
	ui, err := console.New(jobview.Plan(j, pol, "test server", true), console.Options{Clock: sample.NewFakeClock(sample.T0)},
		console.Terminal{Name: "ttyS0", Out: out, In: in, Mode: console.ModePlain})
	if err != nil {
		t.Fatal(err)
	}
	defer ui.Close()
	type ran struct {
		res []worker.Result
		err error
	}
	done := make(chan ran, 1)
	go func() {
		res, _, err := jobview.Run(context.Background(), j, jobview.NewEvents(nil), ui, false, console.Next{Action: console.ActionExit}, "")
		done <- ran{res, err}
	}()
	at := 0
	out.waitFor(t, &at, "none - FAIL unless PSID reve")
	out.waitFor(t, &at, "> ")
	io.WriteString(keys, "5\r") // the confirmation is the number of drives
	psid := tcgtest.DefaultPSID
	out.waitFor(t, &at, "OPAL-"+sataLocked)
	out.waitFor(t, &at, "> ")
	io.WriteString(keys, psid+"\r")
	out.waitFor(t, &at, "Type it again")
	io.WriteString(keys, psid+"\r")
	out.waitFor(t, &at, "OPAL-"+sataOwned)
	out.waitFor(t, &at, "> ")
	io.WriteString(keys, "\x1b")
	wrong := strings.Replace(shadowPSID, "0", "O", 1)
	out.waitFor(t, &at, "OPAL-"+sataShadow)
	out.waitFor(t, &at, "> ")
	io.WriteString(keys, wrong+"\r")
	out.waitFor(t, &at, "Type it again")
	io.WriteString(keys, wrong+"\r")
	var r ran
	select {
	case r = <-done:
	case <-time.After(120 * time.Second):
		t.Fatalf("the run did not end; the screen shows:\n%s", out.String())
	}
	if r.err != nil {
		t.Fatal(r.err)
	}
	got := byDrive(r.res)
	if g := got[sataLocked]; g.Status != report.StatusPass {
		t.Errorf("%s after its PSID revert: %s %q; want PASS", sataLocked, g.Status, g.Reason)
	}
	if m.holdsSecret(sataLocked) {
		t.Errorf("%s still holds the old data after its PASS", sataLocked)
	}
	if tp := m.tpers[sataLocked]; !tp.SIDIsMSID() || tp.Locked() {
		t.Errorf("%s after the revert: owned %v, locked %v; want the factory state", sataLocked, !tp.SIDIsMSID(), tp.Locked())
	}
	for _, n := range []string{sataOwned, sataShadow} {
		if g := got[n]; g.Status != report.StatusFail || m.writes[n] != 0 || !m.holdsSecret(n) {
			t.Errorf("%s: %s %q, %d opens for writing; want FAIL and untouched", n, g.Status, g.Reason, m.writes[n])
		}
	}
	tp := m.tpers[sataShadow]
	if enable, done := tp.MBRShadow(); tp.SIDIsMSID() || !enable || done {
		t.Errorf("%s after a refused PSID: owned %v, shadow enabled %v, done %v; want it as it was", sataShadow, !tp.SIDIsMSID(), enable, done)
	}
	vr, raw := checkRecord(t, j, ring)
	if vr.Outcome.Pass != 3 || vr.Outcome.Fail != 2 {
		t.Errorf("outcome %s; want 3 PASS, 2 FAIL", vr.Outcome)
	}
	for _, secret := range []string{psid, shadowPSID, wrong, ownerPIN, tcgtest.DefaultMSID} {
		if leaks(raw, secret) {
			t.Fatalf("a credential (%.4s...) is in the record", secret)
		}
		if leaks([]byte(out.String()), secret) {
			t.Fatalf("a credential (%.4s...) was shown on the console", secret)
		}
	}
	tcgRecords := map[string][]report.TCGAction{}
	for _, d := range vr.Run.Drives {
		if len(d.TCG) > 0 {
			tcgRecords[d.Drive.Identity.Serial] = d.TCG
		}
	}
	if len(tcgRecords) != 2 {
		t.Errorf("tcg records on %d drives; want the two reverted: %+v", len(tcgRecords), tcgRecords)
	}
	if a := tcgRecords["OPAL-"+sataLocked]; len(a) != 1 || a[0].Action != "psid-revert" || a[0].Outcome != report.OutcomeSuccess ||
		len(a[0].Steps) == 0 || a[0].After == nil || a[0].After.Owner != "never-owned" {
		t.Errorf("%s tcg records %+v; want one successful psid-revert with its steps and the state after", sataLocked, a)
	}
	if a := tcgRecords["OPAL-"+sataShadow]; len(a) != 1 || a[0].Action != "psid-revert" || a[0].Outcome == report.OutcomeSuccess ||
		!strings.Contains(strings.Join(a[0].Errors, " "), "NOT_AUTHORIZED") {
		t.Errorf("%s tcg records %+v; want one failed psid-revert saying NOT_AUTHORIZED", sataShadow, a)
	}
	if g := got[sataShadow]; !strings.Contains(g.Reason, "PSID") {
		t.Errorf("%s reason %q; want it to say the PSID revert failed", sataShadow, g.Reason)
	}
}
