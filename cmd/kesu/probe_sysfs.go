package main

import (
	"github.com/kesu-erase/kesu/capture"
	"github.com/kesu-erase/kesu/erase/worker"
	"github.com/kesu-erase/kesu/report"
	"io"
	"io/fs"
	"path/filepath"

	"github.com/kesu-erase/kesu/erase/discover"
)

// noPassThroughNote is what kesu probe says when it can only show what
// sysfs knows about a disk.
const noPassThroughNote = "no pass-through: identity from sysfs"

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

// sysfsProbeOutput is `kesu probe` for a disk kesu cannot send commands
// to: its identity as the kernel describes it.
type sysfsProbeOutput struct {
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

func newSysfsProbeOutput(device string, d discover.Disk, reason string) *sysfsProbeOutput {
	class := string(worker.ClassFromDisk(d))
	return &sysfsProbeOutput{Device: device, Source: "sysfs", Note: noPassThroughNote, Reason: reason,
		Transport: string(d.Transport), Class: class, Vendor: d.Vendor, Model: d.Model, Serial: d.Serial,
		Firmware: d.Firmware, WWN: d.WWN, CapacityBytes: uint64(d.Size), LogicalBlockSize: d.LogicalBlockSize,
		PhysicalBlockSize: d.PhysicalBlockSize, Rotation: d.Rotation, Bay: d.Location.Bay, Sysfs: d}
}

func writeSysfsProbe(w io.Writer, out *sysfsProbeOutput, jsonOut bool) error {
	if jsonOut {
		return writeJSON(w, out)
	}
	p, flush := keyValues(w)
	p("device", "%s (%s)", out.Device, out.Transport)
	p("note", "%s", out.Note)
	p("", "%s", out.Reason)
	p("class", "%s", out.Class)
	if out.Vendor != "" {
		p("vendor", "%s", out.Vendor)
	}
	p("model", "%s", dash(out.Model))
	p("serial", "%s", dash(out.Serial))
	p("firmware", "%s", dash(out.Firmware))
	if out.WWN != "" {
		p("wwn", "%s", out.WWN)
	}
	p("capacity", "%d bytes (logical %d B, physical %d B)", out.CapacityBytes, out.LogicalBlockSize, out.PhysicalBlockSize)
	p("rotation", "%s", out.Rotation)
	p("bay", "%s", out.Bay)
	p("not probed", "security, sanitize, format, hidden areas and health need pass-through")
	return flush()
}

// finishSysfsProbe prints the sysfs identity (and, with rawDir, writes a
// manifest that says no command was sent).
func finishSysfsProbe(device string, d discover.Disk, reason string, jsonOut bool, rawDir string, stdout io.Writer) error {
	out := newSysfsProbeOutput(device, d, reason)
	if rawDir != "" {
		m := capture.NewManifest(report.CurrentTool(version), device, d.Model, d.Serial, d.Firmware, noPassThroughNote+": no command was sent, so no reply was saved ("+reason+")")
		if err := capture.Write(rawDir, m, nil); err != nil {
			return err
		}
	}
	return writeSysfsProbe(stdout, out, jsonOut)
}
