package tcgtest

import (
	"errors"
	"strings"
	"testing"

	"github.com/open-source-firmware/go-tcg-storage/pkg/core"
	"github.com/open-source-firmware/go-tcg-storage/pkg/core/table"
	"github.com/open-source-firmware/go-tcg-storage/pkg/drive"
	"github.com/open-source-firmware/go-tcg-storage/pkg/locking"
)

// The oracle: go-tcg-storage v0.8.21, an independent client, drives the
// emulator through core.DriveIntf.

type oracleDrive struct{ d Device }

func (o oracleDrive) IFRecv(proto drive.SecurityProtocol, sps uint16, data *[]byte) error {
	return o.d.SecurityReceive(uint8(proto), sps, *data)
}

func (o oracleDrive) IFSend(proto drive.SecurityProtocol, sps uint16, data []byte) error {
	return o.d.SecuritySend(uint8(proto), sps, data)
}

var (
	methodRevert   = core.MethodID{0, 0, 0, 6, 0, 0, 2, 2}
	methodRevertSP = core.MethodID{0, 0, 0, 6, 0, 0, 0, 0x11}
	methodGenKey   = core.MethodID{0, 0, 0, 6, 0, 0, 0, 0x10}
	methodErase    = core.MethodID{0, 0, 0, 6, 0, 0, 8, 3}
	authEraseMstr  = core.AuthorityObjectUID{0, 0, 0, 9, 0, 0, 0x84, 0x01}
	authBandMstr1  = core.AuthorityObjectUID{0, 0, 0, 9, 0, 0, 0x80, 0x02}
	kAESRange1     = core.InvokingID{0, 0, 8, 6, 0, 3, 0, 1}
	band1          = core.InvokingID{0, 0, 8, 2, 0, 0, 0, 2}
)

// control discovers and opens a control session.
func control(t *testing.T, tp *TPer) (*core.Level0Discovery, *core.ControlSession) {
	t.Helper()
	d0, err := core.Discovery0(oracleDrive{tp})
	if err != nil {
		t.Fatalf("Discovery0: %v", err)
	}
	cs, err := core.NewControlSession(oracleDrive{tp}, d0)
	if err != nil {
		t.Fatalf("NewControlSession: %v", err)
	}
	return d0, cs
}

// adminSession opens an Admin SP session, authenticated as auth with pin
// unless auth is nil.
func adminSession(t *testing.T, cs *core.ControlSession, auth *core.AuthorityObjectUID, pin string) *core.Session {
	t.Helper()
	s, err := cs.NewSession(core.AdminSP)
	if err != nil {
		t.Fatalf("NewSession(AdminSP): %v", err)
	}
	if auth != nil {
		if err := table.ThisSP_Authenticate(s, *auth, []byte(pin)); err != nil {
			t.Fatalf("Authenticate: %v", err)
		}
	}
	return s
}

func TestOracleDiscoveryOpal2(t *testing.T) {
	tp := New(Config{BlockSID: true})
	d0, err := core.Discovery0(oracleDrive{tp})
	if err != nil {
		t.Fatal(err)
	}
	if d0.TPer == nil || !d0.TPer.SyncSupported || d0.TPer.BufferMgmtSupported {
		t.Errorf("TPer feature %+v; want Sync only", d0.TPer)
	}
	if l := d0.Locking; l == nil || !l.LockingSupported || l.LockingEnabled || l.Locked || !l.MediaEncryption || l.MBREnabled {
		t.Errorf("Locking feature %+v; want supported, not enabled, media encryption", d0.Locking)
	}
	if o := d0.OpalV2; o == nil || o.BaseComID != 0x07FE || o.NumComID != 1 || o.NumLockingSPAdminSupported != 4 ||
		o.NumLockingSPUserSupported != 9 || o.InitialCPINSIDIndicator != 0 || o.BehaviorCPINSIDuponTPerRevert != 0 {
		t.Errorf("Opal 2 feature %+v; want ComID 07FEh, 1 ComID, 4 admins, 9 users, PIN indicators 00h", d0.OpalV2)
	}
	if d0.Geometry == nil || d0.SingleUser == nil || d0.DataStore == nil || d0.DataRemoval == nil {
		t.Errorf("Geometry %v, Single User %v, DataStore %v, Data Removal %v; want all reported", d0.Geometry, d0.SingleUser, d0.DataStore, d0.DataRemoval)
	}
	if d0.BlockSID == nil || d0.BlockSID.SIDValueState || d0.BlockSID.SIDAuthenticationBlockedState {
		t.Errorf("Block SID %+v; want SID Value State 0 (SID PIN = MSID)", d0.BlockSID)
	}
	if len(d0.UnknownFeatures) != 0 || d0.Enterprise != nil || d0.OpalV1 != nil || d0.PyriteV1 != nil {
		t.Errorf("unexpected features: unknown %v, Enterprise %v, Opal 1 %v", d0.UnknownFeatures, d0.Enterprise, d0.OpalV1)
	}

	tp.TakeOwnership("owner")
	if err := tp.LockRange(2, 100, 10); err != nil {
		t.Fatal(err)
	}
	if err := tp.EnableMBRShadow([]byte("boot")); err != nil {
		t.Fatal(err)
	}
	d0, err = core.Discovery0(oracleDrive{tp})
	if err != nil {
		t.Fatal(err)
	}
	if l := d0.Locking; !l.LockingEnabled || !l.Locked || !l.MBREnabled || l.MBRDone {
		t.Errorf("Locking feature after ownership %+v; want enabled, locked, MBR enabled not done", l)
	}
	if !d0.BlockSID.SIDValueState {
		t.Error("Block SID: SID Value State 0 after the SID PIN changed; want 1")
	}
}

func TestOracleDiscoveryKinds(t *testing.T) {
	for _, k := range []Kind{Opal1, Opalite, Pyrite1, Pyrite2, Ruby, Enterprise} {
		d0, err := core.Discovery0(oracleDrive{New(Config{Kind: k, NoMediaEncryption: k == Opalite})})
		if err != nil {
			t.Fatalf("%v: %v", k, err)
		}
		got := map[Kind]bool{Opal1: d0.OpalV1 != nil, Opalite: d0.Opalite != nil, Pyrite1: d0.PyriteV1 != nil,
			Pyrite2: d0.PyriteV2 != nil, Ruby: d0.RubyV1 != nil, Enterprise: d0.Enterprise != nil}
		for kk, has := range got {
			if has != (kk == k) {
				t.Errorf("%v: SSC feature of %v reported = %v", k, kk, has)
			}
		}
		if d0.OpalV2 != nil || d0.Locking == nil || len(d0.UnknownFeatures) != 0 {
			t.Errorf("%v: Opal 2 %v, Locking %v, unknown %v", k, d0.OpalV2, d0.Locking, d0.UnknownFeatures)
		}
		if enc := k != Opalite && k != Pyrite1 && k != Pyrite2; d0.Locking.MediaEncryption != enc {
			t.Errorf("%v: MediaEncryption %v; want %v", k, d0.Locking.MediaEncryption, enc)
		}
		if k == Pyrite1 && (d0.PyriteV1.BaseComID != 0x07FE || d0.PyriteV1.NumComID != 1) {
			t.Errorf("Pyrite 1 feature %+v", d0.PyriteV1)
		}
		if k == Enterprise && (d0.Enterprise.BaseComID != 0x07FE || !d0.Locking.LockingEnabled) {
			t.Errorf("Enterprise feature %+v, Locking %+v; want ComID 07FEh, locking enabled", d0.Enterprise, d0.Locking)
		}
	}
}

func TestOracleControlSessionAndMSID(t *testing.T) {
	tp := New(Config{MSID: "factory-msid"})
	_, cs := control(t, tp)
	if cs.TPerProperties.MaxComPacketSize != 65536 || cs.HostProperties.MaxComPacketSize != 1<<20 {
		t.Errorf("properties: TPer MaxComPacketSize %d, host %d; want 65536 and the host's 1 MiB echoed",
			cs.TPerProperties.MaxComPacketSize, cs.HostProperties.MaxComPacketSize)
	}
	s := adminSession(t, cs, nil, "")
	msid, err := table.Admin_C_PIN_MSID_GetPIN(s)
	if err != nil || string(msid) != "factory-msid" {
		t.Fatalf("MSID = %q, %v; want factory-msid", msid, err)
	}
	lcs, err := table.Admin_SP_GetLifeCycleState(s, core.LockingSP)
	if err != nil || lcs != locking.LifeCycleStateManufacturedInactive {
		t.Errorf("Locking SP life cycle %v, %v; want Manufactured-Inactive (8)", lcs, err)
	}
	rnd, err := table.ThisSP_Random(s, 16)
	if err != nil || len(rnd) != 16 {
		t.Errorf("Random(16) = %x, %v", rnd, err)
	}
	if err := table.ThisSP_Authenticate(s, core.AuthoritySID, []byte("wrong")); !errors.Is(err, table.ErrAuthenticationFailed) {
		t.Errorf("Authenticate SID with a wrong PIN = %v; want authentication failed", err)
	}
	if err := table.ThisSP_Authenticate(s, core.AuthoritySID, msid); err != nil {
		t.Errorf("Authenticate SID with the MSID = %v", err)
	}
	// As SID the C_PIN_SID PIN stays unreadable.
	if _, err := table.GetCell(s, table.RowUID{0, 0, 0, 0x0B, 0, 0, 0, 1}, 3, "PIN"); !errors.Is(err, core.ErrMethodStatusNotAuthorized) {
		t.Errorf("Get C_PIN_SID PIN = %v; want NOT_AUTHORIZED", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if tp.InSession() {
		t.Error("session open after Close")
	}
}

func TestOracleInitializeAfterRevert(t *testing.T) {
	tp := New(Config{})
	tp.TakeOwnership("owner")
	if err := tp.LockRange(1, 8, 8); err != nil {
		t.Fatal(err)
	}
	_, cs := control(t, tp)
	s := adminSession(t, cs, &core.AuthorityPSID, DefaultPSID)
	if _, err := s.ExecuteMethod(s.NewMethodCall(core.InvokingID(core.AdminSP), methodRevert)); err != nil {
		t.Fatalf("Revert as PSID: %v", err)
	}
	if tp.InSession() || !tp.SIDIsMSID() || tp.LockingActive() || tp.Locked() || tp.Reverts() != 1 {
		t.Fatalf("after Revert: session %v, SID = MSID %v, locking active %v, locked %v, reverts %d",
			tp.InSession(), tp.SIDIsMSID(), tp.LockingActive(), tp.Locked(), tp.Reverts())
	}
	// locking.Initialize authenticates as SID with the MSID and finds
	// the Locking SP inactive (it cannot activate in v0.8.21).
	_, _, err := locking.Initialize(oracleDrive{tp}, locking.WithAuth(locking.DefaultAuthorityWithMSID))
	if err == nil || !strings.Contains(err.Error(), "not active") {
		t.Fatalf("Initialize on a reverted drive = %v; want locking SP not active", err)
	}
	tp.PowerCycle() // Initialize left its Admin SP session open
	_, cs = control(t, tp)
	s = adminSession(t, cs, &core.AuthoritySID, DefaultMSID)
	if _, err := s.ExecuteMethod(s.NewMethodCall(core.InvokingID(core.LockingSP), table.MethodIDAdmin_Activate)); err != nil {
		t.Fatalf("Activate: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	cs, lmeta, err := locking.Initialize(oracleDrive{tp}, locking.WithAuth(locking.DefaultAuthorityWithMSID))
	if err != nil {
		t.Fatalf("Initialize after Activate: %v", err)
	}
	l, err := locking.NewSession(cs, lmeta, locking.DefaultAuthorityWithMSID)
	if err != nil {
		t.Fatalf("locking.NewSession as Admin1 with the MSID: %v", err)
	}
	if len(l.Ranges) != 9 || l.GlobalRange == nil || l.Ranges[1].ReadLockEnabled || l.Ranges[1].ReadLocked {
		t.Fatalf("ranges %d, global %v, range 1 %+v; want 9 unlocked", len(l.Ranges), l.GlobalRange, l.Ranges[1])
	}
	info, err := table.LockingInfo(l.Session)
	if err != nil || info.MaxRanges == nil || *info.MaxRanges != 8 {
		t.Errorf("LockingInfo MaxRanges %v, %v; want 8", info, err)
	}
	r := l.Ranges[1]
	if err := r.SetReadLockEnabled(true); err != nil {
		t.Fatal(err)
	}
	if err := r.LockRead(); err != nil {
		t.Fatal(err)
	}
	if read, write := tp.RangeLocked(1); !read || write {
		t.Errorf("range 1 locked read %v write %v; want read only", read, write)
	}
	row, err := table.Locking_Get(l.Session, r.UID)
	if err != nil || row.ActiveKey == nil || *row.ActiveKey != (table.RowUID(kAESRange1)) {
		t.Errorf("Range1 ActiveKey %v, %v; want K_AES_256 Range1", row, err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestOracleEnterprise(t *testing.T) {
	tp := New(Config{Kind: Enterprise, Ranges: 2})
	d0, cs := control(t, tp)
	if d0.Enterprise == nil || cs.ProtocolLevel != core.ProtocolLevelEnterprise {
		t.Fatalf("Enterprise feature %v, protocol level %v", d0.Enterprise, cs.ProtocolLevel)
	}
	s := adminSession(t, cs, nil, "")
	msid, err := table.Admin_C_PIN_MSID_GetPIN(s)
	if err != nil || string(msid) != DefaultMSID {
		t.Fatalf("Enterprise MSID = %q, %v", msid, err)
	}
	if err := table.ThisSP_Authenticate(s, core.AuthoritySID, msid); err != nil {
		t.Errorf("Enterprise Authenticate SID = %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	cs, lmeta, err := locking.Initialize(oracleDrive{tp}, locking.WithAuth(locking.DefaultAuthorityWithMSID))
	if err != nil {
		t.Fatalf("Initialize: %v", err)
	}
	l, err := locking.NewSession(cs, lmeta, locking.DefaultAuthorityWithMSID)
	if err != nil {
		t.Fatalf("NewSession as BandMaster0: %v", err)
	}
	// BandMaster0 reads all of Band0 and only the public columns of the
	// others.
	if len(l.Ranges) != 3 || l.GlobalRange == nil {
		t.Fatalf("bands %d, global %v; want 3", len(l.Ranges), l.GlobalRange)
	}
	if err := l.GlobalRange.SetWriteLockEnabled(true); err != nil {
		t.Fatal(err)
	}
	if err := l.GlobalRange.LockWrite(); err != nil {
		t.Fatal(err)
	}
	if _, w := tp.RangeLocked(0); !w {
		t.Error("Band0 not write locked")
	}
	if err := l.Ranges[1].LockWrite(); !errors.Is(err, core.ErrMethodStatusNotAuthorized) {
		t.Errorf("BandMaster0 locking Band1 = %v; want NOT_AUTHORIZED", err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
}
