package console

import (
	"fmt"
	"time"

	"github.com/kesu-erase/kesu/internal/human"
)

// capacity formats a drive's size (human.Size: binary prefixes, as the
// command line prints it); "?" when unknown.
func capacity(n int64) string {
	if n <= 0 {
		return "?"
	}
	return human.Size(n)
}

// rate formats bytes per second; "-" when unknown.
func rate(r float64) string { return human.Rate(r) }

// hms formats a duration as h:mm:ss (human.Clock: up to 99:59:59, longer
// shows ">99h").
func hms(d time.Duration) string { return human.Clock(d) }

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
