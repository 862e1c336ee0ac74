package report

import (
	"bytes"
	"errors"
	"syscall"
	"testing"
)

// A record whose write or fsync fails is not passed to OnRecord, nor is
// anything after it; the records before it were.
func TestOnRecordNotCalledForFailedRecord(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fault func(*faultFile)
	}{
		{"write", func(f *faultFile) { f.shortAfter = 5 }},
		{"fsync", func(f *faultFile) { f.syncErr = syscall.EIO }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			j, ff := newFaultJournal(t)
			var lines [][]byte
			j.mu.Lock()
			j.onRecord = func(_ string, seq int64, line []byte) {
				if seq != int64(len(lines))+2 {
					t.Errorf("OnRecord got seq %d; want %d", seq, len(lines)+2)
				}
				lines = append(lines, bytes.Clone(line))
			}
			j.notified = j.synced
			j.mu.Unlock()
			if err := j.Note(Note{Text: "kept"}); err != nil {
				t.Fatal(err)
			}
			if len(lines) != 1 || !bytes.Contains(lines[0], []byte("kept")) {
				t.Fatalf("OnRecord saw %q; want the one record written", lines)
			}
			tc.fault(ff)
			if err := j.Note(Note{Text: "lost"}); !errors.Is(err, ErrJournalFailed) {
				t.Fatalf("Note after a %s failure = %v; want ErrJournalFailed", tc.name, err)
			}
			if err := j.Seal(); err == nil {
				t.Fatal("Seal of a failed journal succeeded")
			}
			if len(lines) != 1 {
				t.Errorf("OnRecord saw %d records; want only the one written before the failure", len(lines))
			}
		})
	}
}
