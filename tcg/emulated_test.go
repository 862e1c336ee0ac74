package tcg

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/kesu-erase/kesu/tcg/tcgtest"
)

// emulated is a Transport over tcg/tcgtest's TPer.
type emulated struct{ tp *tcgtest.TPer }

func (e emulated) SecurityReceive(_ context.Context, p uint8, sp uint16, b []byte) error {
	return e.tp.SecurityReceive(p, sp, b)
}

func (e emulated) SecuritySend(_ context.Context, p uint8, sp uint16, b []byte) error {
	return e.tp.SecuritySend(p, sp, b)
}

func discoverEmulated(t *testing.T, tp *tcgtest.TPer) *Discovery {
	t.Helper()
	d, err := Discover(context.Background(), emulated{tp})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestKeyEraseReportsWhatItChanged(t *testing.T) {
	ranges := []string{"GlobalRange", "Range 1", "Range 2"}
	for _, tc := range []struct {
		name      string
		cfg       tcgtest.Config
		activated bool
		rekeyed   []string
		reverted  bool
		status    string // the failed method's status; "" for none
	}{
		{"complete", tcgtest.Config{Ranges: 2}, true, ranges, true, ""},
		{"Revert busy", tcgtest.Config{Ranges: 2, FailMethod: "Revert"}, true, ranges, false, "SP_BUSY"},
		{"second GenKey failed", tcgtest.Config{Ranges: 2, FailMethod: "GenKey", FailAfter: 1, FailStatus: 0x04}, true, ranges[:1], false, "SP_FAILED"},
		{"Activate failed", tcgtest.Config{Ranges: 2, FailMethod: "Activate"}, false, nil, false, "SP_BUSY"},
		{"Enterprise second band", tcgtest.Config{Kind: tcgtest.Enterprise, Ranges: 2, FailMethod: "Erase", FailAfter: 1}, false, []string{"Band0"}, false, "SP_BUSY"},
	} {
		tp := tcgtest.New(tc.cfg)
		r, err := KeyErase(context.Background(), emulated{tp}, discoverEmulated(t, tp))
		if r.Activated != tc.activated || !slices.Equal(r.Rekeyed, tc.rekeyed) || r.Reverted != tc.reverted || r.Ranges != 3 && tc.rekeyed != nil {
			t.Errorf("%s: activated %v, rekeyed %q of %d, reverted %v; want %v, %q of 3, %v", tc.name, r.Activated, r.Rekeyed, r.Ranges, r.Reverted, tc.activated, tc.rekeyed, tc.reverted)
		}
		if want := tc.activated || tc.rekeyed != nil || tc.reverted; r.Changed() != want {
			t.Errorf("%s: Changed() = %v; want %v", tc.name, r.Changed(), want)
		}
		var me *MethodError
		switch {
		case tc.status == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.status != "" && (!errors.As(err, &me) || StatusName(me.Status) != tc.status):
			t.Errorf("%s: error %v; want a method error %s", tc.name, err, tc.status)
		}
		if len(r.Steps) == 0 || tp.InSession() {
			t.Errorf("%s: %d steps, session open %v", tc.name, len(r.Steps), tp.InSession())
		}
		// The emulator agrees with what was reported.
		if tc.cfg.Kind != tcgtest.Enterprise && tp.LockingActive() != (r.Activated && !r.Reverted) {
			t.Errorf("%s: Locking SP active %v after activated %v, reverted %v", tc.name, tp.LockingActive(), r.Activated, r.Reverted)
		}
		for i := range 3 {
			if gen := tp.KeyGeneration(i); gen == 0 && i < len(tc.rekeyed) {
				t.Errorf("%s: range %d reported rekeyed, its key never changed", tc.name, i)
			}
		}
	}
	// Nothing sent, nothing changed.
	tp := tcgtest.New(tcgtest.Config{BlockSID: true})
	d := discoverEmulated(t, tp)
	d.BlockSID.SIDBlocked = true
	r, err := KeyErase(context.Background(), emulated{tp}, d)
	if err == nil || r.Changed() || len(r.Steps) != 0 || !strings.Contains(err.Error(), "Block SID") {
		t.Errorf("SID blocked: %+v, %v; want refused, nothing done", r, err)
	}
}

func TestLockingSPOwnership(t *testing.T) {
	const adminPIN = "the owner's Admin1 password"
	for _, tc := range []struct {
		name  string
		cfg   tcgtest.Config
		setup func(*tcgtest.TPer)
		owner Owner
		auth  string
		sent  bool
	}{
		{"Opal factory (Locking SP inactive)", tcgtest.Config{}, func(*tcgtest.TPer) {}, NeverOwned, "Admin1", false},
		{"Opal activated with the MSID", tcgtest.Config{}, func(tp *tcgtest.TPer) { tp.TakeLockingSP(tcgtest.DefaultMSID) }, NeverOwned, "Admin1", true},
		{"Opal Locking SP taken over", tcgtest.Config{}, func(tp *tcgtest.TPer) { tp.TakeLockingSP(adminPIN) }, Owned, "Admin1", true},
		{"Enterprise factory", tcgtest.Config{Kind: tcgtest.Enterprise}, func(*tcgtest.TPer) {}, NeverOwned, "EraseMaster", true},
		{"Enterprise taken over", tcgtest.Config{Kind: tcgtest.Enterprise}, func(tp *tcgtest.TPer) { tp.TakeLockingSP(adminPIN) }, Owned, "EraseMaster", true},
	} {
		tp := tcgtest.New(tc.cfg)
		tc.setup(tp)
		owner, auth, steps, err := LockingSPOwnership(context.Background(), emulated{tp}, discoverEmulated(t, tp))
		if owner != tc.owner || auth != tc.auth || err != nil {
			t.Errorf("%s: %v as %s, %v; want %v as %s", tc.name, owner, auth, err, tc.owner, tc.auth)
		}
		want := "StartSession " + map[string]string{"Admin1": "LockingSP as Admin1", "EraseMaster": "LockingSP as EraseMaster"}[tc.auth]
		i := slices.IndexFunc(steps, func(s Step) bool { return s.What == want })
		switch {
		case !tc.sent && len(steps) != 0:
			t.Errorf("%s: steps %v; want none", tc.name, stepSummary(steps))
		case tc.sent && (i < 0 || (steps[i].Status == "NOT_AUTHORIZED") != (tc.owner == Owned)):
			t.Errorf("%s: steps %v; want %q, NOT_AUTHORIZED only when owned", tc.name, stepSummary(steps), want)
		}
		if !tp.SIDIsMSID() || tp.InSession() {
			t.Errorf("%s: SID changed or a session left open", tc.name)
		}
		noSecret(t, []byte(adminPIN), steps, err)
		noSecret(t, []byte(tcgtest.DefaultMSID), steps, err)
	}
	// Each refusal counts a try: past the limit the authority is locked
	// out and the owner unknown.
	tp := tcgtest.New(tcgtest.Config{SIDTryLimit: 1})
	tp.TakeLockingSP(adminPIN)
	d := discoverEmulated(t, tp)
	if o, _, _, err := LockingSPOwnership(context.Background(), emulated{tp}, d); o != Owned || err != nil {
		t.Fatalf("first check: %v, %v; want owned", o, err)
	}
	o, _, _, err := LockingSPOwnership(context.Background(), emulated{tp}, d)
	if o != OwnerUnknown || !errors.Is(err, ErrAuthorityLockedOut) || !strings.Contains(err.Error(), "Admin1") {
		t.Errorf("second check past the try limit: %v, %v; want unknown, Admin1 locked out", o, err)
	}
}

// limited is a Transport that moves at most max bytes a transfer.
type limited struct {
	*fakeTPer
	max int
}

func (l limited) MaxTransfer() int { return l.max }

func TestTransferLimit(t *testing.T) {
	const satl = 255 * 512
	ssc := &SSCFeature{Code: 0x0203, BaseComID: 0x07FE}
	// Within the limit, the larger transfer the TPer asks for is used.
	f := &fakeTPer{t: t, comID: 0x07FE, script: []reply{{empty: true, outstanding: 200 * 512, minTransfer: 200 * 512}, properties()}}
	c, _ := newConn(limited{f, satl}, ssc)
	if err := c.properties(context.Background()); err != nil || !slices.Equal(f.recvLens, []int{16384, 200 * 512}) {
		t.Errorf("properties = %v, IF-RECV sizes %v; want 16384 then 102400", err, f.recvLens)
	}
	// Beyond it: refused, nothing more received.
	f = &fakeTPer{t: t, comID: 0x07FE, script: []reply{{empty: true, outstanding: 300 * 512, minTransfer: 300 * 512}, properties()}}
	c, _ = newConn(limited{f, satl}, ssc)
	if err := c.properties(context.Background()); err == nil || !strings.Contains(err.Error(), "at most 130560 bytes") || f.recvs != 1 {
		t.Errorf("properties = %v after %d IF-RECVs; want refused after 1, naming the 130560-byte limit", err, f.recvs)
	}
	// Without a limit the same request is followed.
	f = &fakeTPer{t: t, comID: 0x07FE, script: []reply{{empty: true, outstanding: 300 * 512, minTransfer: 300 * 512}, properties()}}
	c, _ = newConn(f, ssc)
	if err := c.properties(context.Background()); err != nil || !slices.Equal(f.recvLens, []int{16384, 300 * 512}) {
		t.Errorf("no limit: properties = %v, IF-RECV sizes %v", err, f.recvLens)
	}
	// A transport whose limit is below the default receive size starts
	// there.
	f = &fakeTPer{t: t, comID: 0x07FE, script: []reply{properties()}}
	c, _ = newConn(limited{f, 4096}, ssc)
	if err := c.properties(context.Background()); err != nil || !slices.Equal(f.recvLens, []int{4096}) {
		t.Errorf("4096-byte limit: properties = %v, IF-RECV sizes %v", err, f.recvLens)
	}
}

// memMedium is an in-memory medium for the emulator.
type memMedium struct{ b []byte }

func (m *memMedium) WriteAt(p []byte, off int64) (int, error) { return copy(m.b[off:], p), nil }

func TestLyingTPerSucceedsWithoutErasing(t *testing.T) {
	for _, lying := range []bool{false, true} {
		for _, kind := range []tcgtest.Kind{tcgtest.Opal2, tcgtest.Enterprise} {
			tp := tcgtest.New(tcgtest.Config{Kind: kind, LyingKeys: lying})
			m := &memMedium{b: []byte(strings.Repeat("old data ", 4096))}
			orig := string(m.b)
			tp.Attach(m, int64(len(m.b)))
			r, err := KeyErase(context.Background(), emulated{tp}, discoverEmulated(t, tp))
			if err != nil || len(r.Rekeyed) == 0 {
				t.Fatalf("%v lying %v: %+v, %v", kind, lying, r, err)
			}
			if kept := string(m.b) == orig; kept != lying {
				t.Errorf("%v lying %v: medium kept %v", kind, lying, kept)
			}
		}
	}
}
