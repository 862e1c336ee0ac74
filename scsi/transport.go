// Package scsi talks to SCSI, SAS and SATA-behind-SAT devices through the
// Linux SG_IO interface: the ioctl itself (one small file), CDB builders and
// response decoders (INQUIRY and VPD pages, READ CAPACITY(16), SANITIZE,
// FORMAT UNIT, REQUEST SENSE, LOG SENSE), and sense-data decoding for the
// fixed and descriptor formats, including the ATA register layouts a SCSI to
// ATA translation layer (SATL) returns for ATA PASS-THROUGH.
//
// Everything that touches a device goes through the Transport interface so
// that the same code runs against the kernel, a scripted fake
// (scsitest.Script) and emulated drives (scsitest.Drive, atatest.Drive).
package scsi

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kesu-erase/kesu/internal/clock"
)

// Direction is the data-transfer direction of a command.
type Direction int

// Data directions. They map to SG_DXFER_NONE, SG_DXFER_FROM_DEV and
// SG_DXFER_TO_DEV.
const (
	DirNone Direction = iota
	DirFromDevice
	DirToDevice
)

func (d Direction) String() string {
	switch d {
	case DirNone:
		return "none"
	case DirFromDevice:
		return "from-device"
	case DirToDevice:
		return "to-device"
	}
	return "invalid"
}

// Command is one SCSI command to execute.
type Command struct {
	CDB []byte
	Dir Direction
	// Data is the data-in buffer (filled by the device) or the data-out
	// buffer (sent to the device). Its length is the transfer length.
	Data []byte
	// Timeout bounds the command. It must be positive: a zero timeout would
	// let the kernel pick its default, which is never what an erase wants.
	Timeout time.Duration
}

// Response is what the transport reports for a command that reached the
// device (or the host adapter). A Response is returned even when the device
// reports an error; only failures to submit the command at all are returned
// as Go errors by Transport.Exec.
type Response struct {
	// Status is the SAM status byte (0x00 GOOD, 0x02 CHECK CONDITION, ...).
	Status byte
	// HostStatus is the host adapter status (0 = DID_OK, 3 = DID_TIME_OUT).
	HostStatus uint16
	// DriverStatus is the Linux driver status (low nibble 8 = DRIVER_SENSE,
	// 6 = DRIVER_TIMEOUT).
	DriverStatus uint16
	// Sense holds the sense bytes the device returned (sb_len_wr bytes).
	Sense []byte
	// Resid is the number of data bytes not transferred.
	Resid int
	// Underrun is set when the transport reports that less data moved
	// than asked without saying how much (Resid then reads 0): a RAID
	// controller's pass-through that drops the residual (smartpqi).
	Underrun bool
	// Duration is how long the command took as measured by the kernel.
	Duration time.Duration
}

// SAM status values (SAM-5) and Linux host/driver codes used by SG_IO
// (include/scsi/sg.h, drivers/scsi/scsi.h).
const (
	StatusGood           = 0x00
	StatusCheckCondition = 0x02
	StatusBusy           = 0x08
	StatusReservation    = 0x18
	StatusTaskSetFull    = 0x28

	HostOK      = 0x00
	HostTimeOut = 0x03

	driverSense   = 0x08
	driverTimeout = 0x06
)

// CheckCondition reports whether the response carries CHECK CONDITION, by
// any of the three ways SG_IO can signal it (status, masked status or
// DRIVER_SENSE).
func (r *Response) CheckCondition() bool {
	return r.Status == StatusCheckCondition || r.DriverStatus&0x0f == driverSense
}

// TimedOut reports whether the host adapter or the driver timed the command
// out.
func (r *Response) TimedOut() bool {
	return r.HostStatus == HostTimeOut || r.DriverStatus&0x0f == driverTimeout
}

// Transport executes SCSI commands on one device.
type Transport interface {
	// Exec runs cmd and returns the device's response. It returns an error
	// only when the command could not be submitted or completed by the
	// operating system (for example EIO, EINVAL or a closed device); device
	// errors are reported in the Response.
	Exec(ctx context.Context, cmd *Command) (*Response, error)
}

// Seconds16 converts a positive timeout to the 16-bit seconds field of a
// RAID controller's pass-through (MFI frames, CISS requests): rounded up,
// at least 1 (0 would mean the firmware's default, or no timeout at all)
// and at most 0xFFFF, capped rather than wrapped.
func Seconds16(d time.Duration) uint16 {
	s := (d + time.Second - 1) / time.Second
	switch {
	case s < 1:
		return 1
	case s > 0xFFFF:
		return 0xFFFF
	}
	return uint16(s)
}

// ErrControllerRefused is wrapped by a RAID controller's pass-through (MFI,
// CISS) in the error for a command the controller will not pass to the
// drive, so that callers tell a refusal from a failed drive whatever the
// protocol.
var ErrControllerRefused = errors.New("the controller refuses to pass the command to the drive")

// ErrBadCommand is returned by transports for commands that cannot be
// submitted as given (empty CDB, zero timeout, direction without data).
var ErrBadCommand = errors.New("scsi: malformed command")

// Validate checks the parts of a command every transport relies on.
func (c *Command) Validate() error {
	switch {
	case len(c.CDB) == 0 || len(c.CDB) > 255:
		return fmt.Errorf("%w: %s", ErrBadCommand, "CDB length out of range")
	case c.Timeout <= 0:
		return fmt.Errorf("%w: %s", ErrBadCommand, "timeout must be positive")
	case c.Dir == DirNone && len(c.Data) != 0:
		return fmt.Errorf("%w: %s", ErrBadCommand, "data buffer without a direction")
	case c.Dir != DirNone && len(c.Data) == 0:
		return fmt.Errorf("%w: %s", ErrBadCommand, "data direction without a buffer")
	case c.Dir < DirNone || c.Dir > DirToDevice:
		return fmt.Errorf("%w: %s", ErrBadCommand, "invalid direction")
	}
	return nil
}

// Clock is the time source for polling loops, so tests can run them without
// waiting: a fake clock's Sleep returns at once and advances Now.
type Clock = clock.Clock

// SystemClock is the real clock.
type SystemClock = clock.System
