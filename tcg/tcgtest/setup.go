package tcgtest

import (
	"errors"
	"fmt"
)

// ErrSetup is what a set-up helper returns when the TPer's state does not
// allow the change (e.g. locking a range of an inactive Locking SP).
var ErrSetup = errors.New("tcgtest: set-up not possible in this state")

// The set-up helpers model what an owner did to the drive before the test
// (state changes, not protocol).

// TakeOwnership sets SID's PIN to sidPIN. For the Opal family it also
// activates the Locking SP (Admin1's PIN becomes sidPIN, as Activate
// copies it); for Enterprise the BandMasters' and EraseMaster's PINs
// become sidPIN.
func (t *TPer) TakeOwnership(sidPIN string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.sidPIN = []byte(sidPIN)
	if t.cfg.Kind == Enterprise {
		for a := range t.pins {
			t.pins[a] = []byte(sidPIN)
		}
		return
	}
	if t.lockingLife != lifeManufactured {
		t.resetLockingSP()
		t.lockingLife = lifeManufactured
	}
	t.pins[uidAdmin1] = []byte(sidPIN)
}

// TakeLockingSP models an owner who took over the Locking SP but left
// SID's PIN the MSID: for the Opal family the Locking SP is activated and
// Admin1's PIN becomes adminPIN; for Enterprise the EraseMaster's and the
// BandMasters' PINs become adminPIN.
func (t *TPer) TakeLockingSP(adminPIN string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.cfg.Kind == Enterprise {
		for a := range t.pins {
			t.pins[a] = []byte(adminPIN)
		}
		return
	}
	if t.lockingLife != lifeManufactured {
		t.resetLockingSP()
		t.lockingLife = lifeManufactured
	}
	t.pins[uidAdmin1] = []byte(adminPIN)
}

// LockRange sets range n (1..Ranges; an Enterprise band) to the blocks
// [startLBA, startLBA+lengthLBA) with read and write locking enabled and
// locked, LockOnReset power cycle.
func (t *TPer) LockRange(n int, startLBA, lengthLBA uint64) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if n < 1 || n > t.cfg.Ranges {
		return fmt.Errorf("%w: no range %d (the TPer has %d)", ErrSetup, n, t.cfg.Ranges)
	}
	if err := t.lockable(); err != nil {
		return err
	}
	r := &t.ranges[n]
	r.start, r.length = startLBA, lengthLBA
	r.rle, r.wle, r.rl, r.wl, r.lockOnReset = true, true, true, true, true
	return nil
}

// LockGlobalRange enables and sets read and write locking of the global
// range (Band0 for Enterprise).
func (t *TPer) LockGlobalRange() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.lockable(); err != nil {
		return err
	}
	r := &t.ranges[0]
	r.rle, r.wle, r.rl, r.wl, r.lockOnReset = true, true, true, true, true
	return nil
}

func (t *TPer) lockable() error {
	if t.cfg.Kind.opalFamily() && t.lockingLife != lifeManufactured {
		return fmt.Errorf("%w: the Locking SP is not activated", ErrSetup)
	}
	return nil
}

// EnableMBRShadow writes content at the start of the MBR table and sets
// MBRControl Enable = 1, Done = 0: reads of the first MBRSize bytes then
// return the table (Opal family, Locking SP active).
func (t *TPer) EnableMBRShadow(content []byte) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.cfg.Kind == Enterprise {
		return fmt.Errorf("%w: Enterprise has no MBR shadow", ErrSetup)
	}
	if err := t.lockable(); err != nil {
		return err
	}
	if int64(len(content)) > t.cfg.MBRSize {
		return fmt.Errorf("%w: %d bytes do not fit the %d-byte MBR table", ErrSetup, len(content), t.cfg.MBRSize)
	}
	t.mbr.write(content, 0)
	t.mbrEnable, t.mbrDone = true, false
	return nil
}

// BlockSIDAuth models the host firmware's Block SID command (Feature Set:
// Block SID; IF-SEND protocol 02h ComID 0005h, not emulated as a
// command): SID authentication is refused until PowerCycle, and Level 0
// Discovery (with Config.BlockSID) reports SID Authentication Blocked, and
// Hardware Reset when hardwareReset.
func (t *TPer) BlockSIDAuth(hardwareReset bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.sidBlocked, t.sidBlockedHW = true, hardwareReset
}

// PowerCycle models a power cycle: the session is gone, try counters are
// reset (lock-outs end), ranges with LockOnReset are locked again and
// MBRControl Done is cleared (MBRDoneOnReset = power cycle).
func (t *TPer) PowerCycle() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.sess, t.pending, t.abort, t.proto2 = nil, nil, false, nil
	t.sidBlocked, t.sidBlockedHW = false, false
	clear(t.tries)
	for i := range t.ranges {
		if t.ranges[i].lockOnReset {
			t.ranges[i].rl, t.ranges[i].wl = true, true
		}
	}
	t.mbrDone = false
}

// Read-only accessors for test assertions.

// SIDPIN returns the C_PIN_SID PIN.
func (t *TPer) SIDPIN() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.sidPIN)
}

// SIDIsMSID reports whether SID's PIN is still the MSID (never owned or
// reverted).
func (t *TPer) SIDIsMSID() bool { return t.SIDPIN() == t.cfg.MSID }

// LockingActive reports whether the Locking SP is Manufactured (always for
// Enterprise).
func (t *TPer) LockingActive() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.cfg.Kind == Enterprise || t.lockingLife == lifeManufactured
}

// Locked reports whether any range is locked for reads or writes.
func (t *TPer) Locked() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, r := range t.ranges {
		if r.rle && r.rl || r.wle && r.wl {
			return true
		}
	}
	return false
}

// RangeLocked reports whether range n (0 the global range) is locked for
// reads and for writes.
func (t *TPer) RangeLocked(n int) (read, write bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if n < 0 || n >= len(t.ranges) {
		return false, false
	}
	r := t.ranges[n]
	return r.rle && r.rl, r.wle && r.wl
}

// KeyGeneration returns how many times range n's (0: global) media key
// was regenerated.
func (t *TPer) KeyGeneration(n int) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	if n < 0 || n >= len(t.ranges) {
		return 0
	}
	return t.ranges[n].keyGen
}

// Reverts returns the number of successful Revert and RevertSP methods.
func (t *TPer) Reverts() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.reverts
}

// MBRShadow returns MBRControl's Enable and Done columns.
func (t *TPer) MBRShadow() (enable, done bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.mbrEnable, t.mbrDone
}

// SIDLockedOut reports whether SID reached its try limit.
func (t *TPer) SIDLockedOut() bool { return t.lockedOut(uidSID) }

// PSIDLockedOut reports whether PSID reached its try limit.
func (t *TPer) PSIDLockedOut() bool { return t.lockedOut(uidPSID) }

func (t *TPer) lockedOut(a uint64) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.tries[a] >= t.cfg.SIDTryLimit
}

// InSession reports whether a session is open.
func (t *TPer) InSession() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.sess != nil
}
