package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kesu-erase/kesu/erase"
	"github.com/kesu-erase/kesu/erase/policy"
	"github.com/kesu-erase/kesu/internal/human"
	"github.com/kesu-erase/kesu/report"
)

func init() {
	register(command{
		name:    "erase",
		summary: "overwrite a drive and verify it by read-back, or run one named method (destructive)",
		usage: []string{
			"erase [--pattern P] [--verify N%|full|none] [--journal DIR (--key FILE | --unsigned)] [--operator NAME ...] [--dry-run] [--yes] [--json] DEVICE",
			"erase --method METHOD --journal DIR (--key FILE | --unsigned) [--dry-run] [--yes] [--json] DEVICE",
			"erase --all --config FILE [--journal DIR] [--key FILE] [--yes] [--json]",
		},
		details: eraseDetails,
		run:     runErase,
	})
}

// eraseDetails closes `kesu erase --help`.
const eraseDetails = `Before anything is written kesu shows the drive: model, serial, WWN, size,
block sizes, transport, bay, the partition table and filesystems found on it,
and the plan (method, pattern, verification, record). --dry-run stops there
after every check a real run makes (in use, exclusive open, signing key,
record directory) and writes nothing. On a terminal without --yes kesu asks
for the last 4 characters of the drive's serial (of the device's name when it
has none); elsewhere --yes is the confirmation.

--operator, --organization, --customer and --location name the people in the
record and on the certificate; with DEVICE, --config FILE supplies them (and
contact, operator_title) from the policy's [record] table, and the flags
override it.

Exit status: 0 PASS, 1 FAIL or error, 2 usage, 3 refused (nothing written),
4 written but not verified (--verify none), 130 interrupted (the record is
closed first; the result says how far the pass got).
`

// eraseFlags are the flags of kesu erase.
type eraseFlags struct {
	device, pattern, verify, seed, journal, key, config, method string
	yes, json, unsigned, all, dryRun                            bool
	people                                                      people
}

// people name who did the work and for whom, for the record.
type people struct{ operator, organization, customer, location string }

func (p *people) define(fs *flag.FlagSet) {
	fs.StringVar(&p.operator, "operator", "", "the `NAME` of the person erasing, for the record and certificate")
	fs.StringVar(&p.organization, "organization", "", "the `NAME` of the organization doing the erasure")
	fs.StringVar(&p.customer, "customer", "", "whose equipment it is: a `NAME` (leasing customer, department)")
	fs.StringVar(&p.location, "location", "", "where the work is done: a `PLACE` (site, room)")
}

// apply overrides the policy's [record] people with the flags given.
func (p people) apply(r *policy.Record) {
	if p.operator != "" {
		r.Operator = p.operator
	}
	if p.organization != "" {
		r.Organization = p.organization
	}
	if p.customer != "" {
		r.Customer = p.customer
	}
	if p.location != "" {
		r.Location = p.location
	}
}

func runErase(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("erase", flag.ContinueOnError)
	var o eraseFlags
	fs.StringVar(&o.device, "device", "", "the block device or file to erase: the `DEVICE` (or give it as the argument)")
	fs.StringVar(&o.pattern, "pattern", "zero", "the `PATTERN` to write: zero, one, random or 0xNN")
	fs.StringVar(&o.verify, "verify", "10%", "read-back after writing: none, `N%` (sampled, NIST SP 800-88 plan) or full")
	fs.BoolVar(&o.yes, "yes", false, "confirm that everything on the device is to be destroyed")
	fs.BoolVar(&o.dryRun, "dry-run", false, "show the drive, what it holds and the plan, make every check, and write nothing")
	fs.BoolVar(&o.json, "json", false, "print one JSON result object on stdout")
	fs.StringVar(&o.seed, "seed", "", "`HEX` seed for the verification plan (default: fresh random)")
	fs.StringVar(&o.journal, "journal", "", "also write a signed record of the erasure (a journal) into this `DIR`")
	fs.StringVar(&o.key, "key", "", "the Ed25519 private key `FILE` (from kesu keygen) that signs the --journal record")
	fs.BoolVar(&o.unsigned, "unsigned", false, "with --journal and no --key: write an unsigned record")
	fs.BoolVar(&o.all, "all", false, "erase every drive of this machine by the policy (--config); disks in use are left alone")
	fs.StringVar(&o.config, "config", "", "the policy `FILE` (kesu.toml): with --all, the run's policy; with DEVICE, the [record] people")
	fs.StringVar(&o.method, "method", "", "run this one `METHOD` (e.g. nvme-format-user-data-erase; --method list names them all) through the worker, with canaries and read-back, no fallback; needs --journal")
	o.people.define(fs)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if o.device, err = deviceArg(fs, o.device, pos); err != nil {
		return err
	}
	if o.method == "list" {
		fmt.Fprintln(stdout, methodList())
		return nil
	}
	if o.all {
		switch {
		case o.device != "":
			return fmt.Errorf("%w: --all and a DEVICE exclude each other", errUsage)
		case o.method != "":
			return fmt.Errorf("%w: --method goes with one DEVICE, not --all", errUsage)
		case o.dryRun:
			return fmt.Errorf("%w: for what --all would do, run kesu plan --config FILE", errUsage)
		}
		if !o.yes {
			return fmt.Errorf("%w: erase --all destroys every drive of this machine that is not in use or excluded; add --yes to confirm", errRefused)
		}
		return runEraseAll(ctx, allOptions{config: o.config, journal: o.journal, key: o.key, json: o.json, people: o.people}, stdout, stderr)
	}
	if o.device == "" {
		return fmt.Errorf("%w: erase needs a DEVICE (kesu erase /dev/sdb) or --all", errUsage)
	}
	pat, err := erase.ParsePattern(o.pattern)
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	pct, err := erase.ParseVerify(o.verify)
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	seed, err := parseSeed(o.seed)
	if err != nil {
		return err
	}
	if o.method != "" {
		if !report.Method(o.method).Known() {
			return fmt.Errorf("%w: unknown method %q; the methods are:\n%s", errUsage, o.method, methodList())
		}
		if o.journal == "" || (o.key == "" && !o.unsigned) {
			return fmt.Errorf("%w: --method needs --journal DIR and --key FILE (or --unsigned)", errUsage)
		}
	}
	if o.journal == "" && (o.key != "" || o.unsigned) {
		return fmt.Errorf("%w: --key and --unsigned go with --journal", errUsage)
	}
	if o.journal != "" && o.key == "" && !o.unsigned {
		return fmt.Errorf("%w: --journal needs --key (or --unsigned to write an unsigned record)", errUsage)
	}
	if o.journal != "" && pct == 0 && o.method == "" {
		return fmt.Errorf("%w: a record needs proof: --journal cannot go with --verify none", errUsage)
	}
	ask := askTerminal(stderr)
	if !o.yes && !o.dryRun && ask == nil {
		return fmt.Errorf("%w: erase destroys everything on %s; add --yes to confirm (or --dry-run to see the drive and the plan first)", errRefused, o.device)
	}
	rec := policy.Record{}
	if o.config != "" {
		pol, _, err := loadPolicy(o.config)
		if err != nil {
			return fmt.Errorf("%w: %v; nothing was erased", errRefused, err)
		}
		rec = pol.Record
	}
	o.people.apply(&rec)
	// The signing key is checked before anything is opened: no key, no erase.
	var signer *report.Signer
	if o.key != "" {
		if signer, err = report.LoadSigner(o.key); err != nil {
			return fmt.Errorf("%w: %v; nothing was erased", errRefused, err)
		}
	}
	if o.method != "" {
		return runEraseMethod(ctx, methodOptions{device: o.device, method: report.Method(o.method), journal: o.journal,
			signer: signer, unsigned: o.unsigned, verify: pct, pattern: pat.String(), json: o.json,
			dryRun: o.dryRun, yes: o.yes, ask: ask, record: rec}, stdout, stderr)
	}

	d, err := openTargetFor(o.device, true, !o.dryRun)
	if err != nil {
		return err
	}
	defer d.Close()
	view := viewOf(d)
	view.Plan = overwritePlan(d, pat, pct)
	view.Record = recordWords(o.journal, signer)
	if o.dryRun {
		return dryRun(&view, o.journal, "", stdout, o.json)
	}
	view.write(stderr, "kesu: about to erase "+d.Path()+":")
	if !o.yes {
		if err := confirm(ctx, ask, stderr, &view); err != nil {
			return err
		}
	}
	var cr *cliRecord
	if o.journal != "" {
		if cr, err = startCLIRecord(o.journal, signer, d, pct, rec); err != nil {
			return fmt.Errorf("%w: the record could not be started: %v; nothing was erased", errRefused, err)
		}
		defer cr.close()
	}

	kind := "file"
	if d.IsBlockDevice() {
		kind = "block device"
	}
	fmt.Fprintf(stderr, "kesu: erasing %s (%s, %s, %d-byte logical blocks) with %s, verify %s\n",
		d.Path(), kind, human.Size(d.Size()), d.LogicalBlockSize(), pat, o.verify)
	pp := newProgressPrinter(stderr)
	if cr != nil {
		if err := cr.begin(); err != nil {
			return fmt.Errorf("%w: %v; nothing was erased", errRefused, err)
		}
	}
	res, err := erase.OverwriteAndVerify(ctx, d, erase.PassOptions{
		Overwrite:      erase.OverwriteOptions{Pattern: pat, Progress: pp.show},
		VerifyPercent:  pct,
		Seed:           seed,
		VerifyProgress: pp.show,
	})
	var passErr error
	if err != nil {
		// The pass stopped before its overwrite (planting the canaries
		// failed or was interrupted): a FAIL, recorded as such.
		passErr = err
		now := time.Now()
		res = &erase.PassResult{Overwrite: &erase.OverwriteResult{}, Started: now, Finished: now, Status: erase.StatusFail,
			Reason: "stopped before the overwrite (canary blocks may have been written): " + err.Error(), VerifySkipped: "the pass stopped"}
	}
	var assessment *report.Assessment
	var recordErr error
	if cr != nil {
		var a report.Assessment
		var err error
		if passErr != nil {
			a, err = cr.abort(ctx, passErr)
		} else {
			a, err = finishRecord(cr, ctx, res, pat, d)
		}
		if err != nil {
			recordErr = err
		} else {
			assessment = &a
		}
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
	if cr != nil {
		rep.Record = &recordSummary{Journal: cr.j.Path()}
		if assessment != nil {
			rep.Record.Status, rep.Record.Wording = assessment.Status, assessment.Lines("en")
		} else {
			rep.Record.Error = "the record could not be completed: " + recordErr.Error()
		}
		if signer != nil {
			rep.Record.Fingerprint = signer.Fingerprint()
		}
	}
	// The media result is printed whatever became of the record: the
	// technician must know what happened to the drive.
	if o.json {
		if err := writeJSON(stdout, rep); err != nil {
			return err
		}
	} else {
		printEraseReport(stdout, &rep)
	}
	if recordErr != nil {
		return fmt.Errorf("the erasure ran (%s, above) but its record could not be completed: %w", res.Status, recordErr)
	}
	if assessment != nil && assessment.Status != report.StatusPass && res.Status == erase.StatusPass {
		// The record is stricter than the pass alone (e.g. removable media
		// needing two passes for Clear): it decides.
		return exitError{exitFail}
	}
	return statusExit(res.Status)
}

// finishRecord completes and seals the record (a variable so tests can
// make the record fail after the erasure).
var finishRecord = (*cliRecord).finish

// overwritePlan is the plan of kesu erase DEVICE in words.
func overwritePlan(d *erase.Device, pat erase.Pattern, pct float64) []string {
	plan := []string{fmt.Sprintf("overwrite every block (%s) with %s, one pass, host writes", human.Size(d.Size()), pat)}
	switch {
	case pct == 0:
		plan = append(plan, "no read-back (--verify none): the result will be UNVERIFIED, not PASS")
	case pct >= 100:
		plan = append(plan, "then read back every block (full verification)")
	default:
		plan = append(plan, fmt.Sprintf("then read back %g%% of the blocks (sampled, NIST SP 800-88 plan; canaries planted first)", pct))
	}
	return plan
}

// recordWords says where the record goes.
func recordWords(journal string, signer *report.Signer) string {
	switch {
	case journal == "":
		return "none (no --journal)"
	case signer != nil:
		return fmt.Sprintf("a journal in %s, signed by key %s", journal, report.FormatFingerprint(signer.Fingerprint()))
	}
	return fmt.Sprintf("an UNSIGNED journal in %s", journal)
}

// dryRunReport is kesu erase --dry-run --json's output.
type dryRunReport struct {
	DryRun bool       `json:"dry_run"`
	Target targetView `json:"target"`
	// Record says whether the record could be started; "" without
	// --journal.
	Record string `json:"record_check,omitempty"`
	// Refused is why a real run would stop; "" when it would start.
	Refused string `json:"refused,omitempty"`
}

// dryRun ends kesu erase --dry-run: the checks made so far passed (but
// refused, when set, says why a real run would stop); what is left is
// whether the record could be started.
func dryRun(v *targetView, journal, refused string, stdout io.Writer, jsonOut bool) error {
	rep := dryRunReport{DryRun: true, Target: *v, Refused: refused}
	if journal != "" {
		if err := checkRecordDir(journal); err != nil {
			rep.Record = "the record could not be started: " + err.Error()
			if rep.Refused == "" {
				rep.Refused = rep.Record
			}
		} else {
			rep.Record = "a journal can be created in " + journal
		}
	}
	if jsonOut {
		if err := writeJSON(stdout, rep); err != nil {
			return err
		}
	} else {
		v.write(stdout, "kesu: dry run: "+v.Device+" would be erased:")
		if rep.Record != "" {
			fmt.Fprintf(stdout, "  check      %s\n", rep.Record)
		}
		if rep.Refused == "" {
			fmt.Fprintln(stdout, "dry run: every check passed; nothing was written. The same command with --yes (or the typed confirmation) erases it.")
		}
	}
	if rep.Refused != "" {
		return fmt.Errorf("%w: %s; nothing was written (dry run)", errRefused, rep.Refused)
	}
	return nil
}

// checkRecordDir checks, without creating anything, that a journal could
// be created in dir: it is a writable directory, or the nearest directory
// that exists above it is writable (report.Create makes the rest).
func checkRecordDir(dir string) error {
	p := filepath.Clean(dir)
	for {
		st, err := os.Stat(p)
		switch {
		case err == nil && !st.IsDir():
			return fmt.Errorf("%s is not a directory", p)
		case err == nil:
			if err := dirWritable(p); err != nil {
				return fmt.Errorf("%s is not writable: %v", p, err)
			}
			return nil
		case !os.IsNotExist(err):
			return err
		}
		up := filepath.Dir(p)
		if up == p {
			return fmt.Errorf("no directory of %s exists", dir)
		}
		p = up
	}
}

// methodList names every method --method takes, one a line.
func methodList() string {
	var b strings.Builder
	for i, m := range report.Methods() {
		if i > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "  %-30s %s", m, m.Title("en"))
	}
	return b.String()
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
	Status      report.Status `json:"status,omitempty"`
	Wording     []string      `json:"wording,omitempty"`
	// Error says why the record could not be completed; the media result
	// stands beside it.
	Error string `json:"error,omitempty"`
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
	fmt.Fprintf(w, "written:   %d bytes in %.1f s (%s)\n", r.BytesWritten, r.WriteSeconds, human.Rate(r.WriteBytesPerSec))
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
	if r.Record != nil && r.Record.Error != "" {
		fmt.Fprintf(w, "record:    %s — NOT completed: %s\n", r.Record.Journal, r.Record.Error)
	} else if r.Record != nil {
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
