package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/kesu-erase/kesu/erase/discover"
	"github.com/kesu-erase/kesu/erase/job"
	"github.com/kesu-erase/kesu/erase/plan"
	"github.com/kesu-erase/kesu/erase/policy"
	"github.com/kesu-erase/kesu/erase/worker"
	"github.com/kesu-erase/kesu/report"
)

// methodOptions are the flags of `kesu erase --device DEV --method M`.
type methodOptions struct {
	device   string
	method   report.Method
	journal  string
	signer   *report.Signer
	unsigned bool
	verify   float64
	pattern  string
	json     bool
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
// for, or a recorded refusal.
func runEraseMethod(ctx context.Context, o methodOptions, stdout, stderr io.Writer) error {
	if !o.method.Known() {
		return fmt.Errorf("%w: unknown method %q", errUsage, o.method)
	}
	real, err := filepath.EvalSymlinks(o.device)
	if err != nil {
		return err
	}
	root := os.DirFS("/")
	name, err := discover.DiskOf(root, filepath.Base(real))
	if err != nil {
		return fmt.Errorf("%w: %s is not a block device kesu can find in sysfs: %v", errRefused, o.device, err)
	}
	if name != filepath.Base(real) {
		return fmt.Errorf("%w: %s is a partition; kesu erases whole drives", errRefused, o.device)
	}
	disk, err := discover.Lookup(root, name)
	if err != nil {
		return fmt.Errorf("%w: %v", errRefused, err)
	}
	if ex, why := job.InUseRule(root)(disk); ex {
		return fmt.Errorf("%w: %s: %s", errRefused, o.device, why)
	}
	pol := &policy.Config{Version: 1, Level: policy.Clear, VerifyPercent: o.verify, Pattern: o.pattern, Source: "kesu erase --method",
		Signing: policy.Signing{Unsigned: o.signer == nil}}
	pol.Policy.BelowLevel, pol.Policy.Pattern = policy.BelowFail, o.pattern
	if pol.VerifyPercent == 0 {
		pol.VerifyPercent = 10
	}
	rs := job.RunStart(job.Options{Policy: pol, Mode: "cli", Version: version, Root: root})
	rs.Policy.Name = "kesu erase --device " + o.device + " --method " + string(o.method)
	j, err := report.Create(o.journal, o.signer, rs)
	if err != nil {
		return fmt.Errorf("%w: the record could not be started: %v; nothing was erased", errRefused, err)
	}
	prep, err := worker.Prepare(ctx, worker.Config{Policy: pol, Journal: j, Open: openDrive}, []discover.Disk{disk}, nil)
	if err != nil {
		j.Close()
		return err
	}
	t := prep.Targets[0]
	if t.Probe != nil {
		r, ok := report.Rate(t.Probe.Class, o.method)
		if ok && sparesSiblings(t, o.method) != "" {
			// Never erase namespaces nobody named: only `kesu erase --all`
			// may use a method that acts on every namespace.
			why := sparesSiblings(t, o.method)
			j.Note(report.Note{Severity: report.SeverityError, Code: "method", Text: why})
			ok = false
		}
		if !ok {
			j.Note(report.Note{Severity: report.SeverityError, Code: "method", Text: fmt.Sprintf("%s does not apply to a %s drive", o.method, t.Probe.Class)})
		}
		t.Plan = plan.Plan{Steps: []plan.Step{{Method: o.method, Chosen: ok, Rating: r,
			Reason: "asked for on the command line (kesu erase --method); no fallback"}}}
		if !ok {
			t.Plan.Note = fmt.Sprintf("%s cannot be used on this drive (class %s)", o.method, t.Probe.Class)
			if why := sparesSiblings(t, o.method); why != "" {
				t.Plan.Note = why
			}
		}
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
