package scsi

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Sense keys (SPC-4 table 48; sg3_utils sg_lib.h).
const (
	KeyNoSense        = 0x0
	KeyRecoveredError = 0x1
	KeyNotReady       = 0x2
	KeyMediumError    = 0x3
	KeyHardwareError  = 0x4
	KeyIllegalRequest = 0x5
	KeyUnitAttention  = 0x6
	KeyDataProtect    = 0x7
	KeyBlankCheck     = 0x8
	KeyVendorSpecific = 0x9
	KeyCopyAborted    = 0xA
	KeyAbortedCommand = 0xB
	KeyVolumeOverflow = 0xD
	KeyMiscompare     = 0xE
	KeyCompleted      = 0xF
)

var keyNames = [16]string{
	"NO SENSE", "RECOVERED ERROR", "NOT READY", "MEDIUM ERROR", "HARDWARE ERROR",
	"ILLEGAL REQUEST", "UNIT ATTENTION", "DATA PROTECT", "BLANK CHECK", "VENDOR SPECIFIC",
	"COPY ABORTED", "ABORTED COMMAND", "RESERVED", "VOLUME OVERFLOW", "MISCOMPARE", "COMPLETED",
}

// KeyName returns the SPC name of a sense key.
func KeyName(key byte) string { return keyNames[key&0x0f] }

// Sense descriptor types (SPC-4 4.5.2; SAT-3 12.2.2.6 for type 09h).
const (
	DescInformation      = 0x00
	DescCommandSpecific  = 0x01
	DescSenseKeySpecific = 0x02
	DescATAStatusReturn  = 0x09
	DescProgress         = 0x0A
)

// ErrBadSense is returned for sense data that cannot be decoded.
var ErrBadSense = errors.New("scsi: malformed sense data")

// Descriptor is one descriptor of descriptor-format sense data.
type Descriptor struct {
	Type byte
	Data []byte // the whole descriptor, type and length bytes included
}

// Sense is decoded sense data in either format.
type Sense struct {
	Raw          []byte
	ResponseCode byte // 0x70, 0x71 (fixed) or 0x72, 0x73 (descriptor)
	Descriptor   bool // descriptor format
	Deferred     bool // 0x71 / 0x73: the error belongs to an earlier command
	Key          byte
	ASC, ASCQ    byte
	// InfoValid reports whether Information holds the INFORMATION field
	// (fixed: VALID bit; descriptor: descriptor 00h with its VALID bit).
	InfoValid       bool
	Information     uint64
	CommandSpecific uint64
	// SKSV reports a valid sense-key-specific field; SKS holds its three
	// bytes (fixed bytes 15–17, or descriptor 02h bytes 4–6).
	SKSV bool
	SKS  [3]byte
	// ProgressValid and Progress give a progress indication (numerator of
	// x/65536) from the sense-key-specific field (keys NO SENSE / NOT READY)
	// or a progress-indication descriptor (0Ah).
	ProgressValid bool
	Progress      uint16
	Descriptors   []Descriptor
}

// ParseSense decodes fixed (70h/71h) or descriptor (72h/73h) sense data.
// Layouts: SPC-4 4.5; sg3_utils lib/sg_lib.c sg_get_sense_info_fld etc.
func ParseSense(b []byte) (*Sense, error) {
	if len(b) < 2 {
		return nil, fmt.Errorf("%w: %d bytes", ErrBadSense, len(b))
	}
	s := &Sense{Raw: append([]byte(nil), b...), ResponseCode: b[0] & 0x7f}
	switch s.ResponseCode {
	case 0x70, 0x71:
		s.Deferred = s.ResponseCode == 0x71
		if len(b) < 3 {
			return nil, fmt.Errorf("%w: fixed sense of %d bytes", ErrBadSense, len(b))
		}
		s.Key = b[2] & 0x0f
		if len(b) >= 7 {
			s.InfoValid = b[0]&0x80 != 0
			s.Information = uint64(binary.BigEndian.Uint32(b[3:7]))
		}
		if len(b) >= 12 {
			s.CommandSpecific = uint64(binary.BigEndian.Uint32(b[8:12]))
		}
		if len(b) >= 14 {
			s.ASC, s.ASCQ = b[12], b[13]
		}
		if len(b) >= 18 && b[15]&0x80 != 0 {
			s.SKSV = true
			copy(s.SKS[:], b[15:18])
			if s.Key == KeyNoSense || s.Key == KeyNotReady {
				s.ProgressValid = true
				s.Progress = binary.BigEndian.Uint16(b[16:18])
			}
		}
	case 0x72, 0x73:
		s.Descriptor = true
		s.Deferred = s.ResponseCode == 0x73
		if len(b) < 4 {
			return nil, fmt.Errorf("%w: descriptor sense of %d bytes", ErrBadSense, len(b))
		}
		s.Key = b[1] & 0x0f
		s.ASC, s.ASCQ = b[2], b[3]
		if len(b) < 8 {
			break
		}
		end := 8 + int(b[7])
		if end > len(b) {
			end = len(b)
		}
		for p := 8; p+2 <= end; {
			n := int(b[p+1]) + 2
			if p+n > end {
				break // truncated descriptor: keep what was complete
			}
			d := Descriptor{Type: b[p], Data: s.Raw[p : p+n]}
			s.Descriptors = append(s.Descriptors, d)
			s.applyDescriptor(d)
			p += n
		}
	default:
		return nil, fmt.Errorf("%w: response code %#02x", ErrBadSense, s.ResponseCode)
	}
	return s, nil
}

func (s *Sense) applyDescriptor(d Descriptor) {
	b := d.Data
	switch d.Type {
	case DescInformation:
		if len(b) >= 12 {
			s.InfoValid = b[2]&0x80 != 0
			s.Information = binary.BigEndian.Uint64(b[4:12])
		}
	case DescCommandSpecific:
		if len(b) >= 12 {
			s.CommandSpecific = binary.BigEndian.Uint64(b[4:12])
		}
	case DescSenseKeySpecific:
		if len(b) >= 7 && b[4]&0x80 != 0 {
			s.SKSV = true
			copy(s.SKS[:], b[4:7])
			if s.Key == KeyNoSense || s.Key == KeyNotReady {
				s.ProgressValid = true
				s.Progress = binary.BigEndian.Uint16(b[5:7])
			}
		}
	case DescProgress:
		// Progress indication descriptor: b2 sense key, b3 ASC, b4 ASCQ of
		// the operation in progress, b6–7 progress.
		if len(b) >= 8 {
			s.ProgressValid = true
			s.Progress = binary.BigEndian.Uint16(b[6:8])
		}
	}
}

// Find returns the first descriptor of the given type, if any.
func (s *Sense) Find(typ byte) (Descriptor, bool) {
	for _, d := range s.Descriptors {
		if d.Type == typ {
			return d, true
		}
	}
	return Descriptor{}, false
}

// ProgressPercent converts a progress indication to percent (0–100).
func ProgressPercent(p uint16) float64 { return float64(p) * 100 / 65536 }

// String renders the sense as "KEY ASC/ASCQ (meaning)".
func (s *Sense) String() string {
	if s == nil {
		return "no sense"
	}
	msg := fmt.Sprintf("%s %02X/%02X", KeyName(s.Key), s.ASC, s.ASCQ)
	if m := ascMeaning(s.ASC, s.ASCQ); m != "" {
		msg += " (" + m + ")"
	}
	if s.Deferred {
		msg += " [deferred]"
	}
	if s.ProgressValid {
		msg += fmt.Sprintf(" progress %.1f%%", ProgressPercent(s.Progress))
	}
	return msg
}

// ascMeaning names the additional sense codes kesu meets (SPC-4 annex D;
// sg3_utils lib/sg_lib_data.c).
func ascMeaning(asc, ascq byte) string {
	switch uint16(asc)<<8 | uint16(ascq) {
	case 0x0000:
		return "no additional sense information"
	case 0x001D:
		return "ATA pass-through information available"
	case 0x0400:
		return "not ready, cause not reportable"
	case 0x0401:
		return "becoming ready"
	case 0x0402:
		return "initializing command required"
	case 0x0404:
		return "format in progress"
	case 0x041B:
		return "sanitize in progress"
	case 0x0421:
		return "hard reset required"
	case 0x1100:
		return "unrecovered read error"
	case 0x1104:
		return "unrecovered read error - auto reallocate failed"
	case 0x1A00:
		return "parameter list length error"
	case 0x2000:
		return "invalid command operation code"
	case 0x2100:
		return "logical block address out of range"
	case 0x2104:
		return "unaligned write command"
	case 0x2400:
		return "invalid field in CDB"
	case 0x2500:
		return "logical unit not supported"
	case 0x2600:
		return "invalid field in parameter list"
	case 0x2700:
		return "write protected"
	case 0x2800:
		return "not ready to ready change, medium may have changed"
	case 0x2900:
		return "power on, reset, or bus device reset occurred"
	case 0x3100:
		return "medium format corrupted"
	case 0x3101:
		return "format command failed"
	case 0x3103:
		return "sanitize command failed"
	case 0x4400:
		return "internal target failure"
	case 0x4700:
		return "SCSI parity error"
	case 0x5D00:
		return "failure prediction threshold exceeded"
	}
	return ""
}

// ATALayout says where in the sense data the ATA registers were found.
type ATALayout int

// ATA register layouts in sense data returned for ATA PASS-THROUGH.
const (
	// ATADescriptor: the ATA Status Return descriptor (09h) of descriptor
	// sense (SAT-3 12.2.2.6). All registers, 48-bit when EXTEND is set.
	ATADescriptor ATALayout = iota + 1
	// ATAFixedSAT: fixed sense as SAT-3 defines it (and Linux ≥ 6.11
	// returns): ERROR, STATUS, DEVICE, COUNT(7:0) in the INFORMATION field
	// (bytes 3–6), flags in byte 8, LBA(23:0) in bytes 9–11.
	ATAFixedSAT
	// ATAFixedLibata: the fixed sense libata wrote before Linux 6.11
	// (ata_gen_passthru_sense, desc = sb+8): ERROR byte 8, STATUS 9,
	// DEVICE 10, COUNT(7:0) 11, flags 16, LBA(7:0) 17, LBA(15:8) 18,
	// LBA(23:16) 19. The kernel copies only 8+sb[7] = 18 bytes to user
	// space, so LBA(15:8) and LBA(23:16) are normally lost. Debian 12's
	// 6.1 kernel returns this layout for failed ATA pass-through commands.
	ATAFixedLibata
)

func (l ATALayout) String() string {
	switch l {
	case ATADescriptor:
		return "descriptor"
	case ATAFixedSAT:
		return "fixed (SAT)"
	case ATAFixedLibata:
		return "fixed (libata <6.11)"
	}
	return "none"
}

// ATA STATUS and ERROR register bits (ACS; include/linux/ata.h).
const (
	ATAStatusERR  = 0x01
	ATAStatusDRQ  = 0x08
	ATAStatusDF   = 0x20
	ATAStatusDRDY = 0x40
	ATAStatusBSY  = 0x80

	ATAErrorABRT = 0x04
	ATAErrorIDNF = 0x10
	ATAErrorUNC  = 0x40
	ATAErrorICRC = 0x80
)

// ATARegisters are the ATA output registers a SATL returned in sense data.
type ATARegisters struct {
	Layout ATALayout
	Extend bool // the command was a 48-bit one (EXTEND bit)
	Error  byte
	Status byte
	Device byte
	Count  uint16
	LBA    uint64
	// Upper reports that COUNT(15:8) and LBA(47:24) were returned (only
	// the descriptor layout carries them). Without it those bits read 0;
	// CountUpperNonZero and LBAUpperNonZero say whether they were non-zero.
	Upper             bool
	CountUpperNonZero bool
	LBAUpperNonZero   bool
	// LBAMid reports that LBA(15:8) and LBA(23:16) were returned. The
	// pre-6.11 libata layout loses them when the kernel truncates the sense
	// to 18 bytes.
	LBAMid bool
}

// Failed reports whether STATUS shows a failed or abnormal completion:
// ERR or DF set, or BSY/DRQ still set.
func (r ATARegisters) Failed() bool {
	return r.Status&(ATAStatusERR|ATAStatusDF|ATAStatusBSY|ATAStatusDRQ) != 0
}

// Aborted reports ERR with ERROR.ABRT.
func (r ATARegisters) Aborted() bool {
	return r.Status&ATAStatusERR != 0 && r.Error&ATAErrorABRT != 0
}

func (r ATARegisters) String() string {
	return fmt.Sprintf("status=%02x error=%02x device=%02x count=%04x lba=%012x (%s)",
		r.Status, r.Error, r.Device, r.Count, r.LBA, r.Layout)
}

// ATARegistersFromSense extracts the ATA registers a SATL returned for an
// ATA PASS-THROUGH command, from any of the three layouts:
//   - descriptor sense: the ATA Status Return descriptor (type 09h, found by
//     type, not assumed to be first);
//   - fixed sense in the SAT layout: chosen when the VALID bit is set or the
//     INFORMATION field (bytes 3–6) is non-zero — that is where STATUS lives,
//     and a completed ATA command always has a non-zero STATUS;
//   - fixed sense in the pre-6.11 libata layout: chosen when INFORMATION is
//     zero (libata left it unset) and byte 8 or 9 (ERROR, STATUS) is non-zero.
//
// Fixed sense with neither (for example a SATL rejecting the CDB with
// ILLEGAL REQUEST 24h/00h) carries no registers: ok is false.
func ATARegistersFromSense(s *Sense) (r ATARegisters, ok bool) {
	if s == nil {
		return r, false
	}
	b := s.Raw
	if s.Descriptor {
		d, found := s.Find(DescATAStatusReturn)
		if !found || len(d.Data) < 14 {
			return r, false
		}
		x := d.Data
		r = ATARegisters{
			Layout: ATADescriptor,
			Extend: x[2]&0x01 != 0,
			Error:  x[3],
			Count:  uint16(x[5]),
			LBA:    uint64(x[7]) | uint64(x[9])<<8 | uint64(x[11])<<16,
			Device: x[12],
			Status: x[13],
			LBAMid: true,
		}
		if r.Extend {
			r.Upper = true
			r.Count |= uint16(x[4]) << 8
			r.LBA |= uint64(x[6])<<24 | uint64(x[8])<<32 | uint64(x[10])<<40
			r.CountUpperNonZero = x[4] != 0
			r.LBAUpperNonZero = x[6]|x[8]|x[10] != 0
		}
		return r, true
	}
	if len(b) < 12 {
		return r, false
	}
	info := b[3] | b[4] | b[5] | b[6]
	switch {
	case b[0]&0x80 != 0 || info != 0:
		r = ATARegisters{
			Layout:            ATAFixedSAT,
			Error:             b[3],
			Status:            b[4],
			Device:            b[5],
			Count:             uint16(b[6]),
			Extend:            b[8]&0x80 != 0,
			CountUpperNonZero: b[8]&0x40 != 0,
			LBAUpperNonZero:   b[8]&0x20 != 0,
			LBA:               uint64(b[9]) | uint64(b[10])<<8 | uint64(b[11])<<16,
			LBAMid:            true,
		}
		return r, true
	case b[8] != 0 || b[9] != 0:
		r = ATARegisters{
			Layout: ATAFixedLibata,
			Error:  b[8],
			Status: b[9],
			Device: b[10],
			Count:  uint16(b[11]),
		}
		if len(b) >= 17 {
			r.Extend = b[16]&0x80 != 0
			r.CountUpperNonZero = b[16]&0x40 != 0
			r.LBAUpperNonZero = b[16]&0x20 != 0
		}
		if len(b) >= 18 {
			r.LBA = uint64(b[17])
		}
		if len(b) >= 20 {
			r.LBA |= uint64(b[18])<<8 | uint64(b[19])<<16
			r.LBAMid = true
		}
		return r, true
	}
	return r, false
}
