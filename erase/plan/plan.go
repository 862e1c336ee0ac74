// Package plan turns a drive's class and capabilities into the ordered list
// of erase methods kesu will try, with the reason each was chosen or
// skipped. It is pure: it sends no command and reads no device.
//
// Every drive gets the strongest methods its class allows, strongest first,
// whatever level the policy asks for; the policy's level only decides the
// verdict (report.Assess) and is shown next to each step. What a method
// counts as (Clear or Purge under NIST SP 800-88 Rev.1 and IEEE 2883, and
// the MIC 2020 category) comes from report.Rate, so the plan and the record
// agree.
package plan

import (
	"fmt"
	"strings"

	"github.com/kesu-erase/kesu/report"
)

// Tri is a capability that may be unknown.
type Tri int8

// Tri values.
const (
	Unknown Tri = iota
	No
	Yes
)

func (t Tri) String() string {
	switch t {
	case Yes:
		return "yes"
	case No:
		return "no"
	}
	return "unknown"
}

// Capabilities is what probing found out about a drive, in protocol-neutral
// terms.
type Capabilities struct {
	Class report.Class
	// HostWritable is false when the host cannot write the block device
	// (read-only, or it vanished during probing).
	HostWritable bool
	// Areas names what a host overwrite writes besides the user data area
	// (an eMMC's boot and general-purpose partitions).
	Areas []string
	ATA   *ATA  // nil: no ATA command path (NVMe, native SAS, a USB bridge without SAT)
	SCSI  *SCSI // nil: no native SCSI SANITIZE path
	NVMe  *NVMe // nil: not NVMe
	// TCG is the drive's TCG security state; nil: no TCG SSC found.
	TCG *TCG
}

// ATA capabilities from IDENTIFY DEVICE.
type ATA struct {
	SanitizeSupported bool
	SanitizeCrypto    bool
	SanitizeBlock     bool
	SanitizeOverwrite bool
	SanitizeFrozen    bool // SANITIZE FREEZE LOCK in effect
	SecuritySupported bool
	SecurityEnabled   bool // a password is set
	SecurityLocked    bool
	SecurityFrozen    bool
	CountExpired      bool
	EnhancedErase     bool
	// EncryptsAllUserData is IDENTIFY DEVICE word 69 bit 4: the drive says
	// it encrypts all user data on the media. Without it CRYPTO SCRAMBLE
	// is not planned; the record carries it as the drive's claim.
	EncryptsAllUserData bool
}

// SCSI capabilities of a native SCSI/SAS drive. Support for SANITIZE is
// often not reported; Unknown means "try it; the drive will refuse if not".
type SCSI struct {
	SanitizeCrypto    Tri
	SanitizeBlock     Tri
	SanitizeOverwrite Tri
}

// NVMe capabilities from Identify Controller.
type NVMe struct {
	SanitizeCrypto    bool // SANICAP.CES
	SanitizeBlock     bool // SANICAP.BES
	SanitizeOverwrite bool // SANICAP.OWS
	Format            bool // OACS bit 1
	FormatCrypto      bool // FNA bit 2
	// Namespaces is the number of active namespaces; a Sanitize erases
	// them all (and a Format may, per FNA).
	Namespaces int
	// FormatAll: FNA says a Format (bit 0) or a secure-erase Format (bit
	// 1) applies to every namespace.
	FormatAll bool
	// Protected counts active namespaces of the controller that this run
	// must not erase (excluded, in use, or not exposed here): methods that
	// act on every namespace are then not used.
	Protected int
}

// Step is one method considered for a drive.
type Step struct {
	Method report.Method `json:"method"`
	Chosen bool          `json:"chosen"`
	Reason string        `json:"reason"`
	Rating report.Rating `json:"rating"`
}

// Plan is the ordered list of steps for one drive. Chosen steps are tried
// in order until one is verified.
type Plan struct {
	Steps []Step `json:"steps"`
	// Note explains a plan with no chosen step, or a class whose Purge is
	// not standardized (destroy required).
	Note string `json:"note,omitempty"`
	// Blocked says why no step may run on the drive as it is (a TCG
	// locked range, MBR shadowing or owner; TCG.Blocked); every step is
	// then unchosen.
	Blocked string `json:"blocked,omitempty"`
}

// Chosen returns the chosen steps in order.
func (p Plan) Chosen() []Step {
	var out []Step
	for _, s := range p.Steps {
		if s.Chosen {
			out = append(out, s)
		}
	}
	return out
}

// HostOverwriteOnly returns the plan with every step but the host
// overwrite unchosen, each saying why and keeping the reason it had been
// chosen for; the steps stay listed, so the record still shows every
// method the drive offers.
func (p Plan) HostOverwriteOnly(why string) Plan {
	steps := make([]Step, len(p.Steps))
	for i, s := range p.Steps {
		if s.Method != report.MethodOverwrite && s.Chosen {
			r := "not run: " + why
			if s.Reason != "" {
				r += " (planned because: " + s.Reason + ")"
			}
			s.Chosen, s.Reason = false, r
		}
		steps[i] = s
	}
	p.Steps = steps
	return p
}

// Best returns the first chosen step and whether there is one.
func (p Plan) Best() (Step, bool) {
	for _, s := range p.Steps {
		if s.Chosen {
			return s, true
		}
	}
	return Step{}, false
}

// Record converts the plan to the record's form.
func (p Plan) Record() report.Plan {
	var r report.Plan
	for _, s := range p.Steps {
		r.Steps = append(r.Steps, report.PlanStep{Method: s.Method, Chosen: s.Chosen, Reason: s.Reason})
	}
	return r
}

type builder struct {
	class report.Class
	steps []Step
}

func (b *builder) add(m report.Method, chosen bool, reason string, args ...any) {
	r, ok := report.Rate(b.class, m)
	if !ok {
		return
	}
	b.steps = append(b.steps, Step{Method: m, Chosen: chosen, Reason: fmt.Sprintf(reason, args...), Rating: r})
}

// For returns the plan for a drive.
func For(c Capabilities) Plan {
	b := &builder{class: c.Class}
	if why := c.TCG.Blocked(); why != "" {
		return blocked(c, why)
	}
	switch c.Class {
	case report.ClassNVMe:
		b.nvme(c.NVMe)
	case report.ClassHDD:
		b.ata(c.ATA, true)
		b.scsi(c.SCSI, true)
	case report.ClassSSD:
		b.ata(c.ATA, false)
		b.scsi(c.SCSI, false)
	}
	b.tcg(c)
	if c.HostWritable {
		why := "writes every addressable block from the host; always available"
		switch c.Class {
		case report.ClassHDD:
			why += " (hidden areas are restored first)"
		case report.ClassSSD, report.ClassNVMe:
			why += "; on flash it reaches Clear only (remapped cells stay out of reach)"
		case report.ClassUSB:
			why += "; Purge of removable media is not standardized"
		}
		if len(c.Areas) > 0 {
			why += "; also writes " + strings.Join(c.Areas, ", ") + " after the user data area"
		}
		b.add(report.MethodOverwrite, true, "%s", why)
	} else {
		b.add(report.MethodOverwrite, false, "the host cannot write the device")
	}
	p := Plan{Steps: b.steps}
	if _, ok := p.Best(); !ok {
		p.Note = "no method can erase this drive: destroy it"
	} else if c.Class == report.ClassUSB || c.Class == report.ClassOther {
		p.Note = "Purge is not standardized for this kind of media: if Purge is required, destroy it"
	}
	return p
}

// blocked is the plan of a drive nothing may erase as it is: every step
// the drive would have, none chosen, each saying why.
func blocked(c Capabilities, why string) Plan {
	open := c
	open.TCG = nil
	p := For(open)
	short := "blocked: " + strings.SplitN(why, ";", 2)[0]
	for i := range p.Steps {
		p.Steps[i].Chosen = false
		p.Steps[i].Reason = short
	}
	if c.NVMe != nil && c.NVMe.Protected > 0 {
		// A PSID revert resets the controller's whole TPer: every
		// namespace behind it.
		why += fmt.Sprintf("; a PSID revert would also erase the controller's %d other namespace(s) that must not be erased (excluded, in use or not exposed here), so kesu will not offer it", c.NVMe.Protected)
	}
	p.Note, p.Blocked = why, why
	return p
}

func (b *builder) nvme(n *NVMe) {
	if n == nil {
		n = &NVMe{}
	}
	all := ""
	if n.Namespaces > 1 {
		all = fmt.Sprintf("; erases all %d namespaces of the subsystem", n.Namespaces)
	}
	protected := ""
	if n.Protected > 0 {
		protected = fmt.Sprintf("%d other namespace(s) of this controller must not be erased (excluded, in use or not exposed here), and Sanitize acts on every namespace", n.Protected)
	}
	sanitize := func(m report.Method, sup bool, yes, no string) {
		switch {
		case !sup:
			b.add(m, false, "%s", no)
		case protected != "":
			b.add(m, false, "%s", protected)
		default:
			b.add(m, true, "%s", yes+all)
		}
	}
	sanitize(report.MethodNVMeSanitizeCryptoErase, n.SanitizeCrypto, "SANICAP reports crypto erase (CES)", "SANICAP does not report crypto erase (CES)")
	sanitize(report.MethodNVMeSanitizeBlockErase, n.SanitizeBlock, "SANICAP reports block erase (BES)", "SANICAP does not report block erase (BES)")
	sanitize(report.MethodNVMeSanitizeOverwrite, n.SanitizeOverwrite, "SANICAP reports overwrite (OWS)", "SANICAP does not report overwrite (OWS)")
	formatBlocked := n.FormatAll && n.Protected > 0
	switch {
	case !n.Format:
		b.add(report.MethodNVMeFormatCrypto, false, "OACS does not report Format NVM")
		b.add(report.MethodNVMeFormatUserData, false, "OACS does not report Format NVM")
	case formatBlocked:
		why := fmt.Sprintf("FNA says a Format applies to every namespace, and %d of them must not be erased", n.Protected)
		b.add(report.MethodNVMeFormatCrypto, false, "%s", why)
		b.add(report.MethodNVMeFormatUserData, false, "%s", why)
	default:
		b.add(report.MethodNVMeFormatCrypto, n.FormatCrypto, "%s", pick(n.FormatCrypto,
			"FNA reports cryptographic erase (SES=2): Purge under NIST Rev.1, Clear (possibly Purge) under IEEE 2883",
			"FNA does not report cryptographic erase (SES=2)"))
		b.add(report.MethodNVMeFormatUserData, true,
			"Format NVM with user data erase (SES=1): Purge under NIST Rev.1, Clear under IEEE 2883")
	}
}

func (b *builder) ata(a *ATA, hdd bool) {
	if a == nil {
		return
	}
	sanitize := func(m report.Method, sup bool, what string) {
		switch {
		case !a.SanitizeSupported:
			b.add(m, false, "the drive does not support the Sanitize feature set")
		case !sup:
			b.add(m, false, "IDENTIFY does not report SANITIZE %s", what)
		case m == report.MethodATASanitizeCrypto && !a.EncryptsAllUserData:
			// Its keys need not cover every block: the record would rate
			// it no level (report.FindCryptoNotAllEncrypted).
			b.add(m, false, "IDENTIFY word 69 bit 4 does not say the drive encrypts all user data, so a key change need not reach every block")
		case a.SanitizeFrozen:
			b.add(m, false, "Sanitize is frozen (SANITIZE FREEZE LOCK) until the next power cycle")
		default:
			b.add(m, true, "IDENTIFY reports SANITIZE %s", what)
		}
	}
	if hdd {
		sanitize(report.MethodATASanitizeOverwrite, a.SanitizeOverwrite, "OVERWRITE EXT")
		sanitize(report.MethodATASanitizeCrypto, a.SanitizeCrypto, "CRYPTO SCRAMBLE EXT")
		sanitize(report.MethodATASanitizeBlockErase, a.SanitizeBlock, "BLOCK ERASE EXT")
	} else {
		sanitize(report.MethodATASanitizeCrypto, a.SanitizeCrypto, "CRYPTO SCRAMBLE EXT")
		sanitize(report.MethodATASanitizeBlockErase, a.SanitizeBlock, "BLOCK ERASE EXT")
		sanitize(report.MethodATASanitizeOverwrite, a.SanitizeOverwrite, "OVERWRITE EXT")
	}
	security := func(m report.Method, enhanced bool) {
		switch {
		case !a.SecuritySupported:
			b.add(m, false, "the drive does not support the Security feature set")
		case enhanced && !a.EnhancedErase:
			b.add(m, false, "IDENTIFY word 128 does not report enhanced erase")
		case a.SecurityLocked:
			b.add(m, false, "the drive is locked with an unknown password")
		case a.SecurityEnabled:
			b.add(m, false, "a password nobody gave kesu is set")
		case a.CountExpired:
			b.add(m, false, "the password attempt counter has expired (needs a power cycle)")
		case a.SecurityFrozen:
			b.add(m, false, "security is frozen (by the firmware at boot) and could not be unfrozen")
		case !hdd:
			b.add(m, true, "Security Erase on flash counts as Clear only")
		default:
			b.add(m, true, "IDENTIFY word 128 reports security supported, not frozen")
		}
	}
	security(report.MethodATASecurityEraseEnhanced, true)
	security(report.MethodATASecurityErase, false)
}

func (b *builder) scsi(s *SCSI, hdd bool) {
	if s == nil {
		return
	}
	add := func(m report.Method, t Tri, what string) {
		switch t {
		case Yes:
			b.add(m, true, "the drive reports SANITIZE %s", what)
		case No:
			b.add(m, false, "the drive does not support SANITIZE %s", what)
		default:
			b.add(m, true, "support for SANITIZE %s is not reported; kesu tries it and the drive refuses if unsupported", what)
		}
	}
	if hdd {
		add(report.MethodSCSISanitizeOverwrite, s.SanitizeOverwrite, "OVERWRITE")
		add(report.MethodSCSISanitizeCrypto, s.SanitizeCrypto, "CRYPTOGRAPHIC ERASE")
	} else {
		add(report.MethodSCSISanitizeCrypto, s.SanitizeCrypto, "CRYPTOGRAPHIC ERASE")
		add(report.MethodSCSISanitizeBlockErase, s.SanitizeBlock, "BLOCK ERASE")
	}
}

func pick(ok bool, yes, no string) string {
	if ok {
		return yes
	}
	return no
}

// Strict returns the level a rating reaches under the stricter of its two
// readings (report.Rating.Strict).
func Strict(r report.Rating) report.Level { return r.Strict() }

// Meets reports whether a completed step would satisfy the policy, by the
// same rules as the record's assessment (report.Assess): the NIST level
// under the stricter reading and the MIC category (report.MICMeets); a
// step whose MIC category needs restored hidden areas counts for MIC (2)
// only when hiddenOK.
func Meets(s Step, level report.Level, mic int, hiddenOK bool) bool {
	if level == "" && mic == 0 {
		return false
	}
	met := s.Rating.MIC
	if s.Rating.MICNeedsHiddenAreas && !hiddenOK && met == 2 {
		met = 3
	}
	strict := s.Rating.Strict()
	return strict.AtLeast(report.LevelClear) &&
		(level == "" || strict.AtLeast(level)) &&
		(mic == 0 || report.MICMeets(met, mic))
}

// FirstMeeting returns the first chosen step that would satisfy the policy
// if it succeeds.
func (p Plan) FirstMeeting(level report.Level, mic int, hiddenOK bool) (Step, bool) {
	for _, s := range p.Steps {
		if s.Chosen && Meets(s, level, mic, hiddenOK) {
			return s, true
		}
	}
	return Step{}, false
}
