package erase

import (
	"context"
	"fmt"
	"sync"
	"testing"
)

// readCounter is a memTarget that counts how often each block was read.
type readCounter struct {
	*memTarget
	mu    sync.Mutex
	times []int
	reads int
}

func newReadCounter(size int64, lbs int) *readCounter {
	return &readCounter{memTarget: newMem(size, lbs), times: make([]int, size/int64(lbs))}
}

func (c *readCounter) ReadAt(p []byte, off int64) (int, error) {
	c.mu.Lock()
	c.reads++
	for lba := off / int64(c.lbs); lba < (off+int64(len(p)))/int64(c.lbs); lba++ {
		c.times[lba]++
	}
	c.mu.Unlock()
	return c.memTarget.ReadAt(p, off)
}

// planTimes returns, for every block, how many of the plan's locations
// hold it, walking Extents independently of SamplePlan.Reads.
func planTimes(p *SamplePlan) []int {
	times := make([]int, p.Blocks)
	for i := int64(0); i < p.Subsections; i++ {
		for _, e := range p.Extents(i, nil) {
			for lba := e.LBA; lba < e.End(); lba++ {
				times[lba]++
			}
		}
	}
	return times
}

func samplePlans(t *testing.T) []*SamplePlan {
	t.Helper()
	var plans []*SamplePlan
	for _, c := range []struct {
		blocks int64
		pct    float64
	}{
		{40, 10}, {1999, 10}, {2000, 10}, {65536, 1}, {65536, 10}, {65536, 50}, {65536, 97}, {300001, 10}, {300001, 100},
	} {
		p, err := NewSamplePlan(seed(9), c.blocks, 512, c.pct)
		if err != nil {
			t.Fatal(err)
		}
		plans = append(plans, p)
	}
	return plans
}

// Reads yields reads in LBA order, none longer than asked, that cover
// every planned block exactly once and nothing else.
func TestEachReadCoversThePlanExactly(t *testing.T) {
	for _, p := range samplePlans(t) {
		want := planTimes(p)
		for _, maxBlocks := range []int64{1, 7, 210, 2048, 8192} {
			got := make([]int, p.Blocks)
			var prevEnd int64
			var reads int
			err := p.Reads(maxBlocks, func(r LBARange) error {
				if r.Count <= 0 || r.Count > maxBlocks || r.LBA < prevEnd {
					t.Fatalf("plan %d blocks %v%%, max %d: read %+v after one ending at %d; want 1..%d blocks in LBA order",
						p.Blocks, p.Percent, maxBlocks, r, prevEnd, maxBlocks)
				}
				prevEnd = r.LBA + r.Count
				reads++
				for lba := r.LBA; lba < r.LBA+r.Count; lba++ {
					got[lba]++
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			for lba := range got {
				if got[lba] != want[lba] {
					t.Fatalf("plan %d blocks %v%%, max %d: block %d read %d times; the plan holds it %d times",
						p.Blocks, p.Percent, maxBlocks, lba, got[lba], want[lba])
				}
			}
			planned, locations := p.PlannedBlocks()
			if minReads := int((planned + maxBlocks - 1) / maxBlocks); reads < minReads || reads > int(locations)+int(planned/maxBlocks) {
				t.Errorf("plan %d blocks %v%%, max %d: %d reads; want between %d and %d", p.Blocks, p.Percent, maxBlocks, reads, minReads, int(locations)+int(planned/maxBlocks))
			}
		}
	}
}

// A whole-part plan (a device too small for two samples per part) is read
// in a few long reads, not one read per part.
func TestEachReadJoinsAbuttingLocations(t *testing.T) {
	// 1998 blocks: 999 parts of two blocks, each read whole.
	p, err := NewSamplePlan(seed(9), 1998, 512, 10)
	if err != nil {
		t.Fatal(err)
	}
	_, locations := p.PlannedBlocks()
	var reads int
	p.Reads(2048, func(LBARange) error { reads++; return nil })
	if locations != 999 || reads != 1 {
		t.Errorf("plan over 1998 blocks: %d locations in %d reads; want 999 locations in 1 read", locations, reads)
	}
}

// Verify reads every block of the plan exactly once, with any number of
// readers, and no block outside it.
func TestVerifyReadsEverySampleOnce(t *testing.T) {
	for _, p := range samplePlans(t) {
		want := planTimes(p)
		for _, workers := range []int{1, 3, 8} {
			t.Run(fmt.Sprintf("%d-%v-%d", p.Blocks, p.Percent, workers), func(t *testing.T) {
				c := newReadCounter(p.Blocks*512, 512)
				res, err := Verify(context.Background(), c, VerifyOptions{Plan: p, Expect: ExpectPattern(Zero()), Workers: workers, ReadSize: 64 << 10})
				if err != nil || res.Outcome != OK {
					t.Fatalf("Verify = %+v, %v; want ok", res, err)
				}
				for lba := range c.times {
					if c.times[lba] != want[lba] {
						t.Fatalf("block %d read %d times; the plan holds it %d times", lba, c.times[lba], want[lba])
					}
				}
				if planned, _ := p.PlannedBlocks(); res.BlocksRead != planned {
					t.Errorf("BlocksRead = %d; want %d", res.BlocksRead, planned)
				}
			})
		}
	}
}

// Check finds exactly the blocks that differ, wherever they fall against
// its comparison strides, for constant and random patterns.
func TestCheckFindsEveryDifferingBlock(t *testing.T) {
	for _, p := range []Pattern{Zero(), One(), Byte(0x3c), mustRandom(t), mustRandom(t).Complement()} {
		for _, bs := range []int{512, 4096} {
			const n = 1 << 20
			off := int64(bs) * 12345
			buf := make([]byte, n)
			p.Fill(buf, off)
			// First and last byte of a stride, a block inside one, the last
			// block.
			wantBad := []int64{}
			for _, at := range []int{0, constStride - 1, constStride, randomStride - 1, randomStride + 3*bs + 17, n - 1} {
				buf[at] ^= 0x80
				lba := (off + int64(at)) / int64(bs)
				if len(wantBad) == 0 || wantBad[len(wantBad)-1] != lba {
					wantBad = append(wantBad, lba)
				}
			}
			e := ExpectPattern(p)
			var got []int64
			e.Check(buf, off, bs, make([]byte, e.ScratchSize(n)), func(lba int64) { got = append(got, lba) })
			if fmt.Sprint(got) != fmt.Sprint(wantBad) {
				t.Errorf("Check(%s, %d-byte blocks) flagged %v; want %v", p, bs, got, wantBad)
			}
		}
	}
}
