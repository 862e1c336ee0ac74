package cert

import (
	"strings"
	"testing"

	"github.com/kesu-erase/kesu/report"
)

// A drive blocked by its owner, PSID reverted and then erased: its
// certificate says the block was before the revert and what the drive was
// after it, not a bare "Blocked: … or destroy it" beside a PASS.
func TestSecurityTextAfterPSIDRevert(t *testing.T) {
	d := &report.DriveRun{Drive: report.Drive{Security: &report.Security{SSC: "Opal 2", Owner: "owned",
		Locking: &report.TCGLocking{Enabled: true, Locked: true, MediaEncryption: true},
		Blocked: "a locking range is locked by the drive's owner"}}}
	for _, ja := range []bool{false, true} {
		c := &certificate{d: d, ja: ja}
		if got := c.securityText(); !strings.Contains(got, c.pick("Blocked: a locking range", "阻害要因: a locking range")) {
			t.Errorf("before any revert (ja %v): %q; want the bare block", ja, got)
		}
	}
	d.TCG = []report.TCGAction{{Action: report.TCGPSIDRevert, Outcome: report.OutcomeSuccess,
		After: &report.Security{SSC: "Opal 2", Owner: "never-owned", Locking: &report.TCGLocking{MediaEncryption: true}}}}
	c := &certificate{d: d}
	got := c.securityText()
	for _, want := range []string{"TCG Opal 2, owned, locked", "Blocked before the PSID revert: a locking range is locked", "After the PSID revert: not owned, not locked"} {
		if !strings.Contains(got, want) {
			t.Errorf("security text %q lacks %q", got, want)
		}
	}
	if strings.Contains(got, "\nBlocked: ") || strings.HasPrefix(got, "Blocked: ") {
		t.Errorf("security text %q still shows the block as current", got)
	}
	c.ja = true
	if got := c.securityText(); !strings.Contains(got, "PSID による初期化後: 所有者なし, ロックなし") {
		t.Errorf("Japanese security text %q lacks the state after the revert", got)
	}
}
