package tcg

// This file fixes the package's API for the parallel work on it; the
// implementer replaces the bodies (and may move the declarations).

import (
	"context"
	"errors"
)

// Discovery is a decoded Level 0 Discovery response (Core Spec 3.3.6).
// A nil feature pointer means the drive did not report that feature.
type Discovery struct {
	Revision   uint32 // header: data structure revision
	TPer       *TPerFeature
	Locking    *LockingFeature
	Geometry   *GeometryFeature
	Enterprise *SSCFeature // 0100h
	OpalV1     *SSCFeature // 0200h
	OpalV2     *SSCFeature // 0203h
	Opalite    *SSCFeature // 0301h
	PyriteV1   *SSCFeature // 0302h
	PyriteV2   *SSCFeature // 0303h
	Ruby       *SSCFeature // 0304h
	SingleUser *SingleUserFeature
	DataStore  *DataStoreFeature
	BlockSID   *BlockSIDFeature
	// DataRemoval is the Supported Data Removal Mechanism feature (0404h).
	DataRemoval *DataRemovalFeature
	// Other lists the codes of features reported but not decoded.
	Other []uint16
}

// TPerFeature is the TPer feature (0001h).
type TPerFeature struct {
	Sync, Async, AckNak, BufferMgmt, Streaming, ComIDMgmt bool
}

// LockingFeature is the Locking feature (0002h).
type LockingFeature struct {
	Supported, Enabled, Locked, MediaEncryption, MBREnabled, MBRDone bool
	// MBRShadowingNotSupported is bit 6 (Opal 2.01 and later, Pyrite).
	MBRShadowingNotSupported bool
}

// GeometryFeature is the Geometry Reporting feature (0003h).
type GeometryFeature struct {
	Align                bool
	LogicalBlockSize     uint32
	AlignmentGranularity uint64
	LowestAlignedLBA     uint64
}

// SSCFeature is a security subsystem class feature (Enterprise, Opal v1/v2,
// Opalite, Pyrite v1/v2, Ruby): the ComIDs to talk on and the SSC's
// fields. Fields an SSC does not define are zero.
type SSCFeature struct {
	Code          uint16
	Version       uint8
	BaseComID     uint16
	NumComIDs     uint16
	RangeCrossing bool
	// Opal v2 / Opalite / Pyrite / Ruby fields.
	LockingAdmins uint16
	LockingUsers  uint16
	// InitialPIN and RevertedPIN: 00h the C_PIN_SID PIN is the MSID
	// initially / after a revert, FFh vendor unique.
	InitialPIN  uint8
	RevertedPIN uint8
}

// SingleUserFeature is the Single User Mode feature (0201h).
type SingleUserFeature struct {
	LockingObjects   uint32
	Any, All, Policy bool
}

// DataStoreFeature is the DataStore Table feature (0202h).
type DataStoreFeature struct {
	MaxTables uint16
	MaxSize   uint32
	Alignment uint32
}

// BlockSIDFeature is the Block SID Authentication feature (0402h).
type BlockSIDFeature struct {
	// SIDValueDiffers: the C_PIN_SID PIN differs from the MSID (the SID
	// Value State bit).
	SIDValueDiffers bool
	// SIDBlocked: SID authentication is blocked until the next power
	// cycle (or hardware reset, if HardwareReset).
	SIDBlocked    bool
	HardwareReset bool
}

// DataRemovalFeature is the Supported Data Removal Mechanism feature (0404h).
type DataRemovalFeature struct {
	InProgress  bool
	Interrupted bool
	// Supported is the raw Supported Data Removal Mechanism byte: bit 0
	// overwrite, 1 block erase, 2 crypto erase, 5 vendor specific.
	Supported uint8
}

// SSC returns the first security subsystem class the drive reports, by
// name ("Opal 2", "Opal 1", "Opalite", "Pyrite 2", "Pyrite 1", "Ruby",
// "Enterprise"), and its feature; "" and nil for none.
func (d *Discovery) SSC() (string, *SSCFeature) { panic("tcg: not implemented") }

// Decode decodes a Level 0 Discovery response.
func Decode(b []byte) (*Discovery, error) { return nil, errors.New("tcg: not implemented") }

// Discover runs Level 0 Discovery (IF-RECV protocol 01h, ComID 0001h).
func Discover(ctx context.Context, t Transport) (*Discovery, error) {
	return nil, errors.New("tcg: not implemented")
}

// Owner is whether anybody took ownership of the drive's TPer.
type Owner int

// Owner states.
const (
	OwnerUnknown Owner = iota
	// NeverOwned: the SID authority's credential is still the MSID.
	NeverOwned
	// Owned: the SID credential is not the MSID (someone took ownership).
	Owned
)

// Ownership decides whether the drive was ever taken ownership of: it
// reads the MSID in a session as Anybody, then authenticates as SID with
// it (for Enterprise: as EraseMaster on the Locking SP). It returns the
// steps it ran. A drive whose SID authentication is blocked (Block SID)
// or locked out is OwnerUnknown with the reason in the error.
func Ownership(ctx context.Context, t Transport, d *Discovery) (Owner, []Step, error) {
	return OwnerUnknown, nil, errors.New("tcg: not implemented")
}

// PSIDRevert authenticates to the Admin SP as the PSID authority with psid
// (the 32 characters on the drive's label) and invokes Revert on the Admin
// SP: the TPer returns to its factory state. A wrong PSID returns an error
// wrapping ErrNotAuthorized. psid is never placed in a Step or an error.
func PSIDRevert(ctx context.Context, t Transport, d *Discovery, psid []byte) ([]Step, error) {
	return nil, errors.New("tcg: not implemented")
}

// CryptoErase erases the media encryption key of every locking range (Opal
// family: as SID and Admin1 with the MSID, activating the Locking SP if it
// is inactive, GenKey on every range's key, then Revert of the Admin SP to
// the factory state; Enterprise: as EraseMaster with the MSID, Erase of
// every band). It requires a drive nobody owns and media encryption; it
// returns the steps it ran, with an error when any failed.
func CryptoErase(ctx context.Context, t Transport, d *Discovery) ([]Step, error) {
	return nil, errors.New("tcg: not implemented")
}

// Method status codes a failure wraps (Core Spec 5.1.5).
var (
	ErrNotAuthorized      = errors.New("NOT_AUTHORIZED")
	ErrAuthorityLockedOut = errors.New("AUTHORITY_LOCKED_OUT")
)

// SupportedProtocols reads the security protocol list (IF-RECV protocol
// 00h, SP specific 0000h).
func SupportedProtocols(ctx context.Context, t Transport) ([]uint8, error) {
	return nil, errors.New("tcg: not implemented")
}
