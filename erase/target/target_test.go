package target

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kesu-erase/kesu/erase/discover"
	"github.com/kesu-erase/kesu/erase/worker"
	"github.com/kesu-erase/kesu/report"
)

// A directory, and a file smaller than one block, are refused before
// anything is opened for writing.
func TestOpenRefuses(t *testing.T) {
	dir := t.TempDir()
	tiny := filepath.Join(dir, "tiny.img")
	if err := os.WriteFile(tiny, []byte("abc"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ path, want string }{
		{dir, "is a directory; kesu erases block devices and regular files"},
		{tiny, "holds 3 bytes, less than one 512-byte block"},
	} {
		d, err := Open(tc.path, true, true)
		if d != nil {
			d.Close()
		}
		if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Open(%s) = %v; want refused, %q", tc.path, err, tc.want)
		}
	}
	if b, _ := os.ReadFile(tiny); string(b) != "abc" {
		t.Errorf("the refused file now holds %q", b)
	}
}

// A journal can go in a directory that exists, or under one; never where
// a file stands in the path.
func TestCheckRecordDir(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, ok := range []string{dir, filepath.Join(dir, "records", "2026")} {
		if err := CheckRecordDir(ok); err != nil {
			t.Errorf("CheckRecordDir(%s) = %v; want nil", ok, err)
		}
	}
	if err := CheckRecordDir(file); err == nil || !strings.Contains(err.Error(), file+" is not a directory") {
		t.Errorf("CheckRecordDir(a file) = %v; want %s is not a directory", err, file)
	}
	if err := CheckRecordDir(filepath.Join(file, "records")); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("CheckRecordDir(under a file) = %v; want not a directory", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "records")); !os.IsNotExist(err) {
		t.Errorf("CheckRecordDir created %s (%v); it must create nothing", filepath.Join(dir, "records"), err)
	}
}

// The drive probed under the record must be the one shown: same serial,
// WWN and size.
func TestChangedDrive(t *testing.T) {
	shown := report.Identity{Serial: "KS01", WWN: "5000c500a1b2c3d4", CapacityBytes: 1 << 30}
	same := &worker.Target{Disk: discover.Disk{Path: "/dev/sdb"}, Probe: &worker.Probe{Identity: shown}}
	if why := ChangedDrive(shown, same); why != "" {
		t.Errorf("ChangedDrive(same drive) = %q; want \"\"", why)
	}
	other := shown
	other.Serial = "KS02"
	swapped := &worker.Target{Disk: discover.Disk{Path: "/dev/sdb"}, Probe: &worker.Probe{Identity: other}}
	if why := ChangedDrive(shown, swapped); !strings.Contains(why, `the drive at /dev/sdb changed after it was shown (serial "KS02"`) {
		t.Errorf("ChangedDrive(other serial) = %q; want it named", why)
	}
}
