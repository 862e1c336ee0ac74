package atatest

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/kesu-erase/kesu/scsi"
	"github.com/kesu-erase/kesu/tcg/tcgtest"
)

// trusted runs TRUSTED SEND (send) or TRUSTED RECEIVE of data on the TPer.
// A drive without one, or a protocol the TPer does not support, aborts
// (ACS-3 7.57.4); another TPer failure is a device fault.
func (d *Drive) trusted(send bool, protocol uint8, spSpecific uint16, data []byte) out {
	t := d.cfg.TPer
	if t == nil {
		return abort(0)
	}
	var err error
	if send {
		err = t.SecuritySend(protocol, spSpecific, append([]byte(nil), data...))
	} else {
		err = t.SecurityReceive(protocol, spSpecific, data)
	}
	switch {
	case err == nil:
		o := ok()
		if !send {
			o.data = data
		}
		return o
	case errors.Is(err, tcgtest.ErrUnsupported):
		return abort(0)
	}
	return out{status: 0x61, device: 0x40} // DRDY, DF, ERR
}

// tpmFiltered is libata's answer to an ATA PASS-THROUGH TRUSTED command
// while libata.allow_tpm is 0 (libata-scsi.c ata_scsi_pass_thru,
// ata_scsi_set_invalid_field): fixed sense ILLEGAL REQUEST, INVALID FIELD
// IN CDB, with a sense-key-specific field pointer (byte 15 SKSV and C/D,
// bytes 16–17 the field) at the COMMAND byte, 14 in ATA PASS-THROUGH(16)
// and 9 in (12). The kernel's scsi_set_sense_field_pointer
// (scsi_common.c) raises the additional length to 18, so 26 bytes come
// back.
func tpmFiltered(cdb []byte) *scsi.Response {
	r := checkFixed(scsi.KeyIllegalRequest, 0x24, 0x00)
	field := uint16(14)
	if cdb[0] == scsi.OpATAPassThru12 {
		field = 9
	}
	r.Sense = append(r.Sense, make([]byte, 8)...)
	r.Sense[7] = 18
	r.Sense[15] = 0xC0
	binary.BigEndian.PutUint16(r.Sense[16:18], field)
	return r
}

// securityProtocol is the SATL's SECURITY PROTOCOL IN/OUT, translated to
// TRUSTED RECEIVE/SEND as libata does for a drive with the Trusted
// Computing feature set (libata-scsi.c ata_scsi_security_inout_xlat):
// protocol EFh (ATA Security) refused; with INC_512 — which libata tests
// as byte 4 bits 2:0, not bit 7 — the length counts blocks (at most
// FFFFh), else bytes (at most 01FFFE00h) rounded up to blocks. The
// emulator carries whole-block transfers only, and no TRUSTED NON-DATA. An
// aborted command reads as libata's 6.1 sense for ABRT; a device fault as
// HARDWARE ERROR 44h/00h (the kernel's stat_table entry for DF).
func (d *Drive) securityProtocol(cmd *scsi.Command, e *Entry) *scsi.Response {
	cdb := cmd.CDB
	send := cdb[0] == scsi.OpSecurityProtocolOut
	e.Name = "SECURITY PROTOCOL IN"
	if send {
		e.Name = "SECURITY PROTOCOL OUT"
	}
	invalid := func() *scsi.Response {
		e.Result = "ILLEGAL REQUEST 24/00"
		return checkFixed(scsi.KeyIllegalRequest, 0x24, 0x00)
	}
	if len(cdb) != 12 || cdb[1] == 0xEF {
		return invalid()
	}
	length := int64(binary.BigEndian.Uint32(cdb[6:10]))
	var blocks int64
	if cdb[4]&7 != 0 {
		if length > 0xFFFF {
			return invalid()
		}
		blocks = length
	} else {
		if length > 0x01FFFE00 {
			return invalid()
		}
		blocks = (length + 511) / 512
	}
	dir := scsi.DirFromDevice
	if send {
		dir = scsi.DirToDevice
	}
	if blocks == 0 || cmd.Dir != dir || int64(len(cmd.Data)) != blocks*512 {
		return invalid()
	}
	o := d.trusted(send, cdb[1], binary.BigEndian.Uint16(cdb[2:4]), cmd.Data)
	switch {
	case o.status&0x20 != 0:
		e.Result = "HARDWARE ERROR 44/00"
		return checkFixed(scsi.KeyHardwareError, 0x44, 0x00)
	case o.status&0x01 != 0:
		key, asc, ascq := senseFor(o.status, o.error)
		e.Result = fmt.Sprintf("%s %02X/%02X (ATA abort)", scsi.KeyName(key), asc, ascq)
		return checkFixed(key, asc, ascq)
	}
	return &scsi.Response{Status: scsi.StatusGood}
}
