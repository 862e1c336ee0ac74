// Package jobview shows an erase job (erase/job) on the technician's
// console (package console): the plan screen made from a prepared job, the
// workers' events turned into the console's, and the run from the
// confirmation to the summary — for kesu erase --all and for the
// appliance alike.
package jobview

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kesu-erase/kesu/console"
	"github.com/kesu-erase/kesu/erase/discover"
	"github.com/kesu-erase/kesu/erase/job"
	"github.com/kesu-erase/kesu/erase/plan"
	"github.com/kesu-erase/kesu/erase/policy"
	"github.com/kesu-erase/kesu/erase/worker"
	"github.com/kesu-erase/kesu/internal/human"
	"github.com/kesu-erase/kesu/report"
	"github.com/kesu-erase/kesu/smart"
)

// Events forwards the worker's events to the console once it exists
// (probing starts before the plan can be shown) and turns them into the
// console's events: a phase event when a drive's phase changes, then its
// progress.
type Events struct {
	ui    atomic.Pointer[console.UI]
	mu    sync.Mutex
	phase map[string]worker.Phase
	also  func(worker.Event)
}

// NewEvents returns the forwarder; also, if set, sees every event first.
func NewEvents(also func(worker.Event)) *Events {
	return &Events{phase: map[string]worker.Phase{}, also: also}
}

// Event takes one of the worker's events: job.Options.Events.
func (s *Events) Event(e worker.Event) {
	if s.also != nil {
		s.also(e)
	}
	ui := s.ui.Load()
	if ui == nil {
		return
	}
	for _, ce := range s.convert(e) {
		ui.Apply(ce)
	}
}

func (s *Events) convert(e worker.Event) []console.Event {
	var out []console.Event
	s.mu.Lock()
	changed := s.phase[e.Drive] != e.Phase
	s.phase[e.Drive] = e.Phase
	s.mu.Unlock()
	if changed && e.Phase != worker.PhaseDone {
		what := ""
		if e.Method != "" {
			what = ShortMethod(e.Method)
		}
		out = append(out, console.PhaseEvent(e.Drive, consolePhase(e.Phase), what))
	}
	switch {
	case e.Result != nil:
		r := e.Result
		out = append(out, console.DoneEvent(e.Drive, consoleStatus(r.Status), human.Reached(r.Assessment), r.Reason))
	case e.Total > 0:
		out = append(out, console.ProgressEvent(e.Drive, e.Done, e.Total, e.Rate, e.ETA))
	case e.Phase == worker.PhaseFirmware:
		pct := -1.0
		if e.Fraction >= 0 {
			pct = 100 * e.Fraction
		}
		out = append(out, console.PercentEvent(e.Drive, pct, e.ETA))
	}
	if e.Warning != "" {
		out = append(out, console.WarningEvent(e.Drive, e.Warning))
	}
	return out
}

// consoleStatus is the console's word for a drive's result.
func consoleStatus(s report.Status) console.Status {
	switch s {
	case report.StatusPass:
		return console.StatusPass
	case report.StatusSkipped:
		return console.StatusSkipped
	case report.StatusIncomplete:
		return console.StatusAborted
	}
	return console.StatusFail
}

// Plan is the "before" screen of a prepared job on host (Host names it).
// attended says a technician will type the confirmation (not a countdown,
// not a run confirmed beforehand): only then is a PSID revert offered for a
// blocked drive (AskPSIDs), and the screen says so.
func Plan(j *job.Job, pol *policy.Config, host string, attended bool) console.Plan {
	rp := job.PolicyRecord(pol)
	p := console.Plan{Host: host, Policy: console.Policy{Level: human.PolicyLevel(rp), Verify: verifyWords(rp.Verify)},
		Confirm: console.Confirm{Word: pol.Run.ConfirmWord, Unattended: pol.Run.Unattended,
			Countdown: time.Duration(pol.Run.Countdown) * time.Second}}
	if pol.Policy.BelowLevel == policy.BelowAccept {
		p.Policy.Notes = append(p.Policy.Notes, "a drive that cannot reach the level passes at the best level below (marked)")
	}
	if j.Prep.Unfrozen != "" {
		p.Policy.Notes = append(p.Policy.Notes, j.Prep.Unfrozen)
	}
	attended = attended && !pol.Run.Unattended
	for _, t := range j.Prep.Targets {
		p.Drives = append(p.Drives, planRow(t, rp, attended && j.Prep.PSIDEligible(t)))
	}
	for _, c := range j.Prep.Controllers {
		p.Controllers = append(p.Controllers, console.Controller{Name: c.Name(), Lines: c.PlanLines(), Unreached: len(c.Unreached())})
	}
	for _, e := range j.Prep.Excluded {
		p.Excluded = append(p.Excluded, console.Excluded{Bay: e.Disk.Location.Bay, Model: e.Disk.Model, Serial: e.Disk.Serial,
			Path: e.Disk.Path, Reason: e.Reason})
	}
	return p
}

// planRow is one drive of the plan screen; psid says a PSID revert will be
// offered for it if it is blocked.
func planRow(t *worker.Target, rp report.Policy, psid bool) console.Drive {
	d := console.Drive{ID: t.Disk.Name, Bay: t.Disk.Location.Bay, Transport: string(t.Disk.Transport),
		Model: t.Disk.Model, Serial: t.Disk.Serial, Capacity: t.Disk.Size, Health: console.HealthUnknown}
	class := worker.ClassFromDisk(t.Disk)
	if t.Probe != nil {
		id := t.Probe.Identity
		d.Model, d.Serial, d.Capacity, class = strings.TrimSpace(id.Vendor+" "+id.Model), id.Serial, int64(id.CapacityBytes), t.Probe.Class
		d.Health, d.HealthNote = health(t.Probe.SMART)
	}
	d.Class = classWords(class, t.Disk.Transport)
	if t.Err != nil {
		d.Method, d.Level, d.BelowPolicy = "none: "+t.Err.Error(), "none", true
		return d
	}
	if t.Probe != nil && t.Probe.Caps.TCG != nil {
		d.Security = t.Probe.Caps.TCG.Summary()
	}
	if t.Plan.Blocked != "" {
		d.Blocked = t.Plan.Blocked
		d.Method, d.Level, d.BelowPolicy = "none: blocked (TCG)", "none - FAIL", true
		if psid {
			d.Level = "none - FAIL unless PSID reverted"
		}
		return d
	}
	best, ok := t.Plan.Best()
	if !ok {
		d.Method, d.Level, d.BelowPolicy = "none", "none - destroy required", true
		return d
	}
	d.Method = ShortMethod(best.Method)
	d.Level = human.Level(best.Rating)
	hiddenOK := t.Probe != nil && t.Probe.Hidden.Checked
	if !plan.Meets(best, rp.Level, rp.MICCategory, hiddenOK) {
		d.BelowPolicy = true
		d.Level += " - below policy"
	}
	return d
}

// health is the console's word for a SMART summary, with its first reason.
func health(s *smart.Summary) (console.Health, string) {
	if s == nil {
		return console.HealthUnknown, "no health data"
	}
	note := ""
	if len(s.Reasons) > 0 {
		note = s.Reasons[0]
	}
	switch s.Verdict {
	case smart.Pass:
		return console.HealthPass, note
	case smart.Fail:
		return console.HealthFail, note
	}
	return console.HealthUnknown, note
}

// classWords names a drive's class with its interface: "SAS HDD", "SATA SSD".
func classWords(c report.Class, tr discover.Transport) string {
	switch c {
	case report.ClassHDD, report.ClassSSD:
		switch tr {
		case discover.SAS, discover.SCSI:
			return "SAS " + string(c)
		case discover.SATA:
			return "SATA " + string(c)
		}
		return string(c)
	case report.ClassOther:
		return "other"
	}
	return string(c)
}

// verifyWords names the policy's verification.
func verifyWords(v report.VerifyPolicy) string {
	switch v.Mode {
	case report.VerifyFull:
		return "full read-back"
	case report.VerifySampled:
		return fmt.Sprintf("%g%% sampled read-back", v.Percent)
	}
	return string(v.Mode)
}

// Run shows the plan on ui, confirms (unless confirmed already), runs the
// job with the live view fed by ev and shows the summary, whose record
// line names fingerprint's key and which ends as next says. It returns the
// results and the action the technician's screen ended with; the error is
// the record's (a cancelled or completed run that could not be sealed).
func Run(ctx context.Context, j *job.Job, ev *Events, ui *console.UI, confirmed bool, next console.Next, fingerprint string) ([]worker.Result, console.Action, error) {
	ev.ui.Store(ui)
	if !confirmed {
		d, err := ui.Confirm(ctx)
		if err != nil || !d.Erase {
			why := "the technician did not confirm"
			if d.How != "" {
				why += " (" + string(d.How) + ")"
			}
			if err != nil {
				why += ": " + err.Error()
			}
			res, cerr := j.Cancel(why)
			r := console.Result{RecordPath: j.Journal.Path(), Fingerprint: fingerprint, Next: next}
			if cerr != nil {
				r.RecordError = cerr.Error()
			}
			action, _ := ui.Finish(ctx, r)
			return res, action, cerr
		}
		j.Journal.Note(report.Note{Severity: report.SeverityInfo, Code: "confirmed",
			Text: fmt.Sprintf("confirmed by %s on %s (%q) at %s", d.How, d.Terminal, d.Typed, d.At.UTC().Format("2006-01-02T15:04:05Z"))})
		if d.How != console.HowCountdown {
			// Attended: a technician is at the console.
			AskPSIDs(ctx, j, ui)
		}
	}
	runCtx := ui.Run(ctx)
	results, sealErr := j.Execute(runCtx)
	r := console.Result{RecordPath: j.Journal.Path(), Fingerprint: fingerprint, Next: next}
	if by, at, ok := ui.Aborted(); ok {
		r.Notes = append(r.Notes, fmt.Sprintf("aborted by the operator on %s at %s", by, at.Format("15:04:05")))
	}
	unreached(&r, j.Unreached())
	for _, u := range j.Rewritten() {
		r.Unreached = append(r.Unreached, u)
		r.Notes = append(r.Notes, "written by its controller after the erase (erase it again): "+u)
	}
	if sealErr != nil {
		r.RecordError = sealErr.Error()
	}
	action, err := ui.Finish(ctx, r)
	if err == nil {
		err = sealErr
	}
	return results, action, err
}

// AskPSIDs asks the technician, once per drive blocked by its TCG state
// that may be PSID reverted, for the PSID on its label, and hands each one
// typed to the job. A drive skipped stays blocked (FAIL with the reason).
// It is called on an attended run, after the confirmation and before the
// live view (both read the keys).
func AskPSIDs(ctx context.Context, j *job.Job, ui *console.UI) {
	for _, t := range j.Prep.Targets {
		if !j.Prep.PSIDEligible(t) {
			continue
		}
		row := planRow(t, report.Policy{}, true)
		a, err := ui.AskPSID(ctx, console.PSIDRequest{Drive: t.Disk.Name, Bay: row.Bay, Model: row.Model, Serial: row.Serial, Why: t.Plan.Blocked})
		switch {
		case err != nil || a.How == console.HowNoInput || a.How == console.HowContext:
			j.Journal.Note(report.Note{Severity: report.SeverityInfo, Code: "psid",
				Text: fmt.Sprintf("%s: no PSID asked further (%s)", t.Disk.Path, a.How)})
			return
		case a.PSID == nil:
			j.Journal.Note(report.Note{Severity: report.SeverityInfo, Code: "psid",
				Text: fmt.Sprintf("%s: the technician skipped the PSID revert on %s", t.Disk.Path, a.Terminal)})
		default:
			j.Prep.SetPSID(t, a.PSID, fmt.Sprintf("PSID %s on %s at %s", a.How, a.Terminal, a.At.UTC().Format("2006-01-02T15:04:05Z")))
			clear(a.PSID)
		}
	}
}

// ShortMethod names a method in a few words for the screen's narrow
// columns (the record and the certificates use the full titles).
func ShortMethod(m report.Method) string {
	switch m {
	case report.MethodOverwrite:
		return "host overwrite"
	case report.MethodATASecurityErase:
		return "ATA Security Erase"
	case report.MethodATASecurityEraseEnhanced:
		return "ATA Security Erase (enh.)"
	case report.MethodATASanitizeOverwrite:
		return "ATA Sanitize overwrite"
	case report.MethodATASanitizeBlockErase:
		return "ATA Sanitize block erase"
	case report.MethodATASanitizeCrypto:
		return "ATA Sanitize crypto"
	case report.MethodSCSISanitizeOverwrite:
		return "SCSI Sanitize overwrite"
	case report.MethodSCSISanitizeBlockErase:
		return "SCSI Sanitize block erase"
	case report.MethodSCSISanitizeCrypto:
		return "SCSI Sanitize crypto"
	case report.MethodNVMeFormatUserData:
		return "NVMe Format SES=1"
	case report.MethodNVMeFormatCrypto:
		return "NVMe Format SES=2 (crypto)"
	case report.MethodNVMeSanitizeBlockErase:
		return "NVMe Sanitize block erase"
	case report.MethodNVMeSanitizeCryptoErase:
		return "NVMe Sanitize crypto"
	case report.MethodNVMeSanitizeOverwrite:
		return "NVMe Sanitize overwrite"
	case report.MethodTCGCryptoErase:
		return "TCG crypto erase"
	}
	return string(m)
}

// consolePhase names a worker phase as the console knows it.
func consolePhase(p worker.Phase) console.Phase {
	switch p {
	case worker.PhaseProbe:
		return console.PhaseProbe
	case worker.PhaseUnfreeze:
		return console.PhaseUnfreeze
	case worker.PhaseWaiting:
		return console.PhaseWaiting
	case worker.PhaseHidden:
		return console.PhaseRestoreHidden
	case worker.PhaseCanary:
		return console.PhaseCanaries
	case worker.PhaseFirmware:
		return console.PhaseFirmwareErase
	case worker.PhaseOverwrite:
		return console.PhaseOverwrite
	case worker.PhaseVerify:
		return console.PhaseVerify
	case worker.PhaseDone:
		return console.PhaseDone
	case worker.PhasePSID:
		return console.PhasePSIDRevert
	}
	return console.Phase(p)
}

// Next is what the summary screen does when an appliance run ends: the
// policy's run.after after run.after_delay.
func Next(c *policy.Config) console.Next {
	n := console.Next{Delay: time.Duration(c.Run.AfterDelay) * time.Second}
	switch c.Run.After {
	case policy.AfterPowerOff:
		n.Action = console.ActionPowerOff
	case policy.AfterReboot:
		n.Action = console.ActionReboot
	default:
		n.Action = console.ActionWait
	}
	return n
}

// Host names the machine for the screen: vendor, product and serial, or
// its host name.
func Host(h report.Host) string {
	s := strings.TrimSpace(h.SysVendor + " " + h.ProductName)
	if h.ProductSerial != "" {
		s += " (" + h.ProductSerial + ")"
	}
	if s == "" {
		s = h.Hostname
	}
	return s
}

// unreached adds the drives behind RAID controllers that were not reached
// to the summary.
func unreached(r *console.Result, drives []string) {
	for _, u := range drives {
		r.Unreached = append(r.Unreached, u)
		r.Notes = append(r.Notes, "NOT reached (the run is not a completed erasure): "+u)
	}
}
