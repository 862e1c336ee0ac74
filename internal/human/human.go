// Package human writes what kesu shows people the one way everywhere — the
// command line, the technician's console and their JSON's neighbours in
// text: sizes and rates with binary (IEC) prefixes (internal/size),
// durations as h:mm:ss, and sanitization levels in the words the plan, the
// screen and the summary share.
package human

import (
	"fmt"
	"time"

	"github.com/kesu-erase/kesu/internal/size"
	"github.com/kesu-erase/kesu/report"
)

// Size formats n bytes with binary prefixes and one decimal ("894.3 GiB",
// "3.6 TiB"); "-" when negative.
func Size(n int64) string { return size.IEC(n) }

// Capacity is a drive's size in full: IEC, then the decimal size its label
// uses and the exact byte count: "3.6 TiB (4.00 TB, 4000787030016 bytes)".
func Capacity(n int64) string { return size.Capacity(n) }

// Rate formats bytes per second as a Size per second ("178.3 MiB/s"); "-"
// when unknown (zero or less).
func Rate(bytesPerSecond float64) string {
	if !(bytesPerSecond > 0) || bytesPerSecond > float64(1<<62) {
		return "-"
	}
	return size.IEC(int64(bytesPerSecond)) + "/s"
}

// maxClock is the longest duration Clock writes in full: eight columns.
const maxClock = 99*time.Hour + 59*time.Minute + 59*time.Second

// Clock formats a duration as h:mm:ss rounded to the second ("0:00:05",
// "1:23:00"); a negative duration is 0:00:00, and one of 100 hours or more
// is ">99h", so a clock never takes more than eight columns.
func Clock(d time.Duration) string {
	d = max(d, 0).Round(time.Second)
	if d > maxClock {
		return ">99h"
	}
	s := int64(d / time.Second)
	return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
}

// Level names the level a method is rated at: the one level when NIST SP
// 800-88 Rev.1 and IEEE 2883 agree ("Purge"), else the IEEE 2883 level
// with the Rev.1 level beside it ("Purge (Rev.1: Clear)").
func Level(r report.Rating) string {
	if r.NISTRev1 != r.IEEE2883 {
		return fmt.Sprintf("%s (Rev.1: %s)", r.IEEE2883, r.NISTRev1)
	}
	return string(r.NISTRev1)
}

// Reached names the level a drive's erasure reached, with the MIC category
// met when the policy asked for one: "Purge", "Purge / MIC (2)".
func Reached(a report.Assessment) string {
	s := string(a.Reached)
	if a.MICCategory != 0 && a.MICMet != 0 {
		s += fmt.Sprintf(" / MIC (%d)", a.MICMet)
	}
	return s
}

// PolicyLevel names the level a policy asks for: "Purge", "Purge (MIC
// category 2)", or the MIC category alone with the level it implies.
func PolicyLevel(p report.Policy) string {
	switch {
	case p.MICCategory != 0 && p.Level != "":
		return fmt.Sprintf("%s (MIC category %d)", p.Level, p.MICCategory)
	case p.MICCategory == 1:
		return "MIC category 1: Purge, then physical destruction"
	case p.MICCategory == 2:
		return "MIC category 2 (Purge)"
	case p.MICCategory == 3:
		return "MIC category 3 (Clear)"
	}
	return string(p.Level)
}
