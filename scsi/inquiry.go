package scsi

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strings"
)

// Inquiry is decoded standard INQUIRY data (SPC-4 6.6.2).
type Inquiry struct {
	PeripheralQualifier byte
	DeviceType          byte // 0x00 direct-access block device
	Removable           bool
	Version             byte
	Vendor              string // bytes 8–15, trimmed
	Product             string // bytes 16–31, trimmed
	Revision            string // bytes 32–35, trimmed
}

// DecodeInquiry decodes standard INQUIRY data (at least 36 bytes).
func DecodeInquiry(b []byte) (*Inquiry, error) {
	if len(b) < 36 {
		return nil, fmt.Errorf("scsi: INQUIRY data too short: %d bytes", len(b))
	}
	return &Inquiry{
		PeripheralQualifier: b[0] >> 5,
		DeviceType:          b[0] & 0x1f,
		Removable:           b[1]&0x80 != 0,
		Version:             b[2],
		Vendor:              asciiTrim(b[8:16]),
		Product:             asciiTrim(b[16:32]),
		Revision:            asciiTrim(b[32:36]),
	}, nil
}

// asciiTrim keeps printable ASCII and trims spaces and NULs.
func asciiTrim(b []byte) string {
	var sb strings.Builder
	for _, c := range b {
		if c >= 0x20 && c < 0x7f {
			sb.WriteByte(c)
		} else if c != 0 {
			sb.WriteByte('?')
		}
	}
	return strings.TrimSpace(sb.String())
}

// vpdPayload checks a VPD page header (byte 1 page code, bytes 2–3 page
// length) and returns the page's payload from byte 4.
func vpdPayload(b []byte, page byte) ([]byte, error) {
	if len(b) < 4 {
		return nil, fmt.Errorf("scsi: VPD page %#02x too short: %d bytes", page, len(b))
	}
	if b[1] != page {
		return nil, fmt.Errorf("scsi: VPD page %#02x returned as page %#02x", page, b[1])
	}
	n := int(binary.BigEndian.Uint16(b[2:4]))
	if 4+n > len(b) {
		n = len(b) - 4 // truncated by the allocation length: use what came
	}
	return b[4 : 4+n], nil
}

// DecodeSupportedPages decodes VPD page 00h: the list of supported pages.
func DecodeSupportedPages(b []byte) ([]byte, error) {
	p, err := vpdPayload(b, 0x00)
	if err != nil {
		return nil, err
	}
	return append([]byte(nil), p...), nil
}

// DecodeUnitSerial decodes VPD page 80h (Unit Serial Number).
func DecodeUnitSerial(b []byte) (string, error) {
	p, err := vpdPayload(b, 0x80)
	if err != nil {
		return "", err
	}
	return asciiTrim(p), nil
}

// Designator is one designation descriptor of VPD page 83h.
type Designator struct {
	CodeSet     byte // 1 binary, 2 ASCII, 3 UTF-8
	Association byte // 0 logical unit, 1 target port, 2 target device
	Type        byte // 1 T10 vendor ID, 2 EUI-64, 3 NAA, 8 SCSI name string
	Value       []byte
}

// String renders ASCII designators as text and binary ones as hex.
func (d Designator) String() string {
	if d.CodeSet == 2 || d.CodeSet == 3 {
		return asciiTrim(d.Value)
	}
	return hex.EncodeToString(d.Value)
}

// DecodeDeviceIdentification decodes VPD page 83h (SPC-4 7.8.6).
func DecodeDeviceIdentification(b []byte) ([]Designator, error) {
	p, err := vpdPayload(b, 0x83)
	if err != nil {
		return nil, err
	}
	var ds []Designator
	for off := 0; off+4 <= len(p); {
		n := int(p[off+3])
		if off+4+n > len(p) {
			return ds, fmt.Errorf("scsi: VPD 83h designator at %d overruns the page", off)
		}
		ds = append(ds, Designator{
			CodeSet:     p[off] & 0x0f,
			Association: (p[off+1] >> 4) & 0x03,
			Type:        p[off+1] & 0x0f,
			Value:       append([]byte(nil), p[off+4:off+4+n]...),
		})
		off += 4 + n
	}
	return ds, nil
}

// NAA returns the first logical-unit NAA designator as hex (the WWN), or "".
func NAA(ds []Designator) string {
	for _, d := range ds {
		if d.Type == 3 && d.Association == 0 {
			return hex.EncodeToString(d.Value)
		}
	}
	return ""
}

// ATAInformation is decoded VPD page 89h (SAT-3 12.4.2), which a SATL
// returns for an ATA device behind it.
type ATAInformation struct {
	SATVendor   string
	SATProduct  string
	SATRevision string
	Signature   []byte // bytes 36–55: the device signature FIS
	CommandCode byte   // byte 56: ECh IDENTIFY DEVICE, A1h IDENTIFY PACKET DEVICE
	Identify    []byte // bytes 60–571: the IDENTIFY data
}

// DecodeATAInformation decodes VPD page 89h.
func DecodeATAInformation(b []byte) (*ATAInformation, error) {
	if _, err := vpdPayload(b, 0x89); err != nil {
		return nil, err
	}
	if len(b) < 572 {
		return nil, fmt.Errorf("scsi: VPD 89h too short for IDENTIFY data: %d bytes", len(b))
	}
	return &ATAInformation{
		SATVendor:   asciiTrim(b[8:16]),
		SATProduct:  asciiTrim(b[16:32]),
		SATRevision: asciiTrim(b[32:36]),
		Signature:   append([]byte(nil), b[36:56]...),
		CommandCode: b[56],
		Identify:    append([]byte(nil), b[60:572]...),
	}, nil
}

// BlockCharacteristics is decoded VPD page B1h (SBC-4 6.6.2).
type BlockCharacteristics struct {
	// RotationRate: 0 not reported, 1 non-rotating (solid state), 0401h–FFFEh
	// revolutions per minute.
	RotationRate uint16
	FormFactor   byte // bits 3:0 of byte 7: 1 5.25", 2 3.5", 3 2.5", 4 1.8", 5 <1.8"
}

// SolidState reports a non-rotating medium.
func (b BlockCharacteristics) SolidState() bool { return b.RotationRate == 1 }

// Rotating reports a rotating medium with a reported speed.
func (b BlockCharacteristics) Rotating() bool {
	return b.RotationRate >= 0x0401 && b.RotationRate <= 0xFFFE
}

// DecodeBlockCharacteristics decodes VPD page B1h.
func DecodeBlockCharacteristics(b []byte) (*BlockCharacteristics, error) {
	p, err := vpdPayload(b, 0xB1)
	if err != nil {
		return nil, err
	}
	if len(p) < 4 {
		return nil, fmt.Errorf("scsi: VPD B1h too short: %d bytes", len(b))
	}
	return &BlockCharacteristics{
		RotationRate: binary.BigEndian.Uint16(p[0:2]),
		FormFactor:   p[3] & 0x0f,
	}, nil
}

// Capacity is decoded READ CAPACITY(16) data (SBC-4 5.20.2).
type Capacity struct {
	LastLBA          uint64
	LogicalBlockSize uint32
	ProtectionType   byte // P_TYPE + 1 when PROT_EN, else 0
	LogicalPerPhys   uint32
	LBPME            bool // logical block provisioning (thin / unmap) enabled
	LBPRZ            bool // unmapped blocks read as zero
	LowestAlignedLBA uint16
}

// Blocks is the number of logical blocks.
func (c Capacity) Blocks() uint64 { return c.LastLBA + 1 }

// Bytes is the capacity in bytes.
func (c Capacity) Bytes() uint64 { return c.Blocks() * uint64(c.LogicalBlockSize) }

// PhysicalBlockSize is the physical block size in bytes.
func (c Capacity) PhysicalBlockSize() uint32 { return c.LogicalBlockSize * c.LogicalPerPhys }

// DecodeCapacity16 decodes READ CAPACITY(16) parameter data (≥ 16 bytes).
func DecodeCapacity16(b []byte) (*Capacity, error) {
	if len(b) < 16 {
		return nil, fmt.Errorf("scsi: READ CAPACITY(16) data too short: %d bytes", len(b))
	}
	c := &Capacity{
		LastLBA:          binary.BigEndian.Uint64(b[0:8]),
		LogicalBlockSize: binary.BigEndian.Uint32(b[8:12]),
		LogicalPerPhys:   1 << (b[13] & 0x0f),
		LBPME:            b[14]&0x80 != 0,
		LBPRZ:            b[14]&0x40 != 0,
		LowestAlignedLBA: binary.BigEndian.Uint16(b[14:16]) & 0x3fff,
	}
	if b[12]&0x01 != 0 {
		c.ProtectionType = (b[12]>>1)&0x07 + 1
	}
	if c.LogicalBlockSize == 0 {
		return nil, fmt.Errorf("scsi: READ CAPACITY(16) reports a zero block length")
	}
	return c, nil
}

// OpcodeSupport is the answer of REPORT SUPPORTED OPERATION CODES for one
// command (SPC-4 6.35.3).
type OpcodeSupport struct {
	// Support: 0 not available, 1 not supported, 3 supported per the
	// standard, 5 supported in a vendor-specific manner.
	Support byte
	CDBSize uint16
	Usage   []byte // CDB usage bitmap
	// Timeouts are the device's nominal processing and recommended
	// command timeouts in seconds, when it returned the command timeouts
	// descriptor (0 = not specified).
	NominalSeconds     uint32
	RecommendedSeconds uint32
	HasTimeouts        bool
}

// Supported reports support per the standard or vendor-specific.
func (o OpcodeSupport) Supported() bool { return o.Support == 3 || o.Support == 5 }

// DecodeOpcodeSupport decodes a one-command REPORT SUPPORTED OPERATION
// CODES response: byte 1 bit 7 CTDP, bits 2:0 SUPPORT; bytes 2–3 CDB size;
// usage bitmap; then, with CTDP, the 12-byte command timeouts descriptor
// (length 0Ah, bytes 4–7 nominal, 8–11 recommended timeout, seconds).
func DecodeOpcodeSupport(b []byte) (*OpcodeSupport, error) {
	if len(b) < 2 {
		return nil, fmt.Errorf("scsi: REPORT SUPPORTED OPERATION CODES data too short: %d bytes", len(b))
	}
	o := &OpcodeSupport{Support: b[1] & 0x07}
	if len(b) < 4 {
		return o, nil
	}
	o.CDBSize = binary.BigEndian.Uint16(b[2:4])
	end := 4 + int(o.CDBSize)
	if end > len(b) {
		return o, nil
	}
	o.Usage = append([]byte(nil), b[4:end]...)
	if b[1]&0x80 != 0 && end+12 <= len(b) {
		t := b[end : end+12]
		o.HasTimeouts = true
		o.NominalSeconds = binary.BigEndian.Uint32(t[4:8])
		o.RecommendedSeconds = binary.BigEndian.Uint32(t[8:12])
	}
	return o, nil
}
