package scsi

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors. A *CommandError wraps one of them (and the transport's
// own error, if any), so callers test with errors.Is.
var (
	// ErrUnsupported: the device rejected the command or one of its fields
	// as not supported (ILLEGAL REQUEST with invalid operation code 20h,
	// invalid field in CDB 24h or in the parameter list 26h).
	ErrUnsupported = errors.New("command not supported by the device")
	// ErrIllegalRequest: any other ILLEGAL REQUEST (e.g. LBA out of range).
	ErrIllegalRequest = errors.New("illegal request")
	// ErrNotReady: NOT READY other than the sanitize/format cases below.
	ErrNotReady = errors.New("device not ready")
	// ErrSanitizeInProgress: NOT READY 04h/1Bh.
	ErrSanitizeInProgress = errors.New("sanitize in progress")
	// ErrFormatInProgress: NOT READY 04h/04h.
	ErrFormatInProgress = errors.New("format in progress")
	// ErrSanitizeFailed: MEDIUM ERROR 31h/03h — the device is in the
	// sanitize failure state until a sanitize succeeds or, if the failed
	// one allowed it (AUSE=1), EXIT FAILURE MODE is sent.
	ErrSanitizeFailed = errors.New("sanitize failed")
	// ErrFormatFailed: MEDIUM ERROR 31h/00h or 31h/01h.
	ErrFormatFailed = errors.New("format failed or medium format corrupted")
	// ErrMediumError: other MEDIUM ERROR.
	ErrMediumError = errors.New("medium error")
	// ErrHardwareError: HARDWARE ERROR.
	ErrHardwareError = errors.New("hardware error")
	// ErrDataProtect: DATA PROTECT (write protected, locked).
	ErrDataProtect = errors.New("data protect")
	// ErrUnitAttention: UNIT ATTENTION (reset, media change); usually retry.
	ErrUnitAttention = errors.New("unit attention")
	// ErrAborted: ABORTED COMMAND.
	ErrAborted = errors.New("command aborted")
	// ErrTimeout: the command timed out in the host adapter or driver.
	ErrTimeout = errors.New("command timed out")
	// ErrTransport: the command did not complete at the transport level
	// (ioctl error, host adapter status other than OK).
	ErrTransport = errors.New("transport error")
	// ErrBusy: BUSY, TASK SET FULL or RESERVATION CONFLICT status.
	ErrBusy = errors.New("device busy")
	// ErrCheckCondition: CHECK CONDITION not covered by a sentinel above.
	ErrCheckCondition = errors.New("check condition")
)

// Status is what a device returned for a command, for error reports.
type Status struct {
	SAM    byte   // SAM status byte
	Host   uint16 // host adapter status
	Driver uint16 // driver status
	Sense  *Sense // decoded sense data, nil if none was returned
}

// StatusOf summarizes a response. Undecodable sense is kept raw.
func StatusOf(r *Response) Status {
	if r == nil {
		return Status{}
	}
	st := Status{SAM: r.Status, Host: r.HostStatus, Driver: r.DriverStatus}
	if len(r.Sense) > 0 {
		if s, err := ParseSense(r.Sense); err == nil {
			st.Sense = s
		} else {
			st.Sense = &Sense{Raw: append([]byte(nil), r.Sense...)}
		}
	}
	return st
}

func (s Status) String() string {
	var parts []string
	switch s.SAM {
	case StatusGood:
		parts = append(parts, "GOOD")
	case StatusCheckCondition:
		parts = append(parts, "CHECK CONDITION")
	case StatusBusy:
		parts = append(parts, "BUSY")
	case StatusReservation:
		parts = append(parts, "RESERVATION CONFLICT")
	case StatusTaskSetFull:
		parts = append(parts, "TASK SET FULL")
	default:
		parts = append(parts, fmt.Sprintf("status %#02x", s.SAM))
	}
	if s.Host != 0 {
		parts = append(parts, fmt.Sprintf("host %#x", s.Host))
	}
	if s.Driver&0x0f != 0 && s.Driver&0x0f != driverSense {
		parts = append(parts, fmt.Sprintf("driver %#x", s.Driver))
	}
	if s.Sense != nil {
		if s.Sense.ResponseCode != 0 {
			parts = append(parts, s.Sense.String())
		} else {
			parts = append(parts, fmt.Sprintf("sense % x", s.Sense.Raw))
		}
	}
	return strings.Join(parts, ", ")
}

// CommandError reports a command that failed: which operation, on which
// device, what the device returned, and the sentinel that classifies it.
type CommandError struct {
	Op     string // e.g. "SANITIZE BLOCK ERASE"
	Dev    string // device path or name
	Status Status
	Err    error
}

func (e *CommandError) Error() string {
	msg := fmt.Sprintf("%s: %s: %v", e.Dev, e.Op, e.Err)
	if e.Status.SAM != 0 || e.Status.Host != 0 || e.Status.Sense != nil {
		msg += " [" + e.Status.String() + "]"
	}
	return msg
}

func (e *CommandError) Unwrap() error { return e.Err }

// Classify turns a response into nil (success) or a sentinel error. GOOD and
// CHECK CONDITION with RECOVERED ERROR or NO SENSE count as success; callers
// that need the sense of a successful command read it from the response.
func Classify(r *Response) error {
	if r.TimedOut() {
		return ErrTimeout
	}
	if r.HostStatus != HostOK {
		return ErrTransport
	}
	switch r.Status {
	case StatusBusy, StatusReservation, StatusTaskSetFull:
		return ErrBusy
	}
	if !r.CheckCondition() {
		if r.Status == StatusGood {
			return nil
		}
		return fmt.Errorf("%w: SAM status %#02x", ErrCheckCondition, r.Status)
	}
	s, err := ParseSense(r.Sense)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrCheckCondition, err)
	}
	return SenseError(s)
}

// SenseError maps decoded sense to nil or a sentinel.
func SenseError(s *Sense) error {
	switch s.Key {
	case KeyNoSense, KeyRecoveredError, KeyCompleted:
		return nil
	case KeyNotReady:
		switch {
		case s.ASC == 0x04 && s.ASCQ == 0x1B:
			return ErrSanitizeInProgress
		case s.ASC == 0x04 && s.ASCQ == 0x04:
			return ErrFormatInProgress
		}
		return ErrNotReady
	case KeyMediumError:
		switch {
		case s.ASC == 0x31 && s.ASCQ == 0x03:
			return ErrSanitizeFailed
		case s.ASC == 0x31:
			return ErrFormatFailed
		}
		return ErrMediumError
	case KeyHardwareError:
		return ErrHardwareError
	case KeyIllegalRequest:
		switch s.ASC {
		case 0x20, 0x24, 0x26:
			return ErrUnsupported
		}
		return ErrIllegalRequest
	case KeyUnitAttention:
		return ErrUnitAttention
	case KeyDataProtect:
		return ErrDataProtect
	case KeyAbortedCommand:
		return ErrAborted
	}
	return ErrCheckCondition
}
