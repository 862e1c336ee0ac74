package drive

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/kesu-erase/kesu/erase/plan"
	"github.com/kesu-erase/kesu/erase/worker"
	"github.com/kesu-erase/kesu/report"
	"github.com/kesu-erase/kesu/tcg"
)

// sed is a drive's TCG security subsystem as an adapter drives it: the
// security protocol path to it and what the last probe found.
type sed struct {
	t   tcg.Transport // nil: the adapter has no security protocol path
	via string        // how IF-SEND/IF-RECV reach the drive, for the record
	d   *tcg.Discovery
	// owner is the last ownership check's answer.
	owner tcg.Owner
}

// probe reads the drive's security protocol list and, when TCG is listed,
// its Level 0 Discovery and whether it is owned. advertised is what the
// drive's identify data says (ATA IDENTIFY word 48, NVMe OACS bit 0;
// true when the interface has no such bit). It returns the record's
// security state (nil when the drive has no TCG subsystem), the plan's,
// and notes for the record.
func (s *sed) probe(ctx context.Context, advertised bool) (*report.Security, *plan.TCG, []string) {
	s.d, s.owner = nil, tcg.OwnerUnknown
	if s.t == nil || !advertised {
		return nil, nil, nil
	}
	protos, err := tcg.SupportedProtocols(ctx, s.t)
	if err != nil {
		if errors.Is(err, tcg.ErrNotSupported) {
			return nil, nil, []string{fmt.Sprintf("security protocols: %v", err)}
		}
		sec := &report.Security{Error: fmt.Sprintf("the security protocol list could not be read through %s: %v", s.via, err)}
		return sec, nil, []string{sec.Error}
	}
	sec := &report.Security{}
	for _, p := range protos {
		sec.Protocols = append(sec.Protocols, fmt.Sprintf("%02x", p))
	}
	if !slices.Contains(protos, tcg.ProtocolManagement) {
		return sec, nil, nil
	}
	d, err := tcg.Discover(ctx, s.t)
	if err != nil {
		sec.Error = fmt.Sprintf("TCG Level 0 Discovery through %s failed: %v", s.via, err)
		// The drive lists TCG but cannot say whether it is locked: fail
		// closed, as a drive whose locking state is unknown.
		return sec, &plan.TCG{SSC: "(unknown)", Owned: plan.Unknown, LockingEnabled: true,
			OwnerNote: "Level 0 Discovery failed"}, []string{sec.Error}
	}
	s.d = d
	name, _ := d.SSC()
	sec.SSC = name
	sec.Features = featureNames(d)
	if l := d.Locking; l != nil {
		sec.Locking = &report.TCGLocking{Supported: l.Supported, Enabled: l.Enabled, Locked: l.Locked,
			MediaEncryption: l.MediaEncryption, MBREnabled: l.MBREnabled, MBRDone: l.MBRDone}
	}
	if b := d.BlockSID; b != nil {
		sec.BlockSID = &report.TCGBlockSID{SIDValueDiffers: b.SIDValueDiffers, Blocked: b.SIDBlocked}
	}
	if name == "" {
		return sec, nil, []string{"TCG Level 0 Discovery reports no security subsystem class"}
	}
	pt := &plan.TCG{SSC: name}
	if l := d.Locking; l != nil {
		pt.MediaEncryption = l.MediaEncryption
		pt.LockingEnabled = l.Enabled
		pt.Locked = l.Locked
		pt.Shadow = l.MBREnabled && !l.MBRDone
	}
	var notes []string
	switch {
	case d.BlockSID != nil:
		// The Block SID feature says whether the SID's PIN is the MSID
		// without an authentication that would count a try.
		if d.BlockSID.SIDValueDiffers {
			s.owner = tcg.Owned
		} else {
			s.owner = tcg.NeverOwned
		}
		notes = append(notes, "ownership read from the Block SID feature's SID value state")
	default:
		owner, steps, err := tcg.Ownership(ctx, s.t, d)
		s.owner = owner
		sec.Steps = reportSteps(steps)
		if err != nil {
			sec.OwnerNote = err.Error()
			pt.OwnerNote = err.Error()
		}
		if owner == tcg.Owned {
			notes = append(notes, "the ownership check authenticated as SID with the MSID and was refused: that counts one try against the SID's try limit")
		}
	}
	switch s.owner {
	case tcg.NeverOwned:
		sec.Owner, pt.Owned = "never-owned", plan.No
	case tcg.Owned:
		sec.Owner, pt.Owned = "owned", plan.Yes
	default:
		sec.Owner, pt.Owned = "unknown", plan.Unknown
	}
	sec.Blocked = pt.Blocked()
	return sec, pt, notes
}

// featureNames lists the Level 0 features the drive reported.
func featureNames(d *tcg.Discovery) []string {
	var out []string
	add := func(present bool, code uint16, name string) {
		if present {
			out = append(out, fmt.Sprintf("%04Xh %s", code, name))
		}
	}
	add(d.TPer != nil, 0x0001, "TPer")
	add(d.Locking != nil, 0x0002, "Locking")
	add(d.Geometry != nil, 0x0003, "Geometry Reporting")
	add(d.Enterprise != nil, 0x0100, "Enterprise SSC")
	add(d.OpalV1 != nil, 0x0200, "Opal SSC 1")
	add(d.SingleUser != nil, 0x0201, "Single User Mode")
	add(d.DataStore != nil, 0x0202, "DataStore Table")
	add(d.OpalV2 != nil, 0x0203, "Opal SSC 2")
	add(d.Opalite != nil, 0x0301, "Opalite SSC")
	add(d.PyriteV1 != nil, 0x0302, "Pyrite SSC 1")
	add(d.PyriteV2 != nil, 0x0303, "Pyrite SSC 2")
	add(d.Ruby != nil, 0x0304, "Ruby SSC")
	add(d.BlockSID != nil, 0x0402, "Block SID Authentication")
	add(d.DataRemoval != nil, 0x0404, "Supported Data Removal Mechanism")
	for _, c := range d.Other {
		out = append(out, fmt.Sprintf("%04Xh (not decoded)", c))
	}
	return out
}

func reportSteps(steps []tcg.Step) []report.TCGStep {
	out := make([]report.TCGStep, len(steps))
	for i, s := range steps {
		out[i] = report.TCGStep{What: s.What, Status: s.Status, Error: s.Error, Start: s.Start.UTC(), End: s.End.UTC()}
	}
	return out
}

// errNoTCG is returned when a TCG action is asked of a drive whose probe
// found no TCG security subsystem.
var errNoTCG = errors.New("the drive has no TCG security subsystem kesu can reach")

// cryptoErase runs a TCG crypto erase. The content after it is whatever
// the drive's new keys decrypt the old ciphertext to: nothing is
// declared, so the canaries (and the samples read before) prove it.
func (s *sed) cryptoErase(ctx context.Context) *worker.Outcome {
	if s.t == nil || s.d == nil {
		return &worker.Outcome{Outcome: report.OutcomeUnsupported, Errors: []string{errNoTCG.Error()}}
	}
	name, _ := s.d.SSC()
	steps, err := tcg.CryptoErase(ctx, s.t, s.d)
	out := &worker.Outcome{Mechanism: fmt.Sprintf("TCG %s key erase through %s", name, s.via)}
	for _, st := range steps {
		out.Details = append(out.Details, stepLine(st))
	}
	if err != nil {
		out.Outcome = report.OutcomeFailed
		if len(steps) == 0 || ctx.Err() != nil {
			out.Outcome = report.OutcomeUnsupported
		}
		if ctx.Err() != nil {
			out.Outcome = report.OutcomeInterrupted
		}
		out.Errors = append(out.Errors, err.Error())
		out.Recovery = "if the drive is left locked or owned, PSID revert it (the PSID is on its label)"
		return out
	}
	out.Outcome = report.OutcomeSuccess
	out.ExpectWhy = "none declared: a key erase leaves the old ciphertext decrypted with new keys; the canaries prove it"
	return out
}

func stepLine(s tcg.Step) string {
	line := s.What + ": " + s.Status
	if s.Error != "" {
		line += " (" + s.Error + ")"
	}
	return line
}

// psidRevert runs a PSID revert with psid.
func (s *sed) psidRevert(ctx context.Context, psid []byte) ([]report.TCGStep, error) {
	if s.t == nil || s.d == nil {
		return nil, errNoTCG
	}
	start := time.Now()
	steps, err := tcg.PSIDRevert(ctx, s.t, s.d, psid)
	if err != nil && len(steps) == 0 {
		steps = []tcg.Step{{What: "PSID revert", Error: err.Error(), Start: start, End: time.Now()}}
	}
	return reportSteps(steps), err
}
