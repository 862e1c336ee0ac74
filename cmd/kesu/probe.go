package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"
)

func init() {
	register(command{
		name:    "probe",
		summary: "show a drive's identity, class, capabilities, hidden areas and health (read-only)",
		run:     runProbe,
	})
}

func runProbe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("probe", flag.ContinueOnError)
	fs.SetOutput(stderr)
	device := fs.String("device", "", "device to probe, e.g. /dev/sda or /dev/nvme0n1 (required)")
	jsonOut := fs.Bool("json", false, "print one JSON object instead of text")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if *device == "" {
		return fmt.Errorf("%w: probe needs --device", errUsage)
	}
	if isNVMePath(*device) {
		return probeNVMe(ctx, *device, *jsonOut, stdout, stderr)
	}
	return probeSCSI(ctx, *device, *jsonOut, stdout, stderr)
}

// isNVMePath reports whether path names an NVMe namespace or controller
// (/dev/nvme0n1, /dev/nvme0), following symlinks such as /dev/disk/by-id.
func isNVMePath(path string) bool {
	if p, err := filepath.EvalSymlinks(path); err == nil {
		path = p
	}
	return strings.HasPrefix(filepath.Base(path), "nvme")
}
