package tcg

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// UIDs as the sends are described (invoking method), written out from
// the specs rather than taken from the package's variables.
const (
	cProperties   = "00000000000000FF 000000000000FF01"
	cStartSession = "00000000000000FF 000000000000FF02"
	cGetMSID      = "0000000B00008402 0000000600000016"
	cEOS          = "EOS"
)

func calls(f *fakeTPer) []string {
	var out []string
	for _, s := range f.sends {
		out = append(out, s.call())
	}
	return out
}

// want turns "INVOKING METHOD" descriptions into what sent.call returns.
func want(cs ...string) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = strings.ReplaceAll(c, " ", "")
		if c != cEOS {
			out[i] = c[:16] + " " + c[17:]
		}
	}
	return out
}

// stepSummary is "What: Status" (or "What: !error") for each step.
func stepSummary(steps []Step) []string {
	var out []string
	for _, s := range steps {
		if s.Error != "" {
			out = append(out, s.What+": !"+s.Error)
		} else {
			out = append(out, s.What+": "+s.Status)
		}
	}
	return out
}

// noSecret fails when secret appears in a step or in err.
func noSecret(t *testing.T, secret []byte, steps []Step, err error) {
	t.Helper()
	var all []string
	for _, s := range steps {
		all = append(all, s.What, s.Status, s.Error)
	}
	if err != nil {
		all = append(all, err.Error())
	}
	for _, s := range all {
		if strings.Contains(s, string(secret)) || strings.Contains(strings.ToUpper(s), hexOf(secret)) {
			t.Errorf("a credential appears in %q", s)
		}
	}
}

func opalDiscovery(t *testing.T) *Discovery {
	d, err := Decode(opal2Level0())
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func enterpriseDiscovery(t *testing.T) *Discovery {
	d, err := Decode(enterpriseLevel0())
	if err != nil {
		t.Fatal(err)
	}
	d.TPer.Sync = true
	return d
}

// sidStartSession is the StartSession an Opal ownership check or erase
// sends for HSN hsn: AdminSP, Write, HostChallenge = MSID,
// HostSigningAuthority = SID.
func sidStartSession(hsn string) []byte {
	return cat("F8", hSMU, "A8 00 00 00 00 00 00 FF 02 F0", hsn, "A8 00 00 02 05 00 00 00 01 01 F2 00", msidAtom(),
		"F3 F2 03 A8 00 00 00 09 00 00 00 06 F3 F1 F9 F0 00 00 00 F1")
}

func TestOwnership(t *testing.T) {
	msidSteps := []string{"Properties: SUCCESS", "StartSession AdminSP as Anybody: SUCCESS",
		"Get C_PIN_MSID PIN: SUCCESS", "EndOfSession AdminSP: SUCCESS"}
	for _, tc := range []struct {
		name   string
		sid    []reply // the answers to the SID StartSession on
		owner  Owner
		is     error
		sends  []string
		steps  []string
		errSub string
	}{
		{"never owned", []reply{syncSession(2), eos(2)}, NeverOwned, nil,
			want(cProperties, cStartSession, cGetMSID, cEOS, cStartSession, cEOS),
			[]string{"StartSession AdminSP as SID: SUCCESS", "EndOfSession AdminSP: SUCCESS"}, ""},
		{"owned", []reply{plainFail(0x01)}, Owned, nil,
			want(cProperties, cStartSession, cGetMSID, cEOS, cStartSession),
			[]string{"StartSession AdminSP as SID: NOT_AUTHORIZED"}, ""},
		{"locked out", []reply{smFail(0x12)}, OwnerUnknown, ErrAuthorityLockedOut,
			want(cProperties, cStartSession, cGetMSID, cEOS, cStartSession),
			[]string{"StartSession AdminSP as SID: AUTHORITY_LOCKED_OUT"}, "locked out"},
		{"SP busy", []reply{smFail(0x03)}, OwnerUnknown, nil,
			want(cProperties, cStartSession, cGetMSID, cEOS, cStartSession),
			[]string{"StartSession AdminSP as SID: SP_BUSY"}, "SP_BUSY"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeTPer{t: t, comID: 0x07FE, script: append([]reply{
				properties(), syncSession(1), opalGet(1, 3, msidAtom()), eos(1)}, tc.sid...)}
			owner, steps, err := Ownership(context.Background(), f, opalDiscovery(t))
			if owner != tc.owner {
				t.Errorf("Ownership = %v; want %v", owner, tc.owner)
			}
			switch {
			case tc.is != nil && !errors.Is(err, tc.is):
				t.Errorf("Ownership error = %v; want it to wrap %v", err, tc.is)
			case tc.errSub == "" && err != nil:
				t.Errorf("Ownership error = %v", err)
			case tc.errSub != "" && (err == nil || !strings.Contains(err.Error(), tc.errSub)):
				t.Errorf("Ownership error = %v; want one saying %q", err, tc.errSub)
			}
			if d := cmp.Diff(tc.sends, calls(f)); d != "" {
				t.Fatalf("sends (-want +got):\n%s", d)
			}
			if d := cmp.Diff(append(msidSteps, tc.steps...), stepSummary(steps)); d != "" {
				t.Errorf("steps (-want +got):\n%s", d)
			}
			if got := f.sends[4].payload; !bytes.Equal(got, sidStartSession("02")) {
				t.Errorf("SID StartSession\n got % X\nwant % X", got, sidStartSession("02"))
			}
			// The session packets carry the TSN/HSN SyncSession gave;
			// the session manager's carry 0/0.
			if s := f.sends[2]; s.tsn != 0x1001 || s.hsn != 1 {
				t.Errorf("Get MSID sent in session TSN %d HSN %d; want 4097/1", s.tsn, s.hsn)
			}
			if s := f.sends[1]; s.tsn != 0 || s.hsn != 0 {
				t.Errorf("StartSession sent in session TSN %d HSN %d; want 0/0", s.tsn, s.hsn)
			}
			noSecret(t, testMSID, steps, err)
			if len(f.script) != 0 {
				t.Errorf("%d answers not read", len(f.script))
			}
		})
	}

	t.Run("SID blocked", func(t *testing.T) {
		d := opalDiscovery(t)
		d.BlockSID.SIDBlocked = true
		f := &fakeTPer{t: t, comID: 0x07FE}
		owner, _, err := Ownership(context.Background(), f, d)
		if owner != OwnerUnknown || err == nil || !strings.Contains(err.Error(), "Block SID") || len(f.sends) != 0 {
			t.Errorf("Ownership (SID blocked) = %v, %v after %d sends; want OwnerUnknown and the reason, nothing sent", owner, err, len(f.sends))
		}
	})
}

var testPSID = []byte("0123456789ABCDEFGHIJKLMNOPQRSTUV")

func TestPSIDRevert(t *testing.T) {
	const cRevert = "0000020500000001 0000000600000202"
	psidSS := cat("F8", hSMU, "A8 00 00 00 00 00 00 FF 02 F0 01 A8 00 00 02 05 00 00 00 01 01 F2 00 D0 20", testPSID,
		"F3 F2 03 A8 00 00 00 09 00 01 FF 01 F3 F1 F9 F0 00 00 00 F1")
	for _, tc := range []struct {
		name   string
		script []reply
		is     error
		sends  []string
		steps  []string
	}{
		{"reverted", []reply{properties(), syncSession(1), ok(1)}, nil,
			want(cProperties, cStartSession, cRevert),
			[]string{"Properties: SUCCESS", "StartSession AdminSP as PSID: SUCCESS", "Revert AdminSP: SUCCESS"}},
		{"wrong PSID", []reply{properties(), plainFail(0x01)}, ErrNotAuthorized,
			want(cProperties, cStartSession),
			[]string{"Properties: SUCCESS", "StartSession AdminSP as PSID: NOT_AUTHORIZED"}},
		{"Revert fails: the session is closed", []reply{properties(), syncSession(1), in(1, plainFail(0x3F)), eos(1)}, nil,
			want(cProperties, cStartSession, cRevert, cEOS),
			[]string{"Properties: SUCCESS", "StartSession AdminSP as PSID: SUCCESS", "Revert AdminSP: FAIL", "EndOfSession AdminSP: SUCCESS"}},
		{"Revert fails: the TPer closes the session (CloseSession for the session manager)", []reply{properties(), syncSession(1),
			{payload: cat("F8", hSMU, "A8 00 00 00 00 00 00 FF 06 F0 01 82 10 01 F1", okTail)}}, nil,
			want(cProperties, cStartSession, cRevert),
			[]string{"Properties: SUCCESS", "StartSession AdminSP as PSID: SUCCESS", "Revert AdminSP: !the TPer closed the session"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeTPer{t: t, comID: 0x07FE, script: tc.script}
			steps, err := PSIDRevert(context.Background(), f, opalDiscovery(t), testPSID)
			failed := strings.Contains(tc.name, "fail") || tc.is != nil
			if failed != (err != nil) || (tc.is != nil && !errors.Is(err, tc.is)) {
				t.Errorf("PSIDRevert error = %v; want failure %v wrapping %v", err, failed, tc.is)
			}
			if d := cmp.Diff(tc.sends, calls(f)); d != "" {
				t.Fatalf("sends (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tc.steps, stepSummary(steps)); d != "" {
				t.Errorf("steps (-want +got):\n%s", d)
			}
			if !bytes.Equal(f.sends[1].payload, psidSS) {
				t.Errorf("PSID StartSession\n got % X\nwant % X", f.sends[1].payload, psidSS)
			}
			noSecret(t, testPSID, steps, err)
		})
	}

	t.Run("PSID longer than the TPer takes", func(t *testing.T) {
		long := bytes.Repeat([]byte("P"), 2000)
		f := &fakeTPer{t: t, comID: 0x07FE, script: []reply{properties()}}
		steps, err := PSIDRevert(context.Background(), f, opalDiscovery(t), long)
		if err == nil || len(f.sends) != 1 {
			t.Errorf("PSIDRevert (2000-byte PSID) = %v after %d sends; want a refusal before StartSession", err, len(f.sends))
		}
		noSecret(t, long[:40], steps, err)
	})
}

func TestCryptoEraseOpal(t *testing.T) {
	const (
		cGetLife     = "0000020500000002 0000000600000016"
		cActivate    = "0000020500000002 0000000600000203"
		cGetInfo     = "0000080100000001 0000000600000016"
		cGetGlobal   = "0000080200000001 0000000600000016"
		cGenGlobal   = "0000080600000001 0000000600000010"
		cGetRange1   = "0000080200030001 0000000600000016"
		cGenRange1   = "0000080600030001 0000000600000010"
		cRevert      = "0000020500000001 0000000600000202"
		keyGlobal    = "A8 00 00 08 06 00 00 00 01"
		keyRange1    = "A8 00 00 08 06 00 03 00 01"
		admin1Signer = "F2 03 A8 00 00 00 09 00 01 00 01 F3"
	)
	f := &fakeTPer{t: t, comID: 0x07FE, script: []reply{
		properties(),
		syncSession(1), opalGet(1, 3, msidAtom()), eos(1),
		syncSession(2), opalGet(2, 6, hx("08")), ok(2), eos(2),
		syncSession(3), opalGet(3, 4, hx("01")),
		opalGet(3, 10, hx(keyGlobal)), ok(3), opalGet(3, 10, hx(keyRange1)), ok(3), eos(3),
		syncSession(4), ok(4),
	}}
	steps, err := CryptoErase(context.Background(), f, opalDiscovery(t))
	if err != nil {
		t.Fatalf("CryptoErase = %v", err)
	}
	wantSends := want(cProperties,
		cStartSession, cGetMSID, cEOS,
		cStartSession, cGetLife, cActivate, cEOS,
		cStartSession, cGetInfo, cGetGlobal, cGenGlobal, cGetRange1, cGenRange1, cEOS,
		cStartSession, cRevert)
	if d := cmp.Diff(wantSends, calls(f)); d != "" {
		t.Fatalf("sends (-want +got):\n%s", d)
	}
	wantSteps := []string{"Properties: SUCCESS",
		"StartSession AdminSP as Anybody: SUCCESS", "Get C_PIN_MSID PIN: SUCCESS", "EndOfSession AdminSP: SUCCESS",
		"StartSession AdminSP as SID: SUCCESS", "Get LockingSP LifeCycleState: SUCCESS", "Activate LockingSP: SUCCESS", "EndOfSession AdminSP: SUCCESS",
		"StartSession LockingSP as Admin1: SUCCESS", "Get LockingInfo MaxRanges: SUCCESS",
		"Get GlobalRange ActiveKey: SUCCESS", "GenKey K_AES_256 GlobalRange: SUCCESS",
		"Get Range 1 ActiveKey: SUCCESS", "GenKey K_AES_256 Range 1: SUCCESS", "EndOfSession LockingSP: SUCCESS",
		"StartSession AdminSP as SID: SUCCESS", "Revert AdminSP: SUCCESS"}
	if d := cmp.Diff(wantSteps, stepSummary(steps)); d != "" {
		t.Errorf("steps (-want +got):\n%s", d)
	}
	// The SID and Admin1 sessions authenticate with the MSID.
	if !bytes.Equal(f.sends[4].payload, sidStartSession("02")) {
		t.Errorf("SID StartSession\n got % X\nwant % X", f.sends[4].payload, sidStartSession("02"))
	}
	admin1 := cat("F8", hSMU, "A8 00 00 00 00 00 00 FF 02 F0 03 A8 00 00 02 05 00 00 00 02 01 F2 00", msidAtom(), "F3", admin1Signer, "F1 F9 F0 00 00 00 F1")
	if !bytes.Equal(f.sends[8].payload, admin1) {
		t.Errorf("Admin1 StartSession\n got % X\nwant % X", f.sends[8].payload, admin1)
	}
	// The Get of LockingInfo: [ [ 3 = 4, 4 = 4 ] ].
	getInfo := hx("F8 A8 00 00 08 01 00 00 00 01 A8 00 00 00 06 00 00 00 16 F0 F0 F2 03 04 F3 F2 04 04 F3 F1 F1 F9 F0 00 00 00 F1")
	if !bytes.Equal(f.sends[9].payload, getInfo) {
		t.Errorf("Get LockingInfo\n got % X\nwant % X", f.sends[9].payload, getInfo)
	}
	noSecret(t, testMSID, steps, err)
	for i, s := range steps {
		if s.Start.IsZero() || s.End.Before(s.Start) {
			t.Errorf("step %d %q: start %v end %v", i, s.What, s.Start, s.End)
		}
	}
}

func TestCryptoEraseOpalFailure(t *testing.T) {
	// Locking SP already Manufactured, no ranges besides the global one,
	// GenKey refused: the Admin1 session is closed, no Revert follows.
	f := &fakeTPer{t: t, comID: 0x07FE, script: []reply{
		properties(),
		syncSession(1), opalGet(1, 3, msidAtom()), eos(1),
		syncSession(2), opalGet(2, 6, hx("09")), eos(2),
		syncSession(3), opalGet(3, 4, hx("00")), opalGet(3, 10, hx("A8 00 00 08 05 00 00 00 01")), in(3, plainFail(0x03)), eos(3),
	}}
	steps, err := CryptoErase(context.Background(), f, opalDiscovery(t))
	var me *MethodError
	if !errors.As(err, &me) || me.Status != StatusSPBusy || me.Method != "GenKey K_AES_128 GlobalRange" {
		t.Errorf("CryptoErase = %v; want the GenKey's SP_BUSY", err)
	}
	got := calls(f)
	if got[len(got)-1] != cEOS || strings.Contains(strings.Join(got, ","), "0000000600000202") {
		t.Errorf("sends %v; want the session closed and no Revert", got)
	}
	if len(steps) != 12 || steps[10].Status != "SP_BUSY" || steps[11].What != "EndOfSession LockingSP" {
		t.Errorf("steps %v", stepSummary(steps))
	}
}

func TestCryptoEraseEnterprise(t *testing.T) {
	entGet := func(hsn byte, name string, v []byte) reply {
		return in(hsn, reply{payload: cat("F0 F0 F0 F2", []byte{0xA0 | byte(len(name))}, []byte(name), v, "F3 F1 F1 F1", okTail)})
	}
	f := &fakeTPer{t: t, comID: 0x07FE, script: []reply{
		properties(),
		syncSession(1), entGet(1, "PIN", msidAtom()), eos(1),
		syncSession(2), in(2, plainFail(0x0C)), entGet(2, "MaxRanges", hx("01")), ok(2), ok(2), eos(2),
	}}
	steps, err := CryptoErase(context.Background(), f, enterpriseDiscovery(t))
	if err != nil {
		t.Fatalf("CryptoErase = %v", err)
	}
	wantSends := want(cProperties,
		cStartSession, "0000000B00008402 0000000600000006", cEOS,
		cStartSession, "0000080100000001 0000000600000006", "0000080100000000 0000000600000006",
		"0000080200000001 0000000600000803", "0000080200000002 0000000600000803", cEOS)
	if d := cmp.Diff(wantSends, calls(f)); d != "" {
		t.Fatalf("sends (-want +got):\n%s", d)
	}
	wantSteps := []string{"Properties: SUCCESS",
		"StartSession AdminSP as Anybody: SUCCESS", "Get C_PIN_MSID PIN: SUCCESS", "EndOfSession AdminSP: SUCCESS",
		"StartSession LockingSP as EraseMaster: SUCCESS", "Get LockingInfo MaxRanges: INVALID_PARAMETER",
		"Get LockingInfo MaxRanges: SUCCESS", "Erase Band0: SUCCESS", "Erase Band1: SUCCESS", "EndOfSession LockingSP: SUCCESS"}
	if d := cmp.Diff(wantSteps, stepSummary(steps)); d != "" {
		t.Errorf("steps (-want +got):\n%s", d)
	}
	// Properties names its optional parameter "HostProperties"; the
	// EraseMaster session names HostChallenge and HostSigningAuthority;
	// Get names its columns.
	if !bytes.Contains(f.sends[0].payload, cat("F2 AE", []byte("HostProperties"), "F0")) {
		t.Errorf("Properties % X lacks the named HostProperties", f.sends[0].payload)
	}
	ss := cat("F8", hSMU, "A8 00 00 00 00 00 00 FF 02 F0 02 A8 00 00 02 05 00 01 00 01 01 F2 AD", []byte("HostChallenge"), msidAtom(),
		"F3 F2 D0 14", []byte("HostSigningAuthority"), "A8 00 00 00 09 00 00 84 01 F3 F1 F9 F0 00 00 00 F1")
	if !bytes.Equal(f.sends[4].payload, ss) {
		t.Errorf("EraseMaster StartSession\n got % X\nwant % X", f.sends[4].payload, ss)
	}
	getMSID := cat("F8 A8 00 00 00 0B 00 00 84 02 A8 00 00 00 06 00 00 00 06 F0 F0 F2 AB", []byte("startColumn"), "A3", []byte("PIN"),
		"F3 F2 A9", []byte("endColumn"), "A3", []byte("PIN"), "F3 F1 F1 F9 F0 00 00 00 F1")
	if !bytes.Equal(f.sends[2].payload, getMSID) {
		t.Errorf("Enterprise Get MSID\n got % X\nwant % X", f.sends[2].payload, getMSID)
	}
	noSecret(t, testMSID, steps, err)
}

func TestCryptoEraseRefused(t *testing.T) {
	pyrite, err := Decode(pyrite2Level0())
	if err != nil {
		t.Fatal(err)
	}
	noCrypt := opalDiscovery(t)
	noCrypt.Locking.MediaEncryption = false
	noSSC := opalDiscovery(t)
	noSSC.OpalV2 = nil
	for name, d := range map[string]*Discovery{"Pyrite 2": pyrite, "no media encryption": noCrypt, "no SSC": noSSC} {
		f := &fakeTPer{t: t, comID: 0x07FE}
		if steps, err := CryptoErase(context.Background(), f, d); err == nil || len(steps) != 0 || len(f.sends) != 0 {
			t.Errorf("%s: CryptoErase = %v, %v after %d sends; want a refusal", name, steps, err, len(f.sends))
		}
	}
}

func TestCancelClosesSession(t *testing.T) {
	// ctx is cancelled once the MSID Get is sent: the Get's answer is not
	// awaited, the session is still closed, nothing else is started.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := &fakeTPer{t: t, comID: 0x07FE, cancel: cancel, cancelAfter: 3, script: []reply{
		properties(), syncSession(1), eos(1)}}
	steps, err := CryptoErase(ctx, f, opalDiscovery(t))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("CryptoErase = %v; want context.Canceled", err)
	}
	if d := cmp.Diff(want(cProperties, cStartSession, cGetMSID, cEOS), calls(f)); d != "" {
		t.Errorf("sends (-want +got):\n%s", d)
	}
	if n := len(steps); n != 4 || steps[2].Error == "" || steps[3].Status != "SUCCESS" {
		t.Errorf("steps %v", stepSummary(steps))
	}
}

func TestPolling(t *testing.T) {
	f := &fakeTPer{t: t, comID: 0x07FE, script: []reply{
		{empty: true, outstanding: 1}, {empty: true, outstanding: 1}, {empty: true}, properties()}}
	c, err := newConn(f, &SSCFeature{Code: 0x0203, BaseComID: 0x07FE})
	if err != nil {
		t.Fatal(err)
	}
	var slept []time.Duration
	c.sleep = func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil }
	if err := c.properties(context.Background()); err != nil {
		t.Fatalf("properties = %v", err)
	}
	if f.recvs != 4 || !cmp.Equal(slept, []time.Duration{2 * time.Millisecond, 4 * time.Millisecond, 8 * time.Millisecond}) {
		t.Errorf("%d IF-RECVs, slept %v; want 4 and 2ms 4ms 8ms", f.recvs, slept)
	}
	if c.maxComPacket != 2048 || c.maxPacket != 2028 || c.maxIndToken != 1992 {
		t.Errorf("TPer properties %d %d %d; want 2048 2028 1992", c.maxComPacket, c.maxPacket, c.maxIndToken)
	}

	// A TPer that never answers: ErrTimeout once the clock passes the
	// timeout, the waits capped at 50 ms.
	var script []reply
	for range 100 {
		script = append(script, reply{empty: true, outstanding: 1})
	}
	f = &fakeTPer{t: t, comID: 0x07FE, script: script}
	c, _ = newConn(f, &SSCFeature{Code: 0x0203, BaseComID: 0x07FE})
	now := time.Unix(1000, 0)
	c.now = func() time.Time { return now }
	c.timeout = 300 * time.Millisecond
	slept = nil
	c.sleep = func(_ context.Context, d time.Duration) error { slept = append(slept, d); now = now.Add(d); return nil }
	if err := c.properties(context.Background()); !errors.Is(err, ErrTimeout) {
		t.Errorf("properties (no answer) = %v; want ErrTimeout", err)
	}
	if len(slept) == 0 || slept[len(slept)-1] != 50*time.Millisecond || f.recvs > 20 {
		t.Errorf("slept %v over %d IF-RECVs", slept, f.recvs)
	}

	// Cancellation while polling.
	f = &fakeTPer{t: t, comID: 0x07FE, script: script[:5]}
	c, _ = newConn(f, &SSCFeature{Code: 0x0203, BaseComID: 0x07FE})
	ctx, cancel := context.WithCancel(context.Background())
	c.sleep = func(ctx context.Context, d time.Duration) error { cancel(); return ctx.Err() }
	if err := c.properties(ctx); !errors.Is(err, context.Canceled) || f.recvs != 1 {
		t.Errorf("properties (cancelled) = %v after %d IF-RECVs; want context.Canceled after 1", err, f.recvs)
	}
}
