package probe

import (
	"io"
	"io/fs"
	"path/filepath"

	"github.com/kesu-erase/kesu/capture"
	"github.com/kesu-erase/kesu/erase/discover"
	"github.com/kesu-erase/kesu/erase/worker"
	"github.com/kesu-erase/kesu/internal/human"
)

// NoPassThroughNote is what kesu probe says when it can only show what
// sysfs knows about a disk.
const NoPassThroughNote = "no pass-through: identity from sysfs"

// sysfsOnly reports the transports whose drivers take no SCSI, ATA or
// NVMe pass-through, so kesu sends them nothing (design: detect by sysfs
// transport, never by trial ioctls): virtio-blk (Linux removed its SCSI
// passthrough in 5.x) and MMC/SD.
func sysfsOnly(t discover.Transport) (why string, ok bool) {
	switch t {
	case discover.VirtioBlk:
		return "virtio-blk: the virtio block driver has no SCSI/ATA pass-through (SG_IO)", true
	case discover.MMC:
		return "mmc: MMC/SD cards are not reached by SCSI/ATA pass-through", true
	}
	return "", false
}

// sysfsDisk reads what sysfs knows about the whole disk holding device
// (a /dev path, a symlink to one, or a partition of it).
func sysfsDisk(sys fs.FS, device string) (discover.Disk, error) {
	p := device
	if r, err := filepath.EvalSymlinks(device); err == nil {
		p = r
	}
	whole, err := discover.DiskOf(sys, filepath.Base(p))
	if err != nil {
		return discover.Disk{}, err
	}
	return discover.Lookup(sys, whole)
}

// Sysfs is `kesu probe` of a disk kesu cannot send commands
// to: its identity as the kernel describes it.
type Sysfs struct {
	Device            string        `json:"device"`
	PassThrough       bool          `json:"pass_through"` // always false
	Source            string        `json:"source"`       // "sysfs"
	Note              string        `json:"note"`
	Reason            string        `json:"reason"`
	Transport         string        `json:"transport"`
	Class             string        `json:"class"` // worker.ClassFromDisk: what a drive known only to sysfs is rated as
	Vendor            string        `json:"vendor,omitempty"`
	Model             string        `json:"model"`
	Serial            string        `json:"serial"`
	Firmware          string        `json:"firmware"`
	WWN               string        `json:"wwn,omitempty"`
	CapacityBytes     uint64        `json:"capacity_bytes"`
	LogicalBlockSize  int           `json:"logical_block_size"`
	PhysicalBlockSize int           `json:"physical_block_size"`
	Rotation          string        `json:"rotation"` // discover.Disk.Rotation
	Bay               string        `json:"bay"`
	Sysfs             discover.Disk `json:"sysfs"`
}

// NewSysfs is the view of disk d, shown for reason.
func NewSysfs(device string, d discover.Disk, reason string) *Sysfs {
	class := string(worker.ClassFromDisk(d))
	return &Sysfs{Device: device, Source: "sysfs", Note: NoPassThroughNote, Reason: reason,
		Transport: string(d.Transport), Class: class, Vendor: d.Vendor, Model: d.Model, Serial: d.Serial,
		Firmware: d.Firmware, WWN: d.WWN, CapacityBytes: uint64(d.Size), LogicalBlockSize: d.LogicalBlockSize,
		PhysicalBlockSize: d.PhysicalBlockSize, Rotation: d.Rotation, Bay: d.Location.Bay, Sysfs: d}
}

// WriteText writes the sysfs identity as aligned "key  value" lines.
func (out *Sysfs) WriteText(w io.Writer) error {
	p, flush := human.KeyValues(w)
	p("device", "%s (%s)", out.Device, out.Transport)
	p("note", "%s", out.Note)
	p("", "%s", out.Reason)
	p("class", "%s", out.Class)
	if out.Vendor != "" {
		p("vendor", "%s", out.Vendor)
	}
	p("model", "%s", human.Dash(out.Model))
	p("serial", "%s", human.Dash(out.Serial))
	p("firmware", "%s", human.Dash(out.Firmware))
	if out.WWN != "" {
		p("wwn", "%s", out.WWN)
	}
	p("capacity", "%d bytes (logical %d B, physical %d B)", out.CapacityBytes, out.LogicalBlockSize, out.PhysicalBlockSize)
	p("rotation", "%s", out.Rotation)
	p("bay", "%s", out.Bay)
	p("not probed", "security, sanitize, format, hidden areas and health need pass-through")
	return flush()
}

// finishSysfs prints the sysfs identity (and, with o.RawDir, writes a
// manifest that says no command was sent).
func finishSysfs(o Options, d discover.Disk, reason string, w io.Writer) error {
	out := NewSysfs(o.Device, d, reason)
	if o.RawDir != "" {
		m := capture.NewManifest(o.Tool, o.Device, d.Model, d.Serial, d.Firmware, NoPassThroughNote+": no command was sent, so no reply was saved ("+reason+")")
		if err := capture.Write(o.RawDir, m, nil); err != nil {
			return err
		}
	}
	return write(w, out, o.JSON)
}
