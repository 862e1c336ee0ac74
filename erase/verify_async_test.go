package erase

import (
	"context"
	"strings"
	"testing"
)

// asyncMem is a memTarget whose batches go through asyncBatch the way a
// block device's do: one goroutine, every I/O's outcome handed to done.
type asyncMem struct {
	*memTarget
	batches, ios int
}

func (a *asyncMem) asyncBatch(ctx context.Context, write bool, n, unit int, arena []byte,
	prep func(int, []byte) batchItem, done func(int, []byte, error)) (bool, error) {
	a.batches++
	for i := range n {
		if err := ctx.Err(); err != nil {
			return true, err
		}
		it := prep(i, arena[:unit])
		if it.skip {
			continue
		}
		a.ios++
		done(i, it.buf, syncIO(a.memTarget, write, it.buf, it.off))
	}
	return true, nil
}

// A sampled verification through asynchronous I/O reads every planned
// block, pins down unreadable blocks by reading a failed request again the
// ordinary way, and ends on a drive that vanishes.
func TestSampledVerifyAsync(t *testing.T) {
	const size, lbs = 16 << 20, 512
	p, err := NewSamplePlan(seed(3), size/lbs, lbs, 10)
	if err != nil {
		t.Fatal(err)
	}
	planned, _ := p.PlannedBlocks()
	var inPlan []int64
	p.Each(func(r LBARange) error {
		inPlan = append(inPlan, r.LBA)
		return nil
	})

	m := &asyncMem{memTarget: newMem(size, lbs)}
	v, err := Verify(context.Background(), m, VerifyOptions{Plan: p, Expect: ExpectPattern(Zero())})
	if err != nil || v.Outcome != OK || v.BlocksRead != planned || m.batches != 1 || m.ios == 0 {
		t.Fatalf("Verify = %s (%s), %d of %d blocks, %d batches, %v; want ok, all read in one batch", v.Outcome, v.Reason, v.BlocksRead, planned, m.batches, err)
	}

	// Two unreadable blocks inside planned samples: each is found alone.
	m = &asyncMem{memTarget: newMem(size, lbs)}
	bad := []int64{inPlan[10] + 1, inPlan[500]}
	for _, b := range bad {
		m.badRead = append(m.badRead, LBARange{LBA: b, Count: 1})
	}
	v, err = Verify(context.Background(), m, VerifyOptions{Plan: p, Expect: ExpectPattern(Zero())})
	if err != nil || v.Outcome != Failed || v.UnreadableBlocks != 2 || len(v.Unreadable) != 2 ||
		v.Unreadable[0].LBA != bad[0] || v.Unreadable[1].LBA != bad[1] || v.BlocksRead != planned-2 {
		t.Fatalf("Verify with unreadable LBAs %v = %s, unreadable %v (%d blocks), %d of %d read, %v; want failed, exactly those",
			bad, v.Outcome, v.Unreadable, v.UnreadableBlocks, v.BlocksRead, planned, err)
	}

	// A drive that vanishes: the verification fails saying so.
	m = &asyncMem{memTarget: newMem(size, lbs)}
	m.gone = true
	v, err = Verify(context.Background(), m, VerifyOptions{Plan: p, Expect: ExpectPattern(Zero())})
	if err != nil || v.Outcome != Failed || !strings.Contains(v.Reason, ErrVanished.Error()) {
		t.Fatalf("Verify of a vanished drive = %s (%s), %v; want failed, vanished", v.Outcome, v.Reason, err)
	}
}
