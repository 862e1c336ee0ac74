package drive

import (
	"context"
	"errors"
	"fmt"

	"github.com/kesu-erase/kesu/erase"
	"github.com/kesu-erase/kesu/erase/discover"
	"github.com/kesu-erase/kesu/erase/worker"
	"github.com/kesu-erase/kesu/report"
	"github.com/kesu-erase/kesu/scsi"
)

// Reacher returns the transport to a drive behind a RAID controller and
// the largest transfer of one command (raid.Topology.Reach).
type Reacher func(discover.Disk) (scsi.Transport, int, error)

// ErrPassthroughRefused is wrapped in the error for a drive behind a RAID
// controller that does not pass kesu's commands to it.
var ErrPassthroughRefused = errors.New("controller refuses pass-through; switch it to HBA/JBOD mode (or make the drive JBOD), or erase the drive in another machine")

// OpenPassthrough builds the Drive for a physical drive behind a RAID
// controller: every command, the erase and the host I/O (READ(16) /
// WRITE(16) through scsi.BlockDevice) go through the controller's
// pass-through. INQUIRY decides between the ATA adapter (a SATA drive,
// reached through the controller's SATL) and the SCSI one. group, when
// set, makes the drive one of a group erased one after the other (a volume
// overwritten before its members). clock paces sanitize polling (nil: the
// system clock).
func OpenPassthrough(disk discover.Disk, reach Reacher, group string, clock scsi.Clock) (worker.Drive, error) {
	if disk.Passthrough == nil || reach == nil {
		return nil, fmt.Errorf("%s: not a drive behind a RAID controller", disk.Path)
	}
	rt, maxTransfer, err := reach(disk)
	if err != nil {
		return nil, err
	}
	// The transport belongs to the controller's interface, which the run
	// closes once: the adapters must not close it.
	t := transportOnly{rt}
	ctx, cancel := context.WithTimeout(context.Background(), identityTimeout)
	defer cancel()
	in, err := scsi.Inspect(ctx, scsi.NewDevice(t, disk.Path))
	if err != nil {
		if errors.Is(err, scsi.ErrControllerRefused) {
			return nil, fmt.Errorf("%s (%s): %w: %v", disk.Path, disk.Location.Bay, ErrPassthroughRefused, err)
		}
		return nil, fmt.Errorf("%s (%s): INQUIRY through the controller failed: %w", disk.Path, disk.Location.Bay, err)
	}
	through := fmt.Sprintf("%s host%d's pass-through to %s", disk.Passthrough.Driver, disk.Passthrough.Host, disk.Passthrough.Address)
	block := func(write bool) (erase.Target, error) {
		ctx, cancel := context.WithTimeout(context.Background(), identityTimeout)
		defer cancel()
		b, err := scsi.OpenBlockDevice(ctx, scsi.NewDevice(t, disk.Path), disk.Path, maxTransfer, write)
		if err != nil {
			return nil, err
		}
		b.Via = through
		return b, nil
	}
	var d worker.Drive
	if in.IsATA() {
		d = NewATA(disk, t, block, ATAOptions{Via: "the controller's SATL, " + through, Clock: clock})
	} else {
		s := NewSCSI(disk, t, block, clock)
		s.SetVia(through)
		d = s
	}
	return behindController{Drive: d, disk: disk, group: group}, nil
}

// transportOnly hides every method of a transport but Exec.
type transportOnly struct{ t scsi.Transport }

func (o transportOnly) Exec(ctx context.Context, c *scsi.Command) (*scsi.Response, error) {
	return o.t.Exec(ctx, c)
}

// behindController marks a drive's identity with the controller it sits
// behind and how it was reached.
type behindController struct {
	worker.Drive
	disk  discover.Disk
	group string
}

// PSIDRevert implements worker.PSIDReverter through the drive's adapter.
func (b behindController) PSIDRevert(ctx context.Context, psid []byte) ([]report.TCGStep, error) {
	r, ok := b.Drive.(worker.PSIDReverter)
	if !ok {
		return nil, errNoTCG
	}
	return r.PSIDRevert(ctx, psid)
}

// Probe implements worker.Drive.
func (b behindController) Probe(ctx context.Context) (*worker.Probe, error) {
	p, err := b.Drive.Probe(ctx)
	if p != nil {
		pt := b.disk.Passthrough
		// Access and the controller are marked by the worker from the
		// disk (markAccess); the bay and path are the controller's names.
		p.Identity.Bay, p.Identity.Path = b.disk.Location.Bay, b.disk.Path
		p.Notes = append(p.Notes, fmt.Sprintf("reached through %s host%d's pass-through at %s; the controller reports it %s",
			pt.Driver, pt.Host, pt.Address, orUnknown(pt.State)))
		if len(pt.Volumes) > 0 {
			p.Notes = append(p.Notes, fmt.Sprintf("member of logical volume(s) %v: after this erase the controller may write its configuration metadata back to the drive; the read-back verification covers every block the host addresses, so metadata written back inside it fails the drive", pt.Volumes))
		}
	}
	return p, err
}

// Group implements worker.Grouper.
func (b behindController) Group() string { return b.group }

func orUnknown(s string) string {
	if s == "" {
		return "in an unknown state"
	}
	return s
}

// Grouped makes d one of a group of drives erased one after the other
// (worker.Grouper): a RAID volume overwritten as a volume and its member
// drives erased through the controller.
func Grouped(d worker.Drive, group string) worker.Drive {
	if group == "" {
		return d
	}
	return grouped{Drive: d, group: group}
}

type grouped struct {
	worker.Drive
	group string
}

// Group implements worker.Grouper.
func (g grouped) Group() string { return g.group }
