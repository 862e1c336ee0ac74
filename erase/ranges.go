package erase

import (
	"fmt"
	"sort"
)

// LBARange is a run of Count logical blocks starting at LBA.
type LBARange struct {
	LBA   int64 `json:"lba"`
	Count int64 `json:"count"`
}

// End returns the first LBA after the range.
func (r LBARange) End() int64 { return r.LBA + r.Count }

func (r LBARange) String() string {
	if r.Count == 1 {
		return fmt.Sprintf("LBA %d", r.LBA)
	}
	return fmt.Sprintf("LBA %d-%d (%d blocks)", r.LBA, r.End()-1, r.Count)
}

// rangeSet accumulates LBA ranges, merging adjacent and overlapping ones.
type rangeSet struct {
	r      []LBARange
	blocks int64
}

func (s *rangeSet) add(lba, count int64) {
	if count <= 0 {
		return
	}
	s.blocks += count
	if n := len(s.r); n > 0 && s.r[n-1].End() == lba {
		s.r[n-1].Count += count
		return
	}
	s.r = append(s.r, LBARange{LBA: lba, Count: count})
}

// list returns the ranges sorted and merged.
func (s *rangeSet) list() []LBARange {
	if len(s.r) == 0 {
		return nil
	}
	out := append([]LBARange(nil), s.r...)
	sort.Slice(out, func(i, j int) bool { return out[i].LBA < out[j].LBA })
	merged := out[:1]
	for _, r := range out[1:] {
		last := &merged[len(merged)-1]
		if r.LBA <= last.End() {
			if r.End() > last.End() {
				last.Count = r.End() - last.LBA
			}
			continue
		}
		merged = append(merged, r)
	}
	return merged
}
