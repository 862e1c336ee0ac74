package worker

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/kesu-erase/kesu/erase/discover"
	"github.com/kesu-erase/kesu/erase/plan"
	"github.com/kesu-erase/kesu/erase/policy"
	"github.com/kesu-erase/kesu/report"
)

// Config is what a run needs.
type Config struct {
	Policy  *policy.Config
	Journal *report.Journal
	// Events receives progress; it is called from the drives' goroutines
	// and must not block for long. May be nil.
	Events func(Event)
	// Unfreezer, if set, is used once when a probed ATA drive is frozen.
	Unfreezer Unfreezer
	// Open builds the Drive for a discovered disk. It must not open the
	// device for writing: Drive.Open(true) does that, only for drives that
	// are erased.
	Open func(discover.Disk) (Drive, error)
	// Controllers, if set, returns the RAID controllers behind which the
	// preparation's drives sit, as the record states them (which drives
	// are reached, excluded or not reached). They are recorded before the
	// drives.
	Controllers func(*Preparation) []report.Controller
	// Cascade, if set, gives the rule that excludes further targets
	// because of what is excluded (a RAID volume and the drives it lies
	// on: raid.Topology.Cascade). It is applied after the exclusions by
	// probed identity, until nothing more is excluded.
	Cascade func(excluded []discover.Excluded) discover.Rule
	// HostOverwriteOnly, when set, says why every drive gets the host
	// overwrite alone (kesu erase A B): its firmware methods are planned
	// but not chosen, with this reason.
	HostOverwriteOnly string
}

// Target is one drive prepared for erasure.
type Target struct {
	Disk  discover.Disk
	Drive Drive
	Probe *Probe
	// Err is set when the drive could not be opened or probed; it will be
	// recorded as failed without any erase attempt.
	Err  error
	Plan plan.Plan
	log  *report.DriveLog
	// psid, when set, is the PSID the technician typed for a blocked
	// drive (SetPSID), and psidBy who typed it and how; the PSID is
	// cleared once used.
	psid   []byte
	psidBy string
}

// PSIDEligible reports whether the technician may be asked for the
// drive's PSID: the plan is blocked by the drive's TCG state, which was
// read (an SSC is known), the drive can run a PSID revert, the revert
// would reach no namespace that must not be erased, and the policy
// allows the prompt.
func (p *Preparation) PSIDEligible(t *Target) bool {
	if t.Probe == nil || t.Err != nil || t.Plan.Blocked == "" || t.Probe.Caps.TCG == nil || !p.cfg.Policy.TCG.PSID() {
		return false
	}
	if s := t.Probe.Security; s == nil || s.SSC == "" {
		return false
	}
	if protectedNamespaces(t.Probe) > 0 {
		return false
	}
	_, ok := t.Drive.(PSIDReverter)
	return ok
}

// protectedNamespaces counts the other namespaces of an NVMe drive's
// controller that must not be erased; a PSID revert resets the
// controller's TPer, every namespace with it.
func protectedNamespaces(pr *Probe) int {
	if pr.Caps.NVMe == nil {
		return 0
	}
	return pr.Caps.NVMe.Protected
}

// SetPSID gives a blocked drive the PSID the technician typed; by says
// who and how ("typed twice on tty1"), for the record. The drive is PSID
// reverted before its plan is made again and run.
func (p *Preparation) SetPSID(t *Target, psid []byte, by string) {
	t.psid = append([]byte(nil), psid...)
	t.psidBy = by
}

// Unerasable says why t cannot be erased as it was planned — it could not
// be opened or probed, its TCG state blocks it, or no method is chosen —
// or "" when it can. Such a drive is recorded FAIL when the run executes.
func (t *Target) Unerasable() string {
	switch {
	case t.Err != nil:
		return "cannot be erased: " + t.Err.Error()
	case t.Plan.Blocked != "":
		return "not erased: " + t.Plan.Blocked
	case len(t.Plan.Chosen()) == 0:
		why := "no erase method is available for this drive"
		if t.Plan.Note != "" {
			why += ": " + t.Plan.Note
		}
		return why
	}
	return ""
}

// Unerasable lists, as "PATH: why", every target that cannot be erased as
// planned (Target.Unerasable).
func (p *Preparation) Unerasable() []string {
	var out []string
	for _, t := range p.Targets {
		if why := t.Unerasable(); why != "" {
			out = append(out, t.Disk.Path+": "+why)
		}
	}
	return out
}

// AllPassed reports whether results hold one PASS for each of want drives.
func AllPassed(results []Result, want int) bool {
	if len(results) != want || want == 0 {
		return false
	}
	for _, r := range results {
		if r.Status != report.StatusPass {
			return false
		}
	}
	return true
}

// Preparation is the state after probing and planning, before the
// technician confirms.
type Preparation struct {
	cfg      Config
	Targets  []*Target
	Excluded []discover.Excluded
	// Unfrozen says what the unfreeze step did ("" when not needed).
	Unfrozen string
	// Controllers are the RAID controllers found (Config.Controllers).
	Controllers []report.Controller
}

func (c *Config) emit(e Event) {
	if c.Events == nil {
		return
	}
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	if e.Fraction == 0 && e.Total == 0 {
		e.Fraction = -1
	}
	c.Events(e)
}

// Prepare probes the target disks in parallel, moves drives the policy
// excludes by their probed identity to the excluded list, unfreezes frozen
// ATA drives once, plans every drive and records drives and exclusions in
// the journal. It erases nothing. With no journal (cfg.Journal nil) it only
// probes and plans — `kesu plan` — and the preparation cannot be executed.
func Prepare(ctx context.Context, cfg Config, disks []discover.Disk, excluded []discover.Excluded) (*Preparation, error) {
	if cfg.Policy == nil || cfg.Open == nil {
		return nil, errors.New("worker: Prepare needs a policy and an opener")
	}
	p := &Preparation{cfg: cfg, Excluded: excluded}
	for _, d := range disks {
		p.Targets = append(p.Targets, &Target{Disk: d})
	}
	probeAll := func(ts []*Target) {
		var wg sync.WaitGroup
		for _, t := range ts {
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() {
					if r := recover(); r != nil {
						t.Err = fmt.Errorf("internal error while probing: %v", r)
					}
				}()
				cfg.emit(Event{Drive: t.Disk.Name, Phase: PhaseProbe})
				if t.Drive == nil {
					drv, err := cfg.Open(t.Disk)
					if err != nil {
						t.Err = fmt.Errorf("opening %s: %w", t.Disk.Path, err)
						return
					}
					t.Drive = drv
				}
				pr, err := t.Drive.Probe(ctx)
				if err != nil {
					t.Err = fmt.Errorf("probing %s: %w", t.Disk.Path, err)
					return
				}
				// How the drive was reached is the disk's to say, whatever
				// the adapter.
				markAccess(&pr.Identity, t.Disk)
				t.Probe, t.Err = pr, nil
			}()
		}
		wg.Wait()
	}
	probeAll(p.Targets)

	// The policy's exclusions, now by what the drives say they are.
	byIdentity := len(cfg.Policy.Exclude.Serials) > 0 || len(cfg.Policy.Exclude.WWNs) > 0
	// unknown are drives the policy might protect that could not be
	// identified: erased by nobody (they could not be opened or probed),
	// but a volume on them must not be written either (Cascade).
	var unknown []discover.Excluded
	kept := p.Targets[:0]
	for _, t := range p.Targets {
		id := IdentityFromDisk(t.Disk)
		if t.Probe != nil {
			id = t.Probe.Identity
		}
		ex, why := cfg.Policy.Excluded(id.Serial, []string{id.WWN, t.Disk.WWN, t.Disk.WWID}, t.Disk.Path)
		noIdentity := byIdentity && strings.TrimSpace(id.Serial) == "" && strings.TrimSpace(id.WWN) == ""
		const cannotRuleOut = "the policy excludes drives by serial or WWN and this drive reports neither: kesu cannot rule out that it is one of them"
		switch {
		case !ex && noIdentity && t.Err != nil:
			// It stays a target, recorded FAIL with the reason, and is
			// not hidden among the exclusions.
			unknown = append(unknown, discover.Excluded{Disk: t.Disk, Reason: cannotRuleOut})
		case !ex && noIdentity:
			// Fail closed: the policy protects drives by serial or WWN,
			// and this one reports neither.
			ex, why = true, cannotRuleOut
		}
		if ex {
			d := t.Disk
			// What probing read names the drive in the record (a drive
			// behind a RAID controller is listed without its serial).
			if strings.TrimSpace(d.Serial) == "" {
				d.Serial = id.Serial
			}
			if d.WWN == "" {
				d.WWN = id.WWN
			}
			p.Excluded = append(p.Excluded, discover.Excluded{Disk: d, Reason: why})
			if t.Drive != nil {
				t.Drive.Close()
			}
			continue
		}
		kept = append(kept, t)
	}
	p.Targets = kept
	for cfg.Cascade != nil {
		rule := cfg.Cascade(append(append([]discover.Excluded(nil), p.Excluded...), unknown...))
		kept := p.Targets[:0]
		more := 0
		for _, t := range p.Targets {
			if ex, why := rule(t.Disk); ex && t.Err == nil {
				p.Excluded = append(p.Excluded, discover.Excluded{Disk: t.Disk, Reason: why})
				if t.Drive != nil {
					t.Drive.Close()
				}
				more++
				continue
			}
			kept = append(kept, t)
		}
		p.Targets = kept
		if more == 0 {
			break
		}
	}

	var frozen []*Target
	for _, t := range p.Targets {
		if t.Probe != nil && t.Probe.SecurityFrozen {
			frozen = append(frozen, t)
		}
	}
	if len(frozen) > 0 {
		names := make([]string, len(frozen))
		for i, t := range frozen {
			names[i] = t.Disk.Name
			cfg.emit(Event{Drive: t.Disk.Name, Phase: PhaseUnfreeze})
		}
		switch {
		case cfg.Unfreezer == nil:
			p.Unfrozen = fmt.Sprintf("%s frozen by the firmware; no suspend-to-RAM cycle allowed in this mode", strings.Join(names, ", "))
		default:
			if err := cfg.Unfreezer.Unfreeze(ctx); err != nil {
				p.Unfrozen = fmt.Sprintf("%s frozen by the firmware; the suspend-to-RAM cycle failed: %v", strings.Join(names, ", "), err)
			} else {
				probeAll(frozen)
				var still []string
				for _, t := range frozen {
					if t.Probe != nil && t.Probe.SecurityFrozen {
						still = append(still, t.Disk.Name)
					}
				}
				p.Unfrozen = fmt.Sprintf("%s frozen by the firmware; one suspend-to-RAM cycle done", strings.Join(names, ", "))
				if len(still) > 0 {
					p.Unfrozen += "; still frozen: " + strings.Join(still, ", ")
				} else {
					p.Unfrozen += "; all unfrozen"
				}
			}
		}
	}
	p.protectShared()
	for _, t := range p.Targets {
		if t.Probe != nil {
			t.Plan = p.planFor(t.Probe)
		}
	}
	if cfg.Controllers != nil {
		p.Controllers = cfg.Controllers(p)
	}
	if cfg.Journal == nil {
		return p, nil
	}
	if p.Unfrozen != "" {
		if err := cfg.Journal.Note(report.Note{Severity: report.SeverityInfo, Code: "unfreeze", Text: p.Unfrozen}); err != nil {
			return nil, err
		}
	}

	for _, e := range p.Excluded {
		text := fmt.Sprintf("%s (%s %s, serial %q) excluded: %s", e.Disk.Path, e.Disk.Vendor, e.Disk.Model, e.Disk.Serial, e.Reason)
		if err := cfg.Journal.Note(report.Note{Severity: report.SeverityInfo, Code: "drive-excluded", Text: text}); err != nil {
			return nil, err
		}
	}
	for _, c := range p.Controllers {
		if err := cfg.Journal.Controller(c); err != nil {
			return nil, err
		}
	}
	for _, t := range p.Targets {
		rd := report.Drive{Identity: IdentityFromDisk(t.Disk), Class: ClassFromDisk(t.Disk)}
		if t.Probe != nil {
			rd.Identity, rd.Class = t.Probe.Identity, t.Probe.Class
			rd.SMART, rd.HiddenAreas, rd.HWPartitions = t.Probe.SMART, t.Probe.Hidden, t.Probe.HWPartitions
			rd.Plan = t.Plan.Record()
			rd.Plan.Blocked = t.Plan.Blocked
			rd.Security = t.Probe.Security
			if a := t.Probe.Caps.ATA; a != nil {
				enc := a.EncryptsAllUserData
				rd.EncryptsAllUserData = &enc
			}
		} else {
			rd.HiddenAreas = report.HiddenAreas{Note: "the drive could not be probed"}
		}
		log, err := cfg.Journal.Drive(rd)
		if err != nil {
			return nil, err
		}
		t.log = log
		if t.Probe != nil {
			for _, n := range t.Probe.Notes {
				if err := log.Note(report.Note{Severity: report.SeverityInfo, Code: "probe", Text: n}); err != nil {
					return nil, err
				}
			}
		}
	}
	return p, nil
}

// planFor plans a probed drive under the policy's TCG settings.
func (p *Preparation) planFor(pr *Probe) plan.Plan {
	if pr.Caps.TCG != nil {
		pr.Caps.TCG.Erase = p.cfg.Policy.TCG.Erase
	}
	pl := plan.For(pr.Caps)
	if why := p.cfg.HostOverwriteOnly; why != "" {
		pl = pl.HostOverwriteOnly(why)
	}
	return pl
}

// group returns a target's hardware group ("" when alone).
func group(t *Target) string {
	if g, ok := t.Drive.(Grouper); ok && t.Drive != nil {
		return g.Group()
	}
	return ""
}

// protectShared marks, on every NVMe target, how many active namespaces of
// its controller are not erased in this run, so that the plan does not use
// a Sanitize (or an all-namespace Format) that would erase them too.
func (p *Preparation) protectShared() {
	targets := map[string]int{}
	for _, t := range p.Targets {
		if t.Drive != nil && t.Err == nil {
			if g := group(t); g != "" {
				targets[g]++
			}
		}
	}
	for _, t := range p.Targets {
		if t.Probe == nil || t.Probe.Caps.NVMe == nil {
			continue
		}
		n := t.Probe.Caps.NVMe
		if g := group(t); g != "" {
			n.Protected = max(0, n.Namespaces-targets[g])
		}
	}
}

// IdentityFromDisk is the identity sysfs gives, for drives that could not
// be probed.
func IdentityFromDisk(d discover.Disk) report.Identity {
	var rot *bool // unknown unless sysfs can tell (discover.Disk.Rotation)
	switch d.Rotation {
	case discover.RotationRotational:
		rot = new(true)
	case discover.RotationNonRotational:
		rot = new(false)
	}
	id := report.Identity{
		Path: d.Path, Vendor: d.Vendor, Model: d.Model, Serial: d.Serial, Firmware: d.Firmware, WWN: d.WWN,
		CapacityBytes: uint64(d.Size), LogicalSectorSize: uint32(d.LogicalBlockSize),
		PhysicalSectorSize: uint32(d.PhysicalBlockSize), Transport: string(d.Transport),
		Bay: d.Location.Bay, Port: d.DevPath, Rotational: rot,
	}
	markAccess(&id, d)
	return id
}

// markAccess records how the drive was reached — through a RAID
// controller's pass-through, as a controller's logical volume, or directly
// — and the controller, where the adapter did not say.
func markAccess(id *report.Identity, d discover.Disk) {
	switch {
	case d.Passthrough != nil:
		id.Access = report.AccessPassthrough
		if id.Controller == nil {
			id.Controller = &report.ControllerRef{Host: d.Passthrough.Host, Driver: d.Passthrough.Driver,
				PCIAddress: d.Location.PCIAddress, Address: d.Passthrough.Address}
		}
	case d.Volume != nil:
		id.Access = report.AccessLogicalVolume
		if id.Controller == nil {
			host := -1
			if d.Host != nil {
				host = *d.Host
			}
			id.Controller = &report.ControllerRef{Host: host, Driver: d.Volume.Driver,
				PCIAddress: d.Location.PCIAddress, Address: fmt.Sprintf("LD %d", d.Volume.TargetID)}
		}
	case id.Access == "":
		id.Access = report.AccessDirect
		// A drive a RAID controller exposes to the host (JBOD, HBA mode)
		// is reached directly but still sits behind the controller.
		if id.Controller == nil && d.Host != nil && discover.DriverKind(d.HostDriver) != discover.KindHBA {
			id.Controller = &report.ControllerRef{Host: *d.Host, Driver: d.HostDriver, PCIAddress: d.Location.PCIAddress,
				Address: "H:C:T:L " + d.HCTL}
		}
	}
}

// ClassFromDisk guesses a drive's class from sysfs alone.
func ClassFromDisk(d discover.Disk) report.Class {
	if d.Volume != nil {
		return report.ClassVolume
	}
	switch d.Transport {
	case discover.NVMe:
		return report.ClassNVMe
	case discover.USB, discover.MMC:
		return report.ClassUSB
	case discover.Loop:
		// A loop device is a file: its overwrite reaches the file's
		// logical content only.
		return report.ClassFile
	case discover.SATA, discover.SAS, discover.SCSI, discover.RAID:
		// sysfs rotational=1 is the kernel's default for a drive that
		// does not report its rotation: only a reported rotation makes it
		// an HDD; unknown is rated as flash, the stricter reading.
		if d.Rotation == discover.RotationRotational {
			return report.ClassHDD
		}
		return report.ClassSSD
	}
	return report.ClassOther
}

// Close releases the drives of a preparation that will not be executed
// (a dry run).
func (p *Preparation) Close() {
	for _, t := range p.Targets {
		if t.Drive != nil {
			t.Drive.Close()
		}
	}
}

// Cancel records that the technician declined the run: every drive is
// recorded as skipped, nothing erased.
func (p *Preparation) Cancel(reason string) []Result {
	var out []Result
	for _, t := range p.Targets {
		a, _ := t.log.Finish(report.Finish{Skipped: reason})
		out = append(out, p.result(t, a, time.Now(), reason))
		if t.Drive != nil {
			t.Drive.Close()
		}
	}
	return out
}

func (p *Preparation) result(t *Target, a report.Assessment, start time.Time, reason string) Result {
	r := Result{Drive: t.Disk.Name, Status: a.Status, Assessment: a, Started: start, Duration: time.Since(start),
		Identity: IdentityFromDisk(t.Disk), Class: ClassFromDisk(t.Disk)}
	if t.Probe != nil {
		r.Identity, r.Class = t.Probe.Identity, t.Probe.Class
	}
	r.Reason = reason
	if len(a.Wording) > 0 && (reason == "" || a.Status == report.StatusPass) {
		r.Reason = a.Wording[0]
	}
	if a.Status == "" {
		r.Status = report.StatusIncomplete
	}
	return r
}

// Execute erases every prepared drive in parallel and returns their results
// in the order of p.Targets. Cancelling ctx interrupts the drives; what was
// done is recorded.
func (p *Preparation) Execute(ctx context.Context) []Result {
	results := make([]Result, len(p.Targets))
	if p.cfg.Journal == nil {
		for i, t := range p.Targets {
			results[i] = Result{Drive: t.Disk.Name, Status: report.StatusSkipped, Reason: "dry run: no journal, nothing erased"}
		}
		return results
	}
	// One goroutine per drive — or per group of drives sharing hardware
	// (the namespaces of one NVMe controller), erased one after the other
	// so that one's Sanitize never runs under another's canaries or
	// verification.
	var order []string
	groups := map[string][]int{}
	for i, t := range p.Targets {
		g := group(t)
		if g == "" {
			g = "\x00" + t.Disk.Name
		}
		if _, ok := groups[g]; !ok {
			order = append(order, g)
		}
		groups[g] = append(groups[g], i)
	}
	var wg sync.WaitGroup
	for _, g := range order {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, i := range groups[g] {
				p.runOne(ctx, i, results)
			}
		}()
	}
	wg.Wait()
	return results
}

// runOne erases target i, turning a panic into a recorded failure.
func (p *Preparation) runOne(ctx context.Context, i int, results []Result) {
	t := p.Targets[i]
	start := time.Now()
	defer func() {
		if r := recover(); r != nil {
			msg := fmt.Sprintf("internal error: %v", r)
			t.log.Note(report.Note{Severity: report.SeverityError, Code: "panic", Text: msg + "\n" + string(debug.Stack())})
			a, _ := t.log.Finish(report.Finish{Errors: []string{msg}})
			results[i] = p.result(t, a, start, msg)
			p.cfg.emit(Event{Drive: t.Disk.Name, Phase: PhaseDone, Result: &results[i]})
		}
	}()
	results[i] = p.runDrive(ctx, t, start)
	p.cfg.emit(Event{Drive: t.Disk.Name, Phase: PhaseDone, Result: &results[i]})
}
