//go:build linux

package probe

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/kesu-erase/kesu/scsi"
	"golang.org/x/sys/unix"
)

// refusingSG is a device whose driver does not implement SG_IO: the ioctl
// fails with ENOTTY, as Linux answers for a block driver without it.
type refusingSG struct{ calls int }

func (r *refusingSG) Exec(ctx context.Context, cmd *scsi.Command) (*scsi.Response, error) {
	r.calls++
	return nil, &os.PathError{Op: "SG_IO", Path: "/dev/sdq", Err: unix.ENOTTY}
}
func (r *refusingSG) Close() error { return nil }

// TestProbeSGIORefusedFallsBackToSysfs: a disk whose SG_IO is refused gets
// its sysfs identity and the note, not an error.
func TestProbeSGIORefusedFallsBackToSysfs(t *testing.T) {
	dev := &refusingSG{}
	m := machine{probeTree(), func(string) (SCSITransport, error) { return dev, nil }}
	var out bytes.Buffer
	if err := m.run(Options{Device: "/dev/sdq"}, &out); err != nil {
		t.Fatalf("kesu probe: %v", err)
	}
	if dev.calls != 1 || !strings.Contains(out.String(), "no pass-through: identity from sysfs") ||
		!strings.Contains(out.String(), "SG_IO refused by the driver") || !strings.Contains(out.String(), "KESU SATA DISK") {
		t.Errorf("%d SG_IO calls; output:\n%s", dev.calls, out.String())
	}
	// Not every error is a refusal: EIO from a present but failing path
	// stays an error.
	if refusedPassThrough(&os.PathError{Op: "SG_IO", Err: unix.EIO}) || !refusedPassThrough(&os.PathError{Op: "SG_IO", Err: unix.EINVAL}) {
		t.Errorf("refusedPassThrough(EIO, EINVAL) wrong")
	}
}
