package ata

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kesu-erase/kesu/scsi"
)

// SANITIZE DEVICE (B4h) sub-commands (FEATURE) and keys (LBA) — ACS-3
// 7.41; hdparm.h, opensea-transport ata_helper.h.
const (
	sanitizeStatusExt      = 0x0000
	sanitizeCryptoExt      = 0x0011
	sanitizeBlockEraseExt  = 0x0012
	sanitizeOverwriteExt   = 0x0014
	sanitizeFreezeLockExt  = 0x0020
	sanitizeAntifreezeExt  = 0x0040
	keyCryptoScramble      = 0x43727970 // "Cryp"
	keyBlockErase          = 0x426B4572 // "BkEr"
	keyOverwrite           = 0x4F57     // "OW", in LBA(47:32)
	keyFreezeLock          = 0x46724C6B // "FrLk"
	keyAntifreeze          = 0x416E7469 // "Anti"
	countClearFailure      = 0x0001     // STATUS: CLEAR SANITIZE OPERATION FAILED
	countFailureMode       = 0x0010     // FAILURE MODE
	countOverwriteInvert   = 0x0080     // OVERWRITE: INVERT PATTERN BETWEEN PASSES ⚑
	statusCompletedOK      = 0x8000     // STATUS output COUNT bit 15
	statusInProgress       = 0x4000     // bit 14
	statusFrozen           = 0x2000     // bit 13
	statusAntifreeze       = 0x1000     // bit 12
	sanitizeReasonFailed   = 1          // ABRT reason in LBA(7:0): sanitize command unsuccessful
	sanitizeReasonUnsup    = 2          // unsupported sanitize device command
	sanitizeReasonFrozen   = 3          // device in frozen state
	sanitizeReasonAntiFrz  = 4          // antifreeze lock enabled
	sanitizeProgressUnused = 0xFFFF
)

// SanitizeMethod is an ATA sanitize operation.
type SanitizeMethod int

// Sanitize operations.
const (
	SanitizeCryptoScramble SanitizeMethod = iota + 1
	SanitizeBlockErase
	SanitizeOverwrite
)

func (m SanitizeMethod) String() string {
	switch m {
	case SanitizeCryptoScramble:
		return "CRYPTO SCRAMBLE EXT"
	case SanitizeBlockErase:
		return "BLOCK ERASE EXT"
	case SanitizeOverwrite:
		return "OVERWRITE EXT"
	}
	return fmt.Sprintf("sanitize method %d", int(m))
}

func sanitizeCommand(name string, feature, count uint16, lba uint64) *Command {
	return &Command{Name: name, Opcode: OpSanitize, Features: feature, Count: count, LBA: lba, Device: 0x40,
		Protocol: ProtoNonData, Extend: true, CheckCondition: true, Timeout: ShortTimeout}
}

// SanitizeStatusCommand builds SANITIZE STATUS EXT; clearFailure sets CLEAR
// SANITIZE OPERATION FAILED (leave the failure state, if the failed
// operation allowed it).
func SanitizeStatusCommand(clearFailure bool) *Command {
	var count uint16
	name := "SANITIZE STATUS EXT"
	if clearFailure {
		count = countClearFailure
		name += " (clear failure)"
	}
	return sanitizeCommand(name, sanitizeStatusExt, count, 0)
}

// SanitizeOptions selects a sanitize operation.
type SanitizeOptions struct {
	Method SanitizeMethod
	// AllowFailureExit sets FAILURE MODE: if the operation fails, SANITIZE
	// STATUS EXT with CLEAR may leave the failure state. Without it only a
	// later successful sanitize does (the SCSI AUSE equivalent).
	AllowFailureExit bool
	// Overwrite: the 32-bit pattern, pass count 1–16, invert between passes.
	OverwritePattern uint32
	OverwritePasses  int // 0 means 1
	OverwriteInvert  bool
	// PollInterval overrides the SANITIZE STATUS EXT polling interval.
	PollInterval time.Duration
	// MaxWait overrides how long to poll before giving up.
	MaxWait time.Duration
	// OnProgress, if set, receives each progress reading while polling.
	OnProgress func(scsi.ProgressSample)
}

// SanitizeOperationCommand builds the sanitize sub-command for o.
func SanitizeOperationCommand(o SanitizeOptions) (*Command, error) {
	var count uint16
	if o.AllowFailureExit {
		count |= countFailureMode
	}
	switch o.Method {
	case SanitizeCryptoScramble:
		return sanitizeCommand("SANITIZE CRYPTO SCRAMBLE EXT", sanitizeCryptoExt, count, keyCryptoScramble), nil
	case SanitizeBlockErase:
		return sanitizeCommand("SANITIZE BLOCK ERASE EXT", sanitizeBlockEraseExt, count, keyBlockErase), nil
	case SanitizeOverwrite:
		passes := o.OverwritePasses
		if passes == 0 {
			passes = 1
		}
		if passes < 1 || passes > 16 {
			return nil, fmt.Errorf("ata: overwrite pass count %d out of range 1-16", passes)
		}
		count |= uint16(passes & 0x0F) // 16 passes are encoded as 0
		if o.OverwriteInvert {
			count |= countOverwriteInvert
		}
		return sanitizeCommand("SANITIZE OVERWRITE EXT", sanitizeOverwriteExt, count,
			uint64(keyOverwrite)<<32|uint64(o.OverwritePattern)), nil
	}
	return nil, fmt.Errorf("ata: unknown sanitize method %d", o.Method)
}

// SanitizeFreezeLockCommand builds SANITIZE FREEZE LOCK EXT.
func SanitizeFreezeLockCommand() *Command {
	return sanitizeCommand("SANITIZE FREEZE LOCK EXT", sanitizeFreezeLockExt, 0, keyFreezeLock)
}

// SanitizeAntifreezeLockCommand builds SANITIZE ANTIFREEZE LOCK EXT, which
// keeps the sanitize feature set from being frozen until power-off.
func SanitizeAntifreezeLockCommand() *Command {
	return sanitizeCommand("SANITIZE ANTIFREEZE LOCK EXT", sanitizeAntifreezeExt, 0, keyAntifreeze)
}

// SanitizeState is the sanitize state machine state (ACS-3 figure 12).
type SanitizeState string

// States.
const (
	SanitizeIdle       SanitizeState = "SD0 idle"
	SanitizeFrozen     SanitizeState = "SD1 frozen"
	SanitizeInProgress SanitizeState = "SD2 in progress"
	SanitizeFailed     SanitizeState = "SD3 failed"
	SanitizeSucceeded  SanitizeState = "SD4 succeeded"
)

// SanitizeStatus is decoded SANITIZE STATUS EXT output.
type SanitizeStatus struct {
	State           SanitizeState `json:"state"`
	InProgress      bool          `json:"in_progress"`
	Frozen          bool          `json:"frozen"`
	Antifreeze      bool          `json:"antifreeze"`
	LastCompletedOK bool          `json:"last_completed_ok"`
	// Progress is the numerator of x/65536 (FFFFh = not in progress).
	Progress uint16 `json:"progress"`
}

// Percent converts Progress to percent; 100 when not in progress.
func (s SanitizeStatus) Percent() float64 {
	if s.Progress == sanitizeProgressUnused {
		return 100
	}
	return scsi.ProgressPercent(s.Progress)
}

// DecodeSanitizeStatus decodes the output registers of SANITIZE STATUS EXT:
// COUNT(15:8) bit 7 operation completed without error, bit 6 in progress,
// bit 5 frozen, bit 4 antifreeze; LBA(15:0) progress (hdparm.c
// get_sanitize_state, sanitize_normal_output).
func DecodeSanitizeStatus(r scsi.ATARegisters) SanitizeStatus {
	s := SanitizeStatus{
		InProgress:      r.Count&statusInProgress != 0,
		Frozen:          r.Count&statusFrozen != 0,
		Antifreeze:      r.Count&statusAntifreeze != 0,
		LastCompletedOK: r.Count&statusCompletedOK != 0,
		Progress:        uint16(r.LBA),
	}
	switch {
	case s.Frozen:
		s.State = SanitizeFrozen
	case s.InProgress:
		s.State = SanitizeInProgress
	case s.LastCompletedOK:
		s.State = SanitizeSucceeded
	default:
		s.State = SanitizeIdle
	}
	return s
}

// sanitizeReasonError maps the ABRT reason in LBA(7:0) of a failed
// sanitize command (ACS-3 table 110; hdparm sanitize_err_reason_str).
func sanitizeReasonError(err error) error {
	var ce *CommandError
	if !errors.As(err, &ce) || ce.Status.Registers == nil || !errors.Is(err, ErrAborted) {
		return err
	}
	var sentinel error
	switch byte(ce.Status.Registers.LBA) {
	case sanitizeReasonFailed:
		sentinel = ErrSanitizeFailed
	case sanitizeReasonUnsup:
		sentinel = ErrUnsupported
	case sanitizeReasonFrozen:
		sentinel = ErrFrozen
	case sanitizeReasonAntiFrz:
		sentinel = ErrAntifreeze
	default:
		return err
	}
	return &CommandError{Op: ce.Op, Dev: ce.Dev, Status: ce.Status, Err: fmt.Errorf("%w: %w", sentinel, ce.Err)}
}

// SanitizeStatus reads SANITIZE STATUS EXT (read-only unless clearFailure).
// A device in the failure state (SD3) aborts the plain status command with
// reason 1: that comes back as a State of SD3 and no error.
func (d *Device) SanitizeStatus(ctx context.Context, clearFailure bool) (*SanitizeStatus, error) {
	return d.sanitizeStatus(ctx, nil, clearFailure)
}

func (d *Device) sanitizeStatus(ctx context.Context, log *[]CommandRecord, clearFailure bool) (*SanitizeStatus, error) {
	c := SanitizeStatusCommand(clearFailure)
	r, err := d.run(ctx, log, c)
	if err != nil {
		err = sanitizeReasonError(err)
		if !clearFailure && errors.Is(err, ErrSanitizeFailed) {
			return &SanitizeStatus{State: SanitizeFailed, Progress: sanitizeProgressUnused}, nil
		}
		return nil, err
	}
	regs, err := d.needRegisters(c, r, true)
	if err != nil {
		return nil, err
	}
	s := DecodeSanitizeStatus(regs)
	return &s, nil
}

// ExitSanitizeFailure sends SANITIZE STATUS EXT with CLEAR SANITIZE
// OPERATION FAILED. It works only if the failed operation was started with
// FAILURE MODE set; otherwise the device stays in SD3 until a sanitize
// operation completes successfully.
func (d *Device) ExitSanitizeFailure(ctx context.Context) (*SanitizeStatus, error) {
	return d.SanitizeStatus(ctx, true)
}

// SanitizeResult records what a sanitize run did.
type SanitizeResult struct {
	Method      string          `json:"method"`
	FailureMode bool            `json:"failure_mode"`
	Commands    []CommandRecord `json:"commands"`
	Started     time.Time       `json:"started"`
	Duration    time.Duration   `json:"duration"`
	Polls       int             `json:"polls"`
	// Progress samples seen while polling.
	Progress []scsi.ProgressSample `json:"progress,omitempty"`
	// Completed: the device reported the operation completed without error.
	Completed bool            `json:"completed"`
	Final     *SanitizeStatus `json:"final,omitempty"`
	Failures  []string        `json:"failures,omitempty"`
}

func (r *SanitizeResult) fail(err error) error {
	r.Failures = append(r.Failures, err.Error())
	return err
}

// defaultSanitizeTiming picks poll interval and patience when the caller
// gives none. ATA reports no sanitize time estimate in IDENTIFY DEVICE;
// crypto scramble and block erase usually take seconds to minutes, overwrite
// runs at media speed (assumed ≥ 30 MB/s per pass here).
func defaultSanitizeTiming(o SanitizeOptions, bytes uint64) (interval, maxWait time.Duration) {
	switch o.Method {
	case SanitizeOverwrite:
		passes := max(o.OverwritePasses, 1)
		perPass := time.Duration(bytes/30_000_000) * time.Second
		return 30 * time.Second, time.Duration(passes)*perPass*2 + time.Hour
	case SanitizeBlockErase:
		return 5 * time.Second, 6 * time.Hour
	}
	return 2 * time.Second, time.Hour
}

// Sanitize checks support and state, starts the sanitize operation, and
// polls SANITIZE STATUS EXT until it completes or fails. Unsupported
// methods give ErrUnsupported and a frozen device ErrFrozen without any
// sanitize command sent.
func (d *Device) Sanitize(ctx context.Context, o SanitizeOptions) (*SanitizeResult, error) {
	res := &SanitizeResult{Method: o.Method.String(), FailureMode: o.AllowFailureExit}
	op, err := SanitizeOperationCommand(o)
	if err != nil {
		return res, res.fail(err)
	}
	ic := IdentifyCommand()
	if _, err := d.run(ctx, &res.Commands, ic); err != nil {
		return res, res.fail(err)
	}
	id, err := DecodeIdentify(ic.Data)
	if err != nil {
		return res, res.fail(err)
	}
	refuse := func(e error) (*SanitizeResult, error) {
		return res, res.fail(&CommandError{Op: op.Name, Dev: d.Name, Err: e})
	}
	san := id.Sanitize
	supported := map[SanitizeMethod]bool{
		SanitizeCryptoScramble: san.CryptoScramble, SanitizeBlockErase: san.BlockErase, SanitizeOverwrite: san.Overwrite,
	}
	switch {
	case !san.Supported:
		return refuse(fmt.Errorf("%w: Sanitize feature set", ErrUnsupported))
	case !supported[o.Method]:
		return refuse(fmt.Errorf("%w: %s", ErrUnsupported, o.Method))
	case id.Security.Locked:
		return refuse(ErrLocked)
	}
	st, err := d.sanitizeStatus(ctx, &res.Commands, false)
	if err != nil {
		return res, res.fail(err)
	}
	switch st.State {
	case SanitizeFrozen:
		return refuse(fmt.Errorf("%w: sanitize is frozen", ErrFrozen))
	case SanitizeInProgress:
		return refuse(ErrSanitizeInProgress)
	}

	interval, maxWait := defaultSanitizeTiming(o, id.Bytes())
	if o.PollInterval > 0 {
		interval = o.PollInterval
	}
	if o.MaxWait > 0 {
		maxWait = o.MaxWait
	}
	clk := d.clock()
	res.Started = clk.Now()
	defer func() { res.Duration = clk.Now().Sub(res.Started) }()
	if _, err := d.run(ctx, &res.Commands, op); err != nil {
		return res, res.fail(sanitizeReasonError(err))
	}
	deadline := res.Started.Add(maxWait)
	failedPolls := 0
	for {
		if err := clk.Sleep(ctx, interval); err != nil {
			return res, res.fail(&CommandError{Op: op.Name, Dev: d.Name, Err: err})
		}
		res.Polls++
		st, err := d.sanitizeStatus(ctx, &res.Commands, false)
		if err != nil {
			res.fail(err)
			if failedPolls++; failedPolls >= 3 {
				return res, fmt.Errorf("%s: giving up after %d failed status polls: %w", op.Name, failedPolls, err)
			}
			continue
		}
		failedPolls = 0
		res.Final = st
		switch {
		case st.State == SanitizeFailed:
			return res, res.fail(&CommandError{Op: op.Name, Dev: d.Name, Err: ErrSanitizeFailed})
		case st.InProgress:
			ps := scsi.ProgressSample{Elapsed: clk.Now().Sub(res.Started), Percent: st.Percent()}
			res.Progress = append(res.Progress, ps)
			if o.OnProgress != nil {
				o.OnProgress(ps)
			}
		case st.LastCompletedOK:
			res.Completed = true
			return res, nil
		default:
			// Neither running nor completed OK: the operation ended without
			// success (a device that does not report SD3 this way).
			return res, res.fail(&CommandError{Op: op.Name, Dev: d.Name,
				Err: fmt.Errorf("%w: sanitize no longer in progress but not reported complete (%s)", ErrSanitizeFailed, st.State)})
		}
		if clk.Now().After(deadline) {
			return res, res.fail(&CommandError{Op: op.Name, Dev: d.Name, Err: fmt.Errorf("%w: still in progress after %v", scsi.ErrTimeout, maxWait)})
		}
	}
}

// SanitizeAntifreezeLock sends SANITIZE ANTIFREEZE LOCK EXT: until the next
// power cycle SANITIZE FREEZE LOCK EXT is refused (word 59 bit 10 tells
// support). It changes the drive's state.
func (d *Device) SanitizeAntifreezeLock(ctx context.Context) error {
	_, err := d.Exec(ctx, SanitizeAntifreezeLockCommand())
	return sanitizeReasonError(err)
}
