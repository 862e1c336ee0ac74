package smart

import (
	"fmt"

	"github.com/kesu-erase/kesu/ata"
)

// ATA attribute IDs kesu reads. Their raw values are vendor-specific; the
// ones used here are the common interpretation (smartmontools drivedb
// "DEFAULT" presets): counts or hours in the low 32 bits, temperature in
// °C in the low byte.
const (
	attrReallocated     = 5
	attrPowerOnHours    = 9
	attrPowerCycles     = 12
	attrWearLeveling    = 177 // Samsung/others: normalized = life left %
	attrReportedUncorr  = 187
	attrAirflowTemp     = 190
	attrTemperature     = 194
	attrPending         = 197
	attrOfflineUncorr   = 198
	attrPercentLifeLeft = 202 // Micron/Crucial: normalized = life left %
	attrSSDLifeLeft     = 231
	attrMediaWearout    = 233 // Intel: normalized = life left %
)

// FromATA summarizes ATA SMART data and the SMART RETURN STATUS verdict.
// data or exceeded may be nil when the drive did not answer; solidState
// enables the SSD wear estimate, whose attribute IDs mean other things on
// hard disks.
//
// Verdict: FAIL if RETURN STATUS reports a threshold exceeded or any
// pre-failure attribute is at or below its threshold; PASS if RETURN
// STATUS answered "OK" (or, without it, the attribute table was read and
// nothing failed); UNKNOWN otherwise. Raw values are recorded as the common
// interpretation; drive-specific raw formats are not applied.
func FromATA(data *ata.SMARTData, exceeded *bool, solidState bool) *Summary {
	s := &Summary{Source: "ata", Verdict: Unknown}
	if exceeded != nil {
		if *exceeded {
			s.Verdict = Fail
			s.Reasons = append(s.Reasons, "SMART RETURN STATUS: threshold exceeded")
		} else {
			s.Verdict = Pass
		}
	}
	if data == nil {
		if exceeded == nil {
			s.Reasons = append(s.Reasons, "no SMART data")
		}
		return s
	}
	if exceeded == nil {
		s.Verdict = Pass
		s.Reasons = append(s.Reasons, "SMART RETURN STATUS not read; verdict from attributes only")
	}
	if !data.ChecksumValid {
		s.Reasons = append(s.Reasons, "SMART data checksum invalid")
	}
	if !data.ThresholdsRead {
		s.Reasons = append(s.Reasons, "SMART thresholds not read; attributes not judged")
	}
	for _, a := range data.Attributes {
		if !a.Failing() {
			continue
		}
		kind := "old-age"
		if a.PreFailure() {
			kind = "pre-failure"
			s.Verdict = Fail
		}
		s.Reasons = append(s.Reasons, fmt.Sprintf("attribute %d (%s) at %d, threshold %d", a.ID, kind, a.Current, a.Threshold))
	}
	low32 := func(id uint8) *uint64 {
		if a, ok := data.Attribute(id); ok {
			v := a.RawValue & 0xFFFFFFFF
			return &v
		}
		return nil
	}
	s.PowerOnHours = low32(attrPowerOnHours)
	s.PowerCycles = low32(attrPowerCycles)
	s.ReallocatedSectors = low32(attrReallocated)
	s.PendingSectors = low32(attrPending)
	if s.Uncorrectable = low32(attrOfflineUncorr); s.Uncorrectable == nil {
		s.Uncorrectable = low32(attrReportedUncorr)
	}
	for _, id := range []uint8{attrTemperature, attrAirflowTemp} {
		if a, ok := data.Attribute(id); ok {
			t := int(a.Raw[0])
			s.TemperatureC = &t
			break
		}
	}
	if solidState {
		for _, id := range []uint8{attrMediaWearout, attrSSDLifeLeft, attrWearLeveling, attrPercentLifeLeft} {
			if a, ok := data.Attribute(id); ok && a.Current <= 100 {
				used := 100 - int(a.Current)
				s.PercentageUsed = &used
				break
			}
		}
	}
	for _, c := range []struct {
		v    *uint64
		what string
	}{{s.ReallocatedSectors, "reallocated sectors"}, {s.PendingSectors, "pending sectors"}, {s.Uncorrectable, "uncorrectable sectors"}} {
		if c.v != nil && *c.v > 0 {
			s.Reasons = append(s.Reasons, fmt.Sprintf("%d %s", *c.v, c.what))
		}
	}
	return s
}
