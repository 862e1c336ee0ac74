package tcg

import (
	"context"
	"errors"
	"fmt"
)

// PSIDRevert authenticates to the Admin SP as the PSID authority with psid
// (the 32 characters on the drive's label) and invokes Revert on the Admin
// SP (Opal Feature Set: PSID): the TPer returns to its factory state. A
// wrong PSID returns an error wrapping ErrNotAuthorized. psid is never
// placed in a Step or an error.
func PSIDRevert(ctx context.Context, t Transport, d *Discovery, psid []byte) ([]Step, error) {
	name, f := d.SSC()
	if f == nil {
		return nil, errors.New("PSID revert: the drive reports no security subsystem class")
	}
	if len(psid) == 0 {
		return nil, errors.New("PSID revert: no PSID given")
	}
	c, err := open(ctx, t, d, f)
	if err == nil {
		err = revertAdminSP(ctx, c, uidPSID, "PSID", psid)
	}
	if err != nil {
		return c.stepList(), fmt.Errorf("PSID revert (%s): %w", name, err)
	}
	return c.steps, nil
}

// revertAdminSP invokes Revert on the Admin SP in a session with it as
// authority auth. After a successful Revert the TPer aborts the session
// (Opal SSC 2.01 5.1.2.2), so it is not closed then.
func revertAdminSP(ctx context.Context, c *conn, auth uid, authName string, challenge []byte) (err error) {
	if err := ctx.Err(); err != nil {
		return err
	}
	s, err := c.startSession(ctx, uidAdminSP, "AdminSP", auth, authName, challenge)
	if err != nil {
		return err
	}
	defer s.endAlways(ctx, &err)
	if _, err := s.call(ctx, "Revert AdminSP", uidAdminSP, methodRevert, nil); err != nil {
		return err
	}
	s.closed = true
	return nil
}
