// Package loopdev creates loop block devices over files for tests, so that
// tests exercise real block-device I/O on devices they made themselves and
// never on any other device of the machine.
package loopdev

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Device is a loop device attached to a backing file.
type Device struct {
	Path    string // /dev/loopN
	Backing string // the file behind it
}

// Available reports why loop devices cannot be used here, or "" if they can.
func Available() string {
	if os.Geteuid() != 0 {
		return "loop devices need root"
	}
	if _, err := exec.LookPath("losetup"); err != nil {
		return "losetup not found"
	}
	if _, err := os.Stat("/dev/loop-control"); err != nil {
		return "no /dev/loop-control"
	}
	return ""
}

// New creates a sparse file of size bytes in dir (a temp dir when empty) and
// attaches a loop device with the given logical sector size (0 = 512). The
// test is skipped when loop devices are unavailable; the device is detached
// and the file removed when the test ends.
func New(t testing.TB, dir string, size int64, sectorSize int) *Device {
	t.Helper()
	if why := Available(); why != "" {
		t.Skip(why)
	}
	if dir == "" {
		dir = t.TempDir()
	}
	f, err := os.CreateTemp(dir, "kesu-loop-*.img")
	if err != nil {
		t.Fatal(err)
	}
	name := f.Name()
	t.Cleanup(func() { os.Remove(name) })
	if err := f.Truncate(size); err != nil {
		f.Close()
		t.Fatal(err)
	}
	f.Close()
	return AttachFile(t, name, sectorSize)
}

// AttachFile attaches a loop device to an existing file and detaches it
// when the test ends (cleanups registered later, such as an unmount, run
// before it).
func AttachFile(t testing.TB, file string, sectorSize int) *Device {
	t.Helper()
	d, err := Attach(file, sectorSize)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := d.Detach(); err != nil {
			t.Errorf("detach %s: %v", d.Path, err)
		}
	})
	return d
}

// Attach attaches a loop device to file.
func Attach(file string, sectorSize int) (*Device, error) {
	return attach(file, sectorSize, false)
}

// AttachDirect attaches a loop device to file with direct I/O on (losetup
// --direct-io=on): its reads and writes reach the file's filesystem and
// disk, not the page cache.
func AttachDirect(file string, sectorSize int) (*Device, error) {
	return attach(file, sectorSize, true)
}

func attach(file string, sectorSize int, direct bool) (*Device, error) {
	args := []string{"--find", "--show"}
	if direct {
		args = append(args, "--direct-io=on")
	}
	if sectorSize != 0 {
		args = append(args, "--sector-size", fmt.Sprint(sectorSize))
	}
	abs, err := filepath.Abs(file)
	if err != nil {
		return nil, err
	}
	out, err := exec.Command("losetup", append(args, abs)...).CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("losetup %s: %v: %s", abs, err, strings.TrimSpace(string(out)))
	}
	return &Device{Path: strings.TrimSpace(string(out)), Backing: abs}, nil
}

// Detach detaches the loop device.
func (d *Device) Detach() error {
	out, err := exec.Command("losetup", "--detach", d.Path).CombinedOutput()
	if err != nil {
		return fmt.Errorf("losetup --detach %s: %v: %s", d.Path, err, strings.TrimSpace(string(out)))
	}
	return nil
}

// DirectIO reports whether the loop device bypasses its backing file's page
// cache, as the kernel says (/sys/block/loopN/loop/dio): losetup's
// --direct-io=on is a request the kernel may not grant.
func (d *Device) DirectIO() (bool, error) {
	b, err := os.ReadFile(filepath.Join("/sys/block", filepath.Base(d.Path), "loop", "dio"))
	if err != nil {
		return false, err
	}
	switch strings.TrimSpace(string(b)) {
	case "1":
		return true, nil
	case "0":
		return false, nil
	}
	return false, fmt.Errorf("%s: loop/dio reads %q", d.Path, strings.TrimSpace(string(b)))
}
