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
	// Owned: the SID credential is not the MSID (someone took ownership).
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
	msid, err := readMSID(ctx, c)
	if err != nil {
		return OwnerUnknown, fmt.Errorf("reading the MSID: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return OwnerUnknown, err
	}
	s, err := c.startSession(ctx, uidAdminSP, "AdminSP", uidSID, "SID", msid)
	switch {
	case err == nil:
		if err := s.end(ctx); err != nil {
			return NeverOwned, fmt.Errorf("the SID authenticated with the MSID, but closing the session failed: %w", err)
		}
		return NeverOwned, nil
	case errors.Is(err, ErrAuthorityLockedOut):
		return OwnerUnknown, fmt.Errorf("the SID authority is locked out (too many failed authentications) until a power cycle: %w", err)
	case errors.Is(err, ErrNotAuthorized):
		return Owned, nil
	}
	return OwnerUnknown, fmt.Errorf("authenticating as SID with the MSID: %w", err)
}
