// Package size writes byte counts the one way kesu prints them: binary
// (IEC) prefixes — KiB, MiB, GiB, TiB: powers of 1024 — everywhere, with the
// decimal (SI) figure a drive's label uses (kB, MB, GB, TB: powers of 1000)
// beside a drive's capacity only, so "3.6 TiB (4.00 TB)" can be matched to
// the "4 TB" printed on the drive.
package size

import (
	"fmt"
	"math"
)

// IEC formats n bytes with binary prefixes and one decimal:
// "512 B", "4.0 KiB", "1.5 MiB", "3.6 TiB".
func IEC(n int64) string {
	if n < 0 {
		return "-"
	}
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 5; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// SI formats n bytes with decimal prefixes and three significant digits,
// as drive labels do: "960 GB", "4.00 TB", "16.0 GB".
func SI(n int64) string {
	if n < 0 {
		return "-"
	}
	f := float64(n)
	units := []string{"B", "kB", "MB", "GB", "TB", "PB", "EB"}
	u := 0
	for f >= 999.5 && u < len(units)-1 {
		f /= 1000
		u++
	}
	switch {
	case u == 0:
		return fmt.Sprintf("%d B", n)
	case f < 9.995:
		return fmt.Sprintf("%.2f %s", f, units[u])
	case f < 99.95:
		return fmt.Sprintf("%.1f %s", f, units[u])
	}
	return fmt.Sprintf("%.0f %s", math.Round(f), units[u])
}

// Capacity is a drive's size: IEC, then SI and the exact byte count:
// "3.6 TiB (4.00 TB, 4000787030016 bytes)".
func Capacity(n int64) string {
	if n < 1024 {
		return fmt.Sprintf("%d bytes", n)
	}
	return fmt.Sprintf("%s (%s, %d bytes)", IEC(n), SI(n), n)
}
