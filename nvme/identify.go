package nvme

import (
	"encoding/binary"
	"fmt"
	"math/big"
	"strings"
)

// IdentifySize is the Identify data size.
const IdentifySize = 4096

// Identify CNS values (protocols.md §5.2).
const (
	CNSNamespace       uint8 = 0x00
	CNSController      uint8 = 0x01
	CNSActiveNamespace uint8 = 0x02
)

// IdentifyCmd builds Identify: CDW10 bits 7:0 CNS, 31:16 CNTID (0 here).
// buf must be IdentifySize bytes.
func IdentifyCmd(cns uint8, nsid uint32, buf []byte) *Command {
	return &Command{Opcode: OpIdentify, NSID: nsid, CDW10: uint32(cns), Data: buf}
}

// Uint128 is a 128-bit little-endian counter or capacity.
type Uint128 struct{ Lo, Hi uint64 }

func le128(b []byte) Uint128 {
	return Uint128{Lo: binary.LittleEndian.Uint64(b), Hi: binary.LittleEndian.Uint64(b[8:])}
}

// Big returns the value as a big.Int.
func (u Uint128) Big() *big.Int {
	v := new(big.Int).SetUint64(u.Hi)
	v.Lsh(v, 64)
	return v.Or(v, new(big.Int).SetUint64(u.Lo))
}

// Uint64 returns the value and whether it fits in 64 bits.
func (u Uint128) Uint64() (uint64, bool) { return u.Lo, u.Hi == 0 }

func (u Uint128) String() string { return u.Big().String() }

// MarshalJSON writes the value as a decimal JSON number.
func (u Uint128) MarshalJSON() ([]byte, error) { return []byte(u.String()), nil }

// Version is the VER field: major 31:16, minor 15:8, tertiary 7:0.
type Version uint32

func (v Version) String() string {
	if v == 0 {
		return "not reported (NVMe 1.0/1.1)"
	}
	return fmt.Sprintf("%d.%d.%d", v>>16, (v>>8)&0xff, v&0xff)
}

// OACS is Optional Admin Command Support (Identify Controller bytes
// 257:256; libnvme enum nvme_id_ctrl_oacs).
type OACS uint16

func (o OACS) SecuritySendReceive() bool { return o&(1<<0) != 0 }
func (o OACS) FormatNVM() bool           { return o&(1<<1) != 0 }
func (o OACS) FirmwareDownload() bool    { return o&(1<<2) != 0 }
func (o OACS) NamespaceManagement() bool { return o&(1<<3) != 0 }
func (o OACS) SelfTest() bool            { return o&(1<<4) != 0 }

// FNA is Format NVM Attributes (byte 524; libnvme enum nvme_id_ctrl_fna,
// nvme-cli nvme-print-stdout.c).
type FNA uint8

// FormatAllNamespaces (bit 0): a format of any namespace formats all
// namespaces of the NVM subsystem.
func (f FNA) FormatAllNamespaces() bool { return f&(1<<0) != 0 }

// SecureEraseAllNamespaces (bit 1): a secure erase (SES≠0) of any namespace
// erases all namespaces.
func (f FNA) SecureEraseAllNamespaces() bool { return f&(1<<1) != 0 }

// CryptoEraseSupported (bit 2): Format NVM supports SES=2 (cryptographic
// erase).
func (f FNA) CryptoEraseSupported() bool { return f&(1<<2) != 0 }

// BroadcastNSIDUnsupported (bit 3): Format NVM does not accept NSID
// FFFFFFFFh.
func (f FNA) BroadcastNSIDUnsupported() bool { return f&(1<<3) != 0 }

// SANICAP is Sanitize Capabilities (bytes 331:328). Bits 0-2 and 29-31 per
// libnvme enum nvme_id_ctrl_sanicap and FreeBSD sys/dev/nvme/nvme.h; bits 3
// (VERS) and 5 (SPRRS) per nvme-cli nvme-print-stdout.c
// stdout_id_ctrl_sanicap_table (NVMe 2.1+). Other bits are kept in the raw
// value undecoded.
type SANICAP uint32

func (s SANICAP) CryptoErase() bool { return s&(1<<0) != 0 } // CES
func (s SANICAP) BlockErase() bool  { return s&(1<<1) != 0 } // BES
func (s SANICAP) Overwrite() bool   { return s&(1<<2) != 0 } // OWS

// MediaVerification (bit 3, VERS): the media verification and
// post-verification deallocation state is supported (EMVS).
func (s SANICAP) MediaVerification() bool { return s&(1<<3) != 0 }

// PurgeReporting (bit 5, SPRRS): Sanitize Purge Request and Reporting is
// supported.
func (s SANICAP) PurgeReporting() bool { return s&(1<<5) != 0 }

// NoDeallocateInhibited (bit 29, NDI): the controller deallocates after a
// sanitize even when No-Deallocate After Sanitize is requested.
func (s SANICAP) NoDeallocateInhibited() bool { return s&(1<<29) != 0 }

// NODMMAS (bits 31:30): whether media is modified after a successful
// sanitize with no-deallocate: 0 not defined, 1 not modified, 2 modified.
func (s SANICAP) NODMMAS() uint8 { return uint8(s >> 30) }

// Any reports whether any sanitize operation is supported.
func (s SANICAP) Any() bool { return s.CryptoErase() || s.BlockErase() || s.Overwrite() }

// Supports reports whether the action is supported.
func (s SANICAP) Supports(a SanitizeAction) bool {
	switch a {
	case SanitizeCryptoErase:
		return s.CryptoErase()
	case SanitizeBlockErase:
		return s.BlockErase()
	case SanitizeOverwrite:
		return s.Overwrite()
	case SanitizeExitFailureMode:
		return s.Any()
	}
	return false
}

// Controller is the decoded Identify Controller data (CNS 01h).
type Controller struct {
	VID      uint16  `json:"vid"`
	SSVID    uint16  `json:"ssvid"`
	Serial   string  `json:"serial"`
	Model    string  `json:"model"`
	Firmware string  `json:"firmware"`
	IEEEOUI  uint32  `json:"ieee_oui"`
	CMIC     uint8   `json:"cmic"`
	MDTS     uint8   `json:"mdts"`
	CNTLID   uint16  `json:"cntlid"`
	Version  Version `json:"ver"`
	OACS     OACS    `json:"oacs"`
	LPA      uint8   `json:"lpa"`
	TNVMCAP  Uint128 `json:"tnvmcap"` // total NVM capacity, bytes
	UNVMCAP  Uint128 `json:"unvmcap"` // unallocated NVM capacity, bytes
	SANICAP  SANICAP `json:"sanicap"`
	NN       uint32  `json:"nn"` // number of namespaces (maximum NSID)
	ONCS     uint16  `json:"oncs"`
	FNA      FNA     `json:"fna"`
	VWC      uint8   `json:"vwc"`
	SUBNQN   string  `json:"subnqn,omitempty"`
	// Raw is the Identify data as read (for records and test captures).
	Raw []byte `json:"-"`
}

// ascii decodes a space-padded ASCII field, replacing non-printable bytes.
func ascii(b []byte) string {
	s := []byte(strings.TrimRight(string(b), " \x00"))
	for i, c := range s {
		if c < 0x20 || c > 0x7e {
			s[i] = '?'
		}
	}
	return strings.TrimLeft(string(s), " ")
}

// ParseController decodes Identify Controller data (offsets: protocols.md
// §5.3, libnvme struct nvme_id_ctrl).
func ParseController(b []byte) (*Controller, error) {
	if len(b) < IdentifySize {
		return nil, fmt.Errorf("nvme: identify controller data is %d bytes, want %d", len(b), IdentifySize)
	}
	le16, le32 := binary.LittleEndian.Uint16, binary.LittleEndian.Uint32
	return &Controller{
		VID:      le16(b[0:]),
		SSVID:    le16(b[2:]),
		Serial:   ascii(b[4:24]),
		Model:    ascii(b[24:64]),
		Firmware: ascii(b[64:72]),
		IEEEOUI:  uint32(b[73]) | uint32(b[74])<<8 | uint32(b[75])<<16,
		CMIC:     b[76],
		MDTS:     b[77],
		CNTLID:   le16(b[78:]),
		Version:  Version(le32(b[80:])),
		OACS:     OACS(le16(b[256:])),
		LPA:      b[261],
		TNVMCAP:  le128(b[280:]),
		UNVMCAP:  le128(b[296:]),
		SANICAP:  SANICAP(le32(b[328:])),
		NN:       le32(b[516:]),
		ONCS:     le16(b[520:]),
		FNA:      FNA(b[524]),
		VWC:      b[525],
		SUBNQN:   strings.TrimRight(string(b[768:1024]), "\x00 "),
		Raw:      append([]byte(nil), b[:IdentifySize]...),
	}, nil
}

// LBAFormat is one LBA format descriptor of Identify Namespace.
type LBAFormat struct {
	MetadataSize uint16 `json:"ms"`    // metadata bytes per block
	LBADS        uint8  `json:"lbads"` // log2 of the data size
	RP           uint8  `json:"rp"`    // relative performance, 0 best
}

// BlockSize is the data size in bytes (0 if LBADS is not valid).
func (f LBAFormat) BlockSize() int {
	if f.LBADS < 9 || f.LBADS > 31 {
		return 0
	}
	return 1 << f.LBADS
}

// DLFEAT is the Deallocate Logical Block Features byte (Identify Namespace
// byte 33; libnvme enum nvme_id_ns_dlfeat and struct nvme_id_ns, where
// dlfeat follows fpi at byte 32).
type DLFEAT uint8

// ReadBehavior values of DLFEAT bits 2:0.
const (
	ReadNotReported uint8 = 0 // what deallocated blocks read as is not reported
	ReadZeros       uint8 = 1 // deallocated blocks read as all 00h
	ReadOnes        uint8 = 2 // deallocated blocks read as all FFh
)

// ReadBehavior is what a deallocated block reads as (bits 2:0).
func (d DLFEAT) ReadBehavior() uint8 { return uint8(d) & 7 }

// WriteZeroesDeallocate (bit 3): Write Zeroes supports the Deallocate bit.
func (d DLFEAT) WriteZeroesDeallocate() bool { return d&(1<<3) != 0 }

// GuardCRC (bit 4): the PI guard of deallocated blocks is the CRC of the
// data read.
func (d DLFEAT) GuardCRC() bool { return d&(1<<4) != 0 }

// ReadBehaviorString describes ReadBehavior.
func (d DLFEAT) ReadBehaviorString() string {
	switch d.ReadBehavior() {
	case ReadNotReported:
		return "not reported"
	case ReadZeros:
		return "zeros (00h)"
	case ReadOnes:
		return "ones (FFh)"
	}
	return fmt.Sprintf("reserved value %d", d.ReadBehavior())
}

// Namespace is the decoded Identify Namespace data (CNS 00h).
type Namespace struct {
	ID     uint32 `json:"nsid"`
	NSZE   uint64 `json:"nsze"` // size in logical blocks
	NCAP   uint64 `json:"ncap"`
	NUSE   uint64 `json:"nuse"`
	NSFEAT uint8  `json:"nsfeat"`
	// NLBAF is byte 25 as the controller reports it: the number of LBA
	// formats minus one (a 0-based value; protocols.md §5.4, NVM Command Set
	// Identify Namespace).
	// LBAFormatCount is the count.
	NLBAF      uint8       `json:"nlbaf"`
	FLBAS      uint8       `json:"flbas"`
	MC         uint8       `json:"mc"`
	DPC        uint8       `json:"dpc"`
	DPS        uint8       `json:"dps"` // bits 2:0 PI type, bit 3 PI first (PIL)
	NMIC       uint8       `json:"nmic"`
	DLFEAT     DLFEAT      `json:"dlfeat"`
	NVMCAP     Uint128     `json:"nvmcap"`
	NGUID      [16]byte    `json:"-"`
	EUI64      [8]byte     `json:"-"`
	LBAFormats []LBAFormat `json:"lbafs"`
	// Raw is the Identify data as read.
	Raw []byte `json:"-"`
}

// maxLBAFormats is the size of the LBA format array (NVMe 2.0: 64
// descriptors at bytes 128..383; earlier revisions used the first 16).
const maxLBAFormats = 64

// ParseNamespace decodes Identify Namespace data for nsid (offsets:
// protocols.md §5.4, libnvme struct nvme_id_ns).
func ParseNamespace(nsid uint32, b []byte) (*Namespace, error) {
	if len(b) < IdentifySize {
		return nil, fmt.Errorf("nvme: identify namespace data is %d bytes, want %d", len(b), IdentifySize)
	}
	le64 := binary.LittleEndian.Uint64
	ns := &Namespace{
		ID:     nsid,
		NSZE:   le64(b[0:]),
		NCAP:   le64(b[8:]),
		NUSE:   le64(b[16:]),
		NSFEAT: b[24],
		NLBAF:  b[25],
		FLBAS:  b[26],
		MC:     b[27],
		DPC:    b[28],
		DPS:    b[29],
		NMIC:   b[30],
		DLFEAT: DLFEAT(b[33]),
		NVMCAP: le128(b[48:]),
		Raw:    append([]byte(nil), b[:IdentifySize]...),
	}
	copy(ns.NGUID[:], b[104:120])
	copy(ns.EUI64[:], b[120:128])
	for i := range ns.LBAFormatCount() {
		d := b[128+4*i:]
		ns.LBAFormats = append(ns.LBAFormats, LBAFormat{
			MetadataSize: binary.LittleEndian.Uint16(d),
			LBADS:        d[2],
			RP:           d[3] & 3,
		})
	}
	return ns, nil
}

// LBAFormatCount is the number of LBA format descriptors the namespace
// reports: NLBAF + 1, at most the 64 the structure holds.
func (n *Namespace) LBAFormatCount() int { return min(int(n.NLBAF)+1, maxLBAFormats) }

// Active reports whether the namespace exists and is attached: an inactive
// NSID returns all-zero Identify Namespace data.
func (n *Namespace) Active() bool { return n.NSZE != 0 }

// FormatIndex is the index of the LBA format in use: FLBAS bits 3:0 low,
// bits 6:5 high (protocols.md §5.4).
func (n *Namespace) FormatIndex() int {
	return int(n.FLBAS&0x0f) | int(n.FLBAS>>5&3)<<4
}

// ExtendedMetadata reports FLBAS bit 4: metadata is transferred at the end
// of each block.
func (n *Namespace) ExtendedMetadata() bool { return n.FLBAS&(1<<4) != 0 }

// CurrentFormat is the LBA format in use; ok is false when FLBAS points
// outside the reported formats.
func (n *Namespace) CurrentFormat() (LBAFormat, bool) {
	i := n.FormatIndex()
	if i >= len(n.LBAFormats) {
		return LBAFormat{}, false
	}
	return n.LBAFormats[i], true
}

// BlockSize is the logical block size in bytes, 0 if unknown.
func (n *Namespace) BlockSize() int {
	f, ok := n.CurrentFormat()
	if !ok {
		return 0
	}
	return f.BlockSize()
}

// SizeBytes is NSZE × block size.
func (n *Namespace) SizeBytes() uint64 { return n.NSZE * uint64(n.BlockSize()) }

// PIType is the protection information type in use (DPS bits 2:0).
func (n *Namespace) PIType() uint8 { return n.DPS & 7 }

// PIFirst reports DPS bit 3: protection information in the first bytes of
// metadata.
func (n *Namespace) PIFirst() bool { return n.DPS&(1<<3) != 0 }

// ParseNamespaceList decodes an active namespace ID list (CNS 02h): up to
// 1024 little-endian NSIDs, ended by the first zero.
func ParseNamespaceList(b []byte) []uint32 {
	var ids []uint32
	for i := 0; i+4 <= len(b) && i < IdentifySize; i += 4 {
		id := binary.LittleEndian.Uint32(b[i:])
		if id == 0 {
			break
		}
		ids = append(ids, id)
	}
	return ids
}
