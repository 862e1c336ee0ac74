package main

import (
	"github.com/kesu-erase/kesu/internal/tmpfstest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A record that cannot start (the stick is full) refuses the erase and
// leaves no 0-byte journal behind.
func TestEraseRecordCannotStartLeavesNoJournal(t *testing.T) {
	mnt := tmpfstest.Full(t, "kesu-full-stick")
	target := filepath.Join(t.TempDir(), "target.img")
	if err := os.WriteFile(target, make([]byte, 1<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	fillFile(t, target, 0x5a)
	records := filepath.Join(mnt, "records")
	_, stderr, code := kesu(t, "erase", "--device", target, "--yes", "--journal", records, "--unsigned")
	if code != exitRefused || !strings.Contains(stderr, "the record could not be started") {
		t.Errorf("kesu erase --journal on a full stick: exit %d, stderr %q; want %d, record not started", code, stderr, exitRefused)
	}
	if ents, _ := os.ReadDir(records); len(ents) != 0 {
		t.Errorf("kesu erase left %s in the record directory", ents[0].Name())
	}
	if !allBytes(t, target, 0x5a) {
		t.Error("the target was written although the record could not start")
	}
}
