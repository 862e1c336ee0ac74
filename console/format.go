package console

import (
	"fmt"
	"math"
	"time"
)

// siBytes formats n bytes with decimal prefixes and three significant
// digits, as drive labels do: "1.00 TB", "960 GB", "16.0 GB".
func siBytes(n float64) string {
	if n < 0 || math.IsNaN(n) || math.IsInf(n, 0) {
		return "-"
	}
	units := []string{"B", "kB", "MB", "GB", "TB", "PB", "EB"}
	u := 0
	for n >= 999.5 && u < len(units)-1 {
		n /= 1000
		u++
	}
	switch {
	case u == 0:
		return fmt.Sprintf("%.0f %s", n, units[u])
	case n < 9.995:
		return fmt.Sprintf("%.2f %s", n, units[u])
	case n < 99.95:
		return fmt.Sprintf("%.1f %s", n, units[u])
	}
	return fmt.Sprintf("%.0f %s", n, units[u])
}

// capacity formats a drive's size.
func capacity(n int64) string {
	if n <= 0 {
		return "?"
	}
	return siBytes(float64(n))
}

// rate formats bytes per second; "-" when unknown.
func rate(r float64) string {
	if r <= 0 {
		return "-"
	}
	return siBytes(r) + "/s"
}

// hms formats a duration as h:mm:ss (up to 99:59:59; longer shows ">99h").
func hms(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	s := int64(d.Round(time.Second) / time.Second)
	if s > 99*3600+59*60+59 {
		return ">99h"
	}
	return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
}

// eta formats a time left; "-" when unknown.
func eta(d time.Duration) string {
	if d <= 0 {
		return "-"
	}
	return hms(d)
}

// percent formats a fraction in [0,1] as "47.3%"; "?" when unknown (<0).
func percent(f float64) string {
	if f < 0 {
		return "?"
	}
	return fmt.Sprintf("%.1f%%", 100*f)
}

// secondsLeft rounds a remaining duration up to whole seconds, so a
// countdown shows 1 until it is really over.
func secondsLeft(d time.Duration) int {
	if d <= 0 {
		return 0
	}
	return int((d + time.Second - 1) / time.Second)
}
