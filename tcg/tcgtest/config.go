package tcgtest

import (
	"fmt"
)

// Kind is the security subsystem class the emulated TPer implements.
type Kind int

// Kinds of TPer.
const (
	Opal2 Kind = iota
	Opal1
	Opalite
	Pyrite1
	Pyrite2
	Ruby
	Enterprise
)

func (k Kind) String() string {
	switch k {
	case Opal2:
		return "Opal 2"
	case Opal1:
		return "Opal 1"
	case Opalite:
		return "Opalite"
	case Pyrite1:
		return "Pyrite 1"
	case Pyrite2:
		return "Pyrite 2"
	case Ruby:
		return "Ruby"
	case Enterprise:
		return "Enterprise"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// opalFamily: the Core 2.0 SSCs with an Admin SP and a Locking SP that is
// activated (all but Enterprise).
func (k Kind) opalFamily() bool { return k != Enterprise }

// pyrite: no media encryption (Pyrite SSC 1.00/2.00 1.1).
func (k Kind) pyrite() bool { return k == Pyrite1 || k == Pyrite2 }

// Factory credentials of a new TPer (32 characters, like those printed on
// drive labels).
const (
	DefaultMSID = "MSIDMSIDMSIDMSIDMSIDMSIDMSIDMSID"
	DefaultPSID = "PSIDPSIDPSIDPSIDPSIDPSIDPSIDPSID"
)

// Config describes a TPer. The zero value is an Opal 2 drive with the
// defaults named on each field.
type Config struct {
	Kind Kind
	// MSID is the C_PIN_MSID PIN, the initial PIN of SID (and, for
	// Enterprise, of BandMasters and EraseMaster); DefaultMSID if empty.
	MSID string
	// PSID is the PSID authority's PIN; DefaultPSID if empty.
	PSID string
	// NoPSID leaves out the PSID authority (no PSID revert).
	NoPSID bool
	// BlockSID reports the Block SID Authentication feature.
	BlockSID bool
	// NoMediaEncryption clears the Locking feature's MediaEncryption bit;
	// key changes then do not scramble the medium. Pyrite implies it.
	NoMediaEncryption bool
	// BlockSize is the logical block size in bytes (512 if 0); Locking
	// table ranges are in blocks.
	BlockSize int
	// Ranges is the number of non-global locking ranges (Opal) or bands
	// besides Band0 (Enterprise): 0 means the default, 8 (none for
	// Opalite and Pyrite), and a negative value none.
	Ranges int
	// MBRSize is the MBR table's size in bytes (128 MiB if 0). It is
	// stored sparsely.
	MBRSize int64
	// BaseComID is the first ComID of the SSC feature, 07FEh if 0.
	BaseComID uint16
	// SIDTryLimit is the number of failed authentications after which an
	// authority (any with a PIN) is locked out until PowerCycle; 5 if 0.
	SIDTryLimit int
	// Seed seeds the pseudo-random bytes (keys, scrambles, Random).
	Seed uint64
	// FailMethod names a modifying method that fails with FailStatus once
	// FailAfter calls of it succeeded: "Activate", "GenKey", "Revert"
	// (of the Admin SP or the Locking SP object), "RevertSP", "Erase" or
	// "Set". The failed call changes nothing.
	FailMethod string
	// FailStatus is the status FailMethod fails with; SP_BUSY (03h) if 0.
	FailStatus uint8
	// FailAfter is how many calls of FailMethod succeed before it fails.
	FailAfter int
	// LyingKeys makes a TPer that says SUCCESS to GenKey, Revert,
	// RevertSP and Erase, and updates its tables as if, but never changes
	// the medium: the old data stays readable (a TPer whose key erase
	// does not erase).
	LyingKeys bool
}

func (c *Config) fill() {
	if c.MSID == "" {
		c.MSID = DefaultMSID
	}
	if c.PSID == "" {
		c.PSID = DefaultPSID
	}
	if c.BlockSize <= 0 {
		c.BlockSize = 512
	}
	switch {
	case c.Ranges < 0:
		c.Ranges = 0
	case c.Ranges == 0 && (c.Kind == Opalite || c.Kind.pyrite()):
	case c.Ranges == 0:
		c.Ranges = 8
	}
	if c.MBRSize <= 0 {
		c.MBRSize = 128 << 20
	}
	if c.BaseComID == 0 {
		c.BaseComID = 0x07FE
	}
	if c.SIDTryLimit <= 0 {
		c.SIDTryLimit = 5
	}
	if c.Kind.pyrite() {
		c.NoMediaEncryption = true
	}
	if c.FailStatus == 0 {
		c.FailStatus = stSPBusy
	}
}
