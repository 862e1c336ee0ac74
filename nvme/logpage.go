package nvme

import (
	"encoding/binary"
	"fmt"
	"time"
)

// Log page identifiers.
const (
	LogSMART    uint8 = 0x02 // SMART / Health Information
	LogSanitize uint8 = 0x81 // Sanitize Status
)

// LogPageSize is the size of the SMART/Health and Sanitize Status logs.
const LogPageSize = 512

// GetLogPageCmd builds Get Log Page for len(buf) bytes (a multiple of 4) at
// byte offset off: CDW10 7:0 LID, 15 RAE, 31:16 NUMDL; CDW11 15:0 NUMDU;
// CDW12/13 offset (protocols.md §5.2; the dword count is 0-based). With
// rae set the controller retains asynchronous events for the kernel, so
// kesu's reads have no side effect on event reporting.
func GetLogPageCmd(lid uint8, nsid uint32, rae bool, off uint64, buf []byte) *Command {
	numd := uint32(len(buf)/4) - 1
	c := &Command{
		Opcode: OpGetLogPage,
		NSID:   nsid,
		CDW10:  uint32(lid) | (numd&0xffff)<<16,
		CDW11:  numd >> 16,
		CDW12:  uint32(off),
		CDW13:  uint32(off >> 32),
		Data:   buf,
	}
	if rae {
		c.CDW10 |= 1 << 15
	}
	return c
}

// CriticalWarning is byte 0 of the SMART/Health log.
type CriticalWarning uint8

func (c CriticalWarning) SpareBelowThreshold() bool  { return c&(1<<0) != 0 }
func (c CriticalWarning) Temperature() bool          { return c&(1<<1) != 0 }
func (c CriticalWarning) ReliabilityDegraded() bool  { return c&(1<<2) != 0 }
func (c CriticalWarning) ReadOnly() bool             { return c&(1<<3) != 0 }
func (c CriticalWarning) VolatileBackupFailed() bool { return c&(1<<4) != 0 }
func (c CriticalWarning) PMRReadOnly() bool          { return c&(1<<5) != 0 }

// Reasons lists the set warning bits in words.
func (c CriticalWarning) Reasons() []string {
	names := []string{
		"available spare below threshold",
		"temperature outside the threshold",
		"NVM subsystem reliability degraded (media or internal errors)",
		"media placed in read-only mode",
		"volatile memory backup device failed",
		"persistent memory region read-only or unreliable",
		"reserved critical warning bit 6",
		"reserved critical warning bit 7",
	}
	var r []string
	for i, n := range names {
		if c&(1<<i) != 0 {
			r = append(r, n)
		}
	}
	return r
}

// SMARTLog is the decoded SMART / Health Information log (LID 02h;
// protocols.md §5.5, libnvme struct nvme_smart_log).
type SMARTLog struct {
	CriticalWarning         CriticalWarning `json:"critical_warning"`
	CompositeTemperatureK   uint16          `json:"composite_temperature_k"`
	AvailableSpare          uint8           `json:"available_spare"`
	AvailableSpareThreshold uint8           `json:"available_spare_threshold"`
	PercentageUsed          uint8           `json:"percentage_used"`
	EnduranceCriticalWarn   uint8           `json:"endurance_group_critical_warning"`
	DataUnitsRead           Uint128         `json:"data_units_read"` // ×1000 512-byte units
	DataUnitsWritten        Uint128         `json:"data_units_written"`
	HostReadCommands        Uint128         `json:"host_read_commands"`
	HostWriteCommands       Uint128         `json:"host_write_commands"`
	ControllerBusyTime      Uint128         `json:"controller_busy_time_min"`
	PowerCycles             Uint128         `json:"power_cycles"`
	PowerOnHours            Uint128         `json:"power_on_hours"`
	UnsafeShutdowns         Uint128         `json:"unsafe_shutdowns"`
	MediaErrors             Uint128         `json:"media_errors"`
	ErrorLogEntries         Uint128         `json:"error_log_entries"`
	WarningTempTimeMin      uint32          `json:"warning_temp_time_min"`
	CriticalTempTimeMin     uint32          `json:"critical_temp_time_min"`
	TempSensorsK            [8]uint16       `json:"temp_sensors_k"` // 0 = not implemented
	Raw                     []byte          `json:"-"`              // the log as read
}

// ParseSMARTLog decodes the SMART/Health log.
func ParseSMARTLog(b []byte) (*SMARTLog, error) {
	if len(b) < LogPageSize {
		return nil, fmt.Errorf("nvme: SMART/Health log is %d bytes, want %d", len(b), LogPageSize)
	}
	le16, le32 := binary.LittleEndian.Uint16, binary.LittleEndian.Uint32
	l := &SMARTLog{
		CriticalWarning:         CriticalWarning(b[0]),
		CompositeTemperatureK:   le16(b[1:]),
		AvailableSpare:          b[3],
		AvailableSpareThreshold: b[4],
		PercentageUsed:          b[5],
		EnduranceCriticalWarn:   b[6],
		DataUnitsRead:           le128(b[32:]),
		DataUnitsWritten:        le128(b[48:]),
		HostReadCommands:        le128(b[64:]),
		HostWriteCommands:       le128(b[80:]),
		ControllerBusyTime:      le128(b[96:]),
		PowerCycles:             le128(b[112:]),
		PowerOnHours:            le128(b[128:]),
		UnsafeShutdowns:         le128(b[144:]),
		MediaErrors:             le128(b[160:]),
		ErrorLogEntries:         le128(b[176:]),
		WarningTempTimeMin:      le32(b[192:]),
		CriticalTempTimeMin:     le32(b[196:]),
		Raw:                     append([]byte(nil), b[:LogPageSize]...),
	}
	for i := range l.TempSensorsK {
		l.TempSensorsK[i] = le16(b[200+2*i:])
	}
	return l, nil
}

// SanitizeState is SSTAT bits 2:0.
type SanitizeState uint8

// Sanitize states (libnvme NVME_SANITIZE_SSTAT_STATUS_*; the kernel's
// include/linux/nvme.h NVME_SANITIZE_LOG_*).
const (
	SanitizeNeverSanitized SanitizeState = 0
	SanitizeCompleted      SanitizeState = 1
	SanitizeInProgress     SanitizeState = 2
	SanitizeFailed         SanitizeState = 3
	// SanitizeCompletedDeallocated: the most recent sanitize for which
	// No-Deallocate After Sanitize was requested completed successfully and
	// deallocated all user data anyway.
	SanitizeCompletedDeallocated SanitizeState = 4
)

func (s SanitizeState) String() string {
	switch s {
	case SanitizeNeverSanitized:
		return "never sanitized"
	case SanitizeCompleted:
		return "completed successfully"
	case SanitizeInProgress:
		return "in progress"
	case SanitizeFailed:
		return "failed"
	case SanitizeCompletedDeallocated:
		return "completed successfully (no-deallocate requested, user data deallocated)"
	}
	return fmt.Sprintf("unknown state %d", uint8(s))
}

// Succeeded reports a successful completion (states 1 and 4).
func (s SanitizeState) Succeeded() bool {
	return s == SanitizeCompleted || s == SanitizeCompletedDeallocated
}

// SSTAT is the Sanitize Status field (log bytes 3:2).
type SSTAT uint16

// State is bits 2:0.
func (s SSTAT) State() SanitizeState { return SanitizeState(s & 7) }

// PassesCompleted is bits 7:3: overwrite passes completed by the last or
// current overwrite sanitize.
func (s SSTAT) PassesCompleted() int { return int(s>>3) & 0x1f }

// GlobalDataErased is bit 8: no user data has been written since the last
// successful sanitize (and no PMR enabled).
func (s SSTAT) GlobalDataErased() bool { return s&(1<<8) != 0 }

// MediaVerificationCanceled is bit 9 (MVCNCLD, NVMe 2.1; nvme-cli
// nvme-print-stdout.c stdout_sanitize_log_sstat_table).
func (s SSTAT) MediaVerificationCanceled() bool { return s&(1<<9) != 0 }

// Purged is bit 11 (PRGD, NVMe 2.2 Sanitize Purge Request and Reporting;
// same nvme-cli source): the controller reports the data purged.
func (s SSTAT) Purged() bool { return s&(1<<11) != 0 }

// NoEstimate is the estimate value "no time period reported".
const NoEstimate uint32 = 0xFFFFFFFF

// SanitizeStatus is the decoded Sanitize Status log (LID 81h; protocols.md
// §5.5, libnvme struct nvme_sanitize_log_page: ETPVDS at byte 32 and SSI at
// 36 in NVMe 2.1).
type SanitizeStatus struct {
	SPROG  uint16 `json:"sprog"` // progress ×65536; FFFFh when none is running
	SSTAT  SSTAT  `json:"sstat"`
	SCDW10 uint32 `json:"scdw10"` // CDW10 of the sanitize that started the last operation
	// Estimated seconds (NoEstimate: not reported; 0: done with the command).
	ETO    uint32 `json:"eto"`
	ETBE   uint32 `json:"etbe"`
	ETCE   uint32 `json:"etce"`
	ETOND  uint32 `json:"etond"`
	ETBEND uint32 `json:"etbend"`
	ETCEND uint32 `json:"etcend"`
	ETPVDS uint32 `json:"etpvds"`
	SSI    uint8  `json:"ssi"`
}

// ParseSanitizeStatus decodes the Sanitize Status log.
func ParseSanitizeStatus(b []byte) (*SanitizeStatus, error) {
	if len(b) < 37 {
		return nil, fmt.Errorf("nvme: sanitize status log is %d bytes, want at least 37", len(b))
	}
	le16, le32 := binary.LittleEndian.Uint16, binary.LittleEndian.Uint32
	return &SanitizeStatus{
		SPROG:  le16(b[0:]),
		SSTAT:  SSTAT(le16(b[2:])),
		SCDW10: le32(b[4:]),
		ETO:    le32(b[8:]),
		ETBE:   le32(b[12:]),
		ETCE:   le32(b[16:]),
		ETOND:  le32(b[20:]),
		ETBEND: le32(b[24:]),
		ETCEND: le32(b[28:]),
		ETPVDS: le32(b[32:]),
		SSI:    b[36],
	}, nil
}

// Fraction is the progress of a running sanitize in [0, 1), or 1 when
// none is running (SPROG = FFFFh).
func (s *SanitizeStatus) Fraction() float64 {
	if s.SPROG == 0xFFFF {
		return 1
	}
	return float64(s.SPROG) / 65536
}

// Estimate picks the controller's time estimate for action, preferring the
// no-deallocate variant when noDealloc is set (as nvme-cli's wait_sanitize
// does) and falling back to the plain one when that is not reported. field
// names the log field used; ok is false when no estimate is reported.
func (s *SanitizeStatus) Estimate(a SanitizeAction, noDealloc bool) (d time.Duration, field string, ok bool) {
	type est struct {
		name string
		v    uint32
	}
	var order []est
	switch a {
	case SanitizeBlockErase:
		order = []est{{"ETBE", s.ETBE}}
		if noDealloc {
			order = append([]est{{"ETBEND", s.ETBEND}}, order...)
		}
	case SanitizeCryptoErase:
		order = []est{{"ETCE", s.ETCE}}
		if noDealloc {
			order = append([]est{{"ETCEND", s.ETCEND}}, order...)
		}
	case SanitizeOverwrite:
		order = []est{{"ETO", s.ETO}}
		if noDealloc {
			order = append([]est{{"ETOND", s.ETOND}}, order...)
		}
	}
	for _, e := range order {
		if e.v != NoEstimate {
			return time.Duration(e.v) * time.Second, e.name, true
		}
	}
	return 0, "", false
}
