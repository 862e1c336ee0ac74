package raid

import (
	"context"
	"fmt"
	"strings"

	"github.com/kesu-erase/kesu/ciss"
	"github.com/kesu-erase/kesu/erase/discover"
	"github.com/kesu-erase/kesu/scsi"
)

// CISS is the Backend of an HPE Smart Array (hpsa) or SmartPQI (smartpqi)
// controller: physical drives from REPORT PHYSICAL LUNS and BMIC IDENTIFY
// PHYSICAL DEVICE, volumes from REPORT LOGICAL LUNS, and every command to a
// drive by CISS pass-through to its LUN.
type CISS struct {
	C    *ciss.Controller
	Node string // the device node the ioctl goes through, for the record
	// nodeCloser closes the ioctl node (none in tests).
	nodeCloser
}

// Interface implements Backend.
func (b *CISS) Interface() string {
	return "CISS pass-through (CCISS_PASSTHRU) on " + b.Node
}

// Info implements Backend: CISS has no command kesu uses for the
// controller's own identity; sysfs gives model and firmware (discover.Host).
func (b *CISS) Info(context.Context) (Info, error) { return Info{}, nil }

func cissAddress(l ciss.LUN) string { return "LUN " + l.String() }

// Drives implements Backend: every disk the controller reports, hidden
// members of logical drives and spares included.
func (b *CISS) Drives(ctx context.Context) ([]PhysicalDrive, error) {
	pds, err := b.C.PhysicalDrives(ctx)
	if err != nil {
		return nil, err
	}
	var out []PhysicalDrive
	for _, p := range ciss.Disks(pds) {
		d := PhysicalDrive{Address: cissAddress(p.LUN), Serial: p.Serial, Model: p.Model, Problem: p.Problem}
		if p.Identify != nil {
			// The bay as ssacli prints it: port:box:bay (1I:1:3).
			d.Bay = p.Location()
			if p.Identify.Connector != "" {
				d.Bay = fmt.Sprintf("%s:%d:%d", p.Identify.Connector, p.Box, p.Bay)
			}
			d.SizeBytes = p.Identify.Capacity()
		}
		switch {
		case p.Hidden:
			d.State = "hidden by the controller (a logical drive's member or a spare)"
		default:
			d.State = "exposed to the host (HBA mode)"
		}
		d.hidden = p.Hidden
		out = append(out, d)
	}
	return out, nil
}

// Volumes implements Backend. CISS names no documented command that lists
// a logical drive's members: MembersKnown stays false; every physical
// drive is listed and reached all the same.
func (b *CISS) Volumes(ctx context.Context) ([]Volume, error) {
	lds, err := b.C.LogicalDrives(ctx)
	if err != nil {
		return nil, err
	}
	var out []Volume
	for _, ld := range lds {
		v := Volume{TargetID: int(ld.VolumeID), RAIDLevel: ld.RAID.String()}
		if ld.Problem != "" {
			v.State = "RAID level unknown: " + ld.Problem
		}
		out = append(out, v)
	}
	return out, nil
}

// Reach implements Backend.
func (b *CISS) Reach(address string) (scsi.Transport, int, error) {
	h, ok := strings.CutPrefix(address, "LUN ")
	if !ok {
		return nil, 0, fmt.Errorf("not a CISS address: %q", address)
	}
	lun, err := ciss.ParseLUN(h)
	if err != nil {
		return nil, 0, fmt.Errorf("not a CISS address: %q: %w", address, err)
	}
	return b.C.Passthrough(lun), ciss.MaxTransfer, nil
}

// exposedAs implements exposer: a drive the controller does not hide is a
// disk of the host (HBA mode); it is that disk of the same host whose
// unit serial number is the drive's.
func (b *CISS) exposedAs(host int, pd PhysicalDrive, disks []discover.Disk) (string, bool) {
	if pd.hidden {
		return "", false
	}
	if strings.TrimSpace(pd.Serial) == "" {
		return "", true
	}
	for _, d := range disks {
		if d.Volume == nil && d.Host != nil && *d.Host == host && strings.TrimSpace(d.Serial) == strings.TrimSpace(pd.Serial) {
			return d.Name, true
		}
	}
	return "", true
}
