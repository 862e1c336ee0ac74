// Package smart reduces a drive's health data — ATA SMART attributes and
// status, the NVMe SMART/Health log, SCSI log pages — to one summary that the
// plan, the console and the erasure record share.
package smart

// Verdict is the drive's overall health verdict.
type Verdict string

// Verdicts. Unknown means the drive gave no health data kesu could read.
const (
	Pass    Verdict = "PASS"
	Fail    Verdict = "FAIL"
	Unknown Verdict = "UNKNOWN"
)

// Summary is one drive's health as captured before erasure. Pointer fields
// are nil when the drive does not report the value; they are never guessed.
type Summary struct {
	Source  string  `json:"source"`  // "ata", "nvme" or "scsi"
	Verdict Verdict `json:"verdict"` // overall pass/fail
	// Reasons explains a FAIL or notable warnings, in plain words
	// (e.g. "attribute 5 Reallocated_Sector_Ct below threshold").
	Reasons []string `json:"reasons,omitempty"`

	PowerOnHours       *uint64 `json:"power_on_hours,omitempty"`
	PowerCycles        *uint64 `json:"power_cycles,omitempty"`
	TemperatureC       *int    `json:"temperature_c,omitempty"`
	ReallocatedSectors *uint64 `json:"reallocated_sectors,omitempty"`
	PendingSectors     *uint64 `json:"pending_sectors,omitempty"`
	Uncorrectable      *uint64 `json:"uncorrectable,omitempty"`
	MediaErrors        *uint64 `json:"media_errors,omitempty"`
	UnsafeShutdowns    *uint64 `json:"unsafe_shutdowns,omitempty"`
	// PercentageUsed is the SSD's wear estimate (NVMe "percentage used",
	// ATA wear-levelling attributes converted to used %); may exceed 100.
	PercentageUsed *int `json:"percentage_used,omitempty"`
	// AvailableSpare is the remaining spare capacity in percent (NVMe).
	AvailableSpare *int `json:"available_spare,omitempty"`
}

// Failing reports whether the summary says the drive is failing.
func (s *Summary) Failing() bool { return s != nil && s.Verdict == Fail }
