package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/kesu-erase/kesu/capture"
	"github.com/kesu-erase/kesu/nvme"
	"github.com/kesu-erase/kesu/scsi"
)

func init() {
	register(command{
		name:    "probe",
		summary: "show a drive's identity, class, capabilities, hidden areas and health (read-only)",
		usage:   []string{"probe [--json] [--raw DIR] DEVICE"},
		run:     runProbe,
	})
}

// What runProbe reads from the machine; tests replace them.
var (
	// probeSys is the root of the file system sysfs is read from.
	probeSys fs.FS = os.DirFS("/")
	// openSCSIProbe opens a block or SCSI generic device for SG_IO.
	openSCSIProbe = func(path string) (scsiProbeTransport, error) {
		t, err := scsi.OpenReadOnly(path)
		if err != nil {
			return nil, err
		}
		return t, nil
	}
	// openNVMeProbe opens an NVMe namespace or controller.
	openNVMeProbe = func(path string) (nvmeProbeTransport, error) {
		t, err := nvme.Open(path)
		if err != nil {
			return nil, err
		}
		return t, nil
	}
)

// scsiProbeTransport is an open SG_IO device.
type scsiProbeTransport interface {
	scsi.Transport
	Close() error
}

// nvmeProbeTransport is an open NVMe device.
type nvmeProbeTransport interface {
	nvme.Transport
	Close() error
	Path() string
	Paths() nvme.Paths
	NamespaceID() (uint32, error)
}

func runProbe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("probe", flag.ContinueOnError)
	deviceFlag := fs.String("device", "", "the `DEVICE` to probe, e.g. /dev/sda or /dev/nvme0n1 (or give it as the argument)")
	jsonOut := fs.Bool("json", false, "print one JSON object instead of text")
	rawDir := fs.String("raw", "", "also save the drive's raw replies to every read-only command sent, with a manifest.json, in `DIR` (created if missing; existing files are never overwritten)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	device, err := deviceArg(fs, *deviceFlag, pos)
	if err != nil {
		return err
	}
	if device == "" {
		return fmt.Errorf("%w: probe needs a DEVICE (kesu probe /dev/sdb)", errUsage)
	}
	if *rawDir != "" {
		if err := capture.Ready(*rawDir); err != nil {
			return err
		}
	}
	if isNVMePath(device) {
		return probeNVMe(ctx, device, *jsonOut, *rawDir, stdout, stderr)
	}
	return probeSCSI(ctx, device, *jsonOut, *rawDir, stdout, stderr)
}

// isNVMePath reports whether path names an NVMe namespace or controller
// (/dev/nvme0n1, /dev/nvme0), following symlinks such as /dev/disk/by-id.
func isNVMePath(path string) bool {
	if p, err := filepath.EvalSymlinks(path); err == nil {
		path = p
	}
	return strings.HasPrefix(filepath.Base(path), "nvme")
}
