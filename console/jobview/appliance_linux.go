//go:build linux

package jobview

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/kesu-erase/kesu/appliance"
	"github.com/kesu-erase/kesu/console"
	"github.com/kesu-erase/kesu/erase/discover"
	"github.com/kesu-erase/kesu/erase/drive"
	"github.com/kesu-erase/kesu/erase/job"
	"github.com/kesu-erase/kesu/erase/raid"
	"github.com/kesu-erase/kesu/erase/worker"
	"github.com/kesu-erase/kesu/report"
)

// openDrive builds the worker's Drive for a real disk, choosing the adapter
// by the disk's sysfs transport.
func openDrive(d discover.Disk) (worker.Drive, error) { return drive.Open(d) }

// Appliance is the erase part of appliance mode (appliance.EraseFunc) for
// kesu version: erase/job's run (journal, discovery without the boot
// stick, probe and plan, one suspend-to-RAM cycle for frozen ATA drives,
// parallel erase and verification, seal) on the technician's console —
// the plan, the typed confirmation or the unattended countdown, the live
// view and the summary — on the VGA console and the serial consoles at
// once.
func Appliance(version string) appliance.EraseFunc {
	return func(ctx context.Context, s *appliance.Session) (appliance.Outcome, error) {
		return eraseAppliance(ctx, s, version)
	}
}

func eraseAppliance(ctx context.Context, s *appliance.Session, version string) (appliance.Outcome, error) {
	notes := []report.Note{{Severity: report.SeverityInfo, Code: "firmware", Text: s.Firmware.String()}}
	switch {
	case s.StoreURL != "" && s.Stick.Disk != "":
		notes = append(notes, report.Note{Severity: report.SeverityInfo, Code: "network-boot",
			Text: fmt.Sprintf("booted from the network; policy from the boot tree; each record streamed to %s as it was written, and written to the stick %s on disk %s (PARTUUID %s), which is never touched", s.StoreURL, s.Stick.Dev(), s.Stick.Disk, s.Stick.PartUUID)})
	case s.StoreURL != "":
		notes = append(notes, report.Note{Severity: report.SeverityInfo, Code: "network-boot",
			Text: fmt.Sprintf("booted from the network without a stick; policy from the boot tree; the journal kept in RAM and each record streamed to %s as it was written", s.StoreURL)})
	default:
		notes = append(notes, report.Note{Severity: report.SeverityInfo, Code: "boot-stick", Text: fmt.Sprintf("booted from %s on disk %s (PARTUUID %s); that disk is never touched", s.Stick.Dev(), s.Stick.Disk, s.Stick.PartUUID)})
	}
	for _, m := range s.Modules {
		notes = append(notes, report.Note{Severity: report.SeverityWarning, Code: "kernel-module", Text: fmt.Sprintf("module %s did not load: %v", m.Name, m.Err)})
	}
	// Every disk carrying a KESU volume is left alone, not only the one
	// chosen as the boot stick: a second stick, or a copy of the stick on
	// an internal disk, is never erased by mistake.
	var bootDisks []string
	if s.Stick.Disk != "" {
		bootDisks = append(bootDisks, s.Stick.Disk)
	}
	if vols, err := appliance.ScanVolumes(os.DirFS("/sys"), func(name string) (io.ReadCloser, error) { return os.Open("/dev/" + name) }); err == nil {
		for _, v := range vols {
			if !slices.Contains(bootDisks, v.Disk) {
				bootDisks = append(bootDisks, v.Disk)
				notes = append(notes, report.Note{Severity: report.SeverityWarning, Code: "kesu-volume",
					Text: fmt.Sprintf("disk %s also holds a FAT volume labelled KESU (%s, PARTUUID %q): another kesu stick or a copy of one; it is never erased", v.Disk, v.Dev(), v.PartUUID)})
			}
		}
	}
	var unfreezeLog []string
	ev := NewEvents(nil)
	j, err := job.Start(ctx, job.Options{
		Policy: s.Config, ConfigSHA256: s.ConfigSHA256, RecordsDir: s.RecordsDir, Signer: s.Signer,
		Mode: "appliance", Version: version, Notes: notes, Root: os.DirFS("/"),
		BootDisks: bootDisks, Open: openDrive, Controllers: raid.OpenLinux, Events: ev.Event,
		OnRecord: s.OnRecord, KeyCustody: s.KeyCustody,
		Unfreezer: drive.NewUnfreezer(func(line string) {
			unfreezeLog = append(unfreezeLog, line)
			fmt.Fprintln(s.Out, "kesu: unfreeze: "+line)
		}),
	})
	if err != nil {
		return appliance.Outcome{}, fmt.Errorf("%v; nothing was erased", err)
	}
	if len(unfreezeLog) > 0 {
		j.Journal.Note(report.Note{Severity: report.SeverityInfo, Code: "unfreeze-detail", Text: strings.Join(unfreezeLog, "; ")})
	}
	o := appliance.Outcome{Journal: j.Journal.Path()}

	// Only warnings and worse from the kernel on the consoles from now on:
	// its messages would scribble over the full-screen view.
	if err := os.WriteFile("/proc/sys/kernel/printk", []byte("4"), 0); err != nil {
		fmt.Fprintf(s.Out, "kesu: kernel console log level: %v\n", err)
	}
	terms, closeTerms := applianceTerminals(s)
	defer closeTerms()
	lang := console.English
	if s.Config.Language == "ja" {
		lang = console.Japanese
	}
	ui, err := console.New(Plan(j, s.Config, Host(report.ReadHost(os.DirFS("/sys/class/dmi/id"))), true), console.Options{Lang: lang}, terms...)
	if err != nil {
		_, cerr := j.Cancel("the technician's screen could not be started: " + err.Error())
		if cerr != nil {
			return o, cerr
		}
		return o, fmt.Errorf("the screen could not be started: %v; nothing was erased", err)
	}
	stopStatus := func() {}
	if s.Status != nil {
		stopStatus = showStatus(ctx, ui, s.Status)
	}
	fp := ""
	if s.Signer != nil {
		fp = s.Signer.Fingerprint()
	}
	if len(j.Prep.Targets) == 0 {
		_, cerr := j.Cancel("no drive to erase")
		r := console.Result{RecordPath: o.Journal, Fingerprint: fp, Next: Next(s.Config)}
		unreached(&r, j.Unreached())
		o.Unreached = len(r.Unreached)
		ui.Finish(ctx, r)
		stopStatus()
		ui.Close()
		return o, cerr
	}
	results, action, err := Run(ctx, j, ev, ui, false, Next(s.Config), fp)
	stopStatus()
	ui.Close()
	for _, r := range results {
		switch {
		case r.Class == report.ClassVolume && r.Status == report.StatusPass:
			// A volume overwritten as a volume is no drive.
		case r.Status == report.StatusPass:
			o.Passed++
		case r.Status == report.StatusSkipped:
		default:
			o.Failed++
		}
	}
	o.Unreached, o.Rewritten = len(j.Unreached()), len(j.Rewritten())
	o.Action = string(action)
	if err != nil {
		return o, fmt.Errorf("the record could not be completed: %w", err)
	}
	return o, nil
}

// applianceTerminals opens the active consoles for the screen: the VGA
// console full screen (in English, its font has no Japanese), serial
// consoles as plain lines. Without any, the screen goes to the appliance's
// output as plain lines.
func applianceTerminals(s *appliance.Session) ([]console.Terminal, func()) {
	var terms []console.Terminal
	var files []*os.File
	for _, name := range s.Consoles {
		f, err := os.OpenFile("/dev/"+name, os.O_RDWR, 0)
		if err != nil {
			fmt.Fprintf(s.Out, "kesu: console %s: %v\n", name, err)
			continue
		}
		files = append(files, f)
		t := console.Terminal{Name: name, Out: f, In: f, Mode: console.ModePlain}
		if strings.HasPrefix(name, "tty") && !strings.HasPrefix(name, "ttyS") && !strings.HasPrefix(name, "ttyUSB") && !strings.HasPrefix(name, "ttyAMA") {
			t.Mode, t.VGA = console.ModeANSI, true
		}
		terms = append(terms, t)
	}
	if len(terms) == 0 {
		terms = []console.Terminal{{Name: "console", Out: s.Out, Mode: console.ModePlain}}
	}
	return terms, func() {
		for _, f := range files {
			f.Close()
		}
	}
}

// showStatus puts status's text (the record's upload state) on the screen
// every second until stop is called.
func showStatus(ctx context.Context, ui *console.UI, status func() string) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			ui.SetStatus(status())
			select {
			case <-t.C:
			case <-ctx.Done():
				return
			}
		}
	}()
	return func() { cancel(); <-done }
}
