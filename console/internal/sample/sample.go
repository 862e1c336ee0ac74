// Package sample holds made-up but realistic runs — plans, events and the
// snapshots they lead to — for the console's golden-frame tests and its
// demo. Every value is fixed, so frames are byte-for-byte reproducible.
package sample

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/kesu-erase/kesu/console"
)

// T0 is when every sample run starts.
var T0 = time.Date(2025, 11, 4, 9, 30, 0, 0, time.UTC)

// Clock is a settable clock for a Model.
type Clock struct{ T time.Time }

// Now returns the clock's time.
func (c *Clock) Now() time.Time { return c.T }

const (
	gb = 1000 * 1000 * 1000
	tb = 1000 * gb
)

// Policy is the sample policy line.
var Policy = console.Policy{Level: "Purge (MIC category 2)", Verify: "10% sampled read-back",
	Notes: []string{"A drive that cannot reach Purge fails."}}

// Host is the sample machine.
const Host = "HPE ProLiant DL380 Gen10 (CZ2049ABCD)"

// OneDrive is a plan with one NVMe drive, attended.
func OneDrive() console.Plan {
	return console.Plan{
		Host: Host,
		Drives: []console.Drive{{
			ID: "/dev/nvme0n1", Bay: "0000:5e:00.0 ns1", Transport: "nvme", Model: "SAMSUNG MZQL23T8HCLS-00A07",
			Serial: "S64HNE0T123456", Capacity: 3840 * gb, Class: "NVMe", Health: console.HealthPass,
			Method: "NVMe Sanitize (crypto)", Level: "Purge",
		}},
		Excluded: []console.Excluded{BootStick},
		Policy:   Policy,
	}
}

// BootStick is the excluded stick kesu booted from.
var BootStick = console.Excluded{Bay: "usb 2-1", Path: "/dev/sdy", Model: "Kingston DataTraveler 3.0",
	Serial: "E0D55EA5741BF531", Reason: "boot stick (KESU)"}

// Bays is a plan with 24 drives in a 2U server: two NVMe, twelve SAS
// hard disks, eight SATA SSDs, a SATA hard disk and a USB disk.
func Bays() console.Plan {
	var ds []console.Drive
	ds = append(ds,
		console.Drive{ID: "/dev/nvme0n1", Bay: "0000:5e:00.0 ns1", Transport: "nvme", Model: "SAMSUNG MZQL23T8HCLS-00A07",
			Serial: "S64HNE0T123456", Capacity: 3840 * gb, Class: "NVMe", Health: console.HealthPass,
			Method: "NVMe Sanitize (crypto)", Level: "Purge"},
		console.Drive{ID: "/dev/nvme1n1", Bay: "0000:5f:00.0 ns1", Transport: "nvme", Model: "INTEL SSDPE2KX020T8",
			Serial: "PHLJ9123004G2P0BGN", Capacity: 2000 * gb, Class: "NVMe", Health: console.HealthPass,
			Method: "NVMe Sanitize (block)", Level: "Purge"})
	for i := range 12 {
		d := console.Drive{ID: fmt.Sprintf("/dev/sd%c", 'a'+i), Bay: fmt.Sprintf("encl0 slot %d", i), Transport: "sas",
			Model: "SEAGATE ST8000NM001A", Serial: fmt.Sprintf("WKD3%04X", 0x1A20+i*7), Capacity: 8 * tb,
			Class: "SAS HDD", Health: console.HealthPass, Method: "SCSI Sanitize overwrite", Level: "Purge"}
		if i == 7 {
			d.Health, d.HealthNote = console.HealthFail, "grown defect list 2317 entries"
		}
		ds = append(ds, d)
	}
	for i := range 8 {
		ds = append(ds, console.Drive{ID: fmt.Sprintf("/dev/sd%c", 'm'+i), Bay: fmt.Sprintf("ata%d", i+1), Transport: "sata",
			Model: "Samsung SSD 870 EVO 1TB", Serial: fmt.Sprintf("S6PTNS0T6%05dA", 12345+i*111), Capacity: 1000 * gb,
			Class: "SATA SSD", Health: console.HealthPass, Method: "ATA Sanitize block erase", Level: "Purge"})
	}
	ds = append(ds,
		console.Drive{ID: "/dev/sdu", Bay: "ata9", Transport: "sata", Model: "WDC WD40EFRX-68N32N0",
			Serial: "WD-WCC7K1234567", Capacity: 4 * tb, Class: "HDD", Health: console.HealthUnknown,
			HealthNote: "SMART not readable through this bridge", Method: "overwrite (zero) + verify 10%", Level: "Purge"},
		console.Drive{ID: "/dev/sdv", Bay: "usb 1-4", Transport: "usb", Model: "SanDisk Ultra Fit",
			Serial: "4C530001230917115123", Capacity: 64 * gb, Class: "USB", Health: console.HealthUnknown,
			Method: "overwrite (zero) + verify 10%", Level: "Clear only - destroy required", BelowPolicy: true})
	return console.Plan{
		Host:   Host,
		Drives: ds,
		Excluded: []console.Excluded{BootStick,
			{Bay: "ata10", Path: "/dev/sdx", Model: "Micron 5300 MTFDDAK480TDS", Serial: "2045300A1B2C",
				Reason: "policy: serial excluded (OS mirror, kept)"}},
		Policy:  Policy,
		Confirm: console.Confirm{Unattended: true, Countdown: 30 * time.Second},
	}
}

// RAID is a plan of a server whose bays sit behind a PERC in RAID mode:
// the members of its volume and a hot spare are erased through the
// controller, an unconfigured drive the firmware refuses to pass commands
// to will not be reached, and the volume itself is no drive.
func RAID() console.Plan {
	return console.Plan{
		Host: Host,
		Drives: []console.Drive{
			{ID: "host0-dev8", Bay: "32:0", Transport: "raid-passthrough", Model: "SEAGATE ST2400MM0129",
				Serial: "WBN0C1A2", Capacity: 2400 * gb, Class: "SAS HDD", Health: console.HealthPass, Method: "SCSI Sanitize overwrite", Level: "Purge"},
			{ID: "host0-dev9", Bay: "32:1", Transport: "raid-passthrough", Model: "SEAGATE ST2400MM0129",
				Serial: "WBN0C1B7", Capacity: 2400 * gb, Class: "SAS HDD", Health: console.HealthPass, Method: "SCSI Sanitize overwrite", Level: "Purge"},
			{ID: "host0-dev10", Bay: "32:2", Transport: "raid-passthrough", Model: "INTEL SSDSC2KG960G8",
				Serial: "PHYG0123004X960CGN", Capacity: 960 * gb, Class: "SSD", Health: console.HealthPass, Method: "ATA Sanitize crypto", Level: "Purge"},
		},
		Controllers: []console.Controller{{
			Name: "megaraid_sas host0 (PERC H730P Mini) at PCI 0000:03:00.0", Unreached: 1,
			Lines: []string{
				"mode RAID; drives reached through MFI pass-through; firmware 25.5.9.0001",
				"32:0 (device 8): online (RAID member), SEAGATE ST2400MM0129 serial WBN0C1A2 -> erased through the controller",
				"32:1 (device 9): online (RAID member), SEAGATE ST2400MM0129 serial WBN0C1B7 -> erased through the controller",
				"32:2 (device 10): hot spare, INTEL SSDSC2KG960G8 serial PHYG0123004X960CGN -> erased through the controller",
				"32:3 (device 11): unconfigured good, TOSHIBA AL15SEB060N serial 70A0A0B1 -> NOT reached: controller refuses pass-through",
				"volume sda (LD 0, RAID-1, on device 8, device 9): optimal -> not written (a volume is not a drive; its members are erased as drives)",
			},
		}},
		Excluded: []console.Excluded{BootStick},
		Policy:   Policy,
		Confirm:  console.Confirm{},
	}
}

// Failing is a plan of three drives: one will fail verification, one has
// a failing SMART and one retries.
func Failing() console.Plan {
	return console.Plan{
		Host: Host,
		Drives: []console.Drive{
			{ID: "/dev/sda", Bay: "encl0 slot 0", Transport: "sas", Model: "SEAGATE ST8000NM001A", Serial: "WKD31A20",
				Capacity: 8 * tb, Class: "SAS HDD", Health: console.HealthPass, Method: "SCSI Sanitize overwrite", Level: "Purge"},
			{ID: "/dev/sdb", Bay: "encl0 slot 1", Transport: "sas", Model: "SEAGATE ST8000NM001A", Serial: "WKD31A27",
				Capacity: 8 * tb, Class: "SAS HDD", Health: console.HealthFail, HealthNote: "grown defect list 2317 entries",
				Method: "SCSI Sanitize overwrite", Level: "Purge"},
			{ID: "/dev/sdc", Bay: "ata3", Transport: "sata", Model: "WDC WD40EFRX-68N32N0", Serial: "WD-WCC7K1234567",
				Capacity: 4 * tb, Class: "HDD", Health: console.HealthPass, Method: "overwrite (zero) + verify 10%", Level: "Purge"},
		},
		Excluded: []console.Excluded{BootStick},
		Policy:   Policy,
		Confirm:  console.Confirm{Word: "ERASE"},
	}
}

// Run replays events against a model of p and returns snapshots taken at
// the given offsets from T0 (in order).
type Run struct {
	Plan   console.Plan
	Clock  *Clock
	Model  *console.Model
	events []timed
}

type timed struct {
	at time.Duration
	ev console.Event
}

// NewRun starts a run of p at T0.
func NewRun(p console.Plan) *Run {
	c := &Clock{T: T0}
	return &Run{Plan: p, Clock: c, Model: console.NewModel(p, c.Now)}
}

// At queues an event at offset d.
func (r *Run) At(d time.Duration, e console.Event) *Run {
	r.events = append(r.events, timed{d, e})
	return r
}

// Snapshot applies the queued events up to offset d and returns the
// running screen's snapshot at d.
func (r *Run) Snapshot(d time.Duration) console.Snapshot {
	sort.SliceStable(r.events, func(i, j int) bool { return r.events[i].at < r.events[j].at })
	rest := r.events[:0]
	for _, t := range r.events {
		if t.at <= d {
			r.Clock.T = T0.Add(t.at)
			r.Model.Apply(t.ev)
		} else {
			rest = append(rest, t)
		}
	}
	r.events = rest
	r.Clock.T = T0.Add(d)
	s := r.Model.Snapshot()
	s.Stage = console.StageRunning
	s.Started = T0
	return s
}

// PlanSnapshot is the "before" screen of p.
func PlanSnapshot(p console.Plan) console.Snapshot {
	s := console.NewModel(p, func() time.Time { return T0.Add(-time.Minute) }).Snapshot()
	s.Stage = console.StagePlan
	return s
}

// Done turns a running snapshot into the summary, with the record written.
func Done(s console.Snapshot, next console.Next) console.Snapshot {
	s.Stage = console.StageDone
	s.Finished = s.Now
	s.Result = console.Result{
		RecordPath:  "KESU:/records/2025-11-04T093000Z-CZ2049ABCD.kesu",
		Fingerprint: "SHA256:3f9a 51c2 0be7 9d44 a1e0 6c3b 77d2 e815",
		Next:        next,
	}
	return s
}

// OneDriveRun is the one-drive run: sanitize, then verify.
func OneDriveRun() *Run {
	id := "/dev/nvme0n1"
	r := NewRun(OneDrive())
	r.At(0, console.PhaseEvent(id, console.PhaseProbe, ""))
	r.At(2*time.Second, console.PhaseEvent(id, console.PhaseCanaries, "plant 64 canaries"))
	r.At(4*time.Second, console.PhaseEvent(id, console.PhaseFirmwareErase, "NVMe Sanitize (crypto)"))
	r.At(20*time.Second, console.PercentEvent(id, 62.5, 10*time.Second))
	r.At(30*time.Second, console.PhaseEvent(id, console.PhaseVerify, "10% sampled, expect changed"))
	r.At(3*time.Minute, console.ProgressEvent(id, 180*gb, 384*gb, 1.2e9, 170*time.Second))
	r.At(6*time.Minute+21*time.Second, console.DoneEvent(id, console.StatusPass, "Purge",
		"crypto erase confirmed: 64/64 canaries gone; 10% read-back changed"))
	return r
}

// BaysRun is the 24-drive run, one hour and 23 minutes in; Finish takes it
// to the end.
func BaysRun() *Run {
	p := Bays()
	r := NewRun(p)
	for i, d := range p.Drives {
		at := time.Duration(i) * time.Second
		r.At(at, console.PhaseEvent(d.ID, console.PhaseProbe, ""))
		switch {
		case d.Class == "NVMe":
			r.At(at+5*time.Second, console.PhaseEvent(d.ID, console.PhaseCanaries, "plant 64 canaries"))
			r.At(at+9*time.Second, console.PhaseEvent(d.ID, console.PhaseFirmwareErase, d.Method))
			r.At(at+70*time.Second, console.PhaseEvent(d.ID, console.PhaseVerify, "10% sampled, expect changed"))
			r.At(at+8*time.Minute, console.DoneEvent(d.ID, console.StatusPass, "Purge",
				"sanitize completed; canaries gone; read-back changed"))
		case d.Class == "SAS HDD":
			r.At(at+6*time.Second, console.PhaseEvent(d.ID, console.PhaseFirmwareErase, d.Method))
			pct := 31.0 + float64(i)*1.3
			r.At(83*time.Minute, console.PercentEvent(d.ID, pct, time.Duration(float64(83*time.Minute)*(100-pct)/pct)))
		case d.Class == "SATA SSD":
			r.At(at+4*time.Second, console.PhaseEvent(d.ID, console.PhaseUnfreeze, "suspend to RAM"))
			r.At(at+40*time.Second, console.PhaseEvent(d.ID, console.PhaseFirmwareErase, d.Method))
			if d.Bay == "ata5" {
				r.At(at+41*time.Second, console.WarningEvent(d.ID, "sanitize status: still frozen, retrying after resume"))
				r.At(at+50*time.Second, console.WarningEvent(d.ID, "sanitize status: still frozen, retrying after resume"))
				r.At(at+60*time.Second, console.DoneEvent(d.ID, console.StatusFail, "",
					"ATA Sanitize refused: drive stays frozen after 2 suspend cycles; no data was erased"))
				continue
			}
			r.At(at+3*time.Minute, console.PhaseEvent(d.ID, console.PhaseVerify, "10% sampled, expect zeros (DRAT)"))
			r.At(at+5*time.Minute, console.DoneEvent(d.ID, console.StatusPass, "Purge", "block erase; read-back all zeros"))
		case d.Class == "HDD":
			r.At(at+3*time.Second, console.PhaseEvent(d.ID, console.PhaseRestoreHidden, "HPA 4000787030 -> 7814037168 LBAs"))
			r.At(at+6*time.Second, console.PhaseEvent(d.ID, console.PhaseOverwrite, "zero"))
			r.At(60*time.Minute, console.WarningEvent(d.ID, "write retry at LBA 2210331648"))
			r.At(83*time.Minute, console.ProgressEvent(d.ID, 1127*gb, 4*tb, 187e6, 4*time.Hour+10*time.Minute))
		case d.Class == "USB":
			r.At(at+3*time.Second, console.PhaseEvent(d.ID, console.PhaseOverwrite, "zero"))
			r.At(at+30*time.Minute, console.PhaseEvent(d.ID, console.PhaseVerify, "10% sampled, expect zeros"))
			r.At(83*time.Minute, console.ProgressEvent(d.ID, 5100*1000*1000, 6400*1000*1000, 31e6, 42*time.Second))
		}
		if d.Health == console.HealthFail {
			r.At(at+2*time.Second, console.WarningEvent(d.ID, "SMART: "+d.HealthNote))
		}
	}
	return r
}

// FinishBays completes BaysRun's drives after the 83-minute snapshot.
func FinishBays(r *Run) console.Snapshot {
	for i, d := range r.Plan.Drives {
		switch d.Class {
		case "SAS HDD":
			r.At(4*time.Hour+time.Duration(i)*time.Minute, console.DoneEvent(d.ID, console.StatusPass, "Purge",
				"sanitize overwrite completed; 10% read-back found the pattern"))
		case "HDD":
			r.At(5*time.Hour+32*time.Minute, console.DoneEvent(d.ID, console.StatusPass, "Purge",
				"every LBA written incl. restored HPA; 10% read-back zeros"))
		case "USB":
			r.At(84*time.Minute, console.DoneEvent(d.ID, console.StatusPass, "Clear only - destroy required",
				"overwrite; 10% read-back zeros"))
		}
	}
	return r.Snapshot(5*time.Hour + 33*time.Minute)
}

// FailingRun is the three-drive run with a failure and warnings, 41
// minutes in.
func FailingRun() *Run {
	r := NewRun(Failing())
	r.At(0, console.PhaseEvent("/dev/sda", console.PhaseFirmwareErase, "SCSI Sanitize overwrite"))
	r.At(0, console.PhaseEvent("/dev/sdb", console.PhaseFirmwareErase, "SCSI Sanitize overwrite"))
	r.At(time.Second, console.WarningEvent("/dev/sdb", "SMART: grown defect list 2317 entries"))
	r.At(0, console.PhaseEvent("/dev/sdc", console.PhaseOverwrite, "zero"))
	r.At(20*time.Minute, console.WarningEvent("/dev/sdc", "unwritable sectors: LBA 81920-81927 (8 blocks)"))
	r.At(39*time.Minute, console.PhaseEvent("/dev/sdb", console.PhaseVerify, "10% sampled, expect pattern"))
	r.At(40*time.Minute, console.DoneEvent("/dev/sdb", console.StatusFail, "",
		"verify: 4096 of 1953125 sampled blocks still hold old data (first at LBA 1048576)"))
	r.At(41*time.Minute, console.PercentEvent("/dev/sda", 17.2, 3*time.Hour+17*time.Minute))
	r.At(41*time.Minute, console.ProgressEvent("/dev/sdc", 461*gb, 4*tb, 187e6, 5*time.Hour+15*time.Minute))
	return r
}

// Box is a frame drawn inside a box the size of the screen, so its width
// and height can be seen: the golden files' and the demo's format.
func Box(sc console.Screen, width, height int) string {
	var b strings.Builder
	rule := "+" + strings.Repeat("-", width) + "+\n"
	b.WriteString(rule)
	lines := sc.Strings()
	for i := range max(height, len(lines)) {
		l := ""
		if i < len(lines) {
			l = lines[i]
		}
		b.WriteString("|" + l + strings.Repeat(" ", max(0, width-console.TextWidth(l))) + "|\n")
	}
	b.WriteString(rule)
	return b.String()
}

// Screens names the sample screens, in the order of a run.
var Screens = []string{"plan", "raid", "countdown", "confirm", "wrong", "running1", "running24", "failing", "abort", "done", "done24", "donefail", "cancelled"}

// Screen returns a named sample screen: its snapshot and the prompt.
func Screen(name string) (console.Snapshot, console.Prompt, bool) {
	switch name {
	case "plan":
		s := PlanSnapshot(Failing())
		return s, console.Prompt{Mode: console.PromptTyped, Typed: "ERA"}, true
	case "raid":
		return PlanSnapshot(RAID()), console.Prompt{Mode: console.PromptTyped}, true
	case "countdown":
		return PlanSnapshot(Bays()), console.Prompt{Mode: console.PromptCountdown, Remaining: 27}, true
	case "confirm":
		return PlanSnapshot(OneDrive()), console.Prompt{Mode: console.PromptTyped, Typed: "1"}, true
	case "wrong":
		return PlanSnapshot(Bays()), console.Prompt{Mode: console.PromptTyped, Stopped: true,
			Error: console.PromptWrong, Wrong: "42", Attempts: 1}, true
	case "running1":
		return OneDriveRun().Snapshot(3 * time.Minute), console.Prompt{}, true
	case "running24":
		return BaysRun().Snapshot(83 * time.Minute), console.Prompt{}, true
	case "failing":
		return FailingRun().Snapshot(41 * time.Minute), console.Prompt{}, true
	case "abort":
		return FailingRun().Snapshot(41 * time.Minute), console.Prompt{Mode: console.PromptAbortAsk}, true
	case "done":
		return Done(OneDriveRun().Snapshot(7*time.Minute), console.Next{}),
			console.Prompt{Mode: console.PromptNextCountdown, Remaining: 60, Action: console.ActionPowerOff}, true
	case "done24":
		r := BaysRun()
		r.Snapshot(83 * time.Minute)
		return Done(FinishBays(r), console.Next{}), console.Prompt{Mode: console.PromptWaiting}, true
	case "donefail":
		r := FailingRun()
		r.At(5*time.Hour, console.DoneEvent("/dev/sda", console.StatusPass, "Purge", "sanitize overwrite completed"))
		r.At(5*time.Hour+20*time.Minute, console.DoneEvent("/dev/sdc", console.StatusFail, "",
			"8 unwritable sectors (LBA 81920-81927): not every block was overwritten"))
		return Done(r.Snapshot(5*time.Hour+21*time.Minute), console.Next{}),
			console.Prompt{Mode: console.PromptHeld}, true
	case "cancelled":
		s := PlanSnapshot(Failing())
		s.Stage = console.StageCancelled
		s.Decision = console.Decision{How: console.HowRefused, Terminal: "tty0"}
		return s, console.Prompt{}, true
	}
	return console.Snapshot{}, console.Prompt{}, false
}
