package report_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/kesu-erase/kesu/report"
	"github.com/kesu-erase/kesu/report/reporttest"
	"github.com/kesu-erase/kesu/smart"
)

var (
	purge10 = report.Policy{Level: report.LevelPurge, Verify: report.VerifyPolicy{Mode: report.VerifySampled, Percent: 10}}
	clear10 = report.Policy{Level: report.LevelClear, Verify: report.VerifyPolicy{Mode: report.VerifySampled, Percent: 10}}
	mic1    = report.Policy{MICCategory: 1, Verify: report.VerifyPolicy{Mode: report.VerifySampled, Percent: 10}}
	mic2    = report.Policy{MICCategory: 2, Verify: report.VerifyPolicy{Mode: report.VerifySampled, Percent: 10}}
	mic3    = report.Policy{MICCategory: 3, Verify: report.VerifyPolicy{Mode: report.VerifySampled, Percent: 10}}
)

const capacity = 1 << 30

// The readings line and the cryptographic erase line of a drive's wording,
// written out by hand.
const (
	clearBoth = "Clear under NIST SP 800-88 Rev. 2 (§3.1.1, §4.4) and IEEE 2883-2022; the same under Rev. 1 (App. A)"
	purgeBoth = "Purge under NIST SP 800-88 Rev. 2 (§3.1.2, §4.4) and IEEE 2883-2022; the same under Rev. 1 (App. A)"
	purgeCE   = "Purge under NIST SP 800-88 Rev. 2 (§3.2, §4.4) and IEEE 2883-2022; the same under Rev. 1 (App. A)"
	ceLine    = "Cryptographic erase (NIST SP 800-88 Rev. 2 §3.2): the drive's implementation, the encryption of all its data under the erased keys " +
		"and the zeroization of every copy of them are the maker's claims, not verified by kesu (the organization's due diligence, §3.2.5)"
)

func withExtra(p report.Policy) report.Policy { p.ExtraOverwrite = true; return p }

func drive(c report.Class) report.Drive {
	return report.Drive{
		Identity:    report.Identity{Model: "M", Serial: "S", CapacityBytes: capacity, LogicalSectorSize: 512},
		Class:       c,
		HiddenAreas: report.HiddenAreas{Checked: true},
	}
}

func hddWithHPA() report.Drive {
	d := drive(report.ClassHDD)
	d.HiddenAreas.Areas = []report.HiddenArea{{Kind: "HPA", Present: true, AccessibleMaxLBA: capacity/512 - 1, NativeMaxLBA: capacity/512 + 99, HiddenSectors: 100}}
	return d
}

var restoredHPA = report.HiddenArea{Kind: "HPA", Present: true, AccessibleMaxLBA: capacity/512 + 99, NativeMaxLBA: capacity/512 + 99, HiddenSectors: 100, Restored: true}

const withHPA = capacity + 100*512

// provenCanaries are 2,000 canaries planted and all read back before an
// attempt; good verifications read all of them.
var provenCanaries = report.CanaryRecord{KeyID: "c0ffee", Planned: 2000, Planted: 2000, ReadBack: 2000}

func good(pct float64) report.Verification {
	return report.Verification{Method: report.VerifySampled, Expected: "zeros", PercentRequested: pct, PercentAchieved: pct, Samples: 2000, BlocksRead: 1000, CanariesRead: 2000}
}

// full is a passing read-back of every block of the drive (no canaries).
func full() report.Verification {
	return report.Verification{Method: report.VerifyFull, Expected: "zeros", PercentRequested: 100, PercentAchieved: 100,
		PlanBlocks: capacity / 512, BlockSize: 512, BlocksRead: capacity / 512, Samples: 1}
}

// step is one thing a drive worker records.
type step func(t *testing.T, dl *report.DriveLog)

// erase records a successful attempt of m (covering n bytes for a host
// overwrite), preceded by proven canaries, followed by verification v (none
// when v is nil).
func erase(m report.Method, n uint64, passes int, v *report.Verification) step {
	return eraseWith(m, n, passes, &provenCanaries, v)
}

// eraseWith is erase with the given canary record (nil: none planted).
func eraseWith(m report.Method, n uint64, passes int, c *report.CanaryRecord, v *report.Verification) step {
	return func(t *testing.T, dl *report.DriveLog) {
		t.Helper()
		a := report.Attempt{Method: m, Mechanism: "test", Outcome: report.OutcomeSuccess, Canaries: c}
		if m == report.MethodOverwrite {
			a.TargetBytes, a.BytesWritten, a.Passes = n, n, passes
		}
		num, err := dl.Attempt(a)
		if err != nil {
			t.Fatal(err)
		}
		if v != nil {
			vv := *v
			vv.Attempt = num
			if err := dl.Verification(vv); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func attempt(a report.Attempt) step {
	return func(t *testing.T, dl *report.DriveLog) {
		t.Helper()
		if _, err := dl.Attempt(a); err != nil {
			t.Fatal(err)
		}
	}
}

func begin(m report.Method) step {
	return func(t *testing.T, dl *report.DriveLog) {
		t.Helper()
		if _, err := dl.BeginAttempt(m, time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
}

func restore(a report.HiddenArea) step {
	return func(t *testing.T, dl *report.DriveLog) {
		t.Helper()
		if err := dl.HiddenArea(a); err != nil {
			t.Fatal(err)
		}
	}
}

func ptr[T any](v T) *T { return &v }

var runNo int

// assess records drive d under policy p through a real journal, runs the
// steps, finishes with fin and returns the assessment the journal wrote.
// It also checks that the verifier recomputes the same assessment.
func assess(t *testing.T, p report.Policy, d report.Drive, fin report.Finish, steps ...step) report.Assessment {
	t.Helper()
	runNo++
	st := report.RunStart{RunID: fmt.Sprint("assess-", runNo), Policy: p}
	j, err := report.Create(t.TempDir(), reporttest.Signer(), st)
	if err != nil {
		t.Fatal(err)
	}
	dl, err := j.Drive(d)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range steps {
		s(t, dl)
	}
	a, err := dl.Finish(fin)
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Seal(); err != nil {
		t.Fatal(err)
	}
	res, err := report.VerifyFile(j.Path(), trusted())
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != report.Intact || len(res.Warnings) != 0 {
		t.Fatalf("Verify = %s %v %v; want INTACT without warnings", res.Status, res.Problems, res.Warnings)
	}
	return a
}

func codes(a report.Assessment) []string {
	var c []string
	for _, f := range a.Findings {
		c = append(c, f.Code)
	}
	return c
}

func TestAssess(t *testing.T) {
	v10 := good(10)
	tests := []struct {
		name   string
		policy report.Policy
		drive  report.Drive
		fin    report.Finish
		steps  []step
		// want
		status     report.Status
		reached    report.Level
		rev1, ieee report.Level
		micMet     int
		destroy    bool
		wording    []string
		findings   []string
		method     report.Method
	}{
		{
			name: "NVMe sanitize crypto erase, verified: Purge", policy: purge10, drive: drive(report.ClassNVMe),
			steps:  []step{erase(report.MethodNVMeSanitizeCryptoErase, 0, 0, &v10)},
			status: report.StatusPass, reached: report.LevelPurge, rev1: report.LevelPurge, ieee: report.LevelPurge, micMet: 2,
			wording: []string{"Purge reached", purgeCE, ceLine}, method: report.MethodNVMeSanitizeCryptoErase,
		},
		{
			name: "NVMe Format SES=2 under a Purge policy: readings differ, stricter wins", policy: purge10, drive: drive(report.ClassNVMe),
			steps:  []step{erase(report.MethodNVMeFormatCrypto, 0, 0, &v10)},
			status: report.StatusFail, reached: report.LevelClear, rev1: report.LevelPurge, ieee: report.LevelClear, micMet: 2, destroy: true,
			wording: []string{
				"Clear reached; Purge not reached — destroy required",
				"Clear under NIST SP 800-88 Rev. 2 (§3.2, §4.4) and IEEE 2883-2022; Purge under Rev. 1 (App. A) — the stricter is reported",
				ceLine,
			},
			method: report.MethodNVMeFormatCrypto,
		},
		{
			name: "NVMe Format SES=2 under MIC (2): crypto erase meets it", policy: mic2, drive: drive(report.ClassNVMe),
			steps:  []step{erase(report.MethodNVMeFormatCrypto, 0, 0, &v10)},
			status: report.StatusPass, reached: report.LevelClear, rev1: report.LevelPurge, ieee: report.LevelClear, micMet: 2,
			wording: []string{
				"Clear reached",
				"Clear under NIST SP 800-88 Rev. 2 (§3.2, §4.4) and IEEE 2883-2022; Purge under Rev. 1 (App. A) — the stricter is reported",
				ceLine,
				"MIC category (2): requirement met",
			},
			method: report.MethodNVMeFormatCrypto,
		},
		{
			name: "MIC (1): erased on premises, destruction still required", policy: mic1, drive: drive(report.ClassSSD),
			steps:  []step{erase(report.MethodATASanitizeBlockErase, 0, 0, &v10)},
			status: report.StatusPass, reached: report.LevelPurge, rev1: report.LevelPurge, ieee: report.LevelPurge, micMet: 2, destroy: true,
			wording: []string{"Purge reached", purgeBoth, "MIC category (1): erased on premises; physical destruction still required"},
			method:  report.MethodATASanitizeBlockErase,
		},
		{
			name: "MIC (1) by overwriting an SSD: not met", policy: mic1, drive: drive(report.ClassSSD),
			steps:  []step{erase(report.MethodOverwrite, capacity, 1, &v10)},
			status: report.StatusFail, reached: report.LevelClear, rev1: report.LevelClear, ieee: report.LevelClear, micMet: 3, destroy: true,
			wording: []string{"Clear reached", clearBoth, "MIC category (1): erasure requirement not met; physical destruction required"},
			method:  report.MethodOverwrite,
		},
		{
			name: "SSD Secure Erase enhanced is Clear only", policy: purge10, drive: drive(report.ClassSSD),
			steps:  []step{erase(report.MethodATASecurityEraseEnhanced, 0, 0, &v10)},
			status: report.StatusFail, reached: report.LevelClear, rev1: report.LevelClear, ieee: report.LevelClear, micMet: 3, destroy: true,
			wording: []string{"Clear reached; Purge not reached — destroy required", clearBoth},
			method:  report.MethodATASecurityEraseEnhanced,
		},
		{
			name: "HDD Secure Erase enhanced: Purge by Rev.1, Clear by IEEE 2883", policy: mic2, drive: drive(report.ClassHDD),
			steps:  []step{erase(report.MethodATASecurityEraseEnhanced, 0, 0, &v10)},
			status: report.StatusPass, reached: report.LevelClear, rev1: report.LevelPurge, ieee: report.LevelClear, micMet: 2,
			wording: []string{
				"Clear reached",
				"Clear under NIST SP 800-88 Rev. 2 (§3.1.1, §4.4) and IEEE 2883-2022; Purge under Rev. 1 (App. A) — the stricter is reported",
				"MIC category (2): requirement met",
			},
			method: report.MethodATASecurityEraseEnhanced,
		},
		{
			name: "HDD overwrite after restoring the HPA meets MIC (2)", policy: mic2, drive: hddWithHPA(),
			steps:  []step{restore(restoredHPA), erase(report.MethodOverwrite, withHPA, 1, &v10)},
			status: report.StatusPass, reached: report.LevelClear, rev1: report.LevelClear, ieee: report.LevelClear, micMet: 2,
			wording: []string{"Clear reached", clearBoth, "MIC category (2): requirement met"}, method: report.MethodOverwrite,
		},
		{
			name: "HDD overwrite with the HPA left hidden: MIC (3) only", policy: mic2, drive: hddWithHPA(),
			steps:  []step{erase(report.MethodOverwrite, capacity, 1, &v10)},
			status: report.StatusFail, reached: report.LevelClear, rev1: report.LevelClear, ieee: report.LevelClear, micMet: 3, destroy: true,
			wording:  []string{"Clear reached", clearBoth, "MIC category (2): requirement not met — destroy required"},
			findings: []string{report.FindHiddenNotRestored}, method: report.MethodOverwrite,
		},
		{
			name: "HDD HPA restored only after the overwrite started: not covered", policy: mic2, drive: hddWithHPA(),
			steps:  []step{begin(report.MethodOverwrite), restore(restoredHPA), attempt(report.Attempt{Attempt: 1, Method: report.MethodOverwrite, Outcome: report.OutcomeSuccess, Passes: 1, TargetBytes: withHPA, BytesWritten: withHPA, Canaries: &provenCanaries}), func(t *testing.T, dl *report.DriveLog) { v := v10; v.Attempt = 1; dl.Verification(v) }},
			status: report.StatusFail, reached: report.LevelClear, rev1: report.LevelClear, ieee: report.LevelClear, micMet: 3, destroy: true,
			wording:  []string{"Clear reached", clearBoth, "MIC category (2): requirement not met — destroy required"},
			findings: []string{report.FindHiddenNotRestored}, method: report.MethodOverwrite,
		},
		{
			name: "HDD overwrite that stopped at the old max LBA after restoring the HPA", policy: mic2, drive: hddWithHPA(),
			steps:  []step{restore(restoredHPA), erase(report.MethodOverwrite, capacity, 1, &v10)},
			status: report.StatusFail, reached: report.LevelClear, rev1: report.LevelClear, ieee: report.LevelClear, micMet: 3, destroy: true,
			wording:  []string{"Clear reached", clearBoth, "MIC category (2): requirement not met — destroy required"},
			findings: []string{report.FindHiddenNotCovered}, method: report.MethodOverwrite,
		},
		{
			name: "HDD whose hidden areas could not be checked: MIC (3) met, (2) would not be", policy: mic3,
			drive: func() report.Drive {
				d := drive(report.ClassHDD)
				d.HiddenAreas = report.HiddenAreas{Note: "bridge"}
				return d
			}(),
			steps:  []step{erase(report.MethodOverwrite, capacity, 1, &v10)},
			status: report.StatusPass, reached: report.LevelClear, rev1: report.LevelClear, ieee: report.LevelClear, micMet: 3,
			wording:  []string{"Clear reached", clearBoth, "MIC category (3): requirement met"},
			findings: []string{report.FindHiddenUnchecked}, method: report.MethodOverwrite,
		},
		{
			name: "verification found mismatches: nothing reached", policy: clear10, drive: drive(report.ClassHDD),
			steps:  []step{erase(report.MethodOverwrite, capacity, 1, ptr(report.Verification{Method: report.VerifySampled, PercentRequested: 10, PercentAchieved: 10, BlocksRead: 100, Mismatches: 3, MismatchLBAs: []uint64{7, 8, 9}}))},
			status: report.StatusFail, reached: report.LevelNone, rev1: report.LevelNone, ieee: report.LevelNone, destroy: true,
			wording:  []string{"No sanitization level reached — data may remain; erase again or destroy"},
			findings: []string{report.FindVerifyFailed},
		},
		{
			name: "verification that read nothing fails", policy: clear10, drive: drive(report.ClassHDD),
			steps:  []step{erase(report.MethodOverwrite, capacity, 1, ptr(report.Verification{Method: report.VerifySampled, PercentRequested: 10, PercentAchieved: 10}))},
			status: report.StatusFail, reached: report.LevelNone, rev1: report.LevelNone, ieee: report.LevelNone, destroy: true,
			wording:  []string{"No sanitization level reached — data may remain; erase again or destroy"},
			findings: []string{report.FindVerifyFailed},
		},
		{
			name: "verification below the policy's share fails", policy: clear10, drive: drive(report.ClassHDD),
			steps:  []step{erase(report.MethodOverwrite, capacity, 1, ptr(good(5)))},
			status: report.StatusFail, reached: report.LevelNone, rev1: report.LevelNone, ieee: report.LevelNone, destroy: true,
			wording:  []string{"No sanitization level reached — data may remain; erase again or destroy"},
			findings: []string{report.FindVerifyFailed},
		},
		{
			name: "no verification when the policy asks for one", policy: clear10, drive: drive(report.ClassHDD),
			steps:  []step{erase(report.MethodOverwrite, capacity, 1, nil)},
			status: report.StatusFail, reached: report.LevelNone, rev1: report.LevelNone, ieee: report.LevelNone, destroy: true,
			wording:  []string{"No sanitization level reached — data may remain; erase again or destroy"},
			findings: []string{report.FindNotVerified},
		},
		{
			name:   "policy without read-back: reached, said to be unverified",
			policy: report.Policy{Level: report.LevelClear, Verify: report.VerifyPolicy{Mode: report.VerifyNone}}, drive: drive(report.ClassHDD),
			steps:  []step{erase(report.MethodOverwrite, capacity, 1, nil)},
			status: report.StatusPass, reached: report.LevelClear, rev1: report.LevelClear, ieee: report.LevelClear, micMet: 2,
			wording:  []string{"Clear reached — not verified by read-back", clearBoth},
			findings: []string{report.FindNotVerified}, method: report.MethodOverwrite,
		},
		{
			name: "overwrite short of its target", policy: clear10, drive: drive(report.ClassHDD),
			steps:  []step{attempt(report.Attempt{Method: report.MethodOverwrite, Outcome: report.OutcomeSuccess, Passes: 1, TargetBytes: capacity, BytesWritten: capacity - 512})},
			status: report.StatusFail, reached: report.LevelNone, rev1: report.LevelNone, ieee: report.LevelNone, destroy: true,
			wording:  []string{"No sanitization level reached — data may remain; erase again or destroy"},
			findings: []string{report.FindOverwriteShort},
		},
		{
			name: "overwrite with unwritable blocks", policy: clear10, drive: drive(report.ClassHDD),
			steps:  []step{attempt(report.Attempt{Method: report.MethodOverwrite, Outcome: report.OutcomeSuccess, Passes: 1, TargetBytes: capacity, BytesWritten: capacity, Unwritable: []report.LBARange{{First: 10, Count: 2}}})},
			status: report.StatusFail, reached: report.LevelNone, rev1: report.LevelNone, ieee: report.LevelNone, destroy: true,
			wording:  []string{"No sanitization level reached — data may remain; erase again or destroy"},
			findings: []string{report.FindUnwritable},
		},
		{
			name: "overwrite of less than the capacity", policy: clear10, drive: drive(report.ClassHDD),
			steps:  []step{erase(report.MethodOverwrite, capacity/2, 1, &v10)},
			status: report.StatusFail, reached: report.LevelNone, rev1: report.LevelNone, ieee: report.LevelNone, destroy: true,
			wording:  []string{"No sanitization level reached — data may remain; erase again or destroy"},
			findings: []string{report.FindBelowCapacity},
		},
		{
			name: "USB stick, one pass: Rev.1 asks for two", policy: clear10, drive: drive(report.ClassUSB),
			steps:  []step{erase(report.MethodOverwrite, capacity, 1, &v10)},
			status: report.StatusFail, reached: report.LevelNone, rev1: report.LevelNone, ieee: report.LevelClear, micMet: 3, destroy: true,
			wording: []string{
				"No sanitization level reached — data may remain; erase again or destroy",
				"Clear under NIST SP 800-88 Rev. 2 (§3.1.1, §4.4) and IEEE 2883-2022; none under Rev. 1 (App. A) — the stricter is reported",
			},
			findings: []string{report.FindRev1Passes}, method: report.MethodOverwrite,
		},
		{
			name: "USB stick, two passes, Purge policy: Clear reached; Purge not reached", policy: purge10, drive: drive(report.ClassUSB),
			steps:  []step{erase(report.MethodOverwrite, capacity, 2, &v10)},
			status: report.StatusFail, reached: report.LevelClear, rev1: report.LevelClear, ieee: report.LevelClear, micMet: 3, destroy: true,
			wording: []string{"Clear reached; Purge not reached — destroy required", clearBoth}, method: report.MethodOverwrite,
		},
		{
			name: "first method refused, fallback succeeded", policy: purge10, drive: drive(report.ClassNVMe),
			steps: []step{
				attempt(report.Attempt{Method: report.MethodNVMeSanitizeCryptoErase, Outcome: report.OutcomeUnsupported, Errors: []string{"Invalid Command Opcode"}}),
				erase(report.MethodNVMeSanitizeBlockErase, 0, 0, &v10),
			},
			status: report.StatusPass, reached: report.LevelPurge, rev1: report.LevelPurge, ieee: report.LevelPurge, micMet: 2,
			wording: []string{"Purge reached", purgeBoth}, findings: []string{report.FindAttemptFailed}, method: report.MethodNVMeSanitizeBlockErase,
		},
		{
			name: "a method that does not apply to the class counts for nothing", policy: clear10, drive: drive(report.ClassHDD),
			steps:  []step{erase(report.MethodNVMeSanitizeCryptoErase, 0, 0, &v10)},
			status: report.StatusFail, reached: report.LevelNone, rev1: report.LevelNone, ieee: report.LevelNone, destroy: true,
			wording:  []string{"No sanitization level reached — data may remain; erase again or destroy"},
			findings: []string{report.FindNotApplicable},
		},
		{
			name: "skipped drive", policy: purge10, drive: drive(report.ClassHDD), fin: report.Finish{Skipped: "excluded by policy"},
			status: report.StatusSkipped, reached: report.LevelNone, rev1: report.LevelNone, ieee: report.LevelNone,
			wording: []string{"Skipped: excluded by policy — not erased"},
		},
		{
			name: "interrupted after a verified erase", policy: clear10, drive: drive(report.ClassHDD), fin: report.Finish{Interrupted: true},
			steps:  []step{erase(report.MethodOverwrite, capacity, 1, &v10)},
			status: report.StatusIncomplete, reached: report.LevelClear, rev1: report.LevelClear, ieee: report.LevelClear, micMet: 2, destroy: false,
			wording:  []string{"Incomplete: work on this drive was interrupted", "Clear reached", clearBoth},
			findings: []string{report.FindInterrupted}, method: report.MethodOverwrite,
		},
		{
			name: "attempt started and never ended", policy: clear10, drive: drive(report.ClassHDD),
			steps:  []step{begin(report.MethodOverwrite)},
			status: report.StatusFail, reached: report.LevelNone, rev1: report.LevelNone, ieee: report.LevelNone, destroy: true,
			wording:  []string{"No sanitization level reached — data may remain; erase again or destroy"},
			findings: []string{report.FindAttemptUnfinished},
		},
		{
			name: "errors after a good erase fail the drive", policy: clear10, drive: drive(report.ClassHDD), fin: report.Finish{Errors: []string{"could not clear the ATA password"}},
			steps:  []step{erase(report.MethodOverwrite, capacity, 1, &v10)},
			status: report.StatusFail, reached: report.LevelClear, rev1: report.LevelClear, ieee: report.LevelClear, micMet: 2, destroy: true,
			wording:  []string{"Clear reached", clearBoth},
			findings: []string{report.FindDriveErrors}, method: report.MethodOverwrite,
		},
		{
			name: "no erase attempted and not skipped", policy: clear10, drive: drive(report.ClassHDD),
			status: report.StatusFail, reached: report.LevelNone, rev1: report.LevelNone, ieee: report.LevelNone, destroy: true,
			wording:  []string{"No sanitization level reached — data may remain; erase again or destroy"},
			findings: []string{report.FindNoAttempt},
		},
		{
			// Issue 12 item 1: a drive that acknowledges writes it never
			// makes leaves no canaries; its sampled read-back proves nothing.
			name: "canaries did not read back: a sampled read-back does not prove a crypto erase", policy: purge10, drive: drive(report.ClassNVMe),
			steps:  []step{eraseWith(report.MethodNVMeSanitizeCryptoErase, 0, 0, &report.CanaryRecord{Planned: 2000, Planted: 2000, ReadBack: 0, Error: "canaries not proven"}, ptr(good(10)))},
			status: report.StatusFail, reached: report.LevelNone, rev1: report.LevelNone, ieee: report.LevelNone, destroy: true,
			wording:  []string{"No sanitization level reached — data may remain; erase again or destroy"},
			findings: []string{report.FindUnproven},
		},
		{
			name: "one canary of 2,000 did not read back: not proven", policy: purge10, drive: drive(report.ClassNVMe),
			steps:  []step{eraseWith(report.MethodNVMeSanitizeBlockErase, 0, 0, &report.CanaryRecord{Planned: 2000, Planted: 2000, ReadBack: 1999}, ptr(good(10)))},
			status: report.StatusFail, reached: report.LevelNone, rev1: report.LevelNone, ieee: report.LevelNone, destroy: true,
			wording:  []string{"No sanitization level reached — data may remain; erase again or destroy"},
			findings: []string{report.FindUnproven},
		},
		{
			// Issue 12 item 2: no canaries, declared zeros, sampled: no Purge.
			name: "no canaries, sampled read-back of the declared content: not proven", policy: purge10, drive: drive(report.ClassSSD),
			steps:  []step{eraseWith(report.MethodATASanitizeBlockErase, 0, 0, nil, ptr(good(10)))},
			status: report.StatusFail, reached: report.LevelNone, rev1: report.LevelNone, ieee: report.LevelNone, destroy: true,
			wording:  []string{"No sanitization level reached — data may remain; erase again or destroy"},
			findings: []string{report.FindUnproven},
		},
		{
			name: "no canaries, every block read back as declared: Purge", policy: purge10, drive: drive(report.ClassSSD),
			steps:  []step{eraseWith(report.MethodATASanitizeBlockErase, 0, 0, nil, ptr(full()))},
			status: report.StatusPass, reached: report.LevelPurge, rev1: report.LevelPurge, ieee: report.LevelPurge, micMet: 2,
			wording: []string{"Purge reached", purgeBoth}, method: report.MethodATASanitizeBlockErase,
		},
		{
			name: "a full read of fewer blocks than the drive holds proves nothing", policy: purge10, drive: drive(report.ClassSSD),
			steps: []step{eraseWith(report.MethodATASanitizeBlockErase, 0, 0, nil, func() *report.Verification {
				v := full()
				v.PlanBlocks, v.BlocksRead = capacity/1024, capacity/1024
				return &v
			}())},
			status: report.StatusFail, reached: report.LevelNone, rev1: report.LevelNone, ieee: report.LevelNone, destroy: true,
			wording:  []string{"No sanitization level reached — data may remain; erase again or destroy"},
			findings: []string{report.FindUnproven},
		},
		{
			name: "a sampled read-back that read only some of the canaries: not proven", policy: purge10, drive: drive(report.ClassNVMe),
			steps: []step{erase(report.MethodNVMeSanitizeCryptoErase, 0, 0, func() *report.Verification {
				v := good(10)
				v.CanariesRead = 1000
				return &v
			}())},
			status: report.StatusFail, reached: report.LevelNone, rev1: report.LevelNone, ieee: report.LevelNone, destroy: true,
			wording:  []string{"No sanitization level reached — data may remain; erase again or destroy"},
			findings: []string{report.FindUnproven},
		},
		{
			name: "surviving canaries fail the verification", policy: purge10, drive: drive(report.ClassNVMe),
			steps: []step{erase(report.MethodNVMeSanitizeCryptoErase, 0, 0, func() *report.Verification {
				v := good(10)
				v.CanariesSurvived = 3
				return &v
			}())},
			status: report.StatusFail, reached: report.LevelNone, rev1: report.LevelNone, ieee: report.LevelNone, destroy: true,
			wording:  []string{"No sanitization level reached — data may remain; erase again or destroy"},
			findings: []string{report.FindVerifyFailed},
		},
		{
			name: "host overwrite without canaries, sampled: not proven", policy: clear10, drive: drive(report.ClassHDD),
			steps:  []step{eraseWith(report.MethodOverwrite, capacity, 1, nil, ptr(good(10)))},
			status: report.StatusFail, reached: report.LevelNone, rev1: report.LevelNone, ieee: report.LevelNone, destroy: true,
			wording:  []string{"No sanitization level reached — data may remain; erase again or destroy"},
			findings: []string{report.FindUnproven},
		},
		{
			// Issue 12 item 4.
			name: "extra overwrite asked for and failed: policy not met", policy: withExtra(purge10), drive: drive(report.ClassNVMe),
			steps: []step{
				erase(report.MethodNVMeSanitizeCryptoErase, 0, 0, ptr(good(10))),
				attempt(report.Attempt{Method: report.MethodOverwrite, Outcome: report.OutcomeFailed, Errors: []string{"write error"}, TargetBytes: capacity, BytesWritten: 4096}),
			},
			status: report.StatusFail, reached: report.LevelPurge, rev1: report.LevelPurge, ieee: report.LevelPurge, micMet: 2, destroy: true,
			wording: []string{
				"Policy not met: Purge was reached by NVMe Sanitize (crypto erase), but the host overwrite the policy asks for after it did not count — destroy required or erase again",
				"Purge reached", purgeCE, ceLine,
			},
			findings: []string{report.FindAttemptFailed, report.FindExtraOverwrite}, method: report.MethodNVMeSanitizeCryptoErase,
		},
		{
			name: "extra overwrite asked for and never run: policy not met", policy: withExtra(mic2), drive: drive(report.ClassNVMe),
			steps:  []step{erase(report.MethodNVMeSanitizeCryptoErase, 0, 0, ptr(good(10)))},
			status: report.StatusFail, reached: report.LevelPurge, rev1: report.LevelPurge, ieee: report.LevelPurge, micMet: 2, destroy: true,
			wording: []string{
				"Policy not met: Purge was reached by NVMe Sanitize (crypto erase), but the host overwrite the policy asks for after it did not count — destroy required or erase again",
				"Purge reached", purgeCE, ceLine,
				"MIC category (2): requirement met",
			},
			findings: []string{report.FindExtraOverwrite}, method: report.MethodNVMeSanitizeCryptoErase,
		},
		{
			name: "extra overwrite asked for and done: Purge by the firmware erase", policy: withExtra(purge10), drive: drive(report.ClassNVMe),
			steps: []step{
				erase(report.MethodNVMeSanitizeCryptoErase, 0, 0, ptr(good(10))),
				erase(report.MethodOverwrite, capacity, 1, ptr(good(10))),
			},
			status: report.StatusPass, reached: report.LevelPurge, rev1: report.LevelPurge, ieee: report.LevelPurge, micMet: 2,
			wording: []string{"Purge reached", purgeCE, ceLine}, method: report.MethodNVMeSanitizeCryptoErase,
		},
		{
			// Issue 12 item 6: a file's overwrite is never a level.
			name: "a regular file overwritten and proven: PASS, no level, logical content only", policy: clear10, drive: drive(report.ClassFile),
			steps:  []step{erase(report.MethodOverwrite, capacity, 1, &v10)},
			status: report.StatusPass, reached: report.LevelNone, rev1: report.LevelNone, ieee: report.LevelNone,
			wording:  []string{"File overwrite — logical content only: every byte of the file was overwritten and read back; this sanitizes no medium (NIST SP 800-88 Clear/Purge and the MIC categories do not apply: the filesystem and the device below it may keep earlier copies)"},
			findings: []string{report.FindFileOnly}, method: report.MethodOverwrite,
		},
		{
			name: "a regular file overwritten without proof: FAIL", policy: clear10, drive: drive(report.ClassFile),
			steps:  []step{eraseWith(report.MethodOverwrite, capacity, 1, nil, ptr(good(10)))},
			status: report.StatusFail, reached: report.LevelNone, rev1: report.LevelNone, ieee: report.LevelNone,
			wording:  []string{"File overwrite — logical content only — not completed or not proven: the file's content may remain"},
			findings: []string{report.FindFileOnly, report.FindUnproven},
		},
		{
			name: "failing SMART is reported, not judged", policy: clear10,
			drive: func() report.Drive {
				d := drive(report.ClassHDD)
				d.SMART = &smart.Summary{Verdict: smart.Fail, Reasons: []string{"5 Reallocated_Sector_Ct"}}
				return d
			}(),
			steps:  []step{erase(report.MethodOverwrite, capacity, 1, &v10)},
			status: report.StatusPass, reached: report.LevelClear, rev1: report.LevelClear, ieee: report.LevelClear, micMet: 2,
			wording:  []string{"Clear reached", clearBoth},
			findings: []string{report.FindSMARTFailing}, method: report.MethodOverwrite,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := assess(t, tc.policy, tc.drive, tc.fin, tc.steps...)
			got := fmt.Sprintf("%s reached=%s rev1=%s ieee=%s mic=%d destroy=%v method=%s", a.Status, a.Reached, a.NISTRev1, a.IEEE2883, a.MICMet, a.DestroyRequired, a.Method)
			want := fmt.Sprintf("%s reached=%s rev1=%s ieee=%s mic=%d destroy=%v method=%s", tc.status, tc.reached, tc.rev1, tc.ieee, tc.micMet, tc.destroy, tc.method)
			if got != want {
				t.Errorf("Assess = %s; want %s (findings %v)", got, want, a.Findings)
			}
			// Rev. 2 follows IEEE 2883 for every method (TestRev2Reading
			// has the table); a cryptographic erase carries its record.
			if a.NISTRev2 != a.IEEE2883 || (a.CryptoErase != nil) != a.Method.IsCryptoErase() {
				t.Errorf("Rev. 2 %s, IEEE 2883 %s, crypto erase record %+v for method %q; want Rev. 2 = IEEE 2883, a record iff a crypto erase",
					a.NISTRev2, a.IEEE2883, a.CryptoErase, a.Method)
			}
			if diff := cmp.Diff(tc.wording, a.Wording); diff != "" {
				t.Errorf("wording (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.findings, codes(a)); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
			// Every line and finding has Japanese wording too.
			if ja := a.Lines("ja"); len(ja) != len(a.Wording) {
				t.Errorf("Lines(ja) has %d lines, Lines(en) %d", len(ja), len(a.Wording))
			}
			for _, f := range a.Findings {
				if m := f.Message("ja"); m == "" || m == f.Code || m == f.Message("en") {
					t.Errorf("Finding %s: Message(ja) = %q", f.Code, m)
				}
			}
		})
	}
}

// The journal with no result for a drive: INCOMPLETE, with its own wording.
func TestAssessWithoutResult(t *testing.T) {
	j, err := report.Create(t.TempDir(), reporttest.Signer(), report.RunStart{RunID: "nores", Policy: clear10})
	if err != nil {
		t.Fatal(err)
	}
	dl, err := j.Drive(drive(report.ClassHDD))
	if err != nil {
		t.Fatal(err)
	}
	v := good(10)
	erase(report.MethodOverwrite, capacity, 1, &v)(t, dl)
	j.Close()
	res, err := report.VerifyFile(j.Path(), trusted())
	if err != nil {
		t.Fatal(err)
	}
	a := res.Run.Drives[0].Assessment(res.Run.Start.Policy)
	want := []string{"Incomplete: the record ends before this drive's result", "Clear reached", clearBoth}
	if a.Status != report.StatusIncomplete || !cmp.Equal(want, a.Lines("en")) {
		t.Errorf("Assessment(no result) = %s %q; want INCOMPLETE %q", a.Status, a.Lines("en"), want)
	}
}

func TestRate(t *testing.T) {
	// Method matrix spot checks, from ../shared/reference/standards.md.
	tests := []struct {
		c          report.Class
		m          report.Method
		ok         bool
		rev1, ieee report.Level
		mic        int
	}{
		{report.ClassHDD, report.MethodOverwrite, true, report.LevelClear, report.LevelClear, 2},
		{report.ClassHDD, report.MethodATASecurityErase, true, report.LevelClear, report.LevelClear, 3},
		{report.ClassHDD, report.MethodATASanitizeOverwrite, true, report.LevelPurge, report.LevelPurge, 2},
		{report.ClassHDD, report.MethodSCSISanitizeCrypto, true, report.LevelPurge, report.LevelPurge, 2},
		{report.ClassSSD, report.MethodOverwrite, true, report.LevelClear, report.LevelClear, 3},
		{report.ClassSSD, report.MethodATASecurityErase, true, report.LevelClear, report.LevelClear, 3},
		{report.ClassSSD, report.MethodATASanitizeCrypto, true, report.LevelPurge, report.LevelPurge, 2},
		{report.ClassSSD, report.MethodSCSISanitizeBlockErase, true, report.LevelPurge, report.LevelPurge, 2},
		{report.ClassNVMe, report.MethodNVMeFormatUserData, true, report.LevelPurge, report.LevelClear, 3},
		{report.ClassNVMe, report.MethodNVMeFormatCrypto, true, report.LevelPurge, report.LevelClear, 2},
		{report.ClassNVMe, report.MethodNVMeSanitizeOverwrite, true, report.LevelPurge, report.LevelPurge, 2},
		{report.ClassNVMe, report.MethodATASanitizeCrypto, false, "", "", 0},
		{report.ClassUSB, report.MethodOverwrite, true, report.LevelClear, report.LevelClear, 3},
		{report.ClassUSB, report.MethodSCSISanitizeCrypto, false, "", "", 0},
		{report.ClassOther, report.MethodOverwrite, true, report.LevelClear, report.LevelClear, 3},
		{report.ClassOther, report.MethodNVMeFormatCrypto, false, "", "", 0},
		{report.ClassFile, report.MethodOverwrite, true, report.LevelNone, report.LevelNone, 0},
		{report.ClassFile, report.MethodATASanitizeCrypto, false, "", "", 0},
	}
	for _, tc := range tests {
		r, ok := report.Rate(tc.c, tc.m)
		if ok != tc.ok || r.NISTRev1 != tc.rev1 || r.IEEE2883 != tc.ieee || r.MIC != tc.mic {
			t.Errorf("Rate(%s, %s) = %+v, %v; want rev1 %s ieee %s mic %d, %v", tc.c, tc.m, r, ok, tc.rev1, tc.ieee, tc.mic, tc.ok)
		}
		if tc.ok && (!tc.m.Known() || tc.m.Title("ja") == tc.m.Title("en") || tc.m.Technique() == "") {
			t.Errorf("method %s: known %v, titles %q / %q, technique %q", tc.m, tc.m.Known(), tc.m.Title("en"), tc.m.Title("ja"), tc.m.Technique())
		}
	}
}

func TestAssessAcceptBelow(t *testing.T) {
	for _, accept := range []bool{false, true} {
		p := report.Policy{Level: report.LevelPurge, AcceptBelow: accept, Verify: report.VerifyPolicy{Mode: report.VerifyNone}}
		d := &report.DriveRun{
			Drive: report.Drive{Class: report.ClassSSD, Identity: report.Identity{CapacityBytes: 4096, LogicalSectorSize: 512},
				HiddenAreas: report.HiddenAreas{Checked: true}},
			Attempts: []report.Attempt{{Attempt: 1, Method: report.MethodOverwrite, Outcome: report.OutcomeSuccess,
				TargetBytes: 4096, BytesWritten: 4096, Passes: 1}},
		}
		a := report.Assess(p, d, &report.Finish{})
		wantStatus := report.StatusFail
		if accept {
			wantStatus = report.StatusPass
		}
		if a.Status != wantStatus || a.Reached != report.LevelClear || a.AcceptedBelow != accept || a.DestroyRequired == accept {
			t.Errorf("accept=%v: status %s reached %s accepted %v destroy %v; want %s, Clear, %v, %v",
				accept, a.Status, a.Reached, a.AcceptedBelow, a.DestroyRequired, wantStatus, accept, !accept)
		}
		if accept && !strings.Contains(strings.Join(a.Lines("en"), "\n"), "accepted below the required level") {
			t.Errorf("accepted-below wording missing: %q", a.Lines("en"))
		}
	}
}

// A verification whose plan covered less than the overwrite wrote does not
// verify it.
func TestAssessVerificationMustCoverTheOverwrite(t *testing.T) {
	p := report.Policy{Level: report.LevelClear, Verify: report.VerifyPolicy{Mode: report.VerifySampled, Percent: 10}}
	d := &report.DriveRun{
		Drive: report.Drive{Class: report.ClassOther, Identity: report.Identity{CapacityBytes: 1 << 20, LogicalSectorSize: 512}},
		Attempts: []report.Attempt{{Attempt: 1, Method: report.MethodOverwrite, Outcome: report.OutcomeSuccess,
			TargetBytes: 1 << 20, BytesWritten: 1 << 20, Passes: 1, Canaries: &report.CanaryRecord{Planned: 1000, Planted: 1000, ReadBack: 1000}}},
	}
	v := report.Verification{Attempt: 1, Method: report.VerifySampled, PercentRequested: 10, PercentAchieved: 12,
		Samples: 2000, BlocksRead: 256, PlanBlocks: 1024, BlockSize: 512, CanariesRead: 1000}
	d.Verifications = []report.Verification{v}
	if a := report.Assess(p, d, &report.Finish{}); a.Status != report.StatusFail {
		t.Errorf("plan over 512 KiB of a 1 MiB overwrite: %s; want FAIL", a.Status)
	}
	d.Verifications[0].PlanBlocks = 2048
	if a := report.Assess(p, d, &report.Finish{}); a.Status != report.StatusPass {
		t.Errorf("plan over the whole 1 MiB: %s (%v); want PASS", a.Status, a.Findings)
	}
}

// A cryptographic erase reaches no level on a drive that itself says it
// does not encrypt all user data (its condition under Rev. 2 §3.2 and
// IEEE 2883); a drive that says it does, or says nothing, is rated as
// before. The claim never raises a level.
func TestCryptoEraseContradictedByTheDrive(t *testing.T) {
	purge := report.Policy{Level: report.LevelPurge, Verify: report.VerifyPolicy{Mode: report.VerifyNone}}
	yes, no := true, false
	for _, tc := range []struct {
		name   string
		method report.Method
		set    func(d *report.Drive)
		want   report.Level
		finds  bool
	}{
		{"ATA word 69 bit 4 clear", report.MethodATASanitizeCrypto, func(d *report.Drive) { d.EncryptsAllUserData = &no }, report.LevelNone, true},
		{"ATA word 69 bit 4 set", report.MethodATASanitizeCrypto, func(d *report.Drive) { d.EncryptsAllUserData = &yes }, report.LevelPurge, false},
		{"ATA claim not recorded", report.MethodATASanitizeCrypto, func(d *report.Drive) {}, report.LevelPurge, false},
		{"TCG without media encryption", report.MethodTCGCryptoErase, func(d *report.Drive) {
			d.Security = &report.Security{Locking: &report.TCGLocking{MediaEncryption: false}}
		}, report.LevelNone, true},
		{"TCG with media encryption", report.MethodTCGCryptoErase, func(d *report.Drive) {
			d.Security = &report.Security{Locking: &report.TCGLocking{MediaEncryption: true}}
		}, report.LevelPurge, false},
	} {
		d := drive(report.ClassSSD)
		tc.set(&d)
		a := assess(t, purge, d, report.Finish{}, erase(tc.method, 0, 0, nil))
		found := false
		for _, f := range a.Findings {
			if f.Code == report.FindCryptoNotAllEncrypted {
				found = true
			}
		}
		if a.Reached != tc.want || found != tc.finds || (tc.want == report.LevelNone && a.Status == report.StatusPass) {
			t.Errorf("%s: status %s, reached %q, finding %v; want reached %q, finding %v", tc.name, a.Status, a.Reached, found, tc.want, tc.finds)
		}
	}
}
