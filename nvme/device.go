package nvme

import (
	"context"
	"errors"
	"fmt"
	"syscall"
	"time"
)

// Device runs NVMe admin operations over a Transport: the read-only
// Identify and Get Log Page calls, and the destructive Format and Sanitize
// flows, which check capabilities first and return what ran.
type Device struct {
	T    Transport
	Name string // device path or emulator name, for messages and records
	// Clock paces sanitize polling; nil means the system clock.
	Clock Clock
	// AdminTimeout bounds Identify, Get Log Page and Sanitize submission
	// (0: the kernel's default).
	AdminTimeout time.Duration
}

// NewDevice wraps t.
func NewDevice(t Transport, name string) *Device {
	return &Device{T: t, Name: name, Clock: SystemClock{}, AdminTimeout: 30 * time.Second}
}

func (d *Device) clock() Clock {
	if d.Clock == nil {
		return SystemClock{}
	}
	return d.Clock
}

// Attempt records one command kesu sent and how it ended.
type Attempt struct {
	Op       string        `json:"op"`
	Opcode   uint8         `json:"opcode"`
	NSID     uint32        `json:"nsid"`
	CDW10    uint32        `json:"cdw10"`
	CDW11    uint32        `json:"cdw11,omitempty"`
	Start    time.Time     `json:"start"`
	Duration time.Duration `json:"duration_ns"`
	Status   string        `json:"status,omitempty"` // NVMe status when non-zero
	Err      string        `json:"error,omitempty"`
}

// admin submits cmd and turns failures into *CommandError.
func (d *Device) admin(ctx context.Context, op string, cmd *Command) (Completion, error) {
	if cmd.Timeout == 0 {
		cmd.Timeout = d.AdminTimeout
	}
	c, err := d.T.Admin(ctx, cmd)
	if err != nil {
		if errors.Is(err, syscall.EINTR) {
			err = fmt.Errorf("%w: the kernel cancelled the command (timeout or controller reset); its effect is unknown: %w", ErrAborted, err)
		}
		return c, &CommandError{Op: op, Dev: d.Name, Err: err}
	}
	if c.Status != 0 {
		return c, NewCommandError(op, d.Name, cmd.Opcode, c.Status)
	}
	return c, nil
}

// attempt submits cmd and records it.
func (d *Device) attempt(ctx context.Context, op string, cmd *Command, log *[]Attempt) error {
	a := Attempt{Op: op, Opcode: cmd.Opcode, NSID: cmd.NSID, CDW10: cmd.CDW10, CDW11: cmd.CDW11, Start: d.clock().Now()}
	_, err := d.admin(ctx, op, cmd)
	a.Duration = d.clock().Now().Sub(a.Start)
	if err != nil {
		a.Err = err.Error()
		var ce *CommandError
		if errors.As(err, &ce) && ce.Status != 0 {
			a.Status = ce.Status.String()
		}
	}
	*log = append(*log, a)
	return err
}

// IdentifyController reads Identify Controller data.
func (d *Device) IdentifyController(ctx context.Context) (*Controller, error) {
	buf := make([]byte, IdentifySize)
	if _, err := d.admin(ctx, "identify controller", IdentifyCmd(CNSController, 0, buf)); err != nil {
		return nil, err
	}
	return ParseController(buf)
}

// IdentifyNamespace reads Identify Namespace data for nsid.
func (d *Device) IdentifyNamespace(ctx context.Context, nsid uint32) (*Namespace, error) {
	buf := make([]byte, IdentifySize)
	if _, err := d.admin(ctx, fmt.Sprintf("identify namespace %d", nsid), IdentifyCmd(CNSNamespace, nsid, buf)); err != nil {
		return nil, err
	}
	return ParseNamespace(nsid, buf)
}

// ActiveNamespaces lists the active NSIDs (Identify CNS 02h, paged by 1024).
// Controllers older than NVMe 1.1 refuse CNS 02h; then namespaces 1..nn
// (at most 1024) are probed with Identify Namespace and the active ones
// (NSZE ≠ 0) returned.
func (d *Device) ActiveNamespaces(ctx context.Context, nn uint32) ([]uint32, error) {
	var ids []uint32
	start := uint32(0)
	for {
		buf := make([]byte, IdentifySize)
		_, err := d.admin(ctx, "identify active namespace list", IdentifyCmd(CNSActiveNamespace, start, buf))
		if err != nil {
			if len(ids) == 0 && (errors.Is(err, ErrInvalidField) || errors.Is(err, ErrUnsupported)) {
				return d.probeNamespaces(ctx, nn)
			}
			return ids, err
		}
		page := ParseNamespaceList(buf)
		for _, id := range page {
			if id <= start {
				return ids, fmt.Errorf("nvme %s: active namespace list not ascending (%d after %d)", d.Name, id, start)
			}
			ids = append(ids, id)
			start = id
		}
		if len(page) < IdentifySize/4 || start >= NSIDAll-1 {
			return ids, nil
		}
	}
}

func (d *Device) probeNamespaces(ctx context.Context, nn uint32) ([]uint32, error) {
	var ids []uint32
	for id := uint32(1); id <= min(nn, 1024); id++ {
		ns, err := d.IdentifyNamespace(ctx, id)
		if err != nil {
			if errors.Is(err, ErrInvalidNamespace) {
				continue
			}
			return ids, err
		}
		if ns.Active() {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// SMARTLog reads the SMART/Health log for nsid (NSIDAll: the controller).
func (d *Device) SMARTLog(ctx context.Context, nsid uint32) (*SMARTLog, error) {
	buf := make([]byte, LogPageSize)
	if _, err := d.admin(ctx, "get log page SMART/health", GetLogPageCmd(LogSMART, nsid, true, 0, buf)); err != nil {
		return nil, err
	}
	return ParseSMARTLog(buf)
}

// SanitizeStatus reads the Sanitize Status log.
func (d *Device) SanitizeStatus(ctx context.Context) (*SanitizeStatus, error) {
	buf := make([]byte, LogPageSize)
	if _, err := d.admin(ctx, "get log page sanitize status", GetLogPageCmd(LogSanitize, NSIDAll, true, 0, buf)); err != nil {
		return nil, err
	}
	return ParseSanitizeStatus(buf)
}

// NamespaceInfo is a namespace's geometry as recorded before and after an
// erase.
type NamespaceInfo struct {
	NSID        uint32 `json:"nsid"`
	NSZE        uint64 `json:"nsze"`
	BlockSize   int    `json:"block_size"`
	FormatIndex int    `json:"lbaf"`
	PIType      uint8  `json:"pi_type"`
	SizeBytes   uint64 `json:"size_bytes"`
}

func infoOf(ns *Namespace) NamespaceInfo {
	return NamespaceInfo{NSID: ns.ID, NSZE: ns.NSZE, BlockSize: ns.BlockSize(), FormatIndex: ns.FormatIndex(), PIType: ns.PIType(), SizeBytes: ns.SizeBytes()}
}

// rescan refreshes the kernel's view if the transport can.
func (d *Device) rescan(ctx context.Context, notes *[]string) *RescanReport {
	r, ok := d.T.(Rescanner)
	if !ok {
		*notes = append(*notes, "transport cannot rescan; the kernel's view was not refreshed")
		return nil
	}
	rep := r.Rescan(ctx)
	if !rep.OK() {
		*notes = append(*notes, "rescan failed in part; read-back may see stale kernel state (see rescan steps)")
	}
	for _, s := range rep.Steps {
		if s.Tolerated {
			*notes = append(*notes, s.Target+": "+s.Note)
		}
	}
	return &rep
}

// ReadOnly wraps t so that only Identify and Get Log Page can pass: any
// other opcode fails before reaching the device. kesu probe uses it.
func ReadOnly(t Transport) Transport { return readOnly{t} }

// ErrNotReadOnly is returned by a ReadOnly transport for any other command.
var ErrNotReadOnly = errors.New("command refused: transport is read-only (Identify and Get Log Page only)")

type readOnly struct{ t Transport }

func (r readOnly) Admin(ctx context.Context, cmd *Command) (Completion, error) {
	if cmd.Opcode != OpIdentify && cmd.Opcode != OpGetLogPage {
		return Completion{}, fmt.Errorf("opcode %#02x: %w", cmd.Opcode, ErrNotReadOnly)
	}
	return r.t.Admin(ctx, cmd)
}
