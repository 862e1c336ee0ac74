package mfi

import (
	"errors"
	"fmt"

	"github.com/kesu-erase/kesu/scsi"
)

// Firmware completion codes (cmd_status) this package acts on; the full
// table is in statusNames.
const (
	StatusOK                  = 0x00 // MFI_STAT_OK
	StatusInvalidCmd          = 0x01 // MFI_STAT_INVALID_CMD
	StatusInvalidDCMD         = 0x02 // MFI_STAT_INVALID_DCMD
	StatusInvalidParameter    = 0x03 // MFI_STAT_INVALID_PARAMETER
	StatusDeviceNotFound      = 0x0C // MFI_STAT_DEVICE_NOT_FOUND
	StatusPDTypeWrong         = 0x26 // MFI_STAT_PD_TYPE_WRONG
	StatusSCSIDoneWithError   = 0x2D // MFI_STAT_SCSI_DONE_WITH_ERROR
	StatusSCSIIOFailed        = 0x2E // MFI_STAT_SCSI_IO_FAILED
	StatusReservationConflict = 0x2F // MFI_STAT_SCSI_RESERVATION_CONFLICT
	StatusWrongState          = 0x32 // MFI_STAT_WRONG_STATE
	StatusInvalid             = 0xFF // MFI_STAT_INVALID_STATUS: no status written
)

// statusNames is enum MFI_STAT from megaraid_sas.h (0x00–0x38, 0x67,
// 0xFF), which QEMU's hw/scsi/mfi.h mfi_status_t (from FreeBSD's
// mfireg.h) repeats for 0x00–0x38 and continues to 0x65. The kernel's
// HOST_CODE_NOT_FOUNT typo is corrected.
var statusNames = map[byte]string{
	0x00: "OK", 0x01: "INVALID_CMD", 0x02: "INVALID_DCMD", 0x03: "INVALID_PARAMETER",
	0x04: "INVALID_SEQUENCE_NUMBER", 0x05: "ABORT_NOT_POSSIBLE", 0x06: "APP_HOST_CODE_NOT_FOUND",
	0x07: "APP_IN_USE", 0x08: "APP_NOT_INITIALIZED", 0x09: "ARRAY_INDEX_INVALID",
	0x0A: "ARRAY_ROW_NOT_EMPTY", 0x0B: "CONFIG_RESOURCE_CONFLICT", 0x0C: "DEVICE_NOT_FOUND",
	0x0D: "DRIVE_TOO_SMALL", 0x0E: "FLASH_ALLOC_FAIL", 0x0F: "FLASH_BUSY", 0x10: "FLASH_ERROR",
	0x11: "FLASH_IMAGE_BAD", 0x12: "FLASH_IMAGE_INCOMPLETE", 0x13: "FLASH_NOT_OPEN",
	0x14: "FLASH_NOT_STARTED", 0x15: "FLUSH_FAILED", 0x16: "HOST_CODE_NOT_FOUND",
	0x17: "LD_CC_IN_PROGRESS", 0x18: "LD_INIT_IN_PROGRESS", 0x19: "LD_LBA_OUT_OF_RANGE",
	0x1A: "LD_MAX_CONFIGURED", 0x1B: "LD_NOT_OPTIMAL", 0x1C: "LD_RBLD_IN_PROGRESS",
	0x1D: "LD_RECON_IN_PROGRESS", 0x1E: "LD_WRONG_RAID_LEVEL", 0x1F: "MAX_SPARES_EXCEEDED",
	0x20: "MEMORY_NOT_AVAILABLE", 0x21: "MFC_HW_ERROR", 0x22: "NO_HW_PRESENT", 0x23: "NOT_FOUND",
	0x24: "NOT_IN_ENCL", 0x25: "PD_CLEAR_IN_PROGRESS", 0x26: "PD_TYPE_WRONG", 0x27: "PR_DISABLED",
	0x28: "ROW_INDEX_INVALID", 0x29: "SAS_CONFIG_INVALID_ACTION", 0x2A: "SAS_CONFIG_INVALID_DATA",
	0x2B: "SAS_CONFIG_INVALID_PAGE", 0x2C: "SAS_CONFIG_INVALID_TYPE", 0x2D: "SCSI_DONE_WITH_ERROR",
	0x2E: "SCSI_IO_FAILED", 0x2F: "SCSI_RESERVATION_CONFLICT", 0x30: "SHUTDOWN_FAILED",
	0x31: "TIME_NOT_SET", 0x32: "WRONG_STATE", 0x33: "LD_OFFLINE", 0x34: "PEER_NOTIFICATION_REJECTED",
	0x35: "PEER_NOTIFICATION_FAILED", 0x36: "RESERVATION_IN_PROGRESS", 0x37: "I2C_ERRORS_DETECTED",
	0x38: "PCI_ERRORS_DETECTED",
	// QEMU mfi.h / FreeBSD mfireg.h only:
	0x39: "DIAG_FAILED", 0x3A: "BOOT_MSG_PENDING", 0x3B: "FOREIGN_CONFIG_INCOMPLETE",
	0x3C: "INVALID_SGL", 0x3D: "UNSUPPORTED_HW", 0x3E: "CC_SCHEDULE_DISABLED",
	0x3F: "PD_COPYBACK_IN_PROGRESS", 0x40: "MULTIPLE_PDS_IN_ARRAY", 0x41: "FW_DOWNLOAD_ERROR",
	0x42: "FEATURE_SECURITY_NOT_ENABLED", 0x43: "LOCK_KEY_ALREADY_EXISTS",
	0x44: "LOCK_KEY_BACKUP_NOT_ALLOWED", 0x45: "LOCK_KEY_VERIFY_NOT_ALLOWED",
	0x46: "LOCK_KEY_VERIFY_FAILED", 0x47: "LOCK_KEY_REKEY_NOT_ALLOWED", 0x48: "LOCK_KEY_INVALID",
	0x49: "LOCK_KEY_ESCROW_INVALID", 0x4A: "LOCK_KEY_BACKUP_REQUIRED", 0x4B: "SECURE_LD_EXISTS",
	0x4C: "LD_SECURE_NOT_ALLOWED", 0x4D: "REPROVISION_NOT_ALLOWED", 0x4E: "PD_SECURITY_TYPE_WRONG",
	0x4F: "LD_ENCRYPTION_TYPE_INVALID", 0x50: "CONFIG_FDE_NON_FDE_MIX_NOT_ALLOWED",
	0x51: "CONFIG_LD_ENCRYPTION_TYPE_MIX_NOT_ALLOWED", 0x52: "SECRET_KEY_NOT_ALLOWED",
	0x53: "PD_HW_ERRORS_DETECTED", 0x54: "LD_CACHE_PINNED", 0x55: "POWER_STATE_SET_IN_PROGRESS",
	0x56: "POWER_STATE_SET_BUSY", 0x57: "POWER_STATE_WRONG", 0x58: "PR_NO_AVAILABLE_PD_FOUND",
	0x59: "CTRL_RESET_REQUIRED", 0x5A: "LOCK_KEY_EKM_NO_BOOT_AGENT", 0x5B: "SNAP_NO_SPACE",
	0x5C: "SNAP_PARTIAL_FAILURE", 0x5D: "UPGRADE_KEY_INCOMPATIBLE", 0x5E: "PFK_INCOMPATIBLE",
	0x5F: "PD_MAX_UNCONFIGURED", 0x60: "IO_METRICS_DISABLED", 0x61: "AEC_NOT_STOPPED",
	0x62: "PI_TYPE_WRONG", 0x63: "LD_PD_PI_INCOMPATIBLE", 0x64: "PI_NOT_ENABLED",
	0x65: "LD_BLOCK_SIZE_MISMATCH",
	// megaraid_sas.h only:
	0x67: "CONFIG_SEQ_MISMATCH",
	0xFF: "INVALID_STATUS",
}

// StatusName names a firmware completion code ("DEVICE_NOT_FOUND"), or
// gives it in hex when no header names it.
func StatusName(s byte) string {
	if n, ok := statusNames[s]; ok {
		return n
	}
	return fmt.Sprintf("status %#02x", s)
}

// Sentinel errors a *StatusError wraps.
var (
	// ErrDeviceNotFound: the firmware has no drive at that device id
	// (DEVICE_NOT_FOUND) — pulled, failed out, or never there.
	ErrDeviceNotFound = errors.New("mfi: device not found")
	// ErrRefused: the firmware rejected the command (INVALID_CMD,
	// INVALID_DCMD, INVALID_PARAMETER, PD_TYPE_WRONG, WRONG_STATE). MFI
	// has no generic NOT_ALLOWED code; which of these a RAID-mode firmware
	// returns for pass-through to a RAID member is not known here.
	ErrRefused = fmt.Errorf("mfi: command refused by the controller firmware: %w", scsi.ErrControllerRefused)
	// ErrUnsupported: the firmware does not implement the DCMD
	// (INVALID_DCMD); such an error also matches ErrRefused.
	ErrUnsupported = errors.New("mfi: command not supported by the controller firmware")
	// ErrNoStatus: the frame came back without a completion code (0xFF),
	// or without the SCSI status the outcome needs.
	ErrNoStatus = errors.New("mfi: no status returned")
)

// StatusError is a firmware completion code other than OK.
type StatusError struct {
	Op     string // "CTRL_GET_INFO", "PD_SCSI_IO device 8 INQUIRY", ...
	Status byte   // cmd_status
}

// Name is the firmware's name for the status (MFI_STAT_ without prefix).
func (e *StatusError) Name() string { return StatusName(e.Status) }

func (e *StatusError) Error() string {
	return fmt.Sprintf("mfi: %s: firmware status %#02x %s", e.Op, e.Status, e.Name())
}

// Unwrap returns the sentinels the status belongs to.
func (e *StatusError) Unwrap() []error {
	switch e.Status {
	case StatusDeviceNotFound:
		return []error{ErrDeviceNotFound}
	case StatusInvalidDCMD:
		return []error{ErrUnsupported, ErrRefused}
	case StatusInvalidCmd, StatusInvalidParameter, StatusPDTypeWrong, StatusWrongState:
		return []error{ErrRefused}
	case StatusInvalid:
		return []error{ErrNoStatus}
	}
	return nil
}

// CheckStatus returns nil for OK and a *StatusError naming op otherwise.
func CheckStatus(op string, status byte) error {
	if status == StatusOK {
		return nil
	}
	return &StatusError{Op: op, Status: status}
}
