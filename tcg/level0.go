package tcg

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
)

// Discovery is a decoded Level 0 Discovery response (Core Spec 3.3.6).
// A nil feature pointer means the drive did not report that feature.
type Discovery struct {
	Revision   uint32             `json:"revision"` // header: data structure revision
	TPer       *TPerFeature       `json:"tper,omitempty"`
	Locking    *LockingFeature    `json:"locking,omitempty"`
	Geometry   *GeometryFeature   `json:"geometry,omitempty"`
	Enterprise *SSCFeature        `json:"enterprise,omitempty"` // 0100h
	OpalV1     *SSCFeature        `json:"opal_v1,omitempty"`    // 0200h
	OpalV2     *SSCFeature        `json:"opal_v2,omitempty"`    // 0203h
	Opalite    *SSCFeature        `json:"opalite,omitempty"`    // 0301h
	PyriteV1   *SSCFeature        `json:"pyrite_v1,omitempty"`  // 0302h
	PyriteV2   *SSCFeature        `json:"pyrite_v2,omitempty"`  // 0303h
	Ruby       *SSCFeature        `json:"ruby,omitempty"`       // 0304h
	SingleUser *SingleUserFeature `json:"single_user,omitempty"`
	DataStore  *DataStoreFeature  `json:"data_store,omitempty"`
	BlockSID   *BlockSIDFeature   `json:"block_sid,omitempty"`
	// DataRemoval is the Supported Data Removal Mechanism feature (0404h).
	DataRemoval *DataRemovalFeature `json:"data_removal,omitempty"`
	// Other lists the codes of features reported but not decoded.
	Other []uint16 `json:"other,omitempty"`
}

// TPerFeature is the TPer feature (0001h).
type TPerFeature struct {
	Sync       bool `json:"sync"`
	Async      bool `json:"async"`
	AckNak     bool `json:"ack_nak"`
	BufferMgmt bool `json:"buffer_mgmt"`
	Streaming  bool `json:"streaming"`
	ComIDMgmt  bool `json:"comid_mgmt"`
}

// LockingFeature is the Locking feature (0002h).
type LockingFeature struct {
	Supported       bool `json:"supported"`
	Enabled         bool `json:"enabled"`
	Locked          bool `json:"locked"`
	MediaEncryption bool `json:"media_encryption"`
	MBREnabled      bool `json:"mbr_enabled"`
	MBRDone         bool `json:"mbr_done"`
	// MBRShadowingNotSupported is bit 6 (Opal 2.01 and later, Pyrite).
	MBRShadowingNotSupported bool `json:"mbr_shadowing_not_supported"`
}

// GeometryFeature is the Geometry Reporting feature (0003h).
type GeometryFeature struct {
	Align                bool   `json:"align"`
	LogicalBlockSize     uint32 `json:"logical_block_size"`
	AlignmentGranularity uint64 `json:"alignment_granularity"`
	LowestAlignedLBA     uint64 `json:"lowest_aligned_lba"`
}

// SSCFeature is a security subsystem class feature (Enterprise, Opal v1/v2,
// Opalite, Pyrite v1/v2, Ruby): the ComIDs to talk on and the SSC's
// fields. Fields an SSC does not define are zero.
type SSCFeature struct {
	Code          uint16 `json:"code"`
	Version       uint8  `json:"version"`
	BaseComID     uint16 `json:"base_comid"`
	NumComIDs     uint16 `json:"num_comids"`
	RangeCrossing bool   `json:"range_crossing"`
	// Opal v2 / Opalite / Pyrite / Ruby fields.
	LockingAdmins uint16 `json:"locking_admins"`
	LockingUsers  uint16 `json:"locking_users"`
	// InitialPIN and RevertedPIN: 00h the C_PIN_SID PIN is the MSID
	// initially / after a revert, FFh vendor unique.
	InitialPIN  uint8 `json:"initial_pin"`
	RevertedPIN uint8 `json:"reverted_pin"`
}

// SingleUserFeature is the Single User Mode feature (0201h).
type SingleUserFeature struct {
	LockingObjects uint32 `json:"locking_objects"`
	Any            bool   `json:"any"`
	All            bool   `json:"all"`
	Policy         bool   `json:"policy"`
}

// DataStoreFeature is the DataStore Table feature (0202h).
type DataStoreFeature struct {
	MaxTables uint16 `json:"max_tables"`
	MaxSize   uint32 `json:"max_size"`
	Alignment uint32 `json:"alignment"`
}

// BlockSIDFeature is the Block SID Authentication feature (0402h).
type BlockSIDFeature struct {
	// SIDValueDiffers: the C_PIN_SID PIN differs from the MSID (the SID
	// Value State bit).
	SIDValueDiffers bool `json:"sid_value_differs"`
	// SIDBlocked: SID authentication is blocked until the next power
	// cycle (or hardware reset, if HardwareReset).
	SIDBlocked    bool `json:"sid_blocked"`
	HardwareReset bool `json:"hardware_reset"`
}

// DataRemovalFeature is the Supported Data Removal Mechanism feature (0404h).
type DataRemovalFeature struct {
	InProgress  bool `json:"in_progress"`
	Interrupted bool `json:"interrupted"`
	// Supported is the raw Supported Data Removal Mechanism byte: bit 0
	// overwrite, 1 block erase, 2 crypto erase, 5 vendor specific.
	Supported uint8 `json:"supported"`
}

// Feature codes (Core Spec 3.3.6.4, the SSCs and feature sets).
const (
	featTPer        uint16 = 0x0001
	featLocking     uint16 = 0x0002
	featGeometry    uint16 = 0x0003
	featEnterprise  uint16 = 0x0100
	featOpalV1      uint16 = 0x0200
	featSingleUser  uint16 = 0x0201
	featDataStore   uint16 = 0x0202
	featOpalV2      uint16 = 0x0203
	featOpalite     uint16 = 0x0301
	featPyriteV1    uint16 = 0x0302
	featPyriteV2    uint16 = 0x0303
	featRuby        uint16 = 0x0304
	featBlockSID    uint16 = 0x0402
	featDataRemoval uint16 = 0x0404
)

// SSC returns the first security subsystem class the drive reports, by
// name ("Opal 2", "Opal 1", "Opalite", "Pyrite 2", "Pyrite 1", "Ruby",
// "Enterprise"), and its feature; "" and nil for none.
func (d *Discovery) SSC() (string, *SSCFeature) {
	for _, c := range []struct {
		name string
		f    *SSCFeature
	}{
		{"Opal 2", d.OpalV2}, {"Opal 1", d.OpalV1}, {"Opalite", d.Opalite},
		{"Pyrite 2", d.PyriteV2}, {"Pyrite 1", d.PyriteV1}, {"Ruby", d.Ruby},
		{"Enterprise", d.Enterprise},
	} {
		if c.f != nil {
			return c.name, c.f
		}
	}
	return "", nil
}

// ErrMalformed: a TPer response does not follow the specification's
// format (truncated, lengths past the end, unexpected tokens).
var ErrMalformed = errors.New("malformed TCG response")

// Level 0 Discovery header size (Core Spec 3.3.6.3 Table 39) and the
// limit Discover reads up to.
const (
	level0HeaderLen = 48
	level0FirstRead = 2048
	level0MaxRead   = 64 << 10
)

// Decode decodes a Level 0 Discovery response (Core Spec 3.3.6.3): the
// 48-byte header whose bytes 0-3 give the length of the data after them,
// then feature descriptors (code 2 bytes, version in the upper nibble of
// byte 2, byte 3 the length of the data after the 4-byte descriptor
// header). Bytes past the header's length (padding) are ignored.
func Decode(b []byte) (*Discovery, error) {
	if len(b) < level0HeaderLen {
		return nil, fmt.Errorf("%w: Level 0 response of %d bytes, shorter than its 48-byte header", ErrMalformed, len(b))
	}
	total := uint64(binary.BigEndian.Uint32(b[0:4])) + 4
	if total < level0HeaderLen {
		return nil, fmt.Errorf("%w: Level 0 header length %d is shorter than the header", ErrMalformed, total-4)
	}
	if total > uint64(len(b)) {
		return nil, fmt.Errorf("%w: Level 0 header says %d bytes, only %d were read", ErrMalformed, total, len(b))
	}
	d := &Discovery{Revision: binary.BigEndian.Uint32(b[4:8])}
	seen := map[uint16]bool{}
	for off := level0HeaderLen; off < int(total); {
		if int(total)-off < 4 {
			return nil, fmt.Errorf("%w: Level 0 feature descriptor header at byte %d is truncated", ErrMalformed, off)
		}
		code := binary.BigEndian.Uint16(b[off:])
		version := b[off+2] >> 4
		n := int(b[off+3])
		end := off + 4 + n
		if end > int(total) {
			return nil, fmt.Errorf("%w: Level 0 feature %04Xh at byte %d has length %d past the end (%d)", ErrMalformed, code, off, n, total)
		}
		if !seen[code] {
			seen[code] = true
			if err := d.decodeFeature(code, version, b[off+4:end]); err != nil {
				return nil, err
			}
		}
		off = end
	}
	return d, nil
}

// featureMin is the data length (after the 4-byte descriptor header) a
// feature needs for the fields decoded from it.
var featureMin = map[uint16]int{
	featTPer: 1, featLocking: 1, featGeometry: 28,
	featEnterprise: 5, featOpalV1: 5,
	featOpalV2: 11, featOpalite: 11, featPyriteV1: 11, featPyriteV2: 11, featRuby: 11,
	featSingleUser: 5, featDataStore: 12, featBlockSID: 2, featDataRemoval: 3,
}

// decodeFeature decodes one feature descriptor's data p (descriptor
// bytes 4 and on: p[0] is descriptor byte 4).
func (d *Discovery) decodeFeature(code uint16, version uint8, p []byte) error {
	need, known := featureMin[code]
	if !known {
		d.Other = append(d.Other, code)
		return nil
	}
	if len(p) < need {
		return fmt.Errorf("%w: Level 0 feature %04Xh has %d bytes of data, its fields need %d", ErrMalformed, code, len(p), need)
	}
	bit := func(i int, n uint) bool { return p[i]>>n&1 == 1 }
	u16 := func(i int) uint16 { return binary.BigEndian.Uint16(p[i:]) }
	u32 := func(i int) uint32 { return binary.BigEndian.Uint32(p[i:]) }
	// ssc reads the fields common to every SSC feature: Base ComID
	// (descriptor bytes 4-5) and Number of ComIDs (6-7).
	ssc := func() *SSCFeature {
		return &SSCFeature{Code: code, Version: version, BaseComID: u16(0), NumComIDs: u16(2)}
	}
	switch code {
	case featTPer: // Core 3.3.6.4.2 / Opal 2.01 Table 3
		d.TPer = &TPerFeature{Sync: bit(0, 0), Async: bit(0, 1), AckNak: bit(0, 2),
			BufferMgmt: bit(0, 3), Streaming: bit(0, 4), ComIDMgmt: bit(0, 6)}
	case featLocking: // Opal 2.01 Table 4
		d.Locking = &LockingFeature{Supported: bit(0, 0), Enabled: bit(0, 1), Locked: bit(0, 2),
			MediaEncryption: bit(0, 3), MBREnabled: bit(0, 4), MBRDone: bit(0, 5),
			MBRShadowingNotSupported: bit(0, 6)}
	case featGeometry: // Opal 2.01 Table 5: byte 4 bit 0 ALIGN, 12-15, 16-23, 24-31
		d.Geometry = &GeometryFeature{Align: bit(0, 0), LogicalBlockSize: u32(8),
			AlignmentGranularity: binary.BigEndian.Uint64(p[12:]),
			LowestAlignedLBA:     binary.BigEndian.Uint64(p[20:])}
	case featEnterprise, featOpalV1: // Enterprise SSC 1.01 / Opal 1.00: byte 8 bit 0 Range Crossing
		f := ssc()
		f.RangeCrossing = bit(4, 0)
		if code == featEnterprise {
			d.Enterprise = f
		} else {
			d.OpalV1 = f
		}
	case featOpalV2, featRuby: // Opal 2.01 Table 9 (Ruby 1.00 has the Opal 2 layout)
		f := ssc()
		f.RangeCrossing = bit(4, 0)
		f.LockingAdmins, f.LockingUsers = u16(5), u16(7)
		f.InitialPIN, f.RevertedPIN = p[9], p[10]
		if code == featOpalV2 {
			d.OpalV2 = f
		} else {
			d.Ruby = f
		}
	case featOpalite, featPyriteV1, featPyriteV2: // bytes 8-12 reserved, 13 and 14 the PIN indicators
		f := ssc()
		f.InitialPIN, f.RevertedPIN = p[9], p[10]
		switch code {
		case featOpalite:
			d.Opalite = f
		case featPyriteV1:
			d.PyriteV1 = f
		default:
			d.PyriteV2 = f
		}
	case featSingleUser: // Single User Mode Feature Set: bytes 4-7, byte 8 bits 0-2
		d.SingleUser = &SingleUserFeature{LockingObjects: u32(0), Any: bit(4, 0), All: bit(4, 1), Policy: bit(4, 2)}
	case featDataStore: // Additional DataStore Tables Feature Set: 6-7, 8-11, 12-15
		d.DataStore = &DataStoreFeature{MaxTables: u16(2), MaxSize: u32(4), Alignment: u32(8)}
	case featBlockSID: // Block SID Feature Set: byte 4 bits 0-1, byte 5 bit 0
		d.BlockSID = &BlockSIDFeature{SIDValueDiffers: bit(0, 0), SIDBlocked: bit(0, 1), HardwareReset: bit(1, 0)}
	case featDataRemoval: // Pyrite 2.01 3.1.1.5: byte 5 bits 0-1, byte 6
		d.DataRemoval = &DataRemovalFeature{InProgress: bit(1, 0), Interrupted: bit(1, 1), Supported: p[2]}
	}
	return nil
}

// Discover runs Level 0 Discovery (IF-RECV protocol 01h, ComID 0001h). It
// reads 2048 bytes, and again with a larger transfer (up to 64 KiB) when
// the header says the response is longer.
func Discover(ctx context.Context, t Transport) (*Discovery, error) {
	buf := make([]byte, level0FirstRead)
	if err := t.SecurityReceive(ctx, ProtocolManagement, 0x0001, buf); err != nil {
		return nil, fmt.Errorf("Level 0 Discovery: %w", err)
	}
	total := uint64(binary.BigEndian.Uint32(buf[0:4])) + 4
	if total > uint64(len(buf)) {
		if total > level0MaxRead {
			return nil, fmt.Errorf("%w: Level 0 header says %d bytes, more than %d", ErrMalformed, total, level0MaxRead)
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		buf = make([]byte, roundUp512(int(total)))
		if err := t.SecurityReceive(ctx, ProtocolManagement, 0x0001, buf); err != nil {
			return nil, fmt.Errorf("Level 0 Discovery (%d bytes): %w", len(buf), err)
		}
	}
	return Decode(buf)
}

// roundUp512 rounds n up to a multiple of 512 (IF-SEND/IF-RECV transfer
// lengths are whole 512-byte blocks for ATA).
func roundUp512(n int) int { return (n + 511) &^ 511 }
