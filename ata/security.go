package ata

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"time"
)

// Password is an ATA security password: 32 bytes, sent as-is. Passwords
// kesu makes are printable ASCII padded with zero bytes, which is exactly
// what `hdparm --security-disable PASSWORD` sends, so a technician can
// recover a drive with hdparm and the recorded text.
type Password [32]byte

// PasswordFromString makes a password from text of 1–32 printable ASCII
// characters, zero padded like hdparm.
func PasswordFromString(s string) (Password, error) {
	var p Password
	if len(s) == 0 || len(s) > len(p) {
		return p, fmt.Errorf("ata: password must be 1-32 characters, got %d", len(s))
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return p, fmt.Errorf("ata: password must be printable ASCII without spaces")
		}
	}
	copy(p[:], s)
	return p, nil
}

// String returns the text of a password made by PasswordFromString or
// NewPassword (up to the first zero byte).
func (p Password) String() string {
	n := 0
	for n < len(p) && p[n] != 0 {
		n++
	}
	return string(p[:n])
}

// IsZero reports an all-zero password.
func (p Password) IsZero() bool { return p == Password{} }

const passwordAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"

// NewPassword returns a random 20-character password (about 115 bits) from
// an alphabet without look-alike characters, so it can be read off a record
// and typed.
func NewPassword() (Password, error) {
	b := make([]byte, 20)
	max := big.NewInt(int64(len(passwordAlphabet)))
	for i := range b {
		n, err := rand.Int(rand.Reader, max)
		if err != nil {
			return Password{}, err
		}
		b[i] = passwordAlphabet[n.Int64()]
	}
	return PasswordFromString(string(b))
}

// Security data block flags (ACS-3 7.43–7.47; hdparm.c do_set_security).
const (
	identifierMaster = 0x0001 // word 0 bit 0: 1 master password, 0 user
	eraseEnhanced    = 0x0002 // word 0 bit 1 (ERASE UNIT): enhanced erase
	capMaximum       = 0x0100 // word 0 bit 8 (SET PASSWORD): master capability Maximum
)

// SecurityBlock builds the 512-byte data block of SET PASSWORD, UNLOCK,
// ERASE UNIT and DISABLE PASSWORD: word 0 control bits, words 1–16 the
// password, word 17 the master password identifier (SET PASSWORD, master).
func SecurityBlock(control uint16, pw Password, masterID uint16) []byte {
	b := make([]byte, 512)
	b[0], b[1] = byte(control), byte(control>>8)
	copy(b[2:34], pw[:])
	b[34], b[35] = byte(masterID), byte(masterID>>8)
	return b
}

func securityCommand(name string, op byte, data []byte, timeout time.Duration) *Command {
	return &Command{Name: name, Opcode: op, Count: 1, Device: 0x40, Protocol: ProtoPIOOut, Data: data, Timeout: timeout}
}

// SetPasswordCommand builds SECURITY SET PASSWORD (F1h) for the user
// password with master password capability High.
func SetPasswordCommand(pw Password) *Command {
	return securityCommand("SECURITY SET PASSWORD", OpSecuritySetPassword, SecurityBlock(0, pw, 0), ShortTimeout)
}

// UnlockCommand builds SECURITY UNLOCK (F2h).
func UnlockCommand(pw Password, master bool) *Command {
	var ctl uint16
	if master {
		ctl |= identifierMaster
	}
	return securityCommand("SECURITY UNLOCK", OpSecurityUnlock, SecurityBlock(ctl, pw, 0), ShortTimeout)
}

// DisablePasswordCommand builds SECURITY DISABLE PASSWORD (F6h).
func DisablePasswordCommand(pw Password, master bool) *Command {
	var ctl uint16
	if master {
		ctl |= identifierMaster
	}
	return securityCommand("SECURITY DISABLE PASSWORD", OpSecurityDisable, SecurityBlock(ctl, pw, 0), ShortTimeout)
}

// ErasePrepareCommand builds SECURITY ERASE PREPARE (F3h, non-data).
func ErasePrepareCommand() *Command {
	return &Command{Name: "SECURITY ERASE PREPARE", Opcode: OpSecurityErasePrepare, Device: 0x40,
		Protocol: ProtoNonData, CheckCondition: true, Timeout: ShortTimeout}
}

// EraseUnitCommand builds SECURITY ERASE UNIT (F4h) with the user password.
func EraseUnitCommand(pw Password, enhanced bool, timeout time.Duration) *Command {
	var ctl uint16
	name := "SECURITY ERASE UNIT"
	if enhanced {
		ctl |= eraseEnhanced
		name = "SECURITY ERASE UNIT (enhanced)"
	}
	return securityCommand(name, OpSecurityEraseUnit, SecurityBlock(ctl, pw, 0), timeout)
}

// SecurityEraseOptions controls SecurityErase.
type SecurityEraseOptions struct {
	// Enhanced selects ENHANCED SECURITY ERASE UNIT (the drive must report
	// support in word 128 bit 5).
	Enhanced bool
	// Password to set; zero means a fresh random one (NewPassword).
	Password Password
	// Record receives the password before SET PASSWORD is sent. It must
	// store it durably (the erasure journal) and return nil; if it fails no
	// password is set. Required.
	Record func(Password) error
	// Timeout overrides the ERASE UNIT timeout (default: EraseTimeout).
	Timeout time.Duration
}

// Recovery reports an attempt to remove our password after a failure:
// SECURITY UNLOCK then DISABLE PASSWORD, checked with IDENTIFY.
type Recovery struct {
	Attempted  bool   `json:"attempted"`
	UnlockErr  string `json:"unlock_error,omitempty"`
	DisableErr string `json:"disable_error,omitempty"`
	// Disabled: IDENTIFY confirmed security is disabled afterwards.
	Disabled bool   `json:"disabled"`
	CheckErr string `json:"check_error,omitempty"`
}

// SecurityEraseResult records what a security erase did.
type SecurityEraseResult struct {
	Enhanced bool `json:"enhanced"`
	// StateBefore is the security state read right before starting.
	StateBefore string `json:"state_before"`
	// PasswordRecorded: Record accepted the password. PasswordSet: SET
	// PASSWORD was sent and (per IDENTIFY) security became enabled.
	PasswordRecorded bool `json:"password_recorded"`
	PasswordSet      bool `json:"password_set"`
	// DriveEstimate is the drive's own time estimate (word 89 or 90), 0 if
	// not reported; EraseTimeout the timeout given to ERASE UNIT.
	DriveEstimate time.Duration   `json:"drive_estimate"`
	EraseTimeout  time.Duration   `json:"erase_timeout"`
	EraseDuration time.Duration   `json:"erase_duration"`
	Commands      []CommandRecord `json:"commands"`
	// Erased: ERASE UNIT reported success and IDENTIFY then showed security
	// disabled, as ACS requires after a successful erase.
	Erased   bool      `json:"erased"`
	Recovery *Recovery `json:"recovery,omitempty"`
	Failures []string  `json:"failures,omitempty"`
}

func (r *SecurityEraseResult) fail(err error) error {
	r.Failures = append(r.Failures, err.Error())
	return err
}

// SecurityErase runs the ATA security erase flow (hdparm.c do_set_security;
// ACS-3 7.45): IDENTIFY; record the password; SET PASSWORD (user, High);
// IDENTIFY (security must now be enabled); ERASE PREPARE immediately
// followed by ERASE UNIT (normal or enhanced) with the drive-derived
// timeout; IDENTIFY (security must be disabled again).
//
// Capabilities are checked before anything is sent: a frozen drive gives
// ErrFrozen, a locked or already-enabled one ErrLocked / ErrSecurityEnabled,
// an expired counter ErrCountExpired — and no password is set. After SET
// PASSWORD every failure path tries UNLOCK + DISABLE PASSWORD and reports in
// Result.Recovery whether that worked; the password is in the caller's
// record either way.
//
// Note: the erase covers the drive's native area regardless of HPA/DCO only
// by vendor manuals' account (not by ACS text kesu could check); callers
// restore hidden areas first and verify by reading back.
func (d *Device) SecurityErase(ctx context.Context, o SecurityEraseOptions) (*SecurityEraseResult, error) {
	res := &SecurityEraseResult{Enhanced: o.Enhanced}
	if o.Record == nil {
		return res, res.fail(errors.New("ata: SecurityErase needs a Record function"))
	}
	c := IdentifyCommand()
	if _, err := d.run(ctx, &res.Commands, c); err != nil {
		return res, res.fail(err)
	}
	id, err := DecodeIdentify(c.Data)
	if err != nil {
		return res, res.fail(err)
	}
	sec := id.Security
	res.StateBefore = sec.State()
	refuse := func(e error) (*SecurityEraseResult, error) {
		return res, res.fail(&CommandError{Op: "security erase", Dev: d.Name, Err: e})
	}
	switch {
	case !sec.Supported:
		return refuse(fmt.Errorf("%w: Security feature set", ErrUnsupported))
	case sec.Frozen:
		return refuse(fmt.Errorf("%w: security is frozen (%s)", ErrFrozen, sec.State()))
	case sec.CountExpired:
		return refuse(ErrCountExpired)
	case sec.Locked:
		return refuse(ErrLocked)
	case sec.Enabled:
		return refuse(ErrSecurityEnabled)
	case o.Enhanced && !sec.EnhancedEraseSupported:
		return refuse(fmt.Errorf("%w: enhanced security erase", ErrUnsupported))
	}
	if o.Enhanced {
		res.DriveEstimate = sec.EnhancedEraseTime
	} else {
		res.DriveEstimate = sec.EraseTime
	}
	res.EraseTimeout = o.Timeout
	if res.EraseTimeout <= 0 {
		res.EraseTimeout = id.EraseTimeout(o.Enhanced)
	}

	pw := o.Password
	if pw.IsZero() {
		if pw, err = NewPassword(); err != nil {
			return res, res.fail(err)
		}
	}
	if err := o.Record(pw); err != nil {
		return res, res.fail(fmt.Errorf("%w: %v (no password was set)", ErrNotRecorded, err))
	}
	res.PasswordRecorded = true
	// Cleanup after a failure must reach the drive even when the failure is
	// the caller's cancellation (an operator abort, SIGTERM): otherwise a
	// password set a moment ago would stay.
	cleanup := context.WithoutCancel(ctx)

	if _, err := d.run(ctx, &res.Commands, SetPasswordCommand(pw)); err != nil {
		res.fail(err)
		// The drive may or may not have taken the password: look, and clean
		// up if it did.
		c := IdentifyCommand()
		if _, ierr := d.run(cleanup, &res.Commands, c); ierr == nil {
			if now, derr := DecodeIdentify(c.Data); derr == nil && !now.Security.Enabled {
				res.Recovery = &Recovery{Disabled: true}
				if now.Security.Frozen {
					err = &CommandError{Op: "SECURITY SET PASSWORD", Dev: d.Name, Err: fmt.Errorf("%w (drive froze): %w", ErrFrozen, err)}
				}
				return res, err
			}
		}
		res.Recovery = d.recover(cleanup, &res.Commands, pw)
		return res, err
	}
	c = IdentifyCommand()
	if _, err := d.run(ctx, &res.Commands, c); err != nil {
		res.fail(err)
		res.Recovery = d.recover(cleanup, &res.Commands, pw)
		return res, err
	}
	if id2, err := DecodeIdentify(c.Data); err != nil || !id2.Security.Enabled {
		e := &CommandError{Op: "SECURITY SET PASSWORD", Dev: d.Name, Err: fmt.Errorf("%w: security not enabled after SET PASSWORD", ErrVerify)}
		res.fail(e)
		res.Recovery = d.recover(cleanup, &res.Commands, pw)
		return res, e
	}
	res.PasswordSet = true

	// ERASE PREPARE must be immediately followed by ERASE UNIT.
	if _, err := d.run(ctx, &res.Commands, ErasePrepareCommand()); err != nil {
		res.fail(err)
		res.Recovery = d.recover(cleanup, &res.Commands, pw)
		return res, err
	}
	start := d.clock().Now()
	_, eraseErr := d.run(ctx, &res.Commands, EraseUnitCommand(pw, o.Enhanced, res.EraseTimeout))
	res.EraseDuration = d.clock().Now().Sub(start)
	if eraseErr != nil {
		res.fail(eraseErr)
		res.Recovery = d.recover(cleanup, &res.Commands, pw)
		return res, eraseErr
	}
	c = IdentifyCommand()
	if _, err := d.run(ctx, &res.Commands, c); err != nil {
		res.fail(err)
		res.Recovery = d.recover(cleanup, &res.Commands, pw)
		return res, err
	}
	id3, err := DecodeIdentify(c.Data)
	if err != nil {
		res.fail(err)
		res.Recovery = d.recover(cleanup, &res.Commands, pw)
		return res, err
	}
	if id3.Security.Enabled {
		e := &CommandError{Op: c.Name, Dev: d.Name, Err: fmt.Errorf("%w: security still enabled after ERASE UNIT reported success", ErrVerify)}
		res.fail(e)
		res.Recovery = d.recover(cleanup, &res.Commands, pw)
		return res, e
	}
	res.Erased = true
	return res, nil
}

// recover tries SECURITY UNLOCK + DISABLE PASSWORD with pw and checks the
// result with IDENTIFY.
func (d *Device) recover(ctx context.Context, log *[]CommandRecord, pw Password) *Recovery {
	rec := &Recovery{}
	rec.Attempted = true
	if _, err := d.run(ctx, log, UnlockCommand(pw, false)); err != nil {
		rec.UnlockErr = err.Error()
	}
	if _, err := d.run(ctx, log, DisablePasswordCommand(pw, false)); err != nil {
		rec.DisableErr = err.Error()
	}
	c := IdentifyCommand()
	if _, err := d.run(ctx, log, c); err != nil {
		rec.CheckErr = err.Error()
		return rec
	}
	id, err := DecodeIdentify(c.Data)
	if err != nil {
		rec.CheckErr = err.Error()
		return rec
	}
	rec.Disabled = !id.Security.Enabled
	return rec
}

// RemovePassword is the manual recovery for a drive left with a known user
// password (what `hdparm --user-master u --security-disable PW` does):
// UNLOCK, DISABLE PASSWORD, then IDENTIFY to confirm.
func (d *Device) RemovePassword(ctx context.Context, pw Password) (*Recovery, []CommandRecord) {
	var log []CommandRecord
	return d.recover(ctx, &log, pw), log
}

// Unlock sends SECURITY UNLOCK.
func (d *Device) Unlock(ctx context.Context, pw Password, master bool) error {
	_, err := d.Exec(ctx, UnlockCommand(pw, master))
	return err
}

// DisablePassword sends SECURITY DISABLE PASSWORD.
func (d *Device) DisablePassword(ctx context.Context, pw Password, master bool) error {
	_, err := d.Exec(ctx, DisablePasswordCommand(pw, master))
	return err
}
