package erase

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func written(t *testing.T, size int64, p Pattern) *memTarget {
	t.Helper()
	m := newMem(size, 512)
	p.Fill(m.data, 0)
	return m
}

func plan(t *testing.T, m *memTarget, pct float64) *SamplePlan {
	t.Helper()
	p, err := NewSamplePlan(seed(3), m.Size()/int64(m.lbs), m.lbs, pct)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestVerifyCleanPasses(t *testing.T) {
	for _, p := range []Pattern{Zero(), One(), Byte(0x3c), mustRandom(t)} {
		m := written(t, 32<<20, p)
		for _, pct := range []float64{10, 100} {
			res, err := Verify(context.Background(), m, VerifyOptions{Plan: plan(t, m, pct), Expect: ExpectPattern(p)})
			if err != nil {
				t.Fatal(err)
			}
			if res.Outcome != OK || res.BlocksRead != res.BlocksPlanned || res.BlocksRead == 0 {
				t.Errorf("Verify(%s, %v%%) = %s %q, read %d of %d; want ok", p, pct, res.Outcome, res.Reason, res.BlocksRead, res.BlocksPlanned)
			}
			if pct == 10 && (res.PercentRead < 10 || res.PercentRead > 13) {
				t.Errorf("Verify(%s, 10%%) read %.2f%%; want 10–13%% (rounding up to whole blocks in 65-block parts)", p, res.PercentRead)
			}
		}
	}
}

func TestSampledVerifyFindsCorruptRegion(t *testing.T) {
	m := written(t, 64<<20, Zero())
	// Corrupt a contiguous 1% of the device in the middle.
	start, n := int64(30<<20), int64(64<<20)/100
	for i := start; i < start+n; i++ {
		m.data[i] = 0x41
	}
	res, err := Verify(context.Background(), m, VerifyOptions{Plan: plan(t, m, 10), Expect: ExpectPattern(Zero())})
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != Failed || res.MismatchedBlocks == 0 {
		t.Fatalf("Verify over a 1%% corrupt region = %s, %d mismatches; want failed", res.Outcome, res.MismatchedBlocks)
	}
	lo, hi := start/512, (start+n)/512
	for _, lba := range res.FirstMismatches {
		if lba < lo || lba >= hi {
			t.Errorf("mismatch reported at LBA %d, outside the corrupt LBAs [%d,%d)", lba, lo, hi)
		}
	}
	if !strings.Contains(res.Reason, "first at LBA") {
		t.Errorf("Reason = %q; want the first mismatching LBA", res.Reason)
	}
}

func TestFullVerifyFindsOneSector(t *testing.T) {
	for _, p := range []Pattern{Zero(), mustRandom(t)} {
		m := written(t, 16<<20, p)
		m.data[12345*512+100] ^= 0x01 // one bit in LBA 12345
		res, _ := Verify(context.Background(), m, VerifyOptions{Plan: plan(t, m, 100), Expect: ExpectPattern(p)})
		if res.Outcome != Failed || res.MismatchedBlocks != 1 {
			t.Fatalf("full Verify(%s) = %s, %d mismatches; want failed with 1", p, res.Outcome, res.MismatchedBlocks)
		}
		if diff := cmp.Diff([]int64{12345}, res.FirstMismatches); diff != "" {
			t.Errorf("FirstMismatches (-want +got):\n%s", diff)
		}
	}
}

func TestVerifyUnreadable(t *testing.T) {
	m := written(t, 8<<20, Zero())
	m.badRead = []LBARange{{LBA: 5000, Count: 3}}
	res, _ := Verify(context.Background(), m, VerifyOptions{Plan: plan(t, m, 100), Expect: ExpectPattern(Zero())})
	if res.Outcome != Failed {
		t.Errorf("Outcome = %s; want failed", res.Outcome)
	}
	if diff := cmp.Diff(m.badRead, res.Unreadable); diff != "" {
		t.Errorf("Unreadable (-want +got):\n%s", diff)
	}
	if res.BlocksRead != res.BlocksPlanned-3 {
		t.Errorf("BlocksRead = %d; want %d", res.BlocksRead, res.BlocksPlanned-3)
	}
}

func TestVerifyVanished(t *testing.T) {
	m := written(t, 8<<20, Zero())
	m.gone = true
	res, _ := Verify(context.Background(), m, VerifyOptions{Plan: plan(t, m, 10), Expect: ExpectPattern(Zero())})
	if res.Outcome != Failed || !strings.Contains(res.Reason, ErrVanished.Error()) || res.BlocksRead != 0 {
		t.Errorf("Verify of a vanished device = %s %q read %d; want failed, vanished, nothing read", res.Outcome, res.Reason, res.BlocksRead)
	}
}

func TestVerifyCancelled(t *testing.T) {
	m := written(t, 64<<20, Zero())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, _ := Verify(ctx, m, VerifyOptions{Plan: plan(t, m, 100), Expect: ExpectPattern(Zero())})
	if res.Outcome == OK {
		t.Errorf("Verify with a cancelled context = ok; want not ok")
	}
}

func TestVerifyShortTarget(t *testing.T) {
	m := written(t, 8<<20, Zero())
	p := plan(t, m, 10)
	m.data = m.data[:4<<20] // the device shrank after planning
	res, _ := Verify(context.Background(), m, VerifyOptions{Plan: p, Expect: ExpectPattern(Zero())})
	if res.Outcome != Failed || !strings.Contains(res.Reason, ErrShortDevice.Error()) {
		t.Errorf("Verify of a shrunken target = %s %q; want failed, short", res.Outcome, res.Reason)
	}
}

type panicky struct{ Expectation }

func (panicky) Check([]byte, int64, int, []byte, func(int64)) { panic("bug in an expectation") }

// A panic inside a verification worker fails that verification; it does
// not take the process down.
func TestVerifyWorkerPanicFails(t *testing.T) {
	m := written(t, 8<<20, Zero())
	res, err := Verify(context.Background(), m, VerifyOptions{Plan: plan(t, m, 10), Expect: panicky{ExpectPattern(Zero())}})
	if err != nil || res.Outcome != Failed || !strings.Contains(res.Reason, "internal error") {
		t.Errorf("Verify with a panicking check = %+v, %v; want failed, internal error", res, err)
	}
}

// A panicking progress display does not stop the pass.
func TestProgressPanicDoesNotStopPass(t *testing.T) {
	m := newMem(8<<20, 512)
	res, _ := Overwrite(context.Background(), m, OverwriteOptions{Pattern: Zero(), ProgressInterval: time.Millisecond,
		Progress: func(Progress) { panic("display bug") }})
	if res.Outcome != OK || res.BytesWritten != 8<<20 {
		t.Errorf("Overwrite with a panicking progress callback = %s, %d bytes; want ok, all", res.Outcome, res.BytesWritten)
	}
}
