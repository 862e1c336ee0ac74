package report

import (
	"fmt"
	"strings"
	"time"

	"github.com/kesu-erase/kesu/smart"
)

// SchemaVersion names the version of the record schema this package writes.
// It is stored in every run-start record. docs/record.md documents it field
// by field; a change that alters the meaning of a field or adds a record kind
// bumps the number, adding an optional field does not.
//
// kesu-record/2 changed what proves an attempt: a sampled read-back counts
// only when canaries planted before the attempt were read back from the
// medium (Attempt.Canaries) and all were gone after it
// (Verification.CanariesRead, CanariesSurvived); otherwise only a read-back
// of every block does.
const SchemaVersion = "kesu-record/2"

// SchemaVersion1 is the first schema. Journals written under it are still
// read and verified; their drives are judged by this kesu's rules (a
// recorded verdict that differs is reported, not trusted).
const SchemaVersion1 = "kesu-record/1"

// Kind is the kind of a journal record; it says how to read the body.
type Kind string

// Record kinds, in the order they normally appear in a run.
const (
	KindRunStart        Kind = "run-start"        // body RunStart; always the first record
	KindDrive           Kind = "drive"            // body Drive: identity, class, SMART, hidden areas, plan
	KindHiddenArea      Kind = "hidden-area"      // body HiddenAreaEvent: a hidden area restored (or not)
	KindAttemptStart    Kind = "attempt-start"    // body AttemptStart: an erase method is about to run
	KindAttempt         Kind = "attempt"          // body Attempt: what ran and how it ended
	KindVerification    Kind = "verification"     // body Verification: read-back result for an attempt
	KindDriveResult     Kind = "drive-result"     // body DriveResult: the drive's final status and level
	KindNote            Kind = "note"             // body Note: information, warning or error
	KindSeal            Kind = "seal"             // body Seal: the run is complete; always the last record
	KindController      Kind = "controller"       // body Controller: a RAID controller, every physical drive and volume behind it
	KindControllerCheck Kind = "controller-check" // body ControllerCheck: the controller's drive states read again after the erasure
	KindTCG             Kind = "tcg"              // body TCGAction: a TCG action on a self-encrypting drive before its erase (a PSID revert)
)

// RunStart opens a run: which tool ran, where, for whom, under which policy,
// and which key signs the record.
type RunStart struct {
	// Schema is SchemaVersion; Create sets it.
	Schema string `json:"schema"`
	// RunID names the run and its journal file (<run_id>.jsonl). Create
	// generates one when empty: UTC start time plus 32 random bits.
	RunID string `json:"run_id"`
	// Mode is how kesu ran: "cli" or "appliance".
	Mode string    `json:"mode,omitempty"`
	Tool Tool      `json:"tool"`
	Host Host      `json:"host"`
	Time time.Time `json:"start"` // start of the run; Create sets it when zero

	Sanitizer Person `json:"sanitizer"`           // who ran the erasure (Rev. 2 §4.6; Rev. 1 App. G "Sanitizer")
	Validator Person `json:"validator,omitempty"` // second person who validates (Rev. 2 §4.5.2: the organization accepts the verification); may be empty (signed on paper)
	Customer  string `json:"customer,omitempty"`  // whose equipment (leasing customer, department)
	Reference string `json:"reference,omitempty"` // work order, lease contract or ticket number
	AssetTag  string `json:"asset_tag,omitempty"` // the host's property/asset number

	Policy Policy `json:"policy"`
	// ConfigSHA256 is the SHA-256 (hex) of the configuration file the run
	// used, so the office can match it with the stick it prepared.
	ConfigSHA256 string `json:"config_sha256,omitempty"`
	// Key identifies the signing key; nil when the run is unsigned (only
	// when the configuration explicitly allowed it). Create sets it.
	Key *KeyInfo `json:"key"`
	// KeyCustody says where the signing key was held during the run: one
	// of the Custody constants; empty when not stated (journals written
	// before kesu recorded it, and unsigned runs). The writer states it;
	// the signature proves only that the key's holder said so.
	KeyCustody string `json:"key_custody,omitempty"`
}

// Where a run's signing key was held (RunStart.KeyCustody).
const (
	// CustodyStick: a key file on the boot stick (the appliance).
	CustodyStick = "stick"
	// CustodyConsole: a passphrase-sealed key served on the boot network,
	// opened in memory with a passphrase typed at the machine's console
	// (the netbooted appliance).
	CustodyConsole = "console"
	// CustodyFile: a key file read by the command-line kesu (--key, or the
	// signing key its configuration names).
	CustodyFile = "file"
)

// Tool identifies the software that wrote the record.
type Tool struct {
	Name    string `json:"name"`             // "kesu"
	Version string `json:"version"`          // release version or "(devel)"
	Commit  string `json:"commit,omitempty"` // VCS revision; "-dirty" suffix if modified
	Go      string `json:"go,omitempty"`     // Go toolchain version
	// BinarySHA256 is the SHA-256 (hex) of the kesu executable that wrote
	// the record: it names the exact build, also where no VCS revision was
	// stamped into it (u-root builds).
	BinarySHA256 string `json:"binary_sha256,omitempty"`
}

// Host identifies the machine the drives were in, from SMBIOS/DMI
// (/sys/class/dmi/id). Values are recorded as the firmware reports them,
// placeholders such as "To Be Filled By O.E.M." included; empty when absent.
type Host struct {
	SysVendor     string `json:"sys_vendor"`
	ProductName   string `json:"product_name"`
	ProductSerial string `json:"product_serial"`
	ProductUUID   string `json:"product_uuid"`
	BoardVendor   string `json:"board_vendor,omitempty"`
	BoardName     string `json:"board_name,omitempty"`
	BoardSerial   string `json:"board_serial,omitempty"`
	ChassisSerial string `json:"chassis_serial,omitempty"`
	Hostname      string `json:"hostname,omitempty"`
}

// Person is a sanitizer or validator (NIST SP 800-88 Rev. 2 §4.6, the
// certificate's person fields; Rev. 1 App. G).
type Person struct {
	Name         string `json:"name,omitempty"`
	Title        string `json:"title,omitempty"`
	Organization string `json:"organization,omitempty"`
	Location     string `json:"location,omitempty"` // where the work was done (site, room)
	Contact      string `json:"contact,omitempty"`  // phone or e-mail
}

// Level is a sanitization level (NIST SP 800-88: Clear, Purge; Destroy is
// physical and never reached by kesu).
type Level string

// Levels, weakest first.
const (
	LevelNone  Level = "none"
	LevelClear Level = "Clear"
	LevelPurge Level = "Purge"
)

func (l Level) rank() int {
	switch l {
	case LevelClear:
		return 1
	case LevelPurge:
		return 2
	}
	return 0
}

// AtLeast reports whether l is as strong as m.
func (l Level) AtLeast(m Level) bool { return l.rank() >= m.rank() }

func minLevel(a, b Level) Level {
	if a.rank() <= b.rank() {
		return normLevel(a)
	}
	return normLevel(b)
}

func normLevel(l Level) Level {
	if l.rank() == 0 {
		return LevelNone
	}
	return l
}

// Policy is what the run was asked to achieve.
type Policy struct {
	Name string `json:"name,omitempty"` // the policy's name in the configuration
	// Level is the NIST SP 800-88 level required of every drive ("Clear" or
	// "Purge"); empty when only a MIC category is given.
	Level Level `json:"level,omitempty"`
	// MICCategory is the category of the MIC 2020 notice (1, 2 or 3); 0 when
	// not applicable. Category (1) always requires physical destruction
	// after erasure.
	MICCategory int          `json:"mic_category,omitempty"`
	Verify      VerifyPolicy `json:"verify"`
	// Destination is where the media goes next: "reuse", "recycle" or
	// "destroy" (App. G).
	Destination string `json:"destination,omitempty"`
	// PreCategory and PostCategory are the media's security categories
	// before and after sanitization (App. G), as the organization names them.
	PreCategory  string `json:"pre_category,omitempty"`
	PostCategory string `json:"post_category,omitempty"`
	// Unsigned records that the configuration explicitly allowed a run
	// without a signing key.
	Unsigned bool `json:"unsigned,omitempty"`
	// AcceptBelow records that the policy accepts a drive that reached
	// Clear but not the required level (kesu.toml below_level = "accept"):
	// such a drive passes, marked as accepted below the level.
	AcceptBelow bool `json:"accept_below,omitempty"`
	// ExtraOverwrite records that the policy asks for a host overwrite
	// after a firmware erase (kesu.toml extra_overwrite = true): a drive
	// whose firmware erase is not followed by a counting overwrite does not
	// meet the policy.
	ExtraOverwrite bool `json:"extra_overwrite,omitempty"`
	// DestructionDeadlineDays is how many days after its erasure a drive
	// that must be physically destroyed has to be recorded destroyed
	// (kesu.toml destruction_deadline_days); 0: no deadline.
	DestructionDeadlineDays int `json:"destruction_deadline_days,omitempty"`
}

// VerifyPolicy is the read-back verification the policy asks for.
type VerifyPolicy struct {
	// Mode is "sampled", "full" or "none".
	Mode VerifyMode `json:"mode"`
	// Percent is the share of the media to read back (full: 100).
	Percent float64 `json:"percent,omitempty"`
}

// VerifyMode says how an erasure is checked by reading the drive back.
type VerifyMode string

// Verification modes and methods.
const (
	VerifyNone    VerifyMode = "none"    // policy only: no read-back asked for
	VerifySampled VerifyMode = "sampled" // stratified pseudorandom sample (kesu's plan after Rev. 1 §4.7)
	VerifyFull    VerifyMode = "full"    // every addressable block
	VerifyCanary  VerifyMode = "canary"  // blocks planted with known data before a crypto/block erase
)

// required reports whether the policy asks for read-back verification.
func (v VerifyPolicy) required() bool { return v.Mode != "" && v.Mode != VerifyNone }

// KeyInfo identifies the Ed25519 key that signs a journal.
type KeyInfo struct {
	Alg         string `json:"alg"`         // "Ed25519"
	PublicKey   string `json:"public_key"`  // the 32-byte public key, hex
	Fingerprint string `json:"fingerprint"` // SHA-256 of the 32-byte public key, hex
}

// Class is a drive's class for planning and for the method matrix.
type Class string

// Drive classes.
const (
	ClassHDD   Class = "HDD"   // magnetic, ATA or SAS/SCSI
	ClassSSD   Class = "SSD"   // flash behind ATA or SAS/SCSI
	ClassNVMe  Class = "NVMe"  // NVMe SSD
	ClassUSB   Class = "USB"   // USB stick, SD card, drive behind a USB bridge
	ClassOther Class = "other" // anything else (virtio, loop, unknown bridge)
	// ClassFile is a regular file (kesu erase --device FILE): overwriting
	// it touches its logical content only, never a medium, so it reaches
	// no sanitization level.
	ClassFile Class = "file"
	// ClassVolume is a RAID controller's logical volume: its data lies on
	// member drives, which are erased (or not) as drives of their own.
	// Overwriting a volume reaches neither the members' space outside it
	// nor the controller's metadata: no level, no MIC category.
	ClassVolume Class = "volume"
)

// Drive is one drive as probed before erasure.
type Drive struct {
	// ID numbers the drive within the run (1, 2, ...); the journal assigns it.
	ID       int      `json:"id"`
	Identity Identity `json:"identity"`
	Class    Class    `json:"class"`
	// AssetTag is the drive's property/asset number, if the office gave one.
	AssetTag string `json:"asset_tag,omitempty"`
	// SMART is the health summary captured before erasure; nil if none.
	SMART *smart.Summary `json:"smart"`
	// HiddenAreas is what the probe found about HPA/DCO/AMA.
	HiddenAreas HiddenAreas `json:"hidden_areas"`
	// HWPartitions lists an eMMC's hardware partitions beside its user
	// data area (boot, general-purpose, RPMB), each with whether kesu's
	// host overwrite covers it.
	HWPartitions []HWPartition `json:"hw_partitions,omitempty"`
	// Security is the drive's TCG security state (Level 0 Discovery and
	// the ownership check); nil when the drive has no TCG security
	// subsystem or was not asked.
	Security *Security `json:"security,omitempty"`
	// EncryptsAllUserData is an ATA drive's IDENTIFY DEVICE word 69 bit 4:
	// whether the drive says it encrypts all user data on the media; nil
	// for a drive that is not ATA or was not probed. It is the drive's
	// claim, which a cryptographic erase rests on (CryptoErase), not a
	// fact kesu checked.
	EncryptsAllUserData *bool `json:"encrypts_all_user_data,omitempty"`
	Plan                Plan  `json:"plan"`
}

// Security is what kesu found about a drive's TCG security subsystem
// (TCG Storage Architecture Core Spec 3.3.6 Level 0 Discovery) before any
// erase.
type Security struct {
	// Protocols are the security protocols the drive lists (hex bytes,
	// "01" = TCG).
	Protocols []string `json:"protocols,omitempty"`
	// SSC is the security subsystem class: "Opal 2", "Opal 1", "Opalite",
	// "Pyrite 2", "Pyrite 1", "Ruby", "Enterprise"; "" when none.
	SSC string `json:"ssc,omitempty"`
	// Features names every Level 0 feature reported, with its code.
	Features []string     `json:"features,omitempty"`
	Locking  *TCGLocking  `json:"locking,omitempty"`
	BlockSID *TCGBlockSID `json:"block_sid,omitempty"`
	// Owner is "never-owned" (the SID credential is the MSID), "owned" or
	// "unknown" (with OwnerNote).
	Owner     string `json:"owner,omitempty"`
	OwnerNote string `json:"owner_note,omitempty"`
	// Blocked says why the drive could not be erased as it was (a locked
	// range, MBR shadowing, an owner); "" when nothing blocked it.
	Blocked string `json:"blocked,omitempty"`
	// Steps are the sessions and methods the ownership check ran.
	Steps []TCGStep `json:"steps,omitempty"`
	// Error says why discovery or the ownership check failed.
	Error string `json:"error,omitempty"`
}

// TCGLocking is the Level 0 Locking feature (0002h).
type TCGLocking struct {
	Supported       bool `json:"supported"`
	Enabled         bool `json:"enabled"`
	Locked          bool `json:"locked"`
	MediaEncryption bool `json:"media_encryption"`
	MBREnabled      bool `json:"mbr_enabled"`
	MBRDone         bool `json:"mbr_done"`
}

// TCGBlockSID is the Level 0 Block SID Authentication feature (0402h).
type TCGBlockSID struct {
	SIDValueDiffers bool `json:"sid_value_differs"`
	Blocked         bool `json:"blocked"`
}

// TCGStep is one session or method run on a drive's TPer and the status
// the TPer returned. It never holds a credential.
type TCGStep struct {
	What   string    `json:"what"`
	Status string    `json:"status,omitempty"`
	Error  string    `json:"error,omitempty"`
	Start  time.Time `json:"start"`
	End    time.Time `json:"end"`
}

// TCG actions.
const (
	TCGPSIDRevert = "psid-revert"
)

// TCGAction is a TCG action run on a drive before its erase: a PSID
// revert, with every step and its status (the PSID itself is never
// recorded), and the drive's security state and plan read again after it.
type TCGAction struct {
	Drive   int       `json:"drive"`
	Action  string    `json:"action"`
	Outcome Outcome   `json:"outcome"`
	Steps   []TCGStep `json:"steps,omitempty"`
	Errors  []string  `json:"errors,omitempty"`
	// By says who asked for it and how: "PSID typed twice on tty1".
	By    string    `json:"by,omitempty"`
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// After is the security state read again after the action, and Plan
	// the drive's plan made from it; nil when the drive could not be read.
	After *Security `json:"after,omitempty"`
	Plan  *Plan     `json:"plan,omitempty"`
}

// HWPartition is an eMMC hardware partition (JEDEC JESD84-B51 §6.2): a boot
// or general-purpose partition the host reads and writes like the user data
// area, or the replay-protected memory block (RPMB), which the host reads
// through an authenticated protocol and can write only with the card's
// authentication key.
type HWPartition struct {
	Name  string `json:"name"` // kernel name: mmcblk0boot0, mmcblk0rpmb
	Kind  string `json:"kind"` // "boot", "gp" or "rpmb"
	Bytes uint64 `json:"bytes"`
	// Covered is true when the host overwrite writes it: after the user
	// data area, in the order listed, in one LBA space (so an overwrite of
	// such a drive has target_bytes = capacity + every covered partition).
	Covered bool `json:"covered"`
	// Note says why a partition is not covered (write-protected, RPMB).
	Note string `json:"note,omitempty"`
}

// Identity is what the drive says it is.
type Identity struct {
	Path               string `json:"path,omitempty"` // e.g. /dev/sda at the time of the run
	Vendor             string `json:"vendor,omitempty"`
	Model              string `json:"model"`
	Serial             string `json:"serial"`
	Firmware           string `json:"firmware,omitempty"`
	WWN                string `json:"wwn,omitempty"`
	CapacityBytes      uint64 `json:"capacity_bytes"` // user-addressable capacity as probed
	LogicalSectorSize  uint32 `json:"logical_sector_size"`
	PhysicalSectorSize uint32 `json:"physical_sector_size,omitempty"`
	Transport          string `json:"transport,omitempty"` // "sata", "sas", "nvme", "usb", "virtio", ...
	Bay                string `json:"bay,omitempty"`       // enclosure bay/slot, as far as known
	Port               string `json:"port,omitempty"`      // controller port / sysfs path
	Rotational         *bool  `json:"rotational,omitempty"`
	// Access says how kesu reached the drive: AccessDirect (its own block
	// device and command interface), AccessPassthrough (through a RAID
	// controller's pass-through to the physical drive) or
	// AccessLogicalVolume (a controller's logical volume, not a drive).
	// Empty in records written before kesu knew controllers.
	Access string `json:"access,omitempty"`
	// Controller is the RAID controller the drive sat behind, if any.
	Controller *ControllerRef `json:"controller,omitempty"`
}

// Identity.Access values.
const (
	AccessDirect        = "direct"
	AccessPassthrough   = "passthrough"
	AccessLogicalVolume = "logical-volume"
)

// ControllerRef names the RAID controller a drive sat behind and the drive's
// address on it.
type ControllerRef struct {
	Host       int    `json:"host"`   // SCSI host number (hostN)
	Driver     string `json:"driver"` // megaraid_sas, hpsa, smartpqi, ...
	PCIAddress string `json:"pci_address,omitempty"`
	Model      string `json:"model,omitempty"`
	Serial     string `json:"serial,omitempty"`
	// Address is the drive's address on the controller: "device 8" (MFI
	// device id), "LUN 0000004000000000" (CISS), "LD 0" (a volume).
	Address string `json:"address"`
}

// Controller is a RAID controller as found before anything ran: the
// physical drives it lists (each reached or not, and why) and its logical
// volumes with their members. It is recorded before the drive records so
// that a reader can tell which drives behind it were erased and which were
// not reached.
type Controller struct {
	Host       int    `json:"host"`
	Driver     string `json:"driver"`
	PCIAddress string `json:"pci_address,omitempty"`
	Model      string `json:"model,omitempty"`
	Serial     string `json:"serial,omitempty"`
	Firmware   string `json:"firmware,omitempty"`
	// Mode is RAID, JBOD, HBA or mixed where the controller tells.
	Mode string `json:"mode,omitempty"`
	// Passthrough names the interface kesu reached the physical drives
	// through ("MFI PD SCSI I/O via /dev/megaraid_sas_ioctl_node"); empty
	// when it could not.
	Passthrough string `json:"passthrough,omitempty"`
	// Listed is set when the controller's own list of physical drives was
	// read; ListError says why not. Unlisted, the drives behind it are not
	// reached (Unreached counts its volumes).
	Listed    bool              `json:"listed"`
	ListError string            `json:"list_error,omitempty"`
	Drives    []ControllerDrive `json:"drives"`
	Volumes   []Volume          `json:"volumes"`
}

// ControllerDrive is one physical drive a controller lists.
type ControllerDrive struct {
	Address string `json:"address"`       // "device 8", "LUN ..."
	Bay     string `json:"bay,omitempty"` // "252:3", "box 1 bay 3"
	// State as the controller reports it: online (RAID member), hot spare,
	// unconfigured good, JBOD, failed, ...
	State  string `json:"state,omitempty"`
	Model  string `json:"model,omitempty"`
	Serial string `json:"serial,omitempty"`
	WWN    string `json:"wwn,omitempty"`
	// Reached is set when the drive is erased in this run: a drive record
	// with this controller and address follows.
	Reached bool `json:"reached"`
	// Excluded is set when the policy excludes the drive: deliberately
	// not erased, not counted as unreached.
	Excluded bool `json:"excluded,omitempty"`
	// Reason says why the drive is not reached or excluded.
	Reason string `json:"reason,omitempty"`
}

// Volume is one logical volume of a controller.
type Volume struct {
	Name      string `json:"name,omitempty"` // kernel name (sdb) when the volume has a block device
	TargetID  int    `json:"target_id"`
	RAIDLevel string `json:"raid_level,omitempty"`
	SizeBytes uint64 `json:"size_bytes,omitempty"`
	State     string `json:"state,omitempty"`
	// Members are the addresses of the physical drives the volume lies on
	// (ControllerDrive.Address); MembersKnown is false when the controller
	// could not say.
	Members      []string `json:"members,omitempty"`
	MembersKnown bool     `json:"members_known"`
	// Overwritten is set when the policy overwrites the volume as a volume:
	// a drive record of class volume follows. It is never a drive erasure.
	Overwritten bool   `json:"overwritten"`
	Note        string `json:"note,omitempty"`
}

// ControllerCheck is a RAID controller's drive states read again once every
// drive is done: a controller that rebuilt or copied a volume onto a drive
// after that drive was erased and verified wrote data the verification
// never saw.
type ControllerCheck struct {
	Host   int    `json:"host"`
	Driver string `json:"driver"`
	// Error says why the states could not be read again; kesu then cannot
	// rule out such a write, and says so in Rewritten.
	Error  string       `json:"error,omitempty"`
	Drives []DriveState `json:"drives,omitempty"` // address, bay and state now
	// Rewritten names each erased drive the controller may have written
	// since: rebuilding or copying back now, or taken into a volume (a
	// hot spare, an unconfigured drive). An entry without a Path stands
	// for every drive erased behind the controller (the states could not
	// be read again).
	Rewritten []RewrittenDrive `json:"rewritten,omitempty"`
}

// RewrittenDrive is an erased drive its controller may have written after
// the drive's verification.
type RewrittenDrive struct {
	// Path is the drive's Identity.Path in this run; "" for all of the
	// controller's erased drives.
	Path    string `json:"path,omitempty"`
	Address string `json:"address,omitempty"`
	Bay     string `json:"bay,omitempty"`
	Why     string `json:"why"`
}

// DriveState is a physical drive's state as its controller reports it now.
type DriveState struct {
	Address string `json:"address"`
	Bay     string `json:"bay,omitempty"`
	State   string `json:"state,omitempty"`
}

// Unreached lists, in plain words, the drives behind the controller that
// this run does not erase although the policy did not exclude them: listed
// drives not reached, and — when the controller's drives could not be
// listed — its volumes, whose members are then unknown.
func (c Controller) Unreached() []string {
	var out []string
	for _, d := range c.Drives {
		if !d.Reached && !d.Excluded {
			id := fmt.Sprintf("serial %q", d.Serial)
			if d.WWN != "" {
				id += ", WWN " + d.WWN
			}
			out = append(out, fmt.Sprintf("%s (%s, %s, %s): %s", d.Address, orDash(d.Bay), id, orDash(d.State), d.Reason))
		}
	}
	if !c.Listed {
		for _, v := range c.Volumes {
			out = append(out, fmt.Sprintf("the member drives of volume %s (%s): the controller's drives could not be listed (%s)", orDash(v.Name), orDash(v.RAIDLevel), orDash(c.ListError)))
		}
		if len(c.Volumes) == 0 {
			out = append(out, fmt.Sprintf("the controller's drives could not be listed (%s)", orDash(c.ListError)))
		}
	}
	// A listed controller lists every physical drive, members of its
	// volumes included (whether or not it says which volume each belongs
	// to): the listed drives above are all there is to reach.
	return out
}

// Name names the controller for a technician: driver, host and model.
func (c Controller) Name() string {
	s := fmt.Sprintf("%s host%d", c.Driver, c.Host)
	if c.Model != "" {
		s += " (" + c.Model + ")"
	}
	if c.PCIAddress != "" {
		s += " at PCI " + c.PCIAddress
	}
	return s
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// HiddenAreas is the state of areas the OS cannot reach (ATA HPA, DCO,
// Accessible Max Address).
type HiddenAreas struct {
	// Checked is true when kesu could find out whether hidden areas exist.
	Checked bool `json:"checked"`
	// Note explains an unchecked or not-applicable state, e.g. "NVMe: no
	// HPA/DCO" or "USB bridge blocks ATA pass-through".
	Note  string       `json:"note,omitempty"`
	Areas []HiddenArea `json:"areas,omitempty"`
}

// HiddenArea is one kind of hidden area on a drive.
type HiddenArea struct {
	Kind             string `json:"kind"`    // "HPA", "DCO" or "AMA"
	Present          bool   `json:"present"` // sectors are hidden
	AccessibleMaxLBA uint64 `json:"accessible_max_lba,omitempty"`
	NativeMaxLBA     uint64 `json:"native_max_lba,omitempty"`
	HiddenSectors    uint64 `json:"hidden_sectors,omitempty"`
	Restored         bool   `json:"restored"` // the hidden sectors were made accessible
	Error            string `json:"error,omitempty"`
}

// HiddenAreaEvent records the outcome of restoring one hidden area; it
// replaces the area of the same kind in the drive's state.
type HiddenAreaEvent struct {
	Drive int        `json:"drive"`
	Area  HiddenArea `json:"area"`
}

// Plan is the ordered list of methods considered for a drive.
type Plan struct {
	Steps []PlanStep `json:"steps"`
	// Blocked says why no step could run on the drive as it was (a TCG
	// locked range, MBR shadowing or owner).
	Blocked string `json:"blocked,omitempty"`
}

// PlanStep is one method considered, chosen or not, and why.
type PlanStep struct {
	Method Method `json:"method"`
	Chosen bool   `json:"chosen"`
	Reason string `json:"reason"`
}

// AttemptStart records that a method is about to run, so a power cut during
// a long erase leaves evidence of what was under way.
type AttemptStart struct {
	Drive   int       `json:"drive"`
	Attempt int       `json:"attempt"` // 1, 2, ... per drive; the journal assigns it
	Method  Method    `json:"method"`
	Start   time.Time `json:"start"`
}

// Outcome is how an attempt ended.
type Outcome string

// Attempt outcomes.
const (
	OutcomeSuccess     Outcome = "success"     // the method completed
	OutcomeFailed      Outcome = "failed"      // the method ran and failed
	OutcomeUnsupported Outcome = "unsupported" // the drive refused or lacks the method; nothing changed
	OutcomeInterrupted Outcome = "interrupted" // cancelled or cut short
)

// Attempt is one run of an erase method on a drive.
type Attempt struct {
	Drive   int    `json:"drive"`
	Attempt int    `json:"attempt"`
	Method  Method `json:"method"`
	// Mechanism is what actually ran, in the words of the interface, e.g.
	// "pwrite O_DIRECT 1 MiB" or "ATA SANITIZE CRYPTO SCRAMBLE EXT via SAT ATA PASS-THROUGH(16)".
	Mechanism string    `json:"mechanism"`
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
	Outcome   Outcome   `json:"outcome"`
	Errors    []string  `json:"errors,omitempty"`

	// Overwrite figures (host overwrite and firmware overwrite where known).
	Passes       int    `json:"passes,omitempty"`
	Pattern      string `json:"pattern,omitempty"`      // "zeros", "0xA5", "random (seed …)"
	TargetBytes  uint64 `json:"target_bytes,omitempty"` // the extent the method had to cover
	BytesWritten uint64 `json:"bytes_written,omitempty"`
	// Unwritable lists LBA ranges the method could not write.
	Unwritable []LBARange `json:"unwritable,omitempty"`
	// Details holds method-specific facts in plain words, e.g. "sanitize
	// status: SD4 succeeded", "estimated time 120 min", "drive unfrozen by suspend".
	Details []string `json:"details,omitempty"`
	// Canaries is what planting canaries before the attempt did; nil when
	// none were tried.
	Canaries *CanaryRecord `json:"canaries,omitempty"`
}

// CanaryRecord is what planting canaries before an attempt did: blocks of
// random content (a per-attempt key kept in memory only) written at the
// sampling plan's locations, flushed, and read back from the medium before
// the erase. Only canaries that read back count; only when all did can a
// sampled read-back prove the erase (Proven).
type CanaryRecord struct {
	KeyID    string `json:"key_id,omitempty"`
	Planned  int    `json:"planned"`   // canary blocks the plan placed (one per sampled location)
	Planted  int    `json:"planted"`   // written and flushed without an error
	ReadBack int    `json:"read_back"` // read back from the medium with their content
	// MissingLBAs lists the first canaries that did not read back.
	MissingLBAs []uint64 `json:"missing_lbas,omitempty"`
	Error       string   `json:"error,omitempty"`
}

// Proven reports whether every canary planned was planted and read back.
func (c *CanaryRecord) Proven() bool {
	return c != nil && c.Planned > 0 && c.Planted == c.Planned && c.ReadBack == c.Planned
}

// LBARange is Count blocks starting at First.
type LBARange struct {
	First uint64 `json:"first"`
	Count uint64 `json:"count"`
}

// Verification is the read-back check of one attempt.
type Verification struct {
	Drive   int        `json:"drive"`
	Attempt int        `json:"attempt"` // the attempt whose result was checked
	Method  VerifyMode `json:"method"`  // sampled, full or canary
	// Expected is what the blocks were compared with: "zeros", "pattern 0xA5",
	// "changed from before-samples", "canary absent".
	Expected string    `json:"expected"`
	PlanSeed string    `json:"plan_seed,omitempty"` // seed of the sampling plan (hex), to repeat it
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`

	Subsections int `json:"subsections,omitempty"` // sampling subsections (kesu's reading of Rev. 1 §4.7: ≥1000)
	// PlanBlocks, BlockSize and MaxSampleBlocks complete the plan's
	// parameters: with PlanSeed and PercentRequested they reproduce exactly
	// which blocks were read (erase.SamplePlan), and they bound what the
	// verification covered.
	PlanBlocks       uint64  `json:"plan_blocks,omitempty"`
	BlockSize        uint32  `json:"block_size,omitempty"`
	MaxSampleBlocks  uint64  `json:"max_sample_blocks,omitempty"`
	PercentRequested float64 `json:"percent_requested"`
	PercentAchieved  float64 `json:"percent_achieved"`
	Samples          uint64  `json:"samples"`
	BlocksRead       uint64  `json:"blocks_read"`
	Mismatches       uint64  `json:"mismatches"`
	// MismatchLBAs lists the first mismatching LBAs (a bounded list).
	MismatchLBAs  []uint64 `json:"mismatch_lbas,omitempty"`
	ReadErrors    uint64   `json:"read_errors"`
	ReadErrorLBAs []uint64 `json:"read_error_lbas,omitempty"`
	// CanariesRead counts the attempt's proven canaries this read-back
	// read; CanariesSurvived the canary blocks still holding their planted
	// content (absent: 0).
	CanariesRead     uint64   `json:"canaries_read,omitempty"`
	CanariesSurvived uint64   `json:"canaries_survived,omitempty"`
	Errors           []string `json:"errors,omitempty"`
}

// Finish is what the caller knows when a drive is done; the journal adds the
// assessment and writes both as the drive-result record.
type Finish struct {
	// Skipped gives the reason no erase was attempted (excluded, no method
	// fits the policy, drive failing); empty otherwise.
	Skipped string `json:"skipped,omitempty"`
	// Interrupted is true when the work on the drive was cut short.
	Interrupted bool     `json:"interrupted,omitempty"`
	Errors      []string `json:"errors,omitempty"`
	// Recovery tells how to bring the drive back to a usable state if kesu
	// left it locked or in a sanitize failure state (password used, command to run).
	Recovery string `json:"recovery,omitempty"`
}

// DriveResult is a drive's final record.
type DriveResult struct {
	Drive int       `json:"drive"`
	End   time.Time `json:"end"`
	Finish
	// Assessment is computed by Assess from the drive's records; callers
	// never type it.
	Assessment Assessment `json:"assessment"`
}

// Severity grades a note.
type Severity string

// Note severities.
const (
	SeverityInfo    Severity = "info"
	SeverityWarning Severity = "warning"
	SeverityError   Severity = "error"
)

// Note is a free-form record: a configuration error, a drive excluded, a
// frozen drive unfrozen by suspend, the journal's stick nearly full.
type Note struct {
	Drive    int      `json:"drive,omitempty"` // 0: about the run
	Severity Severity `json:"severity"`
	Code     string   `json:"code,omitempty"` // short stable identifier, e.g. "config-error"
	Text     string   `json:"text"`
}

// Seal closes a run. Its signature (the record's sig) covers the chain head
// hash and the record count, and the seal record itself.
type Seal struct {
	Records     int64  `json:"records"`     // number of records before the seal (= its seq)
	Head        string `json:"head"`        // SHA-256 of the last record before the seal (= its prev)
	Alg         string `json:"alg"`         // "Ed25519" or "none"
	Fingerprint string `json:"fingerprint"` // signing key fingerprint; empty when unsigned
}

// PlanLines says in plain words, one line per bay and per volume, what a
// run does with everything behind the controller: for the "before" screen
// and `kesu plan`.
func (c Controller) PlanLines() []string {
	var out []string
	head := "mode " + orDash(c.Mode)
	if c.Passthrough != "" {
		head += "; drives reached through " + c.Passthrough
	}
	if c.Firmware != "" {
		head += "; firmware " + c.Firmware
	}
	out = append(out, head)
	if !c.Listed {
		out = append(out, "the physical drives could not be listed: "+orDash(c.ListError))
	}
	for _, d := range c.Drives {
		what := "erased through the controller"
		switch {
		case d.Excluded:
			what = "excluded: " + d.Reason
		case !d.Reached:
			what = "NOT reached: " + d.Reason
		}
		out = append(out, fmt.Sprintf("%s (%s): %s, %s serial %s -> %s", orDash(d.Bay), d.Address, orDash(d.State),
			orDash(d.Model), orDash(d.Serial), what))
	}
	for _, v := range c.Volumes {
		members := "members unknown"
		if v.MembersKnown {
			members = "on " + strings.Join(v.Members, ", ")
		}
		what := "not written (a volume is not a drive; its members are erased as drives)"
		if v.Overwritten {
			what = "overwritten as a volume before its members (no level: not a drive erasure)"
		}
		out = append(out, fmt.Sprintf("volume %s (LD %d, %s, %s): %s -> %s", orDash(v.Name), v.TargetID, orDash(v.RAIDLevel),
			members, orDash(v.State), what))
	}
	return out
}
