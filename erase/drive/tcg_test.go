package drive

import (
	"strings"
	"testing"

	"github.com/kesu-erase/kesu/ata/atatest"
	"github.com/kesu-erase/kesu/erase/discover"
	"github.com/kesu-erase/kesu/erase/worker"
	"github.com/kesu-erase/kesu/internal/filemedia/sedtest"
	"github.com/kesu-erase/kesu/report"
	"github.com/kesu-erase/kesu/scsi/scsitest"
	"github.com/kesu-erase/kesu/tcg/tcgtest"
)

const sedPurge = "version = 1\n[policy]\nlevel = 'purge'\nverify = '10%'\n[tcg]\nerase = 'prefer'\n"

// sedSSD is an emulated SATA SSD with the TPer tp and no ATA erase of its
// own: the TCG crypto erase or the host overwrite.
func sedSSD(serial string, tp tcgtest.Device) atatest.Config {
	return atatest.Config{Model: "EMU SED " + serial, Serial: serial, Sectors: 8192, RotationRate: 1, TPer: tp, EncryptsAll: true}
}

// assertUntouched fails unless the drive FAILed, blocked (never opened
// for writing, its data intact), with a reason holding every want.
func (b *bench) assertUntouched(t *testing.T, r map[string]string, got map[string]report.Status, name string, want ...string) {
	t.Helper()
	if got[name] != report.StatusFail || !strings.HasPrefix(r[name], "not erased: ") {
		t.Errorf("%s: %s %q; want FAIL, not erased", name, got[name], r[name])
	}
	for _, w := range want {
		if !strings.Contains(r[name], w) {
			t.Errorf("%s: reason %q; want it to say %q", name, r[name], w)
		}
	}
	if b.writes[name] != 0 || !b.markerLeft(name) {
		t.Errorf("%s: opened for writing %d times, data left %v; a blocked drive must stay untouched", name, b.writes[name], b.markerLeft(name))
	}
}

func reasons(results []worker.Result) (map[string]string, map[string]report.Status) {
	r, s := map[string]string{}, map[string]report.Status{}
	for _, x := range results {
		r[x.Drive], s[x.Drive] = x.Reason, x.Status
	}
	return r, s
}

// Review finding 1.2: a drive that announces TCG but whose TCG state
// cannot be read is blocked with the reason — never overwritten, never
// said to have locking enabled; SCSI without the protocol stays a drive
// without TCG.
func TestSEDUnreadableIsBlocked(t *testing.T) {
	b := newBench(t)
	// libata without allow_tpm: IDENTIFY word 48 says Trusted Computing,
	// the pass-through of TRUSTED RECEIVE is refused.
	filtered := sedSSD("FILTERED", tcgtest.New(tcgtest.Config{}))
	filtered.FilterTPM = true
	b.addATA("sda", filtered, discover.SATA, nil)
	// TCG listed, Level 0 Discovery refused.
	b.addATA("sdb", sedSSD("NOLEVEL0", &sedtest.Fake{Answers: map[uint8][]byte{0x00: {0, 0, 0, 0, 0, 0, 0, 2, 0x00, 0x01}}}), discover.SATA, nil)
	// SAS drive without security protocols: no TCG, erased as usual.
	b.addSAS("sdc", scsitest.DriveConfig{Serial: "PLAIN-SAS", Blocks: 8192, RotationRate: 7200, SanitizeCrypto: true, SanitizeOverwrite: true})

	results, vr, _ := b.run(sedPurge)
	r, got := reasons(results)
	b.assertUntouched(t, r, got, "sda", "announces TCG security commands", "whether it is locked or owned is unknown", "libata.allow_tpm=1", "PSID revert it")
	b.assertUntouched(t, r, got, "sdb", "TCG Level 0 Discovery through", "cannot tell whether the drive is locked or owned")
	for _, n := range []string{"sda", "sdb"} {
		if strings.Contains(r[n], "locking is enabled") {
			t.Errorf("%s: reason %q claims locking is enabled", n, r[n])
		}
	}
	for serial, want := range map[string]string{"FILTERED": "libata.allow_tpm=1", "NOLEVEL0": "Level 0 Discovery"} {
		sec := driveRun(t, vr, serial).Drive.Security
		if sec == nil || !strings.Contains(sec.Error, want) || sec.Blocked == "" || sec.Owner != "unknown" || sec.SSC != "" {
			t.Errorf("%s: security record %+v; want the error (%s), the block, owner unknown, no SSC", serial, sec, want)
		}
	}
	if got["sdc"] != report.StatusPass || driveRun(t, vr, "PLAIN-SAS").Drive.Security != nil {
		t.Errorf("plain SAS drive: %s %q, security %+v; want PASS and no TCG", got["sdc"], r["sdc"], driveRun(t, vr, "PLAIN-SAS").Drive.Security)
	}
	// The ATA drives' claim to encrypt all user data (IDENTIFY word 69
	// bit 4) is recorded; the SAS drive has no such word.
	if e := driveRun(t, vr, "FILTERED").Drive.EncryptsAllUserData; e == nil || !*e {
		t.Errorf("ATA SED: encrypts_all_user_data %v; want true, as its IDENTIFY says", e)
	}
	if e := driveRun(t, vr, "PLAIN-SAS").Drive.EncryptsAllUserData; e != nil {
		t.Errorf("SAS drive: encrypts_all_user_data %v; want none", *e)
	}
}

// Review finding 1.3: SID still the MSID but the Locking SP taken over
// (Admin1, or Enterprise EraseMaster, not the MSID) is owned: blocked,
// the authority named. A Locking SP activated with the MSID is not owned.
func TestSEDLockingSPTakenOverIsBlocked(t *testing.T) {
	b := newBench(t)
	opal := tcgtest.New(tcgtest.Config{})
	b.addATA("sda", sedSSD("OPAL-TAKEN", opal), discover.SATA, nil)
	opal.TakeLockingSP("the owner's Admin1 password")
	ent := tcgtest.New(tcgtest.Config{Kind: tcgtest.Enterprise})
	b.addSAS("sdb", scsitest.DriveConfig{Serial: "ENT-TAKEN", Blocks: 8192, RotationRate: 10000, TPer: ent})
	ent.TakeLockingSP("the owner's EraseMaster password")
	open := tcgtest.New(tcgtest.Config{BlockSID: true})
	b.addATA("sdc", sedSSD("OPAL-MSID", open), discover.SATA, nil)
	open.TakeLockingSP(tcgtest.DefaultMSID)

	results, vr, _ := b.run(sedPurge)
	r, got := reasons(results)
	b.assertUntouched(t, r, got, "sda", "has an owner", "Admin1 refused the MSID", "one try")
	b.assertUntouched(t, r, got, "sdb", "has an owner", "EraseMaster refused the MSID")
	if !opal.SIDIsMSID() || !ent.SIDIsMSID() {
		t.Error("the check changed SID")
	}
	if sec := driveRun(t, vr, "OPAL-TAKEN").Drive.Security; sec == nil || sec.Owner != "owned" ||
		!strings.Contains(sec.OwnerNote, "Admin1") || !hasStep(sec.Steps, "StartSession LockingSP as Admin1", "NOT_AUTHORIZED") {
		t.Errorf("OPAL-TAKEN security record %+v; want owned by Admin1 with the refused session", sec)
	}
	res := byDrive(results)["sdc"]
	if res.Status != report.StatusPass || res.Assessment.Method != report.MethodTCGCryptoErase || b.markerLeft("sdc") {
		t.Errorf("Locking SP active with the MSID: %s by %s (%q); want PASS by TCG crypto erase", res.Status, res.Assessment.Method, res.Reason)
	}
	if sec := driveRun(t, vr, "OPAL-MSID").Drive.Security; sec == nil || sec.Owner != "never-owned" || !hasStep(sec.Steps, "StartSession LockingSP as Admin1", "SUCCESS") {
		t.Errorf("OPAL-MSID security record %+v; want never-owned after the Admin1 check", sec)
	}
}

func hasStep(steps []report.TCGStep, what, status string) bool {
	for _, s := range steps {
		if s.What == what && s.Status == status {
			return true
		}
	}
	return false
}

// tcgAttempt returns the drive's TCG crypto erase attempt.
func tcgAttempt(t *testing.T, d *report.DriveRun) report.Attempt {
	t.Helper()
	for _, a := range d.Attempts {
		if a.Method == report.MethodTCGCryptoErase {
			return a
		}
	}
	t.Fatalf("no TCG crypto erase attempt in %+v", d.Attempts)
	return report.Attempt{}
}

// Review findings 2.2 and 3.5: a crypto erase that activated the Locking
// SP and rekeyed its ranges, then whose Revert failed, is a failed attempt
// with its steps, what it changed, the state read again and a recovery
// that says exactly that; the next method runs. One that changed nothing
// carries no recovery.
func TestSEDCryptoEraseStoppedMidway(t *testing.T) {
	b := newBench(t)
	revert := tcgtest.New(tcgtest.Config{Ranges: 2, FailMethod: "Revert"})
	b.addATA("sda", sedSSD("REVERT-BUSY", revert), discover.SATA, nil)
	activate := tcgtest.New(tcgtest.Config{FailMethod: "Activate", FailStatus: 0x3F})
	b.addATA("sdb", sedSSD("ACTIVATE-FAIL", activate), discover.SATA, nil)

	results, vr, _ := b.run(sedPurge)
	res := byDrive(results)
	d := driveRun(t, vr, "REVERT-BUSY")
	a := tcgAttempt(t, d)
	details := strings.Join(a.Details, "\n")
	if a.Outcome != report.OutcomeFailed || !strings.Contains(strings.Join(a.Errors, " "), "SP_BUSY") {
		t.Errorf("REVERT-BUSY attempt %s %v; want failed, SP_BUSY", a.Outcome, a.Errors)
	}
	for _, want := range []string{
		"Activate LockingSP: SUCCESS", "GenKey K_AES_256 GlobalRange: SUCCESS", "Revert AdminSP: SP_BUSY",
		"changed before the failure: activated the Locking SP, regenerated the media keys of 3 of 3 ranges (GlobalRange, Range 1, Range 2",
		"state after the failure: the Locking SP is active, the drive is not locked",
		"recovery: kesu activated the Locking SP, regenerated the media keys of 3 of 3 ranges",
		"and its Revert did not complete: the Locking SP is active, the drive is not locked, and SID is still the MSID",
		"PSID revert it",
	} {
		if !strings.Contains(details, want) {
			t.Errorf("REVERT-BUSY attempt details lack %q:\n%s", want, details)
		}
	}
	if d.Result == nil || !strings.Contains(d.Result.Finish.Recovery, "its Revert did not complete") {
		t.Errorf("REVERT-BUSY finish %+v; want the recovery on the drive's result", d.Result)
	}
	if len(d.Attempts) < 2 || d.Attempts[len(d.Attempts)-1].Method == report.MethodTCGCryptoErase {
		t.Errorf("REVERT-BUSY attempts %+v; want the next method run", d.Attempts)
	}
	if r := res["sda"]; r.Assessment.Method == report.MethodTCGCryptoErase || r.Status == report.StatusPass && b.markerLeft("sda") {
		t.Errorf("REVERT-BUSY: %s by %s (%q)", r.Status, r.Assessment.Method, r.Reason)
	}
	if !revert.LockingActive() || !revert.SIDIsMSID() {
		t.Errorf("the emulated drive: Locking SP active %v, SID the MSID %v; want what the recovery says", revert.LockingActive(), revert.SIDIsMSID())
	}

	d = driveRun(t, vr, "ACTIVATE-FAIL")
	a = tcgAttempt(t, d)
	details = strings.Join(a.Details, "\n")
	if a.Outcome != report.OutcomeFailed || !strings.Contains(details, "Activate LockingSP: FAIL") {
		t.Errorf("ACTIVATE-FAIL attempt %s, details:\n%s", a.Outcome, details)
	}
	if strings.Contains(details, "recovery:") || strings.Contains(details, "changed before") || d.Result == nil || d.Result.Finish.Recovery != "" {
		t.Errorf("ACTIVATE-FAIL changed nothing, yet: details\n%s\nfinish %+v", details, d.Result)
	}
}

// Review section 4: a TPer that answers SUCCESS to every key change but
// leaves the medium as it was. The canaries survive: the TCG attempt is
// not accepted, the drive does not PASS by it, and whatever it ends with
// is what the next method proves.
func TestSEDLyingTPerGetsNoPass(t *testing.T) {
	b := newBench(t)
	liar := tcgtest.New(tcgtest.Config{LyingKeys: true})
	b.addATA("sda", sedSSD("LYING-TPER", liar), discover.SATA, nil)

	results, vr, _ := b.run(sedPurge)
	r := byDrive(results)["sda"]
	d := driveRun(t, vr, "LYING-TPER")
	a := tcgAttempt(t, d)
	if a.Outcome != report.OutcomeSuccess || a.Canaries == nil || a.Canaries.Planted == 0 {
		t.Fatalf("attempt %s, canaries %+v; want the TPer's SUCCESS recorded with planted canaries", a.Outcome, a.Canaries)
	}
	var caught bool
	for _, v := range d.Verifications {
		if v.Attempt == a.Attempt && v.Method == report.VerifyCanary && len(v.Errors) > 0 {
			caught = true
		}
	}
	if !caught {
		t.Errorf("verifications %+v; want the TCG attempt's canary check failed", d.Verifications)
	}
	if r.Assessment.Method == report.MethodTCGCryptoErase || liar.KeyGeneration(0) == 0 {
		t.Errorf("%s by %s (%q); the lying TCG erase must not be what the drive is assessed by", r.Status, r.Assessment.Method, r.Reason)
	}
	// An SSD's host overwrite reaches Clear only: under Purge, FAIL.
	if r.Status == report.StatusPass {
		t.Errorf("%s by %s (%q); want FAIL under a Purge policy", r.Status, r.Assessment.Method, r.Reason)
	}
}

// Review finding 2.1: the host firmware sent Block SID. The plan keeps the
// TCG key erase out (it would be refused as SID) and says what to do; the
// drive's own sanitize runs instead, and no TCG attempt is recorded.
func TestSEDBlockSIDKeepsTheKeyEraseOut(t *testing.T) {
	b := newBench(t)
	tp := tcgtest.New(tcgtest.Config{BlockSID: true})
	cfg := sedSSD("SID-BLOCKED", tp)
	cfg.SanitizeCrypto, cfg.DRAT, cfg.TRIM = true, true, true
	b.addATA("sda", cfg, discover.SATA, nil)
	tp.BlockSIDAuth(true)

	results, vr, _ := b.run(sedPurge)
	r := byDrive(results)["sda"]
	d := driveRun(t, vr, "SID-BLOCKED")
	var step *report.PlanStep
	for i, s := range d.Drive.Plan.Steps {
		if s.Method == report.MethodTCGCryptoErase {
			step = &d.Drive.Plan.Steps[i]
		}
	}
	if step == nil || step.Chosen || !strings.Contains(step.Reason, "Block SID") ||
		!strings.Contains(step.Reason, "or hardware reset") || !strings.Contains(step.Reason, "BIOS setup") {
		t.Errorf("plan step %+v; want the TCG erase not chosen, with Block SID, the hardware reset and the BIOS setup", step)
	}
	if sec := d.Drive.Security; sec == nil || sec.BlockSID == nil || !sec.BlockSID.Blocked || sec.Owner != "never-owned" {
		t.Errorf("security record %+v; want Block SID recorded, never owned", sec)
	}
	for _, a := range d.Attempts {
		if a.Method == report.MethodTCGCryptoErase {
			t.Errorf("a TCG attempt ran: %+v", a)
		}
	}
	if r.Status != report.StatusPass || r.Assessment.Method != report.MethodATASanitizeCrypto || b.markerLeft("sda") {
		t.Errorf("%s by %s (%q); want PASS by the ATA crypto sanitize", r.Status, r.Assessment.Method, r.Reason)
	}
}
