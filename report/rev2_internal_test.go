package report

import (
	"strings"
	"testing"
)

// An ATA drive's claim to encrypt all user data (IDENTIFY word 69 bit 4)
// is carried into its cryptographic erase record, either way, and nothing
// is said for a drive that did not report it.
func TestCryptoEraseCarriesATAEncryptionClaim(t *testing.T) {
	for _, c := range []struct {
		claim *bool
		want  string
	}{
		{boolp(true), "ATA IDENTIFY DEVICE word 69 bit 4: the drive says it encrypts all user data"},
		{boolp(false), "ATA IDENTIFY DEVICE word 69 bit 4: the drive does not say it encrypts all user data"},
		{nil, ""},
	} {
		d := &DriveRun{Drive: Drive{EncryptsAllUserData: c.claim}}
		ce := cryptoEraseRecord(d, Attempt{Method: MethodATASanitizeCrypto})
		got := ""
		for _, r := range ce.DriveReported {
			if strings.HasPrefix(r, "ATA IDENTIFY") {
				got = r
			}
		}
		if got != c.want {
			t.Errorf("claim %v: drive_reported %q; want %q", c.claim, ce.DriveReported, c.want)
		}
	}
}

func boolp(b bool) *bool { return &b }
