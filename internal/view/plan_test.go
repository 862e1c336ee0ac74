package view

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kesu-erase/kesu/erase/discover"
	"github.com/kesu-erase/kesu/erase/plan"
	"github.com/kesu-erase/kesu/erase/worker"
	"github.com/kesu-erase/kesu/report"
)

// kesu plan's text: the policy in the console's words, a drive line with
// its IEC size, its steps with their levels (a split rating as
// "Clear (Rev.1: Purge)"), the warning when no step meets the policy, and
// the excluded drives.
func TestPlanText(t *testing.T) {
	p := Plan{
		Policy: report.Policy{Level: report.LevelPurge, MICCategory: 2, Verify: report.VerifyPolicy{Mode: report.VerifySampled, Percent: 10}},
		Drives: []PlanRow{{Drive: "/dev/sda", Class: report.ClassSSD, Health: "PASS",
			Identity: report.Identity{Vendor: "ATA", Model: "KESU SSD", Serial: "KS01", CapacityBytes: 960197124096, Transport: "sata", Bay: "ata1"},
			Plan: plan.Plan{Steps: []plan.Step{
				{Method: report.MethodATASanitizeCrypto, Chosen: true, Reason: "offered",
					Rating: report.Rating{NISTRev1: report.LevelPurge, IEEE2883: report.LevelPurge}},
				{Method: report.MethodOverwrite, Reason: "not needed",
					Rating: report.Rating{NISTRev1: report.LevelPurge, IEEE2883: report.LevelClear}},
			}}}},
		Excluded: []discover.Excluded{{Disk: discover.Disk{Path: "/dev/sdz"}, Reason: "boot stick"}},
	}
	var b strings.Builder
	p.WriteText(&b)
	for _, re := range []string{
		`(?m)^policy: Purge \(MIC category 2\), verify sampled 10%$`,
		`(?m)^/dev/sda  ATA KESU SSD  serial KS01  894\.3 GiB  sata bay ata1  class SSD  health PASS$`,
		`(?m)^  1\. try  ata-sanitize-crypto-scramble +Purge  offered$`,
		`(?m)^  2\. skip overwrite +Clear \(Rev\.1: Purge\) not needed$`,
		`(?m)^  → no method in this plan meets the policy$`,
		`(?m)^/dev/sdz  excluded: boot stick$`,
	} {
		if !regexp.MustCompile(re).MatchString(b.String()) {
			t.Errorf("plan text lacks %s:\n%s", re, b.String())
		}
	}
}

// A self-encrypting drive's plan shows its TCG state, and a blocked drive
// says up front that nothing will be written and why.
func TestPlanTextTCG(t *testing.T) {
	p := Plan{
		Policy: report.Policy{Level: report.LevelPurge},
		Drives: []PlanRow{{Drive: "/dev/sdb", Class: report.ClassSSD, Health: "PASS",
			Identity: report.Identity{Model: "SED SSD", Serial: "S1", Transport: "sata"},
			Security: &report.Security{Protocols: []string{"00", "01"}, SSC: "Opal 2", Owner: "owned",
				Locking: &report.TCGLocking{Supported: true, Enabled: true, Locked: true, MediaEncryption: true}},
			Plan: plan.Plan{Blocked: "a locking range is locked by the drive's owner", Steps: []plan.Step{
				{Method: report.MethodOverwrite, Reason: "blocked: a locking range is locked by the drive's owner"}}}}},
	}
	var b strings.Builder
	p.WriteText(&b)
	for _, re := range []string{
		`(?m)^  security: TCG Opal 2; owner owned; locking enabled yes, locked yes, media encryption yes, MBR shadow no$`,
		`(?m)^  BLOCKED, nothing will be written: a locking range is locked by the drive's owner$`,
		`(?m)^  1\. skip overwrite .*blocked: a locking range`,
	} {
		if !regexp.MustCompile(re).MatchString(b.String()) {
			t.Errorf("plan text lacks %s:\n%s", re, b.String())
		}
	}
}

// erase --all's summary: the level reached with the MIC category, the time
// as h:mm:ss, the excluded drives, the unreached ones and the record.
func TestAllText(t *testing.T) {
	r := All{Journal: "/stick/records/run.jsonl",
		Results: []worker.Result{{Identity: report.Identity{Path: "/dev/sda", Model: "KESU SSD", Serial: "KS01", Bay: "ata1"}, Status: report.StatusPass,
			Assessment: report.Assessment{Reached: report.LevelPurge, MICCategory: 2, MICMet: 2, Method: report.MethodATASanitizeCrypto},
			Reason:     "erased", Duration: 83*time.Minute + 4*time.Second}},
		Excluded:  []Excluded{{Device: "/dev/sdz", Bay: "usb 2-1", Reason: "boot stick"}},
		Unreached: []string{"bay 7 behind mfi0"},
	}
	var b strings.Builder
	r.WriteText(&b)
	for _, re := range []string{
		`(?m)^BAY +DEVICE +MODEL +SERIAL +STATUS +LEVEL +METHOD +TIME +OUTCOME$`,
		`(?m)^ata1 +/dev/sda +KESU SSD +KS01 +PASS +Purge / MIC \(2\) +ata-sanitize-crypto-scramble +1:23:04 +erased$`,
		`(?m)^usb 2-1 +/dev/sdz +- +EXCLUDED +boot stick$`,
		`(?m)^NOT reached \(the run is not a completed erasure\): bay 7 behind mfi0$`,
		`(?m)^record: /stick/records/run.jsonl$`,
	} {
		if !regexp.MustCompile(re).MatchString(b.String()) {
			t.Errorf("summary lacks %s:\n%s", re, b.String())
		}
	}
}
