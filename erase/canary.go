package erase

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Canaries are blocks of known random content planted before an erase and
// read back from the medium before the erase starts. After the erase, every
// canary must be gone: a drive that reports success and erases nothing is
// caught, whatever it claims. A canary counts only when it read back: a
// drive that acknowledges writes it never makes (a failing flash, a bridge or
// cache that lies) leaves no canaries, and its erase must then be proven by
// reading back every block. The canaries' key lives only in memory; the
// record names it by its key id.
type Canaries struct {
	pattern   Pattern
	blockSize int
	// anchors are the plan's canary blocks (one per sampled location),
	// sorted; proven those of them that read back with their content.
	anchors []int64
	proven  map[int64]struct{}
	// blocks are all blocks that read back holding canary content: the
	// proven anchors and the rest of their aligned write units.
	blocks map[int64]struct{}

	// Planned counts the anchors the plan placed, Planted those whose
	// write and the flush after it succeeded, ReadBack those read back from
	// the medium with their content.
	Planned, Planted, ReadBack int
	// Missing lists the first anchors (at most 16) that did not read back
	// with their content.
	Missing []int64
	// Err is the first write, flush or read error met, if any.
	Err error
	// PlantedAt is when the canaries were flushed; Duration how long
	// planting and reading back took.
	PlantedAt time.Time
	Duration  time.Duration
}

// maxListedCanaries bounds the missing canaries a result lists.
const maxListedCanaries = 16

// KeyID names the canaries' key.
func (c *Canaries) KeyID() string { return c.pattern.KeyID() }

// Count returns the number of proven canaries (anchors that read back).
func (c *Canaries) Count() int { return len(c.proven) }

// Proven reports whether every canary the plan placed was written, flushed
// and read back from the medium with its content. Only then can a sampled
// read-back by the same plan prove an erase.
func (c *Canaries) Proven() bool { return c.Planned > 0 && c.ReadBack == c.Planned }

// ProofPlan says how the erase the canaries were planted for is read back:
// with every canary proven, by the sampling plan they were placed for
// (sampled), checking the canaries are gone and the blocks meet after;
// otherwise by a plan over every block (full), against after and any
// canaries that did read back. A drive that did not keep its canaries can
// only be shown erased by reading all of it.
func (c *Canaries) ProofPlan(sampled *SamplePlan, after Expectation) (plan *SamplePlan, exp Expectation, full bool) {
	exp = after
	if c.Count() > 0 {
		exp = c.Expect(after)
	}
	if c.Proven() {
		return sampled, exp, sampled.Full
	}
	return FullPlan(sampled.Blocks, sampled.BlockSize), exp, true
}

// LBAs returns the proven canaries, sorted.
func (c *Canaries) LBAs() []int64 {
	out := make([]int64, 0, len(c.proven))
	for _, l := range c.anchors {
		if _, ok := c.proven[l]; ok {
			out = append(out, l)
		}
	}
	return out
}

// CanaryLBAs chooses canary blocks from a sampling plan: the first block of
// every sampled location, so each of the plan's subsections holds at least
// one canary and a verification by the same plan reads them all. A full plan
// gets one canary at the start of each of 1,000 equal parts.
func CanaryLBAs(p *SamplePlan) []int64 {
	var out []int64
	if p.Full {
		parts := min(int64(DefaultSubsections), p.Blocks)
		for i := int64(0); i < parts; i++ {
			out = append(out, mulDiv(i, p.Blocks, parts))
		}
		if last := p.Blocks - 1; last > out[len(out)-1] {
			out = append(out, last)
		}
		return out
	}
	p.Each(func(e LBARange) error {
		out = append(out, e.LBA)
		return nil
	})
	return out
}

// ErrCanariesUnproven says the canaries did not all read back.
var ErrCanariesUnproven = errors.New("canaries not proven")

// canaryUnit is one aligned write unit holding one or more canaries.
type canaryUnit struct {
	first, blocks int64
	anchors       int
	ok            bool // written (phase 1), then read back (phase 2)
}

// PlantCanaries writes fresh random content over the canary blocks of plan,
// flushes it to the medium (FLUSH CACHE / SYNCHRONIZE CACHE through fsync),
// and reads every canary back (O_DIRECT on block devices). Planting stops
// at the first failed write. The returned canaries say how many were
// planned, planted and read back; only those that read back are used after
// the erase, and only when all did (Proven) does a sampled read-back by the
// same plan prove the erase. The error is non-nil only when planting could
// not start or was cancelled.
func PlantCanaries(ctx context.Context, t Target, plan *SamplePlan) (*Canaries, error) {
	start := time.Now()
	bs := t.LogicalBlockSize()
	if plan.BlockSize != bs {
		return nil, fmt.Errorf("%w: plan for %d-byte blocks, target has %d", ErrBadPlan, plan.BlockSize, bs)
	}
	if !plan.Full && plan.prng == nil {
		if err := plan.init(); err != nil {
			return nil, err
		}
	}
	pat, err := NewRandom()
	if err != nil {
		return nil, err
	}
	unit := max(alignmentOf(t), bs)
	c := &Canaries{pattern: pat, blockSize: bs, anchors: CanaryLBAs(plan),
		proven: map[int64]struct{}{}, blocks: map[int64]struct{}{}}
	sort.Slice(c.anchors, func(i, j int) bool { return c.anchors[i] < c.anchors[j] })
	c.Planned = len(c.anchors)

	// With an alignment larger than a block (files under O_DIRECT) a canary
	// fills its whole aligned unit; anchors sharing a unit share its write.
	perUnit := int64(unit / bs)
	var units []*canaryUnit
	for _, lba := range c.anchors {
		first := lba - lba%perUnit
		if n := len(units); n > 0 && units[n-1].first == first {
			units[n-1].anchors++
			continue
		}
		n := min(int64(unit), t.Size()-first*int64(bs))
		units = append(units, &canaryUnit{first: first, blocks: n / int64(bs), anchors: 1})
	}

	// Write every unit; after a failed write no further one is started.
	var mu sync.Mutex
	failed := false
	werr := batchIO(ctx, t, true, len(units), unit, func(i int, buf []byte) batchItem {
		mu.Lock()
		stop := failed
		mu.Unlock()
		if stop {
			return batchItem{skip: true}
		}
		u := units[i]
		off := u.first * int64(bs)
		b := buf[:u.blocks*int64(bs)]
		pat.Fill(b, off)
		return batchItem{buf: b, off: off}
	}, func(i int, _ []byte, err error) {
		if err == nil {
			units[i].ok = true
			return
		}
		mu.Lock()
		if !failed {
			failed = true
			c.Err = fmt.Errorf("planting canary at LBA %d: %w", units[i].first, err)
		}
		mu.Unlock()
	})
	if werr != nil {
		return nil, werr
	}
	written := 0
	for _, u := range units {
		if u.ok {
			written += u.anchors
		}
	}
	if written > 0 {
		if err := t.Sync(); err != nil {
			if c.Err == nil {
				c.Err = fmt.Errorf("flushing canaries: %w", err)
			}
			written = 0 // nothing is known to be on the medium
			for _, u := range units {
				u.ok = false
			}
		}
	}
	c.Planted = written
	c.PlantedAt = time.Now()

	// Read every planted unit back from the medium.
	rerr := batchIO(ctx, t, false, len(units), unit, func(i int, buf []byte) batchItem {
		u := units[i]
		if !u.ok {
			return batchItem{skip: true}
		}
		return batchItem{buf: buf[:int(u.blocks)*bs], off: u.first * int64(bs)}
	}, func(i int, buf []byte, err error) {
		u := units[i]
		if err != nil {
			mu.Lock()
			if c.Err == nil {
				c.Err = fmt.Errorf("reading canary back at LBA %d: %w", u.first, err)
			}
			mu.Unlock()
			return
		}
		// The unit's planted content, made once for all its blocks (the
		// pattern is seekable: each block's bytes depend on its offset
		// only).
		want := make([]byte, len(buf))
		pat.Fill(want, u.first*int64(bs))
		var match []int64
		for i := int64(0); i < u.blocks; i++ {
			if bytes.Equal(buf[i*int64(bs):][:bs], want[i*int64(bs):][:bs]) {
				match = append(match, u.first+i)
			}
		}
		mu.Lock()
		for _, l := range match {
			c.blocks[l] = struct{}{}
		}
		mu.Unlock()
	})
	if rerr != nil {
		return nil, rerr
	}
	for _, lba := range c.anchors {
		if _, ok := c.blocks[lba]; ok {
			c.proven[lba] = struct{}{}
			continue
		}
		if len(c.Missing) < maxListedCanaries {
			c.Missing = append(c.Missing, lba)
		}
	}
	c.ReadBack = len(c.proven)
	if c.Err == nil && !c.Proven() {
		c.Err = fmt.Errorf("%w: %d of %d canaries written and flushed without an error did not read back with their content: the drive does not keep what it acknowledges", ErrCanariesUnproven, c.Planted-c.ReadBack, c.Planted)
	}
	c.Duration = time.Since(start)
	return c, nil
}

// Summary says in plain words what planting did.
func (c *Canaries) Summary() string {
	s := fmt.Sprintf("%d canary blocks (key id %s) planned, %d written and flushed, %d read back from the medium with their content (%s)",
		c.Planned, c.KeyID(), c.Planted, c.ReadBack, c.Duration.Round(time.Millisecond))
	if c.Err != nil {
		s += ": " + c.Err.Error()
	}
	return s
}

// Survivors reads every canary block back and returns those still holding
// their canary content (a direct check, independent of any plan).
func (c *Canaries) Survivors(t Target) (survived []int64, unreadable []int64) {
	buf, free, err := alignedBuffer(max(alignmentOf(t), c.blockSize))
	if err != nil {
		return nil, c.LBAs()
	}
	defer free()
	want := make([]byte, c.blockSize)
	unit := int64(max(alignmentOf(t), c.blockSize) / c.blockSize)
	for _, lba := range c.LBAs() {
		first := lba - lba%unit
		n := int(min(unit*int64(c.blockSize), t.Size()-first*int64(c.blockSize)))
		if r, err := t.ReadAt(buf[:n], first*int64(c.blockSize)); err != nil && !(err == io.EOF && r == n) {
			unreadable = append(unreadable, lba)
			continue
		}
		off := lba * int64(c.blockSize)
		got := buf[(lba-first)*int64(c.blockSize):][:c.blockSize]
		c.pattern.Fill(want, off)
		if bytes.Equal(got, want) {
			survived = append(survived, lba)
		}
	}
	return survived, unreadable
}

// Expect returns an expectation for a verification after the erase: every
// block that held canary content must differ from it, and every block read
// must meet after (nil: any content other than a surviving canary, for
// erases whose result the drive does not declare). Its Stats count the
// proven canaries (anchors) the verification read, and the canary blocks
// that survived.
func (c *Canaries) Expect(after Expectation) *CanaryExpectation {
	blocks := make([]int64, 0, len(c.blocks))
	for l := range c.blocks {
		blocks = append(blocks, l)
	}
	sort.Slice(blocks, func(i, j int) bool { return blocks[i] < blocks[j] })
	return &CanaryExpectation{c: c, after: after, proven: c.LBAs(), blocks: blocks}
}

// CanaryExpectation checks canaries are gone, then the declared content.
type CanaryExpectation struct {
	c     *Canaries
	after Expectation
	// proven and blocks are the canaries' sorted LBAs: a read looks up
	// the few that fall in it instead of every block it holds.
	proven, blocks []int64
	checked        atomic.Int64
	survived       atomic.Int64
}

// Stats returns how many proven canaries were read and how many canary
// blocks survived.
func (e *CanaryExpectation) Stats() (checked, survived int64) {
	return e.checked.Load(), e.survived.Load()
}

// String implements Expectation.
func (e *CanaryExpectation) String() string {
	var b strings.Builder
	b.WriteString("canaries gone")
	if e.after != nil {
		b.WriteString(" and " + e.after.String())
	}
	return b.String()
}

// ScratchSize implements Expectation.
func (e *CanaryExpectation) ScratchSize(n int) int {
	s := e.c.blockSize
	if e.after != nil {
		s = max(s, e.after.ScratchSize(n))
	}
	return s
}

// Check implements Expectation.
func (e *CanaryExpectation) Check(buf []byte, off int64, bs int, scratch []byte, bad func(int64)) {
	first := off / int64(bs)
	end := first + int64(len(buf)/bs)
	e.checked.Add(int64(countIn(e.proven, first, end)))
	var flagged []int64
	for i := sort.Search(len(e.blocks), func(i int) bool { return e.blocks[i] >= first }); i < len(e.blocks) && e.blocks[i] < end; i++ {
		lba := e.blocks[i]
		want := scratch[:bs]
		e.c.pattern.Fill(want, lba*int64(bs))
		if bytes.Equal(buf[(lba-first)*int64(bs):][:bs], want) {
			e.survived.Add(1)
			flagged = append(flagged, lba)
			bad(lba)
		}
	}
	if e.after != nil {
		e.after.Check(buf, off, bs, scratch, func(lba int64) {
			if !slices.Contains(flagged, lba) {
				bad(lba)
			}
		})
	}
}

// countIn returns how many of the sorted values lie in [lo, hi).
func countIn(sorted []int64, lo, hi int64) int {
	i := sort.Search(len(sorted), func(i int) bool { return sorted[i] >= lo })
	j := sort.Search(len(sorted), func(i int) bool { return sorted[i] >= hi })
	return j - i
}

// ExpectAnyOf expects each block to hold one of the given constant
// patterns (e.g. zeros or ones where a drive declares a deterministic but
// vendor-chosen value). Every pattern must be constant.
func ExpectAnyOf(ps ...Pattern) Expectation { return anyOf(ps) }

type anyOf []Pattern

func (a anyOf) String() string {
	var s []string
	for _, p := range a {
		s = append(s, p.String())
	}
	return strings.Join(s, " or ")
}

func (a anyOf) ScratchSize(n int) int { return max(min(n, constStride), 1<<16) }

func (a anyOf) Check(buf []byte, off int64, bs int, scratch []byte, bad func(int64)) {
	for i := 0; i < len(buf); i += bs {
		blk := buf[i:min(i+bs, len(buf))]
		ok := false
		for _, p := range a {
			b, _ := p.Constant()
			if blk[0] == b && bytes.Count(blk, blk[:1]) == len(blk) {
				ok = true
				break
			}
		}
		if !ok {
			bad((off + int64(i)) / int64(bs))
		}
	}
}

// CanaryReport is what planting canaries did, for results and the record.
type CanaryReport struct {
	KeyID    string  `json:"key_id"`
	Planned  int     `json:"planned"`
	Planted  int     `json:"planted"`
	ReadBack int     `json:"read_back"`
	Missing  []int64 `json:"missing_lbas,omitempty"`
	Error    string  `json:"error,omitempty"`
	// PlantedAt is when the canaries were flushed; Duration how long
	// planting and reading back took.
	PlantedAt time.Time     `json:"planted_at"`
	Duration  time.Duration `json:"duration_ns"`
}

// Report describes the canaries.
func (c *Canaries) Report() CanaryReport {
	r := CanaryReport{KeyID: c.KeyID(), Planned: c.Planned, Planted: c.Planted, ReadBack: c.ReadBack,
		Missing: append([]int64(nil), c.Missing...), PlantedAt: c.PlantedAt, Duration: c.Duration}
	if c.Err != nil {
		r.Error = c.Err.Error()
	}
	return r
}
