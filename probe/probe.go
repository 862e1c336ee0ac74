// Package probe is `kesu probe`: what a drive is — identity, class,
// capabilities, hidden areas, security and sanitize state, health — read
// with read-only commands only, and written as text or one JSON object.
//
// A SATA, SAS or USB disk is asked through SG_IO (scsi.Inspect, ata.Inspect,
// LOG SENSE), an NVMe namespace or controller through its admin commands
// (nvme.Probe: Identify and Get Log Page only). A disk whose transport
// takes no pass-through (virtio-blk, MMC/SD), or whose driver refuses
// SG_IO, is shown as sysfs describes it. With a raw directory every reply
// is also saved, with a manifest (package capture).
package probe

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/kesu-erase/kesu/capture"
	"github.com/kesu-erase/kesu/nvme"
	"github.com/kesu-erase/kesu/report"
	"github.com/kesu-erase/kesu/scsi"
)

// SCSITransport is an open SG_IO device.
type SCSITransport interface {
	scsi.Transport
	Close() error
}

// NVMeTransport is an open NVMe device.
type NVMeTransport interface {
	nvme.Transport
	Close() error
	Path() string
	Paths() nvme.Paths
	NamespaceID() (uint32, error)
}

// Options say which drive to probe, how to show it, and what of the
// machine to read (tests replace the machine).
type Options struct {
	// Device is the /dev path (or a symlink to one) of the drive.
	Device string
	// JSON prints one JSON object instead of text.
	JSON bool
	// RawDir, when set, is where every reply is saved with a manifest
	// (created if missing; an existing manifest refuses the probe before
	// anything is sent).
	RawDir string
	// Tool names kesu in the manifest.
	Tool report.Tool
	// Sys is the root of the file system sysfs is read from; nil is "/".
	Sys fs.FS
	// OpenSCSI opens a block or SCSI generic device read-only for SG_IO;
	// nil is scsi.OpenReadOnly.
	OpenSCSI func(path string) (SCSITransport, error)
	// OpenNVMe opens an NVMe namespace or controller; nil is nvme.Open.
	OpenNVMe func(path string) (NVMeTransport, error)
}

func (o *Options) defaults() {
	if o.Sys == nil {
		o.Sys = os.DirFS("/")
	}
	if o.OpenSCSI == nil {
		o.OpenSCSI = func(path string) (SCSITransport, error) {
			t, err := scsi.OpenReadOnly(path)
			if err != nil {
				return nil, err
			}
			return t, nil
		}
	}
	if o.OpenNVMe == nil {
		o.OpenNVMe = func(path string) (NVMeTransport, error) {
			t, err := nvme.Open(path)
			if err != nil {
				return nil, err
			}
			return t, nil
		}
	}
}

// Run probes o.Device and writes what it found to w.
func Run(ctx context.Context, o Options, w io.Writer) error {
	o.defaults()
	if o.RawDir != "" {
		if err := capture.Ready(o.RawDir); err != nil {
			return err
		}
	}
	if isNVMePath(o.Device) {
		return runNVMe(ctx, o, w)
	}
	return runSCSI(ctx, o, w)
}

// isNVMePath reports whether path names an NVMe namespace or controller
// (/dev/nvme0n1, /dev/nvme0), following symlinks such as /dev/disk/by-id.
func isNVMePath(path string) bool {
	if p, err := filepath.EvalSymlinks(path); err == nil {
		path = p
	}
	return strings.HasPrefix(filepath.Base(path), "nvme")
}

// view is what each kind of drive is shown as.
type view interface {
	// WriteText writes the view as aligned "key  value" lines.
	WriteText(w io.Writer) error
}

// write writes v as text, or as indented JSON (the form of every --json
// output).
func write(w io.Writer, v view, jsonOut bool) error {
	if !jsonOut {
		return v.WriteText(w)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// probeError names the device an error came from.
func probeError(device string, err error) error { return fmt.Errorf("probe %s: %w", device, err) }
