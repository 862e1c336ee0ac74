package report

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// On a real file system that fills up, Append returns the error at once and
// the journal written so far still verifies (INCOMPLETE, not INVALID).
func TestJournalOnFullFilesystem(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting a tmpfs needs root")
	}
	mnt := t.TempDir()
	if err := unix.Mount("kesu-full-test", mnt, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "size=16k,mode=0755"); err != nil {
		t.Skipf("mount tmpfs: %v", err)
	}
	mounted := true
	unmount := func() {
		if mounted {
			if err := unix.Unmount(mnt, 0); err != nil {
				t.Errorf("unmount %s: %v", mnt, err)
			}
			mounted = false
		}
	}
	defer unmount()

	j, err := Create(filepath.Join(mnt, "records"), testSigner(), testStart())
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Repeat("x", 700)
	var werr error
	written := 1
	for i := 0; i < 200; i++ {
		if werr = j.Note(Note{Text: text}); werr != nil {
			break
		}
		written++
	}
	if !errors.Is(werr, ErrJournalFailed) || !errors.Is(werr, syscall.ENOSPC) {
		t.Fatalf("Note on a full tmpfs: error = %v after %d records; want ErrJournalFailed wrapping ENOSPC", werr, written)
	}
	if err := j.Note(Note{Text: "x"}); !errors.Is(err, ErrJournalFailed) {
		t.Errorf("Note after the failure: error = %v; want ErrJournalFailed", err)
	}
	j.Close()
	data, err := os.ReadFile(j.Path())
	if err != nil {
		t.Fatal(err)
	}
	unmount()

	ring := KeyRing{}
	ring.Add(testSigner().PublicKey())
	res := Verify(SplitJournal(data), ring)
	if res.Status != Incomplete || res.Records != int64(written) {
		t.Errorf("Verify(journal from the full tmpfs) = %s %v, %d records; want INCOMPLETE, %d records", res.Status, res.Problems, res.Records, written)
	}
	t.Logf("%d records (%d bytes) fit before ENOSPC; verifier: %s %v", written, len(data), res.Status, res.Problems)
}
