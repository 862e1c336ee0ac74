package report_test

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/kesu-erase/kesu/report"
	"github.com/kesu-erase/kesu/report/reporttest"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

func trusted() report.KeyRing {
	r := report.KeyRing{}
	r.Add(reporttest.Signer().PublicKey())
	return r
}

func readLines(t *testing.T, path string) [][]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return report.SplitJournal(b).Lines
}

func join(lines [][]byte) []byte {
	var b bytes.Buffer
	for _, l := range lines {
		b.Write(l)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

func verifyBytes(data []byte, ring report.KeyRing) *report.Result {
	return report.Verify(report.SplitJournal(data), ring)
}

func firstProblem(r *report.Result) report.Problem {
	if len(r.Problems) == 0 {
		return report.Problem{}
	}
	return r.Problems[0]
}

func TestSampleVerifies(t *testing.T) {
	path := reporttest.WriteSample(t, t.TempDir())
	res, err := report.VerifyFile(path, trusted())
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != report.Intact || len(res.Problems) != 0 || len(res.Warnings) != 0 {
		t.Fatalf("Verify(sample) = %s %v warnings %v; want INTACT, no problems", res.Status, res.Problems, res.Warnings)
	}
	if !res.Sealed || !res.Trusted || res.Records != 19 {
		t.Errorf("Verify(sample): sealed %v trusted %v records %d; want true true 19", res.Sealed, res.Trusted, res.Records)
	}
	var got []string
	for _, d := range res.Run.Drives {
		a := d.Result.Assessment
		got = append(got, fmt.Sprintf("%s %s %s %s", d.Drive.Identity.Serial, a.Status, a.Reached, a.Method))
	}
	want := []string{
		"S64GNE0R812345 PASS Purge nvme-sanitize-crypto-erase",
		"ZC1ABCDE FAIL Clear overwrite",
		"4C530001230915118383 FAIL none ",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("sample drive outcomes (-want +got):\n%s", diff)
	}
}

// The sample journal is byte-for-byte repeatable; the golden copy pins the
// line format (field order, encodings, signatures).
func TestSampleGolden(t *testing.T) {
	path := reporttest.WriteSample(t, t.TempDir())
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "sample.jsonl")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("sample journal differs from %s (run with -update if the change is intended):\n%s", golden,
			cmp.Diff(string(want), string(got)))
	}
	// The golden file itself verifies with the test key.
	if res := verifyBytes(want, trusted()); res.Status != report.Intact {
		t.Errorf("Verify(%s) = %s %v; want INTACT", golden, res.Status, res.Problems)
	}
}

// Everything written comes back equal: the schema round-trips through the
// journal and the verifier.
func TestSchemaRoundTrip(t *testing.T) {
	dir := t.TempDir()
	clk := reporttest.NewClock(reporttest.Epoch)
	start := reporttest.Start(reporttest.PurgePolicy)
	j, err := report.CreateWith(dir, reporttest.Signer(), start, report.Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	drive := reporttest.HDDDrive()
	dl, err := j.Drive(drive)
	if err != nil {
		t.Fatal(err)
	}
	area := report.HiddenArea{Kind: "DCO", Present: true, AccessibleMaxLBA: 10, NativeMaxLBA: 20, HiddenSectors: 10, Restored: false, Error: "DEVICE CONFIGURATION RESTORE aborted"}
	if err := dl.HiddenArea(area); err != nil {
		t.Fatal(err)
	}
	t0 := reporttest.Epoch.Add(time.Hour)
	n, err := dl.BeginAttempt(report.MethodATASanitizeOverwrite, t0)
	if err != nil {
		t.Fatal(err)
	}
	att := report.Attempt{Attempt: n, Method: report.MethodATASanitizeOverwrite, Mechanism: "ATA SANITIZE OVERWRITE EXT (B4h/0014h)",
		Start: t0, End: t0.Add(time.Hour), Outcome: report.OutcomeFailed, Errors: []string{"ABRT", "sanitize failure state"},
		Passes: 1, Pattern: "0x00000000", TargetBytes: 1 << 40, BytesWritten: 1 << 30,
		Unwritable: []report.LBARange{{First: 5, Count: 6}}, Details: []string{"SD3: sanitize operation failed"}}
	if _, err := dl.Attempt(att); err != nil {
		t.Fatal(err)
	}
	ver := report.Verification{Attempt: n, Method: report.VerifyCanary, Expected: "canary absent", PlanSeed: "ff",
		Start: t0, End: t0.Add(time.Minute), Subsections: 1000, PercentRequested: 10, PercentAchieved: 9.5, Samples: 7,
		BlocksRead: 70, Mismatches: 2, MismatchLBAs: []uint64{1, 2}, ReadErrors: 1, ReadErrorLBAs: []uint64{3}, Errors: []string{"EIO"}}
	if err := dl.Verification(ver); err != nil {
		t.Fatal(err)
	}
	note := report.Note{Drive: dl.ID(), Severity: report.SeverityError, Code: "frozen", Text: "security frozen; suspend cycle failed"}
	if err := dl.Note(note); err != nil {
		t.Fatal(err)
	}
	fin := report.Finish{Errors: []string{"drive left in sanitize failure state"}, Recovery: "SANITIZE STATUS EXT with CLEAR SANITIZE OPERATION FAILED"}
	asmt, err := dl.Finish(fin)
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
	if res.Status != report.Intact {
		t.Fatalf("Verify = %s %v; want INTACT", res.Status, res.Problems)
	}
	run := res.Run
	start.Schema = report.SchemaVersion
	start.Key = &report.KeyInfo{Alg: "Ed25519", PublicKey: fmt.Sprintf("%x", []byte(reporttest.Signer().PublicKey())), Fingerprint: reporttest.Signer().Fingerprint()}
	if diff := cmp.Diff(start, run.Start); diff != "" {
		t.Errorf("run-start round trip (-want +got):\n%s", diff)
	}
	d := run.Drives[0]
	drive.ID = 1
	if diff := cmp.Diff(drive, d.Drive); diff != "" {
		t.Errorf("drive round trip (-want +got):\n%s", diff)
	}
	wantAreas := []report.HiddenArea{area, drive.HiddenAreas.Areas[0]}
	if diff := cmp.Diff(wantAreas, d.HiddenAreas.Areas, cmpopts.SortSlices(func(a, b report.HiddenArea) bool { return a.Kind < b.Kind })); diff != "" {
		t.Errorf("hidden areas round trip (-want +got):\n%s", diff)
	}
	att.Drive = 1
	if diff := cmp.Diff([]report.Attempt{att}, d.Attempts); diff != "" {
		t.Errorf("attempt round trip (-want +got):\n%s", diff)
	}
	ver.Drive = 1
	if diff := cmp.Diff([]report.Verification{ver}, d.Verifications); diff != "" {
		t.Errorf("verification round trip (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]report.Note{note}, d.Notes); diff != "" {
		t.Errorf("note round trip (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(fin, d.Result.Finish); diff != "" {
		t.Errorf("finish round trip (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(asmt, d.Result.Assessment, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("assessment round trip (-want +got):\n%s", diff)
	}
	if asmt.Status != report.StatusFail {
		t.Errorf("assessment status = %s; want FAIL", asmt.Status)
	}
}

func TestRemovedRecordDetected(t *testing.T) {
	lines := readLines(t, reporttest.WriteSample(t, t.TempDir()))
	for i := range lines {
		cut := append(append([][]byte{}, lines[:i]...), lines[i+1:]...)
		res := verifyBytes(join(cut), trusted())
		p := firstProblem(res)
		switch {
		case i == len(lines)-1: // the seal: looks like a run that never finished
			if res.Status != report.Incomplete || p.Kind != report.ProblemUnsealed {
				t.Errorf("remove seal: Verify = %s %v; want INCOMPLETE unsealed", res.Status, res.Problems)
			}
		case i == 0:
			if res.Status != report.Invalid || p.Kind != report.ProblemRemoved || p.Line != 1 {
				t.Errorf("remove line 1: Verify = %s %v; want INVALID removed at line 1", res.Status, res.Problems)
			}
		default:
			if res.Status != report.Invalid || p.Kind != report.ProblemRemoved || p.Line != i+1 {
				t.Errorf("remove line %d: Verify = %s %v; want INVALID removed at line %d", i+1, res.Status, res.Problems, i+1)
			}
		}
	}
	// Two records removed.
	cut := append(append([][]byte{}, lines[:3]...), lines[5:]...)
	if p := firstProblem(verifyBytes(join(cut), trusted())); p.Kind != report.ProblemRemoved || p.Line != 4 {
		t.Errorf("remove lines 4-5: first problem %v; want removed at line 4", p)
	}
}

func TestDuplicatedRecordDetected(t *testing.T) {
	lines := readLines(t, reporttest.WriteSample(t, t.TempDir()))
	for i := range lines {
		dup := append(append(append([][]byte{}, lines[:i+1]...), lines[i]), lines[i+1:]...)
		res := verifyBytes(join(dup), trusted())
		p := firstProblem(res)
		want := report.ProblemDuplicated
		if i == len(lines)-1 {
			want = report.ProblemAfterSeal
		}
		if res.Status != report.Invalid || p.Kind != want || p.Line != i+2 {
			t.Errorf("duplicate line %d: Verify = %s %v; want INVALID %s at line %d", i+1, res.Status, res.Problems, want, i+2)
		}
	}
}

func TestReorderedRecordsDetected(t *testing.T) {
	lines := readLines(t, reporttest.WriteSample(t, t.TempDir()))
	for i := 0; i+1 < len(lines); i++ {
		sw := append([][]byte{}, lines...)
		sw[i], sw[i+1] = sw[i+1], sw[i]
		res := verifyBytes(join(sw), trusted())
		p := firstProblem(res)
		want := report.ProblemReordered
		if i == 0 {
			want = report.ProblemRemoved // the run-start is not first: the start is missing
		}
		if res.Status != report.Invalid || p.Kind != want || p.Line != i+1 {
			t.Errorf("swap lines %d,%d: Verify = %s %v; want INVALID %s at line %d", i+1, i+2, res.Status, res.Problems, want, i+1)
		}
	}
}

// A journal cut anywhere verifies as INCOMPLETE up to its last complete
// record, never as INTACT and never as altered.
func TestTruncatedJournalIsIncomplete(t *testing.T) {
	small, err := os.ReadFile(reporttest.WriteSmall(t, t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(reporttest.WriteSample(t, t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	// Every cut of the small journal; in the sample, cuts at, just after,
	// inside and just before the end of every line.
	type cut struct {
		data []byte
		n    int
	}
	var cuts []cut
	for n := 0; n < len(small); n++ {
		cuts = append(cuts, cut{small, n})
	}
	off := 0
	for _, l := range report.SplitJournal(data).Lines {
		for _, n := range []int{off, off + 1, off + len(l)/2, off + len(l)} {
			cuts = append(cuts, cut{data, n})
		}
		off += len(l) + 1
	}
	for _, c := range cuts {
		data, n := c.data, c.n
		res := verifyBytes(data[:n], trusted())
		complete := int64(bytes.Count(data[:n], []byte("\n")))
		if res.Status != report.Incomplete || res.Records != complete {
			t.Fatalf("Verify(first %d bytes) = %s, %d records %v; want INCOMPLETE with %d records", n, res.Status, res.Records, res.Problems, complete)
		}
		if n > 0 && data[n-1] != '\n' && firstProblem(res).Kind != report.ProblemTruncated {
			t.Fatalf("Verify(first %d bytes): first problem %v; want truncated", n, firstProblem(res))
		}
	}
	// Cut after the third drive record: the drives have no results and
	// are INCOMPLETE, never PASS.
	lines := readLines(t, reporttest.WriteSample(t, t.TempDir()))
	res := verifyBytes(join(lines[:8]), trusted())
	for _, d := range res.Run.Drives {
		if got := d.Assessment(res.Run.Start.Policy).Status; d.Result == nil && got != report.StatusIncomplete {
			t.Errorf("drive %d without result: status %s; want INCOMPLETE", d.Drive.ID, got)
		}
	}
	if got := res.Run.Drives[0].Result.Assessment.Status; got != report.StatusPass {
		t.Errorf("drive 1 (result recorded before the cut): status %s; want PASS", got)
	}
}

func TestWrongKeyRejected(t *testing.T) {
	path := reporttest.WriteSample(t, t.TempDir())
	for name, ring := range map[string]report.KeyRing{
		"other key": func() report.KeyRing {
			r := report.KeyRing{}
			r.Add(report.NewSigner(reporttest.OtherKey()).PublicKey())
			return r
		}(),
		"no key": {},
	} {
		res, err := report.VerifyFile(path, ring)
		if err != nil {
			t.Fatal(err)
		}
		if res.Status != report.Untrusted || firstProblem(res).Kind != report.ProblemUnknownKey || res.Trusted {
			t.Errorf("%s: Verify = %s %v; want UNTRUSTED unknown-key", name, res.Status, res.Problems)
		}
	}
}

// A journal written and signed by another key is not accepted even though
// it is internally consistent: the trust is in the key, not the chain.
func TestForgedJournalWithOtherKey(t *testing.T) {
	dir := t.TempDir()
	j, err := report.Create(dir, report.NewSigner(reporttest.OtherKey()), reporttest.Start(reporttest.PurgePolicy))
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
	if res.Status != report.Untrusted || firstProblem(res).Kind != report.ProblemUnknownKey {
		t.Errorf("Verify(forged) = %s %v; want UNTRUSTED unknown-key", res.Status, res.Problems)
	}
}

// A record lifted from another journal signed by the same key has a valid
// signature but does not chain.
func TestSplicedRecordDetected(t *testing.T) {
	a := readLines(t, reporttest.WriteSample(t, t.TempDir()))
	b := readLines(t, reporttest.WriteSmall(t, t.TempDir()))
	spliced := append([][]byte{}, a...)
	spliced[2] = b[2]
	res := verifyBytes(join(spliced), trusted())
	if p := firstProblem(res); res.Status != report.Invalid || p.Line != 3 {
		t.Errorf("Verify(spliced) = %s %v; want INVALID at line 3", res.Status, res.Problems)
	}
}

func TestUnsignedJournal(t *testing.T) {
	p := reporttest.PurgePolicy
	if _, err := report.Create(t.TempDir(), nil, reporttest.Start(p)); !errors.Is(err, report.ErrUnsigned) {
		t.Fatalf("Create(nil signer, policy without unsigned) error = %v; want ErrUnsigned", err)
	}
	p.Unsigned = true
	j, err := report.Create(t.TempDir(), nil, reporttest.Start(p))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := j.Drive(reporttest.NVMeDrive()); err != nil {
		t.Fatal(err)
	}
	if err := j.Seal(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(j.Path())
	if err != nil {
		t.Fatal(err)
	}
	res := verifyBytes(data, trusted())
	if res.Status != report.Untrusted || firstProblem(res).Kind != report.ProblemUnsigned || res.Records != 3 {
		t.Errorf("Verify(unsigned) = %s %v, %d records; want UNTRUSTED unsigned, 3 records", res.Status, res.Problems, res.Records)
	}
	// The chain still protects an unsigned journal against removal.
	lines := report.SplitJournal(data).Lines
	res = verifyBytes(join([][]byte{lines[0], lines[2]}), trusted())
	if firstProblem(res).Kind != report.ProblemRemoved {
		t.Errorf("Verify(unsigned, record removed): %v; want removed", res.Problems)
	}
}

func TestAppendAfterSeal(t *testing.T) {
	dir := t.TempDir()
	path := reporttest.WriteSmall(t, dir)
	j, err := report.Create(t.TempDir(), reporttest.Signer(), reporttest.Start(reporttest.PurgePolicy))
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Seal(); err != nil {
		t.Fatal(err)
	}
	if err := j.Note(report.Note{Text: "late"}); !errors.Is(err, report.ErrSealed) {
		t.Errorf("Note after Seal: error = %v; want ErrSealed", err)
	}
	if err := j.Seal(); !errors.Is(err, report.ErrSealed) {
		t.Errorf("Seal after Seal: error = %v; want ErrSealed", err)
	}
	// A line added to a sealed file is caught, even a validly signed one
	// taken from the same journal.
	lines := readLines(t, path)
	res := verifyBytes(join(append(append([][]byte{}, lines...), lines[1])), trusted())
	if p := firstProblem(res); res.Status != report.Invalid || p.Kind != report.ProblemAfterSeal || p.Line != len(lines)+1 {
		t.Errorf("Verify(line after seal) = %s %v; want INVALID after-seal at line %d", res.Status, res.Problems, len(lines)+1)
	}
	data := append(join(lines), "garbage"...)
	if res := verifyBytes(data, trusted()); firstProblem(res).Kind != report.ProblemAfterSeal {
		t.Errorf("Verify(bytes after seal) = %v; want after-seal", res.Problems)
	}
}

func TestCreateRefusesExistingJournal(t *testing.T) {
	dir := t.TempDir()
	st := reporttest.Start(reporttest.PurgePolicy)
	j, err := report.Create(dir, reporttest.Signer(), st)
	if err != nil {
		t.Fatal(err)
	}
	j.Close()
	if _, err := report.Create(dir, reporttest.Signer(), st); err == nil {
		t.Errorf("Create over an existing journal: no error")
	}
	st.RunID = "../escape"
	if _, err := report.Create(dir, reporttest.Signer(), st); err == nil {
		t.Errorf("Create with run id %q: no error", st.RunID)
	}
	// Generated run IDs are unique and name the file.
	st.RunID = ""
	j1, err := report.Create(dir, reporttest.Signer(), st)
	if err != nil {
		t.Fatal(err)
	}
	defer j1.Close()
	j2, err := report.Create(dir, reporttest.Signer(), st)
	if err != nil {
		t.Fatal(err)
	}
	defer j2.Close()
	if j1.RunID() == j2.RunID() || filepath.Base(j1.Path()) != j1.RunID()+".jsonl" {
		t.Errorf("generated run ids %q, %q (path %s); want distinct, naming the file", j1.RunID(), j2.RunID(), j1.Path())
	}
}

// Many workers append at once; the chain stays valid and each drive's
// records stay in the order its worker wrote them.
func TestConcurrentAppend(t *testing.T) {
	const drives, notes = 12, 40
	j, err := report.Create(t.TempDir(), reporttest.Signer(), reporttest.Start(reporttest.PurgePolicy))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, drives+notes)
	for i := 0; i < drives; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			d := reporttest.NVMeDrive()
			d.Identity.Serial = fmt.Sprintf("SER%02d", i)
			dl, err := j.Drive(d)
			if err != nil {
				errs <- err
				return
			}
			for k := 0; k < 3; k++ {
				n, err := dl.BeginAttempt(report.MethodNVMeSanitizeCryptoErase, time.Time{})
				if err != nil {
					errs <- err
					return
				}
				if _, err := dl.Attempt(report.Attempt{Attempt: n, Method: report.MethodNVMeSanitizeCryptoErase, Outcome: report.OutcomeFailed}); err != nil {
					errs <- err
					return
				}
			}
			if _, err := dl.Finish(report.Finish{}); err != nil {
				errs <- err
			}
		}(i)
	}
	for i := 0; i < notes; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if err := j.Note(report.Note{Text: fmt.Sprint("note ", i)}); err != nil {
				errs <- err
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if err := j.Seal(); err != nil {
		t.Fatal(err)
	}
	res, err := report.VerifyFile(j.Path(), trusted())
	if err != nil {
		t.Fatal(err)
	}
	wantRecords := int64(1 + drives*(1+3*2+1) + notes + 1)
	if res.Status != report.Intact || res.Records != wantRecords {
		t.Fatalf("Verify(concurrent) = %s %v, %d records; want INTACT, %d records", res.Status, res.Problems, res.Records, wantRecords)
	}
	serials := map[string]bool{}
	for _, d := range res.Run.Drives {
		serials[d.Drive.Identity.Serial] = true
		var nums []int
		for _, a := range d.Attempts {
			nums = append(nums, a.Attempt)
		}
		if diff := cmp.Diff([]int{1, 2, 3}, nums); diff != "" || d.Result == nil {
			t.Errorf("drive %d attempts (-want +got):\n%s (result %v)", d.Drive.ID, diff, d.Result != nil)
		}
	}
	if len(serials) != drives {
		t.Errorf("distinct drives = %d; want %d", len(serials), drives)
	}
}

// mutations are the single-byte changes tried at every position: bit flips
// that keep the byte printable ASCII in most cases (digits, letters,
// case), plus replacements with characters JSON treats specially.
var mutations = []func(byte) byte{
	func(b byte) byte { return b ^ 0x01 },
	func(b byte) byte { return b ^ 0x20 },
	func(b byte) byte {
		if b == ' ' {
			return '\t'
		}
		return ' '
	},
	func(b byte) byte {
		if b == '\n' {
			return '}'
		}
		return '\n'
	},
}

// Every single-byte change anywhere in a sealed journal is detected: the
// journal never verifies as INTACT afterwards.
func TestTamperEveryByte(t *testing.T) {
	data, err := os.ReadFile(reporttest.WriteSmall(t, t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	ring := trusted()
	if res := verifyBytes(data, ring); res.Status != report.Intact {
		t.Fatalf("Verify(small) = %s %v; want INTACT", res.Status, res.Problems)
	}
	if testing.Short() {
		t.Logf("-short: trying %d bytes with one mutation", len(data))
	}
	tried := 0
	buf := make([]byte, len(data))
	for i := range data {
		for k, m := range mutations {
			if testing.Short() && k > 0 {
				break
			}
			copy(buf, data)
			buf[i] = m(data[i])
			if buf[i] == data[i] {
				continue
			}
			tried++
			if res := verifyBytes(buf, ring); res.Status == report.Intact {
				t.Fatalf("byte %d changed %q -> %q: journal still INTACT", i, data[i], buf[i])
			}
		}
	}
	t.Logf("%d bytes, %d single-byte changes, all detected", len(data), tried)
}

func FuzzJournalTamper(f *testing.F) {
	dir := f.TempDir()
	data, err := os.ReadFile(reporttest.WriteSmall(f, dir))
	if err != nil {
		f.Fatal(err)
	}
	ring := report.KeyRing{}
	ring.Add(reporttest.Signer().PublicKey())
	for _, seed := range []struct {
		pos uint
		val byte
	}{{0, '['}, {10, '9'}, {uint(len(data) / 2), 'A'}, {uint(len(data) - 1), ' '}, {uint(len(data) - 3), '0'}, {200, 'x'}} {
		f.Add(seed.pos, seed.val)
	}
	f.Fuzz(func(t *testing.T, pos uint, val byte) {
		buf := append([]byte(nil), data...)
		i := int(pos % uint(len(buf)))
		if buf[i] == val {
			return
		}
		buf[i] = val
		res := report.Verify(report.SplitJournal(buf), ring)
		if res.Status == report.Intact {
			t.Fatalf("byte %d changed %q -> %q: journal still INTACT", i, data[i], val)
		}
	})
}

// BenchmarkAppend measures one signed, fsynced record (on the test's
// temporary file system; a USB stick is slower).
func BenchmarkAppend(b *testing.B) {
	j, err := report.Create(b.TempDir(), reporttest.Signer(), reporttest.Start(reporttest.PurgePolicy))
	if err != nil {
		b.Fatal(err)
	}
	defer j.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := j.Note(report.Note{Text: "progress 42%"}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerify measures verifying the 19-record sample journal.
func BenchmarkVerify(b *testing.B) {
	data, err := os.ReadFile(reporttest.WriteSample(b, b.TempDir()))
	if err != nil {
		b.Fatal(err)
	}
	ring := report.KeyRing{}
	ring.Add(reporttest.Signer().PublicKey())
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if res := report.Verify(report.SplitJournal(data), ring); !res.OK() {
			b.Fatal(res.Problems)
		}
	}
}
