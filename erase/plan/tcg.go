package plan

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kesu-erase/kesu/report"
	"github.com/kesu-erase/kesu/tcg"
)

// TCGFromLevel0 is what a drive's Level 0 Discovery tells the plan: the
// SSC, media encryption, whether locking is enabled, a range locked, the
// MBR shadow active (enabled and not done) and SID authentication blocked.
// Whether somebody owns the drive is left Unknown for the caller to decide
// (Block SID, or an authentication).
func TCGFromLevel0(d *tcg.Discovery) *TCG {
	t := &TCG{Owned: Unknown}
	t.SSC, _ = d.SSC()
	if l := d.Locking; l != nil {
		t.MediaEncryption, t.LockingEnabled, t.Locked = l.MediaEncryption, l.Enabled, l.Locked
		t.Shadow = l.MBREnabled && !l.MBRDone
	}
	if b := d.BlockSID; b != nil {
		t.SIDBlocked, t.HardwareReset = b.SIDBlocked, b.HardwareReset
	}
	return t
}

// TCG is what a self-encrypting drive's Level 0 Discovery and ownership
// check found, and what the policy allows with it.
type TCG struct {
	// SSC names the security subsystem class: "Opal 2", "Opal 1",
	// "Opalite", "Pyrite 2", "Pyrite 1", "Ruby", "Enterprise".
	SSC string
	// MediaEncryption: the drive encrypts its media (Locking feature).
	MediaEncryption bool
	// LockingEnabled: the Locking SP is active (Opal) or the SSC always
	// has locking (Enterprise).
	LockingEnabled bool
	// Locked: at least one locking range is locked.
	Locked bool
	// Shadow: MBR shadowing is active (enabled and not done): the first
	// sectors read from the shadow table, not the medium.
	Shadow bool
	// Owned is Yes when the SID credential is not the MSID (somebody took
	// ownership), No when it still is, Unknown when it could not be told.
	Owned Tri
	// OwnerNote says why ownership is unknown, or which credential
	// makes the drive owned.
	OwnerNote string
	// SIDBlocked: the host firmware sent Block SID (Level 0 Block SID
	// feature): SID authentication is refused until the next power cycle
	// (or hardware reset, with HardwareReset), so no SID session — and no
	// Opal-family key erase — can run.
	SIDBlocked    bool
	HardwareReset bool
	// Unreadable, when set, is why the drive's TCG state could not be read
	// although the drive announces TCG security commands or lists the TCG
	// protocol (and what would let kesu read it): whether it is locked or
	// owned is unknown, so it is blocked. The other fields are then unset.
	Unreadable string
	// Erase is the policy's tcg.erase: "allow", "prefer" or "forbid"
	// ("" = "allow").
	Erase string
}

// cryptoSSC reports whether the SSC defines a key erase kesu runs (Opal
// family with media keys, Enterprise); Pyrite has no media encryption.
func (t *TCG) cryptoSSC() bool {
	switch t.SSC {
	case "Opal 1", "Opal 2", "Opalite", "Ruby", "Enterprise":
		return true
	}
	return false
}

// Blocked returns why no erase of the drive can be proven as it is — a
// locked range, active MBR shadowing or an owner — in words a technician
// acts on, or "" when nothing blocks it.
func (t *TCG) Blocked() string {
	if t == nil {
		return ""
	}
	what := "TCG " + t.SSC
	act := "revert it to its factory state with its owner's SID password (outside kesu), or PSID revert it (the 32-character PSID is printed on its label), or destroy it"
	switch {
	case t.Unreadable != "":
		return fmt.Sprintf("%s; %s", t.Unreadable, act)
	case t.Locked:
		return fmt.Sprintf("a locking range is locked by the drive's owner (%s): its data cannot be read or written; %s", what, act)
	case t.Shadow:
		return fmt.Sprintf("MBR shadowing is active (%s): the first blocks read from the drive's shadow table, not its medium; %s", what, act)
	case t.Owned == Yes:
		cred := "its SID credential is not the factory MSID"
		if t.OwnerNote != "" {
			cred = t.OwnerNote
		}
		return fmt.Sprintf("the drive has an owner (%s: %s): what the owner keeps in the drive's MBR shadow and DataStore tables is out of an overwrite's reach, and the owner can lock its ranges; %s", what, cred, act)
	case t.Owned == Unknown && t.LockingEnabled:
		// An unknown owner matters only with an active Locking SP: an
		// inactive one holds no locking range, MBR shadow or DataStore
		// content that could escape an overwrite. A known owner blocks
		// either way (the rule: SID != MSID cannot be proven).
		why := "it could not be checked"
		if t.OwnerNote != "" {
			why = t.OwnerNote
		}
		return fmt.Sprintf("locking is enabled on the drive (%s) and whether somebody owns it is unknown (%s); %s", what, why, act)
	}
	return ""
}

// Summary is one line for the plan screen and the record: the SSC, the
// owner state and what kesu can do.
func (t *TCG) Summary() string {
	if t == nil {
		return ""
	}
	if t.Unreadable != "" {
		return "TCG state unreadable"
	}
	parts := []string{"TCG " + t.SSC}
	switch t.Owned {
	case Yes:
		parts = append(parts, "owned")
	case No:
		parts = append(parts, "not owned")
	default:
		parts = append(parts, "owner unknown")
	}
	if t.Locked {
		parts = append(parts, "locked")
	}
	if t.Shadow {
		parts = append(parts, "MBR shadow active")
	}
	if !t.MediaEncryption {
		parts = append(parts, "no media encryption")
	}
	return strings.Join(parts, ", ")
}

// tcg adds the TCG crypto erase where the drive and the policy allow it:
// first with "prefer", else after the drive's Sanitize steps.
func (b *builder) tcg(c Capabilities) {
	t := c.TCG
	if t == nil || t.SSC == "" {
		return
	}
	m := report.MethodTCGCryptoErase
	var chosen bool
	var why string
	switch {
	case t.Erase == "forbid":
		why = "the policy forbids TCG erase (tcg.erase = \"forbid\")"
	case !t.cryptoSSC():
		why = fmt.Sprintf("TCG %s defines no key erase", t.SSC)
	case !t.MediaEncryption:
		why = "the drive does not report media encryption (Level 0 Locking feature)"
	case t.Owned == Yes:
		why = "the drive has an owner: a key erase needs its credentials"
	case t.SIDBlocked && t.SSC != "Enterprise":
		until := "the next power cycle"
		if t.HardwareReset {
			until = "the next power cycle or hardware reset"
		}
		why = fmt.Sprintf("the host firmware blocked SID authentication (Block SID) until %s, and the key erase authenticates as SID: turn off 'Block SID' / 'TCG Storage Security' in the BIOS setup, or power-cycle the drive without it", until)
	case t.Owned == Unknown:
		why = "whether the drive has an owner is unknown: " + t.OwnerNote
	case c.NVMe != nil && c.NVMe.Protected > 0:
		why = fmt.Sprintf("%d other namespace(s) of this controller must not be erased, and the TCG global range covers every namespace", c.NVMe.Protected)
	default:
		chosen = true
		why = fmt.Sprintf("TCG %s, not owned, media encrypted: new keys for every locking range, then the drive back to its factory state", t.SSC)
	}
	before := len(b.steps)
	b.add(m, chosen, "%s", why)
	if len(b.steps) == before {
		return // not rated for this class
	}
	step := b.steps[len(b.steps)-1]
	b.steps = b.steps[:len(b.steps)-1]
	at := 0
	if t.Erase != "prefer" {
		for i, s := range b.steps {
			if strings.Contains(string(s.Method), "sanitize") {
				at = i + 1
			}
		}
	}
	b.steps = slices.Insert(b.steps, at, step)
}
