package main

import (
	"context"
	"os"
	"path/filepath"
	"time"

	"github.com/kesu-erase/kesu/erase"
	"github.com/kesu-erase/kesu/erase/discover"
	"github.com/kesu-erase/kesu/erase/worker"
	"github.com/kesu-erase/kesu/report"
)

// version is kesu's release version, set at build time with
// -ldflags "-X main.version=...".
var version = ""

// cliRecord is the signed journal `kesu erase --device --journal` writes.
type cliRecord struct {
	j   *report.Journal
	dl  *report.DriveLog
	n   int
	pct float64
}

// startCLIRecord creates the journal and records the drive as the kernel
// describes it (sysfs) — or as a file.
func startCLIRecord(dir string, signer *report.Signer, d *erase.Device, pct float64) (*cliRecord, error) {
	vp := report.VerifyPolicy{Mode: report.VerifySampled, Percent: pct}
	switch pct {
	case 0:
		vp = report.VerifyPolicy{Mode: report.VerifyNone}
	case 100:
		vp = report.VerifyPolicy{Mode: report.VerifyFull, Percent: 100}
	}
	j, err := report.Create(dir, signer, report.RunStart{
		Mode: "cli", Tool: report.CurrentTool(version), Host: report.LocalHost(),
		Policy: report.Policy{Name: "kesu erase --device", Level: report.LevelClear, Verify: vp, Unsigned: signer == nil},
	})
	if err != nil {
		return nil, err
	}
	id := report.Identity{Path: d.Path(), CapacityBytes: uint64(d.Size()),
		LogicalSectorSize: uint32(d.LogicalBlockSize()), PhysicalSectorSize: uint32(d.PhysicalBlockSize()), Transport: "file"}
	class := report.ClassFile
	hidden := report.HiddenAreas{Checked: true, Note: "a regular file: its overwrite reaches its logical content only, never the medium below"}
	if d.IsBlockDevice() {
		class = report.ClassOther
		hidden = report.HiddenAreas{Note: "kesu erase --device overwrites what the kernel exposes; it does not probe the drive for HPA/DCO (kesu erase --all does)"}
		if st, err := os.Stat(d.Path()); err == nil {
			if name, err := kernelBlockName(st); err == nil {
				if backing := discover.LoopBacking(os.DirFS("/"), name); backing != "" {
					// A loop device is a file: logical content only.
					class, id.Transport = report.ClassFile, "loop"
					id.Model = "loop device over " + backing
					hidden = report.HiddenAreas{Checked: true, Note: "a loop device over the regular file " + backing + ": its overwrite reaches the file's logical content only, never the medium below"}
				} else if disk, err := discover.Lookup(os.DirFS("/"), name); err == nil {
					id = worker.IdentityFromDisk(disk)
					id.CapacityBytes = uint64(d.Size())
					class = worker.ClassFromDisk(disk)
				} else {
					id.Transport = filepath.Base(name)
				}
			}
		}
	}
	dl, err := j.Drive(report.Drive{Identity: id, Class: class, HiddenAreas: hidden,
		Plan: report.Plan{Steps: []report.PlanStep{{Method: report.MethodOverwrite, Chosen: true,
			Reason: "kesu erase --device: host overwrite of the device, then read-back"}}}})
	if err != nil {
		j.Close()
		return nil, err
	}
	return &cliRecord{j: j, dl: dl, pct: pct}, nil
}

func (r *cliRecord) begin() (err error) {
	r.n, err = r.dl.BeginAttempt(report.MethodOverwrite, time.Time{})
	return err
}

// finish records the pass, the verification and the drive's result, and
// seals the journal.
func (r *cliRecord) finish(ctx context.Context, res *erase.PassResult, pat erase.Pattern, t erase.Target) (report.Assessment, error) {
	at := worker.OverwriteAttempt(r.n, res.Overwrite, 1, pat, worker.WriteMechanism(t))
	if res.Canaries != nil {
		at.Canaries = worker.CanaryRecord(*res.Canaries)
	}
	if _, err := r.dl.Attempt(at); err != nil {
		return report.Assessment{}, err
	}
	if res.Verify != nil {
		if err := r.dl.Verification(worker.VerificationRecord(r.n, res.Verify, report.VerifySampled)); err != nil {
			return report.Assessment{}, err
		}
	}
	a, err := r.dl.Finish(report.Finish{Interrupted: ctx.Err() != nil})
	if err != nil {
		return a, err
	}
	return a, r.j.Seal()
}

func (r *cliRecord) close() { r.j.Close() }
