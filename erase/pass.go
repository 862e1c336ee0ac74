package erase

import (
	"context"
	"fmt"
	"time"
)

// Status is the verdict on one target after an overwrite pass.
type Status string

// Statuses. PASS needs a complete overwrite and a verification that read
// back every planned block and found only the pattern.
const (
	StatusPass       Status = "PASS"
	StatusFail       Status = "FAIL"
	StatusUnverified Status = "UNVERIFIED" // written completely, read-back not requested
)

// PassOptions configures OverwriteAndVerify.
type PassOptions struct {
	Overwrite OverwriteOptions
	// VerifyPercent is the share of blocks to read back: 0 for none, 100
	// for full.
	VerifyPercent float64
	// Seed for the sampling plan; a fresh one when nil.
	Seed []byte
	// VerifyProgress, if set, receives the verification's progress.
	VerifyProgress func(Progress)
}

// PassResult is one overwrite-and-verify run on one target.
type PassResult struct {
	Overwrite *OverwriteResult `json:"overwrite"`
	// Canaries is what planting canaries before the overwrite did; nil
	// when no verification was asked for.
	Canaries *CanaryReport `json:"canaries,omitempty"`
	Verify   *VerifyResult `json:"verification,omitempty"`
	// VerifySkipped says why no verification ran, when none did.
	VerifySkipped string        `json:"verification_skipped,omitempty"`
	Started       time.Time     `json:"started"`
	Finished      time.Time     `json:"finished"`
	Duration      time.Duration `json:"duration_ns"`
	Status        Status        `json:"status"`
	Reason        string        `json:"reason,omitempty"`
}

// OverwriteAndVerify overwrites t with the pattern and reads it back. Before
// the overwrite it plants canaries at the sampling plan's locations and
// reads them back (PlantCanaries): when every canary read back, the sampled
// plan verifies the overwrite (canaries gone, pattern everywhere read);
// when not — the target does not keep what it acknowledges, or refused a
// write — only a read-back of every block can prove it, and the plan
// becomes full. A failed or cancelled overwrite is not verified: its result
// is FAIL whatever a read-back would find.
func OverwriteAndVerify(ctx context.Context, t Target, o PassOptions) (*PassResult, error) {
	res := &PassResult{Started: time.Now()}
	done := func(s Status, reason string) (*PassResult, error) {
		res.Finished = time.Now()
		res.Duration = res.Finished.Sub(res.Started)
		res.Status, res.Reason = s, reason
		return res, nil
	}
	var plan *SamplePlan
	var canaries *Canaries
	bs := t.LogicalBlockSize()
	if o.VerifyPercent > 0 {
		seed := o.Seed
		if seed == nil {
			var err error
			if seed, err = NewSeed(); err != nil {
				return nil, err
			}
		}
		var err error
		if plan, err = NewSamplePlan(seed, t.Size()/int64(bs), bs, o.VerifyPercent); err != nil {
			return nil, err
		}
		if canaries, err = PlantCanaries(ctx, t, plan); err != nil {
			return nil, err
		}
		r := canaries.Report()
		res.Canaries = &r
	}
	ow, err := Overwrite(ctx, t, o.Overwrite)
	if err != nil {
		return nil, err
	}
	res.Overwrite = ow
	if ow.Outcome != OK {
		res.VerifySkipped = "the overwrite did not complete"
		return done(StatusFail, "overwrite "+string(ow.Outcome)+": "+ow.Reason)
	}
	if o.VerifyPercent == 0 {
		res.VerifySkipped = "verification not requested"
		return done(StatusUnverified, "overwrite complete; no read-back was requested, so nothing proves it")
	}
	plan, exp, _ := canaries.ProofPlan(plan, ExpectPattern(o.Overwrite.Pattern))
	note := ""
	if !canaries.Proven() {
		note = fmt.Sprintf(" (every block read back: %v)", canaries.Err)
	}
	v, err := Verify(ctx, t, VerifyOptions{Plan: plan, Expect: exp, Progress: o.VerifyProgress})
	if err != nil {
		return nil, err
	}
	res.Verify = v
	if v.Outcome != OK {
		return done(StatusFail, "verification "+string(v.Outcome)+": "+v.Reason+note)
	}
	how := fmt.Sprintf("%d canaries planted and read back before the overwrite were gone after it", canaries.ReadBack)
	if !canaries.Proven() {
		how = "canaries did not all read back before the overwrite, so every block was read back" + note
	}
	return done(StatusPass, fmt.Sprintf("every byte written with %s; %s read-back of %.1f%% found only the pattern; %s", ow.Pattern, v.Method, v.PercentRead, how))
}
