package mfi

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/kesu-erase/kesu/scsi"
)

// errShort reports a reply shorter than its layout.
var errShort = errors.New("mfi: reply too short")

// Reply sizes requested from the firmware.
const (
	// CtrlInfoSize is the classic struct megasas_ctrl_info (padded to
	// 0x800; QEMU's mfi_ctrl_info is that size and QEMU refuses a shorter
	// buffer). Newer kernels append fields past 0x800 that this package
	// does not use.
	CtrlInfoSize = 0x800
	// PDInfoSize is struct MR_PD_INFO (512, "reserved1[512-428]").
	PDInfoSize = 512
	// LDListSize is struct MR_LD_LIST for MAX_LOGICAL_DRIVES (64)
	// entries: 8 + 64*16. QEMU refuses a larger buffer; the 256-entry
	// list needs mbox.b[0]=1 and firmware support (megasas_get_ld_list).
	LDListSize = 8 + 64*ldListEntrySize
)

const (
	pdAddressSize    = 24 // struct MR_PD_ADDRESS
	ldListEntrySize  = 16 // MR_LD_LIST.ldList[]
	configHeaderSize = 32 // struct mfi_config_data (QEMU mfi.h), struct mfi_conf (OpenBSD mfireg.h)
	arrayMinSize     = 32 // struct mfi_array up to pd[] (288 with 32 members)
	arrayPDSize      = 8  // mfi_array.pd[]: ref 4, fw_state 2, encl.pd 1, encl.slot 1
	ldConfigMinSize  = 64 // struct mfi_ld_config up to span[] (256 with 8 spans)
	spanSize         = 24 // struct mfi_span
	spareMinSize     = 8  // struct mfi_spare up to array_refd[] (40 with 16)
	maxRowSize       = 32 // MFI_MAX_ROW_SIZE
	maxSpanDepth     = 8  // MFI_MAX_SPAN_DEPTH
	maxSpareArrays   = 16 // MFI_MAX_ARRAYS
	noDevice         = 0xFFFF
	sectorSize       = 512 // MR_PD_INFO and MR_LD_LIST sizes count 512-byte sectors
)

// Info is what MR_DCMD_CTRL_GET_INFO reports (struct megasas_ctrl_info).
type Info struct {
	VendorID, DeviceID, SubVendorID, SubDeviceID uint16 // pci, 0x00
	Product                                      string // product_name, 0x540
	Serial                                       string // serial_no, 0x590
	PackageVersion                               string // package_version, 0x640
	// Firmware is the version of the image component named "APP" (the
	// controller firmware proper; QEMU reports "1.80-QEMU" there).
	Firmware   string
	Components []Component // image_component[image_component_count], 0xB4
	// MaxRequestSectors is max_request_size (0x5BC), in 512-byte
	// sectors.
	MaxRequestSectors uint32
	LDsPresent        uint16 // ld_present_count, 0x5C0
	PDsPresent        uint16 // pd_present_count, 0x5C6
	// JBODEnabled is properties.OnOffProperties.enableJBOD (bit 13 of
	// the word at 0x620; QEMU mfi.h MFI_CTRL_PROP_EnableJBOD).
	JBODEnabled bool
	// JBODSupported is adapterOperations2.supportJBOD (bit 11 of the word
	// at 0x7A4; megaraid_sas.h only — QEMU leaves this area zero).
	JBODSupported bool
}

// Component is one firmware image (struct mfi_info_component).
type Component struct{ Name, Version, BuildDate, BuildTime string }

// DecodeInfo decodes a CTRL_GET_INFO reply.
func DecodeInfo(b []byte) (*Info, error) {
	if len(b) < CtrlInfoSize {
		return nil, fmt.Errorf("%w: controller info %d bytes, want %d", errShort, len(b), CtrlInfoSize)
	}
	le := binary.LittleEndian
	in := &Info{
		VendorID:          le.Uint16(b[0x00:]),
		DeviceID:          le.Uint16(b[0x02:]),
		SubVendorID:       le.Uint16(b[0x04:]),
		SubDeviceID:       le.Uint16(b[0x06:]),
		Product:           cstring(b[0x540 : 0x540+80]),
		Serial:            cstring(b[0x590 : 0x590+32]),
		MaxRequestSectors: le.Uint32(b[0x5BC:]),
		LDsPresent:        le.Uint16(b[0x5C0:]),
		PDsPresent:        le.Uint16(b[0x5C6:]),
		PackageVersion:    cstring(b[0x640 : 0x640+0x60]),
		JBODEnabled:       le.Uint32(b[0x620:])&(1<<13) != 0,
		JBODSupported:     le.Uint32(b[0x7A4:])&(1<<11) != 0,
	}
	n := le.Uint32(b[0xB4:])
	for i := 0; i < int(min(n, 8)); i++ {
		c := b[0xB8+72*i : 0xB8+72*(i+1)] // name 8, version 32, build_date 16, build_time 16
		comp := Component{Name: cstring(c[0:8]), Version: cstring(c[8:40]),
			BuildDate: cstring(c[40:56]), BuildTime: cstring(c[56:72])}
		in.Components = append(in.Components, comp)
		if comp.Name == "APP" && in.Firmware == "" {
			in.Firmware = comp.Version
		}
	}
	return in, nil
}

// PDAddress is one entry of MR_DCMD_PD_GET_LIST (struct MR_PD_ADDRESS).
type PDAddress struct {
	DeviceID       uint16    // 0
	EnclosureID    uint16    // 2: enclDeviceId (0xFFFF: none)
	EnclosureIndex uint8     // 4
	Slot           uint8     // 5
	SCSIDevType    uint8     // 6: SCSI peripheral device type (0 disk, 0x0D enclosure)
	PortBitmap     uint8     // 7
	SASAddress     [2]uint64 // 8
}

// IsDisk reports a direct-access device (peripheral device type 0), the
// only kind smartmontools and mfiutil list as drives.
func (a PDAddress) IsDisk() bool { return a.SCSIDevType == 0 }

// DecodePDList decodes an MR_PD_LIST (size 0, count 4, entries from 8).
// It also returns the list's size field: when it exceeds len(b) the
// firmware had more to say and the read should be repeated with that
// size, as smartmontools and mfiutil do.
func DecodePDList(b []byte) ([]PDAddress, uint32, error) {
	if len(b) < 8 {
		return nil, 0, fmt.Errorf("%w: PD list %d bytes", errShort, len(b))
	}
	le := binary.LittleEndian
	size, count := le.Uint32(b[0:]), le.Uint32(b[4:])
	if size > uint32(len(b)) {
		return nil, size, nil
	}
	if uint64(count)*pdAddressSize+8 > uint64(len(b)) {
		return nil, size, fmt.Errorf("%w: PD list says %d entries in %d bytes", errShort, count, len(b))
	}
	out := make([]PDAddress, count)
	for i := range out {
		e := b[8+pdAddressSize*i:]
		out[i] = PDAddress{
			DeviceID: le.Uint16(e[0:]), EnclosureID: le.Uint16(e[2:]),
			EnclosureIndex: e[4], Slot: e[5], SCSIDevType: e[6], PortBitmap: e[7],
			SASAddress: [2]uint64{le.Uint64(e[8:]), le.Uint64(e[16:])},
		}
	}
	return out, size, nil
}

// PDState is a physical drive's firmware state (enum MR_PD_STATE).
type PDState uint16

// Physical drive states (megaraid_sas.h MR_PD_STATE_*; QEMU mfi.h
// mfi_syspd_state; OpenBSD mfireg.h MFI_PD_*).
const (
	PDUnconfiguredGood PDState = 0x00
	PDUnconfiguredBad  PDState = 0x01
	PDHotSpare         PDState = 0x02
	PDOffline          PDState = 0x10
	PDFailed           PDState = 0x11
	PDRebuild          PDState = 0x14
	PDOnline           PDState = 0x18
	PDCopyback         PDState = 0x20
	PDSystem           PDState = 0x40 // exposed to the host as a JBOD ("system") drive
)

func (s PDState) String() string {
	switch s {
	case PDUnconfiguredGood:
		return "unconfigured good"
	case PDUnconfiguredBad:
		return "unconfigured bad"
	case PDHotSpare:
		return "hot spare"
	case PDOffline:
		return "offline"
	case PDFailed:
		return "failed"
	case PDRebuild:
		return "rebuilding"
	case PDOnline:
		return "online (RAID member)"
	case PDCopyback:
		return "copyback"
	case PDSystem:
		return "JBOD"
	}
	return fmt.Sprintf("state %#02x", uint16(s))
}

// PDInfo is what MR_DCMD_PD_GET_INFO reports (struct MR_PD_INFO;
// OpenBSD's struct mfi_pd_details has the same offsets).
type PDInfo struct {
	DeviceID uint16 // ref.deviceId, 0
	SeqNum   uint16 // ref.seqNum, 2
	Inquiry  []byte // inquiryData[96], 4: the drive's standard INQUIRY data
	// VPD83 is vpdPage83[64], 100: the first 64 bytes of the drive's
	// Device Identification VPD page (header included), as the firmware
	// read it.
	VPD83       []byte
	SCSIDevType uint8  // 165
	MediaErrors uint32 // mediaErrCount, 168
	OtherErrors uint32 // otherErrCount, 172
	PredFail    uint32 // predFailCount, 176
	State       PDState
	// Interface is the DDF type's intf field (bits 12–15 of the word at
	// 188): "SAS", "SATA", "NVMe", ... (enum MR_PD_TYPE).
	Interface  string
	SASAddress [2]uint64 // pathInfo.sasAddr, 200
	// Sizes in 512-byte sectors (mfiutil prints raw_size * 512; QEMU
	// fills them from blk_get_geometry).
	RawSectors, NonCoercedSectors, CoercedSectors uint64 // 232, 240, 248
	EnclosureID                                   uint16 // 256
	EnclosureIndex, Slot                          uint8  // 258, 259
}

// RawBytes is the drive's raw size in bytes.
func (p *PDInfo) RawBytes() uint64 { return p.RawSectors * sectorSize }

// Vendor, Product and Revision come from the INQUIRY data the firmware
// holds (bytes 8–15, 16–31, 32–35 of standard INQUIRY data).
func (p *PDInfo) Vendor() string   { return inqField(p.Inquiry, 8, 16) }
func (p *PDInfo) Product() string  { return inqField(p.Inquiry, 16, 32) }
func (p *PDInfo) Revision() string { return inqField(p.Inquiry, 32, 36) }

// NAA returns the drive's NAA logical-unit designator (hex) from VPD83, or
// "" when the firmware holds none (QEMU's megasas fills no page).
func (p *PDInfo) NAA() string {
	if len(p.VPD83) < 4 || p.VPD83[1] != 0x83 {
		return ""
	}
	// The firmware keeps 64 bytes of the page: decode the designators
	// that fit (a longer page is cut to what is held).
	page := append([]byte(nil), p.VPD83...)
	n := min(len(page)-4, int(binary.BigEndian.Uint16(page[2:4])))
	binary.BigEndian.PutUint16(page[2:4], uint16(n))
	ds, _ := scsi.DecodeDeviceIdentification(page[:4+n])
	return scsi.NAA(ds)
}

func inqField(b []byte, from, to int) string {
	if len(b) < to {
		return ""
	}
	return string(bytes.TrimSpace(b[from:to]))
}

var pdInterfaces = map[uint16]string{0: "unknown", 1: "parallel SCSI", 2: "SAS", 3: "SATA", 4: "FC", 5: "NVMe"}

// DecodePDInfo decodes a PD_GET_INFO reply.
func DecodePDInfo(b []byte) (*PDInfo, error) {
	if len(b) < 260 {
		return nil, fmt.Errorf("%w: PD info %d bytes, want %d", errShort, len(b), PDInfoSize)
	}
	le := binary.LittleEndian
	p := &PDInfo{
		DeviceID: le.Uint16(b[0:]), SeqNum: le.Uint16(b[2:]),
		Inquiry:     append([]byte(nil), b[4:100]...),
		VPD83:       append([]byte(nil), b[100:164]...),
		SCSIDevType: b[165],
		MediaErrors: le.Uint32(b[168:]), OtherErrors: le.Uint32(b[172:]), PredFail: le.Uint32(b[176:]),
		State:             PDState(le.Uint16(b[184:])),
		SASAddress:        [2]uint64{le.Uint64(b[200:]), le.Uint64(b[208:])},
		RawSectors:        le.Uint64(b[232:]),
		NonCoercedSectors: le.Uint64(b[240:]),
		CoercedSectors:    le.Uint64(b[248:]),
		EnclosureID:       le.Uint16(b[256:]),
		EnclosureIndex:    b[258], Slot: b[259],
	}
	intf := le.Uint16(b[188:]) >> 12
	if s, ok := pdInterfaces[intf]; ok {
		p.Interface = s
	} else {
		p.Interface = fmt.Sprintf("interface %d", intf)
	}
	return p, nil
}

// LDState is a logical drive's state (QEMU mfi.h enum mfi_ld_state;
// OpenBSD mfireg.h MFI_LD_*).
type LDState uint8

// Logical drive states.
const (
	LDOffline           LDState = 0
	LDPartiallyDegraded LDState = 1
	LDDegraded          LDState = 2
	LDOptimal           LDState = 3
)

func (s LDState) String() string {
	switch s {
	case LDOffline:
		return "offline"
	case LDPartiallyDegraded:
		return "partially degraded"
	case LDDegraded:
		return "degraded"
	case LDOptimal:
		return "optimal"
	}
	return fmt.Sprintf("state %d", uint8(s))
}

// LDListEntry is one entry of MR_LD_LIST.
type LDListEntry struct {
	TargetID uint8   // ref.targetId, 0
	SeqNum   uint16  // ref.seqNum, 2
	State    LDState // 4
	Sectors  uint64  // size, 8: 512-byte sectors (mfiutil prints size * 512)
}

// DecodeLDList decodes an MR_LD_LIST (ldCount 0, reserved 4, entries
// from 8).
func DecodeLDList(b []byte) ([]LDListEntry, error) {
	if len(b) < 8 {
		return nil, fmt.Errorf("%w: LD list %d bytes", errShort, len(b))
	}
	le := binary.LittleEndian
	count := le.Uint32(b[0:])
	if uint64(count)*ldListEntrySize+8 > uint64(len(b)) {
		return nil, fmt.Errorf("%w: LD list says %d entries in %d bytes", errShort, count, len(b))
	}
	out := make([]LDListEntry, count)
	for i := range out {
		e := b[8+ldListEntrySize*i:]
		out[i] = LDListEntry{TargetID: e[0], SeqNum: le.Uint16(e[2:]), State: LDState(e[4]), Sectors: le.Uint64(e[8:])}
	}
	return out, nil
}

// Config is the RAID configuration MFI_DCMD_CFG_READ returns (struct
// mfi_config_data followed by its arrays, logical drives and spares).
type Config struct {
	Arrays []Array
	LDs    []LDConfig
	Spares []Spare
}

// Array is one array (drive group row, struct mfi_array).
type Array struct {
	Ref     uint16 // array_ref, 10
	Sectors uint64 // size, 0
	Members []ArrayMember
}

// ArrayMember is one pd[] entry of an array.
type ArrayMember struct {
	DeviceID uint16  // ref.device_id (0xFFFF: missing)
	State    PDState // fw_state
	// Enclosure is encl.pd: the enclosure index, 0xFF for none.
	Enclosure, Slot uint8
}

// LDConfig is one logical drive of the configuration (struct
// mfi_ld_config; OpenBSD struct mfi_ld_cfg).
type LDConfig struct {
	TargetID      uint8  // properties.ld.target_id, 0
	Name          string // properties.name[16], 4
	PrimaryRAID   uint8  // params.primary_raid_level (SNIA DDF PRL), 32
	Qualifier     uint8  // params.raid_level_qualifier, 33
	SecondaryRAID uint8  // params.secondary_raid_level (SNIA DDF SRL), 34
	StripeSize    uint8  // params.stripe_size: 512 << n bytes, 35
	DrivesPerSpan uint8  // params.num_drives, 36
	State         LDState
	Spans         []Span // span[span_depth] from 64
}

// Span is one span of a logical drive (struct mfi_span).
type Span struct {
	StartBlock, Blocks uint64
	ArrayRef           uint16
}

// RAIDLevel names the level from the DDF primary and secondary levels
// the way FreeBSD's mfiutil does (mfi_raid_level): a non-zero secondary
// level means a spanned level (RAID-10, -50, -60). RAID-6 is 0x06 in
// SNIA DDF and mfiutil, 0x16 in OpenBSD's mfireg.h; both are accepted.
func (l *LDConfig) RAIDLevel() string {
	nested := l.SecondaryRAID != 0
	switch l.PrimaryRAID {
	case 0x00:
		return "RAID-0"
	case 0x01:
		if nested {
			return "RAID-10"
		}
		return "RAID-1"
	case 0x03:
		return "RAID-3"
	case 0x05:
		if nested {
			return "RAID-50"
		}
		return "RAID-5"
	case 0x06, 0x16:
		if nested {
			return "RAID-60"
		}
		return "RAID-6"
	case 0x11:
		return "RAID-1E"
	case 0x15:
		return "RAID-5E"
	case 0x25:
		return "RAID-5EE"
	case 0x0F:
		return "JBOD"
	case 0x1F:
		return "CONCAT"
	}
	return fmt.Sprintf("level %#02x", l.PrimaryRAID)
}

// Spare is one hot spare (struct mfi_spare).
type Spare struct {
	DeviceID  uint16   // ref.device_id, 0
	Dedicated bool     // spare_type bit 0 (MFI_SPARE_IS_DEDICATED), 4
	Arrays    []uint16 // array_refd[array_count]: the arrays a dedicated spare backs
}

// HotSpares returns the spares' device ids.
func (c *Config) HotSpares() []uint16 {
	var ids []uint16
	for _, s := range c.Spares {
		ids = append(ids, s.DeviceID)
	}
	return ids
}

// Members returns the device ids of the drives behind the logical drive
// with the given target id, in span and row order, without missing rows;
// ok is false when the configuration has no such logical drive.
func (c *Config) Members(target uint8) (ids []uint16, ok bool) {
	for _, ld := range c.LDs {
		if ld.TargetID != target {
			continue
		}
		for _, sp := range ld.Spans {
			for _, ar := range c.Arrays {
				if ar.Ref != sp.ArrayRef {
					continue
				}
				for _, m := range ar.Members {
					if m.DeviceID != noDevice {
						ids = append(ids, m.DeviceID)
					}
				}
			}
		}
		return ids, true
	}
	return nil, false
}

// ConfigSize returns the total size the configuration header at the
// start of b announces (0 if b is too short for the header).
func ConfigSize(b []byte) uint32 {
	if len(b) < configHeaderSize {
		return 0
	}
	return binary.LittleEndian.Uint32(b)
}

// DecodeConfig decodes a CFG_READ reply. The header's array_size,
// log_drv_size and spares_size are the sizes of one element, the stride
// FreeBSD's mfiutil steps by (show_config) — except that QEMU's
// megasas_dcmd_cfg_read writes the totals of all arrays and logical
// drives there. The header's total size tells the two apart.
func DecodeConfig(b []byte) (*Config, error) {
	if len(b) < configHeaderSize {
		return nil, fmt.Errorf("%w: configuration %d bytes", errShort, len(b))
	}
	le := binary.LittleEndian
	size := int(le.Uint32(b[0:]))
	ac, as := int(le.Uint16(b[4:])), int(le.Uint16(b[6:]))
	lc, ls := int(le.Uint16(b[8:])), int(le.Uint16(b[10:]))
	sc, ss := int(le.Uint16(b[12:])), int(le.Uint16(b[14:]))
	if size > len(b) {
		return nil, fmt.Errorf("%w: configuration of %d bytes in %d", errShort, size, len(b))
	}
	perElement := configHeaderSize + ac*as + lc*ls + sc*ss
	if size != perElement && ac > 0 && lc > 0 && as%ac == 0 && ls%lc == 0 &&
		(sc == 0 || ss%sc == 0) {
		total := configHeaderSize + as + ls
		if sc > 0 {
			total += ss
		}
		if size == total {
			as, ls = as/ac, ls/lc
			if sc > 0 {
				ss /= sc
			}
		}
	}
	if as < arrayMinSize && ac > 0 || ls < ldConfigMinSize && lc > 0 || ss < spareMinSize && sc > 0 {
		return nil, fmt.Errorf("mfi: configuration element sizes %d/%d/%d too small", as, ls, ss)
	}
	if configHeaderSize+ac*as+lc*ls+sc*ss > len(b) {
		return nil, fmt.Errorf("%w: configuration of %d arrays, %d logical drives, %d spares in %d bytes",
			errShort, ac, lc, sc, len(b))
	}
	c := &Config{}
	p := configHeaderSize
	for range ac {
		e := b[p : p+as]
		ar := Array{Sectors: le.Uint64(e[0:]), Ref: le.Uint16(e[10:])}
		n := min(int(e[8]), maxRowSize, (as-arrayMinSize)/arrayPDSize)
		for j := range n {
			m := e[arrayMinSize+arrayPDSize*j:]
			ar.Members = append(ar.Members, ArrayMember{
				DeviceID: le.Uint16(m[0:]), State: PDState(le.Uint16(m[4:])), Enclosure: m[6], Slot: m[7]})
		}
		c.Arrays = append(c.Arrays, ar)
		p += as
	}
	for range lc {
		e := b[p : p+ls]
		ld := LDConfig{
			TargetID: e[0], Name: cstring(e[4:20]),
			PrimaryRAID: e[32], Qualifier: e[33], SecondaryRAID: e[34], StripeSize: e[35],
			DrivesPerSpan: e[36], State: LDState(e[38]),
		}
		n := min(int(e[37]), maxSpanDepth, (ls-ldConfigMinSize)/spanSize)
		for j := range n {
			s := e[ldConfigMinSize+spanSize*j:]
			ld.Spans = append(ld.Spans, Span{StartBlock: le.Uint64(s[0:]), Blocks: le.Uint64(s[8:]), ArrayRef: le.Uint16(s[16:])})
		}
		c.LDs = append(c.LDs, ld)
		p += ls
	}
	for range sc {
		e := b[p : p+ss]
		sp := Spare{DeviceID: le.Uint16(e[0:]), Dedicated: e[4]&0x01 != 0}
		n := min(int(e[7]), maxSpareArrays, (ss-spareMinSize)/2)
		for j := range n {
			sp.Arrays = append(sp.Arrays, le.Uint16(e[spareMinSize+2*j:]))
		}
		c.Spares = append(c.Spares, sp)
		p += ss
	}
	return c, nil
}

// cstring returns a NUL-terminated, space-padded string field.
func cstring(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(bytes.TrimSpace(b))
}
