package tcg

import (
	"context"
	"errors"
	"fmt"
)

// Owner is whether anybody took ownership of the drive's TPer.
type Owner int

// Owner states.
const (
	OwnerUnknown Owner = iota
	// NeverOwned: the SID authority's credential is still the MSID.
	NeverOwned
	// Owned: the SID credential is not the MSID (someone took ownership),
	// or (LockingSPOwnership) the Locking SP's administrator's is not.
	Owned
)

// Ownership decides whether the drive was ever taken ownership of: it
// reads the MSID in a session with the Admin SP as Anybody, then starts a
// session with the Admin SP as SID with the MSID as challenge (the same
// for every SSC, Enterprise included). SUCCESS is NeverOwned,
// NOT_AUTHORIZED is Owned (and counts one try against the SID's try
// limit). A drive whose SID authentication is blocked (Block SID) or
// locked out, or that fails otherwise, is OwnerUnknown with the reason in
// the error. It returns the steps it ran.
func Ownership(ctx context.Context, t Transport, d *Discovery) (Owner, []Step, error) {
	name, f := d.SSC()
	if f == nil {
		return OwnerUnknown, nil, errors.New("ownership: the drive reports no security subsystem class")
	}
	if err := sidBlocked(d); err != nil {
		return OwnerUnknown, nil, fmt.Errorf("ownership: %w", err)
	}
	c, err := open(ctx, t, d, f)
	if err != nil {
		return OwnerUnknown, c.stepList(), fmt.Errorf("ownership (%s): %w", name, err)
	}
	owner, err := ownership(ctx, c)
	if err != nil {
		err = fmt.Errorf("ownership (%s): %w", name, err)
	}
	return owner, c.steps, err
}

func ownership(ctx context.Context, c *conn) (Owner, error) {
	return authWithMSID(ctx, c, uidAdminSP, "AdminSP", uidSID, "SID")
}

// LockingSPOwnership decides whether somebody took over the Locking SP of
// a drive whose SID is still the MSID: it reads the MSID, then starts a
// session with the Locking SP as its administrator — Admin1 for the Opal
// family (Activate copies SID's PIN, the MSID, to Admin1: Opal SSC 2.01
// 5.1.1), EraseMaster for Enterprise (its initial PIN is the MSID:
// Enterprise SSC 1.01) — with the MSID as challenge. SUCCESS is
// NeverOwned, NOT_AUTHORIZED is Owned (and counts one try against that
// authority's try limit). A drive whose Locking SP is not enabled (Level 0
// Locking feature) has nothing to take over: NeverOwned, nothing sent.
// It returns the authority it checked ("Admin1", "EraseMaster") and the
// steps it ran; other failures are OwnerUnknown with the reason in the
// error.
func LockingSPOwnership(ctx context.Context, t Transport, d *Discovery) (Owner, string, []Step, error) {
	name, f := d.SSC()
	if f == nil {
		return OwnerUnknown, "", nil, errors.New("Locking SP ownership: the drive reports no security subsystem class")
	}
	sp, spName, auth, authName := uidLockingSP, "LockingSP", uidAdmin1, "Admin1"
	if f.Code == featEnterprise {
		sp, auth, authName = uidELockingSP, uidEraseMaster, "EraseMaster"
	}
	if d.Locking == nil || !d.Locking.Enabled {
		return NeverOwned, authName, nil, nil
	}
	c, err := open(ctx, t, d, f)
	if err != nil {
		return OwnerUnknown, authName, c.stepList(), fmt.Errorf("Locking SP ownership (%s): %w", name, err)
	}
	owner, err := authWithMSID(ctx, c, sp, spName, auth, authName)
	if err != nil {
		err = fmt.Errorf("Locking SP ownership (%s): %w", name, err)
	}
	return owner, authName, c.steps, err
}

// authWithMSID reads the MSID and starts a session with sp as auth with
// it: SUCCESS is NeverOwned, NOT_AUTHORIZED Owned.
func authWithMSID(ctx context.Context, c *conn, sp uid, spName string, auth uid, authName string) (Owner, error) {
	msid, err := readMSID(ctx, c)
	if err != nil {
		return OwnerUnknown, fmt.Errorf("reading the MSID: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return OwnerUnknown, err
	}
	s, err := c.startSession(ctx, sp, spName, auth, authName, msid)
	switch {
	case err == nil:
		if err := s.end(ctx); err != nil {
			return NeverOwned, fmt.Errorf("%s authenticated with the MSID, but closing the session failed: %w", authName, err)
		}
		return NeverOwned, nil
	case errors.Is(err, ErrAuthorityLockedOut):
		return OwnerUnknown, fmt.Errorf("the %s authority is locked out (too many failed authentications) until a power cycle: %w", authName, err)
	case errors.Is(err, ErrNotAuthorized):
		return Owned, nil
	}
	return OwnerUnknown, fmt.Errorf("authenticating as %s with the MSID: %w", authName, err)
}
