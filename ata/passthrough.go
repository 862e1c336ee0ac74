// Package ata speaks ATA to SATA drives through SAT ATA PASS-THROUGH(16)
// over a scsi.Transport: IDENTIFY DEVICE decoding, the Security feature set
// (SET PASSWORD, ERASE PREPARE/UNIT, UNLOCK, DISABLE PASSWORD), SANITIZE
// DEVICE, hidden-area detection and restore (HPA, DCO, Accessible Max
// Address) and SMART.
//
// Builders and decoders are pure; Device.Exec is the only place that sends
// a command, and it decides success from the ATA STATUS and ERROR registers
// the SATL returns, not from the SCSI sense key alone.
package ata

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kesu-erase/kesu/scsi"
)

// Protocol is the ATA PASS-THROUGH PROTOCOL field (SAT-3 table 140).
type Protocol byte

// Protocols used here.
const (
	ProtoNonData Protocol = 3
	ProtoPIOIn   Protocol = 4
	ProtoPIOOut  Protocol = 5
)

// SectorSize is the ATA data-block size for PIO transfers (T_TYPE=0).
const SectorSize = 512

// Command is one ATA command as ATA PASS-THROUGH(16) carries it.
type Command struct {
	Name     string // for messages and records, e.g. "SECURITY ERASE UNIT"
	Opcode   byte
	Features uint16
	Count    uint16
	LBA      uint64
	Device   byte // 40h (LBA mode) unless a command needs otherwise
	Protocol Protocol
	// Extend marks a 48-bit (…EXT) command: the EXTEND bit is set and the
	// upper register bytes are sent. For 28-bit commands LBA(27:24) goes in
	// DEVICE(3:0) as ACS requires.
	Extend bool
	// CheckCondition sets CK_COND so the SATL returns the output registers
	// even on success. hdparm sets it for every non-data command; so do we.
	CheckCondition bool
	// Data is the PIO data-in buffer or data-out block (Count × 512 bytes).
	Data    []byte
	Timeout time.Duration
}

// CDB encodes the command as ATA PASS-THROUGH(16) (SAT-3 12.2.2; hdparm
// sgio.c, smartmontools scsiata.cpp):
//
//	byte 1: MULTIPLE_COUNT(7:5)=0 | PROTOCOL(4:1) | EXTEND(0)
//	byte 2: OFF_LINE(7:6)=0 | CK_COND(5) | T_TYPE(4)=0 (512-byte blocks) |
//	        T_DIR(3) (1 = from device) | BYT_BLOK(2)=1 | T_LENGTH(1:0)=2 (COUNT)
//	bytes 3–14: FEATURES, COUNT, LBA as (15:8, 7:0) pairs, DEVICE, COMMAND.
func (c *Command) CDB() []byte {
	cdb := make([]byte, 16)
	cdb[0] = scsi.OpATAPassThru16
	cdb[1] = byte(c.Protocol) << 1
	if c.Extend {
		cdb[1] |= 0x01
	}
	switch c.Protocol {
	case ProtoPIOIn:
		cdb[2] = 0x08 | 0x04 | 0x02
	case ProtoPIOOut:
		cdb[2] = 0x04 | 0x02
	}
	if c.CheckCondition {
		cdb[2] |= 0x20
	}
	dev := c.Device
	lba := c.LBA
	if c.Extend {
		cdb[3] = byte(c.Features >> 8)
		cdb[5] = byte(c.Count >> 8)
		cdb[7] = byte(lba >> 24)
		cdb[9] = byte(lba >> 32)
		cdb[11] = byte(lba >> 40)
	} else {
		dev = dev&0xf0 | byte(lba>>24)&0x0f
	}
	cdb[4] = byte(c.Features)
	cdb[6] = byte(c.Count)
	cdb[8] = byte(lba)
	cdb[10] = byte(lba >> 8)
	cdb[12] = byte(lba >> 16)
	cdb[13] = dev
	cdb[14] = c.Opcode
	return cdb
}

func (c *Command) scsiCommand() *scsi.Command {
	sc := &scsi.Command{CDB: c.CDB(), Timeout: c.Timeout}
	switch c.Protocol {
	case ProtoPIOIn:
		sc.Dir, sc.Data = scsi.DirFromDevice, c.Data
	case ProtoPIOOut:
		sc.Dir, sc.Data = scsi.DirToDevice, c.Data
	}
	return sc
}

// Sentinel errors of this package. Transport-level failures wrap
// scsi.ErrTransport or scsi.ErrTimeout.
var (
	// ErrAborted: the device completed the command with ERR and ABRT.
	ErrAborted = errors.New("ATA command aborted by the device")
	// ErrDeviceFault: STATUS.DF was set.
	ErrDeviceFault = errors.New("ATA device fault")
	// ErrDeviceError: ERR set without ABRT (e.g. UNC, IDNF).
	ErrDeviceError = errors.New("ATA device error")
	// ErrPassThroughRejected: the SCSI layer (SATL, USB bridge, virtual
	// disk) refused the ATA PASS-THROUGH CDB itself; no ATA registers came
	// back. It is reported together with ErrUnsupported.
	ErrPassThroughRejected = errors.New("ATA PASS-THROUGH rejected by the SCSI layer")
	// ErrUnsupported: the device does not support the feature or command.
	ErrUnsupported = errors.New("not supported by the device")
	// ErrNoRegisters: the command needed its output registers but the
	// SATL returned none (or not the 48-bit ones).
	ErrNoRegisters = errors.New("no ATA output registers returned")
	// ErrFrozen: security or sanitize is frozen (by firmware at boot); a
	// power cycle (suspend-to-RAM, hot re-plug) clears it.
	ErrFrozen = errors.New("frozen")
	// ErrLocked: security is enabled and the drive is locked.
	ErrLocked = errors.New("security locked")
	// ErrSecurityEnabled: a password is already set by someone else.
	ErrSecurityEnabled = errors.New("security already enabled (password set)")
	// ErrCountExpired: five wrong passwords; password commands are refused
	// until a power cycle.
	ErrCountExpired = errors.New("security password attempt count expired")
	// ErrAntifreeze: SANITIZE ANTIFREEZE LOCK is in effect.
	ErrAntifreeze = errors.New("sanitize antifreeze lock active")
	// ErrSanitizeFailed: the device is in the Sanitize Operation Failed
	// state (SD3).
	ErrSanitizeFailed = errors.New("sanitize operation failed")
	// ErrSanitizeInProgress: a sanitize is already running.
	ErrSanitizeInProgress = errors.New("sanitize in progress")
	// ErrNotRecorded: the caller's record function failed, so no password
	// was set.
	ErrNotRecorded = errors.New("password could not be recorded")
	// ErrVerify: the device reported success but its state afterwards
	// contradicts it (e.g. security still enabled after ERASE UNIT).
	ErrVerify = errors.New("device state does not confirm the command")
)

// Status is what came back for an ATA command.
type Status struct {
	// Registers are the ATA output registers, nil if none were returned.
	Registers *scsi.ATARegisters
	SCSI      scsi.Status
}

func (s Status) String() string {
	if s.Registers != nil {
		return s.Registers.String() + "; " + s.SCSI.String()
	}
	return s.SCSI.String()
}

// CommandError reports a failed ATA command.
type CommandError struct {
	Op     string
	Dev    string
	Status Status
	Err    error
}

func (e *CommandError) Error() string {
	return fmt.Sprintf("%s: %s: %v [%s]", e.Dev, e.Op, e.Err, e.Status)
}

func (e *CommandError) Unwrap() error { return e.Err }

// Result is a successful command's outcome.
type Result struct {
	// Registers holds the output registers when HaveRegisters is set.
	Registers     scsi.ATARegisters
	HaveRegisters bool
	SCSI          scsi.Status
	Duration      time.Duration
}

// Device sends ATA commands to one drive through a SCSI transport.
type Device struct {
	T     scsi.Transport
	Name  string
	Clock scsi.Clock // nil means scsi.SystemClock
}

// NewDevice returns a Device for t named name.
func NewDevice(t scsi.Transport, name string) *Device { return &Device{T: t, Name: name} }

func (d *Device) clock() scsi.Clock {
	if d.Clock == nil {
		return scsi.SystemClock{}
	}
	return d.Clock
}

// Exec sends c and interprets the outcome:
//   - transport failure, timeout or host error: *CommandError wrapping
//     scsi.ErrTransport / scsi.ErrTimeout;
//   - ATA registers returned (any sense layout): success unless STATUS
//     shows ERR, DF, BSY or DRQ; then ErrAborted (ERR+ABRT), ErrDeviceFault
//     or ErrDeviceError, whatever the sense key says;
//   - CHECK CONDITION without registers: RECOVERED ERROR / NO SENSE is
//     success; ILLEGAL REQUEST invalid opcode/field means the SATL rejected
//     the CDB (ErrPassThroughRejected + ErrUnsupported); other keys map to
//     the scsi sentinels.
func (d *Device) Exec(ctx context.Context, c *Command) (*Result, error) {
	if c.Timeout <= 0 {
		return nil, &CommandError{Op: c.Name, Dev: d.Name, Err: scsi.ErrBadCommand}
	}
	resp, err := d.T.Exec(ctx, c.scsiCommand())
	if err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return nil, &CommandError{Op: c.Name, Dev: d.Name, Err: err}
		}
		return nil, &CommandError{Op: c.Name, Dev: d.Name, Err: fmt.Errorf("%w: %w", scsi.ErrTransport, err)}
	}
	res, st, err := Interpret(resp, c.Protocol == ProtoPIOIn, len(c.Data))
	if err != nil {
		return nil, &CommandError{Op: c.Name, Dev: d.Name, Status: st, Err: err}
	}
	return res, nil
}

// Interpret applies Exec's outcome rules (above) to the response of an ATA
// PASS-THROUGH command: dataIn says it was a PIO data-in command of dataLen
// bytes, whose data must have arrived whole. On failure the error is one of
// the sentinels (not a CommandError) and st says what came back.
func Interpret(resp *scsi.Response, dataIn bool, dataLen int) (res *Result, st Status, err error) {
	sst := scsi.StatusOf(resp)
	res = &Result{SCSI: sst, Duration: resp.Duration}
	fail := func(e error) (*Result, Status, error) {
		s := Status{SCSI: sst}
		if res.HaveRegisters {
			r := res.Registers
			s.Registers = &r
		}
		return nil, s, e
	}
	if resp.TimedOut() {
		return fail(scsi.ErrTimeout)
	}
	if resp.HostStatus != scsi.HostOK {
		return fail(scsi.ErrTransport)
	}
	// A data-in command that moved fewer bytes than asked for did not
	// return the data its decoder will read.
	short := func() bool { return dataIn && resp.Resid != 0 }
	if !resp.CheckCondition() {
		if resp.Status != scsi.StatusGood {
			return fail(scsi.Classify(resp))
		}
		if short() {
			return fail(fmt.Errorf("%w: %d of %d data bytes not transferred", scsi.ErrTransport, resp.Resid, dataLen))
		}
		return res, Status{SCSI: sst}, nil
	}
	if sst.Sense == nil || sst.Sense.ResponseCode == 0 {
		return fail(fmt.Errorf("%w: CHECK CONDITION without usable sense", scsi.ErrCheckCondition))
	}
	if regs, ok := scsi.ATARegistersFromSense(sst.Sense); ok {
		res.Registers, res.HaveRegisters = regs, true
		switch {
		case regs.Status&scsi.ATAStatusDF != 0:
			return fail(ErrDeviceFault)
		case regs.Aborted():
			return fail(ErrAborted)
		case regs.Failed():
			return fail(ErrDeviceError)
		case sst.Sense.Key != scsi.KeyNoSense && sst.Sense.Key != scsi.KeyRecoveredError:
			// libata builds error sense from the command's err_mask
			// (timeout, HSM violation, bus error) even when STATUS is
			// clean (libata-scsi.c ata_gen_passthru_sense): the command
			// failed whatever the registers say.
			return fail(fmt.Errorf("%w: sense key %#x with a clean STATUS %#02x", ErrDeviceError, sst.Sense.Key, regs.Status))
		case short():
			return fail(fmt.Errorf("%w: %d of %d data bytes not transferred", scsi.ErrTransport, resp.Resid, dataLen))
		}
		r := res.Registers
		return res, Status{SCSI: sst, Registers: &r}, nil
	}
	serr := scsi.SenseError(sst.Sense)
	switch {
	case serr == nil:
		return res, Status{SCSI: sst}, nil
	case errors.Is(serr, scsi.ErrUnsupported):
		return fail(fmt.Errorf("%w (%w)", ErrPassThroughRejected, ErrUnsupported))
	}
	return fail(serr)
}

// needRegisters returns the registers or ErrNoRegisters.
func (d *Device) needRegisters(c *Command, r *Result, upper bool) (scsi.ATARegisters, error) {
	if !r.HaveRegisters || (upper && !r.Registers.Upper) {
		what := "output registers"
		if upper {
			what = "48-bit output registers (descriptor sense)"
		}
		return scsi.ATARegisters{}, &CommandError{Op: c.Name, Dev: d.Name, Status: Status{SCSI: r.SCSI},
			Err: fmt.Errorf("%w: %s needed", ErrNoRegisters, what)}
	}
	return r.Registers, nil
}

// CommandRecord is one command a flow sent, for the erasure record.
type CommandRecord struct {
	Name     string        `json:"name"`
	CDB      []byte        `json:"cdb"`
	Timeout  time.Duration `json:"timeout"`
	Duration time.Duration `json:"duration"`
	Error    string        `json:"error,omitempty"`
}

// run executes c and appends a record of it to log.
func (d *Device) run(ctx context.Context, log *[]CommandRecord, c *Command) (*Result, error) {
	start := d.clock().Now()
	r, err := d.Exec(ctx, c)
	rec := CommandRecord{Name: c.Name, CDB: c.CDB(), Timeout: c.Timeout, Duration: d.clock().Now().Sub(start)}
	if r != nil && r.Duration > 0 {
		rec.Duration = r.Duration
	}
	if err != nil {
		rec.Error = err.Error()
	}
	if log != nil {
		*log = append(*log, rec)
	}
	return r, err
}
