package report_test

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/kesu-erase/kesu/report"
	"github.com/kesu-erase/kesu/report/reporttest"
)

// megaraid is a controller with two drives reached by pass-through, one
// hot spare the run did not reach and one drive the policy excludes.
func megaraid(reachSpare bool) report.Controller {
	return report.Controller{Host: 0, Driver: "megaraid_sas", Model: "PERC H730P Mini", PCIAddress: "0000:03:00.0",
		Passthrough: "MFI PD SCSI I/O", Listed: true,
		Drives: []report.ControllerDrive{
			{Address: "device 8", Bay: "32:0", State: "online (RAID member)", Serial: "S0", Reached: true},
			{Address: "device 9", Bay: "32:1", State: "online (RAID member)", Serial: "S1", Reached: true},
			{Address: "device 10", Bay: "32:2", State: "hot spare", Serial: "S2", Reached: reachSpare,
				Reason: "the controller refuses pass-through"},
			{Address: "device 11", Bay: "32:3", State: "JBOD", Serial: "S3", Excluded: true, Reason: "serial excluded by the policy"},
		},
		Volumes: []report.Volume{{Name: "sdb", TargetID: 0, RAIDLevel: "RAID-1", Members: []string{"device 8", "device 9"}, MembersKnown: true}},
	}
}

func TestControllerUnreached(t *testing.T) {
	c := megaraid(false)
	got := c.Unreached()
	if len(got) != 1 || !strings.Contains(got[0], "device 10") || !strings.Contains(got[0], "refuses pass-through") {
		t.Fatalf("Unreached() = %q; want the hot spare at device 10 only (the excluded drive is not unreached)", got)
	}
	if got := megaraid(true).Unreached(); len(got) != 0 {
		t.Fatalf("Unreached() with every drive reached = %q; want none", got)
	}
	unlisted := report.Controller{Host: 2, Driver: "mpt3sas", ListError: "kesu has no pass-through for mpt3sas",
		Volumes: []report.Volume{{Name: "sdc", RAIDLevel: "RAID1"}}}
	if got := unlisted.Unreached(); len(got) != 1 || !strings.Contains(got[0], "volume sdc") {
		t.Fatalf("Unreached() of an unlisted controller = %q; want its volume's members", got)
	}
	// A listed controller whose volumes do not name their members (CISS)
	// still lists every physical drive: reached, nothing is unreached.
	unknown := report.Controller{Host: 3, Driver: "hpsa", Listed: true, Volumes: []report.Volume{{Name: "sdd"}},
		Drives: []report.ControllerDrive{{Address: "LUN 0000004000000000", Reached: true}}}
	if got := unknown.Unreached(); len(got) != 0 {
		t.Fatalf("Unreached() with unknown members but every drive reached = %q; want none", got)
	}
}

// TestRunWithControllerNotAllPassed records a run in which every drive
// record passes but a drive behind the controller was not reached: the
// verifier counts it, the record stays INTACT, and the outcome is not
// all-PASS. A volume overwritten as a volume is counted apart from the
// drives and never rated.
func TestRunWithControllerNotAllPassed(t *testing.T) {
	for _, reachSpare := range []bool{false, true} {
		dir := t.TempDir()
		j, err := report.Create(dir, reporttest.Signer(), reporttest.Start(reporttest.PurgePolicy))
		if err != nil {
			t.Fatal(err)
		}
		if err := j.Controller(megaraid(reachSpare)); err != nil {
			t.Fatal(err)
		}
		d := reporttest.HDDDrive()
		d.Class = report.ClassVolume
		d.Identity.Access = report.AccessLogicalVolume
		d.Identity.Controller = &report.ControllerRef{Host: 0, Driver: "megaraid_sas", Address: "LD 0"}
		dl, err := j.Drive(d)
		if err != nil {
			t.Fatal(err)
		}
		size := d.Identity.CapacityBytes
		n, err := dl.BeginAttempt(report.MethodOverwrite, reporttest.Epoch)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := dl.Attempt(report.Attempt{Attempt: n, Method: report.MethodOverwrite, Outcome: report.OutcomeSuccess, Passes: 1,
			Pattern: "zeros", TargetBytes: size, BytesWritten: size, Canaries: &report.CanaryRecord{Planned: 10, Planted: 10, ReadBack: 10}}); err != nil {
			t.Fatal(err)
		}
		if err := dl.Verification(report.Verification{Attempt: n, Method: report.VerifyFull, Expected: "zeros", PercentRequested: 100,
			PercentAchieved: 100, BlocksRead: size / 512, Samples: 1, CanariesRead: 10}); err != nil {
			t.Fatal(err)
		}
		a, err := dl.Finish(report.Finish{})
		if err != nil {
			t.Fatal(err)
		}
		if a.Reached != report.LevelNone || a.MICMet != 0 || !hasFinding(a, report.FindLogicalVolume) || a.DestroyRequired {
			t.Fatalf("volume assessment: reached %s, MIC %d, findings %v, destroy %v; want no level, no MIC, %s",
				a.Reached, a.MICMet, a.Findings, a.DestroyRequired, report.FindLogicalVolume)
		}
		if err := j.Seal(); err != nil {
			t.Fatal(err)
		}
		res, err := report.VerifyFile(j.Path(), trusted())
		if err != nil {
			t.Fatal(err)
		}
		if res.Status != report.Intact || len(res.Run.Controllers) != 1 {
			t.Fatalf("verify: %s, %d controllers; want INTACT, 1", res.Status, len(res.Run.Controllers))
		}
		o := res.Outcome
		if o.Drives != 0 || o.Volumes != 1 || o.VolumesFailed != 0 {
			t.Fatalf("outcome %+v; want 0 drives, 1 volume passed", o)
		}
		// No drive: not all-PASS whatever the controller says.
		if o.AllPassed() {
			t.Fatalf("AllPassed() = true for a run with no drive")
		}
		var out bytes.Buffer
		res.WriteText(&out)
		if reachSpare != (len(o.Unreached) == 0) {
			t.Fatalf("reachSpare %v: Unreached = %q", reachSpare, o.Unreached)
		}
		if !reachSpare && !strings.Contains(out.String(), "not reached: megaraid_sas host0 (PERC H730P Mini) at PCI 0000:03:00.0: device 10") {
			t.Fatalf("text output does not name the unreached drive:\n%s", out.String())
		}
	}
}

// TestAllPassedNeedsEveryDriveReached: drives that all passed with an
// unreached drive behind a controller are not all-PASS.
func TestAllPassedNeedsEveryDriveReached(t *testing.T) {
	o := report.DriveCounts{Drives: 2, Pass: 2}
	if !o.AllPassed() {
		t.Fatal("2 of 2 PASS is not all-passed")
	}
	o.Unreached = []string{"megaraid_sas host0: device 10"}
	if o.AllPassed() {
		t.Fatal("AllPassed() = true with a drive not reached")
	}
	if !strings.Contains(o.String(), "1 drive(s) (or unlisted volumes' member sets) behind RAID controllers NOT reached") {
		t.Fatalf("String() = %q", o.String())
	}
	o = report.DriveCounts{Drives: 1, Pass: 1, Volumes: 1, VolumesFailed: 1}
	if o.AllPassed() {
		t.Fatal("AllPassed() = true with a failed volume overwrite")
	}
}

func hasFinding(a report.Assessment, code string) bool {
	for _, f := range a.Findings {
		if f.Code == code {
			return true
		}
	}
	return false
}

// TestRewrittenIsNotAllPassed: a controller check naming an erased drive
// its controller wrote after the verification shows that drive FAIL in
// everything printed from the record (its recorded verdict stays what its
// steps gave, so the record is still INTACT) and keeps the run from
// all-PASS.
func TestRewrittenIsNotAllPassed(t *testing.T) {
	for _, tc := range []struct {
		name string
		rw   report.RewrittenDrive
	}{
		{"this drive", report.RewrittenDrive{Path: "megaraid_sas host0 device 10", Address: "device 10", Bay: "32:2", Why: "hot spare when the run began, online now"}},
		{"every drive of the controller", report.RewrittenDrive{Why: "the drive states could not be read again"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pol := reporttest.PurgePolicy
			pol.Level, pol.MICCategory = report.LevelClear, 3
			j, err := report.Create(t.TempDir(), reporttest.Signer(), reporttest.Start(pol))
			if err != nil {
				t.Fatal(err)
			}
			d := reporttest.HDDDrive()
			d.HiddenAreas = report.HiddenAreas{Checked: true}
			d.Identity.Path = "megaraid_sas host0 device 10"
			d.Identity.Controller = &report.ControllerRef{Host: 0, Driver: "megaraid_sas", Address: "device 10"}
			dl, err := j.Drive(d)
			if err != nil {
				t.Fatal(err)
			}
			size := d.Identity.CapacityBytes
			n, _ := dl.BeginAttempt(report.MethodOverwrite, reporttest.Epoch)
			if _, err := dl.Attempt(report.Attempt{Attempt: n, Method: report.MethodOverwrite, Outcome: report.OutcomeSuccess, Passes: 1,
				Pattern: "zeros", TargetBytes: size, BytesWritten: size, Canaries: &report.CanaryRecord{Planned: 10, Planted: 10, ReadBack: 10}}); err != nil {
				t.Fatal(err)
			}
			if err := dl.Verification(report.Verification{Attempt: n, Method: report.VerifyFull, Expected: "zeros", PercentRequested: 100,
				PercentAchieved: 100, BlocksRead: size / 512, Samples: 1, CanariesRead: 10}); err != nil {
				t.Fatal(err)
			}
			if a, _ := dl.Finish(report.Finish{}); a.Status != report.StatusPass {
				t.Fatalf("the drive: %s %v; want PASS before the check", a.Status, a.Findings)
			}
			if err := j.ControllerCheck(report.ControllerCheck{Host: 0, Driver: "megaraid_sas", Rewritten: []report.RewrittenDrive{tc.rw}}); err != nil {
				t.Fatal(err)
			}
			if err := j.Seal(); err != nil {
				t.Fatal(err)
			}
			res, err := report.VerifyFile(j.Path(), trusted())
			if err != nil || res.Status != report.Intact {
				t.Fatalf("verify: %v %s %v", err, res.Status, res.Problems)
			}
			o := res.Outcome
			if o.AllPassed() || o.Fail != 1 || len(o.Rewritten) != 1 {
				t.Fatalf("outcome %s (rewritten %q); want the drive FAIL, not all passed", o, o.Rewritten)
			}
			f := res.Run.Drives[0].Facts(res.Run.Start.Policy)
			if f.Assessment.Status != report.StatusFail || !f.Assessment.DestroyRequired || !hasFinding(f.Assessment, report.FindWrittenAfter) {
				t.Fatalf("facts %+v; want FAIL with %s", f.Assessment, report.FindWrittenAfter)
			}
			var out bytes.Buffer
			res.WriteText(&out)
			if !strings.Contains(out.String(), "written by its controller after the erase: megaraid_sas host0") {
				t.Fatalf("text output:\n%s", out.String())
			}
		})
	}
}

// Abandon removes a journal that holds only its run-start record, and
// refuses (leaving the file) once anything else was recorded.
func TestJournalAbandon(t *testing.T) {
	dir := t.TempDir()
	j, err := report.Create(dir, reporttest.Signer(), reporttest.Start(reporttest.PurgePolicy))
	if err != nil {
		t.Fatal(err)
	}
	cause := errors.New("the drive record could not be written")
	if err := j.Abandon(cause); !errors.Is(err, cause) {
		t.Fatalf("Abandon = %v; want the cause", err)
	}
	if _, err := os.Stat(j.Path()); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the abandoned journal is still there: %v", err)
	}
	j, err = report.Create(dir, reporttest.Signer(), reporttest.Start(reporttest.PurgePolicy))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := j.Drive(reporttest.HDDDrive()); err != nil {
		t.Fatal(err)
	}
	if err := j.Abandon(cause); !errors.Is(err, report.ErrNotEmpty) {
		t.Fatalf("Abandon of a journal with a drive record = %v; want ErrNotEmpty", err)
	}
	if _, err := os.Stat(j.Path()); err != nil {
		t.Fatalf("a journal with a drive record was removed: %v", err)
	}
	j.Close()
}
