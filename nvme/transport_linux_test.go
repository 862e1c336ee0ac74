//go:build linux

package nvme

import (
	"context"
	"errors"
	"os"
	"syscall"
	"testing"

	"github.com/kesu-erase/kesu/internal/loopdev"
)

// TestLinuxTransportOnLoop drives the real ioctls against a loop device this
// test creates (never any other device): NVMe ioctls must fail with an errno
// (the loop driver answers EINVAL for ioctls it does not know) and come back
// as a *CommandError without status; BLKFLSBUF must succeed,
// which proves its request number against the running kernel.
func TestLinuxTransportOnLoop(t *testing.T) {
	if testing.Short() {
		t.Skip("needs a loop device")
	}
	loop := loopdev.New(t, "", 1<<20, 512)
	f, err := os.Open(loop.Path)
	if err != nil {
		t.Fatal(err)
	}
	tr := &LinuxTransport{path: loop.Path, f: f, paths: Paths{Controller: loop.Path, Namespaces: []string{loop.Path}}}
	defer tr.Close()

	d := NewDevice(tr, loop.Path)
	_, err = d.IdentifyController(context.Background())
	var ce *CommandError
	var errno syscall.Errno
	if !errors.As(err, &ce) || ce.Status != 0 || !errors.As(err, &errno) {
		t.Errorf("IdentifyController on a loop device error %v; want *CommandError wrapping an errno", err)
	}
	if _, err := tr.NamespaceID(); !errors.As(err, &errno) {
		t.Errorf("NamespaceID on a loop device error %v; want an errno", err)
	}

	rep := tr.Rescan(context.Background())
	if len(rep.Steps) != 3 {
		t.Fatalf("Rescan steps = %+v; want NVME_IOCTL_RESCAN, BLKFLSBUF, BLKRRPART", rep.Steps)
	}
	if s := rep.Steps[0]; s.Action != "NVME_IOCTL_RESCAN" || s.Err == "" {
		t.Errorf("NVME_IOCTL_RESCAN on a loop device = %+v; want a recorded error", s)
	}
	if s := rep.Steps[1]; s.Action != "BLKFLSBUF" || s.Err != "" {
		t.Errorf("BLKFLSBUF on a loop device = %+v; want success", s)
	}
	if rep.OK() {
		t.Errorf("Rescan report with a failed controller rescan: OK() = true; want false")
	}

	missing := (&LinuxTransport{paths: Paths{Controller: "/dev/nonexistent-nvme9", Namespaces: []string{}}}).Rescan(context.Background())
	if len(missing.Steps) != 1 || missing.Steps[0].Err == "" || missing.OK() {
		t.Errorf("Rescan of a missing controller = %+v; want one failed step", missing)
	}
}
