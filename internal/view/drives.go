package view

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"text/tabwriter"

	"github.com/kesu-erase/kesu/erase"
	"github.com/kesu-erase/kesu/erase/discover"
	"github.com/kesu-erase/kesu/erase/plan"
	"github.com/kesu-erase/kesu/erase/worker"
	"github.com/kesu-erase/kesu/internal/human"
	"github.com/kesu-erase/kesu/report"
)

// ListRow is one drive of kesu list: what sysfs knows, and whether the
// drive is in use.
type ListRow struct {
	discover.Disk
	InUse string `json:"in_use,omitempty"`
}

// List reads the drives from sysfs under root and whether each is in use.
func List(root fs.FS) ([]ListRow, error) {
	disks, err := discover.Scan(root)
	if err != nil {
		return nil, err
	}
	rows := make([]ListRow, 0, len(disks))
	for _, d := range disks {
		r := ListRow{Disk: d}
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

// WriteList prints the rows as a table or JSON. Rotation is what sysfs
// can tell (discover.Disk.Rotation): a queue/rotational of 1 is the
// kernel's default and shows as unknown, never as a hard disk.
func WriteList(w io.Writer, rows []ListRow, jsonOut bool) error {
	if jsonOut {
		return JSON(w, rows)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DEVICE\tTRANSPORT\tBAY\tMODEL\tSERIAL\tSIZE\tROTATION\tIN USE")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Path, r.Transport, r.Location.Bay, human.Dash(r.Model), human.Dash(r.Serial),
			human.Size(r.Size), human.Dash(r.Rotation), human.Dash(r.InUse))
		for _, p := range r.HWPartitions {
			// An eMMC's hardware partitions: erased with their card.
			fmt.Fprintf(tw, "  %s\teMMC %s\t\t(part of %s)\t\t%s\t\t\n", p.Path, p.Kind, r.Name, human.Size(p.Size))
		}
		if v := r.Volume; v != nil {
			// A RAID logical volume: `kesu plan` looks behind the
			// controller (list sends no command).
			fmt.Fprintf(tw, "  (logical volume %d of %s %s: not a drive; `kesu plan` lists the drives behind it)\t\t\t\t\t\t\t\n",
				v.TargetID, v.Driver, human.Dash(v.RAIDLevel))
		}
	}
	return tw.Flush()
}

// PlanRow is one drive of kesu plan.
type PlanRow struct {
	Drive    string          `json:"drive"`
	Identity report.Identity `json:"identity"`
	Class    report.Class    `json:"class"`
	Health   string          `json:"health"`
	Plan     plan.Plan       `json:"plan"`
	First    report.Method   `json:"first_method,omitempty"`
	Meets    report.Method   `json:"first_method_meeting_policy,omitempty"`
	// Security is the drive's TCG state as the probe found it.
	Security *report.Security `json:"security,omitempty"`
	Error    string           `json:"error,omitempty"`
}

// Plan is kesu plan: the policy, what would be done to each drive, the
// drives left alone and the RAID controllers looked behind.
type Plan struct {
	Policy      report.Policy       `json:"policy"`
	Drives      []PlanRow           `json:"drives"`
	Excluded    []discover.Excluded `json:"excluded"`
	Controllers []report.Controller `json:"controllers"`
}

// NewPlan is the view of a prepared (probed and planned) set of drives
// under policy p.
func NewPlan(p report.Policy, prep *worker.Preparation) Plan {
	out := Plan{Policy: p, Excluded: prep.Excluded, Controllers: prep.Controllers}
	for _, t := range prep.Targets {
		row := PlanRow{Drive: t.Disk.Path, Identity: worker.IdentityFromDisk(t.Disk), Class: worker.ClassFromDisk(t.Disk), Plan: t.Plan}
		if t.Err != nil {
			row.Error = t.Err.Error()
		}
		if t.Probe != nil {
			row.Identity, row.Class = t.Probe.Identity, t.Probe.Class
			row.Security = t.Probe.Security
			row.Health = "UNKNOWN"
			if t.Probe.SMART != nil {
				row.Health = string(t.Probe.SMART.Verdict)
			}
		}
		if s, ok := t.Plan.Best(); ok {
			row.First = s.Method
		}
		if s, ok := t.Plan.FirstMeeting(p.Level, p.MICCategory, t.Probe != nil && t.Probe.Hidden.Checked); ok {
			row.Meets = s.Method
		}
		out.Drives = append(out.Drives, row)
	}
	return out
}

// WriteText writes the plan: the policy, each drive with its steps, the
// excluded drives and what is behind each RAID controller.
func (p *Plan) WriteText(w io.Writer) {
	fmt.Fprintf(w, "policy: %s\n\n", PolicyWords(p.Policy))
	for _, r := range p.Drives {
		fmt.Fprintf(w, "%s  %s %s  serial %s  %s  %s bay %s  class %s  health %s\n", r.Drive, human.Dash(r.Identity.Vendor), human.Dash(r.Identity.Model),
			human.Dash(r.Identity.Serial), human.Size(int64(r.Identity.CapacityBytes)), human.Dash(r.Identity.Transport), human.Dash(r.Identity.Bay),
			r.Class, human.Dash(r.Health))
		if r.Error != "" {
			fmt.Fprintf(w, "  cannot be erased: %s\n\n", r.Error)
			continue
		}
		if line := securityLine(r.Security); line != "" {
			fmt.Fprintf(w, "  security: %s\n", line)
		}
		if r.Plan.Blocked != "" {
			fmt.Fprintf(w, "  BLOCKED, nothing will be written: %s\n", r.Plan.Blocked)
		}
		for i, s := range r.Plan.Steps {
			mark := "skip"
			if s.Chosen {
				mark = "try "
			}
			fmt.Fprintf(w, "  %d. %s %-34s %-6s %s\n", i+1, mark, s.Method, human.Level(s.Rating), s.Reason)
		}
		if r.Plan.Note != "" {
			fmt.Fprintf(w, "  note: %s\n", r.Plan.Note)
		}
		if r.Meets == "" {
			fmt.Fprintf(w, "  → no method in this plan meets the policy\n")
		}
		fmt.Fprintln(w)
	}
	for _, e := range p.Excluded {
		fmt.Fprintf(w, "%s  excluded: %s\n", e.Disk.Path, e.Reason)
	}
	for _, c := range p.Controllers {
		fmt.Fprintf(w, "\nbehind RAID controller %s:\n", c.Name())
		if u := c.Unreached(); len(u) > 0 {
			fmt.Fprintf(w, "  WARNING: %d drive(s) will NOT be reached; the run cannot be all-PASS\n", len(u))
		}
		for _, l := range c.PlanLines() {
			fmt.Fprintf(w, "  %s\n", l)
		}
	}
}

// PolicyWords says what a policy asks for: the level, the verification,
// and whether it accepts the best level below.
func PolicyWords(p report.Policy) string {
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

// securityLine is a drive's TCG state in one line: the SSC, the owner, the
// locking state; "" for a drive without a TCG subsystem.
func securityLine(s *report.Security) string {
	if s == nil {
		return ""
	}
	var parts []string
	if s.SSC != "" {
		parts = append(parts, "TCG "+s.SSC)
	} else if len(s.Protocols) > 0 {
		parts = append(parts, "security protocols "+strings.Join(s.Protocols, " ")+", no TCG SSC")
	}
	if s.Owner != "" {
		o := "owner " + s.Owner
		if s.OwnerNote != "" {
			o += " (" + s.OwnerNote + ")"
		}
		parts = append(parts, o)
	}
	if l := s.Locking; l != nil {
		parts = append(parts, fmt.Sprintf("locking enabled %s, locked %s, media encryption %s, MBR shadow %s",
			human.YesNo(l.Enabled), human.YesNo(l.Locked), human.YesNo(l.MediaEncryption), human.YesNo(l.MBREnabled && !l.MBRDone)))
	}
	if s.Error != "" {
		parts = append(parts, s.Error)
	}
	return strings.Join(parts, "; ")
}
