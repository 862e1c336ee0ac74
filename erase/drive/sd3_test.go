package drive

import (
	"context"
	"testing"

	"github.com/kesu-erase/kesu/ata"
	"github.com/kesu-erase/kesu/ata/atatest"
	"github.com/kesu-erase/kesu/erase/discover"
	"github.com/kesu-erase/kesu/scsi/scsitest"
)

// A drive left in the Sanitize Operation Failed state (SD3) by an earlier
// failure refuses writes, so no canaries can be planted: the sanitize still
// runs (it is what brings the drive back), is recorded as not provable, and
// kesu falls through to a method it can prove.
func TestSanitizeFailedDriveRecoveredByRerun(t *testing.T) {
	b := newBench(t)
	cfg := atatest.Config{Model: "SSD SD3", Serial: "SD3", Sectors: 8192, RotationRate: 1, SanitizeCrypto: true, EncryptsAll: true, SanitizeBlockErase: true}
	d := b.addATA("sda", cfg, discover.SATA, nil)
	d.Faults.SanitizeFailAt = 0.5
	dev := ata.NewDevice(keepOpen{d}, "/dev/sda")
	dev.Clock = scsitest.NewFakeClock()
	dev.Sanitize(context.Background(), ata.SanitizeOptions{Method: ata.SanitizeCryptoScramble}) // no FAILURE MODE: stuck in SD3
	d.Faults.SanitizeFailAt = 0
	t.Logf("before the run: %s", d.State().Sanitize)
	results, vr, _ := b.run("version = 1\n[policy]\nlevel = 'purge'\n")
	dr := driveRun(t, vr, "SD3")
	for _, a := range dr.Attempts {
		t.Logf("attempt %d %s: %s %q %q", a.Attempt, a.Method, a.Outcome, a.Mechanism, a.Errors)
	}
	t.Logf("result %s; state after: %s", results[0].Status, d.State().Sanitize)
	if d.State().Sanitize == "SD3" {
		t.Error("kesu never sent the sanitize that would take the drive out of SD3")
	}
	if results[0].Status != "PASS" || results[0].Assessment.Method != "ata-sanitize-block-erase" {
		t.Errorf("result %s by %s; want PASS by the block erase that followed (proven by canaries)", results[0].Status, results[0].Assessment.Method)
	}
	if len(dr.Verifications) == 0 || len(dr.Verifications[0].Errors) == 0 || dr.Verifications[0].Attempt != 1 {
		t.Errorf("verifications %+v; want the first (canary-less crypto scramble) recorded as not provable", dr.Verifications)
	}
}
