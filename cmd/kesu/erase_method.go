package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/kesu-erase/kesu/erase/discover"
	"github.com/kesu-erase/kesu/erase/job"
	"github.com/kesu-erase/kesu/erase/policy"
	"github.com/kesu-erase/kesu/erase/target"
	"github.com/kesu-erase/kesu/internal/view"
	"github.com/kesu-erase/kesu/report"
)

// methodOptions are the flags of `kesu erase DEVICE --method M`.
type methodOptions struct {
	device   string
	method   report.Method
	journal  string
	signer   *report.Signer
	unsigned bool
	verify   float64
	pattern  string
	json     bool
	dryRun   bool
	yes      bool
	// ask is the terminal the confirmation is typed on (nil: --yes only).
	ask io.Reader
	// store takes a copy of the sealed record (--store; nil: none).
	store *recordStore
	// record names the people for the record.
	record policy.Record
	// exclude is --config's [exclude] table: a drive it names is refused.
	exclude policy.Exclude
	// require is --config's policy: the level or MIC category the drive is
	// held to (nil: Clear).
	require *policy.Config
}

// runEraseMethod runs one named method on one whole drive through the
// per-drive worker — canaries before a firmware erase, read-back after,
// everything journaled — with no fallback: the method the technician asked
// for, or a recorded refusal. The drive is probed and shown before the
// record starts; it is probed again under the record and must be the same.
func runEraseMethod(ctx context.Context, o methodOptions, stdout, stderr io.Writer) error {
	root := os.DirFS("/")
	name, err := target.WholeDisk(root, o.device)
	if err != nil {
		return err
	}
	disk, err := discover.Lookup(root, name)
	if err != nil {
		return fmt.Errorf("%w: %v", errRefused, err)
	}
	if ex, why := job.InUseRule(root)(disk); ex {
		return fmt.Errorf("%w: %s: %s", errRefused, o.device, why)
	}
	if why := disk.NotADrive(); why != "" {
		return fmt.Errorf("%w: %s: %s; nothing was erased", errRefused, o.device, why)
	}
	pol := &policy.Config{Version: 1, Level: policy.Clear, VerifyPercent: o.verify, Pattern: o.pattern, Source: "kesu erase --method",
		Signing: policy.Signing{Unsigned: o.signer == nil}, Record: o.record, Exclude: o.exclude}
	if ex, why := pol.Excluded(disk.Serial, []string{disk.WWN, disk.WWID}, o.device, disk.Path); ex {
		return fmt.Errorf("%w: %s: %s (--config); nothing was erased", errRefused, o.device, why)
	}
	pol.Policy.BelowLevel, pol.Policy.Pattern = policy.BelowFail, o.pattern
	if o.require != nil {
		job.RequireAsPolicy(pol, o.require)
	}
	if pol.VerifyPercent == 0 {
		pol.VerifyPercent = 10
	}

	// Look first: probe and plan, no record, nothing written.
	look, err := target.PrepareMethod(ctx, pol, nil, disk, o.method, openDrive)
	if err != nil {
		return err
	}
	shown, refusal := view.MethodTarget(look.Targets[0], o.device, view.RecordWords(o.journal, o.signer), pol.VerifyPercent)
	look.Close()
	if o.dryRun {
		return dryRun(&shown, o.journal, refusal, stdout, o.json)
	}
	shown.Write(stderr, "kesu: about to erase "+o.device+":")
	if !o.yes {
		if err := confirm(ctx, o.ask, stderr, &shown); err != nil {
			return err
		}
	}

	rs := job.RunStart(job.Options{Policy: pol, Mode: "cli", KeyCustody: report.CustodyFile, Version: version, Root: root})
	rs.Policy.Name = "kesu erase --device " + o.device + " --method " + string(o.method)
	j, err := report.Create(o.journal, o.signer, rs)
	if err != nil {
		return fmt.Errorf("%w: the record could not be started: %v; nothing was erased", errRefused, err)
	}
	prep, err := target.PrepareMethod(ctx, pol, j, disk, o.method, openDrive)
	if err != nil {
		// Nothing but the run-start on the stick: no run began, and no
		// file is left to look like one. Otherwise what was recorded
		// stays, sealed with the reason.
		if aerr := j.Abandon(err); errors.Is(aerr, report.ErrNotEmpty) {
			j.Note(report.Note{Severity: report.SeverityError, Code: "run-stopped", Text: err.Error() + "; nothing was erased"})
			j.Seal()
		}
		return err
	}
	if why := target.ChangedDrive(shown.Identity, prep.Targets[0]); why != "" {
		prep.Close()
		j.Note(report.Note{Severity: report.SeverityError, Code: "drive-changed", Text: why + "; nothing was erased"})
		j.Seal()
		return fmt.Errorf("%w: %s; nothing was erased", errRefused, why)
	}
	results := prep.Execute(ctx)
	if err := j.Seal(); err != nil {
		return fmt.Errorf("the record could not be sealed: %w", err)
	}
	rep := view.Method{Device: o.device, Method: o.method, Journal: j.Path(), Result: results[0]}
	if vr, err := report.VerifyFile(j.Path(), report.KeyRing{}); err == nil && vr.Run != nil && len(vr.Run.Drives) == 1 {
		rep.Attempts, rep.Verifies = vr.Run.Drives[0].Attempts, vr.Run.Drives[0].Verifications
	}
	if err := view.Print(stdout, &rep, o.json); err != nil {
		return err
	}
	if err := o.store.copy(ctx, j.Path(), stderr); err != nil {
		return err
	}
	if rep.Result.Status != report.StatusPass {
		return exitError{exitFail}
	}
	return nil
}
