package report

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"
)

// testKey is a fixed key for journals re-signed by these tests (the signing
// key of a kesu whose rules differ, or of someone holding the key).
var testKey = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, 32))

// resign rewrites a journal signed with testKey: edit may change any
// record's body (as a generic JSON object); every line is then re-chained
// and re-signed, and the seal made to match, so that only the edit differs.
func resign(t *testing.T, lines [][]byte, edit func(kind Kind, body map[string]any)) []byte {
	t.Helper()
	s := NewSigner(testKey)
	var out bytes.Buffer
	prev := ZeroHash
	for i, l := range lines {
		p, err := parseLine(l)
		if err != nil {
			t.Fatal(err)
		}
		var body map[string]any
		if err := json.Unmarshal(p.env.Body, &body); err != nil {
			t.Fatal(err)
		}
		if p.env.Kind == KindSeal {
			body["head"], body["records"] = prev, i
		}
		edit(p.env.Kind, body)
		p.env.Body, err = json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		p.env.Prev = prev
		line, err := encodeLine(p.env, s)
		if err != nil {
			t.Fatal(err)
		}
		out.Write(line)
		out.WriteByte('\n')
		prev = hashLine(line)
	}
	return out.Bytes()
}

func testRing() KeyRing {
	r := KeyRing{}
	r.Add(testKey.Public().(ed25519.PublicKey))
	return r
}

// smallJournal writes a sealed one-drive journal: an overwrite of 1 MiB
// with a full read-back, PASS.
func smallJournal(t *testing.T) [][]byte {
	t.Helper()
	st := RunStart{RunID: "verdict", Tool: Tool{Name: "kesu", Version: "t"},
		Policy: Policy{Level: LevelClear, Verify: VerifyPolicy{Mode: VerifySampled, Percent: 10}}}
	j, err := Create(t.TempDir(), NewSigner(testKey), st)
	if err != nil {
		t.Fatal(err)
	}
	d, err := j.Drive(Drive{Identity: Identity{Model: "M", Serial: "S1", CapacityBytes: 1 << 20, LogicalSectorSize: 512},
		Class: ClassOther, HiddenAreas: HiddenAreas{Checked: true}})
	if err != nil {
		t.Fatal(err)
	}
	n, err := d.Attempt(Attempt{Method: MethodOverwrite, Mechanism: "pwrite", Start: time.Unix(0, 0).UTC(), End: time.Unix(1, 0).UTC(),
		Outcome: OutcomeSuccess, Passes: 1, TargetBytes: 1 << 20, BytesWritten: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Verification(Verification{Attempt: n, Method: VerifyFull, Expected: "zeros", PercentRequested: 100, PercentAchieved: 100,
		Samples: 1, BlocksRead: 2048, PlanBlocks: 2048, BlockSize: 512}); err != nil {
		t.Fatal(err)
	}
	if a, err := d.Finish(Finish{}); err != nil || a.Status != StatusPass {
		t.Fatalf("Finish = %s, %v; want PASS", a.Status, err)
	}
	if err := j.Seal(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(j.Path())
	if err != nil {
		t.Fatal(err)
	}
	return SplitJournal(data).Lines
}

// Issue 12 item 5: a signed, intact journal whose recorded verdict is not
// what its own steps give is INVALID (fe5492b only warned).
func TestRecordedVerdictMustMatchItsSteps(t *testing.T) {
	lines := smallJournal(t)
	if res := Verify(SplitJournal(resign(t, lines, func(Kind, map[string]any) {})), testRing()); res.Status != Intact || !res.Outcome.AllPassed() {
		t.Fatalf("re-signed unchanged journal = %s %v, outcome %+v; want INTACT, all passed", res.Status, res.Problems, res.Outcome)
	}
	// The read-back covered half the drive; the result still says PASS.
	half := resign(t, lines, func(k Kind, b map[string]any) {
		if k == KindVerification {
			b["blocks_read"], b["plan_blocks"], b["percent_achieved"] = 1024, 1024, 50
		}
	})
	res := Verify(SplitJournal(half), testRing())
	if res.Status != Invalid || len(res.Problems) == 0 || res.Problems[0].Kind != ProblemVerdict ||
		!strings.Contains(res.Problems[0].Detail, "recorded PASS") || !strings.Contains(res.Problems[0].Detail, "recomputed from its recorded steps: FAIL") {
		t.Errorf("PASS recorded over a half read-back: %s %v; want INVALID (verdict)", res.Status, res.Problems)
	}
	if res.Outcome.Fail != 1 || res.Outcome.AllPassed() {
		t.Errorf("outcome %+v; want the recomputed FAIL", res.Outcome)
	}
	if a := res.Run.Drives[0].Assessment(res.Run.Start.Policy); a.Status != StatusFail {
		t.Errorf("DriveRun.Assessment = %s; want the recomputed FAIL, never the recorded PASS", a.Status)
	}
	// The other way round: FAIL recorded where the steps prove PASS.
	failed := resign(t, lines, func(k Kind, b map[string]any) {
		if k == KindDriveResult {
			a := b["assessment"].(map[string]any)
			a["status"], a["destroy_required"] = "FAIL", true
		}
	})
	if res := Verify(SplitJournal(failed), testRing()); res.Status != Invalid || res.Problems[0].Kind != ProblemVerdict {
		t.Errorf("FAIL recorded over a proven erase: %s %v; want INVALID (verdict)", res.Status, res.Problems)
	}
}

// A kesu-record/1 journal was judged by weaker rules: it stays intact, its
// drives are judged by today's rules, and the difference is reported.
func TestSchema1JournalIsRejudged(t *testing.T) {
	lines := smallJournal(t)
	old := resign(t, lines, func(k Kind, b map[string]any) {
		switch k {
		case KindRunStart:
			b["schema"] = SchemaVersion1
		case KindVerification:
			// The sampled read-back a kesu-record/1 kesu recorded, with no
			// canaries planted before it.
			b["method"], b["percent_requested"], b["percent_achieved"], b["blocks_read"] = "sampled", 10, 10, 205
		}
	})
	res := Verify(SplitJournal(old), testRing())
	if res.Status != Intact || len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], SchemaVersion1) {
		t.Fatalf("kesu-record/1 journal = %s %v, warnings %q; want INTACT with one warning naming the schema", res.Status, res.Problems, res.Warnings)
	}
	if res.Outcome.Fail != 1 || res.Run.Drives[0].Assessment(res.Run.Start.Policy).Status != StatusFail {
		t.Errorf("outcome %+v; want the drive judged FAIL by today's rules (a sampled read-back without canaries)", res.Outcome)
	}
}

func TestDriveCounts(t *testing.T) {
	var c DriveCounts
	if c.AllPassed() || c.String() != "no drive" {
		t.Errorf("empty: all passed %v, %q; want false, \"no drive\"", c.AllPassed(), c.String())
	}
	for _, s := range []Status{StatusPass, StatusFail, StatusPass, StatusIncomplete, StatusSkipped} {
		c.add(s)
	}
	if c.AllPassed() || c.String() != "2 PASS, 1 FAIL, 1 INCOMPLETE, 1 SKIPPED" || c.Drives != 5 {
		t.Errorf("mixed: %+v %q", c, c.String())
	}
	c = DriveCounts{}
	c.add(StatusPass)
	if !c.AllPassed() {
		t.Error("one PASS: not all passed")
	}
}

// journalWith writes a sealed one-drive journal of drive d whose steps are
// recorded by steps, then rewrites its run-start to schema (re-signed).
func journalWith(t *testing.T, schema string, p Policy, d Drive, steps func(dl *DriveLog)) *Result {
	t.Helper()
	j, err := Create(t.TempDir(), NewSigner(testKey), RunStart{RunID: "v", Tool: Tool{Name: "kesu", Version: "t"}, Policy: p})
	if err != nil {
		t.Fatal(err)
	}
	dl, err := j.Drive(d)
	if err != nil {
		t.Fatal(err)
	}
	steps(dl)
	if _, err := dl.Finish(Finish{}); err != nil {
		t.Fatal(err)
	}
	if err := j.Seal(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(j.Path())
	if err != nil {
		t.Fatal(err)
	}
	out := resign(t, SplitJournal(data).Lines, func(k Kind, b map[string]any) {
		if k == KindRunStart {
			b["schema"] = schema
		}
	})
	return Verify(SplitJournal(out), testRing())
}

func fullRead(n int) Verification {
	return Verification{Attempt: n, Method: VerifyFull, Expected: "zeros", PercentRequested: 100, PercentAchieved: 100,
		Samples: 1, BlocksRead: 2048, PlanBlocks: 2048, BlockSize: 512}
}

// A kesu-record/1 file overwrite (class other, transport "file", as
// fe5492b recorded it) is judged a file: no level (found by review: it
// re-verified as Clear).
func TestSchema1FileIsLogicalContentOnly(t *testing.T) {
	res := journalWith(t, SchemaVersion1, Policy{Level: LevelClear, Verify: VerifyPolicy{Mode: VerifyFull, Percent: 100}},
		Drive{Identity: Identity{Path: "/tmp/x.img", Transport: "file", CapacityBytes: 1 << 20, LogicalSectorSize: 512}, Class: ClassOther, HiddenAreas: HiddenAreas{Checked: true}},
		func(dl *DriveLog) {
			n, _ := dl.Attempt(Attempt{Method: MethodOverwrite, Outcome: OutcomeSuccess, Passes: 1, TargetBytes: 1 << 20, BytesWritten: 1 << 20})
			dl.Verification(fullRead(n))
		})
	a := res.Run.Drives[0].Assessment(res.Run.Start.Policy)
	if a.Reached != LevelNone || !a.has(FindFileOnly) || strings.Contains(strings.Join(a.Wording, " "), "Clear reached") {
		t.Errorf("v1 file overwrite: %s reached %s, wording %q; want no level, logical content only", a.Status, a.Reached, a.Wording)
	}
}

// A kesu-record/1 run did not record extra_overwrite; a host overwrite
// after a verified firmware erase shows the policy asked for it, and its
// failure fails the drive (found by review: it re-verified as PASS).
func TestSchema1FailedExtraOverwriteFails(t *testing.T) {
	steps := func(dl *DriveLog) {
		n, _ := dl.Attempt(Attempt{Method: MethodNVMeSanitizeCryptoErase, Outcome: OutcomeSuccess})
		dl.Verification(fullRead(n))
		dl.Attempt(Attempt{Method: MethodOverwrite, Outcome: OutcomeFailed, Errors: []string{"write error"}, TargetBytes: 1 << 20, BytesWritten: 4096})
	}
	d := Drive{Identity: Identity{Model: "M", Serial: "S", CapacityBytes: 1 << 20, LogicalSectorSize: 512}, Class: ClassNVMe, HiddenAreas: HiddenAreas{Checked: true}}
	pol := Policy{Level: LevelPurge, Verify: VerifyPolicy{Mode: VerifySampled, Percent: 10}}
	res := journalWith(t, SchemaVersion1, pol, d, steps)
	if res.Status != Intact || res.Outcome.Fail != 1 || len(res.Warnings) == 0 || !strings.Contains(strings.Join(res.Warnings, " "), "extra_overwrite") {
		t.Errorf("v1 run with a failed overwrite after a verified crypto erase: %s, outcome %+v, warnings %q; want INTACT, FAIL, the inference named", res.Status, res.Outcome, res.Warnings)
	}
	// Under kesu-record/2 the policy says it: without extra_overwrite the
	// same steps pass (the failed overwrite was a fallback nobody needed).
	res = journalWith(t, SchemaVersion, pol, d, steps)
	if res.Status != Intact || res.Outcome.Pass != 1 {
		t.Errorf("v2 run without extra_overwrite: %s, outcome %+v; want INTACT, PASS", res.Status, res.Outcome)
	}
}

// The Rev. 2 reading is part of the verdict when a record carries it: a
// recorded nist_rev2 other than the one the steps give is INVALID; a
// record without one (written before kesu read Rev. 2) is judged by the
// other readings, which it carries.
func TestRecordedRev2ReadingMustMatch(t *testing.T) {
	lines := smallJournal(t)
	setRev2 := func(v any) []byte {
		return resign(t, lines, func(k Kind, b map[string]any) {
			if k == KindDriveResult {
				a := b["assessment"].(map[string]any)
				if v == nil {
					delete(a, "nist_rev2")
				} else {
					a["nist_rev2"] = v
				}
			}
		})
	}
	if res := Verify(SplitJournal(setRev2("Clear")), testRing()); res.Status != Intact || len(res.Warnings) != 0 {
		t.Errorf("nist_rev2 as computed: %s %v %q; want INTACT, no warning", res.Status, res.Problems, res.Warnings)
	}
	if res := Verify(SplitJournal(setRev2(nil)), testRing()); res.Status != Intact || len(res.Warnings) != 0 || !res.Outcome.AllPassed() {
		t.Errorf("no nist_rev2 (recorded before Rev. 2): %s %v %q; want INTACT, no warning, PASS", res.Status, res.Problems, res.Warnings)
	}
	res := Verify(SplitJournal(setRev2("Purge")), testRing())
	if res.Status != Invalid || len(res.Problems) == 0 || res.Problems[0].Kind != ProblemVerdict {
		t.Errorf("nist_rev2 Purge recorded for a Clear overwrite: %s %v; want INVALID (verdict)", res.Status, res.Problems)
	}
}
