package erase

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync/atomic"
	"time"
)

// Canaries are blocks of known random content planted before a firmware
// erase whose result cannot be predicted byte for byte (block erase, crypto
// erase). After the erase, every canary must be gone: a drive that reports
// success and erases nothing is caught, whatever it claims. The canaries'
// key lives only in memory; the record names it by its key id.
type Canaries struct {
	pattern   Pattern
	lbas      []int64 // sorted
	blockSize int
	Planted   time.Time
}

// CanaryReport is what planting canaries did, for the record.
type CanaryReport struct {
	KeyID     string        `json:"key_id"`
	Blocks    int           `json:"blocks"`
	BlockSize int           `json:"block_size"`
	Duration  time.Duration `json:"duration_ns"`
}

// KeyID names the canaries' key.
func (c *Canaries) KeyID() string { return c.pattern.KeyID() }

// Count returns the number of canary blocks.
func (c *Canaries) Count() int { return len(c.lbas) }

// LBAs returns the canary blocks, sorted.
func (c *Canaries) LBAs() []int64 { return append([]int64(nil), c.lbas...) }

// Report describes the planted canaries.
func (c *Canaries) Report(d time.Duration) CanaryReport {
	return CanaryReport{KeyID: c.KeyID(), Blocks: len(c.lbas), BlockSize: c.blockSize, Duration: d}
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

// PlantCanaries writes fresh random content over the canary blocks of plan
// and flushes it to the media. An error means the canaries could not all be
// planted: the erase that follows cannot then be proven by them.
func PlantCanaries(ctx context.Context, t Target, plan *SamplePlan) (*Canaries, error) {
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
	unit := alignmentOf(t)
	if unit < bs {
		unit = bs
	}
	buf, free, err := alignedBuffer(unit)
	if err != nil {
		return nil, err
	}
	defer free()
	c := &Canaries{pattern: pat, blockSize: bs, lbas: CanaryLBAs(plan)}
	sort.Slice(c.lbas, func(i, j int) bool { return c.lbas[i] < c.lbas[j] })
	// With an alignment larger than a block (files under O_DIRECT) a canary
	// fills its whole aligned unit.
	perUnit := int64(unit / bs)
	var planted []int64
	for _, lba := range c.lbas {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		first := lba - lba%perUnit
		if n := len(planted); n > 0 && planted[n-1] >= first {
			continue
		}
		off := first * int64(bs)
		n := unit
		if rem := t.Size() - off; rem < int64(n) {
			n = int(rem)
		}
		pat.Fill(buf[:n], off)
		if w, err := t.WriteAt(buf[:n], off); err != nil || w != n {
			if err == nil {
				err = io.ErrShortWrite
			}
			return nil, fmt.Errorf("planting canary at LBA %d: %w", lba, err)
		}
		for b := first; b < first+int64(n)/int64(bs); b++ {
			planted = append(planted, b)
		}
	}
	if err := t.Sync(); err != nil {
		return nil, fmt.Errorf("flushing canaries: %w", err)
	}
	c.lbas = planted
	c.Planted = time.Now()
	return c, nil
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
	for _, lba := range c.lbas {
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
// canary block read must differ from its canary content, and every block
// read must meet after (nil: any content other than a surviving canary, for
// erases whose result the drive does not declare).
func (c *Canaries) Expect(after Expectation) *CanaryExpectation {
	set := make(map[int64]struct{}, len(c.lbas))
	for _, l := range c.lbas {
		set[l] = struct{}{}
	}
	return &CanaryExpectation{c: c, set: set, after: after}
}

// CanaryExpectation checks canaries are gone, then the declared content.
type CanaryExpectation struct {
	c        *Canaries
	set      map[int64]struct{}
	after    Expectation
	checked  atomic.Int64
	survived atomic.Int64
}

// Stats returns how many canary blocks were read and how many survived.
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
	flagged := map[int64]bool{}
	for i := 0; i+bs <= len(buf); i += bs {
		lba := first + int64(i/bs)
		if _, ok := e.set[lba]; !ok {
			continue
		}
		e.checked.Add(1)
		want := scratch[:bs]
		e.c.pattern.Fill(want, lba*int64(bs))
		if bytes.Equal(buf[i:i+bs], want) {
			e.survived.Add(1)
			flagged[lba] = true
			bad(lba)
		}
	}
	if e.after != nil {
		e.after.Check(buf, off, bs, scratch, func(lba int64) {
			if !flagged[lba] {
				bad(lba)
			}
		})
	}
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
