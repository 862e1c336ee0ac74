package human

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/kesu-erase/kesu/report"
)

// The expected strings are worked out by hand: 8e12 / 1024^4 = 7.276 TiB,
// 187e6 / 1024^2 = 178.34 MiB.
func TestSizeAndRate(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{Size(8e12), "7.3 TiB"},
		{Size(960197124096), "894.3 GiB"},
		{Size(512), "512 B"},
		{Size(-1), "-"},
		{Capacity(4000787030016), "3.6 TiB (4.00 TB, 4000787030016 bytes)"},
		{Rate(187e6), "178.3 MiB/s"},
		{Rate(1.2e9), "1.1 GiB/s"},
		{Rate(100), "100 B/s"},
		{Rate(0), "-"},
		{Rate(-5), "-"},
		{Rate(math.NaN()), "-"},
		{Rate(math.Inf(1)), "-"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q; want %q", tc.got, tc.want)
		}
	}
}

func TestClock(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{0, "0:00:00"},
		{-time.Minute, "0:00:00"},
		{5 * time.Second, "0:00:05"},
		{1499 * time.Millisecond, "0:00:01"},
		{1500 * time.Millisecond, "0:00:02"},
		{83 * time.Minute, "1:23:00"},
		{25 * time.Minute, "0:25:00"},
		{99*time.Hour + 59*time.Minute + 59*time.Second, "99:59:59"},
		{100 * time.Hour, ">99h"},
	} {
		if got := Clock(tc.d); got != tc.want {
			t.Errorf("Clock(%v) = %q; want %q", tc.d, got, tc.want)
		}
	}
}

func TestLevels(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{Level(report.Rating{NISTRev1: report.LevelPurge, IEEE2883: report.LevelPurge}), "Purge"},
		{Level(report.Rating{NISTRev1: report.LevelPurge, IEEE2883: report.LevelClear}), "Clear (Rev.1: Purge)"},
		{Reached(report.Assessment{Reached: report.LevelPurge}), "Purge"},
		{Reached(report.Assessment{Reached: report.LevelPurge, MICCategory: 2, MICMet: 2}), "Purge / MIC (2)"},
		{Reached(report.Assessment{Reached: report.LevelNone, MICCategory: 2}), "none"},
		{PolicyLevel(report.Policy{Level: report.LevelPurge}), "Purge"},
		{PolicyLevel(report.Policy{Level: report.LevelPurge, MICCategory: 2}), "Purge (MIC category 2)"},
		{PolicyLevel(report.Policy{MICCategory: 1}), "MIC category 1: Purge, then physical destruction"},
		{PolicyLevel(report.Policy{MICCategory: 3}), "MIC category 3 (Clear)"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q; want %q", tc.got, tc.want)
		}
	}
}

func TestWords(t *testing.T) {
	if Dash("  ") != "-" || Dash("x") != "x" || YesNo(true) != "yes" || YesNo(false) != "no" {
		t.Errorf("Dash(blank), Dash(x), YesNo(true), YesNo(false) = %q %q %q %q; want - x yes no", Dash("  "), Dash("x"), YesNo(true), YesNo(false))
	}
	var b strings.Builder
	p, flush := KeyValues(&b)
	p("model", "%s", "KESU")
	p("capacity", "%d bytes", 512)
	if err := flush(); err != nil || b.String() != "model     KESU\ncapacity  512 bytes\n" {
		t.Errorf("KeyValues wrote %q (%v); want two aligned columns", b.String(), err)
	}
}
