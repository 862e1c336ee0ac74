package drive

import (
	"context"
	"fmt"

	"github.com/kesu-erase/kesu/erase"
	"github.com/kesu-erase/kesu/erase/discover"
	"github.com/kesu-erase/kesu/erase/plan"
	"github.com/kesu-erase/kesu/erase/worker"
	"github.com/kesu-erase/kesu/report"
)

// Plain is a drive kesu reaches only through the block layer: virtio-blk,
// MMC/SD, drives behind USB bridges (no pass-through is tried: some bridges
// break on it), and anything unknown. Host overwrite is its only method.
type Plain struct {
	disk  discover.Disk
	block BlockOpener
}

// NewPlain wraps a disk reached through the block layer only.
func NewPlain(disk discover.Disk, block BlockOpener) *Plain { return &Plain{disk: disk, block: block} }

// Name implements worker.Drive.
func (p *Plain) Name() string { return p.disk.Name }

// Probe implements worker.Drive from sysfs facts and the device's size.
func (p *Plain) Probe(ctx context.Context) (*worker.Probe, error) {
	t, err := p.block(false)
	if err != nil {
		return nil, err
	}
	defer t.Close()
	id := worker.IdentityFromDisk(p.disk)
	id.CapacityBytes = uint64(t.Size())
	id.LogicalSectorSize, id.PhysicalSectorSize = uint32(t.LogicalBlockSize()), uint32(t.PhysicalBlockSize())
	class := worker.ClassFromDisk(p.disk)
	pr := &worker.Probe{Identity: id, Class: class}
	switch p.disk.Transport {
	case discover.VirtioBlk:
		pr.Hidden = report.HiddenAreas{Checked: true, Note: "virtio-blk: the host exposes the whole virtual disk; no HPA/DCO"}
	case discover.USB:
		pr.Hidden = report.HiddenAreas{Note: "behind a USB bridge kesu sends no ATA/SCSI pass-through (some bridges break on it), so hidden areas cannot be checked"}
	default:
		pr.Hidden = report.HiddenAreas{Note: fmt.Sprintf("%s: no command path to check hidden areas", p.disk.Transport)}
	}
	pr.Caps = plan.Capabilities{Class: class, HostWritable: !p.disk.ReadOnly}
	return pr, nil
}

// RestoreHiddenAreas implements worker.Drive: nothing to restore.
func (p *Plain) RestoreHiddenAreas(context.Context) ([]report.HiddenArea, error) { return nil, nil }

// Erase implements worker.Drive: a plain drive has no firmware method.
func (p *Plain) Erase(_ context.Context, m report.Method, _ worker.Env) *worker.Outcome {
	return &worker.Outcome{Outcome: report.OutcomeUnsupported, Errors: []string{fmt.Sprintf("%s: %v", m, errNotErased)}}
}

// Open implements worker.Drive.
func (p *Plain) Open(write bool) (erase.Target, error) { return p.block(write) }

// Close implements worker.Drive.
func (p *Plain) Close() error { return nil }
