package erase

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// plantOn plants canaries on a zero-filled memory target and returns them.
func plantOn(t *testing.T, m *memTarget, p *SamplePlan) *Canaries {
	t.Helper()
	c, err := PlantCanaries(context.Background(), m, p)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCanariesCoverEverySubsection(t *testing.T) {
	m := newMem(64<<20, 512)
	p := plan(t, m, 10)
	c := plantOn(t, m, p)
	lbas := c.LBAs()
	for i := int64(0); i < p.Subsections; i++ {
		start, l := p.Subsection(i)
		found := false
		for _, x := range lbas {
			if x >= start && x < start+l {
				found = true
				break
			}
		}
		if !found {
			t.Fatalf("subsection %d [%d,%d) has no canary", i, start, start+l)
		}
	}
	// The canaries really are on the media, with content from their key.
	if s, u := c.Survivors(m); len(s) != c.Count() || len(u) != 0 {
		t.Errorf("right after planting: %d of %d canaries found, %d unreadable; want all", len(s), c.Count(), len(u))
	}
}

func TestCanaryCatchesEraseThatDidNothing(t *testing.T) {
	m := newMem(64<<20, 512)
	p := plan(t, m, 10)
	c := plantOn(t, m, p)
	// The "erase" reports success and does nothing.
	res, err := Verify(context.Background(), m, VerifyOptions{Plan: p, Expect: c.Expect(nil)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != Failed || res.CanariesSurvived != int64(c.Count()) || !strings.Contains(res.Reason, "canary") {
		t.Errorf("Verify after a no-op erase = %s %q, %d/%d canaries survived; want failed, all survived",
			res.Outcome, res.Reason, res.CanariesSurvived, res.CanariesChecked)
	}
}

func TestCanaryAfterCryptoLikeErase(t *testing.T) {
	m := newMem(64<<20, 512)
	p := plan(t, m, 10)
	c := plantOn(t, m, p)
	// A crypto erase leaves fresh random content everywhere.
	other := mustRandom(t)
	other.Fill(m.data, 0)
	res, _ := Verify(context.Background(), m, VerifyOptions{Plan: p, Expect: c.Expect(nil)})
	if res.Outcome != OK || res.CanariesChecked != int64(c.Count()) || res.CanariesSurvived != 0 {
		t.Errorf("Verify after a real crypto erase = %s %q, checked %d of %d; want ok, all checked", res.Outcome, res.Reason, res.CanariesChecked, c.Count())
	}
}

func TestCanaryPartialErase(t *testing.T) {
	m := newMem(64<<20, 512)
	p := plan(t, m, 10)
	c := plantOn(t, m, p)
	// The drive erased only the first half (fails midway, says success).
	clear(m.data[:32<<20])
	res, _ := Verify(context.Background(), m, VerifyOptions{Plan: p, Expect: c.Expect(ExpectPattern(Zero()))})
	if res.Outcome != Failed || res.CanariesSurvived == 0 || res.FirstMismatches[0] < (32<<20)/512 {
		t.Errorf("Verify after a half erase = %s, %d survived, first mismatch %v; want failed in the second half", res.Outcome, res.CanariesSurvived, res.FirstMismatches)
	}
	// Erasing the rest to zeros passes both the canary and the zero checks.
	clear(m.data)
	c2 := c.Expect(ExpectPattern(Zero()))
	res, _ = Verify(context.Background(), m, VerifyOptions{Plan: p, Expect: c2})
	if res.Outcome != OK {
		t.Errorf("Verify after a full zeroing erase = %s %q; want ok", res.Outcome, res.Reason)
	}
	// Zeros declared but ones found: the declared-content check fails even
	// though every canary is gone.
	fillByte(m.data, 0xff)
	res, _ = Verify(context.Background(), m, VerifyOptions{Plan: p, Expect: c.Expect(ExpectPattern(Zero()))})
	if res.Outcome != Failed || res.CanariesSurvived != 0 || res.MismatchedBlocks == 0 {
		t.Errorf("Verify expecting zeros over ones = %s, %d survived, %d mismatched; want failed on content", res.Outcome, res.CanariesSurvived, res.MismatchedBlocks)
	}
	res, _ = Verify(context.Background(), m, VerifyOptions{Plan: p, Expect: c.Expect(ExpectAnyOf(Zero(), One()))})
	if res.Outcome != OK {
		t.Errorf("Verify expecting zeros or ones over ones = %s %q; want ok", res.Outcome, res.Reason)
	}
}

func TestCanaryFullPlan(t *testing.T) {
	m := newMem(8<<20, 512)
	p := plan(t, m, 100)
	c := plantOn(t, m, p)
	if c.Count() < 1000 {
		t.Errorf("full plan planted %d canaries; want ≥ 1000", c.Count())
	}
	res, _ := Verify(context.Background(), m, VerifyOptions{Plan: p, Expect: c.Expect(nil)})
	if res.Outcome != Failed || res.CanariesSurvived != int64(c.Count()) {
		t.Errorf("full Verify over untouched canaries = %s, %d survived; want failed, all", res.Outcome, res.CanariesSurvived)
	}
}

func TestPlantCanariesWriteError(t *testing.T) {
	m := newMem(8<<20, 512)
	m.badWrite = []LBARange{{LBA: 0, Count: 1 << 14}}
	c, err := PlantCanaries(context.Background(), m, plan(t, m, 10))
	if err != nil {
		t.Fatal(err)
	}
	if c.Proven() || c.Planted != 0 || c.ReadBack != 0 || c.Count() != 0 || c.Err == nil || !strings.Contains(c.Err.Error(), "input/output error") {
		t.Errorf("canaries on an unwritable target: proven %v, planted %d, read back %d, err %v; want unproven, none, the write error",
			c.Proven(), c.Planted, c.ReadBack, c.Err)
	}
}

// Issue 12 item 1: a drive that acknowledges writes it never makes leaves no
// canaries, whatever its write calls returned.
func TestCanariesThatDoNotReadBackDoNotCount(t *testing.T) {
	m := newMem(8<<20, 512)
	m.dropWrite = []LBARange{{LBA: 0, Count: 1 << 14}}
	p := plan(t, m, 10)
	c, err := PlantCanaries(context.Background(), m, p)
	if err != nil {
		t.Fatal(err)
	}
	planned := len(CanaryLBAs(p))
	if c.Proven() || c.Planned != planned || c.Planted != planned || c.ReadBack != 0 || c.Count() != 0 ||
		!errors.Is(c.Err, ErrCanariesUnproven) || len(c.Missing) != 16 {
		t.Errorf("canaries on a write-dropping target: proven %v, planned %d/%d, planted %d, read back %d, missing %d, err %v; want all planted, none read back",
			c.Proven(), c.Planned, planned, c.Planted, c.ReadBack, len(c.Missing), c.Err)
	}
	// The "erase" does nothing either: the old check (canaries gone) would
	// pass, since they were never there. With no proven canary, nothing
	// is checked as a canary.
	res, _ := Verify(context.Background(), m, VerifyOptions{Plan: p, Expect: c.Expect(nil)})
	if res.CanariesChecked != 0 {
		t.Errorf("Verify counted %d canaries checked; want 0 (none was proven)", res.CanariesChecked)
	}
}

// One dropped canary write of the plan's ~2,000 is enough to leave the
// drive without proven canaries; the others still count as read back and
// are still checked after the erase.
func TestOneDroppedCanary(t *testing.T) {
	m := newMem(64<<20, 512)
	p := plan(t, m, 10)
	lbas := CanaryLBAs(p)
	victim := lbas[len(lbas)/2]
	m.dropWrite = []LBARange{{LBA: victim, Count: 1}}
	c, err := PlantCanaries(context.Background(), m, p)
	if err != nil {
		t.Fatal(err)
	}
	if c.Proven() || c.ReadBack != len(lbas)-1 || len(c.Missing) != 1 || c.Missing[0] != victim {
		t.Errorf("one dropped canary: proven %v, read back %d of %d, missing %v; want unproven, %d, [%d]",
			c.Proven(), c.ReadBack, len(lbas), c.Missing, len(lbas)-1, victim)
	}
	res, _ := Verify(context.Background(), m, VerifyOptions{Plan: p, Expect: c.Expect(nil)})
	if res.CanariesChecked != int64(len(lbas)-1) || res.CanariesSurvived != int64(len(lbas)-1) {
		t.Errorf("Verify after a no-op erase: checked %d, survived %d; want %d each", res.CanariesChecked, res.CanariesSurvived, len(lbas)-1)
	}
}

// A failing flush leaves no canary known to be on the medium.
func TestCanaryFlushFailure(t *testing.T) {
	m := newMem(8<<20, 512)
	m.syncErr = errIO
	c, err := PlantCanaries(context.Background(), m, plan(t, m, 10))
	if err != nil {
		t.Fatal(err)
	}
	if c.Proven() || c.ReadBack != 0 || c.Planted != 0 || !strings.Contains(c.Err.Error(), "flushing") {
		t.Errorf("flush failure: proven %v, planted %d, read back %d, err %v; want none", c.Proven(), c.Planted, c.ReadBack, c.Err)
	}
}

// Issue 12 items 1–2 through the pass the CLI runs: a target that drops
// every write, holding zeros but one block of data, is overwritten with
// zeros. A sampled read-back of zeros would pass whenever it missed the
// block; without proven canaries every block is read back and the data is
// found.
func TestOverwriteAndVerifyOnADriveThatDropsWrites(t *testing.T) {
	m := newMem(16<<20, 512)
	const dataLBA = 12345
	copy(m.data[dataLBA*512:], []byte("RESIDENT DATA"))
	m.dropWrite = []LBARange{{LBA: 0, Count: 1 << 15}}
	// A fixed seed whose 10% plan does not read the data block: a sampled
	// read-back alone would pass.
	var sd []byte
	for i := byte(1); ; i++ {
		sd = seed(i)
		p, err := NewSamplePlan(sd, m.Size()/512, 512, 10)
		if err != nil {
			t.Fatal(err)
		}
		hit := false
		p.Each(func(e LBARange) error {
			if dataLBA >= e.LBA && dataLBA < e.End() {
				hit = true
			}
			return nil
		})
		if !hit {
			break
		}
	}
	res, err := OverwriteAndVerify(context.Background(), m, PassOptions{Overwrite: OverwriteOptions{Pattern: Zero()}, VerifyPercent: 10, Seed: sd})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != StatusFail || res.Canaries == nil || res.Canaries.ReadBack != 0 || !res.Verify.Plan.Full ||
		res.Verify.MismatchedBlocks != 1 || res.Verify.FirstMismatches[0] != dataLBA {
		t.Errorf("pass on a write-dropping target = %s (%s), canaries %+v, full read %v, mismatches %d %v; want FAIL by a full read finding LBA %d",
			res.Status, res.Reason, res.Canaries, res.Verify != nil && res.Verify.Plan.Full, res.Verify.MismatchedBlocks, res.Verify.FirstMismatches, dataLBA)
	}
	// An honest target: canaries proven, sampled read-back, PASS.
	h := newMem(16<<20, 512)
	res, err = OverwriteAndVerify(context.Background(), h, PassOptions{Overwrite: OverwriteOptions{Pattern: Zero()}, VerifyPercent: 10, Seed: sd})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != StatusPass || !(res.Canaries.ReadBack == res.Canaries.Planned && res.Canaries.Planned > 0) || res.Verify.Plan.Full ||
		res.Verify.CanariesChecked != int64(res.Canaries.ReadBack) || res.Verify.CanariesSurvived != 0 {
		t.Errorf("pass on an honest target = %s (%s), canaries %+v, verify full %v, canaries checked %d survived %d; want PASS, sampled, all canaries read and gone",
			res.Status, res.Reason, res.Canaries, res.Verify.Plan.Full, res.Verify.CanariesChecked, res.Verify.CanariesSurvived)
	}
}

// ProofPlan: a sampled plan only when every canary read back.
func TestProofPlan(t *testing.T) {
	m := newMem(8<<20, 512)
	p := plan(t, m, 10)
	c := plantOn(t, m, p)
	if got, exp, full := c.ProofPlan(p, ExpectPattern(Zero())); got != p || full || !strings.HasPrefix(exp.String(), "canaries gone") {
		t.Errorf("proven canaries: plan full %v (same plan %v), expect %q; want the sampled plan with the canaries", full, got == p, exp)
	}
	m.dropWrite = []LBARange{{LBA: 0, Count: 1 << 14}}
	c = plantOn(t, m, p)
	if got, exp, full := c.ProofPlan(p, ExpectPattern(Zero())); !full || !got.Full || got.Blocks != p.Blocks || exp.String() != "zero" {
		t.Errorf("unproven canaries: plan full %v/%v over %d blocks, expect %q; want every one of %d blocks against zero", full, got.Full, got.Blocks, exp, p.Blocks)
	}
}
