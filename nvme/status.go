package nvme

import (
	"errors"
	"fmt"
	"strings"
)

// Status is the NVMe completion status field as the Linux passthrough ioctl
// returns it (the CQE status word without its phase bit): bits 7:0 SC,
// 10:8 SCT, 12:11 CRD, 13 MORE, 14 DNR (libnvme types.h, smartmontools
// os_linux.cpp; protocols.md §5.1). Zero is success.
type Status uint16

// NewStatus builds a status from its type and code.
func NewStatus(sct, sc uint8, dnr bool) Status {
	s := Status(sct&7)<<8 | Status(sc)
	if dnr {
		s |= 1 << 14
	}
	return s
}

// SC is the status code.
func (s Status) SC() uint8 { return uint8(s) }

// SCT is the status code type: 0 generic, 1 command specific, 2 media and
// data integrity, 3 path related, 7 vendor specific.
func (s Status) SCT() uint8 { return uint8(s>>8) & 7 }

// CRD is the command retry delay index.
func (s Status) CRD() uint8 { return uint8(s>>11) & 3 }

// More reports that more status information is in the Error Information log.
func (s Status) More() bool { return s&(1<<13) != 0 }

// DNR (Do Not Retry) reports that the same command would fail again.
func (s Status) DNR() bool { return s&(1<<14) != 0 }

// code is the type and code without the retry bits, e.g. 0x11d.
func (s Status) code() uint16 { return uint16(s) & 0x7ff }

// Status codes kesu acts on, as SCT<<8|SC (NVMe Base; names as in libnvme
// types.h and the kernel's include/linux/nvme.h).
const (
	scInvalidOpcode        = 0x001
	scInvalidField         = 0x002
	scInternal             = 0x006
	scAbortRequested       = 0x007
	scInvalidNamespace     = 0x00b
	scCommandSequence      = 0x00c
	scSanitizeFailed       = 0x01c
	scSanitizeInProgress   = 0x01d
	scWriteProtected       = 0x020
	scInterrupted          = 0x021
	scLBAOutOfRange        = 0x080
	scCapacityExceeded     = 0x081
	scNamespaceNotReady    = 0x082
	scFormatInProgress     = 0x084
	scInvalidLogPage       = 0x109
	scInvalidFormat        = 0x10a
	scSanitizeProhibitedPM = 0x123
	scHostPathError        = 0x370
	scHostAbortedCommand   = 0x371
)

var statusNames = map[uint16]string{
	0x000:                  "Successful Completion",
	scInvalidOpcode:        "Invalid Command Opcode",
	scInvalidField:         "Invalid Field in Command",
	0x003:                  "Command ID Conflict",
	0x004:                  "Data Transfer Error",
	0x005:                  "Commands Aborted due to Power Loss Notification",
	scInternal:             "Internal Error",
	scAbortRequested:       "Command Abort Requested",
	0x008:                  "Command Aborted due to SQ Deletion",
	scInvalidNamespace:     "Invalid Namespace or Format",
	scCommandSequence:      "Command Sequence Error",
	scSanitizeFailed:       "Sanitize Failed",
	scSanitizeInProgress:   "Sanitize In Progress",
	scWriteProtected:       "Namespace is Write Protected",
	scInterrupted:          "Command Interrupted",
	scLBAOutOfRange:        "LBA Out of Range",
	scCapacityExceeded:     "Capacity Exceeded",
	scNamespaceNotReady:    "Namespace Not Ready",
	0x083:                  "Reservation Conflict",
	scFormatInProgress:     "Format In Progress",
	scInvalidLogPage:       "Invalid Log Page",
	scInvalidFormat:        "Invalid Format",
	scSanitizeProhibitedPM: "Sanitize Prohibited While Persistent Memory Region is Enabled",
	0x280:                  "Write Fault",
	0x281:                  "Unrecovered Read Error",
	scHostPathError:        "Host Pathing Error",
	scHostAbortedCommand:   "Command Aborted By Host",
}

var sctNames = [8]string{"generic", "command specific", "media/data integrity", "path related", "type 4", "type 5", "type 6", "vendor specific"}

// Name is the standard name of the status code, or "" if kesu does not know it.
func (s Status) Name() string { return statusNames[s.code()] }

// String renders the status for messages and records, e.g.
// "0x401d (SCT 0 generic, SC 0x1d Sanitize In Progress, DNR)".
func (s Status) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%#04x (SCT %d %s, SC %#02x", uint16(s), s.SCT(), sctNames[s.SCT()], s.SC())
	if n := s.Name(); n != "" {
		b.WriteString(" " + n)
	}
	if s.More() {
		b.WriteString(", MORE")
	}
	if s.DNR() {
		b.WriteString(", DNR")
	}
	b.WriteString(")")
	return b.String()
}

// Sentinel errors callers act on. A *CommandError wraps exactly one of them
// when the controller answered with a non-zero status.
var (
	// ErrUnsupported: the controller does not support the command or the
	// requested action (Invalid Command Opcode; Invalid Field in Command for a
	// Format or Sanitize action; Invalid Log Page), or its capability bits say
	// so and kesu did not send the command.
	ErrUnsupported = errors.New("not supported by the controller")
	// ErrInvalidField: Invalid Field in Command for other commands.
	ErrInvalidField = errors.New("invalid field in command")
	// ErrInvalidNamespace: Invalid Namespace or Format.
	ErrInvalidNamespace = errors.New("invalid namespace or format")
	// ErrInvalidFormat: Format NVM asked for an LBA format or protection
	// setting the namespace does not support.
	ErrInvalidFormat = errors.New("invalid format")
	// ErrSanitizeInProgress: a sanitize operation is running; I/O and most
	// admin commands are refused until it ends.
	ErrSanitizeInProgress = errors.New("sanitize in progress")
	// ErrSanitizeFailed: the most recent sanitize failed and the controller
	// is in sanitize failure mode (no recovery has completed yet).
	ErrSanitizeFailed = errors.New("sanitize failed: controller is in sanitize failure mode")
	// ErrSanitizeProhibited: Sanitize refused while a persistent memory
	// region is enabled.
	ErrSanitizeProhibited = errors.New("sanitize prohibited while a persistent memory region is enabled")
	// ErrFormatInProgress: a Format NVM is running.
	ErrFormatInProgress = errors.New("format in progress")
	// ErrNotReady: Namespace Not Ready.
	ErrNotReady = errors.New("namespace not ready")
	// ErrWriteProtected: the namespace is write protected.
	ErrWriteProtected = errors.New("namespace is write protected")
	// ErrLBAOutOfRange: an I/O beyond the namespace size.
	ErrLBAOutOfRange = errors.New("LBA out of range")
	// ErrMedia: a media or data integrity error (SCT 2).
	ErrMedia = errors.New("media or data integrity error")
	// ErrAborted: the command was aborted (by the host, e.g. after a
	// timeout, or on request) or interrupted; its effect is unknown.
	ErrAborted = errors.New("command aborted")
	// ErrCommandFailed: any other non-zero status.
	ErrCommandFailed = errors.New("command failed")
	// ErrSanitizeTimeout: the sanitize did not end before the deadline
	// derived from the controller's own estimate. It may still be running.
	ErrSanitizeTimeout = errors.New("sanitize did not finish before the deadline")
	// ErrNotRecorded: the Sanitize Status log never showed the operation
	// kesu started.
	ErrNotRecorded = errors.New("sanitize status log does not show the requested operation")
)

// classify maps a non-zero status to its sentinel. Invalid Field in Command
// means "unsupported" for Format NVM and Sanitize, where it is how a
// controller refuses an action it does not implement.
func classify(opcode uint8, admin bool, s Status) error {
	switch s.code() {
	case scInvalidOpcode, scInvalidLogPage:
		return ErrUnsupported
	case scInvalidField:
		if admin && (opcode == OpFormatNVM || opcode == OpSanitize) {
			return ErrUnsupported
		}
		return ErrInvalidField
	case scInvalidNamespace:
		return ErrInvalidNamespace
	case scInvalidFormat:
		return ErrInvalidFormat
	case scSanitizeFailed:
		return ErrSanitizeFailed
	case scSanitizeInProgress:
		return ErrSanitizeInProgress
	case scSanitizeProhibitedPM:
		return ErrSanitizeProhibited
	case scFormatInProgress:
		return ErrFormatInProgress
	case scNamespaceNotReady:
		return ErrNotReady
	case scWriteProtected:
		return ErrWriteProtected
	case scLBAOutOfRange, scCapacityExceeded:
		return ErrLBAOutOfRange
	case scAbortRequested, scInterrupted, scHostAbortedCommand, scHostPathError:
		return ErrAborted
	}
	if s.SCT() == 2 {
		return ErrMedia
	}
	return ErrCommandFailed
}

// CommandError is a failed NVMe command: either the controller completed it
// with a non-zero Status (Err is then one of the sentinels above), or the
// ioctl itself failed (Status is zero and Err is the system error).
type CommandError struct {
	Op     string // e.g. "identify controller", "sanitize", "read"
	Dev    string // device path or emulator name
	Status Status
	Err    error
}

// NewCommandError builds the error for an admin command that completed with
// status s.
func NewCommandError(op, dev string, opcode uint8, s Status) *CommandError {
	return &CommandError{Op: op, Dev: dev, Status: s, Err: classify(opcode, true, s)}
}

// NewIOError builds the error for an I/O (NVM command set) command that
// completed with status s; emulated namespaces use it.
func NewIOError(op, dev string, s Status) *CommandError {
	return &CommandError{Op: op, Dev: dev, Status: s, Err: classify(0, false, s)}
}

func (e *CommandError) Error() string {
	if e.Status == 0 {
		return fmt.Sprintf("nvme %s: %s: %v", e.Dev, e.Op, e.Err)
	}
	return fmt.Sprintf("nvme %s: %s: status %v: %v", e.Dev, e.Op, e.Status, e.Err)
}

func (e *CommandError) Unwrap() error { return e.Err }

// SCT, SC, DNR and More expose the status fields (zero for ioctl failures).
func (e *CommandError) SCT() uint8 { return e.Status.SCT() }
func (e *CommandError) SC() uint8  { return e.Status.SC() }
func (e *CommandError) DNR() bool  { return e.Status.DNR() }
func (e *CommandError) More() bool { return e.Status.More() }
