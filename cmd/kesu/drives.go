package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/kesu-erase/kesu/configs"
	"github.com/kesu-erase/kesu/erase"
	"github.com/kesu-erase/kesu/erase/discover"
	"github.com/kesu-erase/kesu/erase/job"
	"github.com/kesu-erase/kesu/erase/policy"
	"github.com/kesu-erase/kesu/erase/raid"
	"github.com/kesu-erase/kesu/erase/worker"
	"github.com/kesu-erase/kesu/internal/human"
	"github.com/kesu-erase/kesu/report"
)

func init() {
	register(command{name: "list", summary: "list the machine's drives from sysfs (read-only, sends no command)",
		usage: []string{"list [--json]"}, run: runList})
	register(command{name: "plan", summary: "probe the drives (read-only) and show what kesu would do to each, or to one",
		usage: []string{"plan [--config FILE] [--json] [DEVICE]"}, run: runPlan})
}

// loadPolicy reads --config, or the built-in default policy.
func loadPolicy(path string) (*policy.Config, []byte, error) {
	if path == "" {
		c, err := policy.Parse(configs.DefaultPolicy, "built-in default policy (configs/kesu.toml)")
		return c, configs.DefaultPolicy, err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("reading the policy: %w", err)
	}
	c, err := policy.Parse(data, path)
	return c, data, err
}

type listRow struct {
	discover.Disk
	InUse string `json:"in_use,omitempty"`
}

func runList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("list", flag.ContinueOnError)
	jsonOut := fs.Bool("json", false, "print JSON")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs(fs, pos); err != nil {
		return err
	}
	rows, err := listDrives(os.DirFS("/"))
	if err != nil {
		return err
	}
	return writeList(stdout, rows, *jsonOut)
}

// listDrives reads the drives from sysfs under root and whether each is in
// use.
func listDrives(root fs.FS) ([]listRow, error) {
	disks, err := discover.Scan(root)
	if err != nil {
		return nil, err
	}
	rows := make([]listRow, 0, len(disks))
	for _, d := range disks {
		r := listRow{Disk: d}
		if err := erase.CheckNotInUse(root, d.Name); err != nil {
			var iu *erase.InUseError
			if errors.As(err, &iu) {
				r.InUse = strings.Join(iu.Reasons, "; ")
			} else {
				r.InUse = err.Error()
			}
		}
		rows = append(rows, r)
	}
	return rows, nil
}

// writeList prints the rows as a table or JSON. Rotation is what sysfs
// can tell (discover.Disk.Rotation): a queue/rotational of 1 is the
// kernel's default and shows as unknown, never as a hard disk.
func writeList(w io.Writer, rows []listRow, jsonOut bool) error {
	if jsonOut {
		return writeJSON(w, rows)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DEVICE\tTRANSPORT\tBAY\tMODEL\tSERIAL\tSIZE\tROTATION\tIN USE")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Path, r.Transport, r.Location.Bay, dash(r.Model), dash(r.Serial),
			human.Size(r.Size), dash(r.Rotation), dash(r.InUse))
		for _, p := range r.HWPartitions {
			// An eMMC's hardware partitions: erased with their card.
			fmt.Fprintf(tw, "  %s\teMMC %s\t\t(part of %s)\t\t%s\t\t\n", p.Path, p.Kind, r.Name, human.Size(p.Size))
		}
		if v := r.Volume; v != nil {
			// A RAID logical volume: `kesu plan` looks behind the
			// controller (list sends no command).
			fmt.Fprintf(tw, "  (logical volume %d of %s %s: not a drive; `kesu plan` lists the drives behind it)\t\t\t\t\t\t\t\n",
				v.TargetID, v.Driver, dash(v.RAIDLevel))
		}
	}
	return tw.Flush()
}

func dash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "-"
	}
	return s
}

// planRow is one drive of `kesu plan`.
type planRow struct {
	Drive    string          `json:"drive"`
	Identity report.Identity `json:"identity"`
	Class    report.Class    `json:"class"`
	Health   string          `json:"health"`
	Plan     interface{}     `json:"plan"`
	First    report.Method   `json:"first_method,omitempty"`
	Meets    report.Method   `json:"first_method_meeting_policy,omitempty"`
	Error    string          `json:"error,omitempty"`
}

type planOutput struct {
	Policy      report.Policy       `json:"policy"`
	Drives      []planRow           `json:"drives"`
	Excluded    []discover.Excluded `json:"excluded"`
	Controllers []report.Controller `json:"controllers"`
}

func runPlan(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("plan", flag.ContinueOnError)
	configPath := fs.String("config", "", "the policy `FILE` (default: the built-in configs/kesu.toml)")
	deviceFlag := fs.String("device", "", "plan this one `DEVICE` only (or give it as the argument; default: every drive)")
	jsonOut := fs.Bool("json", false, "print JSON")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	device, err := deviceArg(fs, *deviceFlag, pos)
	if err != nil {
		return err
	}
	pol, _, err := loadPolicy(*configPath)
	if err != nil {
		return err
	}
	root := os.DirFS("/")
	only := ""
	if device != "" {
		if only, err = wholeDisk(root, device); err != nil {
			return err
		}
	}
	sel, err := job.Discover(ctx, job.Options{Policy: pol, Root: root, SkipInUse: true, Open: openDrive,
		Controllers: raid.OpenLinux})
	if err != nil {
		return err
	}
	defer sel.Topology.Close()
	cfg := worker.Config{Policy: pol, Open: sel.Open, Controllers: sel.Controllers, Cascade: sel.Cascade}
	targets, excluded := sel.Targets, sel.Excluded
	if only != "" {
		// One drive: the same discovery, exclusions and probe as a run
		// over every drive, narrowed to it.
		targets, excluded = nil, nil
		for _, d := range sel.Targets {
			if d.Name == only {
				targets = append(targets, d)
			}
		}
		for _, e := range sel.Excluded {
			if e.Disk.Name == only {
				excluded = append(excluded, e)
			}
		}
		if len(targets)+len(excluded) == 0 {
			// Not a drive a run over every drive picks (a loop device):
			// named on its own, it is planned as kesu erase DEVICE
			// --method would take it, under the same exclusions.
			disk, err := discover.Lookup(root, only)
			if err != nil {
				return fmt.Errorf("%w: %s: %v", errRefused, device, err)
			}
			if ex, why := job.InUseRule(root)(disk); ex {
				excluded = append(excluded, discover.Excluded{Disk: disk, Reason: why})
			} else if ex, why := pol.Excluded(disk.Serial, []string{disk.WWN, disk.WWID}, disk.Path); ex {
				excluded = append(excluded, discover.Excluded{Disk: disk, Reason: why})
			} else {
				targets = append(targets, disk)
			}
		}
		cfg.Controllers = nil
	}
	prep, err := worker.Prepare(ctx, cfg, targets, excluded)
	if err != nil {
		return err
	}
	defer prep.Close()
	out := planOutput{Policy: job.PolicyRecord(pol), Excluded: prep.Excluded, Controllers: prep.Controllers}
	for _, t := range prep.Targets {
		row := planRow{Drive: t.Disk.Path, Identity: worker.IdentityFromDisk(t.Disk), Class: worker.ClassFromDisk(t.Disk), Plan: t.Plan}
		if t.Err != nil {
			row.Error = t.Err.Error()
		}
		if t.Probe != nil {
			row.Identity, row.Class = t.Probe.Identity, t.Probe.Class
			row.Health = "UNKNOWN"
			if t.Probe.SMART != nil {
				row.Health = string(t.Probe.SMART.Verdict)
			}
		}
		if s, ok := t.Plan.Best(); ok {
			row.First = s.Method
		}
		if s, ok := t.Plan.FirstMeeting(out.Policy.Level, out.Policy.MICCategory, t.Probe != nil && t.Probe.Hidden.Checked); ok {
			row.Meets = s.Method
		}
		out.Drives = append(out.Drives, row)
	}
	if *jsonOut {
		return writeJSON(stdout, out)
	}
	fmt.Fprintf(stdout, "policy: %s\n\n", describePolicy(out.Policy))
	for _, t := range prep.Targets {
		r := out.Drives[0]
		for _, x := range out.Drives {
			if x.Drive == t.Disk.Path {
				r = x
			}
		}
		fmt.Fprintf(stdout, "%s  %s %s  serial %s  %s  %s bay %s  class %s  health %s\n", r.Drive, dash(r.Identity.Vendor), dash(r.Identity.Model),
			dash(r.Identity.Serial), human.Size(int64(r.Identity.CapacityBytes)), dash(r.Identity.Transport), dash(r.Identity.Bay), r.Class, dash(r.Health))
		if r.Error != "" {
			fmt.Fprintf(stdout, "  cannot be erased: %s\n\n", r.Error)
			continue
		}
		for i, s := range t.Plan.Steps {
			mark := "skip"
			if s.Chosen {
				mark = "try "
			}
			fmt.Fprintf(stdout, "  %d. %s %-34s %-6s %s\n", i+1, mark, s.Method, human.Level(s.Rating), s.Reason)
		}
		if t.Plan.Note != "" {
			fmt.Fprintf(stdout, "  note: %s\n", t.Plan.Note)
		}
		if r.Meets == "" {
			fmt.Fprintf(stdout, "  → no method in this plan meets the policy\n")
		}
		fmt.Fprintln(stdout)
	}
	for _, e := range prep.Excluded {
		fmt.Fprintf(stdout, "%s  excluded: %s\n", e.Disk.Path, e.Reason)
	}
	for _, c := range prep.Controllers {
		fmt.Fprintf(stdout, "\nbehind RAID controller %s:\n", c.Name())
		if u := c.Unreached(); len(u) > 0 {
			fmt.Fprintf(stdout, "  WARNING: %d drive(s) will NOT be reached; the run cannot be all-PASS\n", len(u))
		}
		for _, l := range c.PlanLines() {
			fmt.Fprintf(stdout, "  %s\n", l)
		}
	}
	return nil
}

// wholeDisk returns the kernel name (sdb, nvme0n1, loop3) of the whole-disk
// block device at path (following symlinks such as /dev/disk/by-id). A
// partition, a file or anything that is no block device is refused.
func wholeDisk(root fs.FS, path string) (string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	if st.Mode()&os.ModeDevice == 0 || st.Mode()&os.ModeCharDevice != 0 {
		return "", fmt.Errorf("%w: %s is a %s, not a block device: this needs a drive (a file is overwritten by kesu erase FILE; see --dry-run)",
			errRefused, path, erase.KindOf(st.Mode()))
	}
	name, err := kernelBlockName(st)
	if err != nil {
		return "", fmt.Errorf("%w: %s: cannot find it in sysfs: %v", errRefused, path, err)
	}
	disk, err := discover.DiskOf(root, name)
	if err != nil {
		return "", fmt.Errorf("%w: %s is not a block device kesu can find in sysfs: %v", errRefused, path, err)
	}
	if disk != name {
		return "", fmt.Errorf("%w: %s (%s) is a partition of %s; kesu works on whole drives", errRefused, path, name, disk)
	}
	return name, nil
}

func describePolicy(p report.Policy) string {
	var s []string
	if l := human.PolicyLevel(p); l != "" {
		s = append(s, l)
	}
	v := string(p.Verify.Mode)
	if p.Verify.Mode == report.VerifySampled {
		v = fmt.Sprintf("sampled %g%%", p.Verify.Percent)
	}
	s = append(s, "verify "+v)
	if p.AcceptBelow {
		s = append(s, "accepts the best level below")
	}
	return strings.Join(s, ", ")
}
