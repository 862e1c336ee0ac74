package report

import (
	"errors"
	"os"
	"syscall"
	"testing"
)

// A journal whose run-start record cannot be written leaves no file: an
// empty (or cut) journal would look like a run that started. It used to
// leave a 0-byte <run-id>.jsonl.
func TestCreateFailingLeavesNoFile(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fault faultFile
		want  error
	}{
		{"nothing written", faultFile{shortAfter: 0}, syscall.ENOSPC},
		{"part written", faultFile{shortAfter: 40}, syscall.ENOSPC},
		{"fsync fails", faultFile{shortAfter: -1, syncErr: syscall.EIO}, syscall.EIO},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			ff := tc.fault
			j, err := CreateWith(dir, testSigner(), testStart(), Options{wrapFile: func(f *os.File) journalFile {
				ff.f = f
				return &ff
			}})
			if err == nil {
				j.Close()
			}
			if !errors.Is(err, ErrJournalFailed) || !errors.Is(err, tc.want) {
				t.Errorf("CreateWith(failing file) error = %v; want ErrJournalFailed wrapping %v", err, tc.want)
			}
			if ents, _ := os.ReadDir(dir); len(ents) != 0 {
				t.Errorf("CreateWith(failing file) left %d file(s) behind, e.g. %s", len(ents), ents[0].Name())
			}
		})
	}
}
