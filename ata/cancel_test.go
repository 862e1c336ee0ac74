package ata

import (
	"context"
	"testing"

	"github.com/kesu-erase/kesu/scsi"
)

// cancelAfter cancels the context once a command with opcode op completed.
type cancelAfter struct {
	t      scsi.Transport
	op     byte
	cancel context.CancelFunc
}

func (c *cancelAfter) Exec(ctx context.Context, cmd *scsi.Command) (*scsi.Response, error) {
	r, err := c.t.Exec(ctx, cmd)
	if len(cmd.CDB) == 16 && cmd.CDB[14] == c.op {
		c.cancel()
	}
	return r, err
}

// An abort (ctx cancelled) right after SET PASSWORD must not leave the
// drive with security enabled: recovery must still run.
func TestSecurityEraseCancelledAfterSetPassword(t *testing.T) {
	dr, dev := newEmulated(t, securityConfig())
	ctx, cancel := context.WithCancel(context.Background())
	dev.T = &cancelAfter{t: dr, op: OpSecuritySetPassword, cancel: cancel}
	res, err := dev.SecurityErase(ctx, SecurityEraseOptions{Record: func(Password) error { return nil }})
	t.Logf("err=%v recovery=%+v", err, res.Recovery)
	id, ierr := (&Device{T: dr, Name: "emu"}).Identify(context.Background())
	if ierr != nil {
		t.Fatal(ierr)
	}
	if id.Security.Enabled {
		t.Errorf("after a cancelled SecurityErase: security enabled = true (password left on the drive); recovery = %+v", res.Recovery)
	}
}
