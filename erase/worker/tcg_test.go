package worker

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/kesu-erase/kesu/erase/discover"
	"github.com/kesu-erase/kesu/erase/plan"
	"github.com/kesu-erase/kesu/report"
	"github.com/kesu-erase/kesu/tcg"
)

// sedFake is a fake self-encrypting drive: locked (or owned) until a PSID
// revert with the right PSID, which crypto-erases it (fills it with
// zeros here) and leaves it never owned.
type sedFake struct {
	*fakeDrive
	psid     string
	reverts  []string // PSIDs tried (the test's own bookkeeping)
	reverted bool
	// stillLocked keeps the drive locked after a successful revert.
	stillLocked bool
}

func (s *sedFake) Probe(ctx context.Context) (*Probe, error) {
	p, err := s.fakeDrive.Probe(ctx)
	if err != nil {
		return nil, err
	}
	t := &plan.TCG{SSC: "Opal 2", MediaEncryption: true, LockingEnabled: true, Locked: true, Owned: plan.Yes}
	if s.reverted && !s.stillLocked {
		t = &plan.TCG{SSC: "Opal 2", MediaEncryption: true, Owned: plan.No}
	}
	p.Caps.TCG = t
	p.Security = &report.Security{SSC: "Opal 2", Owner: map[bool]string{true: "never-owned", false: "owned"}[t.Owned == plan.No],
		Locking: &report.TCGLocking{Supported: true, Enabled: t.LockingEnabled, Locked: t.Locked, MediaEncryption: true}}
	return p, nil
}

func (s *sedFake) PSIDRevert(ctx context.Context, psid []byte) ([]report.TCGStep, error) {
	s.reverts = append(s.reverts, string(psid))
	steps := []report.TCGStep{{What: "StartSession AdminSP as PSID", Status: "SUCCESS"}}
	if string(psid) != s.psid {
		steps[0].Status = "NOT_AUTHORIZED"
		return steps, fmt.Errorf("StartSession AdminSP as PSID: %w", tcg.ErrNotAuthorized)
	}
	st, _ := os.Stat(s.path)
	os.WriteFile(s.path, make([]byte, st.Size()), 0o600)
	s.reverted = true
	return append(steps, report.TCGStep{What: "Revert AdminSP", Status: "SUCCESS"}), nil
}

func newSED(t *testing.T, name, psid string) *sedFake {
	f := newFake(t, name, report.ClassSSD, plan.Capabilities{})
	return &sedFake{fakeDrive: f, psid: psid}
}

const psid = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"

// A locked drive is FAIL at once, with the reason, and nothing is written
// to it; another drive of the run is erased as usual.
func TestLockedDriveFailsAtOnceWithoutWrites(t *testing.T) {
	locked := newSED(t, "sda", psid)
	fine := newFake(t, "sdb", report.ClassSSD, plan.Capabilities{})
	h, _ := newHarness(t, "version = 1\n[policy]\nlevel = 'clear'\n")
	h.cfg.Open = openBy(map[string]Drive{"sda": locked, "sdb": fine})
	disks := []discover.Disk{disk("sda"), disk("sdb")}
	p, err := Prepare(context.Background(), h.cfg, disks, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.Targets[0].Plan.Blocked == "" || !p.PSIDEligible(p.Targets[0]) || p.PSIDEligible(p.Targets[1]) {
		t.Fatalf("blocked %q, eligible %v/%v; want the locked drive blocked and eligible, the other not",
			p.Targets[0].Plan.Blocked, p.PSIDEligible(p.Targets[0]), p.PSIDEligible(p.Targets[1]))
	}
	res := p.Execute(context.Background())
	if res[0].Status != report.StatusFail || !strings.Contains(res[0].Reason, "locking range is locked") {
		t.Errorf("locked drive: %s (%s); want FAIL with the reason", res[0].Status, res[0].Reason)
	}
	if res[1].Status != report.StatusPass {
		t.Errorf("other drive: %s (%s); want PASS", res[1].Status, res[1].Reason)
	}
	if locked.openedWrite != 0 || len(locked.erased) != 0 || len(locked.reverts) != 0 {
		t.Errorf("locked drive opened for writing %d times, erased by %v, reverted %d times; want nothing", locked.openedWrite, locked.erased, len(locked.reverts))
	}
	data, _ := os.ReadFile(locked.path)
	if !bytes.HasPrefix(data, []byte("resident-data")) {
		t.Error("the locked drive's content changed")
	}
	res2 := h.verifyJournal(t)
	d := res2.Run.Drives[0]
	if d.Drive.Security == nil || d.Drive.Security.Owner != "owned" || d.Drive.Plan.Blocked == "" {
		t.Errorf("record: security %+v, plan blocked %q; want the drive's TCG state and why it was blocked", d.Drive.Security, d.Drive.Plan.Blocked)
	}
	if len(d.Attempts) != 0 || len(d.TCG) != 0 {
		t.Errorf("record: %d attempts, %d tcg actions; want none", len(d.Attempts), len(d.TCG))
	}
}

// With the PSID typed, the drive is reverted, probed and planned again,
// then erased and verified; the record holds the revert and its status,
// never the PSID.
func TestPSIDRevertThenNormalPlan(t *testing.T) {
	for _, tc := range []struct {
		name, typed string
		stillLocked bool
		status      report.Status
		outcome     report.Outcome
		reason      string
	}{
		{"right PSID", psid, false, report.StatusPass, report.OutcomeSuccess, ""},
		{"wrong PSID", "ZZZZEFGHIJKLMNOPQRSTUVWXYZ012345", false, report.StatusFail, report.OutcomeFailed, "the drive refused the PSID and is as it was"},
		{"locked after revert", psid, true, report.StatusFail, report.OutcomeSuccess, "still blocked after the PSID revert"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := newSED(t, "sda", psid)
			d.stillLocked = tc.stillLocked
			h, _ := newHarness(t, "version = 1\n[policy]\nlevel = 'clear'\n")
			h.cfg.Open = openBy(map[string]Drive{"sda": d})
			p, err := Prepare(context.Background(), h.cfg, []discover.Disk{disk("sda")}, nil)
			if err != nil {
				t.Fatal(err)
			}
			p.SetPSID(p.Targets[0], []byte(tc.typed), "typed twice on tty1")
			r := p.Execute(context.Background())[0]
			if r.Status != tc.status || !strings.Contains(r.Reason, tc.reason) {
				t.Errorf("%s (%s); want %s with %q", r.Status, r.Reason, tc.status, tc.reason)
			}
			if len(d.reverts) != 1 || d.reverts[0] != tc.typed {
				t.Errorf("reverts %q; want one with the typed PSID", d.reverts)
			}
			if p.Targets[0].psid != nil {
				t.Error("the PSID is still held after use")
			}
			res := h.verifyJournal(t)
			dr := res.Run.Drives[0]
			if len(dr.TCG) != 1 || dr.TCG[0].Action != report.TCGPSIDRevert || dr.TCG[0].Outcome != tc.outcome || dr.TCG[0].By != "typed twice on tty1" {
				t.Fatalf("tcg records %+v; want one psid-revert, outcome %s", dr.TCG, tc.outcome)
			}
			if tc.status == report.StatusPass {
				if dr.TCG[0].After == nil || dr.TCG[0].After.Owner != "never-owned" || dr.TCG[0].Plan == nil || dr.TCG[0].Plan.Blocked != "" {
					t.Errorf("after the revert: %+v, plan %+v; want the new state and an unblocked plan", dr.TCG[0].After, dr.TCG[0].Plan)
				}
				if len(dr.Attempts) == 0 {
					t.Error("no erase attempt after the revert")
				}
			} else if len(dr.Attempts) != 0 || d.openedWrite != 0 {
				t.Errorf("%d attempts, %d write opens after a failed or insufficient revert; want none", len(dr.Attempts), d.openedWrite)
			}
			raw, _ := os.ReadFile(h.cfg.Journal.Path())
			for _, form := range []string{tc.typed, base64.StdEncoding.EncodeToString([]byte(tc.typed)), hex.EncodeToString([]byte(tc.typed))} {
				if bytes.Contains(raw, []byte(form)) {
					t.Errorf("the PSID is in the record (as %.8s...)", form)
				}
			}
		})
	}
}

func openBy(m map[string]Drive) func(discover.Disk) (Drive, error) {
	return func(d discover.Disk) (Drive, error) {
		if f, ok := m[d.Name]; ok {
			return f, nil
		}
		return nil, errors.New("no such drive")
	}
}

func disk(name string) discover.Disk {
	return discover.Disk{Name: name, Path: "/dev/" + name, Serial: "SN-" + name}
}

// groupedSED is a blocked NVMe namespace whose controller has another
// namespace this run does not erase.
type groupedSED struct{ *sedFake }

func (g groupedSED) Group() string { return "nvme0" }

func (g groupedSED) Probe(ctx context.Context) (*Probe, error) {
	p, err := g.sedFake.Probe(ctx)
	if err != nil {
		return nil, err
	}
	p.Caps.NVMe = &plan.NVMe{Namespaces: 2}
	return p, nil
}

// A PSID revert resets the controller's TPer, every namespace behind it:
// a blocked namespace whose controller has a namespace that must not be
// erased is neither offered the prompt nor reverted, even with a PSID
// given, and its plan says why.
func TestNoPSIDRevertOverProtectedNamespaces(t *testing.T) {
	d := groupedSED{newSED(t, "nvme0n1", psid)}
	h, _ := newHarness(t, "version = 1\n[policy]\nlevel = 'clear'\n")
	h.cfg.Open = openBy(map[string]Drive{"nvme0n1": d})
	p, err := Prepare(context.Background(), h.cfg, []discover.Disk{disk("nvme0n1")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	tg := p.Targets[0]
	if tg.Probe.Caps.NVMe.Protected != 1 || tg.Plan.Blocked == "" || p.PSIDEligible(tg) {
		t.Fatalf("protected %d, blocked %q, eligible %v; want 1, blocked, not eligible", tg.Probe.Caps.NVMe.Protected, tg.Plan.Blocked, p.PSIDEligible(tg))
	}
	if !strings.Contains(tg.Plan.Blocked, "kesu will not offer it") {
		t.Errorf("blocked %q; want it to say the PSID revert is not offered", tg.Plan.Blocked)
	}
	p.SetPSID(tg, []byte(psid), "typed twice on tty1")
	r := p.Execute(context.Background())[0]
	if r.Status != report.StatusFail || len(d.reverts) != 0 || d.openedWrite != 0 {
		t.Errorf("%s (%s), %d reverts, %d write opens; want FAIL, no revert, nothing written", r.Status, r.Reason, len(d.reverts), d.openedWrite)
	}
	dr := h.verifyJournal(t).Run.Drives[0]
	if len(dr.TCG) != 1 || dr.TCG[0].Outcome != report.OutcomeUnsupported || len(dr.TCG[0].Steps) != 0 {
		t.Errorf("tcg records %+v; want one unsupported psid-revert with no steps", dr.TCG)
	}
}

// Only a PSID the drive refused leaves it as it was; after any other
// failure the record must not claim to know.
func TestPSIDFailureWords(t *testing.T) {
	for _, tc := range []struct {
		err         error
		interrupted bool
		want, not   string
	}{
		{fmt.Errorf("StartSession AdminSP as PSID: %w", tcg.ErrNotAuthorized), false, "refused the PSID and is as it was", "unknown"},
		{fmt.Errorf("StartSession AdminSP as PSID: %w", tcg.ErrAuthorityLockedOut), false, "power-cycle it", "as it was"},
		{errors.New("Revert AdminSP: SG_IO: timeout"), false, "whether the drive was reverted is unknown", "as it was"},
		{context.Canceled, true, "interrupted", "as it was"},
	} {
		got := psidFailure(tc.err, tc.interrupted)
		if !strings.Contains(got, tc.want) || strings.Contains(got, tc.not) {
			t.Errorf("psidFailure(%v) = %q; want %q and not %q", tc.err, got, tc.want, tc.not)
		}
	}
}

// AllPassed wants one PASS per drive: a missing result or any other
// status is not a pass.
func TestAllPassed(t *testing.T) {
	pass, fail := Result{Status: report.StatusPass}, Result{Status: report.StatusFail}
	for _, tc := range []struct {
		res  []Result
		want int
		ok   bool
	}{
		{[]Result{pass, pass}, 2, true},
		{[]Result{pass}, 2, false},
		{[]Result{pass, fail}, 2, false},
		{nil, 0, false},
	} {
		if got := AllPassed(tc.res, tc.want); got != tc.ok {
			t.Errorf("AllPassed(%d results, want %d) = %v; want %v", len(tc.res), tc.want, got, tc.ok)
		}
	}
}
