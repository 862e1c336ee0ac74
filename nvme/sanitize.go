package nvme

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// SanitizeAction is the SANACT field of Sanitize CDW10 bits 2:0.
type SanitizeAction uint8

// Sanitize actions (protocols.md §5.7; nvme-cli sanitize --sanact values).
const (
	SanitizeExitFailureMode       SanitizeAction = 1
	SanitizeBlockErase            SanitizeAction = 2
	SanitizeOverwrite             SanitizeAction = 3
	SanitizeCryptoErase           SanitizeAction = 4
	SanitizeExitMediaVerification SanitizeAction = 5
)

func (a SanitizeAction) String() string {
	switch a {
	case SanitizeExitFailureMode:
		return "exit failure mode"
	case SanitizeBlockErase:
		return "block erase"
	case SanitizeOverwrite:
		return "overwrite"
	case SanitizeCryptoErase:
		return "crypto erase"
	case SanitizeExitMediaVerification:
		return "exit media verification state"
	}
	return fmt.Sprintf("sanitize action %d", uint8(a))
}

// MarshalText renders the action for JSON records.
func (a SanitizeAction) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// SanitizeArgs are the fields of Sanitize CDW10 and CDW11.
type SanitizeArgs struct {
	Action SanitizeAction
	AUSE   bool // allow unrestricted sanitize exit
	// OverwritePasses is 1..16 for an overwrite (16 is encoded as 0).
	OverwritePasses int
	InvertPattern   bool // OIPBP: invert the pattern between passes
	NoDeallocate    bool // NDAS: no deallocate after sanitize
	// EnterMediaVerification is EMVS (NVMe 2.1); kesu's flows do not set it.
	EnterMediaVerification bool
	Pattern                uint32 // overwrite pattern (CDW11)
}

// SanitizeCmd builds Sanitize: CDW10 bits 2:0 SANACT, 3 AUSE, 7:4 OWPASS,
// 8 OIPBP, 9 NDAS, 10 EMVS; CDW11 the overwrite pattern (protocols.md §5.7;
// FreeBSD nvmecontrol sanitize.c, libnvme NVME_SANITIZE_CDW10_* shifts).
// NSID is 0: a sanitize acts on the whole NVM subsystem. Like nvme-cli it
// refuses overwrite parameters for other actions and AUSE/no-deallocate for
// exit actions.
func SanitizeCmd(a SanitizeArgs) (*Command, error) {
	if a.Action < SanitizeExitFailureMode || a.Action > SanitizeExitMediaVerification {
		return nil, fmt.Errorf("nvme: sanitize action %d is not defined", a.Action)
	}
	exit := a.Action == SanitizeExitFailureMode || a.Action == SanitizeExitMediaVerification
	if exit && (a.AUSE || a.NoDeallocate) {
		return nil, fmt.Errorf("nvme: sanitize %v takes neither AUSE nor no-deallocate", a.Action)
	}
	passes := 0
	if a.Action == SanitizeOverwrite {
		if a.OverwritePasses < 1 || a.OverwritePasses > 16 {
			return nil, fmt.Errorf("nvme: overwrite passes %d out of range 1..16", a.OverwritePasses)
		}
		passes = a.OverwritePasses & 0xf
	} else if a.OverwritePasses != 0 || a.InvertPattern || a.Pattern != 0 {
		return nil, fmt.Errorf("nvme: overwrite passes, pattern and inversion apply only to the overwrite action, not %v", a.Action)
	}
	cdw10 := uint32(a.Action) | uint32(passes)<<4
	for bit, set := range map[int]bool{3: a.AUSE, 8: a.InvertPattern, 9: a.NoDeallocate, 10: a.EnterMediaVerification} {
		if set {
			cdw10 |= 1 << bit
		}
	}
	return &Command{Opcode: OpSanitize, NSID: 0, CDW10: cdw10, CDW11: a.Pattern}, nil
}

// scdw10Mask covers the CDW10 bits defined for Sanitize (10:0).
const scdw10Mask = 0x7ff

// SanitizeRequest asks for a sanitize operation and how to wait for it.
type SanitizeRequest struct {
	Action          SanitizeAction // block erase, crypto erase or overwrite
	AUSE            bool
	NoDeallocate    bool
	OverwritePasses int // overwrite: 1..16; 0 means 1
	Pattern         uint32
	InvertPattern   bool
	// MaxWait overrides the deadline derived from the controller's estimate.
	MaxWait time.Duration
	// PollInterval overrides the polling interval derived from the estimate.
	PollInterval time.Duration
}

// SanitizeProgress is reported after every poll of the Sanitize Status log.
type SanitizeProgress struct {
	Fraction float64 // 0..1 from SPROG
	SPROG    uint16
	State    SanitizeState
	Elapsed  time.Duration
	Estimate time.Duration // 0 if the controller reports none
	Polls    int
}

// SanitizeResult is the record of a sanitize: what ran, what the controller
// reported, how long it took and each failure on the way.
type SanitizeResult struct {
	Device          string         `json:"device"`
	Action          SanitizeAction `json:"action"`
	CDW10           uint32         `json:"cdw10"`
	CDW11           uint32         `json:"cdw11"`
	AUSE            bool           `json:"ause"`
	NoDeallocate    bool           `json:"no_deallocate"`
	OverwritePasses int            `json:"overwrite_passes,omitempty"`
	Pattern         uint32         `json:"pattern,omitempty"`
	InvertPattern   bool           `json:"invert_pattern,omitempty"`
	SANICAP         SANICAP        `json:"sanicap"`
	// Namespaces are the active namespaces: a sanitize acts on all of them.
	Namespaces       []uint32        `json:"namespaces"`
	Before           *SanitizeStatus `json:"before,omitempty"`
	Estimate         time.Duration   `json:"estimate_ns"`
	EstimateField    string          `json:"estimate_field,omitempty"` // ETBE, ETCEND, ...
	EstimateReported bool            `json:"estimate_reported"`
	Deadline         time.Duration   `json:"deadline_ns"`
	PollInterval     time.Duration   `json:"poll_interval_ns"`
	Started          time.Time       `json:"started"`
	Duration         time.Duration   `json:"duration_ns"`
	Polls            int             `json:"polls"`
	Final            *SanitizeStatus `json:"final,omitempty"`
	SSTAT            SSTAT           `json:"sstat"` // as last reported
	State            SanitizeState   `json:"state"`
	StateText        string          `json:"state_text"`
	ReportedSCDW10   uint32          `json:"reported_scdw10"`
	PassesCompleted  int             `json:"passes_completed"`
	GlobalDataErased bool            `json:"global_data_erased"`
	// FailureMode: the controller reports the sanitize failed and is in
	// sanitize failure mode; Recovery says how to leave it.
	FailureMode bool          `json:"failure_mode"`
	Recovery    string        `json:"recovery,omitempty"`
	Attempts    []Attempt     `json:"attempts"`
	Failures    []string      `json:"failures,omitempty"`
	Rescan      *RescanReport `json:"rescan,omitempty"`
	Readings    Readings      `json:"readings"`
	Notes       []string      `json:"notes,omitempty"`
	Succeeded   bool          `json:"succeeded"`
}

// DefaultSanitizeWait is the deadline when the controller reports no time
// estimate and the request sets no MaxWait.
const DefaultSanitizeWait = 24 * time.Hour

// deadlineFor: twice the controller's estimate plus ten minutes.
func deadlineFor(est time.Duration) time.Duration { return 2*est + 10*time.Minute }

// intervalFor polls about 50 times over the estimate, between 1 s and 30 s.
func intervalFor(est time.Duration, reported bool) time.Duration {
	if !reported {
		return 10 * time.Second
	}
	return min(max(est/50, time.Second), 30*time.Second)
}

// Sanitize starts a block erase, crypto erase or overwrite and polls the
// Sanitize Status log until the operation ends, calling progress (if not
// nil) after every poll. It checks SANICAP before sending and refuses to
// start while a sanitize is running. The deadline is derived from the
// controller's own estimate for the action (ETBE/ETCE/ETO or their
// no-deallocate variants): twice the estimate plus ten minutes, or
// DefaultSanitizeWait when none is reported. On success it rescans. The
// result is returned even on error; if ctx ends or the deadline passes the
// sanitize keeps running in the controller and the result says so.
func (d *Device) Sanitize(ctx context.Context, req SanitizeRequest, progress func(SanitizeProgress)) (*SanitizeResult, error) {
	clk := d.clock()
	res := &SanitizeResult{Device: d.Name, Action: req.Action, AUSE: req.AUSE, NoDeallocate: req.NoDeallocate,
		Readings: SanitizeReadings(req.Action), Started: clk.Now()}
	defer func() { res.Duration = clk.Now().Sub(res.Started) }()
	fail := func(err error) (*SanitizeResult, error) { return res, err }

	switch req.Action {
	case SanitizeBlockErase, SanitizeCryptoErase, SanitizeOverwrite:
	default:
		return fail(fmt.Errorf("nvme %s: sanitize: %v is not an erase action (use ExitFailureMode to leave failure mode)", d.Name, req.Action))
	}
	args := SanitizeArgs{Action: req.Action, AUSE: req.AUSE, NoDeallocate: req.NoDeallocate}
	if req.Action == SanitizeOverwrite {
		args.OverwritePasses = max(req.OverwritePasses, 1)
		args.Pattern, args.InvertPattern = req.Pattern, req.InvertPattern
		res.OverwritePasses, res.Pattern, res.InvertPattern = args.OverwritePasses, args.Pattern, args.InvertPattern
	}
	cmd, err := SanitizeCmd(args)
	if err != nil {
		return fail(err)
	}
	cmd.Timeout = d.AdminTimeout
	res.CDW10, res.CDW11 = cmd.CDW10, cmd.CDW11

	ctrl, err := d.IdentifyController(ctx)
	if err != nil {
		return fail(err)
	}
	res.SANICAP = ctrl.SANICAP
	if !ctrl.SANICAP.Any() {
		return fail(fmt.Errorf("nvme %s: sanitize: %w: SANICAP %#08x reports no sanitize operation; nothing was sent", d.Name, ErrUnsupported, uint32(ctrl.SANICAP)))
	}
	if !ctrl.SANICAP.Supports(req.Action) {
		return fail(fmt.Errorf("nvme %s: sanitize: %w: SANICAP %#08x does not offer %v; nothing was sent", d.Name, ErrUnsupported, uint32(ctrl.SANICAP), req.Action))
	}
	if req.NoDeallocate && ctrl.SANICAP.NoDeallocateInhibited() {
		res.Notes = append(res.Notes, "SANICAP NDI: the controller deallocates after sanitize even though no-deallocate was requested")
	}
	if res.Namespaces, err = d.ActiveNamespaces(ctx, ctrl.NN); err != nil {
		return fail(err)
	}

	before, err := d.SanitizeStatus(ctx)
	if err != nil {
		return fail(fmt.Errorf("nvme %s: sanitize: cannot read the Sanitize Status log, so completion could not be followed; nothing was sent: %w", d.Name, err))
	}
	res.Before = before
	switch before.SSTAT.State() {
	case SanitizeInProgress:
		return fail(fmt.Errorf("nvme %s: sanitize: %w: an operation (SCDW10 %#x) is already running at %.1f%%; nothing was sent",
			d.Name, ErrSanitizeInProgress, before.SCDW10, 100*before.Fraction()))
	case SanitizeFailed:
		res.Notes = append(res.Notes, fmt.Sprintf("the previous sanitize (SCDW10 %#x) had failed; a successful sanitize is the standard way out of failure mode", before.SCDW10))
	}
	res.Estimate, res.EstimateField, res.EstimateReported = before.Estimate(req.Action, req.NoDeallocate)
	switch {
	case req.MaxWait > 0:
		res.Deadline = req.MaxWait
	case res.EstimateReported:
		res.Deadline = deadlineFor(res.Estimate)
	default:
		res.Deadline = DefaultSanitizeWait
		res.Notes = append(res.Notes, fmt.Sprintf("the controller reports no time estimate for %v; waiting at most %v", req.Action, DefaultSanitizeWait))
	}
	res.PollInterval = req.PollInterval
	if res.PollInterval <= 0 {
		res.PollInterval = intervalFor(res.Estimate, res.EstimateReported)
	}

	if err := d.attempt(ctx, "sanitize "+req.Action.String(), cmd, &res.Attempts); err != nil {
		return fail(err)
	}
	final, err := d.waitSanitize(ctx, res, progress)
	if final != nil {
		res.Final = final
		res.SSTAT = final.SSTAT
		res.State = final.SSTAT.State()
		res.StateText = res.State.String()
		res.ReportedSCDW10 = final.SCDW10
		res.PassesCompleted = final.SSTAT.PassesCompleted()
		res.GlobalDataErased = final.SSTAT.GlobalDataErased()
	}
	if err != nil {
		return fail(err)
	}
	if res.State == SanitizeFailed {
		res.FailureMode = true
		res.Recovery = recoveryText(req.AUSE)
		res.Failures = append(res.Failures, "controller reports the sanitize failed (SSTAT "+fmt.Sprintf("%#04x", uint16(final.SSTAT))+")")
		return fail(fmt.Errorf("nvme %s: sanitize %v: %w (%s)", d.Name, req.Action, ErrSanitizeFailed, res.Recovery))
	}
	if req.Action == SanitizeOverwrite && res.PassesCompleted != args.OverwritePasses {
		res.Notes = append(res.Notes, fmt.Sprintf("controller reports %d overwrite passes completed; %d were requested", res.PassesCompleted, args.OverwritePasses))
	}
	if req.NoDeallocate && res.State == SanitizeCompletedDeallocated {
		res.Notes = append(res.Notes, "no-deallocate was requested but the controller deallocated all user data (SSTAT state 4)")
	}
	res.Rescan = d.rescan(ctx, &res.Notes)
	res.Succeeded = true
	return res, nil
}

func recoveryText(ause bool) string {
	if ause {
		return "unrestricted failure mode (AUSE=1): leave it with Sanitize Exit Failure Mode, or with a new sanitize that completes successfully"
	}
	return "restricted failure mode (AUSE=0): only a new sanitize that completes successfully leaves it; until then I/O fails with Sanitize Failed"
}

// waitSanitize polls the Sanitize Status log until the operation res
// started ends, the deadline passes or ctx ends.
func (d *Device) waitSanitize(ctx context.Context, res *SanitizeResult, progress func(SanitizeProgress)) (*SanitizeStatus, error) {
	clk := d.clock()
	start := clk.Now()
	var last *SanitizeStatus
	notOurs, errs := 0, 0
	var lastSPROG uint16
	for first := true; ; first = false {
		if !first {
			if clk.Now().Sub(start) >= res.Deadline {
				res.Failures = append(res.Failures, fmt.Sprintf("deadline %v passed; the sanitize may still be running in the controller", res.Deadline))
				return last, fmt.Errorf("nvme %s: sanitize %v: %w (%v; estimate %v from %s)", d.Name, res.Action, ErrSanitizeTimeout, res.Deadline, res.Estimate, orNone(res.EstimateField))
			}
			if err := clk.Sleep(ctx, res.PollInterval); err != nil {
				res.Failures = append(res.Failures, "waiting stopped: "+err.Error()+"; the sanitize continues in the controller")
				return last, err
			}
		}
		st, err := d.SanitizeStatus(ctx)
		res.Polls++
		if err != nil {
			errs++
			res.Failures = append(res.Failures, "poll: "+err.Error())
			if errs >= 5 || ctx.Err() != nil {
				return last, err
			}
			continue
		}
		errs = 0
		last = st
		if progress != nil {
			progress(SanitizeProgress{Fraction: st.Fraction(), SPROG: st.SPROG, State: st.SSTAT.State(),
				Elapsed: clk.Now().Sub(start), Estimate: res.Estimate, Polls: res.Polls})
		}
		ours := st.SCDW10&scdw10Mask == res.CDW10&scdw10Mask
		switch st.SSTAT.State() {
		case SanitizeInProgress:
			if st.SPROG != 0xFFFF && st.SPROG < lastSPROG {
				res.Notes = append(res.Notes, fmt.Sprintf("sanitize progress went backwards (%d after %d)", st.SPROG, lastSPROG))
			}
			lastSPROG = st.SPROG
			continue
		case SanitizeCompleted, SanitizeCompletedDeallocated, SanitizeFailed:
			if ours {
				return st, nil
			}
		}
		notOurs++
		res.Failures = append(res.Failures, fmt.Sprintf("poll %d: log shows %v with SCDW10 %#x, not the operation started (CDW10 %#x)", res.Polls, st.SSTAT.State(), st.SCDW10, res.CDW10))
		if notOurs >= 3 {
			return st, fmt.Errorf("nvme %s: sanitize %v: %w", d.Name, res.Action, ErrNotRecorded)
		}
	}
}

func orNone(s string) string {
	if s == "" {
		return "none reported"
	}
	return s
}

// ExitFailureMode sends Sanitize with SANACT Exit Failure Mode, then reads
// the Sanitize Status log and rescans. Controllers accept it only after a
// sanitize that failed in unrestricted mode (AUSE=1).
func (d *Device) ExitFailureMode(ctx context.Context) (*SanitizeResult, error) {
	clk := d.clock()
	res := &SanitizeResult{Device: d.Name, Action: SanitizeExitFailureMode, Readings: SanitizeReadings(SanitizeExitFailureMode), Started: clk.Now()}
	defer func() { res.Duration = clk.Now().Sub(res.Started) }()
	ctrl, err := d.IdentifyController(ctx)
	if err != nil {
		return res, err
	}
	res.SANICAP = ctrl.SANICAP
	if !ctrl.SANICAP.Any() {
		return res, fmt.Errorf("nvme %s: exit failure mode: %w: SANICAP %#08x reports no sanitize support; nothing was sent", d.Name, ErrUnsupported, uint32(ctrl.SANICAP))
	}
	cmd, err := SanitizeCmd(SanitizeArgs{Action: SanitizeExitFailureMode})
	if err != nil {
		return res, err
	}
	cmd.Timeout = d.AdminTimeout
	res.CDW10 = cmd.CDW10
	if err := d.attempt(ctx, "sanitize exit failure mode", cmd, &res.Attempts); err != nil {
		if errors.Is(err, ErrSanitizeFailed) {
			res.FailureMode = true
			res.Recovery = recoveryText(false)
		}
		return res, err
	}
	if st, err := d.SanitizeStatus(ctx); err == nil {
		res.Final, res.SSTAT, res.State, res.StateText, res.ReportedSCDW10 = st, st.SSTAT, st.SSTAT.State(), st.SSTAT.State().String(), st.SCDW10
	} else {
		res.Failures = append(res.Failures, "reading the sanitize status log: "+err.Error())
	}
	res.Rescan = d.rescan(ctx, &res.Notes)
	res.Succeeded = true
	return res, nil
}
