package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/kesu-erase/kesu/probe"
	"github.com/kesu-erase/kesu/report"
)

func init() {
	register(command{
		name:    "probe",
		summary: "show a drive's identity, class, capabilities, hidden areas and health (read-only)",
		usage:   []string{"probe [--json] [--raw DIR] DEVICE"},
		run:     runProbe,
	})
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
	return probe.Run(ctx, probe.Options{Device: device, JSON: *jsonOut, RawDir: *rawDir, Tool: report.CurrentTool(version)}, stdout)
}
