package tcg

import (
	"context"
	"errors"
	"fmt"
)

// open starts talking to the TPer on f's base ComID: it invokes Properties
// first (Core Spec 5.2.2.4.1: before each StartSession on a static ComID).
// No STACK_RESET (protocol 02h) is sent: every session kesu opens is
// closed on every path, and some bridges refuse protocol 02h.
func open(ctx context.Context, t Transport, d *Discovery, f *SSCFeature) (*conn, error) {
	if d.TPer != nil && !d.TPer.Sync {
		return nil, errors.New("the TPer does not support synchronous communication")
	}
	c, err := newConn(t, f)
	if err != nil {
		return nil, err
	}
	return c, c.properties(ctx)
}

// stepList returns the steps c ran (none for a nil c).
func (c *conn) stepList() []Step {
	if c == nil {
		return nil
	}
	return c.steps
}

// readMSID reads C_PIN_MSID's PIN in a session with the Admin SP as
// Anybody (Opal SSC 2.01 4.3.1.8; Enterprise SSC 1.01: the same row, read
// with the Enterprise Get).
func readMSID(ctx context.Context, c *conn) (msid []byte, err error) {
	s, err := c.startSession(ctx, uidAdminSP, "AdminSP", uidAnybody, "Anybody", nil)
	if err != nil {
		return nil, err
	}
	defer s.endAlways(ctx, &err)
	v, err := s.get(ctx, "Get C_PIN_MSID PIN", uidCPINMSID, colPIN, "PIN")
	if err != nil {
		return nil, err
	}
	pin, ok := asBytes(v)
	if !ok {
		return nil, fmt.Errorf("%w: the MSID PIN is not a byte string", ErrMalformed)
	}
	return pin, nil
}

// sidBlocked is the error for a drive whose Block SID feature says SID
// authentication is blocked.
func sidBlocked(d *Discovery) error {
	if d.BlockSID == nil || !d.BlockSID.SIDBlocked {
		return nil
	}
	how := "the next power cycle"
	if d.BlockSID.HardwareReset {
		how = "the next power cycle or hardware reset"
	}
	return fmt.Errorf("SID authentication is blocked (Block SID feature) until %s", how)
}
