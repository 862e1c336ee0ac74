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
	// held is a read-only descriptor kept open from Probe to Close: while
	// it is open the kernel cannot give the drive's name to another disk
	// (a stick pulled and another plugged in), and Open checks the device
	// it gets is still this one.
	held erase.Target
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
	if p.held != nil {
		p.held.Close()
	}
	p.held = t
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

// Open implements worker.Drive. It refuses a device that is not the one
// probed.
func (p *Plain) Open(write bool) (erase.Target, error) {
	t, err := p.block(write)
	if err != nil {
		return nil, err
	}
	if err := sameAsHeld(p.held, t); err != nil {
		t.Close()
		return nil, err
	}
	return t, nil
}

// Close implements worker.Drive.
func (p *Plain) Close() error {
	if p.held != nil {
		err := p.held.Close()
		p.held = nil
		return err
	}
	return nil
}

// ErrSwapped is returned when the device behind a drive's name is no longer
// the one probed.
var ErrSwapped = fmt.Errorf("%w: the device is not the one probed: it was removed and another took its name", worker.ErrDifferentDrive)

// sameAsHeld checks that t is the device held open since probing (when
// both are real devices; emulated targets have no device numbers).
func sameAsHeld(held, t erase.Target) error {
	h, ok1 := held.(*erase.Device)
	n, ok2 := t.(*erase.Device)
	if !ok1 || !ok2 {
		return nil
	}
	if !h.SameDevice(n) {
		return fmt.Errorf("%s: %w", n.Path(), ErrSwapped)
	}
	if h.Size() != n.Size() {
		return fmt.Errorf("%s: %w (size %d, probed %d)", n.Path(), ErrSwapped, n.Size(), h.Size())
	}
	return nil
}
