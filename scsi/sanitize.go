package scsi

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// SanitizeOptions selects a SCSI SANITIZE operation. The command is always
// sent with IMMED set and then polled with REQUEST SENSE, as sg_sanitize does.
type SanitizeOptions struct {
	Action SanitizeAction
	// AUSE (allow unrestricted sanitize exit): if the sanitize fails, EXIT
	// FAILURE MODE may take the device out of the failure state. Without it
	// only a later successful sanitize does.
	AUSE bool
	// ZNR asks the device not to deallocate (zoned / thin devices).
	ZNR bool
	// Overwrite parameters (Action == SanitizeOverwrite).
	OverwritePasses  int    // 1–31; 0 means 1
	OverwriteInvert  bool   // invert the pattern between passes
	OverwritePattern []byte // 0 bytes means a 4-byte zero pattern
	// SkipSupportCheck skips REPORT SUPPORTED OPERATION CODES.
	SkipSupportCheck bool
	// PollInterval overrides the interval derived from the device's
	// recommended timeout (default: 1/50 of it, 1 s–60 s; 10 s unknown).
	PollInterval time.Duration
	// MaxWait overrides how long to poll before giving up (default: twice
	// the device's recommended timeout, at least 10 min; 24 h unknown).
	MaxWait time.Duration
	// OnProgress, if set, receives each progress reading while polling.
	OnProgress func(ProgressSample)
}

// ProgressSample is one progress reading during a long operation.
type ProgressSample struct {
	Elapsed time.Duration
	Percent float64
}

// LongOpResult records what ran for a SANITIZE or FORMAT UNIT: the CDB and
// parameters sent, the device's own estimate, the progress seen, each
// failure met, and whether the device reported successful completion.
type LongOpResult struct {
	Op        string
	CDB       []byte
	Params    []byte
	Immediate bool
	// Supported is what REPORT SUPPORTED OPERATION CODES said ("" if not
	// asked or not answered): "supported", "not supported", "unknown".
	Supported string
	// Estimate is the device's recommended command timeout (0 = none given).
	Estimate  time.Duration
	Started   time.Time
	Duration  time.Duration
	Polls     int
	Progress  []ProgressSample
	Completed bool
	Failures  []error
}

func (r *LongOpResult) fail(err error) error {
	r.Failures = append(r.Failures, err)
	return err
}

// Sanitize runs SANITIZE on the whole device and polls until it finishes.
// It returns what ran even when it fails.
func (d *Device) Sanitize(ctx context.Context, o SanitizeOptions) (*LongOpResult, error) {
	res := &LongOpResult{Op: "SANITIZE " + o.Action.String(), Immediate: true}
	switch o.Action {
	case SanitizeOverwrite, SanitizeBlockErase, SanitizeCryptoErase:
	default:
		return res, res.fail(fmt.Errorf("scsi: Sanitize: action %v is not an erase (use ExitSanitizeFailure)", o.Action))
	}
	var params []byte
	if o.Action == SanitizeOverwrite {
		passes := o.OverwritePasses
		if passes == 0 {
			passes = 1
		}
		pat := o.OverwritePattern
		if len(pat) == 0 {
			pat = make([]byte, 4)
		}
		var err error
		if params, err = SanitizeOverwriteParams(passes, o.OverwriteInvert, pat); err != nil {
			return res, res.fail(err)
		}
	}
	if !o.SkipSupportCheck {
		sup, err := d.ReportOpcode(ctx, OpSanitize, uint16(o.Action), true)
		switch {
		case err != nil:
			res.Supported = "unknown"
			res.Failures = append(res.Failures, err)
		case sup.Support == 1:
			res.Supported = "not supported"
			return res, res.fail(&CommandError{Op: res.Op, Dev: d.Name, Err: fmt.Errorf("%w (REPORT SUPPORTED OPERATION CODES)", ErrUnsupported)})
		case sup.Supported():
			res.Supported = "supported"
			if sup.HasTimeouts && sup.RecommendedSeconds > 0 {
				res.Estimate = time.Duration(sup.RecommendedSeconds) * time.Second
			}
		default:
			res.Supported = "unknown"
		}
	}
	res.CDB = SanitizeCDB(o.Action, true, o.ZNR, o.AUSE, uint16(len(params)))
	res.Params = params
	cmd := &Command{CDB: res.CDB, Timeout: ShortTimeout}
	if len(params) > 0 {
		cmd.Dir, cmd.Data = DirToDevice, append([]byte(nil), params...)
	}
	return res, d.runLong(ctx, res, cmd, o.PollInterval, o.MaxWait, 0x1B, o.OnProgress)
}

// ExitSanitizeFailure sends SANITIZE EXIT FAILURE MODE, which takes a device
// out of the sanitize failure state if the failed sanitize allowed it
// (AUSE=1). The device refuses otherwise; then only a successful sanitize
// restores it.
//
// SBC-5 5.30.1: in the restricted completion mode the device refuses it
// with ILLEGAL REQUEST, INVALID FIELD IN CDB; that comes back wrapping
// ErrSanitizeExitRefused.
func (d *Device) ExitSanitizeFailure(ctx context.Context) error {
	_, err := d.Do(ctx, "SANITIZE EXIT FAILURE MODE", &Command{
		CDB: SanitizeCDB(SanitizeExitFailureMode, false, false, false, 0), Timeout: ShortTimeout,
	})
	var ce *CommandError
	if errors.As(err, &ce) && ce.Status.Sense != nil && ce.Status.Sense.Key == KeyIllegalRequest && ce.Status.Sense.ASC == 0x24 {
		ce.Err = fmt.Errorf("%w: %w", ErrSanitizeExitRefused, ce.Err)
	}
	return err
}

// ErrSanitizeExitRefused: EXIT FAILURE MODE was refused because the failed
// sanitize ran in the restricted completion mode (AUSE=0); only a sanitize
// that completes without error brings the device back.
var ErrSanitizeExitRefused = errors.New("sanitize failure mode exit refused (restricted completion mode)")

// FormatOptions selects FORMAT UNIT.
type FormatOptions struct {
	PollInterval time.Duration
	MaxWait      time.Duration
}

// FormatUnit runs FORMAT UNIT with the short parameter header and IMMED set,
// then polls for completion. FORMAT UNIT is not an erase command by itself
// (it may leave data); callers record it as such.
func (d *Device) FormatUnit(ctx context.Context, o FormatOptions) (*LongOpResult, error) {
	res := &LongOpResult{Op: "FORMAT UNIT", Immediate: true}
	res.CDB = FormatUnitCDB(true)
	res.Params = FormatUnitShortHeader(true)
	cmd := &Command{CDB: res.CDB, Dir: DirToDevice, Data: append([]byte(nil), res.Params...), Timeout: ShortTimeout}
	return res, d.runLong(ctx, res, cmd, o.PollInterval, o.MaxWait, 0x04, nil)
}

// runLong sends an IMMED long operation and polls REQUEST SENSE until the
// device stops reporting NOT READY 04h/ascq with progress, then confirms
// with TEST UNIT READY.
func (d *Device) runLong(ctx context.Context, res *LongOpResult, cmd *Command, interval, maxWait time.Duration, ascq byte, onProgress func(ProgressSample)) error {
	clk := d.clock()
	progress := func(p ProgressSample) {
		res.Progress = append(res.Progress, p)
		if onProgress != nil {
			onProgress(p)
		}
	}
	if interval <= 0 {
		interval = 10 * time.Second
		if res.Estimate > 0 {
			interval = min(max(res.Estimate/50, time.Second), time.Minute)
		}
	}
	if maxWait <= 0 {
		maxWait = 24 * time.Hour
		if res.Estimate > 0 {
			maxWait = max(2*res.Estimate, 10*time.Minute)
		}
	}
	res.Started = clk.Now()
	defer func() { res.Duration = clk.Now().Sub(res.Started) }()
	if _, err := d.Do(ctx, res.Op, cmd); err != nil {
		return res.fail(err)
	}
	deadline := res.Started.Add(maxWait)
	consecutive := 0
	for {
		if err := clk.Sleep(ctx, interval); err != nil {
			return res.fail(&CommandError{Op: res.Op, Dev: d.Name, Err: err})
		}
		res.Polls++
		s, err := d.RequestSense(ctx)
		if err != nil {
			res.Failures = append(res.Failures, err)
			consecutive++
			if consecutive >= 3 {
				return fmt.Errorf("%s: giving up after %d failed polls: %w", res.Op, consecutive, err)
			}
			continue
		}
		consecutive = 0
		switch serr := SenseError(s); {
		case s.Key == KeyNotReady && s.ASC == 0x04 && s.ASCQ == ascq:
			if s.ProgressValid {
				progress(ProgressSample{clk.Now().Sub(res.Started), ProgressPercent(s.Progress)})
			}
		case s.Key == KeyNotReady && s.ASC == 0x04 && s.ASCQ == 0x01,
			s.Key == KeyUnitAttention:
			// Becoming ready, or a unit attention (reset, capacity change)
			// reported on the way: keep polling.
		case serr == nil && !s.ProgressValid:
			return d.confirmDone(ctx, res)
		case serr == nil:
			// NO SENSE with progress: still running.
			progress(ProgressSample{clk.Now().Sub(res.Started), ProgressPercent(s.Progress)})
		default:
			return res.fail(&CommandError{Op: res.Op, Dev: d.Name, Status: Status{SAM: StatusGood, Sense: s}, Err: serr})
		}
		if clk.Now().After(deadline) {
			return res.fail(&CommandError{Op: res.Op, Dev: d.Name, Err: fmt.Errorf("%w: still running after %v", ErrTimeout, maxWait)})
		}
	}
}

func (d *Device) confirmDone(ctx context.Context, res *LongOpResult) error {
	for i := 0; i < 3; i++ {
		err := d.TestUnitReady(ctx)
		if err == nil {
			res.Completed = true
			return nil
		}
		if !errors.Is(err, ErrUnitAttention) {
			return res.fail(err)
		}
		res.Failures = append(res.Failures, err)
	}
	return res.fail(fmt.Errorf("%s: device keeps reporting UNIT ATTENTION", res.Op))
}
