package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/kesu-erase/kesu/erase/job"
	"github.com/kesu-erase/kesu/erase/worker"
	"github.com/kesu-erase/kesu/report"
)

// allOptions are the flags of `kesu erase --all`.
type allOptions struct {
	config  string
	journal string
	key     string
	json    bool
}

// allReport is `kesu erase --all --json`'s output.
type allReport struct {
	Journal     string          `json:"journal"`
	Fingerprint string          `json:"key_fingerprint,omitempty"`
	Results     []worker.Result `json:"results"`
	Excluded    []excludedRow   `json:"excluded"`
}

type excludedRow struct {
	Device string `json:"device"`
	Serial string `json:"serial,omitempty"`
	Reason string `json:"reason"`
}

// runEraseAll erases every target drive of this machine by the policy: the
// flow the appliance runs, on a live system (disks in use are excluded).
func runEraseAll(ctx context.Context, o allOptions, stdout, stderr io.Writer) error {
	if o.config == "" {
		return fmt.Errorf("%w: erase --all needs --config FILE (the policy)", errUsage)
	}
	pol, data, err := loadPolicy(o.config)
	if err != nil {
		return fmt.Errorf("%w: %v", errRefused, err)
	}
	base := filepath.Dir(o.config)
	records := o.journal
	if records == "" {
		records = filepath.Join(base, pol.Record.Dir)
	}
	var signer *report.Signer
	switch {
	case o.key != "":
		signer, err = report.LoadSigner(o.key)
	case !pol.Signing.Unsigned:
		signer, err = report.LoadSigner(filepath.Join(base, pol.Signing.Key))
	}
	if err != nil {
		return fmt.Errorf("%w: %v; nothing was erased", errRefused, err)
	}
	sum := sha256.Sum256(data)
	lines := newLinePrinter(stderr)
	j, err := job.Start(ctx, job.Options{
		Policy: pol, ConfigSHA256: hex.EncodeToString(sum[:]), RecordsDir: records, Signer: signer,
		Mode: "cli", Version: version, Root: os.DirFS("/"), SkipInUse: true, Open: openDrive,
		Events: lines.event,
	})
	if err != nil {
		return fmt.Errorf("%w: %v", errRefused, err)
	}
	fmt.Fprintf(stderr, "kesu: policy %s; record %s\n", describePolicy(job.PolicyRecord(pol)), j.Journal.Path())
	for _, t := range j.Prep.Targets {
		first := "-"
		if s, ok := t.Plan.Best(); ok {
			first = string(s.Method)
		}
		fmt.Fprintf(stderr, "kesu: target %s (%s %s) plan starts with %s\n", t.Disk.Path, dash(t.Disk.Model), dash(t.Disk.Serial), first)
	}
	for _, e := range j.Prep.Excluded {
		fmt.Fprintf(stderr, "kesu: excluded %s: %s\n", e.Disk.Path, e.Reason)
	}
	results, sealErr := j.Execute(ctx)
	rep := allReport{Journal: j.Journal.Path(), Results: results}
	if signer != nil {
		rep.Fingerprint = signer.Fingerprint()
	}
	for _, e := range j.Prep.Excluded {
		rep.Excluded = append(rep.Excluded, excludedRow{Device: e.Disk.Path, Serial: e.Disk.Serial, Reason: e.Reason})
	}
	if o.json {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		printAllSummary(stdout, &rep)
	}
	if sealErr != nil {
		return fmt.Errorf("the record could not be sealed: %w", sealErr)
	}
	if len(results) == 0 {
		fmt.Fprintln(stderr, "kesu: no drive to erase")
		return exitError{exitFail}
	}
	for _, r := range results {
		if r.Status != report.StatusPass {
			return exitError{exitFail}
		}
	}
	return nil
}

func printAllSummary(w io.Writer, r *allReport) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DEVICE\tMODEL\tSERIAL\tSTATUS\tLEVEL\tMETHOD\tTIME\tOUTCOME")
	for _, x := range r.Results {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", x.Identity.Path, dash(x.Identity.Model), dash(x.Identity.Serial), x.Status,
			x.Assessment.Reached, dash(string(x.Assessment.Method)), x.Duration.Round(time.Second), x.Reason)
	}
	for _, e := range r.Excluded {
		fmt.Fprintf(tw, "%s\t\t%s\tEXCLUDED\t\t\t\t%s\n", e.Device, dash(e.Serial), e.Reason)
	}
	tw.Flush()
	fmt.Fprintf(w, "record: %s\n", r.Journal)
	if r.Fingerprint != "" {
		fmt.Fprintf(w, "signed by key %s\n", report.FormatFingerprint(r.Fingerprint))
	}
}

// linePrinter prints worker events as plain lines: phase changes at once,
// progress at most every 5 s per drive.
type linePrinter struct {
	w     io.Writer
	mu    sync.Mutex
	phase map[string]worker.Phase
	last  map[string]time.Time
}

func newLinePrinter(w io.Writer) *linePrinter {
	return &linePrinter{w: w, phase: map[string]worker.Phase{}, last: map[string]time.Time{}}
}

func (l *linePrinter) event(e worker.Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	changed := l.phase[e.Drive] != e.Phase
	if !changed && e.Warning == "" && time.Since(l.last[e.Drive]) < 5*time.Second {
		return
	}
	l.phase[e.Drive], l.last[e.Drive] = e.Phase, time.Now()
	line := fmt.Sprintf("kesu: %s %s", e.Drive, e.Phase)
	if e.Method != "" {
		line += " " + string(e.Method)
	}
	switch {
	case e.Total > 0:
		line += fmt.Sprintf(" %5.1f%% %s/s", 100*float64(e.Done)/float64(e.Total), humanBytes(int64(e.Rate)))
	case e.Fraction >= 0:
		line += fmt.Sprintf(" %5.1f%%", 100*e.Fraction)
	}
	if e.ETA > 0 {
		line += " ETA " + clock(e.ETA)
	}
	if e.Warning != "" {
		line += " — " + e.Warning
	}
	if e.Result != nil {
		line += fmt.Sprintf(" %s: %s", e.Result.Status, e.Result.Reason)
	}
	fmt.Fprintln(l.w, line)
}
