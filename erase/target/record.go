package target

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

// Record is the signed journal `kesu erase DEVICE --journal` writes: one
// drive, one host overwrite attempt, its read-back and the result.
type Record struct {
	j   *report.Journal
	dl  *report.DriveLog
	n   int
	pct float64
}

// StartRecord creates the journal in dir (signed by signer, nil for an
// unsigned record) for kesu version, naming the people, and records the
// drive d as the kernel describes it (sysfs) — or as a file — with its
// plan: a host overwrite, then a read-back of pct percent, under pol (the
// policy the drive is held to, as the record states it: job.PolicyRecord
// of the run's policy, whose verification and signing are the run's).
func StartRecord(dir string, signer *report.Signer, d *erase.Device, pct float64, people policy.Record, pol report.Policy, version string) (*Record, error) {
	j, err := report.Create(dir, signer, report.RunStart{
		Mode: "cli", Tool: report.CurrentTool(version), Host: report.LocalHost(),
		Sanitizer: report.Person{Name: people.Operator, Title: people.OperatorTitle, Organization: people.Organization,
			Location: people.Location, Contact: people.Contact},
		Customer:   people.Customer,
		Policy:     pol,
		KeyCustody: report.CustodyFile, // the CLI's --key (Create clears it when unsigned)
	})
	if err != nil {
		return nil, err
	}
	id, class, hidden := Describe(d)
	dl, err := j.Drive(report.Drive{Identity: id, Class: class, HiddenAreas: hidden,
		Plan: report.Plan{Steps: []report.PlanStep{{Method: report.MethodOverwrite, Chosen: true,
			Reason: "kesu erase --device: host overwrite of the device, then read-back"}}}})
	if err != nil {
		// Nothing but the run-start is on the stick: no run began.
		return nil, j.Abandon(err)
	}
	return &Record{j: j, dl: dl, pct: pct}, nil
}

// Describe says what kesu erase DEVICE is about to erase, as the
// record names it: a block device as sysfs describes it (a loop device is
// class file, like the regular file behind it), or a regular file.
func Describe(d *erase.Device) (report.Identity, report.Class, report.HiddenAreas) {
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
	name, err := kernelName(st)
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

// Begin records the start of the overwrite attempt.
func (r *Record) Begin() (err error) {
	r.n, err = r.dl.BeginAttempt(report.MethodOverwrite, time.Time{})
	return err
}

// Finish records the pass, the verification and the drive's result, and
// seals the journal.
func (r *Record) Finish(ctx context.Context, res *erase.PassResult, pat erase.Pattern, t erase.Target) (report.Assessment, error) {
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

// Abort records an attempt that ended before a result (planting the
// canaries failed or was interrupted: blocks may have been written), the
// drive's result and the seal.
func (r *Record) Abort(ctx context.Context, cause error) (report.Assessment, error) {
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

// Skip records that the drive was not erased, for reason, and seals the
// journal (best effort: on a stick that has just failed a write, this may
// fail too, and the journal then reads as incomplete).
func (r *Record) Skip(reason string) error {
	if _, err := r.dl.Finish(report.Finish{Skipped: reason}); err != nil {
		return err
	}
	return r.j.Seal()
}

// Path is the journal's file.
func (r *Record) Path() string { return r.j.Path() }

// Close closes the journal (sealed or not).
func (r *Record) Close() { r.j.Close() }
