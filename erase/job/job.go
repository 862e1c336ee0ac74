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

	"github.com/kesu-erase/kesu/erase"
	"github.com/kesu-erase/kesu/erase/discover"
	"github.com/kesu-erase/kesu/erase/policy"
	"github.com/kesu-erase/kesu/erase/worker"
	"github.com/kesu-erase/kesu/report"
)

// Options configure a run.
type Options struct {
	Policy       *policy.Config
	ConfigSHA256 string
	RecordsDir   string
	// Signer signs the record; nil only when the policy says unsigned.
	Signer  *report.Signer
	Mode    string // "cli" or "appliance"
	Version string
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
	Open      func(discover.Disk) (worker.Drive, error)
	Unfreezer worker.Unfreezer
	Events    func(worker.Event)
}

// Job is a started run.
type Job struct {
	Journal *report.Journal
	Prep    *worker.Preparation
	opts    Options
}

// ErrPolicy marks a run the policy itself stops (e.g. an exclusion that
// names a device path that does not exist here).
var ErrPolicy = errors.New("policy")

// Start creates the journal, records the run's facts, discovers and
// selects the drives, and probes and plans them. It erases nothing. On an
// error after the journal was created, the journal holds a note saying why
// and is sealed, and Job is nil.
func Start(ctx context.Context, o Options) (*Job, error) {
	if o.Policy == nil || o.Root == nil || o.Open == nil {
		return nil, errors.New("job: Start needs a policy, a root tree and an opener")
	}
	if o.Signer == nil && !o.Policy.Signing.Unsigned {
		return nil, fmt.Errorf("%w: no signing key, and the policy does not allow an unsigned record; nothing will be erased", report.ErrUnsigned)
	}
	j, err := report.Create(o.RecordsDir, o.Signer, RunStart(o))
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
	disks, err := discover.Scan(o.Root)
	if err != nil {
		return fail(err)
	}
	rules := []discover.Rule{discover.BootStick(o.BootDisks...)}
	pathRule, err := excludedPaths(o.Policy, o.Root)
	if err != nil {
		return fail(err)
	}
	rules = append(rules, pathRule, func(d discover.Disk) (bool, string) {
		return o.Policy.Excluded(d.Serial, []string{d.WWN, d.WWID}, d.Path)
	})
	if o.SkipInUse {
		rules = append(rules, InUseRule(o.Root))
	}
	targets, excluded := discover.Select(disks, rules...)
	prep, err := worker.Prepare(ctx, worker.Config{Policy: o.Policy, Journal: j, Events: o.Events,
		Unfreezer: o.Unfreezer, Open: o.Open}, targets, excluded)
	if err != nil {
		return fail(err)
	}
	return &Job{Journal: j, Prep: prep, opts: o}, nil
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
		ExtraOverwrite: c.Policy.ExtraOverwrite}
	if c.Policy.MICCategory == 0 {
		p.Level = report.LevelClear
		if c.Level == policy.Purge {
			p.Level = report.LevelPurge
		}
	}
	switch {
	case c.VerifyPercent >= 100:
		p.Verify = report.VerifyPolicy{Mode: report.VerifyFull, Percent: 100}
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
	return res, j.seal(ctx)
}

// Cancel records that the run was declined before any erase and seals it.
func (j *Job) Cancel(reason string) ([]worker.Result, error) {
	j.Journal.Note(report.Note{Severity: report.SeverityInfo, Code: "declined", Text: reason})
	res := j.Prep.Cancel(reason)
	return res, j.Journal.Seal()
}

func (j *Job) seal(ctx context.Context) error {
	if ctx.Err() != nil {
		j.Journal.Note(report.Note{Severity: report.SeverityWarning, Code: "aborted", Text: "the run was aborted: " + context.Cause(ctx).Error()})
	}
	return j.Journal.Seal()
}
