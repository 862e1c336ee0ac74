// Package atatest emulates a SATA drive behind a Linux-libata-like SCSI to
// ATA translation layer, as a scsi.Transport. It answers ATA PASS-THROUGH
// (16 and 12) CDBs and the SCSI commands libata simulates (INQUIRY with VPD
// pages 00h/80h/83h/89h/B0h/B1h/B2h, READ CAPACITY(16), REQUEST SENSE, TEST
// UNIT READY), returns sense data in the layouts Debian 12's 6.1 kernel
// produces (descriptor sense for successful CK_COND commands, the pre-6.11
// fixed layout for failed ones — both configurable), and follows the ACS
// state machines for security (SEC1–SEC6, frozen, count expired), sanitize
// (SD0–SD4 with failure mode), HPA / DCO / Accessible Max Address and SMART.
//
// The drive is backed by a file that erase commands really change (zeros,
// a pattern, or random bytes for crypto scramble), and its user data is
// reachable through Media, which honours the current max address, the
// security lock and a running or failed sanitize. Faults makes it
// misbehave on demand. Nothing depends on wall time: a sanitize finishes
// after a set number of SANITIZE STATUS EXT polls, and an ERASE UNIT's
// duration is a configured value compared with the command's timeout.
package atatest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"sync"
	"time"

	"github.com/kesu-erase/kesu/internal/filemedia"
	"github.com/kesu-erase/kesu/scsi"
	"github.com/kesu-erase/kesu/tcg/tcgtest"
)

// Config describes an emulated drive. Zero values give a 512-byte-sector
// SSD with 48-bit addressing and nothing else.
type Config struct {
	Model, Serial, Firmware string
	// Sectors is the factory (native) capacity in logical sectors.
	Sectors uint64
	// LogicalSectorSize is 512 (default) or 4096; PhysicalSectorSize
	// defaults to the logical size.
	LogicalSectorSize, PhysicalSectorSize int
	// RotationRate is IDENTIFY word 217: 1 = SSD, e.g. 7200 = HDD.
	RotationRate     uint16
	TRIM, DRAT, RZAT bool
	// EncryptsAll sets IDENTIFY word 69 bit 4: the drive says it encrypts
	// all user data.
	EncryptsAll bool
	// No48Bit makes a 28-bit-only drive (≤ 0x0FFFFFFF sectors).
	No48Bit bool

	// Security feature set.
	Security       bool
	EnhancedErase  bool
	EraseTime      uint16 // IDENTIFY word 89 as the drive reports it
	EnhancedTime   uint16 // word 90
	MasterPassword string // factory master password (empty: none usable)
	MasterMaximum  bool   // master password capability Maximum
	// Erase patterns written by ERASE UNIT (normal: zeros) and enhanced.
	EnhancedPattern byte

	// Sanitize feature set.
	SanitizeCrypto, SanitizeBlockErase, SanitizeOverwrite bool
	SanitizeAntifreeze                                    bool
	// BlockErasePattern is what a block erase leaves (default 0x00).
	BlockErasePattern byte
	// CryptoSeed seeds the random data a crypto scramble leaves.
	CryptoSeed uint64

	// Hidden areas: HPA / DCO support, Accessible Max Address (ACS-3)
	// instead of the HPA commands, and sectors hidden at the tail.
	HPA, DCO, AMA          bool
	HPASectors, DCOSectors uint64

	// SMART.
	SMART         bool
	SMARTDisabled bool
	Attributes    []Attribute

	// FreezeAtPowerOn freezes security at every power-on, as BIOSes do.
	FreezeAtPowerOn bool

	// TPer makes the drive a self-encrypting one: IDENTIFY word 48 reports
	// the Trusted Computing feature set, TRUSTED RECEIVE/SEND (and the
	// SATL's SECURITY PROTOCOL IN/OUT) reach it, and host reads and writes
	// obey its locking ranges and MBR shadow. It is given the medium when
	// the drive is built. Without it those commands abort (or, on the SCSI
	// side, are an invalid operation code), as on a drive without the
	// feature set.
	TPer tcgtest.Device
	// FilterTPM makes the SATL refuse ATA PASS-THROUGH of TRUSTED commands
	// (5Ch–5Fh) with ILLEGAL REQUEST, INVALID FIELD IN CDB pointing at the
	// COMMAND byte, as Linux's libata does unless the kernel runs with
	// libata.allow_tpm=1 (libata-scsi.c ata_scsi_pass_thru).
	FilterTPM bool

	// Sense layouts: for failed ATA pass-through commands (default
	// scsi.ATAFixedLibata, Debian 12 / Linux 6.1) and for successful
	// CK_COND commands (default scsi.ATADescriptor).
	ErrorLayout, SuccessLayout scsi.ATALayout
}

// Attribute is an emulated SMART attribute.
type Attribute struct {
	ID             uint8
	Flags          uint16
	Current, Worst uint8
	Raw            uint64 // 48-bit raw value
	Threshold      uint8
}

// Faults make the drive misbehave. Command names are the Op* constants.
type Faults struct {
	// Abort lists commands aborted with ERR/ABRT without effect.
	Abort map[string]bool
	// FakeSuccess lists commands that report success and update the
	// drive's state as if they had worked, but leave the media untouched
	// (ERASE UNIT, sanitize operations) or the max address unchanged (SET
	// MAX, SET ACCESSIBLE MAX, DCO RESTORE).
	FakeSuccess map[string]bool
	// FreezeOn freezes security just before the named command runs.
	FreezeOn map[string]bool
	// EraseFailAt (0 < f < 1) makes ERASE UNIT erase that fraction of the
	// medium and then abort.
	EraseFailAt float64
	// EraseUnitTime is how long ERASE UNIT takes; if the command's timeout
	// is shorter, the command times out (host DID_TIME_OUT) after erasing
	// half the medium, and security stays enabled.
	EraseUnitTime time.Duration
	// SanitizeFailAt (0 < f < 1) makes a sanitize operation fail (SD3)
	// once its progress reaches f, after erasing that fraction.
	SanitizeFailAt float64
	// SanitizePolls is the number of SANITIZE STATUS EXT polls a sanitize
	// takes (default 3).
	SanitizePolls int
	// RejectPassThrough makes the "SATL" refuse ATA PASS-THROUGH with
	// ILLEGAL REQUEST 24h/00h, as USB bridges without SAT do.
	RejectPassThrough bool
	// DropWrites makes the medium acknowledge host writes without storing
	// them (a failing flash, a bridge or cache that lies).
	DropWrites bool
	// WriteProtect makes the medium refuse host writes with ErrWriteProtected
	// (an SSD in its read-only end-of-life mode).
	WriteProtect bool
}

// ATA command names used in Faults and the log.
const (
	OpIdentify          = "IDENTIFY DEVICE"
	OpSetPassword       = "SECURITY SET PASSWORD"
	OpUnlock            = "SECURITY UNLOCK"
	OpErasePrepare      = "SECURITY ERASE PREPARE"
	OpEraseUnit         = "SECURITY ERASE UNIT"
	OpFreezeLock        = "SECURITY FREEZE LOCK"
	OpDisablePassword   = "SECURITY DISABLE PASSWORD"
	OpSanitizeStatus    = "SANITIZE STATUS EXT"
	OpCryptoScramble    = "SANITIZE CRYPTO SCRAMBLE EXT"
	OpBlockErase        = "SANITIZE BLOCK ERASE EXT"
	OpOverwrite         = "SANITIZE OVERWRITE EXT"
	OpSanitizeFreeze    = "SANITIZE FREEZE LOCK EXT"
	OpSanitizeAntifrz   = "SANITIZE ANTIFREEZE LOCK EXT"
	OpReadNativeMaxExt  = "READ NATIVE MAX ADDRESS EXT"
	OpReadNativeMax     = "READ NATIVE MAX ADDRESS"
	OpSetMaxExt         = "SET MAX ADDRESS EXT"
	OpSetMax            = "SET MAX ADDRESS"
	OpGetNativeMax      = "GET NATIVE MAX ADDRESS EXT"
	OpSetAccessibleMax  = "SET ACCESSIBLE MAX ADDRESS EXT"
	OpFreezeAccessible  = "FREEZE ACCESSIBLE MAX ADDRESS EXT"
	OpDCOIdentify       = "DEVICE CONFIGURATION IDENTIFY"
	OpDCORestore        = "DEVICE CONFIGURATION RESTORE"
	OpDCOFreeze         = "DEVICE CONFIGURATION FREEZE LOCK"
	OpDCOSet            = "DEVICE CONFIGURATION SET"
	OpSMARTReadData     = "SMART READ DATA"
	OpSMARTThresholds   = "SMART READ THRESHOLDS"
	OpSMARTReturnStatus = "SMART RETURN STATUS"
	OpTrustedReceive    = "TRUSTED RECEIVE"
	OpTrustedSend       = "TRUSTED SEND"
)

// Entry is one command the drive received.
type Entry struct {
	Name    string // ATA command name, or the SCSI command name
	CDB     []byte
	Timeout time.Duration
	DataOut []byte
	Result  string // "ok" or the error given
}

// Sanitize states (ACS-3).
type sanState int

const (
	sd0Idle sanState = iota
	sd2InProgress
	sd3Failed
	sd4Succeeded
)

type sanOp struct {
	name        string
	feature     uint16
	failureMode bool
	pattern     uint32
	passes      int
	invert      bool
	fake        bool
}

// Drive is an emulated SATA drive behind a SATL.
type Drive struct {
	mu     sync.Mutex
	cfg    Config
	Faults Faults
	f      *os.File
	lss    int

	// security
	userPW, masterPW        []byte // nil: none
	enabled, locked, frozen bool
	attempts                int
	expired                 bool
	masterMax               bool
	prepared                bool
	masterID                uint16

	// sanitize
	san        sanState
	sanOp      sanOp
	sanPolls   int
	sanOK      bool // last sanitize completed without error
	sanFrozen  bool
	antifreeze bool
	failExit   bool // the failed op allowed exit via CLEAR

	// addresses (max LBAs)
	factoryMax, dcoMax, curMax, nvMax uint64
	dcoFrozen, amaFrozen              bool
	lastReadNative                    bool

	smartEnabled bool
	rng          *rand.Rand
	log          []Entry
	powerCycles  int
}

// New creates a drive over a new file at path (created or truncated to the
// factory capacity, zero-filled; callers write their own data through
// Media or WriteRaw).
func New(path string, cfg Config) (*Drive, error) {
	if cfg.Sectors == 0 {
		return nil, fmt.Errorf("atatest: Sectors must be set")
	}
	if cfg.LogicalSectorSize == 0 {
		cfg.LogicalSectorSize = 512
	}
	if cfg.LogicalSectorSize != 512 && cfg.LogicalSectorSize != 4096 {
		return nil, fmt.Errorf("atatest: logical sector size %d unsupported", cfg.LogicalSectorSize)
	}
	if cfg.PhysicalSectorSize == 0 {
		cfg.PhysicalSectorSize = cfg.LogicalSectorSize
	}
	if cfg.No48Bit && cfg.Sectors > 0x0FFFFFFF {
		return nil, fmt.Errorf("atatest: a 28-bit drive holds at most 0x0FFFFFFF sectors")
	}
	if cfg.DCOSectors+cfg.HPASectors >= cfg.Sectors {
		return nil, fmt.Errorf("atatest: hidden areas cover the whole drive")
	}
	if cfg.ErrorLayout == 0 {
		cfg.ErrorLayout = scsi.ATAFixedLibata
	}
	if cfg.SuccessLayout == 0 {
		cfg.SuccessLayout = scsi.ATADescriptor
	}
	if cfg.Model == "" {
		cfg.Model = "KESU EMULATED ATA"
	}
	if cfg.Serial == "" {
		cfg.Serial = "EMU0000001"
	}
	if cfg.Firmware == "" {
		cfg.Firmware = "1.0"
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, err
	}
	if err := f.Truncate(int64(cfg.Sectors) * int64(cfg.LogicalSectorSize)); err != nil {
		f.Close()
		return nil, err
	}
	d := &Drive{cfg: cfg, f: f, lss: cfg.LogicalSectorSize, masterID: 0xFFFE,
		rng: rand.New(rand.NewPCG(cfg.CryptoSeed, 0x6b657375))}
	if cfg.MasterPassword != "" {
		d.masterPW = padPassword([]byte(cfg.MasterPassword))
	}
	d.masterMax = cfg.MasterMaximum
	d.factoryMax = cfg.Sectors - 1
	d.dcoMax = d.factoryMax - cfg.DCOSectors
	d.curMax = d.dcoMax - cfg.HPASectors
	d.nvMax = d.curMax
	d.smartEnabled = cfg.SMART && !cfg.SMARTDisabled
	d.powerOn()
	if cfg.TPer != nil {
		cfg.TPer.Attach(f, int64(cfg.Sectors)*int64(cfg.LogicalSectorSize))
	}
	return d, nil
}

func padPassword(p []byte) []byte {
	b := make([]byte, 32)
	copy(b, p)
	return b
}

// Close closes the backing file.
func (d *Drive) Close() error { return d.f.Close() }

// File returns the backing file (for tests that inspect the raw medium).
func (d *Drive) File() *os.File { return d.f }

// Name returns the drive's model and serial.
func (d *Drive) Name() string { return d.cfg.Model + " " + d.cfg.Serial }

func (d *Drive) powerOn() {
	d.locked = d.enabled
	d.frozen = d.cfg.FreezeAtPowerOn
	d.attempts = 5
	d.expired = false
	d.prepared = false
	d.sanFrozen = false
	d.antifreeze = false
	d.curMax = d.nvMax
	d.dcoFrozen, d.amaFrozen = false, false
	d.lastReadNative = false
}

// PowerCycle emulates power off and on: security locks if enabled, freezes
// and counters reset, a volatile max address reverts.
func (d *Drive) PowerCycle() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.powerCycles++
	d.powerOn()
}

// Freeze freezes security now (what a BIOS does with SECURITY FREEZE LOCK).
func (d *Drive) Freeze() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.frozen = true
}

// FreezeSanitize freezes the sanitize feature set now.
func (d *Drive) FreezeSanitize() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.sanFrozen = true
}

// SetUserPassword enables security with pw as if someone had set it
// earlier (test setup).
func (d *Drive) SetUserPassword(pw string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.userPW = padPassword([]byte(pw))
	d.enabled = true
}

// Log returns the commands received so far.
func (d *Drive) Log() []Entry {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]Entry(nil), d.log...)
}

// ResetLog clears the command log.
func (d *Drive) ResetLog() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.log = nil
}

// State is a snapshot of the drive's state machines, for assertions.
type State struct {
	SecurityEnabled, Locked, Frozen, CountExpired bool
	UserPassword                                  string
	Sanitize                                      string // "SD0", "SD2", "SD3", "SD4"
	SanitizeFrozen                                bool
	CurrentMax, NativeMax, FactoryMax             uint64
}

// State returns a snapshot.
func (d *Drive) State() State {
	d.mu.Lock()
	defer d.mu.Unlock()
	s := State{SecurityEnabled: d.enabled, Locked: d.locked, Frozen: d.frozen, CountExpired: d.expired,
		SanitizeFrozen: d.sanFrozen, CurrentMax: d.curMax, NativeMax: d.dcoMax, FactoryMax: d.factoryMax}
	if d.userPW != nil {
		s.UserPassword = trimPW(d.userPW)
	}
	s.Sanitize = [...]string{"SD0", "SD2", "SD3", "SD4"}[d.san]
	return s
}

func trimPW(b []byte) string {
	n := 0
	for n < len(b) && b[n] != 0 {
		n++
	}
	return string(b[:n])
}

// Exec implements scsi.Transport.
func (d *Drive) Exec(ctx context.Context, cmd *scsi.Command) (*scsi.Response, error) {
	if err := cmd.Validate(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	e := Entry{CDB: append([]byte(nil), cmd.CDB...), Timeout: cmd.Timeout}
	if cmd.Dir == scsi.DirToDevice {
		e.DataOut = append([]byte(nil), cmd.Data...)
	}
	resp := d.dispatch(cmd, &e)
	if e.Result == "" {
		e.Result = "ok"
	}
	d.log = append(d.log, e)
	return resp, nil
}

func (d *Drive) dispatch(cmd *scsi.Command, e *Entry) *scsi.Response {
	if r, ok := d.blockCommand(cmd, e); ok {
		return r
	}
	switch cmd.CDB[0] {
	case scsi.OpATAPassThru16, scsi.OpATAPassThru12:
		return d.passThrough(cmd, e)
	case scsi.OpInquiry:
		e.Name = "INQUIRY"
		return d.inquiry(cmd, e)
	case scsi.OpServiceIn16:
		if len(cmd.CDB) == 16 && cmd.CDB[1]&0x1f == 0x10 {
			e.Name = "READ CAPACITY(16)"
			return d.readCapacity(cmd)
		}
	case scsi.OpTestUnitReady:
		e.Name = "TEST UNIT READY"
		return &scsi.Response{Status: scsi.StatusGood}
	case scsi.OpRequestSense:
		e.Name = "REQUEST SENSE"
		// libata simulates REQUEST SENSE as "no sense" (ata_scsiop_...).
		fill(cmd, fixedNoSense())
		return &scsi.Response{Status: scsi.StatusGood}
	case scsi.OpSecurityProtocolIn, scsi.OpSecurityProtocolOut:
		if d.cfg.TPer != nil {
			return d.securityProtocol(cmd, e)
		}
		e.Name = "SECURITY PROTOCOL IN"
		if cmd.CDB[0] == scsi.OpSecurityProtocolOut {
			e.Name = "SECURITY PROTOCOL OUT"
		}
	}
	if e.Name == "" {
		e.Name = fmt.Sprintf("opcode %02Xh", cmd.CDB[0])
	}
	e.Result = "ILLEGAL REQUEST 20/00"
	return checkFixed(scsi.KeyIllegalRequest, 0x20, 0x00)
}

// blockCommand is the SATL's translation of READ(16), WRITE(16) and
// SYNCHRONIZE CACHE(10) (SAT-4 9.x) to the medium: past the max address
// ILLEGAL REQUEST 21h/00h, a write-protected medium DATA PROTECT 27h/00h,
// and ABORTED COMMAND for a drive that aborts the command (security
// locked, a locked TCG range, sanitizing, in the sanitize failure state).
func (d *Drive) blockCommand(cmd *scsi.Command, e *Entry) (*scsi.Response, bool) {
	err := d.Media().Region.BlockCommand(cmd, d.lss)
	switch {
	case errors.Is(err, filemedia.ErrNotBlockCommand):
		return nil, false
	}
	switch cmd.CDB[0] {
	case scsi.OpRead16:
		e.Name = "READ(16)"
	case scsi.OpWrite16:
		e.Name = "WRITE(16)"
	default:
		e.Name = "SYNCHRONIZE CACHE(10)"
	}
	switch {
	case err == nil:
		return &scsi.Response{Status: scsi.StatusGood}, true
	case errors.Is(err, ErrBeyondMax):
		e.Result = "ILLEGAL REQUEST 21/00"
		return checkFixed(scsi.KeyIllegalRequest, 0x21, 0x00), true
	case errors.Is(err, ErrWriteProtected):
		e.Result = "DATA PROTECT 27/00"
		return checkFixed(scsi.KeyDataProtect, 0x27, 0x00), true
	}
	e.Result = "ABORTED COMMAND: " + err.Error()
	return checkFixed(scsi.KeyAbortedCommand, 0x00, 0x00), true
}

func fixedNoSense() []byte {
	b := make([]byte, 18)
	b[0], b[7] = 0x70, 0x0A
	return b
}

func fill(cmd *scsi.Command, data []byte) int {
	if cmd.Dir != scsi.DirFromDevice {
		return 0
	}
	return copy(cmd.Data, data)
}

func checkFixed(key, asc, ascq byte) *scsi.Response {
	b := make([]byte, 18)
	b[0], b[2], b[7], b[12], b[13] = 0x70, key, 0x0A, asc, ascq
	return &scsi.Response{Status: scsi.StatusCheckCondition, DriverStatus: 0x08, Sense: b}
}
