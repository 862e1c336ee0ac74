package erase

import (
	"bytes"
	"errors"
	"testing"
)

func seed(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }

// checkPlan asserts the NIST SP 800-88 Rev.1 §4.7 properties of a plan by
// walking it independently of PlannedBlocks.
func checkPlan(t *testing.T, p *SamplePlan) {
	t.Helper()
	if p.Subsections < DefaultSubsections && p.Blocks >= 2*DefaultSubsections {
		t.Errorf("plan over %d blocks has %d subsections; want ≥ %d", p.Blocks, p.Subsections, DefaultSubsections)
	}
	var total, locs int64
	var prevEnd int64
	sawFirst, sawLast := false, false
	for i := int64(0); i < p.Subsections; i++ {
		start, l := p.Subsection(i)
		if start != prevEnd {
			t.Fatalf("subsection %d starts at %d; previous ended at %d", i, start, prevEnd)
		}
		prevEnd = start + l
		ext := p.Extents(i, nil)
		var in int64
		last := start
		for j, e := range ext {
			if e.Count <= 0 || e.LBA < last || e.End() > start+l {
				t.Fatalf("subsection %d [%d,%d) extent %d = %+v: outside, overlapping or out of order", i, start, start+l, j, e)
			}
			last = e.End()
			in += e.Count
			sawFirst = sawFirst || e.LBA == 0
			sawLast = sawLast || e.End() == p.Blocks
		}
		if len(ext) < 2 && in != l {
			t.Fatalf("subsection %d has %d locations covering %d of %d blocks; want ≥ 2 locations or the whole part", i, len(ext), in, l)
		}
		if float64(in) < p.Percent/100*float64(l) {
			t.Fatalf("subsection %d: %d of %d blocks sampled; want ≥ %v%%", i, in, l, p.Percent)
		}
		total += in
		locs += int64(len(ext))
	}
	if prevEnd != p.Blocks {
		t.Fatalf("subsections end at %d; want %d", prevEnd, p.Blocks)
	}
	if !sawFirst || !sawLast {
		t.Errorf("plan reads first block: %v, last block: %v; want both", sawFirst, sawLast)
	}
	gotBlocks, gotLocs := p.PlannedBlocks()
	if gotBlocks != total || gotLocs != locs {
		t.Errorf("PlannedBlocks() = %d, %d; walking the plan gives %d, %d", gotBlocks, gotLocs, total, locs)
	}
	if float64(total) < p.Percent/100*float64(p.Blocks) {
		t.Errorf("plan reads %d of %d blocks; want ≥ %v%%", total, p.Blocks, p.Percent)
	}
}

func TestSamplePlanProperties(t *testing.T) {
	for _, tc := range []struct {
		blocks int64
		bs     int
		pct    float64
	}{
		{2 << 21, 512, 10},           // 2 GiB of 512-byte blocks
		{(1 << 40) / 4096, 4096, 10}, // 1 TiB of 4K blocks
		{20_000_000_001, 512, 1},     // odd size, 1%
		{1_000_003, 512, 5},
		{12_345, 512, 10},
		{2_001, 512, 50},
		{1_999, 4096, 10}, // too small for 1,000 parts of 2
		{7, 512, 10},
		{3, 512, 10},
		{1 << 20, 512, 99},
	} {
		p, err := NewSamplePlan(seed(1), tc.blocks, tc.bs, tc.pct)
		if err != nil {
			t.Fatalf("NewSamplePlan(%d, %d, %v): %v", tc.blocks, tc.bs, tc.pct, err)
		}
		checkPlan(t, p)
	}
}

func TestSamplePlanReproducible(t *testing.T) {
	a, _ := NewSamplePlan(seed(1), 1<<22, 512, 10)
	b, _ := NewSamplePlan(seed(1), 1<<22, 512, 10)
	c, _ := NewSamplePlan(seed(2), 1<<22, 512, 10)
	var ea, eb, ec []LBARange
	for _, x := range []struct {
		p *SamplePlan
		e *[]LBARange
	}{{a, &ea}, {b, &eb}, {c, &ec}} {
		x.p.Each(func(r LBARange) error { *x.e = append(*x.e, r); return nil })
	}
	if len(ea) != len(eb) {
		t.Fatalf("same seed: %d and %d locations", len(ea), len(eb))
	}
	for i := range ea {
		if ea[i] != eb[i] {
			t.Fatalf("same seed, location %d: %+v vs %+v", i, ea[i], eb[i])
		}
	}
	same := 0
	for i := range min(len(ea), len(ec)) {
		if ea[i] == ec[i] {
			same++
		}
	}
	// Only the forced first and last locations may coincide.
	if same > 2 {
		t.Errorf("different seeds share %d of %d locations; want ≤ 2", same, len(ea))
	}
}

// A plan recomputed from its recorded fields (as an auditor would, from the
// JSON in the record) reads the same blocks.
func TestSamplePlanFromRecord(t *testing.T) {
	a, _ := NewSamplePlan(seed(9), 5_000_000, 512, 10)
	rec := SamplePlan{Seed: a.Seed, Percent: a.Percent, Blocks: a.Blocks, BlockSize: a.BlockSize,
		Subsections: a.Subsections, MaxSampleBlocks: a.MaxSampleBlocks}
	if err := rec.init(); err != nil {
		t.Fatal(err)
	}
	for _, i := range []int64{0, 1, 500, 999} {
		x, y := a.Extents(i, nil), rec.Extents(i, nil)
		if len(x) != len(y) || x[0] != y[0] || x[len(x)-1] != y[len(y)-1] {
			t.Fatalf("subsection %d: %v vs %v", i, x, y)
		}
	}
}

func TestNewSamplePlanRejects(t *testing.T) {
	for _, tc := range []struct {
		blocks int64
		pct    float64
		seed   []byte
	}{
		{0, 10, seed(1)}, {100, 0, seed(1)}, {100, 101, seed(1)}, {100, -5, seed(1)}, {100, 10, []byte{1, 2}},
	} {
		if _, err := NewSamplePlan(tc.seed, tc.blocks, 512, tc.pct); !errors.Is(err, ErrBadPlan) {
			t.Errorf("NewSamplePlan(blocks %d, %v%%) error = %v; want ErrBadPlan", tc.blocks, tc.pct, err)
		}
	}
	if p, err := NewSamplePlan(nil, 100, 512, 100); err != nil || !p.Full {
		t.Errorf("NewSamplePlan(100%%) = %+v, %v; want a full plan", p, err)
	}
}

func TestParseVerify(t *testing.T) {
	for in, want := range map[string]float64{"none": 0, "full": 100, "10%": 10, "0.5%": 0.5, "100": 100, " 25 % ": 0} {
		got, err := ParseVerify(in)
		if in == " 25 % " {
			if err == nil {
				t.Errorf("ParseVerify(%q) = %v; want error", in, got)
			}
			continue
		}
		if err != nil || got != want {
			t.Errorf("ParseVerify(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"0%", "101%", "abc", "", "-3", "NaN"} {
		if _, err := ParseVerify(bad); err == nil {
			t.Errorf("ParseVerify(%q) succeeded; want error", bad)
		}
	}
}
