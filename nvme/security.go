package nvme

import (
	"context"
	"errors"
	"fmt"

	"github.com/kesu-erase/kesu/tcg"
)

// Security Send / Security Receive admin opcodes (NVMe Base; libnvme
// nvme-types-base.h nvme_admin_security_send/recv).
const (
	OpSecuritySend    uint8 = 0x81
	OpSecurityReceive uint8 = 0x82
)

// securityCmd builds Security Send or Receive (libnvme nvme-cmds-base.h
// nvme_init_security_send/receive; Linux core.c nvme_sec_submit):
//
//	CDW10 31:24 SECP (security protocol), 23:16 SPSP1 and 15:8 SPSP0 (the
//	      SP specific field, high and low byte), 7:0 NSSF
//	CDW11 TL / AL: transfer or allocation length in bytes
func securityCmd(op uint8, nsid uint32, protocol uint8, spSpecific uint16, nssf uint8, data []byte) *Command {
	return &Command{Opcode: op, NSID: nsid,
		CDW10: uint32(protocol)<<24 | uint32(spSpecific)<<8 | uint32(nssf),
		CDW11: uint32(len(data)), Data: data}
}

// SecuritySendCmd builds Security Send (81h) of data.
func SecuritySendCmd(nsid uint32, protocol uint8, spSpecific uint16, nssf uint8, data []byte) *Command {
	return securityCmd(OpSecuritySend, nsid, protocol, spSpecific, nssf, data)
}

// SecurityReceiveCmd builds Security Receive (82h) into buf.
func SecurityReceiveCmd(nsid uint32, protocol uint8, spSpecific uint16, nssf uint8, buf []byte) *Command {
	return securityCmd(OpSecurityReceive, nsid, protocol, spSpecific, nssf, buf)
}

// SecurityReceive sends Security Receive for namespace nsid (0 when the
// protocol is not namespace specific, as Linux's nvme_sec_submit sends
// it); buf receives the data. Invalid Command Opcode or Invalid Field in
// Command (the protocol is not supported) give an error wrapping
// tcg.ErrNotSupported besides the *CommandError.
func (d *Device) SecurityReceive(ctx context.Context, nsid uint32, protocol uint8, spSpecific uint16, buf []byte) error {
	clear(buf) // what a short transfer leaves is zero padding
	return d.security(ctx, "security receive", SecurityReceiveCmd(nsid, protocol, spSpecific, 0, buf))
}

// SecuritySend sends Security Send of data, with SecurityReceive's errors.
func (d *Device) SecuritySend(ctx context.Context, nsid uint32, protocol uint8, spSpecific uint16, data []byte) error {
	return d.security(ctx, "security send", SecuritySendCmd(nsid, protocol, spSpecific, 0, data))
}

func (d *Device) security(ctx context.Context, op string, cmd *Command) error {
	if len(cmd.Data) == 0 {
		return &CommandError{Op: op, Dev: d.Name, Err: errors.New("no data buffer")}
	}
	_, err := d.admin(ctx, op, cmd)
	var ce *CommandError
	if err == nil || !errors.As(err, &ce) {
		return err
	}
	if c := ce.Status.code(); c == scInvalidOpcode || c == scInvalidField {
		ce.Err = fmt.Errorf("%w: %w", tcg.ErrNotSupported, ce.Err)
	}
	return ce
}

// TCG returns the security protocol path to the controller behind t:
// IF-RECV and IF-SEND as Security Receive and Security Send on namespace
// nsid (0: the controller, as Linux's own Opal support sends them).
func TCG(t Transport, nsid uint32) tcg.Transport {
	name := "NVMe controller"
	switch n := t.(type) {
	case interface{ Path() string }:
		name = n.Path()
	case interface{ Name() string }:
		name = n.Name()
	}
	return securityPath{d: NewDevice(t, name), nsid: nsid}
}

type securityPath struct {
	d    *Device
	nsid uint32
}

func (p securityPath) SecurityReceive(ctx context.Context, protocol uint8, spSpecific uint16, buf []byte) error {
	return p.d.SecurityReceive(ctx, p.nsid, protocol, spSpecific, buf)
}

func (p securityPath) SecuritySend(ctx context.Context, protocol uint8, spSpecific uint16, data []byte) error {
	return p.d.SecuritySend(ctx, p.nsid, protocol, spSpecific, data)
}
