package view

import (
	"fmt"
	"io"

	"github.com/kesu-erase/kesu/erase/worker"
	"github.com/kesu-erase/kesu/internal/human"
	"github.com/kesu-erase/kesu/report"
)

// MethodTarget shows the probed drive t at device and what kesu erase
// --method would do to it (its plan is that one method, then a read-back
// of pct percent), with record saying where the record goes; it also says
// why a run would refuse ("" when it would start).
func MethodTarget(t *worker.Target, device, record string, pct float64) (Target, string) {
	v := Target{Device: device, Identity: worker.IdentityFromDisk(t.Disk), Class: worker.ClassFromDisk(t.Disk), Record: record}
	if t.Probe != nil {
		v.Identity, v.Class = t.Probe.Identity, t.Probe.Class
	}
	v.ReadContentsAt(t.Disk.Path, int64(v.Identity.CapacityBytes), int(v.Identity.LogicalSectorSize))
	if t.Err != nil {
		v.Plan = []string{"cannot be erased: " + t.Err.Error()}
		return v, t.Err.Error()
	}
	refusal := ""
	for _, s := range t.Plan.Steps {
		line := fmt.Sprintf("%s (%s, rated %s), then read back %g%% of the blocks", s.Method.Title("en"), s.Method, human.Level(s.Rating), pct)
		if !s.Chosen {
			line = "refused: " + t.Plan.Note
			refusal = t.Plan.Note
		}
		v.Plan = append(v.Plan, line)
	}
	v.Plan = append(v.Plan, "no fallback: if the method fails, the drive is recorded FAIL")
	return v, refusal
}

// Method is the result of kesu erase DEVICE --method (its --json object).
type Method struct {
	Device   string                `json:"device"`
	Method   report.Method         `json:"method"`
	Journal  string                `json:"journal"`
	Result   worker.Result         `json:"result"`
	Attempts []report.Attempt      `json:"attempts"`
	Verifies []report.Verification `json:"verifications"`
}

// WriteText writes the method, the record, each attempt and read-back,
// and the result.
func (r *Method) WriteText(w io.Writer) {
	fmt.Fprintf(w, "device:  %s\nmethod:  %s\nrecord:  %s\n", r.Device, r.Method.Title("en"), r.Journal)
	for _, a := range r.Attempts {
		fmt.Fprintf(w, "attempt %d: %s — %s\n", a.Attempt, a.Outcome, a.Mechanism)
		for _, e := range a.Errors {
			fmt.Fprintf(w, "  error: %s\n", e)
		}
	}
	for _, v := range r.Verifies {
		fmt.Fprintf(w, "verified (%s): expect %s; %d blocks read, %d mismatched %v\n", v.Method, v.Expected, v.BlocksRead, v.Mismatches, v.Errors)
	}
	fmt.Fprintf(w, "result:  %s — %s\n", r.Result.Status, r.Result.Reason)
}
