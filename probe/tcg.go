package probe

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/kesu-erase/kesu/erase/plan"
	"github.com/kesu-erase/kesu/internal/human"
	"github.com/kesu-erase/kesu/tcg"
)

// TCG is a drive's TCG security subsystem as `kesu probe` reads it: the
// security protocols it lists and its Level 0 Discovery, both by IF-RECV
// only. The probe opens no session, so ownership is known only where the
// drive reports the Block SID feature's SID value state.
type TCG struct {
	// Path is how IF-SEND/IF-RECV reach the drive.
	Path string `json:"path"`
	// Advertised: the drive's identify data says it has security protocol
	// commands (ATA IDENTIFY word 48, NVMe OACS bit 0; SCSI has no bit).
	Advertised bool `json:"advertised"`
	// Protocols are the supported security protocols, hex.
	Protocols []string `json:"protocols,omitempty"`
	// SSC is the security subsystem class ("Opal 2", "Enterprise", ...).
	SSC       string         `json:"ssc,omitempty"`
	Discovery *tcg.Discovery `json:"level0,omitempty"`
	// Owner is "never-owned", "owned" or why it is unknown.
	Owner string `json:"owner,omitempty"`
	// Blocked is why kesu's plan would not erase the drive as it is (a
	// locked range, MBR shadowing, an owner), empty when nothing blocks.
	Blocked string `json:"blocked,omitempty"`
	// Error is why the security subsystem could not be read.
	Error string `json:"error,omitempty"`
}

// readTCG reads the security protocol list and, when it lists TCG, the
// Level 0 Discovery. advertised says the identify data announced the
// commands; a drive that did not and refuses them has none (nil).
func readTCG(ctx context.Context, t tcg.Transport, path string, advertised bool) *TCG {
	out := &TCG{Path: path, Advertised: advertised}
	protos, err := tcg.SupportedProtocols(ctx, t)
	if err != nil {
		if errors.Is(err, tcg.ErrNotSupported) && !advertised {
			return nil
		}
		out.Error = "the security protocol list could not be read: " + err.Error()
		out.Blocked = unreadable
		return out
	}
	for _, p := range protos {
		out.Protocols = append(out.Protocols, fmt.Sprintf("%02x", p))
	}
	if !slices.Contains(protos, tcg.ProtocolManagement) {
		return out
	}
	d, err := tcg.Discover(ctx, t)
	if err != nil {
		out.Error = "Level 0 Discovery failed: " + err.Error()
		out.Blocked = unreadable
		return out
	}
	out.Discovery = d
	out.SSC, _ = d.SSC()
	// Without the Block SID feature only an authentication tells whether
	// the drive is owned; the probe leaves that to the erase's own probe,
	// so here only a locked range or the MBR shadow blocks.
	pt := plan.TCGFromLevel0(d)
	pt.Owned = plan.No
	switch b := d.BlockSID; {
	case b != nil && b.SIDValueDiffers:
		out.Owner, pt.Owned = "owned", plan.Yes
	case b != nil:
		out.Owner = "never-owned"
	default:
		out.Owner = "unknown: the drive has no Block SID feature and the probe does not authenticate (kesu plan and erase check it as SID with the MSID)"
	}
	if out.SSC != "" {
		out.Blocked = pt.Blocked()
		if out.Blocked == "" && d.BlockSID == nil && pt.LockingEnabled {
			out.Blocked = "unknown until the ownership check of kesu plan (locking is enabled; the probe does not authenticate): if the drive has an owner, kesu erase will not erase it"
		}
	}
	return out
}

// unreadable is the probe's word for a drive whose TCG state could not be
// read: kesu erase fails closed on it.
const unreadable = "kesu cannot tell whether the drive is locked or owned: kesu erase will not erase it as it is"

// writeTCG adds the security subsystem's lines to a probe's text.
func writeTCG(p func(key, format string, args ...any), s *TCG) {
	if s == nil {
		p("TCG", "no security protocol commands")
		return
	}
	if len(s.Protocols) > 0 {
		p("TCG", "security protocols %s (through %s)", strings.Join(s.Protocols, " "), s.Path)
	}
	if s.Error != "" {
		p("TCG", "%s", s.Error)
	}
	d := s.Discovery
	if d == nil {
		return
	}
	ssc, f := d.SSC()
	if f != nil {
		p("  SSC", "%s (feature %04Xh v%d), base ComID %04Xh, %d ComIDs", ssc, f.Code, f.Version, f.BaseComID, f.NumComIDs)
	} else {
		p("  SSC", "none reported")
	}
	if l := d.Locking; l != nil {
		p("  locking", "supported %s, enabled %s, locked %s, media encryption %s, MBR shadow enabled %s, done %s",
			human.YesNo(l.Supported), human.YesNo(l.Enabled), human.YesNo(l.Locked), human.YesNo(l.MediaEncryption),
			human.YesNo(l.MBREnabled), human.YesNo(l.MBRDone))
	}
	if t := d.TPer; t != nil {
		p("  TPer", "sync %s, async %s, ComID management %s", human.YesNo(t.Sync), human.YesNo(t.Async), human.YesNo(t.ComIDMgmt))
	}
	if g := d.Geometry; g != nil {
		p("  geometry", "logical block %d B, alignment granularity %d, lowest aligned LBA %d", g.LogicalBlockSize, g.AlignmentGranularity, g.LowestAlignedLBA)
	}
	if f != nil && (f.LockingAdmins > 0 || f.LockingUsers > 0) {
		p("  authorities", "%d locking admins, %d locking users; SID PIN initially %s, after revert %s",
			f.LockingAdmins, f.LockingUsers, pinText(f.InitialPIN), pinText(f.RevertedPIN))
	}
	if u := d.SingleUser; u != nil {
		p("  single user", "%d locking objects, any %s, all %s, policy %s", u.LockingObjects, human.YesNo(u.Any), human.YesNo(u.All), human.YesNo(u.Policy))
	}
	if ds := d.DataStore; ds != nil {
		p("  datastore", "%d tables, %d bytes, alignment %d", ds.MaxTables, ds.MaxSize, ds.Alignment)
	}
	if b := d.BlockSID; b != nil {
		p("  block SID", "SID differs from MSID %s, SID authentication blocked %s", human.YesNo(b.SIDValueDiffers), human.YesNo(b.SIDBlocked))
	}
	if r := d.DataRemoval; r != nil {
		p("  data removal", "supported %#02x, in progress %s, interrupted %s", r.Supported, human.YesNo(r.InProgress), human.YesNo(r.Interrupted))
	}
	for _, c := range d.Other {
		p("  feature", "%04Xh (not decoded)", c)
	}
	p("  owner", "%s", s.Owner)
	if s.Blocked != "" {
		p("  blocked", "%s", s.Blocked)
	}
}

func pinText(v uint8) string {
	switch v {
	case 0x00:
		return "the MSID"
	case 0xFF:
		return "vendor unique"
	}
	return fmt.Sprintf("%#02x", v)
}
