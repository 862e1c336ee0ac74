package loopdev

import (
	"os"
	"path/filepath"
	"testing"
)

// The kernel's word on direct I/O: granted when asked for a file on the
// root filesystem (where the bench puts its disk-backed device), off when
// not asked.
func TestDirectIO(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("loop devices need root")
	}
	for _, direct := range []bool{true, false} {
		dir, err := os.MkdirTemp("/var/tmp", "kesu-loopdev-test-")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(dir) })
		file := filepath.Join(dir, "backing.img")
		if err := os.WriteFile(file, make([]byte, 1<<20), 0o644); err != nil {
			t.Fatal(err)
		}
		d, err := attach(file, 0, direct)
		if err != nil {
			t.Fatal(err)
		}
		got, err := d.DirectIO()
		d.Detach()
		if err != nil || got != direct {
			t.Errorf("asked for direct I/O %v: loop/dio says %v (%v)", direct, got, err)
		}
	}
	if _, err := (&Device{Path: "/dev/loop-none"}).DirectIO(); err == nil {
		t.Error("DirectIO of a device that does not exist gave no error")
	}
}
