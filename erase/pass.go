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
	Verify    *VerifyResult    `json:"verification,omitempty"`
	// VerifySkipped says why no verification ran, when none did.
	VerifySkipped string        `json:"verification_skipped,omitempty"`
	Started       time.Time     `json:"started"`
	Finished      time.Time     `json:"finished"`
	Duration      time.Duration `json:"duration_ns"`
	Status        Status        `json:"status"`
	Reason        string        `json:"reason,omitempty"`
}

// OverwriteAndVerify overwrites t with the pattern and reads it back by a
// sampled or full plan. A failed or cancelled overwrite is not verified:
// its result is FAIL whatever a read-back would find.
func OverwriteAndVerify(ctx context.Context, t Target, o PassOptions) (*PassResult, error) {
	res := &PassResult{Started: time.Now()}
	done := func(s Status, reason string) (*PassResult, error) {
		res.Finished = time.Now()
		res.Duration = res.Finished.Sub(res.Started)
		res.Status, res.Reason = s, reason
		return res, nil
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
	seed := o.Seed
	if seed == nil {
		if seed, err = NewSeed(); err != nil {
			return nil, err
		}
	}
	bs := t.LogicalBlockSize()
	plan, err := NewSamplePlan(seed, t.Size()/int64(bs), bs, o.VerifyPercent)
	if err != nil {
		return nil, err
	}
	v, err := Verify(ctx, t, VerifyOptions{Plan: plan, Expect: ExpectPattern(o.Overwrite.Pattern), Progress: o.VerifyProgress})
	if err != nil {
		return nil, err
	}
	res.Verify = v
	if v.Outcome != OK {
		return done(StatusFail, "verification "+string(v.Outcome)+": "+v.Reason)
	}
	return done(StatusPass, fmt.Sprintf("every byte written with %s; %s read-back of %.1f%% found only the pattern", ow.Pattern, v.Method, v.PercentRead))
}
