package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/kesu-erase/kesu/erase"
	"github.com/kesu-erase/kesu/erase/job"
	"github.com/kesu-erase/kesu/erase/policy"
	"github.com/kesu-erase/kesu/erase/target"
	"github.com/kesu-erase/kesu/erase/worker"
	"github.com/kesu-erase/kesu/internal/view"
	"github.com/kesu-erase/kesu/report"
)

// deviceList is --device, which may be given more than once.
type deviceList []string

func (d *deviceList) String() string { return strings.Join(*d, " ") }

func (d *deviceList) Set(s string) error {
	*d = append(*d, s)
	return nil
}

// eraseDevices is the devices named by --device or as arguments, in the
// order named. One device given both ways (kesu erase --device A A) is one
// device, as it always was; other mixes are refused.
func eraseDevices(flags, pos []string) ([]string, error) {
	switch {
	case len(flags) == 1 && len(pos) == 1 && flags[0] == pos[0]:
		return flags, nil
	case len(flags) > 0 && len(pos) > 0:
		// A stray argument beside --device must not become one more disk
		// erased.
		return nil, fmt.Errorf("%w: devices named both with --device (%s) and as arguments (%s): give them one way", errUsage,
			strings.Join(flags, " "), strings.Join(pos, " "))
	}
	return append(append([]string(nil), flags...), pos...), nil
}

// devicesOptions are the flags of `kesu erase A B ...`.
type devicesOptions struct {
	paths   []string
	pattern erase.Pattern
	verify  float64
	journal string
	signer  *report.Signer
	json    bool
	dryRun  bool
	yes     bool
	// ask is the terminal the confirmations are typed on (nil: --yes only).
	ask     io.Reader
	record  policy.Record
	exclude policy.Exclude
	// require is the policy file whose level or MIC category the drives
	// are held to (nil: Clear).
	require *policy.Config
	// store takes a copy of the sealed record (--store).
	store *recordStore
}

// runEraseDevices erases several named devices at once, one worker per
// device, into one record (erase/job with an explicit device list): each
// gets the host overwrite with the pattern and its read-back.
func runEraseDevices(ctx context.Context, o devicesOptions, stdout, stderr io.Writer) error {
	root := os.DirFS("/")
	names, err := target.ResolveDisks(root, o.paths)
	if err != nil {
		return err
	}
	log := view.NewRunLog(stderr)
	pol := job.DevicePolicy("kesu erase --device "+strings.Join(o.paths, " --device "), o.pattern.String(), o.verify,
		o.record, o.exclude, o.signer == nil, o.require)
	jo := job.Options{
		Policy:     pol,
		RecordsDir: o.journal, Signer: o.signer, KeyCustody: report.CustodyFile, Mode: "cli", Version: version, Root: root, Open: openDrive,
		Devices: names, HostOverwrite: true, Events: log.Event,
	}
	words := view.RecordWords(o.journal, o.signer)
	if o.dryRun {
		return devicesDryRun(ctx, jo, o, words, stdout)
	}
	j, err := job.Start(ctx, jo)
	if err != nil {
		if errors.Is(err, job.ErrRefused) || errors.Is(err, report.ErrUnsigned) {
			return fmt.Errorf("%w: %w", errRefused, err)
		}
		return fmt.Errorf("%w: the record could not be started: %w; nothing was erased", errRefused, err)
	}
	shown := make([]view.Target, len(j.Prep.Targets))
	for i, t := range j.Prep.Targets {
		shown[i] = view.DeviceTarget(t, words, o.pattern, o.verify)
		shown[i].Write(stderr, "kesu: about to erase "+shown[i].Device+":")
	}
	if !o.yes {
		if err := view.ConfirmEach(ctx, o.ask, stderr, shown); err != nil {
			j.Cancel("the technician did not confirm: " + err.Error())
			if errors.Is(err, view.ErrNotConfirmed) {
				return fmt.Errorf("%w: %w", errRefused, err)
			}
			return err
		}
	}
	fmt.Fprintf(stderr, "kesu: erasing %d devices at once with %s, verify %s\n", len(shown), o.pattern, verifyWords(o.verify))
	results, sealErr := j.Execute(ctx)
	rep := view.Devices{Journal: j.Journal.Path(), Results: results}
	if o.signer != nil {
		rep.Fingerprint = o.signer.Fingerprint()
	}
	if err := view.Print(stdout, &rep, o.json); err != nil {
		return err
	}
	if sealErr != nil {
		return fmt.Errorf("the erasures ran (above) but their record could not be sealed: %w", sealErr)
	}
	if err := o.store.copy(ctx, j.Journal.Path(), stderr); err != nil {
		return err
	}
	if !worker.AllPassed(results, len(names)) {
		return exitError{exitFail}
	}
	return nil
}

// devicesDryRun shows every device and its plan after every check a real
// run makes, and writes nothing.
func devicesDryRun(ctx context.Context, jo job.Options, o devicesOptions, words string, stdout io.Writer) error {
	prep, err := job.Look(ctx, jo)
	if err != nil {
		return fmt.Errorf("%w: %w", errRefused, err)
	}
	defer prep.Close()
	rep := view.DevicesDryRun{DryRun: true, Refused: append([]string{}, prep.Unerasable()...)}
	for _, t := range prep.Targets {
		rep.Targets = append(rep.Targets, view.DeviceTarget(t, words, o.pattern, o.verify))
	}
	if err := target.CheckRecordDir(o.journal); err != nil {
		rep.Record = "the record could not be started: " + err.Error()
		rep.Refused = append(rep.Refused, rep.Record)
	} else {
		rep.Record = "a journal can be created in " + o.journal
	}
	if err := view.Print(stdout, &rep, o.json); err != nil {
		return err
	}
	if len(rep.Refused) > 0 {
		return fmt.Errorf("%w: %s; nothing was written (dry run)", errRefused, strings.Join(rep.Refused, "; "))
	}
	return nil
}

// verifyWords is a read-back share as --verify spells it.
func verifyWords(pct float64) string {
	if pct >= 100 {
		return "full"
	}
	return fmt.Sprintf("%g%%", pct)
}
