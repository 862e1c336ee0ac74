package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/kesu-erase/kesu/erase/discover"
	"github.com/kesu-erase/kesu/erase/job"
	"github.com/kesu-erase/kesu/erase/plan"
	"github.com/kesu-erase/kesu/erase/policy"
	"github.com/kesu-erase/kesu/erase/worker"
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
	// record names the people for the record.
	record policy.Record
}

// runEraseMethod runs one named method on one whole drive through the
// per-drive worker — canaries before a firmware erase, read-back after,
// everything journaled — with no fallback: the method the technician asked
// for, or a recorded refusal. The drive is probed and shown before the
// record starts; it is probed again under the record and must be the same.
func runEraseMethod(ctx context.Context, o methodOptions, stdout, stderr io.Writer) error {
	root := os.DirFS("/")
	name, err := wholeDisk(root, o.device)
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
	pol := &policy.Config{Version: 1, Level: policy.Clear, VerifyPercent: o.verify, Pattern: o.pattern, Source: "kesu erase --method",
		Signing: policy.Signing{Unsigned: o.signer == nil}, Record: o.record}
	pol.Policy.BelowLevel, pol.Policy.Pattern = policy.BelowFail, o.pattern
	if pol.VerifyPercent == 0 {
		pol.VerifyPercent = 10
	}

	// Look first: probe and plan, no record, nothing written.
	look, err := prepareMethod(ctx, pol, nil, disk, o.method)
	if err != nil {
		return err
	}
	target, refusal := view.MethodTarget(look.Targets[0], o.device, view.RecordWords(o.journal, o.signer), pol.VerifyPercent)
	look.Close()
	if o.dryRun {
		return dryRun(&target, o.journal, refusal, stdout, o.json)
	}
	target.Write(stderr, "kesu: about to erase "+o.device+":")
	if !o.yes {
		if err := confirm(ctx, o.ask, stderr, &target); err != nil {
			return err
		}
	}

	rs := job.RunStart(job.Options{Policy: pol, Mode: "cli", Version: version, Root: root})
	rs.Policy.Name = "kesu erase --device " + o.device + " --method " + string(o.method)
	j, err := report.Create(o.journal, o.signer, rs)
	if err != nil {
		return fmt.Errorf("%w: the record could not be started: %v; nothing was erased", errRefused, err)
	}
	prep, err := prepareMethod(ctx, pol, j, disk, o.method)
	if err != nil {
		j.Close()
		return err
	}
	if why := changedDrive(target.Identity, prep.Targets[0]); why != "" {
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
	if o.json {
		if err := view.JSON(stdout, rep); err != nil {
			return err
		}
	} else {
		rep.WriteText(stdout)
	}
	if rep.Result.Status != report.StatusPass {
		return exitError{exitFail}
	}
	return nil
}

// prepareMethod probes and plans the one drive for method m: the plan is
// that method alone, or a refusal when it does not apply. With a journal
// the drive and the refusal are recorded.
func prepareMethod(ctx context.Context, pol *policy.Config, j *report.Journal, disk discover.Disk, m report.Method) (*worker.Preparation, error) {
	cfg := worker.Config{Policy: pol, Open: openDrive}
	if j != nil {
		cfg.Journal = j
	}
	prep, err := worker.Prepare(ctx, cfg, []discover.Disk{disk}, nil)
	if err != nil {
		return nil, err
	}
	note := func(text string) {
		if j != nil {
			j.Note(report.Note{Severity: report.SeverityError, Code: "method", Text: text})
		}
	}
	t := prep.Targets[0]
	if t.Probe != nil {
		r, ok := report.Rate(t.Probe.Class, m)
		if ok && sparesSiblings(t, m) != "" {
			// Never erase namespaces nobody named: only `kesu erase --all`
			// may use a method that acts on every namespace.
			note(sparesSiblings(t, m))
			ok = false
		}
		if !ok {
			note(fmt.Sprintf("%s does not apply to a %s drive", m, t.Probe.Class))
		}
		t.Plan = plan.Plan{Steps: []plan.Step{{Method: m, Chosen: ok, Rating: r,
			Reason: "asked for on the command line (kesu erase --method); no fallback"}}}
		if !ok {
			t.Plan.Note = fmt.Sprintf("%s cannot be used on this drive (class %s)", m, t.Probe.Class)
			if why := sparesSiblings(t, m); why != "" {
				t.Plan.Note = why
			}
		}
	}
	return prep, nil
}

// changedDrive says how the drive probed under the record differs from
// the one shown and confirmed; "" when it is the same.
func changedDrive(shown report.Identity, t *worker.Target) string {
	now := worker.IdentityFromDisk(t.Disk)
	if t.Probe != nil {
		now = t.Probe.Identity
	}
	if now.Serial != shown.Serial || now.WWN != shown.WWN || now.CapacityBytes != shown.CapacityBytes {
		return fmt.Sprintf("the drive at %s changed after it was shown (serial %q, WWN %q, %d bytes; shown: %q, %q, %d bytes)",
			t.Disk.Path, now.Serial, now.WWN, now.CapacityBytes, shown.Serial, shown.WWN, shown.CapacityBytes)
	}
	return ""
}

// sparesSiblings says why a method must not run on this NVMe namespace
// alone: it acts on every namespace of the controller and others exist.
func sparesSiblings(t *worker.Target, m report.Method) string {
	n := t.Probe.Caps.NVMe
	if n == nil || n.Protected == 0 {
		return ""
	}
	switch m {
	case report.MethodNVMeSanitizeBlockErase, report.MethodNVMeSanitizeCryptoErase, report.MethodNVMeSanitizeOverwrite:
		return fmt.Sprintf("%s acts on every namespace of the controller, and %d other namespace(s) were not named: refused", m, n.Protected)
	case report.MethodNVMeFormatCrypto, report.MethodNVMeFormatUserData:
		if n.FormatAll {
			return fmt.Sprintf("FNA says %s applies to every namespace, and %d other namespace(s) were not named: refused", m, n.Protected)
		}
	}
	return ""
}
