//go:build linux

package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/kesu-erase/kesu/appliance"
	"github.com/kesu-erase/kesu/erase/job"
	"github.com/kesu-erase/kesu/report"
)

// The erase part of appliance mode: erase/job's run (journal, discovery
// without the boot stick, probe and plan, parallel erase and verification,
// seal) with a plain-line confirmation, progress and summary on every
// console.
//
// TODO(issue 8): when the console package's UI lands, draw the plan, the
// confirmation or countdown, the live view and the summary with it (opening
// Session.Consoles itself and not calling Session.Lines), and return its
// Finish action as Outcome.Action.
func init() { applianceErase = eraseAppliance }

func eraseAppliance(ctx context.Context, s *appliance.Session) (appliance.Outcome, error) {
	out := s.Out
	notes := []report.Note{
		{Severity: report.SeverityInfo, Code: "firmware", Text: s.Firmware.String()},
		{Severity: report.SeverityInfo, Code: "boot-stick", Text: fmt.Sprintf("booted from %s on disk %s (PARTUUID %s); that disk is never touched", s.Stick.Dev(), s.Stick.Disk, s.Stick.PartUUID)},
	}
	for _, m := range s.Modules {
		notes = append(notes, report.Note{Severity: report.SeverityWarning, Code: "kernel-module", Text: fmt.Sprintf("module %s did not load: %v", m.Name, m.Err)})
	}
	lines := newLinePrinter(out)
	j, err := job.Start(ctx, job.Options{
		Policy: s.Config, ConfigSHA256: s.ConfigSHA256, RecordsDir: s.RecordsDir, Signer: s.Signer,
		Mode: "appliance", Version: version, Notes: notes, Root: os.DirFS("/"),
		BootDisks: []string{s.Stick.Disk}, Open: openDrive, Events: lines.event,
	})
	if err != nil {
		return appliance.Outcome{}, fmt.Errorf("%v; nothing was erased", err)
	}
	o := appliance.Outcome{Journal: j.Journal.Path()}
	fmt.Fprintf(out, "kesu: policy %s; record %s\n", describePolicy(job.PolicyRecord(s.Config)), o.Journal)
	for _, t := range j.Prep.Targets {
		first := "-"
		if st, ok := t.Plan.Best(); ok {
			first = string(st.Method)
		}
		fmt.Fprintf(out, "kesu: target %s (%s %s, %s) plan starts with %s\n",
			t.Disk.Path, dash(t.Disk.Model), dash(t.Disk.Serial), humanBytes(t.Disk.Size), first)
	}
	for _, e := range j.Prep.Excluded {
		fmt.Fprintf(out, "kesu: excluded %s (%s): %s\n", e.Disk.Path, dash(e.Disk.Serial), e.Reason)
	}
	n := len(j.Prep.Targets)
	if n == 0 {
		_, err := j.Cancel("no drive to erase")
		fmt.Fprintln(out, "kesu: no drive to erase")
		return o, err
	}
	if ok, why := confirmAppliance(ctx, s, n); !ok {
		_, err := j.Cancel(why)
		fmt.Fprintf(out, "kesu: %s; nothing was erased\n", why)
		return o, err
	}
	results, sealErr := j.Execute(ctx)
	rep := allReport{Journal: o.Journal, Results: results}
	if s.Signer != nil {
		rep.Fingerprint = s.Signer.Fingerprint()
	}
	for _, e := range j.Prep.Excluded {
		rep.Excluded = append(rep.Excluded, excludedRow{Device: e.Disk.Path, Serial: e.Disk.Serial, Reason: e.Reason})
	}
	printAllSummary(out, &rep)
	for _, r := range results {
		if r.Status == report.StatusPass {
			o.Passed++
		} else {
			o.Failed++
		}
	}
	if sealErr != nil {
		return o, fmt.Errorf("the record could not be sealed: %w", sealErr)
	}
	return o, nil
}

// confirmAppliance asks before erasing: unattended, a countdown that Enter
// on any console cancels; attended, the technician types the number of
// drives (or the policy's confirm word).
func confirmAppliance(ctx context.Context, s *appliance.Session, n int) (bool, string) {
	out, lines := s.Out, s.Lines()
	if s.Config.Run.Unattended {
		d := time.Duration(s.Config.Run.Countdown) * time.Second
		fmt.Fprintf(out, "kesu: UNATTENDED: erasing %d drive(s) in %v; press Enter on any console to cancel\n", n, d)
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for left := d; left > 0; {
			select {
			case <-ctx.Done():
				return false, "the run was stopped"
			case <-lines:
				return false, "cancelled at the countdown"
			case <-tick.C:
				left -= time.Second
				if left > 0 && (left <= 5*time.Second || left%(10*time.Second) == 0) {
					fmt.Fprintf(out, "kesu: erasing in %v\n", left)
				}
			}
		}
		return true, ""
	}
	want := s.Config.Run.ConfirmWord
	if want == "" {
		want = strconv.Itoa(n)
	}
	fmt.Fprintf(out, "kesu: to ERASE the %d drive(s) above, type %s and press Enter; anything else cancels\n", n, want)
	select {
	case <-ctx.Done():
		return false, "the run was stopped"
	case l := <-lines:
		if strings.TrimSpace(l) == want {
			return true, ""
		}
		return false, fmt.Sprintf("declined at the confirmation (typed %q)", l)
	}
}
