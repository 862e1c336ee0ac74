package scsi

import (
	"encoding/binary"
	"fmt"
)

// Operation codes (SPC-4, SBC-4).
const (
	OpTestUnitReady  = 0x00
	OpRequestSense   = 0x03
	OpFormatUnit     = 0x04
	OpInquiry        = 0x12
	OpSanitize       = 0x48
	OpLogSense       = 0x4D
	OpATAPassThru16  = 0x85
	OpServiceIn16    = 0x9E // READ CAPACITY(16) is service action 10h
	OpATAPassThru12  = 0xA1
	OpMaintenanceIn  = 0xA3 // REPORT SUPPORTED OPERATION CODES is service action 0Ch
	saReadCapacity16 = 0x10
	saReportOpcodes  = 0x0C
)

// SanitizeAction is the SANITIZE service action (SBC-4 5.30; sg3_utils
// src/sg_sanitize.c).
type SanitizeAction byte

// Sanitize service actions.
const (
	SanitizeOverwrite       SanitizeAction = 0x01
	SanitizeBlockErase      SanitizeAction = 0x02
	SanitizeCryptoErase     SanitizeAction = 0x03
	SanitizeExitFailureMode SanitizeAction = 0x1F
)

func (a SanitizeAction) String() string {
	switch a {
	case SanitizeOverwrite:
		return "OVERWRITE"
	case SanitizeBlockErase:
		return "BLOCK ERASE"
	case SanitizeCryptoErase:
		return "CRYPTOGRAPHIC ERASE"
	case SanitizeExitFailureMode:
		return "EXIT FAILURE MODE"
	}
	return fmt.Sprintf("service action %#02x", byte(a))
}

// TestUnitReadyCDB returns TEST UNIT READY (6 bytes of zero).
func TestUnitReadyCDB() []byte { return make([]byte, 6) }

// InquiryCDB builds INQUIRY: evpd selects a VPD page, alloc is the
// allocation length (SPC-4 6.6).
func InquiryCDB(evpd bool, page byte, alloc uint16) []byte {
	cdb := make([]byte, 6)
	cdb[0] = OpInquiry
	if evpd {
		cdb[1] = 0x01
		cdb[2] = page
	}
	binary.BigEndian.PutUint16(cdb[3:5], alloc)
	return cdb
}

// ReadCapacity16CDB builds READ CAPACITY(16) (SBC-4 5.20): SERVICE ACTION IN
// (16) 9Eh with service action 10h and allocation length in bytes 10–13.
func ReadCapacity16CDB(alloc uint32) []byte {
	cdb := make([]byte, 16)
	cdb[0] = OpServiceIn16
	cdb[1] = saReadCapacity16
	binary.BigEndian.PutUint32(cdb[10:14], alloc)
	return cdb
}

// RequestSenseCDB builds REQUEST SENSE (SPC-4 6.39); desc asks for
// descriptor format.
func RequestSenseCDB(desc bool, alloc byte) []byte {
	cdb := make([]byte, 6)
	cdb[0] = OpRequestSense
	if desc {
		cdb[1] = 0x01
	}
	cdb[4] = alloc
	return cdb
}

// SanitizeCDB builds SANITIZE (SBC-4 5.30): byte 1 bit 7 IMMED, bit 6 ZNR,
// bit 5 AUSE, bits 4:0 service action; bytes 7–8 parameter list length.
func SanitizeCDB(sa SanitizeAction, immed, znr, ause bool, paramLen uint16) []byte {
	cdb := make([]byte, 10)
	cdb[0] = OpSanitize
	cdb[1] = byte(sa) & 0x1f
	if immed {
		cdb[1] |= 0x80
	}
	if znr {
		cdb[1] |= 0x40
	}
	if ause {
		cdb[1] |= 0x20
	}
	binary.BigEndian.PutUint16(cdb[7:9], paramLen)
	return cdb
}

// SanitizeOverwriteParams builds the OVERWRITE parameter list (SBC-4
// 5.30.3): byte 0 bit 7 INVERT, bits 4:0 OVERWRITE COUNT (1–31); bytes 2–3
// pattern length; then the pattern.
func SanitizeOverwriteParams(passes int, invert bool, pattern []byte) ([]byte, error) {
	if passes < 1 || passes > 31 {
		return nil, fmt.Errorf("scsi: overwrite count %d out of range 1-31", passes)
	}
	if len(pattern) == 0 || len(pattern) > 0xFFFF-4 {
		return nil, fmt.Errorf("scsi: overwrite pattern length %d out of range", len(pattern))
	}
	p := make([]byte, 4+len(pattern))
	p[0] = byte(passes)
	if invert {
		p[0] |= 0x80
	}
	binary.BigEndian.PutUint16(p[2:4], uint16(len(pattern)))
	copy(p[4:], pattern)
	return p, nil
}

// FormatUnitCDB builds FORMAT UNIT (SBC-4 5.3): byte 1 bit 4 FMTDATA (a
// parameter list follows).
func FormatUnitCDB(fmtData bool) []byte {
	cdb := make([]byte, 6)
	cdb[0] = OpFormatUnit
	if fmtData {
		cdb[1] = 0x10
	}
	return cdb
}

// FormatUnitShortHeader builds the 4-byte short parameter list header
// (SBC-4 5.3.2.2): byte 1 bit 1 IMMED; no defect list.
func FormatUnitShortHeader(immed bool) []byte {
	h := make([]byte, 4)
	if immed {
		h[1] = 0x02
	}
	return h
}

// LogSenseCDB builds LOG SENSE (SPC-4 6.8): byte 2 bits 7:6 PC (01b =
// cumulative values), bits 5:0 page code; byte 3 subpage; bytes 7–8
// allocation length.
func LogSenseCDB(page, subpage byte, alloc uint16) []byte {
	cdb := make([]byte, 10)
	cdb[0] = OpLogSense
	cdb[2] = 0x40 | page&0x3f
	cdb[3] = subpage
	binary.BigEndian.PutUint16(cdb[7:9], alloc)
	return cdb
}

// ReportOpcodeCDB builds REPORT SUPPORTED OPERATION CODES (SPC-4 6.35) for
// one command: MAINTENANCE IN A3h/0Ch, byte 2 bits 2:0 REPORTING OPTIONS
// (001b: opcode only, 010b: opcode and service action) and bit 7 RCTD (also
// return the command timeouts descriptor); bytes 3 opcode, 4–5 service
// action, 6–9 allocation length.
func ReportOpcodeCDB(opcode byte, sa uint16, withSA, rctd bool, alloc uint32) []byte {
	cdb := make([]byte, 12)
	cdb[0] = OpMaintenanceIn
	cdb[1] = saReportOpcodes
	if withSA {
		cdb[2] = 0x02
	} else {
		cdb[2] = 0x01
	}
	if rctd {
		cdb[2] |= 0x80
	}
	cdb[3] = opcode
	binary.BigEndian.PutUint16(cdb[4:6], sa)
	binary.BigEndian.PutUint32(cdb[6:10], alloc)
	return cdb
}
