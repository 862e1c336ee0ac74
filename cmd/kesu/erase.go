package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/kesu-erase/kesu/erase"
	"github.com/kesu-erase/kesu/erase/job"
	"github.com/kesu-erase/kesu/erase/policy"
	"github.com/kesu-erase/kesu/erase/target"
	"github.com/kesu-erase/kesu/internal/human"
	"github.com/kesu-erase/kesu/internal/view"
	"github.com/kesu-erase/kesu/report"
)

func init() {
	register(command{
		name:    "erase",
		summary: "overwrite a drive and verify it by read-back, or run one named method (destructive)",
		usage: []string{
			"erase [--pattern P] [--verify N%|full|none] [--journal DIR (--key FILE | --unsigned)] [--operator NAME ...] [--dry-run] [--yes] [--json] DEVICE",
			"erase [--pattern P] [--verify N%|full] --journal DIR (--key FILE | --unsigned) [--operator NAME ...] [--dry-run] [--yes] [--json] DEVICE DEVICE...",
			"erase --method METHOD --journal DIR (--key FILE | --unsigned) [--dry-run] [--yes] [--json] DEVICE",
			"erase --all --config FILE [--journal DIR] [--key FILE] [--yes] [--json]",
			"erase ... --journal DIR --store s3://BUCKET/PREFIX [--endpoint URL] [--region R]",
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

With several devices (kesu erase A B C, or --device A --device B ...) each
gets what kesu erase A gives one (the host overwrite with --pattern, read
back by --verify), all at once, one worker per device (the namespaces of
one NVMe controller one after another), into ONE record: --journal is
required, and --seed and --method go with one device only. Every device
must be a whole disk or loop device of this machine; a device named twice,
a partition, a missing path, a disk mounted or in use (the root
filesystem's among them), one --config excludes, or one that cannot be
erased as it is (a TCG-locked drive) refuses them all before anything starts;
give the devices either all with --device or all as arguments. A hidden
area (HPA/DCO) found is restored and overwritten too, and removable flash
gets the two passes Clear asks for, as in kesu erase --all. A device that
fails or vanishes fails alone and the record says so; the others carry on.
--dry-run shows every device and its plan; --json prints one result per
device; the exit status is 0 only when every device PASSed.

With --journal, --config FILE also holds the device (or devices) to its
[policy]: its level or MIC category (under category (1) the record says each
drive must then be physically destroyed: kesu report destroy) and
destruction_deadline_days; without it a device is held to Clear. Its verify
share is a minimum: --verify below it reads back the file's share instead.
Signing stays the command line's (--key, or --unsigned).

--store s3://BUCKET/PREFIX (with --journal) also copies the sealed record to
an S3-compatible store as PREFIX/<run id>.jsonl and reads it back: the run
is refused before anything is erased when the bucket cannot be reached; a
copy that fails afterwards (tried again with backoff) leaves the record on
disk as it is and is an error (exit 1). An object of that name with other
content is never replaced. --endpoint URL names the server (default
AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, else AWS S3); credentials come from
AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY or ~/.aws/credentials.

Exit status: 0 PASS, 1 FAIL or error, 2 usage, 3 refused (nothing written),
4 written but not verified (--verify none), 130 interrupted (the record is
closed first; the result says how far the pass got).
`

// eraseFlags are the flags of kesu erase.
type eraseFlags struct {
	devices                                                     deviceList
	device, pattern, verify, seed, journal, key, config, method string
	yes, json, unsigned, all, dryRun                            bool
	people                                                      people
	store                                                       recordStore
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
	fs.Var(&o.devices, "device", "the block device or file to erase: the `DEVICE` (or give it as the argument); several, each a whole disk or loop device, are erased at once into one --journal")
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
	fs.StringVar(&o.config, "config", "", "the policy `FILE` (kesu.toml): with --all, the run's policy; with DEVICE, the [record] people and [exclude], and with --journal its [policy] level or MIC category")
	fs.StringVar(&o.method, "method", "", "run this one `METHOD` (e.g. nvme-format-user-data-erase; --method list names them all) through the worker, with canaries and read-back, no fallback; needs --journal")
	o.people.define(fs)
	o.store.define(fs)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	devices, err := eraseDevices(o.devices, pos)
	if err != nil {
		return err
	}
	if len(devices) == 1 {
		o.device = devices[0]
	}
	if o.method == "list" {
		fmt.Fprintln(stdout, view.MethodList())
		return nil
	}
	if o.all {
		switch {
		case len(devices) > 0:
			return fmt.Errorf("%w: --all and a DEVICE exclude each other", errUsage)
		case o.method != "":
			return fmt.Errorf("%w: --method goes with one DEVICE, not --all", errUsage)
		case o.dryRun:
			return fmt.Errorf("%w: for what --all would do, run kesu plan --config FILE", errUsage)
		}
		if !o.yes {
			return fmt.Errorf("%w: erase --all destroys every drive of this machine that is not in use or excluded; add --yes to confirm", errRefused)
		}
		if err := o.store.open(ctx); err != nil {
			return err
		}
		return runEraseAll(ctx, allOptions{config: o.config, journal: o.journal, key: o.key, json: o.json, people: o.people, store: &o.store}, stdout, stderr)
	}
	if len(devices) == 0 {
		return fmt.Errorf("%w: erase needs a DEVICE (kesu erase /dev/sdb) or --all", errUsage)
	}
	several := len(devices) > 1
	switch {
	case several && o.method != "":
		return fmt.Errorf("%w: --method goes with one DEVICE; %d were named", errUsage, len(devices))
	case several && o.seed != "":
		return fmt.Errorf("%w: --seed goes with one DEVICE (each device of several gets its own seed, in the record); %d were named", errUsage, len(devices))
	case several && o.journal == "":
		return fmt.Errorf("%w: several devices are erased into one record: add --journal DIR and --key FILE (or --unsigned)", errUsage)
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
			return fmt.Errorf("%w: unknown method %q; the methods are:\n%s", errUsage, o.method, view.MethodList())
		}
		if o.journal == "" || (o.key == "" && !o.unsigned) {
			return fmt.Errorf("%w: --method needs --journal DIR and --key FILE (or --unsigned)", errUsage)
		}
	}
	if o.journal == "" && (o.key != "" || o.unsigned) {
		return fmt.Errorf("%w: --key and --unsigned go with --journal", errUsage)
	}
	if o.store.url != "" && o.journal == "" {
		return fmt.Errorf("%w: --store copies the record: it needs --journal DIR", errUsage)
	}
	if !o.dryRun {
		if err := o.store.open(ctx); err != nil {
			return err
		}
	}
	if o.journal != "" && o.key == "" && !o.unsigned {
		return fmt.Errorf("%w: --journal needs --key (or --unsigned to write an unsigned record)", errUsage)
	}
	if o.journal != "" && pct == 0 && o.method == "" {
		return fmt.Errorf("%w: a record needs proof: --journal cannot go with --verify none", errUsage)
	}
	ask := askTerminal(stderr)
	if !o.yes && !o.dryRun && ask == nil {
		return fmt.Errorf("%w: erase destroys everything on %s; add --yes to confirm (or --dry-run to see the drive and the plan first)", errRefused, strings.Join(devices, ", "))
	}
	rec := policy.Record{}
	var exclude policy.Exclude
	var require *policy.Config
	if o.config != "" {
		pol, _, err := loadPolicy(o.config)
		if err != nil {
			return fmt.Errorf("%w: %v; nothing was erased", errRefused, err)
		}
		rec, exclude, require = pol.Record, pol.Exclude, pol
		if held := job.HeldTo(require, pct); held != pct {
			fmt.Fprintf(stderr, "kesu: %s reads back %g%% of the blocks: verify %g%%, not --verify's %g%%\n", o.config, held, held, pct)
			pct = held
		}
	}
	o.people.apply(&rec)
	// The signing key is checked before anything is opened: no key, no erase.
	var signer *report.Signer
	if o.key != "" {
		if signer, err = report.LoadSigner(o.key); err != nil {
			return fmt.Errorf("%w: %v; nothing was erased", errRefused, err)
		}
	}
	if several {
		return runEraseDevices(ctx, devicesOptions{paths: devices, pattern: pat, verify: pct, journal: o.journal, signer: signer,
			json: o.json, dryRun: o.dryRun, yes: o.yes, ask: ask, record: rec, exclude: exclude, require: require, store: &o.store}, stdout, stderr)
	}
	if o.method != "" {
		return runEraseMethod(ctx, methodOptions{device: o.device, method: report.Method(o.method), journal: o.journal,
			signer: signer, unsigned: o.unsigned, verify: pct, pattern: pat.String(), json: o.json,
			dryRun: o.dryRun, yes: o.yes, ask: ask, record: rec, exclude: exclude, require: require, store: &o.store}, stdout, stderr)
	}

	d, err := target.Open(o.device, true, !o.dryRun)
	if err != nil {
		return err
	}
	defer d.Close()
	shown := targetOf(d)
	if err := target.CheckExcluded(exclude, shown.Identity, o.device); err != nil {
		return fmt.Errorf("%w: %w", errRefused, err)
	}
	shown.Plan = view.OverwritePlan(d.Size(), pat, pct)
	shown.Record = view.RecordWords(o.journal, signer)
	if o.dryRun {
		return dryRun(&shown, o.journal, "", stdout, o.json)
	}
	shown.Write(stderr, "kesu: about to erase "+d.Path()+":")
	if !o.yes {
		if err := confirm(ctx, ask, stderr, &shown); err != nil {
			return err
		}
	}
	var cr *target.Record
	if o.journal != "" {
		// The record's policy as a run over named devices states it (job's
		// one mapping of level, MIC category and deadline).
		pc := job.DevicePolicy("kesu erase --device", pat.String(), pct, rec, exclude, signer == nil, require)
		if cr, err = target.StartRecord(o.journal, signer, d, pct, rec, job.PolicyRecord(pc), version); err != nil {
			return fmt.Errorf("%w: the record could not be started: %v; nothing was erased", errRefused, err)
		}
		defer cr.Close()
	}

	kind := "file"
	if d.IsBlockDevice() {
		kind = "block device"
	}
	fmt.Fprintf(stderr, "kesu: erasing %s (%s, %s, %d-byte logical blocks) with %s, verify %s\n",
		d.Path(), kind, human.Size(d.Size()), d.LogicalBlockSize(), pat, fmt.Sprintf("%g%%", pct))
	pp := view.NewProgress(stderr, isTerminal(stderr))
	if cr != nil {
		if err := cr.Begin(); err != nil {
			cr.Skip("the record could not continue (" + err.Error() + "): nothing was erased")
			return fmt.Errorf("%w: %v; nothing was erased", errRefused, err)
		}
	}
	res, err := erase.OverwriteAndVerify(ctx, d, erase.PassOptions{
		Overwrite:      erase.OverwriteOptions{Pattern: pat, Progress: pp.Show},
		VerifyPercent:  pct,
		Seed:           seed,
		VerifyProgress: pp.Show,
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
			a, err = cr.Abort(ctx, passErr)
		} else {
			a, err = finishRecord(cr, ctx, res, pat, d)
		}
		if err != nil {
			recordErr = err
		} else {
			assessment = &a
		}
	}
	id, class, _ := target.Describe(d)
	rep := view.NewErase(d, class, id.Model, pat, res)
	if cr != nil {
		fp := ""
		if signer != nil {
			fp = signer.Fingerprint()
		}
		rep.SetRecord(cr.Path(), fp, assessment, recordErr)
	}
	// The media result is printed whatever became of the record: the
	// technician must know what happened to the drive.
	if err := view.Print(stdout, &rep, o.json); err != nil {
		return err
	}
	if recordErr != nil {
		return fmt.Errorf("the erasure ran (%s, above) but its record could not be completed: %w", res.Status, recordErr)
	}
	if cr != nil {
		if err := o.store.copy(ctx, cr.Path(), stderr); err != nil {
			return err
		}
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
var finishRecord = (*target.Record).Finish

// dryRun ends kesu erase --dry-run: the checks made so far passed (but
// refused, when set, says why a real run would stop); what is left is
// whether the record could be started.
func dryRun(v *view.Target, journal, refused string, stdout io.Writer, jsonOut bool) error {
	rep := view.DryRun{DryRun: true, Target: *v, Refused: refused}
	if journal != "" {
		if err := target.CheckRecordDir(journal); err != nil {
			rep.Record = "the record could not be started: " + err.Error()
			if rep.Refused == "" {
				rep.Refused = rep.Record
			}
		} else {
			rep.Record = "a journal can be created in " + journal
		}
	}
	if err := view.Print(stdout, &rep, jsonOut); err != nil {
		return err
	}
	if rep.Refused != "" {
		return fmt.Errorf("%w: %s; nothing was written (dry run)", errRefused, rep.Refused)
	}
	return nil
}

// targetOf describes an opened target for kesu erase DEVICE: the drive as
// the record will name it, and what it holds.
func targetOf(d *erase.Device) view.Target {
	id, class, _ := target.Describe(d)
	v := view.Target{Device: d.Path(), Identity: id, Class: class}
	v.ReadContents(d)
	return v
}

// askTerminal returns where a typed confirmation is read from: standard
// input when it and stderr (where the question goes) are terminals; nil
// otherwise (then only --yes confirms). Tests replace it.
var askTerminal = func(stderr io.Writer) io.Reader {
	if isTerminal(os.Stdin) && isTerminal(stderr) {
		return os.Stdin
	}
	return nil
}

// confirm asks for the typed confirmation (view.Confirm); a wrong answer
// is a refusal.
func confirm(ctx context.Context, in io.Reader, w io.Writer, v *view.Target) error {
	err := view.Confirm(ctx, in, w, v)
	if errors.Is(err, view.ErrNotConfirmed) {
		return fmt.Errorf("%w: %w", errRefused, err)
	}
	return err
}

// statusExit is the exit status of a pass's result.
func statusExit(s erase.Status) error {
	switch s {
	case erase.StatusPass:
		return nil
	case erase.StatusUnverified:
		return exitError{exitUnverified}
	}
	return exitError{exitFail}
}
