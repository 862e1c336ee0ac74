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
	"github.com/kesu-erase/kesu/internal/human"
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

// methodReport is the JSON output of `kesu erase --method`.
type methodReport struct {
	Device   string                `json:"device"`
	Method   report.Method         `json:"method"`
	Journal  string                `json:"journal"`
	Result   worker.Result         `json:"result"`
	Attempts []report.Attempt      `json:"attempts"`
	Verifies []report.Verification `json:"verifications"`
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
	view, refusal := methodView(look.Targets[0], o, pol)
	look.Close()
	if o.dryRun {
		return dryRun(&view, o.journal, refusal, stdout, o.json)
	}
	view.write(stderr, "kesu: about to erase "+o.device+":")
	if !o.yes {
		if err := confirm(ctx, o.ask, stderr, &view); err != nil {
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
	if why := changedDrive(view.Identity, prep.Targets[0]); why != "" {
		prep.Close()
		j.Note(report.Note{Severity: report.SeverityError, Code: "drive-changed", Text: why + "; nothing was erased"})
		j.Seal()
		return fmt.Errorf("%w: %s; nothing was erased", errRefused, why)
	}
	results := prep.Execute(ctx)
	if err := j.Seal(); err != nil {
		return fmt.Errorf("the record could not be sealed: %w", err)
	}
	rep := methodReport{Device: o.device, Method: o.method, Journal: j.Path(), Result: results[0]}
	if vr, err := report.VerifyFile(j.Path(), report.KeyRing{}); err == nil && vr.Run != nil && len(vr.Run.Drives) == 1 {
		rep.Attempts, rep.Verifies = vr.Run.Drives[0].Attempts, vr.Run.Drives[0].Verifications
	}
	if o.json {
		if err := writeJSON(stdout, rep); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(stdout, "device:  %s\nmethod:  %s\nrecord:  %s\n", o.device, o.method.Title("en"), rep.Journal)
		for _, a := range rep.Attempts {
			fmt.Fprintf(stdout, "attempt %d: %s — %s\n", a.Attempt, a.Outcome, a.Mechanism)
			for _, e := range a.Errors {
				fmt.Fprintf(stdout, "  error: %s\n", e)
			}
		}
		for _, v := range rep.Verifies {
			fmt.Fprintf(stdout, "verified (%s): expect %s; %d blocks read, %d mismatched %v\n", v.Method, v.Expected, v.BlocksRead, v.Mismatches, v.Errors)
		}
		fmt.Fprintf(stdout, "result:  %s — %s\n", rep.Result.Status, rep.Result.Reason)
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

// methodView shows the probed drive and what --method would do to it, and
// says why a run would refuse ("" when it would start).
func methodView(t *worker.Target, o methodOptions, pol *policy.Config) (targetView, string) {
	v := targetView{Device: o.device, Identity: worker.IdentityFromDisk(t.Disk), Class: worker.ClassFromDisk(t.Disk),
		Record: recordWords(o.journal, o.signer)}
	if t.Probe != nil {
		v.Identity, v.Class = t.Probe.Identity, t.Probe.Class
	}
	if c, err := readContentsAt(t.Disk.Path, int64(v.Identity.CapacityBytes), int(v.Identity.LogicalSectorSize)); err != nil {
		v.ContentsError = err.Error()
	} else {
		v.Contents = c
	}
	if t.Err != nil {
		v.Plan = []string{"cannot be erased: " + t.Err.Error()}
		return v, t.Err.Error()
	}
	refusal := ""
	for _, s := range t.Plan.Steps {
		line := fmt.Sprintf("%s (%s, rated %s), then read back %g%% of the blocks", s.Method.Title("en"), s.Method, human.Level(s.Rating), pol.VerifyPercent)
		if !s.Chosen {
			line = "refused: " + t.Plan.Note
			refusal = t.Plan.Note
		}
		v.Plan = append(v.Plan, line)
	}
	v.Plan = append(v.Plan, "no fallback: if the method fails, the drive is recorded FAIL")
	return v, refusal
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
