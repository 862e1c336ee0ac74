package tcgtest

import (
	"bytes"
	"errors"
	"sync"
	"testing"

	"github.com/open-source-firmware/go-tcg-storage/pkg/core"
	"github.com/open-source-firmware/go-tcg-storage/pkg/core/table"
	"github.com/open-source-firmware/go-tcg-storage/pkg/locking"
)

// memMedium is an in-memory medium.
type memMedium struct{ b []byte }

func (m *memMedium) WriteAt(p []byte, off int64) (int, error) { return copy(m.b[off:], p), nil }

// attached returns a TPer with a 64-block medium of 512-byte blocks
// holding a pattern, and the pattern.
func attached(cfg Config) (*TPer, *memMedium, []byte) {
	tp := New(cfg)
	m := &memMedium{b: make([]byte, 64*512)}
	for i := range m.b {
		m.b[i] = byte(i*7 + 3)
	}
	tp.Attach(m, int64(len(m.b)))
	return tp, m, append([]byte(nil), m.b...)
}

func TestAccessLockedRange(t *testing.T) {
	tp, _, _ := attached(Config{})
	if err := tp.LockRange(1, 10, 5); !errors.Is(err, ErrSetup) {
		t.Fatalf("LockRange on an inactive Locking SP = %v; want ErrSetup", err)
	}
	tp.TakeOwnership("owner")
	if err := tp.LockRange(1, 10, 5); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		off   int64
		n     int
		write bool
		want  bool
	}{
		{0, 10 * 512, false, false},     // just before
		{10*512 - 1, 2, false, true},    // one byte in
		{14 * 512, 512, true, true},     // last block, write
		{15 * 512, 4096, false, false},  // just after
		{9 * 512, 7 * 512, false, true}, // over all of it
	} {
		err := tp.Access(c.off, c.n, c.write)
		if got := errors.Is(err, ErrLocked); got != c.want {
			t.Errorf("Access(%d, %d, write=%v) = %v; want locked %v", c.off, c.n, c.write, err, c.want)
		}
	}
	// The global range locks what no other range covers.
	if err := tp.LockGlobalRange(); err != nil {
		t.Fatal(err)
	}
	if err := tp.Access(0, 512, false); !errors.Is(err, ErrLocked) {
		t.Errorf("read of block 0 with the global range locked = %v; want ErrLocked", err)
	}
}

func TestAccessUnlockedByOwner(t *testing.T) {
	tp, _, _ := attached(Config{})
	tp.TakeOwnership("owner")
	if err := tp.LockRange(3, 0, 16); err != nil {
		t.Fatal(err)
	}
	_, cs := control(t, tp)
	s, err := cs.NewSession(core.LockingSP)
	if err != nil {
		t.Fatal(err)
	}
	if err := table.ThisSP_Authenticate(s, locking.LockingAuthorityAdmin1, []byte("owner")); err != nil {
		t.Fatal(err)
	}
	f := false
	if err := table.Locking_Set(s, &table.LockingRow{UID: table.RowUID{0, 0, 8, 2, 0, 3, 0, 3}, ReadLocked: &f, WriteLocked: &f}); err != nil {
		t.Fatalf("unlock Range3: %v", err)
	}
	if err := tp.Access(0, 16*512, true); err != nil {
		t.Errorf("write after unlock = %v", err)
	}
}

func TestMBRShadow(t *testing.T) {
	tp, _, _ := attached(Config{MBRSize: 4096})
	tp.TakeOwnership("owner")
	if err := tp.EnableMBRShadow([]byte("shadow MBR")); err != nil {
		t.Fatal(err)
	}
	p := bytes.Repeat([]byte{'m'}, 8192)
	tp.Shadow(p, 0)
	if !bytes.HasPrefix(p, []byte("shadow MBR\x00")) || p[4095] != 0 || p[4096] != 'm' {
		t.Errorf("shadowed read = %q ... byte 4095 %q, 4096 %q; want the MBR table, zeros to 4096, then the medium", p[:12], p[4095], p[4096])
	}
	if err := tp.Access(0, 512, false); err != nil {
		t.Errorf("read in the shadow = %v", err)
	}
	if err := tp.Access(512, 512, true); !errors.Is(err, ErrLocked) {
		t.Errorf("write in the shadow = %v; want ErrLocked", err)
	}
	// The owner's Admin1 reads the MBR table and sets Done.
	_, cs := control(t, tp)
	s, err := cs.NewSession(core.LockingSP)
	if err != nil {
		t.Fatal(err)
	}
	got := make([]byte, 6)
	if n, err := table.MBR_Read(s, got, 0); err != nil || n != 6 || string(got) != "shadow" {
		t.Errorf("MBR_Read = %d %q %v", n, got, err)
	}
	done := true
	if err := table.MBRControl_Set(s, &table.MBRControl{Done: &done}); !errors.Is(err, core.ErrMethodStatusNotAuthorized) {
		t.Errorf("MBRControl Done as Anybody = %v; want NOT_AUTHORIZED", err)
	}
	if err := table.ThisSP_Authenticate(s, locking.LockingAuthorityAdmin1, []byte("owner")); err != nil {
		t.Fatal(err)
	}
	if err := table.MBRControl_Set(s, &table.MBRControl{Done: &done}); err != nil {
		t.Fatal(err)
	}
	p = bytes.Repeat([]byte{'m'}, 16)
	tp.Shadow(p, 0)
	if p[0] != 'm' {
		t.Errorf("read with Done = 1 still shadowed: %q", p)
	}
	if en, dn := tp.MBRShadow(); !en || !dn {
		t.Errorf("MBRShadow = %v %v; want enabled, done", en, dn)
	}
}

func TestGenKeyScramblesItsRangeOnly(t *testing.T) {
	tp, m, orig := attached(Config{})
	tp.TakeOwnership("owner")
	if err := tp.LockRange(1, 10, 5); err != nil {
		t.Fatal(err)
	}
	_, cs := control(t, tp)
	s, err := cs.NewSession(core.LockingSP)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ExecuteMethod(s.NewMethodCall(kAESRange1, methodGenKey)); !errors.Is(err, core.ErrMethodStatusNotAuthorized) {
		t.Errorf("GenKey as Anybody = %v; want NOT_AUTHORIZED", err)
	}
	if err := table.ThisSP_Authenticate(s, locking.LockingAuthorityAdmin1, []byte("owner")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ExecuteMethod(s.NewMethodCall(kAESRange1, methodGenKey)); err != nil {
		t.Fatalf("GenKey as Admin1: %v", err)
	}
	if !bytes.Equal(m.b[:10*512], orig[:10*512]) || !bytes.Equal(m.b[15*512:], orig[15*512:]) {
		t.Error("GenKey of Range1 changed bytes outside blocks 10-14")
	}
	for blk := 10; blk < 15; blk++ {
		if bytes.Equal(m.b[blk*512:(blk+1)*512], orig[blk*512:(blk+1)*512]) {
			t.Errorf("block %d of Range1 unchanged by GenKey", blk)
		}
	}
	if tp.KeyGeneration(1) != 1 || tp.KeyGeneration(0) != 0 {
		t.Errorf("key generations: Range1 %d, global %d; want 1, 0", tp.KeyGeneration(1), tp.KeyGeneration(0))
	}
	// GenKey of the global key: everything but Range1.
	copy(orig, m.b)
	if _, err := s.ExecuteMethod(s.NewMethodCall(core.InvokingID{0, 0, 8, 6, 0, 0, 0, 1}, methodGenKey)); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(m.b[10*512:15*512], orig[10*512:15*512]) || bytes.Equal(m.b[:512], orig[:512]) || bytes.Equal(m.b[63*512:], orig[63*512:]) {
		t.Error("GenKey of the global range: want all but Range1's blocks scrambled")
	}
}

func TestRevertSPAsAdmin1(t *testing.T) {
	tp, m, orig := attached(Config{})
	tp.TakeOwnership("owner")
	_, cs := control(t, tp)
	s, err := cs.NewSession(core.LockingSP)
	if err != nil {
		t.Fatal(err)
	}
	if err := table.ThisSP_Authenticate(s, locking.LockingAuthorityAdmin1, []byte("owner")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ExecuteMethod(s.NewMethodCall(core.InvokeIDThisSP, methodRevertSP)); err != nil {
		t.Fatalf("RevertSP: %v", err)
	}
	if tp.LockingActive() || tp.SIDIsMSID() || tp.InSession() || bytes.Equal(m.b[:512], orig[:512]) {
		t.Errorf("after RevertSP: locking active %v, SID = MSID %v (want false: RevertSP keeps SID), session %v, data kept %v",
			tp.LockingActive(), tp.SIDIsMSID(), tp.InSession(), bytes.Equal(m.b[:512], orig[:512]))
	}
}

func TestPSIDRevertAndTryLimit(t *testing.T) {
	tp, m, orig := attached(Config{SIDTryLimit: 3})
	tp.TakeOwnership("owner")
	_, cs := control(t, tp)
	s := adminSession(t, cs, nil, "")
	for i := 0; i < 3; i++ {
		if err := table.ThisSP_Authenticate(s, core.AuthorityPSID, []byte("wrong psid")); !errors.Is(err, table.ErrAuthenticationFailed) {
			t.Fatalf("try %d with a wrong PSID = %v; want failed", i+1, err)
		}
	}
	if !tp.PSIDLockedOut() {
		t.Error("PSID not locked out after 3 failures")
	}
	if err := table.ThisSP_Authenticate(s, core.AuthorityPSID, []byte(DefaultPSID)); !errors.Is(err, core.ErrMethodStatusAuthorityLockedOut) {
		t.Fatalf("the right PSID after the limit = %v; want AUTHORITY_LOCKED_OUT", err)
	}
	// Revert as Anybody: NOT_AUTHORIZED.
	if _, err := s.ExecuteMethod(s.NewMethodCall(core.InvokingID(core.AdminSP), methodRevert)); !errors.Is(err, core.ErrMethodStatusNotAuthorized) {
		t.Errorf("Revert unauthenticated = %v; want NOT_AUTHORIZED", err)
	}
	tp.PowerCycle()
	_, cs = control(t, tp)
	s = adminSession(t, cs, &core.AuthorityPSID, DefaultPSID)
	// PSID may only Revert.
	if _, err := table.GetCell(s, table.RowUID(core.LockingSP), 6, ""); !errors.Is(err, core.ErrMethodStatusNotAuthorized) {
		t.Errorf("Get as PSID = %v; want NOT_AUTHORIZED", err)
	}
	if _, err := s.ExecuteMethod(s.NewMethodCall(core.InvokingID(core.AdminSP), methodRevert)); err != nil {
		t.Fatalf("Revert as PSID: %v", err)
	}
	if !tp.SIDIsMSID() || tp.LockingActive() || bytes.Equal(m.b, orig) || tp.KeyGeneration(0) != 1 {
		t.Errorf("after PSID revert: SID = MSID %v, locking active %v, medium scrambled %v, global key generation %d",
			tp.SIDIsMSID(), tp.LockingActive(), !bytes.Equal(m.b, orig), tp.KeyGeneration(0))
	}
	// A second revert of the inactive Locking SP leaves the data alone.
	copy(orig, m.b)
	_, cs = control(t, tp)
	s = adminSession(t, cs, &core.AuthoritySID, DefaultMSID)
	if _, err := s.ExecuteMethod(s.NewMethodCall(core.InvokingID(core.AdminSP), methodRevert)); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(m.b, orig) || tp.Reverts() != 2 {
		t.Errorf("revert of a factory TPer: data changed %v, reverts %d", !bytes.Equal(m.b, orig), tp.Reverts())
	}
}

func TestNoPSID(t *testing.T) {
	tp := New(Config{NoPSID: true})
	_, cs := control(t, tp)
	s := adminSession(t, cs, nil, "")
	if err := table.ThisSP_Authenticate(s, core.AuthorityPSID, []byte(DefaultPSID)); !errors.Is(err, core.ErrMethodStatusInvalidParameter) {
		t.Errorf("Authenticate PSID without a PSID authority = %v; want INVALID_PARAMETER", err)
	}
}

func TestSIDTryLimitOnStartSession(t *testing.T) {
	tp := New(Config{})
	for i := 0; i < 5; i++ {
		r := roundTrip(t, tp, 0, 0, startSessionBytes(0x41, "guess"))
		if r.payload[len(r.payload)-4] != 0x01 {
			t.Fatalf("try %d: status % X; want NOT_AUTHORIZED", i+1, r.payload[len(r.payload)-6:])
		}
	}
	r := roundTrip(t, tp, 0, 0, startSessionBytes(0x41, DefaultMSID))
	if st := r.payload[len(r.payload)-4]; st != 0x12 {
		t.Errorf("StartSession with the right PIN after 5 failures: status %02X; want 12 AUTHORITY_LOCKED_OUT", st)
	}
	if !tp.SIDLockedOut() {
		t.Error("SIDLockedOut false")
	}
	tp.PowerCycle()
	if r := roundTrip(t, tp, 0, 0, startSessionBytes(0x41, DefaultMSID)); r.payload[len(r.payload)-4] != 0 {
		t.Errorf("after a power cycle: status % X; want SUCCESS", r.payload[len(r.payload)-6:])
	}
}

func TestReadOnlySessionCannotRevert(t *testing.T) {
	tp := New(Config{})
	_, cs := control(t, tp)
	s, err := cs.NewSession(core.AdminSP, core.WithReadOnly())
	if err != nil {
		t.Fatal(err)
	}
	if err := table.ThisSP_Authenticate(s, core.AuthoritySID, []byte(DefaultMSID)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ExecuteMethod(s.NewMethodCall(core.InvokingID(core.AdminSP), methodRevert)); !errors.Is(err, core.ErrMethodStatusNotAuthorized) {
		t.Errorf("Revert in a read-only session = %v; want NOT_AUTHORIZED", err)
	}
}

func TestEnterpriseErase(t *testing.T) {
	tp, m, orig := attached(Config{Kind: Enterprise, Ranges: 2})
	tp.TakeOwnership("owner")
	if err := tp.LockRange(1, 20, 4); err != nil {
		t.Fatal(err)
	}
	_, cs := control(t, tp)
	s, err := cs.NewSession(core.EnterpriseLockingSP)
	if err != nil {
		t.Fatal(err)
	}
	if err := table.ThisSP_Authenticate(s, authEraseMstr, []byte(DefaultMSID)); !errors.Is(err, table.ErrAuthenticationFailed) {
		t.Fatalf("EraseMaster with the MSID after ownership = %v; want failed", err)
	}
	if err := table.ThisSP_Authenticate(s, authEraseMstr, []byte("owner")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ExecuteMethod(s.NewMethodCall(band1, methodErase)); err != nil {
		t.Fatalf("Erase Band1: %v", err)
	}
	if !bytes.Equal(m.b[:20*512], orig[:20*512]) || !bytes.Equal(m.b[24*512:], orig[24*512:]) || bytes.Equal(m.b[20*512:24*512], orig[20*512:24*512]) {
		t.Error("Erase of Band1: want exactly blocks 20-23 scrambled")
	}
	if r, w := tp.RangeLocked(1); r || w || tp.KeyGeneration(1) != 1 {
		t.Errorf("Band1 after Erase: locked %v %v, key generation %d", r, w, tp.KeyGeneration(1))
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = cs.NewSession(core.EnterpriseLockingSP)
	if err != nil {
		t.Fatal(err)
	}
	if err := table.ThisSP_Authenticate(s, authBandMstr1, []byte(DefaultMSID)); err != nil {
		t.Errorf("BandMaster1 with the MSID after Erase = %v", err)
	}
	if _, err := s.ExecuteMethod(s.NewMethodCall(band1, methodErase)); !errors.Is(err, core.ErrMethodStatusNotAuthorized) {
		t.Errorf("Erase as BandMaster1 = %v; want NOT_AUTHORIZED", err)
	}
}

func TestConcurrentUse(t *testing.T) {
	tp, _, _ := attached(Config{})
	tp.TakeOwnership("owner")
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 2048)
			for i := 0; i < 50; i++ {
				tp.Access(int64(i*512), 512, i%2 == 0) //nolint:errcheck
				tp.Shadow(buf[:512], 0)
				if err := tp.SecurityReceive(1, 1, buf); err != nil {
					t.Error(err)
				}
				tp.LockRange(1, uint64(i), 1) //nolint:errcheck
				tp.Locked()
			}
		}()
	}
	wg.Wait()
}
