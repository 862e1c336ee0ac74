package erase

import (
	"context"
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
	if _, err := PlantCanaries(context.Background(), m, plan(t, m, 10)); err == nil {
		t.Error("PlantCanaries on an unwritable target succeeded; want an error")
	}
}
