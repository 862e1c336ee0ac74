package main

import (
	"context"
	"os"
	"path/filepath"
	"time"

	"github.com/kesu-erase/kesu/erase"
	"github.com/kesu-erase/kesu/erase/discover"
	"github.com/kesu-erase/kesu/erase/policy"
	"github.com/kesu-erase/kesu/erase/worker"
	"github.com/kesu-erase/kesu/report"
)

// cliRecord is the signed journal `kesu erase --device --journal` writes.
type cliRecord struct {
	j   *report.Journal
	dl  *report.DriveLog
	n   int
	pct float64
}

// startCLIRecord creates the journal and records the drive as the kernel
// describes it (sysfs) — or as a file.
func startCLIRecord(dir string, signer *report.Signer, d *erase.Device, pct float64, people policy.Record) (*cliRecord, error) {
	vp := report.VerifyPolicy{Mode: report.VerifySampled, Percent: pct}
	switch pct {
	case 0:
		vp = report.VerifyPolicy{Mode: report.VerifyNone}
	case 100:
		vp = report.VerifyPolicy{Mode: report.VerifyFull, Percent: 100}
	}
	j, err := report.Create(dir, signer, report.RunStart{
		Mode: "cli", Tool: report.CurrentTool(version), Host: report.LocalHost(),
		Sanitizer: report.Person{Name: people.Operator, Title: people.OperatorTitle, Organization: people.Organization,
			Location: people.Location, Contact: people.Contact},
		Customer: people.Customer,
		Policy:   report.Policy{Name: "kesu erase --device", Level: report.LevelClear, Verify: vp, Unsigned: signer == nil},
	})
	if err != nil {
		return nil, err
	}
	id, class, hidden := describeTarget(d)
	dl, err := j.Drive(report.Drive{Identity: id, Class: class, HiddenAreas: hidden,
		Plan: report.Plan{Steps: []report.PlanStep{{Method: report.MethodOverwrite, Chosen: true,
			Reason: "kesu erase --device: host overwrite of the device, then read-back"}}}})
	if err != nil {
		j.Close()
		return nil, err
	}
	return &cliRecord{j: j, dl: dl, pct: pct}, nil
}

// describeTarget says what kesu erase --device is about to erase, as the
// record names it: a block device as sysfs describes it (a loop device is
// class file, like the regular file behind it), or a regular file.
func describeTarget(d *erase.Device) (report.Identity, report.Class, report.HiddenAreas) {
	id := report.Identity{Path: d.Path(), CapacityBytes: uint64(d.Size()),
		LogicalSectorSize: uint32(d.LogicalBlockSize()), PhysicalSectorSize: uint32(d.PhysicalBlockSize()), Transport: "file"}
	fileNote := report.HiddenAreas{Checked: true, Note: "a file: its overwrite reaches its logical content only, never the medium below"}
	if !d.IsBlockDevice() {
		return id, report.ClassFile, fileNote
	}
	hidden := report.HiddenAreas{Note: "kesu erase --device overwrites what the kernel exposes; it does not probe the drive for HPA/DCO (kesu erase --all does)"}
	st, err := os.Stat(d.Path())
	if err != nil {
		return id, report.ClassOther, hidden
	}
	name, err := kernelBlockName(st)
	if err != nil {
		return id, report.ClassOther, hidden
	}
	disk, err := discover.Lookup(os.DirFS("/"), name)
	if err != nil {
		id.Transport = filepath.Base(name)
		return id, report.ClassOther, hidden
	}
	id = worker.IdentityFromDisk(disk)
	id.CapacityBytes = uint64(d.Size())
	class := worker.ClassFromDisk(disk)
	if class == report.ClassFile {
		hidden = fileNote
	}
	return id, class, hidden
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

// abort records an attempt that ended before a result (planting the
// canaries failed or was interrupted: blocks may have been written), the
// drive's result and the seal.
func (r *cliRecord) abort(ctx context.Context, cause error) (report.Assessment, error) {
	outcome, interrupted := report.OutcomeFailed, ctx.Err() != nil
	if interrupted {
		outcome = report.OutcomeInterrupted
	}
	if _, err := r.dl.Attempt(report.Attempt{Attempt: r.n, Method: report.MethodOverwrite, Outcome: outcome,
		Errors: []string{cause.Error()}, Details: []string{"stopped before the overwrite; canary blocks may have been written"}}); err != nil {
		return report.Assessment{}, err
	}
	a, err := r.dl.Finish(report.Finish{Interrupted: interrupted, Errors: []string{cause.Error()}})
	if err != nil {
		return a, err
	}
	return a, r.j.Seal()
}

func (r *cliRecord) close() { r.j.Close() }
