package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/kesu-erase/kesu/erase"
	"github.com/kesu-erase/kesu/report"
)

func init() {
	register(command{
		name:    "erase",
		summary: "overwrite a drive and verify it by read-back (destructive; needs --yes)",
		run:     runErase,
	})
}

// eraseReport is `kesu erase --json`'s one result object.
type eraseReport struct {
	Device string `json:"device"`
	Kind   string `json:"kind"` // "block device" or "file"
	// Scope says what the overwrite reached: a whole block device, or a
	// file's logical content only (never a sanitization of a medium).
	Scope             string           `json:"scope"`
	SizeBytes         int64            `json:"size_bytes"`
	LogicalBlockSize  int              `json:"logical_block_size"`
	PhysicalBlockSize int              `json:"physical_block_size"`
	Pattern           string           `json:"pattern"`
	KeyID             string           `json:"key_id,omitempty"`
	BytesWritten      int64            `json:"bytes_written"`
	Unwritable        []erase.LBARange `json:"unwritable"`
	WriteSeconds      float64          `json:"write_seconds"`
	WriteBytesPerSec  float64          `json:"write_bytes_per_second"`
	Verification      *verifySummary   `json:"verification"`
	Started           time.Time        `json:"started"`
	Finished          time.Time        `json:"finished"`
	Seconds           float64          `json:"seconds"`
	Status            erase.Status     `json:"status"`
	Reason            string           `json:"reason,omitempty"`
	// Record is the signed record written with --journal.
	Record *recordSummary    `json:"record,omitempty"`
	Detail *erase.PassResult `json:"detail"`
}

// recordSummary says where the record went and what it concludes.
type recordSummary struct {
	Journal     string        `json:"journal"`
	Fingerprint string        `json:"key_fingerprint,omitempty"`
	Status      report.Status `json:"status"`
	Wording     []string      `json:"wording"`
}

// verifySummary is the verification part of the JSON outputs.
type verifySummary struct {
	Method           string           `json:"method"`
	Expect           string           `json:"expect"`
	Seed             string           `json:"seed,omitempty"`
	PercentRequested float64          `json:"percent_requested"`
	PercentRead      float64          `json:"percent_read"`
	Subsections      int64            `json:"subsections"`
	Samples          int64            `json:"samples"`
	BlocksRead       int64            `json:"blocks_read"`
	Mismatches       int64            `json:"mismatched_blocks"`
	FirstMismatches  []int64          `json:"first_mismatches"`
	Unreadable       []erase.LBARange `json:"unreadable"`
	Seconds          float64          `json:"seconds"`
	BytesPerSec      float64          `json:"bytes_per_second"`
	Outcome          erase.Outcome    `json:"outcome"`
	Reason           string           `json:"reason,omitempty"`
	Skipped          string           `json:"skipped,omitempty"`
}

func summarizeVerify(v *erase.VerifyResult) *verifySummary {
	return &verifySummary{
		Method: v.Method, Expect: v.Expect, Seed: v.Plan.Seed, PercentRequested: v.Plan.Percent,
		PercentRead: v.PercentRead, Subsections: v.Plan.Subsections, Samples: v.Locations,
		BlocksRead: v.BlocksRead, Mismatches: v.MismatchedBlocks, FirstMismatches: nonNil(v.FirstMismatches),
		Unreadable: nonNil(v.Unreadable), Seconds: v.Duration.Seconds(), BytesPerSec: v.Throughput(),
		Outcome: v.Outcome, Reason: v.Reason,
	}
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func runErase(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("erase", flag.ContinueOnError)
	fs.SetOutput(stderr)
	device := fs.String("device", "", "block device or file to erase (required)")
	pattern := fs.String("pattern", "zero", "what to write: zero, one, random or 0xNN")
	verify := fs.String("verify", "10%", "read-back after writing: none, N% (sampled, NIST SP 800-88 plan) or full")
	yes := fs.Bool("yes", false, "confirm that everything on the device is to be destroyed")
	jsonOut := fs.Bool("json", false, "print one JSON result object on stdout")
	seedHex := fs.String("seed", "", "hex seed for the verification plan (default: fresh random)")
	journalDir := fs.String("journal", "", "also write a signed record of the erasure (a journal) into this directory")
	keyPath := fs.String("key", "", "Ed25519 private key (from kesu keygen) that signs the --journal record")
	unsigned := fs.Bool("unsigned", false, "with --journal and no --key: write an unsigned record")
	all := fs.Bool("all", false, "erase every drive of this machine by the policy (--config); disks in use are left alone")
	configPath := fs.String("config", "", "with --all: the policy (kesu.toml)")
	method := fs.String("method", "", "with --device: run this one method (e.g. nvme-format-user-data-erase, ata-sanitize-block-erase) through the worker, with canaries and read-back, no fallback; needs --journal")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected arguments %q", errUsage, fs.Args())
	}
	if *all {
		if *device != "" {
			return fmt.Errorf("%w: --all and --device exclude each other", errUsage)
		}
		if !*yes {
			return fmt.Errorf("%w: erase --all destroys every drive of this machine that is not in use or excluded; add --yes to confirm", errRefused)
		}
		return runEraseAll(ctx, allOptions{config: *configPath, journal: *journalDir, key: *keyPath, json: *jsonOut}, stdout, stderr)
	}
	if *configPath != "" {
		return fmt.Errorf("%w: --config goes with --all", errUsage)
	}
	if *device == "" {
		return fmt.Errorf("%w: erase needs --device (or --all)", errUsage)
	}
	pat, err := erase.ParsePattern(*pattern)
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	pct, err := erase.ParseVerify(*verify)
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	seed, err := parseSeed(*seedHex)
	if err != nil {
		return err
	}
	if *method != "" {
		if *journalDir == "" || (*keyPath == "" && !*unsigned) {
			return fmt.Errorf("%w: --method needs --journal DIR and --key FILE (or --unsigned)", errUsage)
		}
		if *device == "" {
			return fmt.Errorf("%w: --method needs --device", errUsage)
		}
		if !*yes {
			return fmt.Errorf("%w: erase destroys everything on %s; add --yes to confirm", errRefused, *device)
		}
		var signer *report.Signer
		if *keyPath != "" {
			if signer, err = report.LoadSigner(*keyPath); err != nil {
				return fmt.Errorf("%w: %v; nothing was erased", errRefused, err)
			}
		}
		return runEraseMethod(ctx, methodOptions{device: *device, method: report.Method(*method), journal: *journalDir,
			signer: signer, unsigned: *unsigned, verify: pct, pattern: pat.String(), json: *jsonOut}, stdout, stderr)
	}
	if *journalDir == "" && (*keyPath != "" || *unsigned) {
		return fmt.Errorf("%w: --key and --unsigned go with --journal", errUsage)
	}
	if *journalDir != "" && *keyPath == "" && !*unsigned {
		return fmt.Errorf("%w: --journal needs --key (or --unsigned to write an unsigned record)", errUsage)
	}
	if *journalDir != "" && pct == 0 {
		return fmt.Errorf("%w: a record needs proof: --journal cannot go with --verify none", errUsage)
	}
	if !*yes {
		return fmt.Errorf("%w: erase destroys everything on %s; add --yes to confirm", errRefused, *device)
	}
	// The signing key is checked before anything is opened: no key, no erase.
	var signer *report.Signer
	if *keyPath != "" {
		if signer, err = report.LoadSigner(*keyPath); err != nil {
			return fmt.Errorf("%w: %v; nothing was erased", errRefused, err)
		}
	}
	d, err := openTarget(*device, true)
	if err != nil {
		return err
	}
	defer d.Close()
	var rec *cliRecord
	if *journalDir != "" {
		if rec, err = startCLIRecord(*journalDir, signer, d, pct); err != nil {
			return fmt.Errorf("%w: the record could not be started: %v; nothing was erased", errRefused, err)
		}
		defer rec.close()
	}

	kind := "file"
	if d.IsBlockDevice() {
		kind = "block device"
	}
	fmt.Fprintf(stderr, "kesu: erasing %s (%s, %s, %d-byte logical blocks) with %s, verify %s\n",
		d.Path(), kind, humanBytes(d.Size()), d.LogicalBlockSize(), pat, *verify)
	pp := newProgressPrinter(stderr)
	if rec != nil {
		if err := rec.begin(); err != nil {
			return fmt.Errorf("%w: %v; nothing was erased", errRefused, err)
		}
	}
	res, err := erase.OverwriteAndVerify(ctx, d, erase.PassOptions{
		Overwrite:      erase.OverwriteOptions{Pattern: pat, Progress: pp.show},
		VerifyPercent:  pct,
		Seed:           seed,
		VerifyProgress: pp.show,
	})
	if err != nil {
		return err
	}
	var assessment *report.Assessment
	if rec != nil {
		a, err := rec.finish(ctx, res, pat, d)
		if err != nil {
			return fmt.Errorf("the erasure ran but its record could not be completed: %w", err)
		}
		assessment = &a
	}
	scope := "every addressable block of the device"
	if id, class, _ := describeTarget(d); class == report.ClassFile && d.IsBlockDevice() {
		scope = "a " + id.Model + ": " + fileScope
	} else if class == report.ClassFile {
		scope = fileScope
	}
	rep := eraseReport{
		Device: d.Path(), Kind: kind, Scope: scope, SizeBytes: d.Size(), LogicalBlockSize: d.LogicalBlockSize(),
		PhysicalBlockSize: d.PhysicalBlockSize(), Pattern: pat.String(), KeyID: pat.KeyID(),
		BytesWritten: res.Overwrite.BytesWritten, Unwritable: nonNil(res.Overwrite.Unwritable),
		WriteSeconds: res.Overwrite.Duration.Seconds(), WriteBytesPerSec: res.Overwrite.Throughput(),
		Started: res.Started, Finished: res.Finished, Seconds: res.Duration.Seconds(),
		Status: res.Status, Reason: res.Reason, Detail: res,
	}
	if res.Verify != nil {
		rep.Verification = summarizeVerify(res.Verify)
	} else {
		rep.Verification = &verifySummary{Skipped: res.VerifySkipped}
	}
	if rec != nil {
		rep.Record = &recordSummary{Journal: rec.j.Path(), Status: assessment.Status, Wording: assessment.Lines("en")}
		if signer != nil {
			rep.Record.Fingerprint = signer.Fingerprint()
		}
	}
	if *jsonOut {
		if err := writeJSON(stdout, rep); err != nil {
			return err
		}
	} else {
		printEraseReport(stdout, &rep)
	}
	if assessment != nil && assessment.Status != report.StatusPass && res.Status == erase.StatusPass {
		// The record is stricter than the pass alone (e.g. removable media
		// needing two passes for Clear): it decides.
		return exitError{exitFail}
	}
	return statusExit(res.Status)
}

// fileScope is what overwriting a regular file reaches.
const fileScope = "file overwrite — logical content only: no sanitization level (NIST SP 800-88 Clear/Purge do not apply to a file; the filesystem and the device below it may keep earlier copies)"

func statusExit(s erase.Status) error {
	switch s {
	case erase.StatusPass:
		return nil
	case erase.StatusUnverified:
		return exitError{exitUnverified}
	}
	return exitError{exitFail}
}

func printEraseReport(w io.Writer, r *eraseReport) {
	fmt.Fprintf(w, "device:    %s (%s, %d bytes, %d/%d-byte blocks)\n", r.Device, r.Kind, r.SizeBytes, r.LogicalBlockSize, r.PhysicalBlockSize)
	fmt.Fprintf(w, "scope:     %s\n", r.Scope)
	pat := r.Pattern
	if r.KeyID != "" {
		pat += " (key id " + r.KeyID + ")"
	}
	fmt.Fprintf(w, "pattern:   %s\n", pat)
	fmt.Fprintf(w, "written:   %d bytes in %.1f s (%s/s)\n", r.BytesWritten, r.WriteSeconds, humanBytes(int64(r.WriteBytesPerSec)))
	for _, u := range r.Unwritable {
		fmt.Fprintf(w, "unwritable: %s\n", u)
	}
	if c := r.Detail.Canaries; c != nil {
		fmt.Fprintf(w, "canaries:  %d planned, %d written, %d read back from the medium before the overwrite", c.Planned, c.Planted, c.ReadBack)
		if v := r.Detail.Verify; v != nil {
			fmt.Fprintf(w, "; %d read after it, %d survived", v.CanariesChecked, v.CanariesSurvived)
		}
		if c.Error != "" {
			fmt.Fprintf(w, " (%s: every block is read back)", c.Error)
		}
		fmt.Fprintln(w)
	}
	printVerifySummary(w, r.Verification)
	fmt.Fprintf(w, "result:    %s", r.Status)
	if r.Reason != "" {
		fmt.Fprintf(w, " — %s", r.Reason)
	}
	fmt.Fprintln(w)
	if r.Record != nil {
		fmt.Fprintf(w, "record:    %s (%s)\n", r.Record.Journal, r.Record.Status)
		for _, l := range r.Record.Wording {
			fmt.Fprintf(w, "           %s\n", l)
		}
		if r.Record.Fingerprint != "" {
			fmt.Fprintf(w, "signed by: %s\n", report.FormatFingerprint(r.Record.Fingerprint))
		} else {
			fmt.Fprintln(w, "signed by: nobody (unsigned record)")
		}
	}
}

func printVerifySummary(w io.Writer, v *verifySummary) {
	if v == nil {
		return
	}
	if v.Skipped != "" {
		fmt.Fprintf(w, "verified:  no — %s\n", v.Skipped)
		return
	}
	fmt.Fprintf(w, "verified:  %s read-back, expect %s: %.2f%% of blocks read (%d locations in %d subsections), %d mismatched, %d unreadable, %.1f s\n",
		v.Method, v.Expect, v.PercentRead, v.Samples, v.Subsections, v.Mismatches, len(v.Unreadable), v.Seconds)
	if v.Seed != "" {
		fmt.Fprintf(w, "plan seed: %s\n", v.Seed)
	}
	if len(v.FirstMismatches) > 0 {
		fmt.Fprintf(w, "first mismatching LBAs: %v\n", v.FirstMismatches)
	}
}
