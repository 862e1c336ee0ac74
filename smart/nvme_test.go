package smart

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kesu-erase/kesu/nvme"
)

func p64(v uint64) *uint64 { return &v }
func pint(v int) *int      { return &v }

func TestFromNVMe(t *testing.T) {
	healthy := &nvme.SMARTLog{CompositeTemperatureK: 310, AvailableSpare: 100, AvailableSpareThreshold: 10, PercentageUsed: 3,
		PowerOnHours: nvme.Uint128{Lo: 12000}, PowerCycles: nvme.Uint128{Lo: 500}, UnsafeShutdowns: nvme.Uint128{Lo: 12}}
	for _, c := range []struct {
		name string
		in   *nvme.SMARTLog
		want *Summary
	}{
		{"healthy", healthy, &Summary{Source: "nvme", Verdict: Pass, PowerOnHours: p64(12000), PowerCycles: p64(500), TemperatureC: pint(37),
			MediaErrors: p64(0), UnsafeShutdowns: p64(12), PercentageUsed: pint(3), AvailableSpare: pint(100)}},
		{"temperature only", &nvme.SMARTLog{CriticalWarning: 0x02, CompositeTemperatureK: 360, AvailableSpare: 100, AvailableSpareThreshold: 10},
			&Summary{Source: "nvme", Verdict: Pass, Reasons: []string{"critical warning: temperature outside the threshold"},
				PowerOnHours: p64(0), PowerCycles: p64(0), TemperatureC: pint(87), MediaErrors: p64(0), UnsafeShutdowns: p64(0), PercentageUsed: pint(0), AvailableSpare: pint(100)}},
		{"read-only media, worn out, errors", &nvme.SMARTLog{CriticalWarning: 0x08, AvailableSpare: 5, AvailableSpareThreshold: 10, PercentageUsed: 104, MediaErrors: nvme.Uint128{Lo: 3}},
			&Summary{Source: "nvme", Verdict: Fail, Reasons: []string{"critical warning: media placed in read-only mode", "percentage used 104%: the rated endurance is used up",
				"available spare 5% below threshold 10%", "3 media and data integrity errors"},
				PowerOnHours: p64(0), PowerCycles: p64(0), MediaErrors: p64(3), UnsafeShutdowns: p64(0), PercentageUsed: pint(104), AvailableSpare: pint(5)}},
		{"huge counter", &nvme.SMARTLog{CriticalWarning: 0x01, PowerOnHours: nvme.Uint128{Lo: 1, Hi: 1}},
			&Summary{Source: "nvme", Verdict: Fail, Reasons: []string{"critical warning: available spare below threshold", "power-on hours 18446744073709551617 exceeds 64 bits; recorded as 18446744073709551615"},
				PowerOnHours: p64(math.MaxUint64), PowerCycles: p64(0), MediaErrors: p64(0), UnsafeShutdowns: p64(0), PercentageUsed: pint(0), AvailableSpare: pint(0)}},
		{"no log", nil, &Summary{Source: "nvme", Verdict: Unknown, Reasons: []string{"no SMART/Health log"}}},
	} {
		got := FromNVMe(c.in)
		if d := cmp.Diff(c.want, got); d != "" {
			t.Errorf("FromNVMe(%s) = %+v; want %+v (-want +got):\n%s", c.name, got, c.want, d)
		}
	}
	if !FromNVMe(&nvme.SMARTLog{CriticalWarning: 0x04}).Failing() {
		t.Errorf("FromNVMe(reliability degraded).Failing() = false; want true")
	}
}
