package tcg

import (
	"context"
	"errors"
	"fmt"
)

// Range count limits: Opal range UIDs carry n in 16 bits; the Enterprise
// SSC defines at most 1024 bands (Band0..Band1023), as sedutil enforces.
const (
	maxOpalRanges       = 0xFFFF
	maxEnterpriseRanges = 1023
)

// EraseResult is what a crypto erase ran and what it changed on the
// drive, so that an erase that stopped midway can say what it left.
type EraseResult struct {
	// SSC is the security subsystem class the erase used.
	SSC string
	// Steps are the sessions and methods run.
	Steps []Step
	// Activated: kesu activated the Locking SP (Opal family; it was
	// Manufactured-Inactive, and Admin1's PIN became the MSID).
	Activated bool
	// Rekeyed names the ranges whose media key was regenerated (Opal
	// GenKey: "GlobalRange", "Range 1", ...; Enterprise Erase: "Band0",
	// ...).
	Rekeyed []string
	// Ranges is the number of ranges the erase meant to rekey (MaxRanges
	// + 1); 0 when it did not read MaxRanges.
	Ranges int
	// Reverted: the Admin SP's Revert succeeded (Opal family).
	Reverted bool
}

// Changed reports whether the erase changed anything on the drive.
func (r *EraseResult) Changed() bool {
	return r != nil && (r.Activated || len(r.Rekeyed) > 0 || r.Reverted)
}

// CryptoErase erases the media encryption key of every locking range of a
// drive nobody owns, with the MSID as credential, and returns the steps it
// ran, with an error when any failed. KeyErase does the same and also
// says what it changed.
func CryptoErase(ctx context.Context, t Transport, d *Discovery) ([]Step, error) {
	r, err := KeyErase(ctx, t, d)
	return r.Steps, err
}

// KeyErase erases the media encryption key of every locking range of a
// drive nobody owns, with the MSID as credential. It returns what it ran
// and changed (never nil), with an error when any step failed.
//
// Opal family (Opal 2, Opal 1, Opalite, Ruby): read the MSID; as SID, read
// the Locking SP's LifeCycleState and Activate it if it is
// Manufactured-Inactive; as Admin1, read LockingInfo's MaxRanges, then for
// the GlobalRange and Range 1..MaxRanges read ActiveKey and GenKey that
// key; as SID, Revert the Admin SP (Opal SSC 2.01 5.1.2.2: the TPer
// returns to its factory state, eliminating the user data again).
//
// Enterprise: read the MSID; as EraseMaster on the Locking SP, read
// LockingInfo's MaxRanges and Erase Band0..BandMaxRanges (Enterprise SSC
// 1.01: Erase regenerates the band's key).
//
// It refuses a drive without media encryption or without one of those
// SSCs.
func KeyErase(ctx context.Context, t Transport, d *Discovery) (*EraseResult, error) {
	r := &EraseResult{}
	if d.Locking == nil || !d.Locking.MediaEncryption {
		return r, errors.New("crypto erase: the drive reports no media encryption (Locking feature)")
	}
	var f *SSCFeature
	for _, c := range []struct {
		name string
		f    *SSCFeature
	}{{"Opal 2", d.OpalV2}, {"Opal 1", d.OpalV1}, {"Opalite", d.Opalite}, {"Ruby", d.Ruby}, {"Enterprise", d.Enterprise}} {
		if c.f != nil {
			r.SSC, f = c.name, c.f
			break
		}
	}
	if f == nil {
		return r, errors.New("crypto erase: the drive reports no Opal-family or Enterprise security subsystem class")
	}
	if f.Code != featEnterprise {
		if err := sidBlocked(d); err != nil {
			return r, fmt.Errorf("crypto erase: %w", err)
		}
	}
	c, err := open(ctx, t, d, f)
	if err == nil {
		if f.Code == featEnterprise {
			err = eraseEnterprise(ctx, c, r)
		} else {
			err = eraseOpal(ctx, c, r)
		}
	}
	r.Steps = c.stepList()
	if err != nil {
		return r, fmt.Errorf("crypto erase (%s): %w", r.SSC, err)
	}
	return r, nil
}

// eraseOpal runs the Opal-family key erase.
func eraseOpal(ctx context.Context, c *conn, r *EraseResult) error {
	msid, err := readMSID(ctx, c)
	if err != nil {
		return fmt.Errorf("reading the MSID: %w", err)
	}
	if err := activate(ctx, c, msid, r); err != nil {
		return err
	}
	if err := genKeys(ctx, c, msid, r); err != nil {
		return err
	}
	if err := revertAdminSP(ctx, c, uidSID, "SID", msid); err != nil {
		return err
	}
	r.Reverted = true
	return nil
}

// activate activates the Locking SP if it is Manufactured-Inactive, in a
// session with the Admin SP as SID (Opal SSC 2.01 5.1.1).
func activate(ctx context.Context, c *conn, msid []byte, r *EraseResult) (err error) {
	s, err := c.startSession(ctx, uidAdminSP, "AdminSP", uidSID, "SID", msid)
	if err != nil {
		return err
	}
	defer s.endAlways(ctx, &err)
	v, err := s.get(ctx, "Get LockingSP LifeCycleState", uidLockingSP, colLifeCycleState, "LifeCycleState")
	if err != nil {
		return err
	}
	switch state, _ := asUint(v); state {
	case lifeManufactured:
		return nil
	case lifeManufacturedInactive:
		if _, err = s.call(ctx, "Activate LockingSP", uidLockingSP, methodActivate, nil); err != nil {
			return err
		}
		r.Activated = true
		return nil
	default:
		return fmt.Errorf("the Locking SP's LifeCycleState is %v, neither Manufactured-Inactive nor Manufactured", v)
	}
}

// genKeys regenerates the key of the global range and of every other
// range, in a session with the Locking SP as Admin1.
func genKeys(ctx context.Context, c *conn, msid []byte, r *EraseResult) (err error) {
	s, err := c.startSession(ctx, uidLockingSP, "LockingSP", uidAdmin1, "Admin1", msid)
	if err != nil {
		return err
	}
	defer s.endAlways(ctx, &err)
	n, err := maxRanges(ctx, s, []uid{uidLockingInfo}, maxOpalRanges)
	if err != nil {
		return err
	}
	r.Ranges = n + 1
	for i := 0; i <= n; i++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		v, err := s.get(ctx, "Get "+rangeName(i)+" ActiveKey", opalRange(i), colActiveKey, "ActiveKey")
		if err != nil {
			return err
		}
		key, ok := asUID(v)
		if !ok {
			return fmt.Errorf("%w: %s's ActiveKey is not a UID", ErrMalformed, rangeName(i))
		}
		if _, err := s.call(ctx, "GenKey "+keyName(key), key, methodGenKey, nil); err != nil {
			return err
		}
		r.Rekeyed = append(r.Rekeyed, rangeName(i))
	}
	return nil
}

// maxRanges reads LockingInfo's MaxRanges (the ranges besides the global
// one) from the first of rows that answers.
func maxRanges(ctx context.Context, s *session, rows []uid, limit uint64) (int, error) {
	var err error
	for _, row := range rows {
		var v any
		v, err = s.get(ctx, "Get LockingInfo MaxRanges", row, colMaxRanges, "MaxRanges")
		var me *MethodError
		if errors.As(err, &me) {
			continue
		}
		if err != nil {
			return 0, err
		}
		n, ok := asUint(v)
		if !ok || n > limit {
			return 0, fmt.Errorf("%w: LockingInfo MaxRanges %v", ErrMalformed, v)
		}
		return int(n), nil
	}
	return 0, err
}

// eraseEnterprise runs the Enterprise band erase.
func eraseEnterprise(ctx context.Context, c *conn, r *EraseResult) (err error) {
	msid, err := readMSID(ctx, c)
	if err != nil {
		return fmt.Errorf("reading the MSID: %w", err)
	}
	s, err := c.startSession(ctx, uidELockingSP, "LockingSP", uidEraseMaster, "EraseMaster", msid)
	if err != nil {
		return err
	}
	defer s.endAlways(ctx, &err)
	// The Enterprise LockingInfo row: 0000080100000001 as in the Opal
	// SSC, else 0000080100000000 where sedutil and go-tcg-storage find it.
	n, err := maxRanges(ctx, s, []uid{uidLockingInfo, uidELockingInfo}, maxEnterpriseRanges)
	if err != nil {
		return err
	}
	r.Ranges = n + 1
	for b := 0; b <= n; b++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		band := fmt.Sprintf("Band%d", b)
		if _, err := s.call(ctx, "Erase "+band, enterpriseBand(b), methodErase, nil); err != nil {
			return err
		}
		r.Rekeyed = append(r.Rekeyed, band)
	}
	return nil
}
