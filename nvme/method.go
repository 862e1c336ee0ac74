package nvme

// Level is a sanitization level a method reaches under one reading of the
// standards.
type Level string

// Levels. ClearPossiblePurge is IEEE 2883's qualified reading of a
// cryptographic Format NVM.
const (
	LevelNone          Level = "none"
	LevelClear         Level = "Clear"
	LevelPurge         Level = "Purge"
	ClearPossiblePurge Level = "Clear, possible Purge"
)

// Readings records what a method counts as under NIST SP 800-88 Rev.1 and
// under IEEE 2883-2022 (which NIST SP 800-88 Rev.2 defers to). Both are
// recorded because they disagree for Format NVM; kesu never picks one
// silently. See docs/nvme.md and ../shared/reference/standards.md.
type Readings struct {
	NIST80088Rev1 Level  `json:"nist_800_88_rev1"`
	IEEE2883      Level  `json:"ieee_2883"`
	Note          string `json:"note,omitempty"`
}

// Strictest is the lower of the two readings, with "Clear, possible Purge"
// counted as Clear: the level a policy may rely on without further evidence.
func (r Readings) Strictest() Level {
	rank := func(l Level) int {
		switch l {
		case LevelPurge:
			return 2
		case LevelClear, ClearPossiblePurge:
			return 1
		}
		return 0
	}
	lo := r.NIST80088Rev1
	if rank(r.IEEE2883) < rank(lo) {
		lo = r.IEEE2883
	}
	if lo == ClearPossiblePurge {
		return LevelClear
	}
	return lo
}

// SanitizeReadings: every Sanitize erase action (block erase, crypto erase,
// overwrite) is Purge under both readings. Exit actions erase nothing.
func SanitizeReadings(a SanitizeAction) Readings {
	switch a {
	case SanitizeBlockErase, SanitizeCryptoErase, SanitizeOverwrite:
		return Readings{NIST80088Rev1: LevelPurge, IEEE2883: LevelPurge}
	}
	return Readings{NIST80088Rev1: LevelNone, IEEE2883: LevelNone, Note: "not an erase action"}
}

// FormatReadings: Format NVM with SES=2 is Purge under Rev.1 but "Clear,
// possible Purge" under IEEE 2883; SES=1 is Purge under Rev.1 but Clear
// under IEEE 2883; SES=0 is not sanitization under either (formatting is
// not erasure).
func FormatReadings(s SES) Readings {
	switch s {
	case SESCrypto:
		return Readings{NIST80088Rev1: LevelPurge, IEEE2883: ClearPossiblePurge,
			Note: "IEEE 2883 reading as quoted by drive makers (secondary source); Purge needs evidence the media encryption key was changed"}
	case SESUserData:
		return Readings{NIST80088Rev1: LevelPurge, IEEE2883: LevelClear,
			Note: "NIST SP 800-88 Rev.1 called Format NVM user data erase Purge; IEEE 2883 counts it as Clear"}
	}
	return Readings{NIST80088Rev1: LevelNone, IEEE2883: LevelNone, Note: "Format NVM without secure erase is not sanitization"}
}
