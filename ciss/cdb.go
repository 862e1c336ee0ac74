package ciss

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// CISS and BMIC operation codes (hpsa_cmd.h HPSA_REPORT_LOG/HPSA_REPORT_PHYS,
// BMIC_READ/BMIC_WRITE, BMIC_IDENTIFY_PHYSICAL_DEVICE; the same values in
// smartpqi.h CISS_REPORT_LOG/CISS_REPORT_PHYS and FreeBSD cissreg.h).
const (
	OpReportLogicalLUNs  = 0xC2
	OpReportPhysicalLUNs = 0xC3
	OpBMICRead           = 0x26
	OpBMICWrite          = 0x27

	// BMICIdentifyPhysicalDevice is the BMIC command carried in byte 6 of a
	// BMIC READ CDB.
	BMICIdentifyPhysicalDevice = 0x15

	// VPDLogicalDriveGeometry is the vendor VPD page a logical drive
	// answers with its RAID level in byte 8 (hpsa_cmd.h
	// HPSA_VPD_LV_DEVICE_GEOMETRY, smartpqi.h CISS_VPD_LV_DEVICE_GEOMETRY).
	VPDLogicalDriveGeometry = 0xC1
)

// REPORT PHYSICAL LUNS formats, CDB byte 1 and the low nibble of the
// response's flags byte (hpsa_cmd.h HPSA_REPORT_PHYS_EXTENDED; smartpqi.h
// CISS_REPORT_PHYS_FLAG_EXTENDED_FORMAT_2/_4).
const (
	// FormatPlain returns 8-byte LUN addresses only.
	FormatPlain = 0x00
	// FormatExtended returns 24-byte entries with an 8-byte WWID, the
	// device type and flags. hpsa and smartpqi both ask for it.
	FormatExtended = 0x02
	// FormatExtended16 returns 32-byte entries with a 16-byte WWID; only
	// controllers with smartpqi's firmware feature 18 answer it.
	FormatExtended16 = 0x04
)

// reportLogUniqueID is the REPORT LOGICAL LUNS flag that makes each entry
// carry a 16-byte volume ID after the LUN (smartpqi.h
// CISS_REPORT_LOG_FLAG_UNIQUE_LUN_ID).
const reportLogUniqueID = 0x01

// MaxPhysicalLUNs is how many physical devices the drivers size their
// REPORT PHYSICAL LUNS buffers for (hpsa_cmd.h HPSA_MAX_PHYS_LUN).
const MaxPhysicalLUNs = 1024

// IdentifyPhysicalLen is the size of struct bmic_identify_physical_device
// (hpsa_cmd.h, 512-aligned; smartpqi.h pins it with BUILD_BUG_ON == 2560).
const IdentifyPhysicalLen = 2560

// LUN is an 8-byte CISS LUN address (cciss_defs.h LUNAddr_struct). The
// controller itself is all zeros; physical devices and logical drives use
// the addresses REPORT PHYSICAL/LOGICAL LUNS return.
type LUN [8]byte

// String formats the address as hpsa does (its sysfs lunid attribute and
// its messages print the eight bytes in order, "%8phN"): 16 lowercase hex
// digits. The sysfs attribute adds a "0x" prefix; ParseLUN accepts both.
func (l LUN) String() string { return hex.EncodeToString(l[:]) }

// ParseLUN parses the String form, with or without a "0x" prefix.
func ParseLUN(s string) (LUN, error) {
	var l LUN
	t := strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(s), "0x"), "0X")
	if len(t) != 16 {
		return l, fmt.Errorf("ciss: LUN %q: want 16 hex digits", s)
	}
	if _, err := hex.Decode(l[:], []byte(t)); err != nil {
		return l, fmt.Errorf("ciss: LUN %q: %w", s, err)
	}
	return l, nil
}

// Addressing modes, the top two bits of byte 3 (cciss_defs.h SCSI3Addr_struct
// Mode; FreeBSD cissreg.h CISS_HDR_ADDRESS_MODE_*).
const (
	ModePeripheral       = 0
	ModeLogical          = 1
	ModeMaskedPeripheral = 3
)

// Mode returns the addressing mode of the first level.
func (l LUN) Mode() uint8 { return l[3] >> 6 }

// IsController reports the controller's own address (hpsa and smartpqi
// RAID_CTLR_LUNID: eight zero bytes).
func (l LUN) IsController() bool { return l == LUN{} }

// Logical reports a logical-drive address (mode 01b in byte 3; hpsa
// is_logical_dev_addr_mode).
func (l LUN) Logical() bool { return l.Mode() == ModeLogical }

// Hidden reports a physical device the controller does not expose to the
// host, usually because it belongs to a logical drive or is a spare: hpsa
// and smartpqi test any of the top two bits of byte 3 (MASKED_DEVICE). Only
// meaningful for REPORT PHYSICAL LUNS entries.
func (l LUN) Hidden() bool { return l[3]&0xC0 != 0 }

// VolumeID is the logical drive number of a logical address (cciss_defs.h
// LogDevAddr_struct VolId:30, little-endian).
func (l LUN) VolumeID() uint32 { return binary.LittleEndian.Uint32(l[:4]) & 0x3FFFFFFF }

// BMICBus and BMICTarget are the level-two bus and target of a physical
// address (hpsa_cmd.h GET_BMIC_BUS, GET_BMIC_LEVEL_TWO_TARGET; smartpqi.h
// CISS_GET_LEVEL_2_BUS/TARGET).
func (l LUN) BMICBus() uint8    { return l[7] & 0x3F }
func (l LUN) BMICTarget() uint8 { return l[6] }

// DriveNumber is the BMIC drive index of a physical address, ((bus-1) << 8)
// + target (hpsa_cmd.h GET_BMIC_DRIVE_NUMBER, smartpqi.h
// CISS_GET_DRIVE_NUMBER). ok is false for bus 0, where the drivers' formula
// yields 0xFF00, which hpsa treats as "no drive".
func (l LUN) DriveNumber() (n uint16, ok bool) {
	bus := l.BMICBus()
	if bus == 0 {
		return 0xFF00 | uint16(l.BMICTarget()), false
	}
	return uint16(bus-1)<<8 | uint16(l.BMICTarget()), true
}

// ReportPhysicalLUNsCDB builds the 12-byte CISS REPORT PHYSICAL LUNS CDB:
// the format in byte 1 and the allocation length big-endian in bytes 6-9
// (hpsa.c fill_cmd HPSA_REPORT_PHYS; smartpqi_init.c
// pqi_build_raid_path_request; FreeBSD cissreg.h struct ciss_report_cdb).
// It is addressed to the controller (LUN all zeros).
func ReportPhysicalLUNsCDB(format byte, alloc uint32) []byte {
	return reportCDB(OpReportPhysicalLUNs, format, alloc)
}

// ReportLogicalLUNsCDB builds REPORT LOGICAL LUNS; flags 0 asks for plain
// 8-byte entries.
func ReportLogicalLUNsCDB(flags byte, alloc uint32) []byte {
	return reportCDB(OpReportLogicalLUNs, flags, alloc)
}

func reportCDB(op, b1 byte, alloc uint32) []byte {
	cdb := make([]byte, 12)
	cdb[0] = op
	cdb[1] = b1
	binary.BigEndian.PutUint32(cdb[6:10], alloc)
	return cdb
}

// BMICIdentifyPhysicalCDB builds the 10-byte BMIC READ CDB for IDENTIFY
// PHYSICAL DEVICE of drive index: the index's low byte in byte 2 and high
// byte in byte 9 (hpsa.c hpsa_bmic_id_physical_device, smartpqi_init.c
// pqi_identify_physical_device), the BMIC command in byte 6 and the
// allocation length big-endian in bytes 7-8 (smartpqi_init.c
// pqi_build_raid_path_request, FreeBSD cissreg.h struct ciss_bmic_cdb).
//
// hpsa.c fill_cmd writes bytes 7-8 as bits 23-8 of the length instead, one
// byte off from the other two; the controller evidently does not size the
// transfer from it (hpsa reads the bay at offset 115 of a reply it
// "limited" to 10 bytes). We follow smartpqi and FreeBSD.
func BMICIdentifyPhysicalCDB(index uint16, alloc uint16) []byte {
	cdb := make([]byte, 10)
	cdb[0] = OpBMICRead
	cdb[2] = byte(index)
	cdb[6] = BMICIdentifyPhysicalDevice
	binary.BigEndian.PutUint16(cdb[7:9], alloc)
	cdb[9] = byte(index >> 8)
	return cdb
}

// DeviceType is the controller's device type in REPORT PHYSICAL LUNS
// extended entries and in BMIC IDENTIFY PHYSICAL DEVICE (smartpqi.h
// SA_DEVICE_TYPE_*; hpsa.c BMIC_DEVICE_TYPE_ENCLOSURE, hpsa_cmd.h
// BMIC_DEVICE_TYPE_CONTROLLER).
type DeviceType uint8

// Device types.
const (
	TypeSATA       DeviceType = 0x01
	TypeSAS        DeviceType = 0x02
	TypeExpander   DeviceType = 0x05
	TypeEnclosure  DeviceType = 0x06
	TypeController DeviceType = 0x07
	TypeNVMe       DeviceType = 0x09
)

func (t DeviceType) String() string {
	switch t {
	case TypeSATA:
		return "SATA"
	case TypeSAS:
		return "SAS"
	case TypeExpander:
		return "expander"
	case TypeEnclosure:
		return "enclosure"
	case TypeController:
		return "controller"
	case TypeNVMe:
		return "NVMe"
	}
	return fmt.Sprintf("type %#02x", uint8(t))
}

// Disk reports a drive type (SATA, SAS or NVMe).
func (t DeviceType) Disk() bool { return t == TypeSATA || t == TypeSAS || t == TypeNVMe }

// Device flags of an extended REPORT PHYSICAL LUNS entry (hpsa.c
// RPL_DEV_FLAG_*, hpsa.c/smartpqi.h AIO-enabled bit 0x08).
const (
	FlagNonDisk               = 0x01
	FlagUnconfiguredReporting = 0x02
	FlagUnconfiguredDisk      = 0x04
	FlagAIOEnabled            = 0x08
)

// Report layout sizes.
const (
	reportHeaderLen       = 8
	plainEntryLen         = 8
	extendedEntryLen      = 24 // hpsa_cmd.h struct ext_report_lun_entry
	extended16EntryLen    = 32 // smartpqi.h struct report_phys_lun_16byte_wwid
	logicalUniqueEntryLen = 24 // smartpqi.h struct report_log_lun
	reportFormatMask      = 0x0F
)

// PhysicalEntry is one REPORT PHYSICAL LUNS entry. In the plain format only
// LUN is set.
type PhysicalEntry struct {
	LUN LUN
	// WWID is 8 bytes (format 2) or 16 bytes (format 4); smartpqi reads the
	// first 8 as the device's SAS address, big-endian.
	WWID           []byte
	Type           DeviceType
	Flags          byte
	LUNCount       uint8
	RedundantPaths uint8
	// AIOHandle is the I/O accelerator handle (valid with FlagAIOEnabled).
	AIOHandle uint32
}

// NonDisk reports an entry that is not a drive: an enclosure, expander or
// controller, or an entry flagged non-disk.
func (e *PhysicalEntry) NonDisk() bool {
	return e.Flags&FlagNonDisk != 0 || (e.Type != 0 && !e.Type.Disk())
}

// PhysicalReport is decoded REPORT PHYSICAL LUNS data.
type PhysicalReport struct {
	// Format is the format the controller answered with (flags byte & 0Fh).
	Format byte
	// ListLength is the byte length of the whole list as the controller
	// reported it; when it exceeds what was read, Truncated is set.
	ListLength uint32
	Truncated  bool
	Entries    []PhysicalEntry
}

// ErrShortData is returned by decoders given fewer bytes than the format
// needs.
var ErrShortData = errors.New("ciss: reply too short")

// DecodeReportPhysical decodes REPORT PHYSICAL LUNS data: a big-endian list
// length, a flags byte whose low nibble is the format, three reserved bytes,
// then entries (hpsa_cmd.h struct ReportLUNdata / ReportExtendedLUNdata;
// smartpqi.h struct report_lun_header and report_phys_lun_*_wwid).
func DecodeReportPhysical(b []byte) (*PhysicalReport, error) {
	if len(b) < reportHeaderLen {
		return nil, fmt.Errorf("%w: REPORT PHYSICAL LUNS header is %d bytes", ErrShortData, len(b))
	}
	r := &PhysicalReport{Format: b[4] & reportFormatMask, ListLength: binary.BigEndian.Uint32(b[0:4])}
	var size, wwid int
	switch r.Format {
	case FormatPlain:
		size = plainEntryLen
	case FormatExtended:
		size, wwid = extendedEntryLen, 8
	case FormatExtended16:
		size, wwid = extended16EntryLen, 16
	default:
		return nil, fmt.Errorf("ciss: REPORT PHYSICAL LUNS format %#x not known", r.Format)
	}
	body, truncated := listBody(b, r.ListLength)
	r.Truncated = truncated
	for off := 0; off+size <= len(body); off += size {
		e := body[off : off+size]
		var pe PhysicalEntry
		copy(pe.LUN[:], e[:8])
		if wwid > 0 {
			t := 8 + wwid
			pe.WWID = append([]byte(nil), e[8:t]...)
			pe.Type = DeviceType(e[t])
			pe.Flags = e[t+1]
			pe.LUNCount = e[t+2]
			pe.RedundantPaths = e[t+3]
			pe.AIOHandle = binary.LittleEndian.Uint32(e[t+4 : t+8])
		}
		r.Entries = append(r.Entries, pe)
	}
	return r, nil
}

// LogicalEntry is one REPORT LOGICAL LUNS entry.
type LogicalEntry struct {
	LUN LUN
	// VolumeID is the 16-byte unique volume ID, present only when the
	// report was asked for with the unique-ID flag.
	VolumeID []byte
}

// LogicalReport is decoded REPORT LOGICAL LUNS data.
type LogicalReport struct {
	Flags      byte
	ListLength uint32
	Truncated  bool
	Entries    []LogicalEntry
}

// DecodeReportLogical decodes REPORT LOGICAL LUNS data: the same header as
// the physical report; 8-byte entries, or 24-byte ones (LUN and volume ID)
// when flag bit 0 is set (smartpqi.h struct report_log_lun).
func DecodeReportLogical(b []byte) (*LogicalReport, error) {
	if len(b) < reportHeaderLen {
		return nil, fmt.Errorf("%w: REPORT LOGICAL LUNS header is %d bytes", ErrShortData, len(b))
	}
	r := &LogicalReport{Flags: b[4], ListLength: binary.BigEndian.Uint32(b[0:4])}
	size := plainEntryLen
	if r.Flags&reportLogUniqueID != 0 {
		size = logicalUniqueEntryLen
	}
	body, truncated := listBody(b, r.ListLength)
	r.Truncated = truncated
	for off := 0; off+size <= len(body); off += size {
		var le LogicalEntry
		copy(le.LUN[:], body[off:off+8])
		if size > plainEntryLen {
			le.VolumeID = append([]byte(nil), body[off+8:off+size]...)
		}
		r.Entries = append(r.Entries, le)
	}
	return r, nil
}

// listBody returns the list bytes the header announces, cut to what was
// read.
func listBody(b []byte, n uint32) ([]byte, bool) {
	body := b[reportHeaderLen:]
	if uint64(n) > uint64(len(body)) {
		return body, true
	}
	return body[:n], false
}

// IdentifyPhysical is what kesu reads from BMIC IDENTIFY PHYSICAL DEVICE.
// Offsets are those of struct bmic_identify_physical_device, identical in
// hpsa_cmd.h and smartpqi.h (smartpqi pins phys_bay_in_box at 115 and
// device_type at 120 with BUILD_BUG_ON); multi-byte fields are
// little-endian.
type IdentifyPhysical struct {
	BlockSize uint16 // block_size, offset 2
	// Blocks is big_total_block_count (offset 122) when set, else the
	// 32-bit total_blocks (offset 4).
	Blocks   uint64
	Model    string // model[40] at 12: INQUIRY vendor (8) + product (16)
	Serial   string // serial_number[40] at 52
	Firmware string // firmware_revision[8] at 92
	// Connector is phys_connector[2] at 112, e.g. "1I" (port 1, internal).
	Connector string
	Box       uint8      // phys_box_on_bus, 114
	Bay       uint8      // phys_bay_in_box, 115
	RPM       uint32     // rpm, 116 (1 for SSDs on some firmware; unproven)
	Type      DeviceType // device_type, 120
}

// identifyMinLen covers every field IdentifyPhysical reads (through
// big_total_block_count, offsets 122-129).
const identifyMinLen = 130

// Capacity returns the drive's size in bytes.
func (id *IdentifyPhysical) Capacity() uint64 { return id.Blocks * uint64(id.BlockSize) }

// Vendor and Product split Model as smartpqi does (model[0:8], model[8:24]).
func (id *IdentifyPhysical) Vendor() string  { return field(id.Model, 0, 8) }
func (id *IdentifyPhysical) Product() string { return field(id.Model, 8, 24) }

func field(s string, i, j int) string {
	if len(s) <= i {
		return ""
	}
	if len(s) < j {
		j = len(s)
	}
	return strings.TrimSpace(s[i:j])
}

// DecodeIdentifyPhysical decodes BMIC IDENTIFY PHYSICAL DEVICE data.
func DecodeIdentifyPhysical(b []byte) (*IdentifyPhysical, error) {
	if len(b) < identifyMinLen {
		return nil, fmt.Errorf("%w: BMIC IDENTIFY PHYSICAL DEVICE is %d bytes, want %d", ErrShortData, len(b), identifyMinLen)
	}
	le := binary.LittleEndian
	id := &IdentifyPhysical{
		BlockSize: le.Uint16(b[2:4]),
		Blocks:    uint64(le.Uint32(b[4:8])),
		Model:     text(b[12:52], false),
		Serial:    text(b[52:92], true),
		Firmware:  text(b[92:100], true),
		Connector: text(b[112:114], true),
		Box:       b[114],
		Bay:       b[115],
		RPM:       le.Uint32(b[116:120]),
		Type:      DeviceType(b[120]),
	}
	if big := le.Uint64(b[122:130]); big != 0 {
		id.Blocks = big
	}
	return id, nil
}

// text decodes a fixed ASCII field: up to the first NUL, without trailing
// spaces (and leading ones when trimLeft; the model keeps its vendor
// column).
func text(b []byte, trimLeft bool) string {
	if i := strings.IndexByte(string(b), 0); i >= 0 {
		b = b[:i]
	}
	s := strings.TrimRight(string(b), " ")
	if trimLeft {
		s = strings.TrimLeft(s, " ")
	}
	return s
}

// RAIDLevel is the fault-tolerance byte of a logical drive (VPD C1h byte
// 8). Values and names from hpsa.c raid_label and smartpqi_init.c
// raid_levels, which agree except for 6 (hpsa "1(+0)ADM", smartpqi
// "1(Triple)": a three-way mirror).
type RAIDLevel uint8

// RAID levels.
const (
	RAID0        RAIDLevel = 0
	RAID4        RAIDLevel = 1
	RAID1        RAIDLevel = 2 // also RAID 1+0
	RAID5        RAIDLevel = 3 // also RAID 50
	RAID51       RAIDLevel = 4
	RAID6        RAIDLevel = 5 // also RAID 60 (ADG)
	RAID1Triple  RAIDLevel = 6 // also RAID 1+0 triple (ADM)
	RAIDUnknown  RAIDLevel = 0xFF
	raidLevelMax           = RAID1Triple
)

func (r RAIDLevel) String() string {
	switch r {
	case RAID0:
		return "RAID 0"
	case RAID4:
		return "RAID 4"
	case RAID1:
		return "RAID 1(+0)"
	case RAID5:
		return "RAID 5"
	case RAID51:
		return "RAID 5+1"
	case RAID6:
		return "RAID 6"
	case RAID1Triple:
		return "RAID 1(+0) triple"
	}
	return "RAID unknown"
}

// DecodeLogicalDriveGeometry returns the RAID level from VPD page C1h
// (hpsa.c hpsa_get_raid_level, smartpqi_init.c pqi_get_raid_level: byte 8;
// values past 6 mean unknown).
func DecodeLogicalDriveGeometry(b []byte) (RAIDLevel, error) {
	if len(b) < 9 {
		return RAIDUnknown, fmt.Errorf("%w: VPD C1h is %d bytes", ErrShortData, len(b))
	}
	if b[1] != VPDLogicalDriveGeometry {
		return RAIDUnknown, fmt.Errorf("ciss: VPD page %#02x returned for C1h", b[1])
	}
	if r := RAIDLevel(b[8]); r <= raidLevelMax {
		return r, nil
	}
	return RAIDUnknown, nil
}
