package drive

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
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
	// refusedHint says what makes the path carry the security protocol
	// commands when it refuses them (ErrNotSupported), e.g. libata's
	// allow_tpm; "" when there is nothing to say.
	refusedHint string
	d           *tcg.Discovery
	// owner is the last ownership check's answer.
	owner tcg.Owner
}

// announcement is what a drive's identify data says of the security
// protocol commands.
type announcement int

const (
	// notAnnounced: the identify data says the drive has none.
	notAnnounced announcement = iota
	// announced: ATA IDENTIFY word 48 bit 0, NVMe OACS bit 0.
	announced
	// noSuchBit: the interface has no such bit (SCSI): a drive that
	// refuses the commands has none.
	noSuchBit
)

// probe reads the drive's security protocol list and, when TCG is listed,
// its Level 0 Discovery and whether it is owned. It returns the record's
// security state (nil when the drive has no TCG subsystem), the plan's,
// and notes for the record. A drive that announces the commands but whose
// list cannot be read, or that lists TCG but whose Level 0 Discovery
// fails, is blocked: whether it is locked or owned is unknown.
func (s *sed) probe(ctx context.Context, ann announcement) (*report.Security, *plan.TCG, []string) {
	s.d, s.owner = nil, tcg.OwnerUnknown
	if s.t == nil || ann == notAnnounced {
		return nil, nil, nil
	}
	protos, err := tcg.SupportedProtocols(ctx, s.t)
	if err != nil {
		if ann == announced {
			why := fmt.Sprintf("the drive announces TCG security commands but kesu could not read its TCG state through %s (%v): whether it is locked or owned is unknown", s.via, err)
			if errors.Is(err, tcg.ErrNotSupported) && s.refusedHint != "" {
				why += " (" + s.refusedHint + ")"
			}
			return s.unreadable(&report.Security{}, why)
		}
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
		return s.unreadable(sec, fmt.Sprintf("TCG Level 0 Discovery through %s failed (%v): kesu cannot tell whether the drive is locked or owned", s.via, err))
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
	pt := plan.TCGFromLevel0(d)
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
	if s.owner == tcg.NeverOwned && pt.LockingEnabled {
		notes = append(notes, s.lockingSPOwner(ctx, sec, pt)...)
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

// lockingSPOwner checks, on a drive whose SID is the MSID and whose
// locking is enabled, whether the Locking SP's administrator (Admin1,
// Enterprise EraseMaster) still has the MSID too: somebody who took over
// only the Locking SP owns the drive's ranges, MBR shadow and DataStore.
func (s *sed) lockingSPOwner(ctx context.Context, sec *report.Security, pt *plan.TCG) []string {
	owner, auth, steps, err := tcg.LockingSPOwnership(ctx, s.t, s.d)
	sec.Steps = append(sec.Steps, reportSteps(steps)...)
	switch owner {
	case tcg.NeverOwned:
		return nil
	case tcg.Owned:
		s.owner = tcg.Owned
		note := fmt.Sprintf("SID is still the factory MSID, but the Locking SP's %s refused the MSID: somebody took over the Locking SP (a revert as SID with the MSID returns the drive to its factory state); this check counted one try against %s's try limit", auth, auth)
		sec.OwnerNote, pt.OwnerNote = note, note
		return []string{note}
	}
	s.owner = tcg.OwnerUnknown
	note := fmt.Sprintf("SID is still the factory MSID, but whether somebody took over the Locking SP is unknown: %v", err)
	sec.OwnerNote, pt.OwnerNote = note, note
	return []string{note}
}

// unreadable is the probe's answer for a drive whose TCG state could not
// be read: blocked, with why in the record's Error and Blocked.
func (s *sed) unreadable(sec *report.Security, why string) (*report.Security, *plan.TCG, []string) {
	pt := &plan.TCG{Owned: plan.Unknown, Unreadable: why}
	sec.Error = why
	sec.Owner, sec.OwnerNote = "unknown", "the TCG state could not be read"
	sec.Blocked = pt.Blocked()
	return sec, pt, []string{why}
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

// rereadTimeout bounds the Level 0 Discovery read after a failed crypto
// erase (run even when the erase was cancelled).
const rereadTimeout = 30 * time.Second

// cryptoErase runs a TCG crypto erase. The content after it is whatever
// the drive's new keys decrypt the old ciphertext to: nothing is
// declared, so the canaries (and the samples read before) prove it. When
// it fails after changing the drive, the drive's state is read again and
// the outcome says what was left and how to recover.
func (s *sed) cryptoErase(ctx context.Context) *worker.Outcome {
	if s.t == nil || s.d == nil {
		return &worker.Outcome{Outcome: report.OutcomeUnsupported, Errors: []string{errNoTCG.Error()}}
	}
	name, _ := s.d.SSC()
	r, err := tcg.KeyErase(ctx, s.t, s.d)
	if r.SSC != "" {
		name = r.SSC
	}
	out := &worker.Outcome{Mechanism: fmt.Sprintf("TCG %s key erase through %s", name, s.via)}
	for _, st := range r.Steps {
		out.Details = append(out.Details, stepLine(st))
	}
	if err == nil {
		out.Outcome = report.OutcomeSuccess
		out.ExpectWhy = "none declared: a key erase leaves the old ciphertext decrypted with new keys; the canaries prove it"
		return out
	}
	out.Errors = append(out.Errors, err.Error())
	switch {
	case ctx.Err() != nil:
		out.Outcome = report.OutcomeInterrupted
	case len(r.Steps) == 0:
		out.Outcome = report.OutcomeUnsupported
	default:
		out.Outcome = report.OutcomeFailed
	}
	uncertain := unanswered(r.Steps)
	if !r.Changed() && uncertain == "" {
		return out
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rereadTimeout)
	defer cancel()
	after, derr := tcg.Discover(rctx, s.t)
	state := "its state could not be read again (" + fmt.Sprint(derr) + ")"
	if derr == nil {
		state = leftState(after)
	}
	did := changes(r, uncertain)
	out.Details = append(out.Details, "changed before the failure: "+did, "state after the failure: "+state)
	enterprise := s.d.Enterprise != nil && name == "Enterprise"
	stillLocked := derr == nil && after.Locking != nil && (after.Locking.Locked || after.Locking.MBREnabled && !after.Locking.MBRDone)
	switch {
	case enterprise && !stillLocked && uncertain == "" && derr == nil:
		// Erase leaves a band unlocked with its BandMaster's PIN the
		// MSID, as the never-owned drive was: nothing to recover.
	case enterprise:
		out.Recovery = fmt.Sprintf("kesu %s and the erase did not complete; %s: if it is locked, PSID revert it (the PSID is on its label) before reuse", did, state)
	default:
		out.Recovery = fmt.Sprintf("kesu %s and its Revert did not complete: %s, and SID is still the MSID (kesu changes no PIN); run kesu again, which erases it anew, or revert it as SID with the MSID, or PSID revert it (the PSID is on its label), before reuse", did, state)
	}
	return out
}

// unanswered names the first step that may have changed the drive but
// got no answer (a transport error after its IF-SEND), or "".
func unanswered(steps []tcg.Step) string {
	for _, st := range steps {
		if st.Error == "" {
			continue
		}
		for _, m := range []string{"Activate", "GenKey", "Revert", "Erase"} {
			if strings.HasPrefix(st.What, m) {
				return st.What
			}
		}
	}
	return ""
}

// changes says what a crypto erase that stopped changed.
func changes(r *tcg.EraseResult, uncertain string) string {
	var parts []string
	if r.Activated {
		parts = append(parts, "activated the Locking SP")
	}
	if n := len(r.Rekeyed); n > 0 {
		verb := "regenerated the media keys of"
		if strings.HasPrefix(r.Rekeyed[0], "Band") {
			verb = "erased (new keys)"
		}
		parts = append(parts, fmt.Sprintf("%s %d of %d ranges (%s: their data is gone)", verb, n, r.Ranges, strings.Join(r.Rekeyed, ", ")))
	}
	if r.Reverted {
		parts = append(parts, "reverted the drive to its factory state")
	}
	if uncertain != "" {
		parts = append(parts, fmt.Sprintf("sent %s, which got no answer and may have taken effect", uncertain))
	}
	return strings.Join(parts, ", ")
}

// leftState says what Level 0 Discovery reports of the drive's locking.
func leftState(d *tcg.Discovery) string {
	l := d.Locking
	if l == nil {
		return "the drive reports no Locking feature"
	}
	var parts []string
	if d.Enterprise == nil {
		if l.Enabled {
			parts = append(parts, "the Locking SP is active")
		} else {
			parts = append(parts, "the Locking SP is inactive")
		}
	}
	if l.Locked {
		parts = append(parts, "the drive is locked")
	} else {
		parts = append(parts, "the drive is not locked")
	}
	if l.MBREnabled && !l.MBRDone {
		parts = append(parts, "MBR shadowing is active")
	}
	return strings.Join(parts, ", ")
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

// announce turns an identify data bit into an announcement.
func announce(bit bool) announcement {
	if bit {
		return announced
	}
	return notAnnounced
}

// ataRefusedHint is what lets kesu reach the TCG subsystem of an ATA drive
// whose TRUSTED SEND/RECEIVE are refused on the way.
const ataRefusedHint = "to let kesu read it, boot kesu with libata.allow_tpm=1 on the kernel command line, or connect the drive to a port whose SATL passes TRUSTED SEND/RECEIVE, and run kesu again"
