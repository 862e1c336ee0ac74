package worker

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kesu-erase/kesu/erase"
	"github.com/kesu-erase/kesu/erase/plan"
	"github.com/kesu-erase/kesu/report"
	"github.com/kesu-erase/kesu/tcg"
)

// errJournal stops a drive's work: without a record, nothing more may be
// erased.
var errJournal = errors.New("the record on the stick could not be written; no further erase was started")

// runDrive erases one drive: hidden areas, then the plan's chosen methods in
// order until one is verified, then (by policy) an extra host overwrite.
func (p *Preparation) runDrive(ctx context.Context, t *Target, start time.Time) Result {
	cfg := p.cfg
	defer func() {
		if t.Drive != nil {
			t.Drive.Close()
		}
	}()
	// The drive's target stays open from the first write to the result;
	// closing it may undo state the erase needed (an eMMC boot partition's
	// force_ro), and a failure to do so is recorded with how to recover.
	var target erase.Target
	defer func() {
		if target != nil {
			target.Close()
		}
	}()
	finish := func(f report.Finish, reason string) Result {
		if target != nil {
			if err := target.Close(); err != nil {
				msg := fmt.Sprintf("closing the drive after the erase: %v", err)
				t.log.Note(report.Note{Severity: report.SeverityError, Code: "close", Text: msg})
				cfg.emit(Event{Drive: t.Disk.Name, Phase: PhaseVerify, Warning: msg})
				f.Recovery = joinRecovery(append(nonEmpty(f.Recovery), msg))
			}
			target = nil
		}
		a, err := t.log.Finish(f)
		if err != nil {
			return Result{Drive: t.Disk.Name, Status: report.StatusIncomplete, Started: start, Duration: time.Since(start),
				Reason: fmt.Sprintf("%v (%v)", errJournal, err), Identity: IdentityFromDisk(t.Disk), Class: ClassFromDisk(t.Disk)}
		}
		if reason == "" {
			reason = a.Cause("en")
		}
		return p.result(t, a, start, reason)
	}
	if t.Err != nil {
		return finish(report.Finish{Errors: []string{t.Err.Error()}}, t.Err.Error())
	}
	if t.Plan.Blocked != "" {
		if t.psid == nil {
			// Nothing may run on it as it is: FAIL at once, with what to
			// do; the other drives carry on.
			why := "not erased: " + t.Plan.Blocked
			return finish(report.Finish{Errors: []string{why}}, why)
		}
		if why, err := p.psidRevert(ctx, t); err != nil {
			return finish(report.Finish{Interrupted: true}, errJournal.Error())
		} else if why != "" {
			return finish(report.Finish{Errors: []string{why}}, why)
		}
	}
	chosen := t.Plan.Chosen()
	if len(chosen) == 0 {
		// Not a skip: the drive was meant to be erased and could not be;
		// its data is still there (FAIL, destruction required).
		why := "no erase method is available for this drive"
		if t.Plan.Note != "" {
			why += ": " + t.Plan.Note
		}
		return finish(report.Finish{Errors: []string{why}}, why)
	}

	if hiddenPresent(t.Probe.Hidden) {
		// A restore changes the drive for good: not without a record.
		if err := cfg.Journal.Err(); err != nil {
			return finish(report.Finish{Interrupted: true}, errJournal.Error())
		}
		cfg.emit(Event{Drive: t.Disk.Name, Phase: PhaseHidden})
		areas, err := t.Drive.RestoreHiddenAreas(ctx)
		for _, a := range areas {
			if e := t.log.HiddenArea(a); e != nil {
				return finish(report.Finish{Interrupted: true}, errJournal.Error())
			}
			if !a.Restored {
				cfg.emit(Event{Drive: t.Disk.Name, Phase: PhaseHidden, Warning: fmt.Sprintf("%s not restored: %s", a.Kind, a.Error)})
			}
		}
		if err != nil {
			t.log.Note(report.Note{Severity: report.SeverityWarning, Code: "hidden-area", Text: err.Error()})
		}
	}

	target, err := t.Drive.Open(true)
	if err != nil {
		target = nil
		return finish(report.Finish{Errors: []string{fmt.Sprintf("opening the drive for writing: %v", err)}}, err.Error())
	}
	seed, err := erase.NewSeed()
	if err != nil {
		return finish(report.Finish{Errors: []string{err.Error()}}, err.Error())
	}
	// The sampling plan is made for the device as it is now (an erase may
	// change what the host sees); the seed stays, so the record's plans
	// are reproducible.
	planFor := func() (*erase.SamplePlan, error) { return p.samplePlan(seed, target) }

	var done *plan.Step
	var recovery []string
	for i := range chosen {
		step := chosen[i]
		if err := ctx.Err(); err != nil {
			return finish(report.Finish{Interrupted: true, Recovery: joinRecovery(recovery)}, "interrupted: "+err.Error())
		}
		if err := cfg.Journal.Err(); err != nil {
			return finish(report.Finish{Interrupted: true}, errJournal.Error())
		}
		splan, perr := planFor()
		if perr != nil {
			return finish(report.Finish{Errors: []string{perr.Error()}, Recovery: joinRecovery(recovery)}, perr.Error())
		}
		var ok bool
		if step.Method == report.MethodOverwrite {
			ok, err = p.hostOverwrite(ctx, t, &target, splan)
		} else {
			var rec string
			ok, rec, err = p.firmwareErase(ctx, t, step.Method, &target, splan)
			if rec != "" {
				recovery = append(recovery, rec)
			}
		}
		var lost *driveLost
		switch {
		case errors.As(err, &lost):
			// No further method may run: the drive cannot be reached at
			// its path, or a different drive answers there.
			return finish(report.Finish{Errors: []string{lost.Error()}, Recovery: joinRecovery(recovery)}, lost.Error())
		case err != nil:
			return finish(report.Finish{Interrupted: true, Recovery: joinRecovery(recovery)}, err.Error())
		}
		if ok {
			done = &step
			break
		}
	}
	if done != nil && done.Method != report.MethodOverwrite && cfg.Policy.Policy.ExtraOverwrite {
		splan, perr := planFor()
		if perr != nil {
			return finish(report.Finish{Errors: []string{perr.Error()}, Recovery: joinRecovery(recovery)}, perr.Error())
		}
		ok, err := p.hostOverwrite(ctx, t, &target, splan)
		if err != nil {
			return finish(report.Finish{Interrupted: true, Recovery: joinRecovery(recovery)}, err.Error())
		}
		if !ok {
			cfg.emit(Event{Drive: t.Disk.Name, Phase: PhaseOverwrite, Method: report.MethodOverwrite,
				Warning: "the extra host overwrite the policy asks for failed: the drive does not meet the policy"})
		}
	}
	return finish(report.Finish{Recovery: joinRecovery(recovery)}, "")
}

// psidRevert runs the PSID revert the technician asked for on a blocked
// drive, probes the drive again and makes its plan anew. It returns why
// the drive cannot be erased now ("" when it can), and an error only when
// the record could not be written.
func (p *Preparation) psidRevert(ctx context.Context, t *Target) (string, error) {
	cfg := p.cfg
	psid := t.psid
	t.psid = nil
	defer clear(psid)
	if err := cfg.Journal.Err(); err != nil {
		return "", errJournal
	}
	cfg.emit(Event{Drive: t.Disk.Name, Phase: PhasePSID})
	act := report.TCGAction{Action: report.TCGPSIDRevert, By: t.psidBy, Start: time.Now()}
	record := func(why string) (string, error) {
		act.End = time.Now()
		if why != "" {
			act.Errors = append(act.Errors, why)
			cfg.emit(Event{Drive: t.Disk.Name, Phase: PhasePSID, Warning: why})
		}
		if err := t.log.TCG(act); err != nil {
			return "", errJournal
		}
		return why, nil
	}
	rv, ok := t.Drive.(PSIDReverter)
	if !ok {
		act.Outcome = report.OutcomeUnsupported
		return record("this drive's adapter cannot run a PSID revert")
	}
	if n := protectedNamespaces(t.Probe); n > 0 {
		act.Outcome = report.OutcomeUnsupported
		return record(fmt.Sprintf("not PSID reverted: the revert resets the whole controller, and %d other namespace(s) of it must not be erased", n))
	}
	steps, err := rv.PSIDRevert(ctx, psid)
	act.Steps = steps
	if err != nil {
		act.Outcome = report.OutcomeFailed
		if ctx.Err() != nil {
			act.Outcome = report.OutcomeInterrupted
		}
		return record(psidFailure(err, ctx.Err() != nil))
	}
	act.Outcome = report.OutcomeSuccess
	old := t.Probe
	pr, err := t.Drive.Probe(ctx)
	if err != nil {
		return record(fmt.Sprintf("the PSID revert succeeded but the drive could not be probed again: %v", err))
	}
	if !sameDrive(old.Identity, pr.Identity) {
		return record(fmt.Sprintf("after the PSID revert a different drive answers (serial %q, was %q)", pr.Identity.Serial, old.Identity.Serial))
	}
	markAccess(&pr.Identity, t.Disk)
	if old.Caps.NVMe != nil && pr.Caps.NVMe != nil {
		pr.Caps.NVMe.Protected = old.Caps.NVMe.Protected
	}
	t.Probe = pr
	t.Plan = p.planFor(pr)
	act.After = pr.Security
	rec := t.Plan.Record()
	rec.Blocked = t.Plan.Blocked
	act.Plan = &rec
	if t.Plan.Blocked != "" {
		return record("still blocked after the PSID revert: " + t.Plan.Blocked)
	}
	return record("")
}

// psidFailure says what a failed PSID revert left: only a refusal of the
// PSID itself leaves the drive as it was; after a transport error or an
// interruption the Revert may have run.
func psidFailure(err error, interrupted bool) string {
	switch {
	case errors.Is(err, tcg.ErrNotAuthorized):
		return fmt.Sprintf("PSID revert failed: %v: the drive refused the PSID and is as it was; check the PSID on its label (the drive counts each wrong PSID against its try limit), or destroy it", err)
	case errors.Is(err, tcg.ErrAuthorityLockedOut):
		return fmt.Sprintf("PSID revert failed: %v: the drive refuses PSID attempts until it is power-cycled; power-cycle it and run kesu again, or destroy it", err)
	case interrupted:
		return fmt.Sprintf("PSID revert interrupted: %v; whether the drive was reverted is unknown: probe it again (kesu probe)", err)
	}
	return fmt.Sprintf("PSID revert failed: %v; whether the drive was reverted is unknown: probe it again (kesu probe)", err)
}

// sameDrive reports whether two probes name the same drive: the same
// serial, and the same WWN where both have one.
func sameDrive(a, b report.Identity) bool {
	if a.Serial != b.Serial {
		return false
	}
	return a.WWN == "" || b.WWN == "" || a.WWN == b.WWN
}

// driveLost stops a drive's work: after an erase the drive could not be
// reopened, or a different drive answered at its path. Nothing more is
// sent to it or written through it.
type driveLost struct {
	method report.Method
	err    error
}

func (d *driveLost) Error() string {
	return fmt.Sprintf("after %s the drive could not be reopened for verification: %v; no further method was tried", d.method, d.err)
}

func (d *driveLost) Unwrap() error { return d.err }

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

func joinRecovery(r []string) string {
	out := ""
	for i, s := range r {
		if i > 0 {
			out += " / "
		}
		out += s
	}
	return out
}

func hiddenPresent(h report.HiddenAreas) bool {
	for _, a := range h.Areas {
		if a.Present {
			return true
		}
	}
	return false
}

// WriteMechanism says how host writes reach the drive, for the record.
func WriteMechanism(t erase.Target) string {
	if m, ok := t.(interface{ WriteMechanism() string }); ok {
		return m.WriteMechanism()
	}
	if d, ok := t.(interface{ Direct() bool }); ok {
		if d.Direct() {
			return "pwrite with O_DIRECT in 4 MiB chunks, fsync at the end"
		}
		return "buffered pwrite in 4 MiB chunks (the filesystem refused O_DIRECT), fsync at the end"
	}
	return "writes in 4 MiB chunks through the drive's emulation, sync at the end"
}

func (p *Preparation) samplePlan(seed []byte, t erase.Target) (*erase.SamplePlan, error) {
	bs := t.LogicalBlockSize()
	return erase.NewSamplePlan(seed, t.Size()/int64(bs), bs, p.cfg.Policy.VerifyPercent)
}

// progressEvents turns erase.Progress into events.
func (p *Preparation) progressEvents(t *Target, phase Phase, m report.Method) func(erase.Progress) {
	return func(pr erase.Progress) {
		p.cfg.emit(Event{Drive: t.Disk.Name, Phase: phase, Method: m, Done: pr.Done, Total: pr.Total,
			Fraction: -1, Rate: pr.Rate, ETA: pr.ETA})
	}
}

// hostOverwrite writes the policy's pattern over the whole drive and
// verifies it. Canaries are planted and read back first: when all read
// back, the sampling plan verifies the overwrite (canaries gone, pattern at
// every sampled block); when not, the drive does not keep what it
// acknowledges and every block is read back. Media whose Rev.1 Clear asks
// for several passes (removable flash: 2) get them, each pass the
// complement of the next, so the last pass leaves the policy's pattern. It
// returns an error only when the run must stop (journal failure).
func (p *Preparation) hostOverwrite(ctx context.Context, t *Target, target *erase.Target, splan *erase.SamplePlan) (bool, error) {
	m := report.MethodOverwrite
	tg := *target
	// The attempt is on the record before the canaries overwrite their
	// blocks.
	n, err := t.log.BeginAttempt(m, time.Time{})
	if err != nil {
		return false, errJournal
	}
	canaries, crec, cerr := p.plant(ctx, t, tg, splan, m)
	if cerr != nil {
		// Cancelled while planting: only canaries were written.
		at := report.Attempt{Attempt: n, Method: m, Outcome: report.OutcomeInterrupted, Errors: []string{cerr.Error()}, Canaries: crec}
		if _, e := t.log.Attempt(at); e != nil {
			return false, errJournal
		}
		return false, nil
	}
	pat, err := erase.ParsePattern(p.cfg.Policy.Pattern)
	if err != nil {
		pat = erase.Zero()
	}
	passes := 1
	if r, ok := report.Rate(t.Probe.Class, m); ok && r.Rev1MinPasses > passes {
		passes = r.Rev1MinPasses
	}
	var res *erase.OverwriteResult
	made := 0 // passes started
	for pass := 1; pass <= passes; pass++ {
		pp := pat
		if (passes-pass)%2 == 1 {
			pp = pat.Complement()
		}
		made = pass
		res, err = erase.Overwrite(ctx, tg, erase.OverwriteOptions{Pattern: pp, ExpectedSize: int64(t.Probe.Identity.CapacityBytes),
			Progress: p.progressEvents(t, PhaseOverwrite, m)})
		if err != nil || res.Outcome != erase.OK {
			break
		}
	}
	if err != nil {
		at := report.Attempt{Attempt: n, Method: m, Outcome: report.OutcomeFailed, Errors: []string{err.Error()}, Canaries: crec}
		if _, e := t.log.Attempt(at); e != nil {
			return false, errJournal
		}
		return false, nil
	}
	at := OverwriteAttempt(n, res, made, pat, WriteMechanism(tg))
	at.Canaries = crec
	at.Details = append([]string{canaries.Summary() + " before the overwrite"}, at.Details...)
	if passes > 1 {
		if res.Outcome == erase.OK {
			at.Details = append(at.Details, fmt.Sprintf("%d passes: the complement of %s, then %s (the figures are the last pass's)", passes, pat, pat))
		} else {
			at.Details = append(at.Details, fmt.Sprintf("pass %d of %d (%s) did not complete; the figures are that pass's", made, passes, res.Pattern))
		}
	}
	if res.UnwritableBlocks > 0 {
		p.cfg.emit(Event{Drive: t.Disk.Name, Phase: PhaseOverwrite, Warning: fmt.Sprintf("%d unwritable blocks", res.UnwritableBlocks)})
	}
	if _, err := t.log.Attempt(at); err != nil {
		return false, errJournal
	}
	if res.Outcome != erase.OK {
		return false, nil
	}
	vplan, exp, mode := p.proofPlan(t, canaries, splan, erase.ExpectPattern(pat), report.VerifySampled)
	return p.verify(ctx, t, tg, n, vplan, exp, mode)
}

// plant plants canaries before attempt m and reads them back, reporting
// what it did on screen. The error is non-nil only when ctx was cancelled
// or planting could not start; the canaries are then nil.
func (p *Preparation) plant(ctx context.Context, t *Target, tg erase.Target, splan *erase.SamplePlan, m report.Method) (*erase.Canaries, *report.CanaryRecord, error) {
	p.cfg.emit(Event{Drive: t.Disk.Name, Phase: PhaseCanary, Method: m})
	c, err := erase.PlantCanaries(ctx, tg, splan)
	if err != nil {
		return nil, &report.CanaryRecord{Error: err.Error()}, err
	}
	if !c.Proven() {
		p.cfg.emit(Event{Drive: t.Disk.Name, Phase: PhaseCanary, Method: m,
			Warning: fmt.Sprintf("%d of %d canaries read back (%v): only a read-back of every block can prove this erase", c.ReadBack, c.Planned, c.Err)})
	}
	return c, CanaryRecord(c.Report()), nil
}

// proofPlan is how an attempt is read back (erase.Canaries.ProofPlan), in
// the record's words; the screen says when every block must be read.
func (p *Preparation) proofPlan(t *Target, c *erase.Canaries, splan *erase.SamplePlan, after erase.Expectation, sampled report.VerifyMode) (*erase.SamplePlan, erase.Expectation, report.VerifyMode) {
	plan, exp, full := c.ProofPlan(splan, after)
	if !c.Proven() {
		p.cfg.emit(Event{Drive: t.Disk.Name, Phase: PhaseVerify, Warning: "no proven canaries: reading back every block"})
	}
	if full {
		return plan, exp, report.VerifyFull
	}
	return plan, exp, sampled
}

// verify reads the drive back by the sampling plan and records it.
func (p *Preparation) verify(ctx context.Context, t *Target, tg erase.Target, attempt int, splan *erase.SamplePlan, exp erase.Expectation, mode report.VerifyMode) (bool, error) {
	v, err := erase.Verify(ctx, tg, erase.VerifyOptions{Plan: splan, Expect: exp, Progress: p.progressEvents(t, PhaseVerify, "")})
	var rv report.Verification
	if err != nil {
		rv = report.Verification{Attempt: attempt, Method: mode, Expected: exp.String(), Start: time.Now(), End: time.Now(), Errors: []string{err.Error()}}
	} else {
		rv = VerificationRecord(attempt, v, mode)
	}
	if err := t.log.Verification(rv); err != nil {
		return false, errJournal
	}
	ok := err == nil && v.Outcome == erase.OK
	if !ok {
		p.cfg.emit(Event{Drive: t.Disk.Name, Phase: PhaseVerify, Warning: "verification failed: " + firstNonEmpty(rv.Errors...)})
	}
	return ok, nil
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// firmwareErase plants canaries and reads them back, runs a firmware
// method, reopens the drive (confirming it is the drive probed), and
// verifies that every canary is gone and the drive reads as it declares —
// by the sampling plan when every canary read back before the erase, else
// by reading every block, else (no declared content) not at all. It
// returns whether the method is proven, and recovery advice if it left the
// drive locked or in a failure state. A *driveLost error means the drive
// cannot be reached any more and no further method may run.
func (p *Preparation) firmwareErase(ctx context.Context, t *Target, m report.Method, target *erase.Target, splan *erase.SamplePlan) (bool, string, error) {
	cfg := p.cfg
	// The attempt is on the record before the canaries overwrite their
	// blocks.
	n, err := t.log.BeginAttempt(m, time.Time{})
	if err != nil {
		return false, "", errJournal
	}
	canaries, crec, cerr := p.plant(ctx, t, *target, splan, m)
	if cerr != nil {
		at := report.Attempt{Attempt: n, Method: m, Outcome: report.OutcomeInterrupted, Errors: []string{cerr.Error()}, Canaries: crec}
		if _, e := t.log.Attempt(at); e != nil {
			return false, "", errJournal
		}
		return false, "", nil
	}
	cfg.emit(Event{Drive: t.Disk.Name, Phase: PhaseFirmware, Method: m, Fraction: 0})
	out := t.Drive.Erase(ctx, m, Env{
		Progress: func(pr Progress) {
			cfg.emit(Event{Drive: t.Disk.Name, Phase: PhaseFirmware, Method: m, Fraction: pr.Fraction, ETA: pr.ETA, Warning: pr.Note})
		},
		Record: func(text string) error {
			return t.log.Note(report.Note{Severity: report.SeverityWarning, Code: "erase-state", Text: fmt.Sprintf("attempt %d (%s): %s", n, m, text)})
		},
	})
	if out == nil {
		out = &Outcome{Outcome: report.OutcomeFailed, Errors: []string{"the drive adapter returned no outcome"}}
	}
	at := report.Attempt{Attempt: n, Method: m, Mechanism: out.Mechanism, Outcome: out.Outcome, Errors: out.Errors,
		Pattern: out.Pattern, Passes: out.Passes, Canaries: crec}
	at.Details = append(at.Details, canaries.Summary()+" before the erase")
	if !canaries.Proven() {
		at.Details = append(at.Details, "the canaries did not all read back: only a read-back of every block against the content the drive declares can prove this erase")
	}
	at.Details = append(at.Details, out.Details...)
	if out.ExpectWhy != "" {
		at.Details = append(at.Details, "declared content: "+out.ExpectWhy)
	}
	if out.Recovery != "" {
		at.Details = append(at.Details, "recovery: "+out.Recovery)
	}
	if _, err := t.log.Attempt(at); err != nil {
		return false, out.Recovery, errJournal
	}
	if out.Outcome != report.OutcomeSuccess {
		why := string(out.Outcome)
		if len(out.Errors) > 0 {
			why += ": " + out.Errors[0]
		}
		cfg.emit(Event{Drive: t.Disk.Name, Phase: PhaseFirmware, Method: m, Fraction: -1, Warning: fmt.Sprintf("%s %s; trying the next method", m, why)})
		return false, out.Recovery, nil
	}
	// The erase may have changed the device under the open descriptor
	// (capacity, a re-created namespace, a controller reset): read back
	// through a fresh one, after the adapter confirmed it is still the
	// drive probed (device number, serial and WWN from a fresh identify).
	(*target).Close()
	nt, err := t.Drive.Open(true)
	if err != nil {
		*target = closedTarget{name: t.Disk.Path}
		lost := &driveLost{method: m, err: err}
		if e := t.log.Verification(report.Verification{Attempt: n, Method: report.VerifyCanary, Expected: "canaries gone",
			Start: time.Now(), End: time.Now(), Errors: []string{lost.Error()}}); e != nil {
			return false, out.Recovery, errJournal
		}
		cfg.emit(Event{Drive: t.Disk.Name, Phase: PhaseVerify, Warning: lost.Error()})
		return false, out.Recovery, lost
	}
	*target = nt
	if nt.Size() != splan.Blocks*int64(splan.BlockSize) || nt.LogicalBlockSize() != splan.BlockSize {
		// The erase changed the geometry: the plan (and the canaries) no
		// longer describe the device.
		why := fmt.Sprintf("the device's geometry changed with the erase (%d × %d-byte blocks, was %d × %d): the read-back plan no longer fits",
			nt.Size()/int64(max(1, nt.LogicalBlockSize())), nt.LogicalBlockSize(), splan.Blocks, splan.BlockSize)
		if err := t.log.Verification(report.Verification{Attempt: n, Method: report.VerifyCanary, Expected: "canaries gone", Start: time.Now(), End: time.Now(), Errors: []string{why}}); err != nil {
			return false, out.Recovery, errJournal
		}
		return false, out.Recovery, nil
	}
	if !canaries.Proven() && out.Expect == nil {
		why := fmt.Sprintf("the canaries did not all read back before the erase (%d of %d) and the drive declares no content after it: the erase cannot be proven by read-back", canaries.ReadBack, canaries.Planned)
		if e := t.log.Verification(report.Verification{Attempt: n, Method: report.VerifySampled, Expected: "nothing declared", Start: time.Now(), End: time.Now(), Errors: []string{why}}); e != nil {
			return false, out.Recovery, errJournal
		}
		cfg.emit(Event{Drive: t.Disk.Name, Phase: PhaseVerify, Warning: why})
		return false, out.Recovery, nil
	}
	vplan, exp, mode := p.proofPlan(t, canaries, splan, out.Expect, report.VerifyCanary)
	ok, err := p.verify(ctx, t, nt, n, vplan, exp, mode)
	return ok, out.Recovery, err
}

// closedTarget stands in for a target that could not be reopened: every
// operation fails.
type closedTarget struct{ name string }

var errClosed = errors.New("device could not be reopened")

func (c closedTarget) ReadAt([]byte, int64) (int, error)  { return 0, errClosed }
func (c closedTarget) WriteAt([]byte, int64) (int, error) { return 0, errClosed }
func (c closedTarget) Size() int64                        { return 0 }
func (c closedTarget) LogicalBlockSize() int              { return 512 }
func (c closedTarget) PhysicalBlockSize() int             { return 512 }
func (c closedTarget) Sync() error                        { return errClosed }
func (c closedTarget) Close() error                       { return nil }
func (c closedTarget) Name() string                       { return c.name }
