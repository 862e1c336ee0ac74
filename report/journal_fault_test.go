package report

import (
	"crypto/ed25519"
	"errors"
	"os"
	"syscall"
	"testing"
	"time"
)

// faultFile wraps the journal's file and fails on command.
type faultFile struct {
	f          *os.File
	shortAfter int   // on the next write, write only this many bytes then fail (-1: off)
	syncErr    error // returned by Sync when set
	truncErr   error // returned by Truncate when set
}

func (w *faultFile) Write(b []byte) (int, error) {
	if w.shortAfter >= 0 {
		n, _ := w.f.Write(b[:min(w.shortAfter, len(b))])
		return n, syscall.ENOSPC
	}
	return w.f.Write(b)
}

func (w *faultFile) Sync() error {
	if w.syncErr != nil {
		return w.syncErr
	}
	return w.f.Sync()
}

func (w *faultFile) Truncate(n int64) error {
	if w.truncErr != nil {
		return w.truncErr
	}
	return w.f.Truncate(n)
}

func (w *faultFile) Close() error { return w.f.Close() }

func testSigner() *Signer {
	return NewSigner(ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize)))
}

func testStart() RunStart {
	return RunStart{RunID: "fault", Policy: Policy{Level: LevelClear, Verify: VerifyPolicy{Mode: VerifyNone}}}
}

// newFaultJournal creates a journal with two records (run-start, a note)
// and swaps in a fault-injecting file.
func newFaultJournal(t *testing.T) (*Journal, *faultFile) {
	t.Helper()
	clk := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	j, err := CreateWith(t.TempDir(), testSigner(), testStart(), Options{Now: func() time.Time { return clk }})
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Note(Note{Text: "before the failure"}); err != nil {
		t.Fatal(err)
	}
	ff := &faultFile{f: j.f.(*os.File), shortAfter: -1}
	j.f = ff
	t.Cleanup(func() { j.Close() })
	return j, ff
}

func verifyPath(t *testing.T, path string) *Result {
	t.Helper()
	ring := KeyRing{}
	ring.Add(testSigner().PublicKey())
	res, err := VerifyFile(path, ring)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// A short write (stick full) is returned at once, every later call fails,
// and the file is cut back to its last complete record.
func TestShortWriteFailsJournalKeepsRecords(t *testing.T) {
	j, ff := newFaultJournal(t)
	ff.shortAfter = 17
	err := j.Note(Note{Text: "this record does not fit"})
	if !errors.Is(err, ErrJournalFailed) || !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Note on a full stick: error = %v; want ErrJournalFailed wrapping ENOSPC", err)
	}
	var we *WriteError
	if !errors.As(err, &we) || we.Op != "write" || we.Seq != 2 {
		t.Errorf("Note on a full stick: error = %#v; want *WriteError{Op: write, Seq: 2}", err)
	}
	ff.shortAfter = -1
	if _, err := j.Drive(Drive{Class: ClassOther}); !errors.Is(err, ErrJournalFailed) {
		t.Errorf("Drive after a failure: error = %v; want ErrJournalFailed", err)
	}
	if err := j.Seal(); !errors.Is(err, ErrJournalFailed) {
		t.Errorf("Seal after a failure: error = %v; want ErrJournalFailed", err)
	}
	res := verifyPath(t, j.Path())
	if res.Status != Incomplete || res.Records != 2 || res.Problems[0].Kind != ProblemUnsealed {
		t.Errorf("Verify after a short write = %s %v, %d records; want INCOMPLETE unsealed, 2 records", res.Status, res.Problems, res.Records)
	}
}

// When the partial line cannot be cut off, the verifier reads it as a
// truncation: the earlier records still verify.
func TestShortWriteWithoutTruncateVerifiesAsTruncated(t *testing.T) {
	j, ff := newFaultJournal(t)
	ff.shortAfter = 40
	ff.truncErr = syscall.EIO
	if err := j.Note(Note{Text: "cut"}); !errors.Is(err, ErrJournalFailed) {
		t.Fatalf("Note: error = %v; want ErrJournalFailed", err)
	}
	res := verifyPath(t, j.Path())
	if res.Status != Incomplete || res.Records != 2 || res.Problems[0].Kind != ProblemTruncated {
		t.Errorf("Verify = %s %v, %d records; want INCOMPLETE truncated, 2 records", res.Status, res.Problems, res.Records)
	}
}

func TestFsyncFailureFailsJournal(t *testing.T) {
	j, ff := newFaultJournal(t)
	ff.syncErr = syscall.EIO
	err := j.Note(Note{Text: "not durable"})
	var we *WriteError
	if !errors.As(err, &we) || we.Op != "fsync" || !errors.Is(err, syscall.EIO) {
		t.Fatalf("Note with failing fsync: error = %v; want *WriteError{Op: fsync} wrapping EIO", err)
	}
	ff.syncErr = nil
	if err := j.Note(Note{Text: "after"}); !errors.Is(err, ErrJournalFailed) {
		t.Errorf("Note after fsync failure: error = %v; want ErrJournalFailed", err)
	}
	if j.Err() == nil {
		t.Errorf("Err() = nil after a failure")
	}
}

// A record that does not fit the run is refused before anything is written.
func TestInvalidRecordRefusedBeforeWriting(t *testing.T) {
	j, _ := newFaultJournal(t)
	before, _ := os.ReadFile(j.Path())
	dl := &DriveLog{j: j, id: 7}
	if err := dl.Verification(Verification{Attempt: 1}); err == nil {
		t.Errorf("Verification for an unknown drive: no error")
	}
	d, err := j.Drive(Drive{Class: ClassOther})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Verification(Verification{Attempt: 1}); err == nil {
		t.Errorf("Verification of an attempt that never ran: no error")
	}
	if _, err := d.Attempt(Attempt{Attempt: 5, Method: MethodOverwrite}); err == nil {
		t.Errorf("Attempt numbered 5 with none started: no error")
	}
	if _, err := d.Finish(Finish{}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.BeginAttempt(MethodOverwrite, time.Time{}); err == nil {
		t.Errorf("BeginAttempt after the drive's result: no error")
	}
	if j.Err() != nil {
		t.Errorf("refused records failed the journal: %v", j.Err())
	}
	after, _ := os.ReadFile(j.Path())
	if got := len(SplitJournal(after).Lines) - len(SplitJournal(before).Lines); got != 2 {
		t.Errorf("records written = %d; want 2 (the drive and its result)", got)
	}
}
