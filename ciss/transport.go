// Package ciss reaches the drives behind HPE Smart Array and Microchip
// SmartPQI controllers through CISS pass-through.
//
// CISS (Command Interface for SCSI-3 Support) is the command interface of
// HP/HPE Smart Array controllers, kept by Microchip's SmartPQI/SmartRAID
// parts. Linux drives them with hpsa (older Smart Array) and smartpqi
// (Gen10 and later). Both accept the CCISS_PASSTHRU ioctl
// (include/uapi/linux/cciss_ioctl.h) on any SCSI device node of the
// controller's host, normally the controller's own /dev/sgN (hpsa(4): "the
// RAID controller via the SCSI generic driver"): the ioctl carries an 8-byte
// LUN address, a CDB and one data buffer, and returns the controller's
// command status, the SCSI status and sense. Addressed to the controller
// (LUN zero) it runs CISS commands: REPORT PHYSICAL/LOGICAL LUNS (C3h/C2h)
// and BMIC commands such as IDENTIFY PHYSICAL DEVICE (BMIC READ 26h, 15h).
// Addressed to a physical device's LUN it passes a SCSI command through to
// that drive, including drives the controller hides inside logical drives.
//
// Layers, as in package scsi: pure CDB builders and decoders (cdb.go), the
// ioctl in one file (ioctl_linux.go, with a stub elsewhere), the Transport
// interface at the ioctl boundary, and Controller on top, whose Passthrough
// turns a physical drive into a scsi.Transport. ciss/cisstest emulates a
// controller behind the same interface.
//
// What is unproven without the hardware: no emulator of the real firmware
// exists anywhere, so every encoding here rests on the kernel's headers and
// drivers (cciss_defs.h, cciss_ioctl.h, hpsa_cmd.h, hpsa.c, smartpqi.h,
// smartpqi_init.c), checked against smartmontools' cciss.cpp and FreeBSD's
// cissreg.h, and on layouts compiled with gcc from the uapi header. In
// particular these have never been seen answered by a real controller: the
// BMIC allocation-length bytes (hpsa and smartpqi disagree; we follow
// smartpqi and FreeBSD), the drive-number split across CDB bytes 2 and 9
// for more than 256 drives, whether pass-through to a hidden (masked)
// physical drive is accepted for every command, the request timeout (hpsa
// hands it to the firmware, smartpqi only when the firmware advertises
// it), and which command status a pulled drive really produces (hpsa's
// comments say CMD_INVALID).
package ciss

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kesu-erase/kesu/scsi"
)

// Request is one CISS command. The first five fields are the input; the
// rest is what the controller returned, valid when Exec returned nil.
type Request struct {
	LUN LUN
	// CDB is 1 to 16 bytes (RequestBlock_struct CDB[16]).
	CDB []byte
	Dir scsi.Direction
	// Data is the data-in or data-out buffer; its length is the transfer
	// length.
	Data []byte
	// Timeout must be positive. It is sent in whole seconds, rounded up,
	// at most 65535 (RequestBlock_struct Timeout is 16 bits; 0 would mean
	// "never time out", which we never ask for).
	Timeout time.Duration

	CommandStatus uint16 // ErrorInfo_struct CommandStatus, CmdSuccess...
	ScsiStatus    byte   // SAM status from the target
	Sense         []byte // up to 32 bytes (SENSEINFOBYTES)
	// Resid is the residual count. smartpqi never fills it
	// (smartpqi_init.c pqi_passthru_ioctl zeroes error_info), so it reads
	// 0 there even for an underrun.
	Resid int
}

// Transport executes CISS commands on one controller.
type Transport interface {
	// Exec runs r and fills its output fields. It returns an error only
	// when the command could not be issued (the ioctl failed); a command
	// the controller or the drive failed is reported in r.CommandStatus,
	// r.ScsiStatus and r.Sense.
	Exec(ctx context.Context, r *Request) error
}

// Limits of one request.
const (
	// MaxCDBLen is RequestBlock_struct CDB[16].
	MaxCDBLen = 16
	// MaxTransfer is the largest buffer CCISS_PASSTHRU carries: buf_size
	// is a 16-bit WORD in IOCTL_Command_struct, and it is the only
	// pass-through smartpqi implements.
	MaxTransfer = 0xFFFF
	// MaxBigTransfer is the largest CCISS_BIG_PASSTHRU buffer hpsa accepts:
	// malloc_size at most MAX_KMALLOC_SIZE (128000, cciss_ioctl.h) times
	// SG_ENTRIES_IN_CMD (32, hpsa_cmd.h) chunks. smartpqi rejects the
	// ioctl (pqi_ioctl: -EINVAL), which Node reports as ErrUnsupported.
	MaxBigTransfer = 128000 * 32
)

// Validate checks what every transport relies on.
func (r *Request) Validate() error {
	switch {
	case len(r.CDB) == 0 || len(r.CDB) > MaxCDBLen:
		return fmt.Errorf("%w: CDB length %d not in 1..%d", scsi.ErrBadCommand, len(r.CDB), MaxCDBLen)
	case r.Timeout <= 0:
		return fmt.Errorf("%w: timeout must be positive", scsi.ErrBadCommand)
	case r.Dir < scsi.DirNone || r.Dir > scsi.DirToDevice:
		return fmt.Errorf("%w: invalid direction", scsi.ErrBadCommand)
	case r.Dir == scsi.DirNone && len(r.Data) != 0:
		return fmt.Errorf("%w: data buffer without a direction", scsi.ErrBadCommand)
	case r.Dir != scsi.DirNone && len(r.Data) == 0:
		return fmt.Errorf("%w: data direction without a buffer", scsi.ErrBadCommand)
	case len(r.Data) > MaxBigTransfer:
		return fmt.Errorf("%w: %d bytes exceed %d", scsi.ErrBadCommand, len(r.Data), MaxBigTransfer)
	}
	return nil
}

// Command status values (include/uapi/linux/cciss_defs.h; hpsa_cmd.h adds
// 0Dh and 0Eh; smartpqi.h CISS_CMD_STATUS_* and FreeBSD cissreg.h agree).
const (
	CmdSuccess          = 0x0000
	CmdTargetStatus     = 0x0001
	CmdDataUnderrun     = 0x0002
	CmdDataOverrun      = 0x0003
	CmdInvalid          = 0x0004
	CmdProtocolErr      = 0x0005
	CmdHardwareErr      = 0x0006
	CmdConnectionLost   = 0x0007
	CmdAborted          = 0x0008
	CmdAbortFailed      = 0x0009
	CmdUnsolicitedAbort = 0x000A
	CmdTimeout          = 0x000B
	CmdUnabortable      = 0x000C
	CmdTMFStatus        = 0x000D
	CmdIOAccelDisabled  = 0x000E
)

// StatusText names a command status.
func StatusText(cs uint16) string {
	switch cs {
	case CmdSuccess:
		return "success"
	case CmdTargetStatus:
		return "target status"
	case CmdDataUnderrun:
		return "data underrun"
	case CmdDataOverrun:
		return "data overrun"
	case CmdInvalid:
		return "invalid command"
	case CmdProtocolErr:
		return "protocol error"
	case CmdHardwareErr:
		return "hardware error"
	case CmdConnectionLost:
		return "connection lost"
	case CmdAborted:
		return "aborted"
	case CmdAbortFailed:
		return "abort failed"
	case CmdUnsolicitedAbort:
		return "unsolicited abort"
	case CmdTimeout:
		return "timeout"
	case CmdUnabortable:
		return "unabortable"
	case CmdTMFStatus:
		return "task management status"
	case CmdIOAccelDisabled:
		return "I/O accelerator disabled"
	}
	return fmt.Sprintf("command status %#04x", cs)
}

// Sentinel errors; a *StatusError (or a Node's ioctl error) wraps one.
var (
	// ErrRefused: the controller would not run the command (CMD_INVALID on
	// a device it still reports, CMD_TMF_STATUS, CMD_IOACCEL_DISABLED).
	ErrRefused = fmt.Errorf("ciss: controller refused the command: %w", scsi.ErrControllerRefused)
	// ErrDeviceGone: the drive is no longer reachable (CMD_CONNECTION_LOST;
	// CMD_INVALID for a LUN the controller no longer reports, which hpsa.c
	// documents as what a pulled drive answers; target status with SCSI
	// status 0, which hpsa treats as a selection timeout).
	ErrDeviceGone = errors.New("ciss: device gone")
	// ErrUnsupported: the node's driver does not do this ioctl (ENOTTY,
	// EINVAL: not a CISS host, or CCISS_BIG_PASSTHRU on smartpqi).
	ErrUnsupported = errors.New("ciss: pass-through not supported here")
	// ErrTimeout: CMD_TIMEOUT.
	ErrTimeout = errors.New("ciss: command timed out in the controller")
	// ErrAborted: CMD_ABORTED, CMD_UNSOLICITED_ABORT.
	ErrAborted = errors.New("ciss: command aborted")
	// ErrOverrun: CMD_DATA_OVERRUN (the device had more data than the
	// buffer).
	ErrOverrun = errors.New("ciss: data overrun")
	// ErrControllerFault: CMD_PROTOCOL_ERR, CMD_HARDWARE_ERR,
	// CMD_ABORT_FAILED, CMD_UNABORTABLE and unknown statuses.
	ErrControllerFault = errors.New("ciss: controller error")
)

// Sentinel classifies a command status that is not a success: CMD_INVALID
// maps to ErrRefused here; Controller.Passthrough turns it into
// ErrDeviceGone when the LUN has left the controller's report.
func Sentinel(cs uint16) error {
	switch cs {
	case CmdInvalid, CmdTMFStatus, CmdIOAccelDisabled:
		return ErrRefused
	case CmdConnectionLost:
		return ErrDeviceGone
	case CmdTimeout:
		return ErrTimeout
	case CmdAborted, CmdUnsolicitedAbort:
		return ErrAborted
	case CmdDataOverrun:
		return ErrOverrun
	}
	return ErrControllerFault
}

// StatusError reports a CISS command that did not succeed.
type StatusError struct {
	Op            string // e.g. "REPORT PHYSICAL LUNS", "pass-through INQUIRY"
	LUN           LUN
	CommandStatus uint16
	ScsiStatus    byte
	Sense         []byte
	Err           error // a sentinel
}

func (e *StatusError) Error() string {
	msg := fmt.Sprintf("ciss: LUN %s: %s: %s", e.LUN, e.Op, StatusText(e.CommandStatus))
	if e.ScsiStatus != 0 {
		msg += fmt.Sprintf(", SCSI status %#02x", e.ScsiStatus)
	}
	if len(e.Sense) > 0 {
		if s, err := scsi.ParseSense(e.Sense); err == nil {
			msg += ", " + s.String()
		}
	}
	return msg + ": " + e.Err.Error()
}

func (e *StatusError) Unwrap() error { return e.Err }

func statusError(op string, r *Request, err error) *StatusError {
	return &StatusError{
		Op:            op,
		LUN:           r.LUN,
		CommandStatus: r.CommandStatus,
		ScsiStatus:    r.ScsiStatus,
		Sense:         append([]byte(nil), r.Sense...),
		Err:           err,
	}
}
