package scsi

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/kesu-erase/kesu/tcg"
)

// SECURITY PROTOCOL IN / OUT opcodes (SPC-5 6.40, 6.41; Linux
// include/scsi/scsi_proto.h SECURITY_PROTOCOL_IN/OUT; sedutil
// Common/DtaStructures.h CScsiCmdSecurityProtocolIn/Out).
const (
	OpSecurityProtocolIn  = 0xA2
	OpSecurityProtocolOut = 0xB5
)

// SecurityTimeout bounds one SECURITY PROTOCOL IN or OUT: the TPer answers
// at once and a long method's result is fetched by later IN commands.
// sedutil gives its IF-SEND/IF-RECV 60 s (linux/DtaDevLinuxSata.cpp).
const SecurityTimeout = 60 * time.Second

// securityCDB builds the 12-byte SECURITY PROTOCOL IN/OUT CDB (SPC-5 6.40,
// 6.41; Linux sd.c sd_sec_submit; sedutil DtaStructures.h):
//
//	byte 1     SECURITY PROTOCOL
//	bytes 2–3  SECURITY PROTOCOL SPECIFIC (big-endian)
//	byte 4     bit 7 INC_512: the length counts 512-byte blocks
//	bytes 6–9  ALLOCATION / TRANSFER LENGTH (big-endian)
//	byte 11    CONTROL
func securityCDB(op byte, protocol uint8, spSpecific uint16, inc512 bool, length uint32) []byte {
	cdb := make([]byte, 12)
	cdb[0] = op
	cdb[1] = protocol
	binary.BigEndian.PutUint16(cdb[2:4], spSpecific)
	if inc512 {
		cdb[4] = 0x80
	}
	binary.BigEndian.PutUint32(cdb[6:10], length)
	return cdb
}

// SecurityProtocolInCDB builds SECURITY PROTOCOL IN (A2h).
func SecurityProtocolInCDB(protocol uint8, spSpecific uint16, inc512 bool, length uint32) []byte {
	return securityCDB(OpSecurityProtocolIn, protocol, spSpecific, inc512, length)
}

// SecurityProtocolOutCDB builds SECURITY PROTOCOL OUT (B5h).
func SecurityProtocolOutCDB(protocol uint8, spSpecific uint16, inc512 bool, length uint32) []byte {
	return securityCDB(OpSecurityProtocolOut, protocol, spSpecific, inc512, length)
}

// errLibataAbort explains ILLEGAL REQUEST 21h/04h for SECURITY PROTOCOL
// IN/OUT: on a SATA drive behind Linux's libata it is how an ATA ABORT of
// the translated TRUSTED RECEIVE/SEND came back (libata-scsi.c
// ata_to_sense_error decoded ABRT alone from the DRDY status bit as
// "unaligned write command" until commit cf3fc037623c of 2025, backported
// to the stable kernels). Kernels with that fix answer ABORTED COMMAND
// 00h/00h instead, which is not taken for a refusal here: from a SCSI
// drive it means the command was aborted in transit.
var errLibataAbort = errors.New("the ATA drive behind libata aborted the translated TRUSTED command (ILLEGAL REQUEST 21h/04h)")

// SecurityProtocolIn sends SECURITY PROTOCOL IN with the allocation length
// in bytes (INC_512 clear, as Linux's sd does: libata's translation tests
// INC_512 in the wrong bits, ata_scsi_security_inout_xlat `cdb[4] & 7`, and
// would read a block count as bytes). buf receives the data, zero padded.
// A refusal of the command (ILLEGAL REQUEST with invalid operation code
// 20h, invalid field in CDB 24h or in the parameter list 26h, or libata's
// 21h/04h for an ATA ABORT) gives an error wrapping tcg.ErrNotSupported.
func (d *Device) SecurityProtocolIn(ctx context.Context, protocol uint8, spSpecific uint16, buf []byte) error {
	cdb := SecurityProtocolInCDB(protocol, spSpecific, false, uint32(len(buf)))
	clear(buf) // what a short transfer leaves is zero padding
	return d.security(ctx, "SECURITY PROTOCOL IN", &Command{CDB: cdb, Dir: DirFromDevice, Data: buf, Timeout: SecurityTimeout})
}

// SecurityProtocolOut sends SECURITY PROTOCOL OUT of data, with
// SecurityProtocolIn's conventions and errors.
func (d *Device) SecurityProtocolOut(ctx context.Context, protocol uint8, spSpecific uint16, data []byte) error {
	cdb := SecurityProtocolOutCDB(protocol, spSpecific, false, uint32(len(data)))
	return d.security(ctx, "SECURITY PROTOCOL OUT", &Command{CDB: cdb, Dir: DirToDevice, Data: data, Timeout: SecurityTimeout})
}

func (d *Device) security(ctx context.Context, op string, cmd *Command) error {
	if len(cmd.Data) == 0 || int64(len(cmd.Data)) > int64(^uint32(0)) {
		return &CommandError{Op: op, Dev: d.Name, Err: fmt.Errorf("%w: transfer of %d bytes", ErrBadCommand, len(cmd.Data))}
	}
	_, err := d.Do(ctx, op, cmd)
	var ce *CommandError
	if err == nil || !errors.As(err, &ce) {
		return err
	}
	switch s := ce.Status.Sense; {
	case errors.Is(err, ErrUnsupported):
		ce.Err = fmt.Errorf("%w: %w", tcg.ErrNotSupported, ce.Err)
	case s != nil && s.Key == KeyIllegalRequest && s.ASC == 0x21 && s.ASCQ == 0x04:
		ce.Err = fmt.Errorf("%w: %w", tcg.ErrNotSupported, errLibataAbort)
	}
	return ce
}

// TCG returns the security protocol path to the device behind t: IF-RECV
// and IF-SEND as SECURITY PROTOCOL IN and OUT. On a SATA drive behind
// Linux's libata these are translated to TRUSTED RECEIVE/SEND when the
// drive reports the Trusted Computing feature set and its Security log
// says so (libata-core.c ata_dev_config_trusted), without needing
// libata.allow_tpm.
func TCG(t Transport) tcg.Transport {
	name := "SCSI device"
	switch n := t.(type) {
	case interface{ Path() string }:
		name = n.Path()
	case interface{ Name() string }:
		name = n.Name()
	}
	return securityPath{&Device{T: t, Name: name}}
}

type securityPath struct{ d *Device }

func (p securityPath) SecurityReceive(ctx context.Context, protocol uint8, spSpecific uint16, buf []byte) error {
	return p.d.SecurityProtocolIn(ctx, protocol, spSpecific, buf)
}

func (p securityPath) SecuritySend(ctx context.Context, protocol uint8, spSpecific uint16, data []byte) error {
	return p.d.SecurityProtocolOut(ctx, protocol, spSpecific, data)
}
