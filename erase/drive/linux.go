//go:build linux

package drive

import (
	"context"
	"fmt"
	"sync"

	"github.com/kesu-erase/kesu/erase"
	"github.com/kesu-erase/kesu/erase/discover"
	"github.com/kesu-erase/kesu/erase/worker"
	"github.com/kesu-erase/kesu/nvme"
	"github.com/kesu-erase/kesu/scsi"
)

// Opener builds the worker's Drive for a discovered disk, choosing the
// adapter by the disk's sysfs transport, never by trial commands (some USB
// bridges break on ATA or NVMe pass-through):
//
//   - NVMe: the NVMe adapter over the admin passthrough on the namespace;
//     namespaces of one controller share a lock, so their firmware commands
//     run one at a time;
//   - SATA (libata): the ATA adapter over SG_IO;
//   - SAS, other SCSI, virtio-scsi: INQUIRY and the VPD pages decide —
//     an ATA drive behind a SATL gets the ATA adapter, others the SCSI one;
//   - eMMC with hardware partitions: the user data area and its boot and
//     general-purpose partitions as one target (MMC);
//   - a RAID controller's logical volume: the block layer only (its
//     physical drives are reached through OpenPassthrough);
//   - USB, virtio-blk, SD cards and anything unknown: the block layer only.
//
// Opening sends no command that changes a drive: nothing for NVMe and
// SATA, and scsi.Inspect's read-only commands for SAS/SCSI. The block
// device is opened only when the worker calls Drive.Open (for writing only
// for drives it erases, with O_EXCL).
type Opener struct {
	// SCSI opens the SG_IO transport of a SCSI, SAS or SATA disk.
	SCSI func(path string) (scsi.Transport, error)
	// NVMe opens the admin passthrough on a namespace block device and
	// returns the namespace's ID.
	NVMe func(path string) (nvme.Transport, uint32, error)
	// Block returns the host I/O opener of a block device.
	Block func(path string) BlockOpener
	// SysRoot is where sysfs is found (SysRoot/sys/...), for capacity
	// rescans after hidden areas are restored.
	SysRoot string

	mu    sync.Mutex
	locks map[string]chan struct{}
}

// NewOpener returns an Opener for this machine. SG_IO handles are opened
// read-only: as root (CAP_SYS_RAWIO) every command passes SG_IO on a
// read-only descriptor (block/scsi_ioctl.c scsi_cmd_allowed), a
// write-protected disk can still be probed, and no writable descriptor is
// held before the worker opens the block device for writing.
func NewOpener() *Opener {
	return &Opener{
		SCSI: func(path string) (scsi.Transport, error) { return scsi.OpenReadOnly(path) },
		NVMe: func(path string) (nvme.Transport, uint32, error) {
			t, err := nvme.Open(path)
			if err != nil {
				return nil, 0, err
			}
			nsid, err := t.NamespaceID()
			if err != nil {
				t.Close()
				return nil, 0, fmt.Errorf("%s: namespace ID: %w", path, err)
			}
			return t, nsid, nil
		},
		Block:   OpenBlock,
		SysRoot: "/",
	}
}

var machine = NewOpener()

// Open builds the Drive for a disk of this machine (see Opener).
func Open(disk discover.Disk) (worker.Drive, error) { return machine.Open(disk) }

// Open builds the Drive for disk.
func (o *Opener) Open(disk discover.Disk) (worker.Drive, error) {
	block := o.Block(disk.Path)
	if disk.Volume != nil {
		// A RAID controller's logical volume: the block layer only, never
		// a firmware command (a SANITIZE or FORMAT UNIT sent to a volume
		// is the controller's to interpret, or refuse).
		return NewPlain(disk, block), nil
	}
	if disk.Passthrough != nil {
		return nil, fmt.Errorf("%s: a drive behind a RAID controller opens through its controller (OpenPassthrough)", disk.Path)
	}
	switch disk.Transport {
	case discover.NVMe:
		t, nsid, err := o.NVMe(disk.Path)
		if err != nil {
			return nil, err
		}
		return NewNVMe(disk, t, nsid, block, nil, o.controllerLock(disk)), nil
	case discover.SATA:
		t, err := o.SCSI(disk.Path)
		if err != nil {
			return nil, err
		}
		return NewATA(disk, t, block, ATAOptions{Rescan: SysfsRescan(o.SysRoot, disk.Name), Via: "libata"}), nil
	case discover.SAS, discover.SCSI, discover.VirtioSCSI:
		t, err := o.SCSI(disk.Path)
		if err != nil {
			return nil, err
		}
		in, err := scsi.Inspect(context.Background(), scsi.NewDevice(t, disk.Path))
		if err != nil {
			closeTransport(t)
			return notedDrive{Drive: NewPlain(disk, block),
				note: fmt.Sprintf("INQUIRY through SG_IO failed (%v): kesu reaches this drive through the block layer only", err)}, nil
		}
		if in.IsATA() {
			via := "the SAS HBA's SATL"
			if disk.Transport != discover.SAS {
				via = fmt.Sprintf("the SATL of the %s host", disk.Transport)
			}
			return NewATA(disk, t, block, ATAOptions{Rescan: SysfsRescan(o.SysRoot, disk.Name), Via: via}), nil
		}
		return NewSCSI(disk, t, block, nil), nil
	case discover.MMC:
		if len(disk.HWPartitions) > 0 {
			openPart := func(p discover.HWPartition, write bool) (erase.Target, error) { return o.Block(p.Path)(write) }
			return NewMMC(disk, block, openPart, SysfsForceRO(o.SysRoot)), nil
		}
	}
	return NewPlain(disk, block), nil
}

// controllerLock returns the lock shared by all namespaces of the disk's
// NVMe controller.
func (o *Opener) controllerLock(disk discover.Disk) chan struct{} {
	key := nvmeController(disk)
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.locks == nil {
		o.locks = map[string]chan struct{}{}
	}
	l, ok := o.locks[key]
	if !ok {
		l = make(chan struct{}, 1)
		o.locks[key] = l
	}
	return l
}

func closeTransport(t any) {
	if c, ok := t.(interface{ Close() error }); ok {
		c.Close()
	}
}

// notedDrive adds a note to a drive's probe: why it is driven the way it is.
type notedDrive struct {
	worker.Drive
	note string
}

// Probe implements worker.Drive.
func (n notedDrive) Probe(ctx context.Context) (*worker.Probe, error) {
	p, err := n.Drive.Probe(ctx)
	if p != nil {
		p.Notes = append(p.Notes, n.note)
	}
	return p, err
}
