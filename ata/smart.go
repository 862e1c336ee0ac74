package ata

import (
	"context"
	"encoding/binary"
	"fmt"
)

// SMART sub-commands (FEATURE) and the LBA signature 4Fh/C2h in LBA(23:8)
// (ACS-3 7.48; smartmontools atacmds.cpp).
const (
	smartReadData       = 0xD0
	smartReadThresholds = 0xD1
	smartReturnStatus   = 0xDA
	smartLBA            = 0xC24F00 // LBA mid 4Fh, high C2h
)

func smartCommand(name string, feature uint16, dataIn bool) *Command {
	c := &Command{Name: name, Opcode: OpSMART, Features: feature, LBA: smartLBA, Device: 0x40, Timeout: ShortTimeout}
	if dataIn {
		c.Count, c.Protocol, c.Data = 1, ProtoPIOIn, make([]byte, 512)
	} else {
		c.Protocol, c.CheckCondition = ProtoNonData, true
	}
	return c
}

// SMARTReadDataCommand builds SMART READ DATA (B0h/D0h).
func SMARTReadDataCommand() *Command { return smartCommand("SMART READ DATA", smartReadData, true) }

// SMARTReadThresholdsCommand builds SMART READ THRESHOLDS (B0h/D1h; obsolete
// in ACS but widely implemented).
func SMARTReadThresholdsCommand() *Command {
	return smartCommand("SMART READ THRESHOLDS", smartReadThresholds, true)
}

// SMARTReturnStatusCommand builds SMART RETURN STATUS (B0h/DAh).
func SMARTReturnStatusCommand() *Command {
	return smartCommand("SMART RETURN STATUS", smartReturnStatus, false)
}

// Attribute is one SMART attribute.
type Attribute struct {
	ID      uint8   `json:"id"`
	Flags   uint16  `json:"flags"`
	Current uint8   `json:"current"` // normalized value
	Worst   uint8   `json:"worst"`
	Raw     [6]byte `json:"-"`
	// RawValue is the 48-bit little-endian raw value (its meaning is
	// vendor-specific).
	RawValue uint64 `json:"raw"`
	// Threshold from READ THRESHOLDS; HaveThreshold says whether one was read.
	Threshold     uint8 `json:"threshold"`
	HaveThreshold bool  `json:"have_threshold"`
}

// PreFailure reports flag bit 0 (a failing attribute predicts failure).
func (a Attribute) PreFailure() bool { return a.Flags&0x0001 != 0 }

// Failing reports normalized value ≤ threshold for a non-zero threshold
// (a zero threshold means "always passing"; smartmontools ataprint.cpp).
func (a Attribute) Failing() bool {
	return a.HaveThreshold && a.Threshold != 0 && a.Current <= a.Threshold
}

// SMARTData is decoded SMART READ DATA.
type SMARTData struct {
	Revision       uint16      `json:"revision"`
	Attributes     []Attribute `json:"attributes"`
	OfflineStatus  byte        `json:"offline_status"`
	SelfTestStatus byte        `json:"self_test_status"`
	ChecksumValid  bool        `json:"checksum_valid"`
	// ThresholdsRead reports whether READ THRESHOLDS answered and its data
	// passed its checksum.
	ThresholdsRead bool `json:"thresholds_read"`
}

// Attribute returns the attribute with the given ID.
func (s *SMARTData) Attribute(id uint8) (Attribute, bool) {
	for _, a := range s.Attributes {
		if a.ID == id {
			return a, true
		}
	}
	return Attribute{}, false
}

func checksum512(b []byte) bool {
	var sum byte
	for _, c := range b[:512] {
		sum += c
	}
	return sum == 0
}

// DecodeSMARTData decodes SMART READ DATA: bytes 0–1 revision; 30
// attribute slots of 12 bytes from byte 2 (ID, flags LE16, current, worst,
// raw 6 bytes, reserved); byte 362 off-line data collection status, 363
// self-test status; byte 511 checksum (ACS-3 / smartmontools ata.h).
func DecodeSMARTData(b []byte) (*SMARTData, error) {
	if len(b) < 512 {
		return nil, fmt.Errorf("ata: SMART data too short: %d bytes", len(b))
	}
	s := &SMARTData{
		Revision:       binary.LittleEndian.Uint16(b[0:2]),
		OfflineStatus:  b[362],
		SelfTestStatus: b[363],
		ChecksumValid:  checksum512(b),
	}
	for i := 0; i < 30; i++ {
		e := b[2+12*i : 2+12*i+12]
		if e[0] == 0 {
			continue
		}
		a := Attribute{ID: e[0], Flags: binary.LittleEndian.Uint16(e[1:3]), Current: e[3], Worst: e[4]}
		copy(a.Raw[:], e[5:11])
		for j := 5; j >= 0; j-- {
			a.RawValue = a.RawValue<<8 | uint64(a.Raw[j])
		}
		s.Attributes = append(s.Attributes, a)
	}
	return s, nil
}

// DecodeSMARTThresholds decodes SMART READ THRESHOLDS: the same 12-byte
// slots from byte 2 with the threshold in byte 1 of each slot; byte 511
// checksum. It returns ID → threshold.
func DecodeSMARTThresholds(b []byte) (map[uint8]uint8, bool, error) {
	if len(b) < 512 {
		return nil, false, fmt.Errorf("ata: SMART thresholds too short: %d bytes", len(b))
	}
	t := map[uint8]uint8{}
	for i := 0; i < 30; i++ {
		e := b[2+12*i:]
		if e[0] != 0 {
			t[e[0]] = e[1]
		}
	}
	return t, checksum512(b), nil
}

// ApplyThresholds copies thresholds into the attributes.
func (s *SMARTData) ApplyThresholds(t map[uint8]uint8) {
	for i := range s.Attributes {
		if v, ok := t[s.Attributes[i].ID]; ok {
			s.Attributes[i].Threshold, s.Attributes[i].HaveThreshold = v, true
		}
	}
	s.ThresholdsRead = true
}

// SMARTReadData reads SMART READ DATA and, if the drive answers, READ
// THRESHOLDS (a thresholds failure leaves ThresholdsRead false).
func (d *Device) SMARTReadData(ctx context.Context) (*SMARTData, error) {
	c := SMARTReadDataCommand()
	if _, err := d.Exec(ctx, c); err != nil {
		return nil, err
	}
	s, err := DecodeSMARTData(c.Data)
	if err != nil {
		return nil, err
	}
	tc := SMARTReadThresholdsCommand()
	if _, err := d.Exec(ctx, tc); err == nil {
		if t, ok, err := DecodeSMARTThresholds(tc.Data); err == nil && ok {
			s.ApplyThresholds(t)
		}
	}
	return s, nil
}

// SMARTReturnStatus asks the drive whether a threshold is exceeded: output
// LBA(23:8) C24Fh means no, 2CF4h means yes (ACS-3 7.48.7; smartmontools
// atacmds.cpp).
func (d *Device) SMARTReturnStatus(ctx context.Context) (exceeded bool, err error) {
	c := SMARTReturnStatusCommand()
	r, err := d.Exec(ctx, c)
	if err != nil {
		return false, err
	}
	regs, err := d.needRegisters(c, r, false)
	if err != nil {
		return false, err
	}
	if !regs.LBAMid {
		return false, &CommandError{Op: c.Name, Dev: d.Name, Status: Status{Registers: &regs, SCSI: r.SCSI},
			Err: fmt.Errorf("%w: LBA(23:8) not returned", ErrNoRegisters)}
	}
	switch mid := (regs.LBA >> 8) & 0xFFFF; mid {
	case 0xC24F:
		return false, nil
	case 0x2CF4:
		return true, nil
	default:
		return false, &CommandError{Op: c.Name, Dev: d.Name, Status: Status{Registers: &regs, SCSI: r.SCSI},
			Err: fmt.Errorf("unexpected SMART status signature %04x", mid)}
	}
}
