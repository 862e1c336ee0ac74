package nvme

import "testing"

// The readings are the rule of standards.md's NVMe row: Sanitize = Purge
// under both; Format SES=2 Purge (Rev.1) / Clear, possible Purge (IEEE
// 2883); SES=1 Purge (Rev.1) / Clear (IEEE 2883); SES=0 nothing.
func TestReadings(t *testing.T) {
	for _, c := range []struct {
		name           string
		r              Readings
		rev1, ieee, lo Level
	}{
		{"sanitize crypto", SanitizeReadings(SanitizeCryptoErase), "Purge", "Purge", "Purge"},
		{"sanitize block", SanitizeReadings(SanitizeBlockErase), "Purge", "Purge", "Purge"},
		{"sanitize overwrite", SanitizeReadings(SanitizeOverwrite), "Purge", "Purge", "Purge"},
		{"exit failure mode", SanitizeReadings(SanitizeExitFailureMode), "none", "none", "none"},
		{"format SES=2", FormatReadings(SESCrypto), "Purge", "Clear, possible Purge", "Clear"},
		{"format SES=1", FormatReadings(SESUserData), "Purge", "Clear", "Clear"},
		{"format SES=0", FormatReadings(SESNone), "none", "none", "none"},
	} {
		if c.r.NIST80088Rev1 != c.rev1 || c.r.IEEE2883 != c.ieee || c.r.Strictest() != c.lo {
			t.Errorf("%s readings = Rev.1 %q, IEEE 2883 %q, strictest %q; want %q %q %q", c.name, c.r.NIST80088Rev1, c.r.IEEE2883, c.r.Strictest(), c.rev1, c.ieee, c.lo)
		}
	}
}
