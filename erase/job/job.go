// Package job is one erasure run over a machine's drives, as both the
// appliance and `kesu erase --all` perform it: start the signed journal,
// discover the drives (the boot stick and the policy's exclusions removed),
// probe and plan them, and — once the caller has confirmed — erase them in
// parallel and seal the record.
package job

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kesu-erase/kesu/erase"
	"github.com/kesu-erase/kesu/erase/discover"
	"github.com/kesu-erase/kesu/erase/drive"
	"github.com/kesu-erase/kesu/erase/policy"
	"github.com/kesu-erase/kesu/erase/raid"
	"github.com/kesu-erase/kesu/erase/worker"
	"github.com/kesu-erase/kesu/report"
	"github.com/kesu-erase/kesu/scsi"
)

// Options configure a run.
type Options struct {
	Policy       *policy.Config
	ConfigSHA256 string
	RecordsDir   string
	// Signer signs the record; nil only when the policy says unsigned.
	Signer *report.Signer
	Mode   string // "cli" or "appliance"
	// KeyCustody says where Signer's key is held (report.CustodyStick,
	// CustodyConsole, CustodyFile); the record states it.
	KeyCustody string
	Version    string
	// Notes are facts recorded right after the run starts (Secure Boot
	// state, modules that failed to load).
	Notes []report.Note
	// Root is the machine's root directory (os.DirFS("/")): sysfs and procfs
	// are read from it.
	Root fs.FS
	// BootDisks are kernel names of whole disks that are never touched: the
	// kesu stick.
	BootDisks []string
	// SkipInUse excludes disks that are mounted, hold mounted partitions,
	// are swap or held by device-mapper/md (the CLI on a live system).
	SkipInUse bool
	// Open builds a worker.Drive for a disk (drive.Open in production).
	Open func(discover.Disk) (worker.Drive, error)
	// Controllers opens the management interface of RAID controllers
	// (raid.OpenLinux in production); nil: kesu does not look behind
	// controllers, and their logical volumes are recorded as volumes whose
	// members were not reached.
	Controllers raid.Opener
	// Clock paces the firmware erases of drives behind controllers (nil:
	// the system clock); tests pass a fake one.
	Clock     scsi.Clock
	Unfreezer worker.Unfreezer
	Events    func(worker.Event)
	// Devices, when set, are the only drives the run erases: kernel names
	// (loop3, sdb) of devices named on the command line (kesu erase A B).
	// CheckDevices refuses the run before its record is created when one
	// is no whole disk or loop device here, is named twice, is a boot
	// disk, is in use, or is excluded by the policy; nothing is discovered
	// besides them and no controller is looked behind.
	Devices []string
	// HostOverwrite plans the host overwrite alone on every drive (the
	// policy's pattern and verification), no firmware method: what
	// kesu erase DEVICE does, for each of Devices.
	HostOverwrite bool
	// OnRecord, when set, is the journal's report.Options.OnRecord: called
	// with each record once it is written and fsynced (the netbooted
	// appliance streams them to its record store). It must not block.
	OnRecord func(runID string, seq int64, line []byte)
}

// Job is a started run.
type Job struct {
	Journal *report.Journal
	Prep    *worker.Preparation
	// Topology is the RAID controllers found, with the drives behind them.
	Topology raid.Topology
	opts     Options
	// rewritten are the erased drives a controller may have written after
	// their verification (raid.Controller.Recheck), known after Execute.
	rewritten []string
}

// ErrPolicy marks a run the policy itself stops (e.g. an exclusion that
// names a device path that does not exist here).
var ErrPolicy = errors.New("policy")

// Start creates the journal, records the run's facts, discovers and
// selects the drives, and probes and plans them. It erases nothing. On an
// error after the journal was created, the journal holds a note saying why
// and is sealed, and Job is nil. With Options.Devices the drives are those
// named, checked (CheckDevices) before the journal is created: such a
// refusal leaves no record and touches no device. One named device found,
// once probed, unable to be erased as planned (worker.Target.Unerasable: a
// TCG-locked drive, no method) refuses them all too, before anything is
// written on any: the record, already holding the probes, then says so —
// every drive SKIPPED — and is sealed; the error is a DeviceRefusal.
func Start(ctx context.Context, o Options) (*Job, error) {
	if o.Policy == nil || o.Root == nil || o.Open == nil {
		return nil, errors.New("job: Start needs a policy, a root tree and an opener")
	}
	if o.Signer == nil && !o.Policy.Signing.Unsigned {
		return nil, fmt.Errorf("%w: no signing key, and the policy does not allow an unsigned record; nothing will be erased", report.ErrUnsigned)
	}
	var named []discover.Disk
	if len(o.Devices) > 0 {
		var err error
		if named, err = CheckDevices(o); err != nil {
			return nil, err
		}
	}
	j, err := report.CreateWith(o.RecordsDir, o.Signer, RunStart(o), report.Options{OnRecord: o.OnRecord})
	if err != nil {
		return nil, fmt.Errorf("starting the record in %s: %w; nothing will be erased", o.RecordsDir, err)
	}
	fail := func(err error) (*Job, error) {
		j.Note(report.Note{Severity: report.SeverityError, Code: "run-stopped", Text: err.Error() + "; nothing was erased"})
		j.Seal()
		return nil, err
	}
	for _, n := range o.Notes {
		if err := j.Note(n); err != nil {
			return fail(err)
		}
	}
	if named != nil {
		prep, err := worker.Prepare(ctx, worker.Config{Policy: o.Policy, Journal: j, Events: o.Events,
			Unfreezer: o.Unfreezer, Open: o.Open, HostOverwriteOnly: o.overwriteOnly()}, named, nil)
		if err != nil {
			return fail(err)
		}
		job := &Job{Journal: j, Prep: prep, opts: o}
		if why := prep.Unerasable(); len(why) > 0 {
			refusal := &DeviceRefusal{Reasons: why}
			_, serr := job.refuse("refused before anything was written: " + strings.Join(why, "; "))
			if serr != nil {
				return nil, errors.Join(refusal, fmt.Errorf("the record of the refusal could not be sealed: %w", serr))
			}
			return nil, refusal
		}
		return job, nil
	}
	sel, err := Discover(ctx, o)
	if err != nil {
		return fail(err)
	}
	for _, n := range sel.Notes {
		if err := j.Note(n); err != nil {
			sel.Topology.Close()
			return fail(err)
		}
	}
	prep, err := worker.Prepare(ctx, worker.Config{Policy: o.Policy, Journal: j, Events: o.Events,
		Unfreezer: o.Unfreezer, Open: sel.Open, Controllers: sel.Controllers, Cascade: sel.Cascade,
		HostOverwriteOnly: o.overwriteOnly()}, sel.Targets, sel.Excluded)
	if err != nil {
		sel.Topology.Close()
		return fail(err)
	}
	return &Job{Journal: j, Prep: prep, Topology: sel.Topology, opts: o}, nil
}

// Selection is what a run would touch: the drives to erase (disks with a
// block device, volumes the policy overwrites, then the physical drives
// behind RAID controllers) and those it leaves, with the reason.
type Selection struct {
	Targets  []discover.Disk
	Excluded []discover.Excluded
	// Topology is the RAID controllers found; the caller closes it.
	Topology raid.Topology
	// Notes are facts for the record (sysfs that could not be read).
	Notes  []report.Note
	groups map[string]string
	open   func(discover.Disk) (worker.Drive, error)
	clock  scsi.Clock
	// skipped are the volumes not written only because the policy does
	// not overwrite volumes: their members are erased all the same.
	skipped map[string]bool
}

// Cascade is raid.Topology.Cascade over the exclusions that protect data
// (worker.Config.Cascade): a volume the policy merely does not overwrite
// takes no member with it.
func (s *Selection) Cascade(excluded []discover.Excluded) discover.Rule {
	var protect []discover.Excluded
	for _, e := range excluded {
		if !s.skipped[e.Disk.Name] {
			protect = append(protect, e)
		}
	}
	return s.Topology.Cascade(protect)
}

// Discover finds the machine's drives and decides which a run erases: the
// boot stick, the policy's exclusions and (SkipInUse) drives in use are
// left; a RAID controller's logical volumes are recorded as volumes (and
// overwritten as volumes only when the policy says so); the physical
// drives behind controllers are targets of their own, reached through the
// controller, except members of a volume that is excluded. It opens the
// controllers' management interfaces (o.Controllers) and nothing else.
func Discover(ctx context.Context, o Options) (*Selection, error) {
	disks, err := discover.Scan(o.Root)
	if err != nil {
		return nil, err
	}
	rules := []discover.Rule{discover.BootStick(o.BootDisks...)}
	pathRule, err := excludedPaths(o.Policy, o.Root)
	if err != nil {
		return nil, err
	}
	rules = append(rules, pathRule, func(d discover.Disk) (bool, string) {
		return o.Policy.Excluded(d.Serial, []string{d.WWN, d.WWID}, d.Path)
	})
	if o.SkipInUse {
		rules = append(rules, InUseRule(o.Root))
	}
	sel := &Selection{open: o.Open, clock: o.Clock}

	// RAID controllers: their logical volumes are no drives; the physical
	// drives behind them are, reached through the controller.
	hosts, err := discover.Hosts(o.Root)
	if err != nil {
		sel.Notes = append(sel.Notes, report.Note{Severity: report.SeverityWarning, Code: "scsi-hosts",
			Text: "the SCSI hosts could not be read from sysfs: " + err.Error()})
	}
	opener := o.Controllers
	if opener == nil {
		opener = func(discover.Host, []discover.Disk) (raid.Backend, error) { return nil, raid.ErrNoPassthrough }
	}
	sel.Topology = raid.Topology(raid.Scan(ctx, hosts, disks, opener))
	sel.Topology.Annotate(disks)
	discover.UniqueBays(disks)

	targets, excluded := discover.Select(disks, rules...)
	overwriteVolumes := o.Policy.RAID.LogicalVolumes == policy.VolumesOverwrite
	var direct, volumes []discover.Disk
	var skipped []discover.Excluded
	for _, d := range targets {
		switch {
		case d.Volume == nil:
			direct = append(direct, d)
		case overwriteVolumes:
			volumes = append(volumes, d)
		default:
			skipped = append(skipped, discover.Excluded{Disk: d, Reason: volumeSkipped})
		}
	}
	// The policy's serials and WWNs apply to the drives behind
	// controllers as to any.
	members, membersExcluded := discover.Select(sel.Topology.Disks(), func(d discover.Disk) (bool, string) {
		return o.Policy.Excluded(d.Serial, []string{d.WWN}, d.Path)
	})
	excluded = append(excluded, membersExcluded...)
	// A member of an excluded volume is excluded with it; a volume on an
	// excluded drive is not overwritten — decided before the volumes the
	// policy merely does not overwrite join the excluded.
	targets, excluded = sel.Topology.Settle(append(append(direct, volumes...), members...), excluded)
	sel.Targets, sel.Excluded = targets, append(excluded, skipped...)
	sel.skipped = map[string]bool{}
	for _, e := range skipped {
		sel.skipped[e.Disk.Name] = true
	}
	if overwriteVolumes {
		sel.groups = controllerGroups(sel.Targets)
	}
	return sel, nil
}

// Open builds the worker.Drive of a selected disk: through its controller
// for a drive behind one, else with Options.Open; a volume overwritten as
// a volume shares a group with its members.
func (s *Selection) Open(d discover.Disk) (worker.Drive, error) {
	if d.Passthrough != nil {
		return drive.OpenPassthrough(d, s.Topology.Reach, s.groups[d.Name], s.clock)
	}
	drv, err := s.open(d)
	if err != nil {
		return nil, err
	}
	return drive.Grouped(drv, s.groups[d.Name]), nil
}

// Controllers states every controller as the preparation leaves it:
// which physical drives are targets, which are excluded and why, and which
// volumes are overwritten as volumes (worker.Config.Controllers).
func (s *Selection) Controllers(p *worker.Preparation) []report.Controller {
	return controllerRecords(s.Topology, p)
}

// volumeSkipped is why a logical volume is not written under the default
// policy.
const volumeSkipped = "a RAID controller's logical volume: not a drive (raid.logical_volumes = \"skip\"); its member drives are erased through the controller"

// controllerGroups puts, on every controller with a volume overwritten as
// a volume, that volume and every drive behind the controller in one
// group, erased one after the other, the volume first (it comes first
// among the targets): a volume may lie on any of them — several volumes
// on one drive group, or members the controller does not name — and its
// overwrite must not run under their erasure or verification.
func controllerGroups(targets []discover.Disk) map[string]string {
	withVolume := map[int]bool{}
	for _, d := range targets {
		if d.Volume != nil && d.Host != nil {
			withVolume[*d.Host] = true
		}
	}
	g := map[string]string{}
	for _, d := range targets {
		host := -1
		switch {
		case d.Volume != nil && d.Host != nil:
			host = *d.Host
		case d.Passthrough != nil:
			host = d.Passthrough.Host
		}
		if withVolume[host] {
			g[d.Name] = fmt.Sprintf("raid host%d", host)
		}
	}
	return g
}

// controllerRecords states every controller as the preparation leaves it:
// which physical drives are targets, which are excluded and why, and which
// volumes are overwritten as volumes.
func controllerRecords(topo raid.Topology, p *worker.Preparation) []report.Controller {
	st := &raid.Status{Reached: map[string]bool{}, Excluded: map[string]string{}, NotReached: map[string]string{},
		Overwritten: map[string]bool{}, Probed: map[string]report.Identity{}}
	for _, t := range p.Targets {
		st.Reached[t.Disk.Name] = true
		if t.Probe != nil {
			st.Probed[t.Disk.Name] = t.Probe.Identity
		}
		if t.Disk.Volume != nil {
			st.Overwritten[t.Disk.Name] = true
		}
	}
	for _, e := range p.Excluded {
		st.Excluded[e.Disk.Name] = e.Reason
		st.Probed[e.Disk.Name] = worker.IdentityFromDisk(e.Disk)
	}
	var out []report.Controller
	for _, c := range topo {
		out = append(out, c.Record(st))
	}
	return out
}

// InUseRule excludes disks that are mounted, hold a mounted partition, are
// swap, are held by device-mapper/md, or back the root filesystem.
func InUseRule(root fs.FS) discover.Rule {
	return func(d discover.Disk) (bool, string) {
		if err := erase.CheckNotInUse(root, d.Name); err != nil {
			var iu *erase.InUseError
			if errors.As(err, &iu) {
				return true, "in use: " + strings.Join(iu.Reasons, "; ")
			}
			return true, err.Error()
		}
		return false, ""
	}
}

// excludedPaths resolves the policy's excluded /dev paths (following
// symlinks such as /dev/disk/by-id) to kernel names. A path that does not
// exist stops the run: the drive it meant cannot be told apart.
func excludedPaths(p *policy.Config, root fs.FS) (discover.Rule, error) {
	names := map[string]string{}
	for _, path := range p.Exclude.Paths {
		real, err := filepath.EvalSymlinks(path)
		if err != nil {
			return nil, fmt.Errorf("%w: exclude.paths names %s, which does not exist on this machine: kesu cannot tell which drive it means, so it erases nothing", ErrPolicy, path)
		}
		name := filepath.Base(real)
		if d, err := discover.DiskOf(root, name); err == nil {
			name = d
		}
		names[name] = path
	}
	return func(d discover.Disk) (bool, string) {
		if p, ok := names[d.Name]; ok {
			return true, "path " + p + " is excluded by the policy"
		}
		return false, ""
	}, nil
}

// RunStart is the run-start record for a run with these options.
func RunStart(o Options) report.RunStart {
	c := o.Policy
	rs := report.RunStart{
		Mode: o.Mode, Tool: report.CurrentTool(o.Version), Host: report.ReadHost(subFS(o.Root, "sys/class/dmi/id")),
		Sanitizer: report.Person{Name: c.Record.Operator, Title: c.Record.OperatorTitle, Organization: c.Record.Organization,
			Location: c.Record.Location, Contact: c.Record.Contact},
		Customer:     c.Record.Customer,
		ConfigSHA256: o.ConfigSHA256,
		Policy:       PolicyRecord(c),
		KeyCustody:   o.KeyCustody,
	}
	if h, err := os.Hostname(); err == nil && o.Mode != "appliance" {
		rs.Host.Hostname = h
	}
	return rs
}

// PolicyRecord is the policy as the record states it.
func PolicyRecord(c *policy.Config) report.Policy {
	p := report.Policy{Name: c.Source, MICCategory: c.Policy.MICCategory, Destination: c.Record.Destination,
		Unsigned: c.Signing.Unsigned, AcceptBelow: c.Policy.BelowLevel == policy.BelowAccept,
		ExtraOverwrite: c.Policy.ExtraOverwrite, DestructionDeadlineDays: c.Policy.DestructionDeadlineDays}
	if c.Policy.MICCategory == 0 {
		p.Level = report.LevelClear
		if c.Level == policy.Purge {
			p.Level = report.LevelPurge
		}
	}
	switch {
	case c.VerifyPercent >= 100:
		p.Verify = report.VerifyPolicy{Mode: report.VerifyFull, Percent: 100}
	case c.VerifyPercent <= 0:
		p.Verify = report.VerifyPolicy{Mode: report.VerifyNone}
	default:
		p.Verify = report.VerifyPolicy{Mode: report.VerifySampled, Percent: c.VerifyPercent}
	}
	return p
}

func subFS(root fs.FS, dir string) fs.FS {
	s, err := fs.Sub(root, dir)
	if err != nil {
		return root
	}
	return s
}

// Execute erases the prepared drives in parallel, then seals the record.
// The seal error, if any, is returned with the results.
func (j *Job) Execute(ctx context.Context) ([]worker.Result, error) {
	res := j.Prep.Execute(ctx)
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recheckTimeout)
	j.recheck(rctx, res)
	cancel()
	j.Topology.Close()
	return res, j.seal(ctx)
}

// recheckTimeout bounds reading the controllers' drive states again, also
// after the run was aborted.
const recheckTimeout = 2 * time.Minute

// recheck reads every controller's drive states again now that the drives
// are done, and records them: a controller that rebuilt a volume onto an
// erased drive after its verification wrote what no read-back saw.
func (j *Job) recheck(ctx context.Context, res []worker.Result) {
	erased := map[string]bool{}
	for _, r := range res {
		if r.Status == report.StatusPass {
			erased[r.Drive] = true
		}
	}
	for _, c := range j.Topology {
		if c.Backend == nil {
			continue
		}
		chk := c.Recheck(ctx, erased)
		j.rewritten = append(j.rewritten, report.RewrittenLines([]report.ControllerCheck{chk})...)
		if err := j.Journal.ControllerCheck(chk); err != nil {
			return // the seal reports the journal's failure
		}
	}
}

// Rewritten lists, after Execute, the erased drives a RAID controller may
// have written after their verification: a run with any is not a
// completed erasure.
func (j *Job) Rewritten() []string { return j.rewritten }

// Unreached lists the drives behind RAID controllers this run does not
// reach although the policy did not exclude them, each with its controller
// and the reason: a run with any is not a completed erasure.
func (j *Job) Unreached() []string { return report.UnreachedLines(j.Prep.Controllers) }

// Cancel records that the run was declined before any erase (the
// technician's answer) and seals it.
func (j *Job) Cancel(reason string) ([]worker.Result, error) {
	return j.end(report.Note{Severity: report.SeverityInfo, Code: "declined", Text: reason})
}

// refuse records that kesu refused the run before any erase (a named drive
// it cannot erase) and seals it: an error in the record, not a decline.
func (j *Job) refuse(reason string) ([]worker.Result, error) {
	return j.end(report.Note{Severity: report.SeverityError, Code: "refused", Text: reason})
}

// end records why the run ends before any erase, marks every drive
// skipped for that reason, and seals the record.
func (j *Job) end(n report.Note) ([]worker.Result, error) {
	j.Journal.Note(n)
	res := j.Prep.Cancel(n.Text)
	j.Topology.Close()
	return res, j.Journal.Seal()
}

func (j *Job) seal(ctx context.Context) error {
	if ctx.Err() != nil {
		j.Journal.Note(report.Note{Severity: report.SeverityWarning, Code: "aborted", Text: "the run was aborted: " + context.Cause(ctx).Error()})
	}
	return j.Journal.Seal()
}
