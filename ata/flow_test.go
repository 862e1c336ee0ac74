package ata

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/kesu-erase/kesu/ata/atatest"
	"github.com/kesu-erase/kesu/scsi"
	"github.com/kesu-erase/kesu/scsi/scsitest"
)

const testSectors = 8192 // 4 MiB of 512-byte sectors

// newEmulated creates an emulated drive filled with random data and an ata
// Device on it with a fake clock.
func newEmulated(t *testing.T, cfg atatest.Config) (*atatest.Drive, *Device) {
	t.Helper()
	if cfg.Sectors == 0 {
		cfg.Sectors = testSectors
	}
	dr, err := atatest.New(filepath.Join(t.TempDir(), "disk.img"), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dr.Close() })
	lss := cfg.LogicalSectorSize
	if lss == 0 {
		lss = 512
	}
	data := make([]byte, int(cfg.Sectors)*lss)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range data {
		data[i] = byte(r.Uint32() | 1) // never zero, so erasure is visible
	}
	if _, err := dr.WriteRaw(data, 0); err != nil {
		t.Fatal(err)
	}
	return dr, &Device{T: dr, Name: "emu", Clock: scsitest.NewFakeClock()}
}

// rawAll returns the whole backing file.
func rawAll(t *testing.T, dr *atatest.Drive, sectors uint64) []byte {
	t.Helper()
	b := make([]byte, sectors*512)
	if _, err := dr.ReadRaw(b, 0); err != nil {
		t.Fatal(err)
	}
	return b
}

func allBytes(b []byte, v byte) bool { return len(b) > 0 && bytes.Count(b, []byte{v}) == len(b) }

func commandNames(log []atatest.Entry) []string {
	var names []string
	for _, e := range log {
		names = append(names, e.Name)
	}
	return names
}

func hasCommand(log []atatest.Entry, name string) bool {
	for _, e := range log {
		if e.Name == name {
			return true
		}
	}
	return false
}

func securityConfig() atatest.Config {
	return atatest.Config{Security: true, EnhancedErase: true, EraseTime: 2, EnhancedTime: 3,
		EnhancedPattern: 0x5A, RotationRate: 7200}
}

func TestSecurityEraseEnhancedErasesAndDisables(t *testing.T) {
	dr, dev := newEmulated(t, securityConfig())
	var recorded []Password
	res, err := dev.SecurityErase(context.Background(), SecurityEraseOptions{
		Enhanced: true,
		Record:   func(p Password) error { recorded = append(recorded, p); return nil },
	})
	if err != nil {
		t.Fatalf("SecurityErase() error = %v; want nil (result %+v)", err, res)
	}
	if !res.Erased || !res.Enhanced || !res.PasswordSet {
		t.Errorf("SecurityErase() result Erased=%v Enhanced=%v PasswordSet=%v; want all true", res.Erased, res.Enhanced, res.PasswordSet)
	}
	if len(recorded) != 1 || len(recorded[0].String()) != 20 {
		t.Fatalf("Record called with %q; want one 20-character password", recorded)
	}
	if got := rawAll(t, dr, testSectors); !allBytes(got, 0x5A) {
		t.Errorf("medium after enhanced erase is not all 0x5A (first bytes % x)", got[:16])
	}
	st := dr.State()
	if st.SecurityEnabled || st.UserPassword != "" {
		t.Errorf("drive state after erase = %+v; want security disabled, no user password", st)
	}
	// The flow as sent: IDENTIFY, SET PASSWORD, IDENTIFY, PREPARE, UNIT, IDENTIFY.
	want := []string{atatest.OpIdentify, atatest.OpSetPassword, atatest.OpIdentify,
		atatest.OpErasePrepare, atatest.OpEraseUnit, atatest.OpIdentify}
	if got := commandNames(dr.Log()); !equalStrings(got, want) {
		t.Errorf("commands sent = %q; want %q", got, want)
	}
	// The timeout follows hdparm's rule from word 90 = 3: (3*2+60) min = 66 min,
	// above the capacity estimate (4 MiB -> 0 s + 30 min).
	log := dr.Log()
	if got, want := log[4].Timeout, 66*time.Minute; got != want {
		t.Errorf("ERASE UNIT timeout = %v; want %v", got, want)
	}
	if res.DriveEstimate != 6*time.Minute {
		t.Errorf("DriveEstimate = %v; want 6m (word 90 = 3)", res.DriveEstimate)
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestSecurityEraseFrozenSetsNoPassword(t *testing.T) {
	cfg := securityConfig()
	cfg.FreezeAtPowerOn = true
	dr, dev := newEmulated(t, cfg)
	called := false
	res, err := dev.SecurityErase(context.Background(), SecurityEraseOptions{
		Record: func(Password) error { called = true; return nil },
	})
	if !errors.Is(err, ErrFrozen) {
		t.Fatalf("SecurityErase(frozen) error = %v; want ErrFrozen", err)
	}
	var ce *CommandError
	if !errors.As(err, &ce) {
		t.Errorf("SecurityErase(frozen) error %T is not a *CommandError", err)
	}
	if called || res.PasswordRecorded || res.PasswordSet {
		t.Errorf("frozen drive: Record called=%v, result %+v; want no password handling at all", called, res)
	}
	if hasCommand(dr.Log(), atatest.OpSetPassword) {
		t.Errorf("frozen drive: SET PASSWORD was sent (log %q)", commandNames(dr.Log()))
	}
	if st := dr.State(); st.SecurityEnabled {
		t.Errorf("frozen drive: security enabled afterwards")
	}
}

func TestSecurityEraseFreezeRaceIsErrFrozen(t *testing.T) {
	// The drive freezes between our IDENTIFY and SET PASSWORD (another
	// program sent FREEZE LOCK): SET PASSWORD aborts, no password stays.
	dr, dev := newEmulated(t, securityConfig())
	dr.Faults.FreezeOn = map[string]bool{atatest.OpSetPassword: true}
	res, err := dev.SecurityErase(context.Background(), SecurityEraseOptions{Record: func(Password) error { return nil }})
	if !errors.Is(err, ErrFrozen) || !errors.Is(err, ErrAborted) {
		t.Fatalf("SecurityErase() error = %v; want ErrFrozen and ErrAborted", err)
	}
	if res.PasswordSet || dr.State().SecurityEnabled {
		t.Errorf("password set = %v, drive enabled = %v; want neither", res.PasswordSet, dr.State().SecurityEnabled)
	}
}

func TestSecurityEraseRecordFailureSetsNoPassword(t *testing.T) {
	dr, dev := newEmulated(t, securityConfig())
	_, err := dev.SecurityErase(context.Background(), SecurityEraseOptions{
		Record: func(Password) error { return errors.New("stick full") },
	})
	if !errors.Is(err, ErrNotRecorded) {
		t.Fatalf("SecurityErase() error = %v; want ErrNotRecorded", err)
	}
	if hasCommand(dr.Log(), atatest.OpSetPassword) {
		t.Errorf("SET PASSWORD sent although the password was not recorded")
	}
}

func TestSecurityEraseFailsMidwayRecoversPassword(t *testing.T) {
	dr, dev := newEmulated(t, securityConfig())
	dr.Faults.EraseFailAt = 0.5
	var recorded Password
	res, err := dev.SecurityErase(context.Background(), SecurityEraseOptions{
		Record: func(p Password) error { recorded = p; return nil },
	})
	if !errors.Is(err, ErrAborted) {
		t.Fatalf("SecurityErase() error = %v; want ErrAborted", err)
	}
	if recorded.IsZero() || !res.PasswordRecorded || !res.PasswordSet {
		t.Errorf("password recorded=%v set=%v; want both", res.PasswordRecorded, res.PasswordSet)
	}
	if res.Erased {
		t.Errorf("Erased = true after a failed ERASE UNIT")
	}
	if res.Recovery == nil || !res.Recovery.Attempted || !res.Recovery.Disabled {
		t.Fatalf("Recovery = %+v; want attempted and disabled", res.Recovery)
	}
	log := commandNames(dr.Log())
	tail := log[len(log)-3:]
	if want := []string{atatest.OpUnlock, atatest.OpDisablePassword, atatest.OpIdentify}; !equalStrings(tail, want) {
		t.Errorf("recovery commands = %q; want %q", tail, want)
	}
	if dr.State().SecurityEnabled {
		t.Errorf("security still enabled after recovery")
	}
	// Half the medium was erased (zeros), the rest untouched.
	raw := rawAll(t, dr, testSectors)
	if !allBytes(raw[:len(raw)/2], 0) || bytes.IndexByte(raw[len(raw)/2:], 0) >= 0 {
		t.Errorf("medium after a half erase: first half zero=%v, second half untouched=%v",
			allBytes(raw[:len(raw)/2], 0), bytes.IndexByte(raw[len(raw)/2:], 0) < 0)
	}
}

func TestSecurityEraseTimeoutRecoversPassword(t *testing.T) {
	dr, dev := newEmulated(t, securityConfig())
	dr.Faults.EraseUnitTime = 3 * time.Hour // longer than 36 min + margin
	res, err := dev.SecurityErase(context.Background(), SecurityEraseOptions{Record: func(Password) error { return nil }})
	if !errors.Is(err, scsi.ErrTimeout) {
		t.Fatalf("SecurityErase() error = %v; want scsi.ErrTimeout", err)
	}
	if res.Recovery == nil || !res.Recovery.Disabled {
		t.Errorf("Recovery = %+v; want disabled", res.Recovery)
	}
}

func TestSecurityEraseFakeSuccessCaughtByReadBack(t *testing.T) {
	dr, dev := newEmulated(t, securityConfig())
	dr.Faults.FakeSuccess = map[string]bool{atatest.OpEraseUnit: true}
	res, err := dev.SecurityErase(context.Background(), SecurityEraseOptions{Record: func(Password) error { return nil }})
	if err != nil || !res.Erased {
		t.Fatalf("SecurityErase() = %+v, %v; the lying drive should look successful", res, err)
	}
	// Read-back through the media, as the verifier does: a normal erase
	// must leave zeros; this drive left the old data.
	m := dr.Media()
	if bad := sampleNonZero(t, m.ReadAt, m.Size()); bad == 0 {
		t.Errorf("read-back found no non-zero sector after a fake erase; want it caught")
	}
}

// sampleNonZero reads 64 evenly spread sectors and counts those not all
// zero — a miniature of the verifier's read-back.
func sampleNonZero(t *testing.T, readAt func([]byte, int64) (int, error), size int64) int {
	t.Helper()
	bad := 0
	buf := make([]byte, 512)
	sectors := size / 512
	for i := int64(0); i < 64; i++ {
		off := (i * (sectors - 1) / 63) * 512
		if _, err := readAt(buf, off); err != nil {
			t.Fatalf("ReadAt(%d) error = %v", off, err)
		}
		if !allBytes(buf, 0) {
			bad++
		}
	}
	return bad
}

func TestSecurityEraseRefusals(t *testing.T) {
	tests := []struct {
		name  string
		cfg   func(*atatest.Config)
		setup func(*atatest.Drive)
		opts  SecurityEraseOptions
		want  error
	}{
		{"unsupported", func(c *atatest.Config) { c.Security = false }, nil, SecurityEraseOptions{}, ErrUnsupported},
		{"enhanced unsupported", func(c *atatest.Config) { c.EnhancedErase = false }, nil, SecurityEraseOptions{Enhanced: true}, ErrUnsupported},
		{"already enabled", nil, func(d *atatest.Drive) { d.SetUserPassword("someone") }, SecurityEraseOptions{}, ErrSecurityEnabled},
		{"locked", nil, func(d *atatest.Drive) { d.SetUserPassword("someone"); d.PowerCycle() }, SecurityEraseOptions{}, ErrLocked},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := securityConfig()
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			dr, dev := newEmulated(t, cfg)
			if tc.setup != nil {
				tc.setup(dr)
			}
			tc.opts.Record = func(Password) error { return nil }
			_, err := dev.SecurityErase(context.Background(), tc.opts)
			if !errors.Is(err, tc.want) {
				t.Fatalf("SecurityErase() error = %v; want %v", err, tc.want)
			}
			if hasCommand(dr.Log(), atatest.OpSetPassword) {
				t.Errorf("SET PASSWORD sent on a refused erase")
			}
		})
	}
}

func TestCountExpiredAfterFiveWrongPasswords(t *testing.T) {
	dr, dev := newEmulated(t, securityConfig())
	dr.SetUserPassword("right")
	dr.PowerCycle() // locked
	wrong, _ := PasswordFromString("wrong")
	for i := 0; i < 5; i++ {
		if err := dev.Unlock(context.Background(), wrong, false); !errors.Is(err, ErrAborted) {
			t.Fatalf("Unlock(wrong) #%d error = %v; want ErrAborted", i+1, err)
		}
	}
	right, _ := PasswordFromString("right")
	if err := dev.Unlock(context.Background(), right, false); !errors.Is(err, ErrAborted) {
		t.Fatalf("Unlock(right) after 5 failures error = %v; want ErrAborted (count expired)", err)
	}
	id, err := dev.Identify(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !id.Security.CountExpired || !id.Security.Locked {
		t.Errorf("IDENTIFY security = %+v; want locked and count expired", id.Security)
	}
	if _, err := dev.SecurityErase(context.Background(), SecurityEraseOptions{Record: func(Password) error { return nil }}); !errors.Is(err, ErrCountExpired) {
		t.Errorf("SecurityErase(count expired) error = %v; want ErrCountExpired", err)
	}
	dr.PowerCycle()
	if err := dev.Unlock(context.Background(), right, false); err != nil {
		t.Errorf("Unlock(right) after power cycle error = %v; want nil", err)
	}
	if rec, _ := dev.RemovePassword(context.Background(), right); !rec.Disabled {
		t.Errorf("RemovePassword() = %+v; want disabled", rec)
	}
}

func sanitizeConfig() atatest.Config {
	return atatest.Config{SanitizeCrypto: true, SanitizeBlockErase: true, SanitizeOverwrite: true,
		RotationRate: 1, CryptoSeed: 7}
}

func TestSanitizeMethodsPollToCompletion(t *testing.T) {
	tests := []struct {
		name  string
		opts  SanitizeOptions
		check func(t *testing.T, raw, before []byte)
	}{
		{"block erase", SanitizeOptions{Method: SanitizeBlockErase}, func(t *testing.T, raw, _ []byte) {
			if !allBytes(raw, 0) {
				t.Errorf("medium after block erase not all zero")
			}
		}},
		{"crypto scramble", SanitizeOptions{Method: SanitizeCryptoScramble}, func(t *testing.T, raw, before []byte) {
			same := 0
			for i := range raw {
				if raw[i] == before[i] {
					same++
				}
			}
			// Random replacement keeps about 1/256 of the bytes by chance.
			if same > len(raw)/100 {
				t.Errorf("crypto scramble left %d of %d bytes unchanged", same, len(raw))
			}
		}},
		{"overwrite", SanitizeOptions{Method: SanitizeOverwrite, OverwritePattern: 0xA1B2C3D4, OverwritePasses: 2}, func(t *testing.T, raw, _ []byte) {
			want := []byte{0xD4, 0xC3, 0xB2, 0xA1}
			for i := 0; i < len(raw); i += 4 {
				if !bytes.Equal(raw[i:i+4], want) {
					t.Fatalf("overwrite: bytes at %d = % x; want % x", i, raw[i:i+4], want)
				}
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dr, dev := newEmulated(t, sanitizeConfig())
			dr.Faults.SanitizePolls = 4
			before := rawAll(t, dr, testSectors)
			res, err := dev.Sanitize(context.Background(), tc.opts)
			if err != nil {
				t.Fatalf("Sanitize() error = %v; result %+v", err, res)
			}
			if !res.Completed || res.Final == nil || res.Final.State != SanitizeSucceeded {
				t.Errorf("Sanitize() Completed=%v Final=%+v; want completed, SD4", res.Completed, res.Final)
			}
			if res.Polls != 4 || len(res.Progress) != 3 {
				t.Errorf("Sanitize() polls=%d progress samples=%d; want 4 and 3", res.Polls, len(res.Progress))
			}
			for i := 1; i < len(res.Progress); i++ {
				if res.Progress[i].Percent <= res.Progress[i-1].Percent {
					t.Errorf("progress not increasing: %+v", res.Progress)
				}
			}
			tc.check(t, rawAll(t, dr, testSectors), before)
		})
	}
}

func TestSanitizeFrozenAndUnsupported(t *testing.T) {
	dr, dev := newEmulated(t, sanitizeConfig())
	dr.FreezeSanitize()
	if _, err := dev.Sanitize(context.Background(), SanitizeOptions{Method: SanitizeBlockErase}); !errors.Is(err, ErrFrozen) {
		t.Errorf("Sanitize(frozen) error = %v; want ErrFrozen", err)
	}
	if hasCommand(dr.Log(), atatest.OpBlockErase) {
		t.Errorf("BLOCK ERASE sent to a frozen drive")
	}
	cfg := sanitizeConfig()
	cfg.SanitizeOverwrite = false
	dr2, dev2 := newEmulated(t, cfg)
	if _, err := dev2.Sanitize(context.Background(), SanitizeOptions{Method: SanitizeOverwrite}); !errors.Is(err, ErrUnsupported) {
		t.Errorf("Sanitize(overwrite unsupported) error = %v; want ErrUnsupported", err)
	}
	if hasCommand(dr2.Log(), atatest.OpOverwrite) {
		t.Errorf("OVERWRITE sent to a drive without it")
	}
}

func TestSanitizeFailureModeAndExit(t *testing.T) {
	for _, allow := range []bool{true, false} {
		dr, dev := newEmulated(t, sanitizeConfig())
		dr.Faults.SanitizeFailAt = 0.5
		dr.Faults.SanitizePolls = 4
		res, err := dev.Sanitize(context.Background(), SanitizeOptions{Method: SanitizeBlockErase, AllowFailureExit: allow})
		if !errors.Is(err, ErrSanitizeFailed) {
			t.Fatalf("Sanitize(fails midway) error = %v; want ErrSanitizeFailed", err)
		}
		if res.Completed || res.Final == nil || res.Final.State != SanitizeFailed {
			t.Errorf("result Completed=%v Final=%+v; want SD3", res.Completed, res.Final)
		}
		if _, err := dr.Media().ReadAt(make([]byte, 512), 0); !errors.Is(err, atatest.ErrSanitizeFailed) {
			t.Errorf("media read in SD3 error = %v; want ErrSanitizeFailed", err)
		}
		st, err := dev.ExitSanitizeFailure(context.Background())
		if allow {
			if err != nil || st.State != SanitizeIdle {
				t.Errorf("ExitSanitizeFailure(failure mode set) = %+v, %v; want SD0", st, err)
			}
			continue
		}
		if !errors.Is(err, ErrSanitizeFailed) {
			t.Errorf("ExitSanitizeFailure(failure mode clear) error = %v; want ErrSanitizeFailed", err)
		}
		// Only a successful sanitize leaves SD3 then.
		dr.Faults.SanitizeFailAt = 0
		if _, err := dev.Sanitize(context.Background(), SanitizeOptions{Method: SanitizeBlockErase}); err != nil {
			t.Errorf("Sanitize() from SD3 error = %v; want nil", err)
		}
	}
}

func TestHPAHidingTailIsRestored(t *testing.T) {
	cfg := atatest.Config{HPA: true, HPASectors: testSectors / 100}
	dr, dev := newEmulated(t, cfg)
	m := dr.Media()
	if got, want := m.Size(), int64(testSectors-testSectors/100)*512; got != want {
		t.Fatalf("Media.Size() with HPA = %d; want %d", got, want)
	}
	if _, err := m.WriteAt(make([]byte, 512), int64(testSectors-1)*512); err == nil {
		t.Fatalf("write into the HPA succeeded; want an error")
	}
	h, err := dev.RestoreHiddenAreas(context.Background(), RestoreOptions{})
	if err != nil {
		t.Fatalf("RestoreHiddenAreas() error = %v (%+v)", err, h)
	}
	if h.HPASectors != testSectors/100 || h.CurrentMax != testSectors-testSectors/100-1 || h.NativeMax != testSectors-1 {
		t.Errorf("HiddenArea = %+v; want HPA of %d sectors, native max %d", h, testSectors/100, testSectors-1)
	}
	if !h.RestoreOK || h.After != testSectors-1 {
		t.Errorf("RestoreOK=%v After=%d; want true, %d", h.RestoreOK, h.After, testSectors-1)
	}
	// An overwrite through the media now reaches the true end.
	if got := m.Size(); got != testSectors*512 {
		t.Fatalf("Media.Size() after restore = %d; want %d", got, testSectors*512)
	}
	zero := make([]byte, 64*1024)
	for off := int64(0); off < m.Size(); off += int64(len(zero)) {
		if _, err := m.WriteAt(zero, off); err != nil {
			t.Fatalf("WriteAt(%d) error = %v", off, err)
		}
	}
	if raw := rawAll(t, dr, testSectors); !allBytes(raw, 0) {
		t.Errorf("backing file not all zero after overwriting the restored drive")
	}
	// SET MAX went out immediately after READ NATIVE MAX, permanent.
	log := dr.Log()
	for i, e := range log {
		if e.Name == atatest.OpSetMaxExt {
			if i == 0 || log[i-1].Name != atatest.OpReadNativeMaxExt {
				t.Errorf("SET MAX ADDRESS EXT not directly after READ NATIVE MAX ADDRESS EXT: %q", commandNames(log))
			}
			if e.CDB[6]&1 != 1 {
				t.Errorf("SET MAX ADDRESS EXT COUNT bit 0 = 0; want permanent")
			}
		}
	}
	dr.PowerCycle()
	if st := dr.State(); st.CurrentMax != testSectors-1 {
		t.Errorf("max after power cycle = %d; want the permanent %d", st.CurrentMax, testSectors-1)
	}
}

func TestDCOAndHPARestored(t *testing.T) {
	cfg := atatest.Config{HPA: true, DCO: true, DCOSectors: 100, HPASectors: 50}
	dr, dev := newEmulated(t, cfg)
	h, err := dev.RestoreHiddenAreas(context.Background(), RestoreOptions{})
	if err != nil {
		t.Fatalf("RestoreHiddenAreas() error = %v (%+v)", err, h)
	}
	if h.HPASectors != 50 || h.DCOSectors != 100 || !h.RestoreOK || h.After != testSectors-1 {
		t.Errorf("HiddenArea = %+v; want HPA 50, DCO 100, restored to %d", h, testSectors-1)
	}
	if len(h.Restored) != 2 {
		t.Errorf("Restored = %q; want HPA and DCO steps", h.Restored)
	}
	if st := dr.State(); st.CurrentMax != testSectors-1 || st.NativeMax != testSectors-1 {
		t.Errorf("drive state = %+v; want everything at %d", st, testSectors-1)
	}
}

func TestAMARestored(t *testing.T) {
	cfg := atatest.Config{AMA: true, HPASectors: 64}
	dr, dev := newEmulated(t, cfg)
	h, err := dev.RestoreHiddenAreas(context.Background(), RestoreOptions{})
	if err != nil || !h.RestoreOK || h.HPASectors != 64 || h.NativeSource != "GET NATIVE MAX ADDRESS EXT" {
		t.Fatalf("RestoreHiddenAreas() = %+v, %v; want AMA restore of 64 sectors", h, err)
	}
	if !hasCommand(dr.Log(), atatest.OpSetAccessibleMax) || hasCommand(dr.Log(), atatest.OpSetMaxExt) {
		t.Errorf("commands = %q; want SET ACCESSIBLE MAX ADDRESS EXT and no SET MAX", commandNames(dr.Log()))
	}
}

func TestHPARestoreRefusedIsReported(t *testing.T) {
	// Like QEMU's AHCI disk: READ NATIVE MAX works, SET MAX aborts.
	cfg := atatest.Config{HPA: true, HPASectors: 10}
	dr, dev := newEmulated(t, cfg)
	dr.Faults.Abort = map[string]bool{atatest.OpSetMaxExt: true}
	h, err := dev.RestoreHiddenAreas(context.Background(), RestoreOptions{})
	if !errors.Is(err, ErrVerify) {
		t.Fatalf("RestoreHiddenAreas() error = %v; want ErrVerify", err)
	}
	if h.RestoreOK || len(h.Failures) == 0 || h.After != testSectors-11 {
		t.Errorf("HiddenArea = %+v; want a failed restore with the abort recorded", h)
	}
}

func TestPassThroughRejectedIsTyped(t *testing.T) {
	dr, dev := newEmulated(t, atatest.Config{})
	dr.Faults.RejectPassThrough = true
	_, err := dev.Identify(context.Background())
	if !errors.Is(err, ErrPassThroughRejected) || !errors.Is(err, ErrUnsupported) {
		t.Errorf("Identify() through a rejecting bridge error = %v; want ErrPassThroughRejected and ErrUnsupported", err)
	}
}

func TestSenseLayoutsAllDecide(t *testing.T) {
	// The same aborted command must be an ErrAborted whatever layout the
	// kernel uses, and a successful CK_COND command must yield registers.
	for _, layout := range []scsi.ATALayout{scsi.ATAFixedLibata, scsi.ATAFixedSAT, scsi.ATADescriptor} {
		t.Run(layout.String(), func(t *testing.T) {
			cfg := atatest.Config{HPA: true, ErrorLayout: layout}
			_, dev := newEmulated(t, cfg)
			// SET MAX without READ NATIVE MAX before it aborts.
			_, err := dev.Exec(context.Background(), SetMaxCommand(true, 100, false))
			var ce *CommandError
			if !errors.Is(err, ErrAborted) || !errors.As(err, &ce) || ce.Status.Registers == nil || ce.Status.Registers.Layout != layout {
				t.Fatalf("SET MAX out of order error = %v; want ErrAborted with %v registers", err, layout)
			}
			if ce.Status.Registers.Status != 0x51 || ce.Status.Registers.Error != 0x04 {
				t.Errorf("registers = %v; want status 51 error 04", ce.Status.Registers)
			}
		})
	}
}
