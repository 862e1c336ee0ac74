package ata

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kesu-erase/kesu/scsi"
	"github.com/kesu-erase/kesu/tcg"
)

// Trusted Computing feature set opcodes, PIO forms (ACS-3 7.57 TRUSTED
// RECEIVE, 7.59 TRUSTED SEND; include/linux/ata.h ATA_CMD_TRUSTED_RCV,
// ATA_CMD_TRUSTED_SND; sedutil Common/DtaStructures.h IF_RECV, IF_SEND).
const (
	OpTrustedReceive = 0x5C
	OpTrustedSend    = 0x5E
)

// TrustedTimeout bounds one TRUSTED RECEIVE or SEND: the TPer answers at
// once and a long method's result is fetched by later receives. sedutil
// gives its IF-SEND/IF-RECV 60 s (linux/DtaDevLinuxSata.cpp).
const TrustedTimeout = 60 * time.Second

// maxTrustedBlocks is the largest TRANSFER LENGTH (16 bits of 512-byte
// blocks) TRUSTED RECEIVE/SEND carry.
const maxTrustedBlocks = 0xFFFF

// libataTPM says what Linux does with TRUSTED commands in ATA
// PASS-THROUGH (drivers/ata/libata-scsi.c ata_scsi_pass_thru: opcodes
// 5Ch–5Fh get ILLEGAL REQUEST, INVALID FIELD IN CDB while the libata-core.c
// module parameter allow_tpm is 0, its default).
const libataTPM = "Linux's libata refuses TRUSTED SEND/RECEIVE (5Ch-5Fh) in ATA PASS-THROUGH unless the kernel runs with libata.allow_tpm=1"

// trustedCommand builds TRUSTED RECEIVE or SEND of data, 1–65535 whole
// 512-byte blocks. The registers (ACS-3 7.57.3; Linux libata-scsi.c
// ata_scsi_security_inout_xlat, which translates SECURITY PROTOCOL IN/OUT
// to them; sedutil linux/DtaDevLinuxSata.cpp; Linux sd.c sd_ata12_submit):
//
//	FEATURE 7:0  SECURITY PROTOCOL
//	COUNT 7:0    TRANSFER LENGTH 7:0 (in 512-byte blocks)
//	LBA 7:0      TRANSFER LENGTH 15:8
//	LBA 23:8     SP SPECIFIC (LBA 15:8 = bits 7:0, LBA 23:16 = bits 15:8)
//
// The CDB's T_LENGTH names COUNT, which holds only the low byte of a
// transfer of more than 255 blocks: libata takes the length from the SCSI
// buffer instead, a SATL that reads COUNT alone would move 255 blocks or
// fewer.
func trustedCommand(name string, op byte, proto Protocol, protocol uint8, spSpecific uint16, data []byte) (*Command, error) {
	if len(data) == 0 || len(data)%SectorSize != 0 || len(data)/SectorSize > maxTrustedBlocks {
		return nil, fmt.Errorf("%w: %s of %d bytes: the transfer must be 1 to %d blocks of %d bytes",
			scsi.ErrBadCommand, name, len(data), maxTrustedBlocks, SectorSize)
	}
	n := uint64(len(data) / SectorSize)
	return &Command{Name: name, Opcode: op, Features: uint16(protocol), Count: uint16(n & 0xFF),
		LBA: n>>8 | uint64(spSpecific)<<8, Device: 0x40, Protocol: proto, Data: data, Timeout: TrustedTimeout}, nil
}

// TrustedReceiveCommand builds TRUSTED RECEIVE (5Ch, PIO data-in) into buf.
func TrustedReceiveCommand(protocol uint8, spSpecific uint16, buf []byte) (*Command, error) {
	return trustedCommand("TRUSTED RECEIVE", OpTrustedReceive, ProtoPIOIn, protocol, spSpecific, buf)
}

// TrustedSendCommand builds TRUSTED SEND (5Eh, PIO data-out) of data.
func TrustedSendCommand(protocol uint8, spSpecific uint16, data []byte) (*Command, error) {
	return trustedCommand("TRUSTED SEND", OpTrustedSend, ProtoPIOOut, protocol, spSpecific, data)
}

// TrustedReceive sends TRUSTED RECEIVE: buf (1–65535 blocks of 512 bytes)
// receives the security protocol's data. When the drive aborts the command
// (no Trusted Computing feature set, or not this protocol) or the SCSI
// layer refuses the pass-through, the error wraps tcg.ErrNotSupported.
func (d *Device) TrustedReceive(ctx context.Context, protocol uint8, spSpecific uint16, buf []byte) error {
	c, err := TrustedReceiveCommand(protocol, spSpecific, buf)
	return d.trusted(ctx, "TRUSTED RECEIVE", c, err)
}

// TrustedSend sends TRUSTED SEND of data (1–65535 blocks of 512 bytes),
// with TrustedReceive's errors.
func (d *Device) TrustedSend(ctx context.Context, protocol uint8, spSpecific uint16, data []byte) error {
	c, err := TrustedSendCommand(protocol, spSpecific, data)
	return d.trusted(ctx, "TRUSTED SEND", c, err)
}

func (d *Device) trusted(ctx context.Context, op string, c *Command, err error) error {
	if err != nil {
		return &CommandError{Op: op, Dev: d.Name, Err: err}
	}
	_, err = d.Exec(ctx, c)
	var ce *CommandError
	if err == nil || !errors.As(err, &ce) {
		return err
	}
	switch {
	case errors.Is(err, ErrPassThroughRejected):
		ce.Err = fmt.Errorf("%w: %w (%s)", tcg.ErrNotSupported, ce.Err, libataTPM)
	case errors.Is(err, ErrAborted):
		ce.Err = fmt.Errorf("%w: %w", tcg.ErrNotSupported, ce.Err)
	}
	return ce
}

// maxSATLBlocks is the largest transfer, in 512-byte blocks, that the
// TCG client asks of TRUSTED RECEIVE/SEND: a SATL that takes the length
// from the COUNT register alone moves at most 255 blocks (see
// trustedCommand).
const maxSATLBlocks = 0xFF

// TCG returns the security protocol path to the drive behind d: IF-RECV
// and IF-SEND as TRUSTED RECEIVE and TRUSTED SEND through ATA
// PASS-THROUGH(16). It implements tcg.TransferLimiter: at most 255
// blocks a transfer.
func TCG(d *Device) tcg.Transport { return trustedPath{d} }

var _ tcg.TransferLimiter = trustedPath{}

type trustedPath struct{ d *Device }

func (t trustedPath) SecurityReceive(ctx context.Context, protocol uint8, spSpecific uint16, buf []byte) error {
	return t.d.TrustedReceive(ctx, protocol, spSpecific, buf)
}

// MaxTransfer is the largest transfer in bytes that every SATL moves.
func (t trustedPath) MaxTransfer() int { return maxSATLBlocks * SectorSize }

func (t trustedPath) SecuritySend(ctx context.Context, protocol uint8, spSpecific uint16, data []byte) error {
	return t.d.TrustedSend(ctx, protocol, spSpecific, data)
}
