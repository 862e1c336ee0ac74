package smart

import (
	"fmt"
	"math"

	"github.com/kesu-erase/kesu/nvme"
)

// FromNVMe summarizes an NVMe SMART/Health log (Get Log Page 02h).
//
// Verdict: FAIL when any critical warning bit other than temperature is set
// (available spare below threshold, reliability degraded, media read-only,
// volatile memory backup failed, persistent memory region unreliable).
// The temperature bit alone is a reason but not a failure: it describes the
// drive's surroundings at probe time, not its media. (smartctl reports
// FAILED for any set bit; kesu records the bits in Reasons either way.)
func FromNVMe(l *nvme.SMARTLog) *Summary {
	if l == nil {
		return &Summary{Source: "nvme", Verdict: Unknown, Reasons: []string{"no SMART/Health log"}}
	}
	s := &Summary{Source: "nvme", Verdict: Pass}
	cw := l.CriticalWarning
	if cw&^(1<<1) != 0 {
		s.Verdict = Fail
	}
	for _, r := range cw.Reasons() {
		s.Reasons = append(s.Reasons, "critical warning: "+r)
	}
	u64 := func(name string, v nvme.Uint128) *uint64 {
		x, ok := v.Uint64()
		if !ok {
			x = math.MaxUint64
			s.Reasons = append(s.Reasons, fmt.Sprintf("%s %v exceeds 64 bits; recorded as %d", name, v, x))
		}
		return &x
	}
	s.PowerOnHours = u64("power-on hours", l.PowerOnHours)
	s.PowerCycles = u64("power cycles", l.PowerCycles)
	s.MediaErrors = u64("media and data integrity errors", l.MediaErrors)
	s.UnsafeShutdowns = u64("unsafe shutdowns", l.UnsafeShutdowns)
	if l.CompositeTemperatureK != 0 { // 0 K: not reported
		c := int(l.CompositeTemperatureK) - 273
		s.TemperatureC = &c
	}
	pu := int(l.PercentageUsed)
	s.PercentageUsed = &pu
	sp := int(l.AvailableSpare)
	s.AvailableSpare = &sp
	if pu >= 100 {
		s.Reasons = append(s.Reasons, fmt.Sprintf("percentage used %d%%: the rated endurance is used up", pu))
	}
	if l.AvailableSpare < l.AvailableSpareThreshold && !cw.SpareBelowThreshold() {
		s.Reasons = append(s.Reasons, fmt.Sprintf("available spare %d%% below threshold %d%%", l.AvailableSpare, l.AvailableSpareThreshold))
	}
	if *s.MediaErrors > 0 {
		s.Reasons = append(s.Reasons, fmt.Sprintf("%d media and data integrity errors", *s.MediaErrors))
	}
	return s
}
