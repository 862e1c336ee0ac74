// Package raid finds the drives behind RAID controllers: for every SCSI
// host whose driver kesu has a pass-through for (MegaRAID's MFI, Smart
// Array's CISS), the physical drives the controller lists — online members,
// hot spares, unconfigured and JBOD drives — with their bays and states,
// and the logical volumes with their members. The physical drives become
// drives of their own (discover.Disk with Passthrough set) that kesu erases
// through the controller; the volumes are recorded as volumes and never
// rated as drives. What a controller does not let kesu reach is said, drive
// by drive, before anything runs (report.Controller).
package raid

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/kesu-erase/kesu/erase/discover"
	"github.com/kesu-erase/kesu/report"
	"github.com/kesu-erase/kesu/scsi"
)

// Info is what a controller says of itself.
type Info struct {
	Model, Serial, Firmware string
	// Mode is RAID, JBOD, HBA or mixed where the controller tells.
	Mode string
}

// PhysicalDrive is one drive a controller lists.
type PhysicalDrive struct {
	// Address is the drive's address on the controller: "device 8" (MFI
	// device id), "LUN 0000004000000000" (CISS).
	Address string
	Bay     string // "252:3" (MegaRAID EID:Slt), "1I:1:3" (Smart Array port:box:bay)
	State   string // in plain words: "online (RAID member)", "hot spare", ...
	Model   string
	Serial  string
	WWN     string // "naa.…" where the controller holds the drive's VPD page 83h
	// SizeBytes is the raw size as the controller reports it (0: unknown).
	SizeBytes uint64
	// Problem says what the controller could not tell about the drive.
	Problem string
	// Role is what the drive does for the controller, where it says:
	// RoleMember (in a volume), RoleSpare (hot spare), RoleWriting
	// (being rebuilt or copied back: the controller writes to it now).
	Role string
	// Exposed is the kernel name of the drive's own block device when the
	// controller exposes it to the host directly (a JBOD / HBA-mode
	// drive): it is erased as that disk, not a second time through the
	// pass-through.
	Exposed string
	// Unreachable says why the drive is neither reached through the
	// pass-through nor as a disk of the host's: exposed to the host, but
	// no disk of the host could be matched to it (kesu will not risk
	// erasing one drive twice at once).
	Unreachable string
	hidden      bool // CISS: the controller hides the drive from the host
}

// Volume is one logical volume as the controller describes it.
type Volume struct {
	TargetID  int
	RAIDLevel string
	State     string
	SizeBytes uint64
	// Members are the Address of each member drive; MembersKnown is false
	// when the controller could not say.
	Members      []string
	MembersKnown bool
}

// Backend is a controller's management interface: MFI for megaraid_sas,
// CISS for hpsa and smartpqi.
type Backend interface {
	// Interface names the pass-through in the record's words.
	Interface() string
	Info(ctx context.Context) (Info, error)
	Drives(ctx context.Context) ([]PhysicalDrive, error)
	Volumes(ctx context.Context) ([]Volume, error)
	// Reach returns a SCSI transport to the drive at address — every
	// command goes through the controller's pass-through — and the largest
	// data transfer one command carries.
	Reach(address string) (scsi.Transport, int, error)
	Close() error
}

// nodeCloser closes a backend's ioctl node; the zero value has none.
type nodeCloser struct {
	Closer interface{ Close() error }
}

// Close implements Backend.
func (n nodeCloser) Close() error {
	if n.Closer == nil {
		return nil
	}
	return n.Closer.Close()
}

// ErrNoPassthrough is returned by an Opener for a driver kesu has no
// pass-through for.
var ErrNoPassthrough = errors.New("kesu has no pass-through for this controller's driver")

// exposer is implemented by backends that can tell which of the host's
// disks is a listed drive exposed directly (JBOD / HBA mode).
type exposer interface {
	// exposedAs returns whether the controller exposes the drive to the
	// host and, if so, the kernel name of that disk ("" when it cannot be
	// matched).
	exposedAs(host int, pd PhysicalDrive, disks []discover.Disk) (name string, exposed bool)
}

// PhysicalDrive.Role values.
const (
	RoleMember  = "member"
	RoleSpare   = "spare"
	RoleWriting = "writing"
)

// Opener opens the management interface of host h; disks are the
// machine's disks (a CISS controller is reached through one of its
// host's device nodes).
type Opener func(h discover.Host, disks []discover.Disk) (Backend, error)

// Controller is one RAID controller (or an HBA carrying RAID volumes) with
// what it lists.
type Controller struct {
	Host    discover.Host
	Info    Info
	Backend Backend // nil when the drives could not be listed
	Drives  []PhysicalDrive
	Volumes []VolumeView
	// ListError says why the controller's drives could not be listed.
	ListError string
	// Problems are other things the controller would not tell.
	Problems []string
}

// VolumeView is a volume with its block device, if the kernel has one.
type VolumeView struct {
	Volume
	Disk *discover.Disk
}

// Name is the volume's name for a technician: its block device, else
// "LD n".
func (v VolumeView) Name() string {
	if v.Disk != nil {
		return v.Disk.Name
	}
	return fmt.Sprintf("LD %d", v.TargetID)
}

// IsController reports whether host h is one kesu looks behind: a RAID
// controller, or an HBA that carries a logical volume among disks.
func IsController(h discover.Host, disks []discover.Disk) bool {
	if h.Kind == discover.KindRAID {
		return true
	}
	for _, d := range disks {
		if d.Volume != nil && hostOf(d) == h.Number {
			return true
		}
	}
	return false
}

// Scan looks behind every controller among hosts: it opens its backend,
// reads what the controller says of itself, its drives and its volumes,
// and matches volumes to the disks the kernel shows for them. A controller
// it cannot open or list is kept with the reason, so that its volumes are
// reported as volumes whose members were not reached.
func Scan(ctx context.Context, hosts []discover.Host, disks []discover.Disk, open Opener) []*Controller {
	var out []*Controller
	defer func() { distinctBays(out) }()
	for _, h := range hosts {
		if !IsController(h, disks) {
			continue
		}
		c := &Controller{Host: h, Info: Info{Model: h.Model, Firmware: h.Firmware, Mode: h.Mode}}
		out = append(out, c)
		var kernelVolumes []discover.Disk
		for _, d := range disks {
			if d.Volume != nil && hostOf(d) == h.Number {
				kernelVolumes = append(kernelVolumes, d)
			}
		}
		b, err := open(h, disks)
		if err != nil {
			c.ListError = err.Error()
			for i := range kernelVolumes {
				d := kernelVolumes[i]
				c.Volumes = append(c.Volumes, VolumeView{Volume: Volume{TargetID: d.Volume.TargetID, RAIDLevel: d.Volume.RAIDLevel,
					SizeBytes: uint64(d.Size)}, Disk: &d})
			}
			continue
		}
		c.Backend = b
		if info, err := b.Info(ctx); err != nil {
			c.Problems = append(c.Problems, "controller information: "+err.Error())
		} else {
			c.Info = merge(info, c.Info)
		}
		drives, err := b.Drives(ctx)
		if err != nil {
			c.ListError = "listing the physical drives: " + err.Error()
		}
		if ex, ok := b.(exposer); ok {
			for i := range drives {
				name, exposed := ex.exposedAs(h.Number, drives[i], disks)
				switch {
				case name != "":
					drives[i].Exposed = name
				case exposed:
					drives[i].Unreachable = "the controller exposes it to the host, but no disk of this host has its serial: kesu does not erase it through the controller (it might be erasing one drive twice at once); erase the host's disks, or switch the controller to RAID mode and run again"
				}
			}
		}
		c.Drives = drives
		vols, err := b.Volumes(ctx)
		if err != nil {
			c.Problems = append(c.Problems, "listing the logical volumes: "+err.Error())
		}
		matched := map[string]bool{}
		for _, v := range vols {
			vv := VolumeView{Volume: v}
			for i := range kernelVolumes {
				if kernelVolumes[i].Volume.TargetID == v.TargetID {
					d := kernelVolumes[i]
					vv.Disk = &d
					matched[d.Name] = true
				}
			}
			c.Volumes = append(c.Volumes, vv)
		}
		for i := range kernelVolumes {
			if d := kernelVolumes[i]; !matched[d.Name] {
				// The kernel shows a volume the controller's list lacks:
				// its members are unknown.
				c.Volumes = append(c.Volumes, VolumeView{Volume: Volume{TargetID: d.Volume.TargetID, RAIDLevel: d.Volume.RAIDLevel,
					SizeBytes: uint64(d.Size)}, Disk: &d})
			}
		}
	}
	return out
}

// distinctBays prefixes a bay two controllers both report (each has its
// "252:3") with the controller's host: every drive's bay stays unique.
func distinctBays(cs []*Controller) {
	owners := map[string]map[int]bool{}
	for _, c := range cs {
		for _, pd := range c.Drives {
			if owners[pd.Bay] == nil {
				owners[pd.Bay] = map[int]bool{}
			}
			owners[pd.Bay][c.Host.Number] = true
		}
	}
	for _, c := range cs {
		for i, pd := range c.Drives {
			if pd.Bay != "" && len(owners[pd.Bay]) > 1 {
				c.Drives[i].Bay = fmt.Sprintf("host%d %s", c.Host.Number, pd.Bay)
			}
		}
	}
}

func merge(a, b Info) Info {
	if a.Model == "" {
		a.Model = b.Model
	}
	if a.Firmware == "" {
		a.Firmware = b.Firmware
	}
	if a.Mode == "" {
		a.Mode = b.Mode
	}
	return a
}

// hostOf is the SCSI host number of a disk, from its H:C:T:L; -1 when it
// has none.
func hostOf(d discover.Disk) int {
	if d.Passthrough != nil {
		return d.Passthrough.Host
	}
	if d.Host != nil {
		return *d.Host
	}
	h, _, ok := strings.Cut(d.Location.SCSIAddress, ":")
	if !ok {
		return -1
	}
	n, err := strconv.Atoi(h)
	if err != nil {
		return -1
	}
	return n
}

// Disks returns the controller's physical drives as disks kesu erases
// through the pass-through; drives the controller exposes to the host as
// disks of their own are not among them (they are erased as those disks).
func (c *Controller) Disks() []discover.Disk {
	var out []discover.Disk
	for _, d := range c.all() {
		if !exposed(c, d) {
			out = append(out, d)
		}
	}
	return out
}

func exposed(c *Controller, d discover.Disk) bool {
	for _, pd := range c.Drives {
		if pd.Address == d.Passthrough.Address {
			return pd.Exposed != "" || pd.Unreachable != ""
		}
	}
	return false
}

// all is every listed drive as a pass-through disk.
func (c *Controller) all() []discover.Disk {
	var out []discover.Disk
	for _, pd := range c.Drives {
		var vols []string
		for _, v := range c.Volumes {
			for _, m := range v.Members {
				if m == pd.Address {
					vols = append(vols, v.Name())
				}
			}
		}
		d := discover.Disk{
			Name:      fmt.Sprintf("host%d-%s", c.Host.Number, slug(pd.Address)),
			Path:      fmt.Sprintf("%s host%d %s", c.Host.Driver, c.Host.Number, pd.Address),
			Transport: discover.RAID, Model: pd.Model, Serial: pd.Serial, WWN: pd.WWN, Size: int64(pd.SizeBytes),
			Rotation: discover.RotationUnknown, LogicalBlockSize: 512, PhysicalBlockSize: 512,
			Location: discover.Location{Bay: pd.Bay, PCIAddress: c.Host.PCIAddress},
			Passthrough: &discover.Passthrough{Host: c.Host.Number, Driver: c.Host.Driver, Address: pd.Address,
				State: pd.State, Volumes: vols},
		}
		if d.Location.Bay == "" {
			d.Location.Bay = d.Path
		}
		out = append(out, d)
	}
	return out
}

func slug(addr string) string {
	s := strings.NewReplacer("device ", "dev", "LUN ", "lun", " ", "-").Replace(addr)
	return strings.ToLower(s)
}

// Name names the controller for a technician.
func (c *Controller) Name() string {
	return c.Record(nil).Name()
}

// Record is the controller as the record states it. Each listed drive is
// marked reached when it is among targets (by name), excluded (with the
// reason) when among excluded, and otherwise not reached with the reason
// from notReached (or a generic one); overwritten names the volumes the
// run overwrites as volumes.
func (c *Controller) Record(st *Status) report.Controller {
	if st == nil {
		st = &Status{}
	}
	r := report.Controller{Host: c.Host.Number, Driver: c.Host.Driver, PCIAddress: c.Host.PCIAddress,
		Model: c.Info.Model, Serial: c.Info.Serial, Firmware: c.Info.Firmware, Mode: c.Info.Mode,
		Listed: c.Backend != nil && c.ListError == "", ListError: c.ListError,
		Drives: []report.ControllerDrive{}, Volumes: []report.Volume{}}
	if c.Backend != nil {
		r.Passthrough = c.Backend.Interface()
	}
	for i, d := range c.all() {
		pd := d.Passthrough
		cd := report.ControllerDrive{Address: pd.Address, Bay: d.Location.Bay, State: pd.State, Model: d.Model, Serial: d.Serial, WWN: d.WWN}
		probedAs := d.Name
		if ex := c.Drives[i].Exposed; ex != "" {
			probedAs = ex
		}
		if id, ok := st.Probed[probedAs]; ok {
			cd.Serial, cd.WWN = firstOf(id.Serial, cd.Serial), firstOf(id.WWN, cd.WWN)
			cd.Model = firstOf(strings.TrimSpace(id.Vendor+" "+id.Model), cd.Model)
		}
		if why := c.Drives[i].Unreachable; why != "" {
			cd.Reason = why
			r.Drives = append(r.Drives, cd)
			continue
		}
		if ex := c.Drives[i].Exposed; ex != "" {
			// Erased (or excluded) as the host's own disk.
			switch {
			case st.Reached[ex]:
				cd.Reached, cd.Reason = true, "exposed to the host as /dev/"+ex+": erased as that disk"
			case st.Excluded[ex] != "":
				cd.Excluded, cd.Reason = true, "exposed to the host as /dev/"+ex+", which is excluded: "+st.Excluded[ex]
			default:
				cd.Reason = "exposed to the host as /dev/" + ex + ", which is not among this run's drives"
			}
			r.Drives = append(r.Drives, cd)
			continue
		}
		switch {
		case st.Reached[d.Name]:
			cd.Reached = true
		case st.Excluded[d.Name] != "":
			cd.Excluded, cd.Reason = true, st.Excluded[d.Name]
		case st.NotReached[d.Name] != "":
			cd.Reason = st.NotReached[d.Name]
		default:
			cd.Reason = "not among this run's drives"
		}
		r.Drives = append(r.Drives, cd)
	}
	for _, v := range c.Volumes {
		rv := report.Volume{TargetID: v.TargetID, RAIDLevel: v.RAIDLevel, SizeBytes: v.SizeBytes, State: v.State,
			Members: v.Members, MembersKnown: v.MembersKnown}
		if v.Disk != nil {
			rv.Name = v.Disk.Name
			rv.Overwritten = st.Overwritten[v.Disk.Name]
		}
		r.Volumes = append(r.Volumes, rv)
	}
	sort.SliceStable(r.Volumes, func(i, j int) bool { return r.Volumes[i].TargetID < r.Volumes[j].TargetID })
	return r
}

// Status says what became of a controller's drives and volumes in a run,
// by disk name (pass-through disks and the host's own disks alike).
type Status struct {
	// Probed is what probing read from each drive (its own serial, WWN
	// and model, which an MFI PD list does not give).
	Probed      map[string]report.Identity
	Reached     map[string]bool
	Excluded    map[string]string
	NotReached  map[string]string
	Overwritten map[string]bool
}

func firstOf(a, b string) string {
	if strings.TrimSpace(a) != "" {
		return a
	}
	return b
}

// Recheck reads the controller's drive states again once the erasure is
// done and names each erased drive (erased: by disk name, the pass-through
// disks and the host's own, for drives that passed) that the controller may
// have written since its verification: one it is rebuilding or copying back
// now, or one it has taken into a volume (a hot spare, an unconfigured
// drive used as an emergency spare, the target of a finished copyback). If
// the states cannot be read again while it has erased drives, every one of
// them is named.
func (c *Controller) Recheck(ctx context.Context, erased map[string]bool) report.ControllerCheck {
	out := report.ControllerCheck{Host: c.Host.Number, Driver: c.Host.Driver}
	if c.Backend == nil || c.ListError != "" {
		return out
	}
	was := map[string]PhysicalDrive{}
	path := map[string]string{} // address -> the erased disk's path
	for i, d := range c.all() {
		pd := c.Drives[i]
		was[pd.Address] = pd
		switch {
		case pd.Exposed != "" && erased[pd.Exposed]:
			path[pd.Address] = "/dev/" + pd.Exposed
		case pd.Exposed == "" && erased[d.Name]:
			path[pd.Address] = d.Path
		}
	}
	if len(path) == 0 {
		return out
	}
	now, err := c.Backend.Drives(ctx)
	if err != nil {
		out.Error = err.Error()
		out.Rewritten = append(out.Rewritten, report.RewrittenDrive{Why: fmt.Sprintf("the drive states could not be read again after the erasure (%v): kesu cannot rule out that the controller rebuilt a volume onto an erased drive", err)})
		return out
	}
	for _, pd := range now {
		out.Drives = append(out.Drives, report.DriveState{Address: pd.Address, Bay: pd.Bay, State: pd.State})
		p, ok := path[pd.Address]
		if !ok {
			continue
		}
		before := was[pd.Address]
		rw := report.RewrittenDrive{Path: p, Address: pd.Address, Bay: pd.Bay}
		switch {
		case pd.Role == RoleWriting:
			rw.Why = fmt.Sprintf("%s after its erase: the controller writes volume data to it", pd.State)
		case pd.Role == RoleMember && before.Role != RoleMember:
			rw.Why = fmt.Sprintf("%s when the run began, %s now: the controller has taken it into a volume", orDash(before.State), pd.State)
		default:
			continue
		}
		out.Rewritten = append(out.Rewritten, rw)
	}
	return out
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// Close closes the controller's backend.
func (c *Controller) Close() error {
	if c.Backend == nil {
		return nil
	}
	return c.Backend.Close()
}

// Topology is every controller found, for reaching their drives.
type Topology []*Controller

// Reach returns the transport to a pass-through disk and the largest
// transfer of one command.
func (t Topology) Reach(d discover.Disk) (scsi.Transport, int, error) {
	if d.Passthrough == nil {
		return nil, 0, fmt.Errorf("%s is not behind a RAID controller", d.Path)
	}
	for _, c := range t {
		if c.Host.Number == d.Passthrough.Host && c.Backend != nil {
			return c.Backend.Reach(d.Passthrough.Address)
		}
	}
	return nil, 0, fmt.Errorf("%s: %w", d.Path, ErrNoPassthrough)
}

// Disks returns the physical drives of every controller.
func (t Topology) Disks() []discover.Disk {
	var out []discover.Disk
	for _, c := range t {
		out = append(out, c.Disks()...)
	}
	return out
}

// Cascade returns the rule that carries exclusions across a controller's
// volumes and drives, given what is excluded so far:
//   - a physical drive that is — or, when the controller does not say
//     which drives a volume lies on, may be — a member of an excluded
//     volume (the boot stick, a path the policy names, a volume in use) is
//     excluded: erasing it would destroy the volume that was to be kept;
//   - a volume (to be overwritten as a volume) that lies — or may lie — on
//     an excluded drive is excluded: writing it would write that drive.
//
// Apply it until nothing more is excluded (Settle).
func (t Topology) Cascade(excluded []discover.Excluded) discover.Rule {
	type why struct{ name, reason string }
	volumes := map[int][]why{} // host -> excluded volumes
	drives := map[int][]why{}  // host -> excluded pass-through drives
	for _, e := range excluded {
		switch {
		case e.Disk.Volume != nil && strings.HasPrefix(e.Reason, notWritten):
			// Not overwritten because a drive under it is excluded: the
			// volume is kept from being written, not kept for its data;
			// its other members are erased all the same.
		case e.Disk.Volume != nil:
			volumes[hostOf(e.Disk)] = append(volumes[hostOf(e.Disk)], why{e.Disk.Name, e.Reason})
		case e.Disk.Passthrough != nil:
			drives[e.Disk.Passthrough.Host] = append(drives[e.Disk.Passthrough.Host], why{e.Disk.Name, e.Reason})
		}
	}
	return func(d discover.Disk) (bool, string) {
		c := t.controller(hostOf(d))
		if c == nil {
			return false, ""
		}
		switch {
		case d.Passthrough != nil:
			for _, v := range volumes[c.Host.Number] {
				known, member := c.member(v.name, d.Passthrough.Address)
				switch {
				case member:
					return true, fmt.Sprintf("member of logical volume %s, which is excluded (%s)", v.name, v.reason)
				case !known:
					return true, fmt.Sprintf("may be a member of logical volume %s, which is excluded (%s), and the controller does not say which drives it lies on", v.name, v.reason)
				}
			}
		case d.Volume != nil:
			for _, x := range drives[c.Host.Number] {
				addr := x.name
				for _, pd := range c.all() {
					if pd.Name == x.name {
						addr = pd.Passthrough.Address
					}
				}
				known, member := c.member(d.Name, addr)
				switch {
				case member:
					return true, fmt.Sprintf("%slies on %s, which is excluded (%s)", notWritten, x.name, x.reason)
				case !known:
					return true, fmt.Sprintf("%smay lie on %s, which is excluded (%s): the controller does not say which drives it lies on", notWritten, x.name, x.reason)
				}
			}
		}
		return false, ""
	}
}

// notWritten starts the reason Cascade gives a volume it keeps from being
// overwritten; such a volume takes no member with it.
const notWritten = "not overwritten as a volume: it "

// Settle applies Cascade to targets until no more are excluded and
// returns what is left and everything excluded.
func (t Topology) Settle(targets []discover.Disk, excluded []discover.Excluded) ([]discover.Disk, []discover.Excluded) {
	for {
		kept, more := discover.Select(targets, t.Cascade(excluded))
		if len(more) == 0 {
			return kept, excluded
		}
		targets, excluded = kept, append(excluded, more...)
	}
}

func (t Topology) controller(host int) *Controller {
	for _, c := range t {
		if c.Host.Number == host {
			return c
		}
	}
	return nil
}

// member says whether the controller knows the drives volume (a kernel
// name) lies on, and whether the drive at address is one of them.
func (c *Controller) member(volume, address string) (known, member bool) {
	for _, v := range c.Volumes {
		if v.Disk == nil || v.Disk.Name != volume {
			continue
		}
		if !v.MembersKnown {
			return false, false
		}
		for _, m := range v.Members {
			if m == address {
				return true, true
			}
		}
		return true, false
	}
	// A volume the controller does not list: its members are unknown.
	return false, false
}

// Annotate gives each disk the controller exposes to the host (JBOD, HBA
// mode) the bay the controller names for it.
func (t Topology) Annotate(disks []discover.Disk) {
	for _, c := range t {
		for _, pd := range c.Drives {
			if pd.Exposed == "" || pd.Bay == "" {
				continue
			}
			for i := range disks {
				if disks[i].Name == pd.Exposed {
					disks[i].Location.Bay, disks[i].Location.EnclosureSlot = pd.Bay, pd.Bay
				}
			}
		}
	}
}

// Close closes every controller's backend.
func (t Topology) Close() {
	for _, c := range t {
		c.Close()
	}
}
