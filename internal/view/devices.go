package view

import (
	"fmt"
	"io"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/kesu-erase/kesu/erase"
	"github.com/kesu-erase/kesu/erase/worker"
	"github.com/kesu-erase/kesu/internal/human"
	"github.com/kesu-erase/kesu/report"
)

// DeviceTarget shows the probed drive t and what kesu erase A B does to
// it — the host overwrite with pat, then a read-back of pct percent — with
// record saying where the record goes; a drive that cannot be erased
// (worker.Target.Unerasable) shows why instead of a plan.
func DeviceTarget(t *worker.Target, record string, pat erase.Pattern, pct float64) Target {
	v := Target{Device: t.Disk.Path, Identity: worker.IdentityFromDisk(t.Disk), Class: worker.ClassFromDisk(t.Disk), Record: record}
	if t.Probe != nil {
		v.Identity, v.Class = t.Probe.Identity, t.Probe.Class
	}
	v.ReadContentsAt(t.Disk.Path, int64(v.Identity.CapacityBytes), int(v.Identity.LogicalSectorSize))
	if why := t.Unerasable(); why != "" {
		v.Plan = []string{why + " (kesu erase refuses the whole command: no device is written)"}
		return v
	}
	v.Plan = OverwritePlan(int64(v.Identity.CapacityBytes), pat, pct)
	if r, ok := report.Rate(v.Class, report.MethodOverwrite); ok && r.Rev1MinPasses > 1 {
		v.Plan[0] = fmt.Sprintf("overwrite every block (%s) %d times, host writes: the complement of %s, then %s (NIST SP 800-88 Rev.1 Clear of %s media asks for %d passes)",
			human.Size(int64(v.Identity.CapacityBytes)), r.Rev1MinPasses, pat, pat, v.Class, r.Rev1MinPasses)
	}
	if t.Probe != nil && hiddenPresent(t.Probe.Hidden) {
		v.Plan = append([]string{"restore the hidden areas (HPA/DCO/AMA) first, so that the overwrite reaches them"}, v.Plan...)
	}
	return v
}

func hiddenPresent(h report.HiddenAreas) bool {
	for _, a := range h.Areas {
		if a.Present {
			return true
		}
	}
	return false
}

// DevicesDryRun is kesu erase A B --dry-run's result.
type DevicesDryRun struct {
	DryRun  bool     `json:"dry_run"`
	Targets []Target `json:"targets"`
	// Record says whether the record could be started.
	Record string `json:"record_check,omitempty"`
	// Refused lists why the run, or a device of it, would not be erased;
	// empty when every device would be.
	Refused []string `json:"refused"`
}

// WriteText writes every device with its plan, the record check, and
// whether every check passed.
func (r *DevicesDryRun) WriteText(w io.Writer) {
	for i := range r.Targets {
		r.Targets[i].Write(w, "kesu: dry run: "+r.Targets[i].Device+" would be erased:")
	}
	if r.Record != "" {
		fmt.Fprintf(w, "record check: %s\n", r.Record)
	}
	for _, why := range r.Refused {
		fmt.Fprintf(w, "would not be erased: %s\n", why)
	}
	if len(r.Refused) == 0 {
		fmt.Fprintf(w, "dry run: every check passed on %d devices; nothing was written. The same command with --yes (or the typed confirmations) erases them, at once.\n", len(r.Targets))
	}
}

// Devices is the result of kesu erase A B (its --json object): one result
// per device, in the order named, and the one record of the run.
type Devices struct {
	Journal     string          `json:"journal"`
	Fingerprint string          `json:"key_fingerprint,omitempty"`
	Results     []worker.Result `json:"results"`
}

// WriteText writes a row per device and the record.
func (r *Devices) WriteText(w io.Writer) {
	writeResults(w, r.Results, nil)
	fmt.Fprintf(w, "record: %s\n", r.Journal)
	if r.Fingerprint != "" {
		fmt.Fprintf(w, "signed by key %s\n", report.FormatFingerprint(r.Fingerprint))
	}
}

// writeResults writes the table of drives erased (and excluded, for
// kesu erase --all).
func writeResults(w io.Writer, results []worker.Result, excluded []Excluded) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "BAY\tDEVICE\tMODEL\tSERIAL\tSTATUS\tLEVEL\tMETHOD\tTIME\tOUTCOME")
	for _, x := range results {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", human.Dash(x.Identity.Bay), x.Identity.Path, human.Dash(x.Identity.Model),
			human.Dash(x.Identity.Serial), x.Status, human.Reached(x.Assessment), human.Dash(string(x.Assessment.Method)), human.Clock(x.Duration), x.Reason)
	}
	for _, e := range excluded {
		fmt.Fprintf(tw, "%s\t%s\t\t%s\tEXCLUDED\t\t\t\t%s\n", human.Dash(e.Bay), e.Device, human.Dash(e.Serial), e.Reason)
	}
	tw.Flush()
}

// RunLog writes a run's progress over several drives as plain lines:
// each drive's phases as they start, its warnings, its byte progress
// every few seconds, and its result. Its Event method is safe from the
// drives' goroutines (worker.Config.Events).
type RunLog struct {
	w     io.Writer
	every time.Duration
	mu    sync.Mutex
	phase map[string]worker.Phase
	shown map[string]time.Time
}

// NewRunLog writes a run's progress to w.
func NewRunLog(w io.Writer) *RunLog {
	return &RunLog{w: w, every: 10 * time.Second, phase: map[string]worker.Phase{}, shown: map[string]time.Time{}}
}

// Event writes what e says, when it is news.
func (l *RunLog) Event(e worker.Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case e.Phase == worker.PhaseDone && e.Result != nil:
		fmt.Fprintf(l.w, "kesu: %s: %s in %s: %s\n", e.Drive, e.Result.Status, human.Clock(e.Result.Duration), e.Result.Reason)
		return
	case e.Warning != "":
		fmt.Fprintf(l.w, "kesu: %s: warning: %s\n", e.Drive, e.Warning)
	}
	if l.phase[e.Drive] != e.Phase {
		l.phase[e.Drive] = e.Phase
		l.shown[e.Drive] = e.Time
		fmt.Fprintf(l.w, "kesu: %s: %s\n", e.Drive, e.Phase)
		return
	}
	if e.Total > 0 && e.Time.Sub(l.shown[e.Drive]) >= l.every {
		l.shown[e.Drive] = e.Time
		fmt.Fprintf(l.w, "kesu: %s: %s %5.1f%%  %s of %s  %s\n", e.Drive, e.Phase, 100*float64(e.Done)/float64(e.Total),
			human.Size(e.Done), human.Size(e.Total), human.Rate(e.Rate))
	}
}
