package plan

import (
	"strings"
	"testing"

	"github.com/kesu-erase/kesu/report"
	"github.com/kesu-erase/kesu/tcg"
)

func methods(p Plan, chosen bool) []report.Method {
	var out []report.Method
	for _, s := range p.Steps {
		if s.Chosen == chosen {
			out = append(out, s.Method)
		}
	}
	return out
}

func ssdWithSanitize(t *TCG) Capabilities {
	return Capabilities{Class: report.ClassSSD, HostWritable: true, TCG: t,
		ATA: &ATA{SanitizeSupported: true, SanitizeCrypto: true, EncryptsAllUserData: true, SecuritySupported: true}}
}

func TestTCGEraseOrder(t *testing.T) {
	open := func(erase string) *TCG {
		return &TCG{SSC: "Opal 2", MediaEncryption: true, Owned: No, Erase: erase}
	}
	for _, tc := range []struct {
		erase string
		want  []report.Method
	}{
		{"", []report.Method{report.MethodATASanitizeCrypto, report.MethodTCGCryptoErase, report.MethodATASecurityEraseEnhanced, report.MethodATASecurityErase, report.MethodOverwrite}},
		{"allow", []report.Method{report.MethodATASanitizeCrypto, report.MethodTCGCryptoErase, report.MethodATASecurityEraseEnhanced, report.MethodATASecurityErase, report.MethodOverwrite}},
		{"prefer", []report.Method{report.MethodTCGCryptoErase, report.MethodATASanitizeCrypto, report.MethodATASecurityEraseEnhanced, report.MethodATASecurityErase, report.MethodOverwrite}},
	} {
		caps := ssdWithSanitize(open(tc.erase))
		caps.ATA.EnhancedErase = true
		got := methods(For(caps), true)
		if strings.Join(strs(got), ",") != strings.Join(strs(tc.want), ",") {
			t.Errorf("tcg.erase %q: chosen = %v; want %v", tc.erase, got, tc.want)
		}
	}
	p := For(ssdWithSanitize(open("forbid")))
	for _, m := range methods(p, true) {
		if m == report.MethodTCGCryptoErase {
			t.Errorf("tcg.erase forbid: TCG erase chosen: %v", p.Steps)
		}
	}
	if s := step(p, report.MethodTCGCryptoErase); s == nil || !strings.Contains(s.Reason, "forbid") {
		t.Errorf("tcg.erase forbid: step = %+v; want it listed, unchosen, with the policy as reason", s)
	}
}

func strs(ms []report.Method) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = string(m)
	}
	return out
}

func step(p Plan, m report.Method) *Step {
	for i := range p.Steps {
		if p.Steps[i].Method == m {
			return &p.Steps[i]
		}
	}
	return nil
}

func TestTCGEraseNeedsANeverOwnedEncryptingDrive(t *testing.T) {
	for _, tc := range []struct {
		name string
		tcg  TCG
		why  string
	}{
		{"pyrite", TCG{SSC: "Pyrite 2", Owned: No}, "defines no key erase"},
		{"no encryption", TCG{SSC: "Opal 2", Owned: No}, "media encryption"},
		{"owner unknown", TCG{SSC: "Opal 2", MediaEncryption: true, Owned: Unknown, OwnerNote: "SID blocked"}, "SID blocked"},
	} {
		p := For(ssdWithSanitize(&tc.tcg))
		s := step(p, report.MethodTCGCryptoErase)
		if s == nil || s.Chosen || !strings.Contains(s.Reason, tc.why) {
			t.Errorf("%s: TCG step = %+v; want unchosen, reason containing %q", tc.name, s, tc.why)
		}
		if p.Blocked != "" {
			t.Errorf("%s: blocked %q; want not blocked", tc.name, p.Blocked)
		}
		if len(methods(p, true)) == 0 {
			t.Errorf("%s: nothing chosen", tc.name)
		}
	}
	// Enterprise on an NVMe drive is rated and chosen.
	p := For(Capabilities{Class: report.ClassNVMe, HostWritable: true, NVMe: &NVMe{Format: true},
		TCG: &TCG{SSC: "Enterprise", MediaEncryption: true, LockingEnabled: true, Owned: No}})
	if s := step(p, report.MethodTCGCryptoErase); s == nil || !s.Chosen {
		t.Errorf("Enterprise NVMe: TCG step = %+v; want chosen", s)
	}
	// A USB stick gets no firmware method, TCG included.
	p = For(Capabilities{Class: report.ClassUSB, HostWritable: true, TCG: &TCG{SSC: "Opal 2", MediaEncryption: true, Owned: No}})
	if s := step(p, report.MethodTCGCryptoErase); s != nil {
		t.Errorf("USB: TCG step %+v; want none (not rated for the class)", s)
	}
}

func TestTCGBlockedDrivesHaveNoChosenStep(t *testing.T) {
	for _, tc := range []struct {
		name string
		tcg  TCG
		why  string
	}{
		{"locked", TCG{SSC: "Opal 2", MediaEncryption: true, LockingEnabled: true, Locked: true, Owned: Yes}, "locking range is locked"},
		{"shadow", TCG{SSC: "Opal 2", MediaEncryption: true, LockingEnabled: true, Shadow: true, Owned: Yes}, "MBR shadowing"},
		{"owned", TCG{SSC: "Opal 2", MediaEncryption: true, Owned: Yes}, "has an owner"},
		{"unknown with locking", TCG{SSC: "Enterprise", MediaEncryption: true, LockingEnabled: true, Owned: Unknown, OwnerNote: "EraseMaster locked out"}, "EraseMaster locked out"},
	} {
		p := For(ssdWithSanitize(&tc.tcg))
		if got := methods(p, true); len(got) != 0 {
			t.Errorf("%s: chosen %v; want none", tc.name, got)
		}
		if !strings.Contains(p.Blocked, tc.why) || !strings.Contains(p.Blocked, "PSID") || p.Note != p.Blocked {
			t.Errorf("%s: Blocked = %q, Note = %q; want the reason (%q) and what to do", tc.name, p.Blocked, p.Note, tc.why)
		}
		if len(p.Steps) == 0 || !strings.HasPrefix(p.Steps[0].Reason, "blocked: ") {
			t.Errorf("%s: steps %+v; want each to say it is blocked", tc.name, p.Steps)
		}
		if _, ok := p.Best(); ok {
			t.Errorf("%s: Best found a step", tc.name)
		}
	}
	// Owner unknown but locking never enabled: nothing locks the medium.
	p := For(ssdWithSanitize(&TCG{SSC: "Opal 2", MediaEncryption: true, Owned: Unknown}))
	if p.Blocked != "" || len(methods(p, true)) == 0 {
		t.Errorf("owner unknown, locking disabled: blocked %q, chosen %v; want not blocked", p.Blocked, methods(p, true))
	}
}

// Block SID (sent by the host firmware at boot) refuses the SID sessions
// an Opal-family key erase needs: the step is not chosen, with what to do
// in the BIOS; the other methods stay. Enterprise's erase, as EraseMaster,
// is not affected.
func TestTCGEraseNotChosenWhenSIDIsBlocked(t *testing.T) {
	for _, tc := range []struct {
		name  string
		tcg   TCG
		until string
	}{
		{"power cycle", TCG{SSC: "Opal 2", MediaEncryption: true, Owned: No, SIDBlocked: true, Erase: "prefer"}, "until the next power cycle,"},
		{"hardware reset", TCG{SSC: "Ruby", MediaEncryption: true, Owned: No, SIDBlocked: true, HardwareReset: true}, "until the next power cycle or hardware reset"},
	} {
		p := For(ssdWithSanitize(&tc.tcg))
		s := step(p, report.MethodTCGCryptoErase)
		if s == nil || s.Chosen || !strings.Contains(s.Reason, "Block SID") || !strings.Contains(s.Reason, tc.until) || !strings.Contains(s.Reason, "BIOS setup") {
			t.Errorf("%s: TCG step %+v; want unchosen, naming Block SID %s and the BIOS setup", tc.name, s, tc.until)
		}
		if p.Blocked != "" || len(methods(p, true)) == 0 || methods(p, true)[0] != report.MethodATASanitizeCrypto {
			t.Errorf("%s: blocked %q, chosen %v; want not blocked, the sanitize first", tc.name, p.Blocked, methods(p, true))
		}
	}
	p := For(ssdWithSanitize(&TCG{SSC: "Enterprise", MediaEncryption: true, LockingEnabled: true, Owned: No, SIDBlocked: true}))
	if s := step(p, report.MethodTCGCryptoErase); s == nil || !s.Chosen {
		t.Errorf("Enterprise with SID blocked: TCG step %+v; want chosen (EraseMaster, not SID)", s)
	}
}

// A drive whose TCG state could not be read is blocked with the reason,
// never with "locking is enabled", and the advice is one that clears the
// block.
func TestTCGUnreadableIsBlocked(t *testing.T) {
	why := "the drive announces TCG security commands but kesu could not read its TCG state through X (refused): whether it is locked or owned is unknown"
	p := For(ssdWithSanitize(&TCG{Unreadable: why}))
	if !strings.HasPrefix(p.Blocked, why+"; ") || strings.Contains(p.Blocked, "locking is enabled") || len(methods(p, true)) != 0 {
		t.Errorf("unreadable: blocked %q, chosen %v; want blocked with the reason and nothing chosen", p.Blocked, methods(p, true))
	}
	if got := (&TCG{Unreadable: why}).Summary(); got != "TCG state unreadable" {
		t.Errorf("Summary = %q", got)
	}
	for _, tc := range []TCG{{Unreadable: why}, {SSC: "Opal 2", Owned: Yes}, {SSC: "Opal 2", Locked: true, Owned: Yes}} {
		b := tc.Blocked()
		if strings.Contains(b, "unlock it") || !strings.Contains(b, "revert it to its factory state with its owner's SID password") ||
			!strings.Contains(b, "PSID revert it (the 32-character PSID is printed on its label)") || !strings.HasSuffix(b, "or destroy it") {
			t.Errorf("%+v: Blocked = %q; want the revert / PSID revert / destroy advice", tc, b)
		}
	}
}

// An owner found by the Locking SP check is named as such, not as a SID
// credential.
func TestTCGOwnedBlockedNamesTheCredential(t *testing.T) {
	note := "SID is still the factory MSID, but the Locking SP's Admin1 refused the MSID"
	b := (&TCG{SSC: "Opal 2", LockingEnabled: true, Owned: Yes, OwnerNote: note}).Blocked()
	if !strings.Contains(b, "has an owner (TCG Opal 2: "+note+")") || strings.Contains(b, "SID credential is not") {
		t.Errorf("Blocked = %q; want the owner note in place of the SID credential", b)
	}
	if b := (&TCG{SSC: "Opal 2", Owned: Yes}).Blocked(); !strings.Contains(b, "its SID credential is not the factory MSID") {
		t.Errorf("Blocked = %q; want the SID credential named", b)
	}
}

// HostOverwriteOnly keeps every step listed, leaves the host overwrite as
// it was and unchooses the rest, saying why.
func TestHostOverwriteOnly(t *testing.T) {
	p := For(Capabilities{Class: report.ClassSSD, HostWritable: true,
		ATA: &ATA{SanitizeSupported: true, SanitizeCrypto: true, EncryptsAllUserData: true, SanitizeBlock: true}})
	if b, ok := p.Best(); !ok || b.Method == report.MethodOverwrite {
		t.Fatalf("the plan's best step is %v; want a firmware method first for this test", b.Method)
	}
	q := p.HostOverwriteOnly("named on the command line")
	if len(q.Steps) != len(p.Steps) {
		t.Fatalf("%d steps; want all %d still listed", len(q.Steps), len(p.Steps))
	}
	chosen := q.Chosen()
	if len(chosen) != 1 || chosen[0].Method != report.MethodOverwrite {
		t.Errorf("chosen %+v; want the host overwrite alone", chosen)
	}
	for i, s := range q.Steps {
		was := p.Steps[i]
		switch {
		case s.Method == report.MethodOverwrite:
			if s != was {
				t.Errorf("the host overwrite step changed: %+v, was %+v", s, was)
			}
		case was.Chosen && s.Reason != "not run: named on the command line (planned because: "+was.Reason+")":
			t.Errorf("%s: reason %q; want why it does not run, and why it had been planned (%q)", s.Method, s.Reason, was.Reason)
		case !was.Chosen && s.Reason != was.Reason:
			t.Errorf("%s (not offered): reason %q; want its own %q kept", s.Method, s.Reason, was.Reason)
		}
	}
	if c := p.Chosen(); len(c) < 2 {
		t.Error("HostOverwriteOnly changed the plan it was called on")
	}
}

// Level 0 → plan: a locked Opal 2 drive with its MBR shadow active and SID
// authentication blocked; the owner is left to the caller.
func TestTCGFromLevel0(t *testing.T) {
	d := &tcg.Discovery{
		OpalV2:   &tcg.SSCFeature{Code: 0x0203, BaseComID: 0x07FE},
		Locking:  &tcg.LockingFeature{Supported: true, Enabled: true, Locked: true, MediaEncryption: true, MBREnabled: true},
		BlockSID: &tcg.BlockSIDFeature{SIDBlocked: true, HardwareReset: true},
	}
	got := TCGFromLevel0(d)
	want := TCG{SSC: "Opal 2", MediaEncryption: true, LockingEnabled: true, Locked: true, Shadow: true,
		SIDBlocked: true, HardwareReset: true, Owned: Unknown}
	if *got != want {
		t.Errorf("TCGFromLevel0 = %+v; want %+v", *got, want)
	}
	d.Locking.MBRDone = true
	if TCGFromLevel0(d).Shadow {
		t.Error("MBR shadow done still counted as active")
	}
}
