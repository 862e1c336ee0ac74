package target

import (
	"context"
	"fmt"

	"github.com/kesu-erase/kesu/erase/discover"
	"github.com/kesu-erase/kesu/erase/plan"
	"github.com/kesu-erase/kesu/erase/policy"
	"github.com/kesu-erase/kesu/erase/worker"
	"github.com/kesu-erase/kesu/report"
)

// PrepareMethod probes (opening the drive with open) and plans the one
// drive disk for method m under pol: the plan is that method alone, or a
// refusal when it does not apply. With a journal the drive and the refusal
// are recorded.
func PrepareMethod(ctx context.Context, pol *policy.Config, j *report.Journal, disk discover.Disk, m report.Method, open func(discover.Disk) (worker.Drive, error)) (*worker.Preparation, error) {
	cfg := worker.Config{Policy: pol, Open: open}
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
		// The drive's own state still rules: a self-encrypting drive that
		// is locked, shadowed or owned stays blocked whatever was asked.
		t.Plan = plan.Plan{Blocked: t.Plan.Blocked, Steps: []plan.Step{{Method: m, Chosen: ok && t.Plan.Blocked == "", Rating: r,
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

// ChangedDrive says how the drive probed under the record differs from
// the one shown and confirmed; "" when it is the same.
func ChangedDrive(shown report.Identity, t *worker.Target) string {
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
