package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/kesu-erase/kesu/console"
	"github.com/kesu-erase/kesu/console/jobview"
	"github.com/kesu-erase/kesu/erase/job"
	"github.com/kesu-erase/kesu/erase/raid"
	"github.com/kesu-erase/kesu/erase/worker"
	"github.com/kesu-erase/kesu/internal/view"
	"github.com/kesu-erase/kesu/report"
)

// allOptions are the flags of `kesu erase --all`.
type allOptions struct {
	config  string
	journal string
	key     string
	json    bool
	// people override the policy's [record] operator, organization,
	// customer and location.
	people people
	// store takes a copy of the sealed record (--store; nil: none).
	store *recordStore
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
	o.people.apply(&pol.Record)
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
	ev := jobview.NewEvents(nil)
	j, err := job.Start(ctx, job.Options{
		Policy: pol, ConfigSHA256: hex.EncodeToString(sum[:]), RecordsDir: records, Signer: signer, KeyCustody: report.CustodyFile,
		Mode: "cli", Version: version, Root: os.DirFS("/"), SkipInUse: true, Open: openDrive,
		Controllers: raid.OpenLinux, Events: ev.Event,
	})
	if err != nil {
		return fmt.Errorf("%w: %v", errRefused, err)
	}
	// On a terminal the technician also types the confirmation; --yes alone
	// confirms when kesu runs from a script (stdin is not a terminal).
	term := console.Terminal{Name: "stderr", Out: stderr}
	interactive := isTerminal(os.Stdin) && isTerminal(stderr)
	if interactive {
		term.In = os.Stdin
	} else {
		term.Mode = console.ModePlain
	}
	lang := console.English
	if pol.Language == "ja" {
		lang = console.Japanese
	}
	ui, err := console.New(jobview.Plan(j, pol, jobview.Host(report.LocalHost()), interactive), console.Options{Lang: lang}, term)
	if err != nil {
		j.Cancel("the screen could not be started: " + err.Error())
		return err
	}
	fp := ""
	if signer != nil {
		fp = signer.Fingerprint()
	}
	results, _, runErr := jobview.Run(ctx, j, ev, ui, !interactive, console.Next{Action: console.ActionExit}, fp)
	ui.Close()
	sealErr := runErr
	rep := view.All{Journal: j.Journal.Path(), Results: results}
	if signer != nil {
		rep.Fingerprint = signer.Fingerprint()
	}
	for _, e := range j.Prep.Excluded {
		rep.Excluded = append(rep.Excluded, view.Excluded{Device: e.Disk.Path, Bay: e.Disk.Location.Bay, Serial: e.Disk.Serial, Reason: e.Reason})
	}
	rep.Unreached, rep.Rewritten = j.Unreached(), j.Rewritten()
	if err := view.Print(stdout, &rep, o.json); err != nil {
		return err
	}
	if sealErr != nil {
		return fmt.Errorf("the record could not be sealed: %w", sealErr)
	}
	if err := o.store.copy(ctx, j.Journal.Path(), stderr); err != nil {
		return err
	}
	if len(results) == 0 {
		fmt.Fprintln(stderr, "kesu: no drive to erase")
		return exitError{exitFail}
	}
	if !worker.AllPassed(results, len(j.Prep.Targets)) {
		return exitError{exitFail}
	}
	if len(rep.Unreached)+len(rep.Rewritten) > 0 {
		return exitError{exitFail}
	}
	return nil
}
