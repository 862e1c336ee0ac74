package worker

import (
	"fmt"
	"time"

	"github.com/kesu-erase/kesu/erase"
	"github.com/kesu-erase/kesu/report"
)

// OverwriteAttempt converts a host overwrite's result into the record's
// attempt n. passes counts the passes made (the last one is res); how says
// how the writes reached the drive.
func OverwriteAttempt(n int, res *erase.OverwriteResult, passes int, pattern erase.Pattern, how string) report.Attempt {
	at := report.Attempt{Attempt: n, Method: report.MethodOverwrite, Passes: passes, Pattern: pattern.String(),
		Mechanism: fmt.Sprintf("host overwrite of %s: %s", res.Target, how),
		Start:     res.Started, End: res.Finished,
		TargetBytes: uint64(res.Size), BytesWritten: uint64(res.BytesWritten)}
	if pattern.KeyID() != "" {
		at.Pattern += " (AES-256-CTR stream, key id " + pattern.KeyID() + ")"
	}
	for _, u := range res.Unwritable {
		at.Unwritable = append(at.Unwritable, report.LBARange{First: uint64(u.LBA), Count: uint64(u.Count)})
	}
	switch res.Outcome {
	case erase.OK:
		at.Outcome = report.OutcomeSuccess
	case erase.Cancelled:
		at.Outcome, at.Errors = report.OutcomeInterrupted, []string{res.Reason}
	default:
		at.Outcome, at.Errors = report.OutcomeFailed, []string{res.Reason}
	}
	at.Details = append(at.Details, fmt.Sprintf("%.0f MB/s over %s", res.Throughput()/1e6, res.Duration.Round(time.Millisecond)))
	if res.UntriedBlocks > 0 {
		at.Details = append(at.Details, fmt.Sprintf("%d of the unwritable blocks were not tried one by one: they lie in chunks where the drive refused many single-block writes", res.UntriedBlocks))
	}
	return at
}

// VerificationRecord converts a read-back verification of attempt n into
// the record's form.
func VerificationRecord(n int, v *erase.VerifyResult, mode report.VerifyMode) report.Verification {
	if v.Plan.Full && mode == report.VerifySampled {
		mode = report.VerifyFull
	}
	rv := report.Verification{Attempt: n, Method: mode, Expected: v.Expect, PlanSeed: v.Plan.Seed,
		Start: v.Started, End: v.Finished, Subsections: int(v.Plan.Subsections),
		PlanBlocks: uint64(v.Plan.Blocks), BlockSize: uint32(v.Plan.BlockSize), MaxSampleBlocks: uint64(v.Plan.MaxSampleBlocks),
		PercentRequested: v.Plan.Percent, PercentAchieved: v.PercentRead, Samples: uint64(v.Locations),
		BlocksRead: uint64(v.BlocksRead), Mismatches: uint64(v.MismatchedBlocks), ReadErrors: uint64(v.UnreadableBlocks)}
	for _, l := range v.FirstMismatches {
		rv.MismatchLBAs = append(rv.MismatchLBAs, uint64(l))
	}
	for _, u := range v.Unreadable {
		for b := u.LBA; b < u.End() && len(rv.ReadErrorLBAs) < 16; b++ {
			rv.ReadErrorLBAs = append(rv.ReadErrorLBAs, uint64(b))
		}
	}
	if v.Outcome != erase.OK {
		rv.Errors = []string{v.Reason}
	}
	rv.CanariesRead, rv.CanariesSurvived = uint64(v.CanariesChecked), uint64(v.CanariesSurvived)
	return rv
}

// CanaryRecord converts what planting canaries did into the record's form.
func CanaryRecord(c erase.CanaryReport) *report.CanaryRecord {
	r := &report.CanaryRecord{KeyID: c.KeyID, Planned: c.Planned, Planted: c.Planted, ReadBack: c.ReadBack, Error: c.Error}
	for _, l := range c.Missing {
		r.MissingLBAs = append(r.MissingLBAs, uint64(l))
	}
	return r
}
