package drive

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kesu-erase/kesu/erase"
	"github.com/kesu-erase/kesu/erase/discover"
	"github.com/kesu-erase/kesu/erase/plan"
	"github.com/kesu-erase/kesu/erase/worker"
	"github.com/kesu-erase/kesu/report"
	"github.com/kesu-erase/kesu/scsi"
	"github.com/kesu-erase/kesu/smart"
)

// SCSI is a native SCSI or SAS disk (and QEMU's virtio-scsi scsi-hd)
// driven through SG_IO.
type SCSI struct {
	disk  discover.Disk
	t     scsi.Transport
	dev   *scsi.Device
	block BlockOpener

	// via says how commands reach the drive, for the record: "SG_IO on
	// /dev/sdX" unless set (SetVia).
	via string

	// From the last probe.
	in *scsi.Inspection
	// sed is the drive's TCG security subsystem, over SECURITY PROTOCOL
	// IN/OUT.
	sed sed
}

// SetVia names how the adapter's commands reach the drive, for the record
// (a RAID controller's pass-through instead of SG_IO).
func (s *SCSI) SetVia(via string) { s.via = via }

func (s *SCSI) viaText() string {
	if s.via != "" {
		return s.via
	}
	return "SG_IO on " + s.disk.Path
}

// NewSCSI wraps transport t of the disk. clock paces SANITIZE polling (nil:
// the system clock); block opens the disk's block device for host I/O.
func NewSCSI(disk discover.Disk, t scsi.Transport, block BlockOpener, clock scsi.Clock) *SCSI {
	d := scsi.NewDevice(t, disk.Path)
	if clock != nil {
		d.Clock = clock
	}
	return &SCSI{disk: disk, t: t, dev: d, block: block, sed: sed{t: scsi.TCG(t)}}
}

// Name implements worker.Drive.
func (s *SCSI) Name() string { return s.disk.Name }

// Open implements worker.Drive: the block device, once it is confirmed to
// be the drive probed (the transport's device number, and INQUIRY product,
// unit serial number and NAA designator read again).
func (s *SCSI) Open(write bool) (erase.Target, error) {
	return openConfirmed(s.block, write, s.confirm)
}

func (s *SCSI) confirm(t erase.Target) error {
	if err := sameNode(s.t, t); err != nil {
		return err
	}
	if s.in == nil || s.in.Inquiry == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), identityTimeout)
	defer cancel()
	inq, err := s.dev.Inquiry(ctx)
	if err != nil {
		return fmt.Errorf("%s: %w: INQUIRY failed: %v", s.disk.Path, worker.ErrIdentityUnconfirmed, err)
	}
	pairs := []idPair{{"vendor", s.in.Inquiry.Vendor, inq.Vendor}, {"product", s.in.Inquiry.Product, inq.Product}}
	// The serial and NAA are compared where the probe read them: a page
	// the drive lists but failed to return at probe time leaves nothing to
	// compare with (the device number and INQUIRY still are).
	if s.in.HasVPD(0x80) && s.in.Serial != "" {
		serial, err := s.dev.UnitSerial(ctx)
		if err != nil {
			return fmt.Errorf("%s: %w: Unit Serial Number VPD page: %v", s.disk.Path, worker.ErrIdentityUnconfirmed, err)
		}
		pairs = append(pairs, idPair{"serial", s.in.Serial, serial})
	}
	if s.in.HasVPD(0x83) && s.in.WWN != "" {
		ds, err := s.dev.DeviceIdentification(ctx)
		if err != nil {
			return fmt.Errorf("%s: %w: Device Identification VPD page: %v", s.disk.Path, worker.ErrIdentityUnconfirmed, err)
		}
		pairs = append(pairs, idPair{"NAA", s.in.WWN, scsi.NAA(ds)})
	}
	return compareIdentity(s.disk.Path, "INQUIRY", pairs...)
}

// Close implements worker.Drive.
func (s *SCSI) Close() error {
	if c, ok := s.t.(interface{ Close() error }); ok {
		return c.Close()
	}
	return nil
}

// RestoreHiddenAreas implements worker.Drive: SCSI has none.
func (s *SCSI) RestoreHiddenAreas(context.Context) ([]report.HiddenArea, error) { return nil, nil }

// Probe implements worker.Drive with scsi.Inspect (INQUIRY and VPD pages,
// READ CAPACITY(16), TEST UNIT READY, REQUEST SENSE, REPORT SUPPORTED
// OPERATION CODES) and LOG SENSE for health; none changes the drive.
func (s *SCSI) Probe(ctx context.Context) (*worker.Probe, error) {
	in, err := scsi.Inspect(ctx, s.dev)
	if err != nil {
		return nil, err
	}
	s.in = in
	p := &worker.Probe{}
	p.Notes = append(p.Notes, in.Problems...)

	var rot *bool // nil: the drive does not say
	switch {
	case in.Block != nil && in.Block.SolidState():
		p.Class, rot = report.ClassSSD, new(false)
	case in.Block != nil && in.Block.Rotating():
		p.Class, rot = report.ClassHDD, new(true)
	default:
		// Unknown media is rated as flash, the stricter reading (see the
		// ATA adapter).
		p.Class = report.ClassSSD
		p.Notes = append(p.Notes, "VPD page B1h reports no rotation rate: rated as flash (SSD), the stricter reading")
	}
	id := report.Identity{Path: s.disk.Path, Vendor: in.Inquiry.Vendor, Model: in.Inquiry.Product,
		Firmware: in.Inquiry.Revision, Serial: in.Serial, WWN: s.disk.WWN, Transport: string(s.disk.Transport),
		Bay: s.disk.Location.Bay, Port: s.disk.DevPath, Rotational: rot}
	if id.Serial == "" {
		id.Serial = s.disk.Serial
	}
	if in.WWN != "" {
		id.WWN = "naa." + strings.ToLower(in.WWN)
	}
	if c := in.Capacity; c != nil {
		id.CapacityBytes, id.LogicalSectorSize, id.PhysicalSectorSize = c.Bytes(), c.LogicalBlockSize, c.PhysicalBlockSize()
	} else {
		id.CapacityBytes = uint64(s.disk.Size)
		id.LogicalSectorSize, id.PhysicalSectorSize = uint32(s.disk.LogicalBlockSize), uint32(s.disk.PhysicalBlockSize)
		p.Notes = append(p.Notes, "READ CAPACITY(16) failed: the capacity is the kernel's")
	}
	p.Identity = id
	if in.Readiness != "" && in.Readiness != "ready" {
		p.Notes = append(p.Notes, "readiness: "+in.Readiness)
	}

	logs, errs := smart.ReadSCSILogs(ctx, s.dev)
	if logs.InformationalExceptions != nil || logs.Temperature != nil || logs.SolidStateMedia != nil ||
		logs.BackgroundScan != nil || logs.ReadErrors != nil {
		p.SMART = smart.FromSCSI(logs)
	} else {
		p.Notes = append(p.Notes, "no health log page could be read")
	}
	for _, e := range errs {
		p.Notes = append(p.Notes, "LOG SENSE: "+e.Error())
	}

	p.Hidden = report.HiddenAreas{Checked: true, Note: "SCSI has no HPA/DCO; READ CAPACITY reports the whole medium"}
	tri := func(a scsi.SanitizeAction) plan.Tri {
		switch in.Sanitize[a] {
		case "supported":
			return plan.Yes
		case "not supported":
			return plan.No
		}
		return plan.Unknown
	}
	p.Caps = plan.Capabilities{Class: p.Class, HostWritable: !s.disk.ReadOnly, SCSI: &plan.SCSI{
		SanitizeCrypto: tri(scsi.SanitizeCryptoErase), SanitizeBlock: tri(scsi.SanitizeBlockErase),
		SanitizeOverwrite: tri(scsi.SanitizeOverwrite),
	}}
	// SECURITY PROTOCOL IN is an SPC command every SCSI drive may take;
	// one without it refuses with ILLEGAL REQUEST.
	s.sed.via = "SCSI SECURITY PROTOCOL IN/OUT through " + s.viaText()
	var notes []string
	p.Security, p.Caps.TCG, notes = s.sed.probe(ctx, noSuchBit)
	p.Notes = append(p.Notes, notes...)
	return p, nil
}

// PSIDRevert implements worker.PSIDReverter.
func (s *SCSI) PSIDRevert(ctx context.Context, psid []byte) ([]report.TCGStep, error) {
	return s.sed.psidRevert(ctx, psid)
}

// Erase implements worker.Drive.
func (s *SCSI) Erase(ctx context.Context, m report.Method, env worker.Env) *worker.Outcome {
	switch m {
	case report.MethodSCSISanitizeOverwrite:
		return s.sanitize(ctx, scsi.SanitizeOverwrite, env)
	case report.MethodSCSISanitizeBlockErase:
		return s.sanitize(ctx, scsi.SanitizeBlockErase, env)
	case report.MethodTCGCryptoErase:
		return s.sed.cryptoErase(ctx)
	case report.MethodSCSISanitizeCrypto:
		return s.sanitize(ctx, scsi.SanitizeCryptoErase, env)
	}
	return &worker.Outcome{Outcome: report.OutcomeUnsupported, Errors: []string{fmt.Sprintf("%s: %v", m, errNotErased)}}
}

func scsiOutcome(err error) report.Outcome {
	switch {
	case err == nil:
		return report.OutcomeSuccess
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return report.OutcomeInterrupted
	case errors.Is(err, scsi.ErrUnsupported):
		return report.OutcomeUnsupported
	}
	return report.OutcomeFailed
}

// sanitize runs SANITIZE with IMMED, polling REQUEST SENSE for progress,
// and with AUSE set so that a failed sanitize can be left with EXIT FAILURE
// MODE (SBC-4 5.30), which kesu tries at once.
func (s *SCSI) sanitize(ctx context.Context, a scsi.SanitizeAction, env worker.Env) *worker.Outcome {
	o := scsi.SanitizeOptions{Action: a, AUSE: true}
	if a == scsi.SanitizeOverwrite {
		// One pass of a 4-byte zero pattern, so the result is checkable.
		o.OverwritePasses, o.OverwritePattern = 1, make([]byte, 4)
	}
	o.OnProgress = sampleProgress(env, "")
	res, err := s.dev.Sanitize(ctx, o)
	opName := "SANITIZE " + a.String()
	out := &worker.Outcome{Outcome: scsiOutcome(err), Mechanism: fmt.Sprintf("SCSI %s (IMMED, AUSE) via %s", opName, s.viaText())}
	if err == nil && (res == nil || !res.Completed) {
		out.Outcome, err = report.OutcomeFailed, errors.New("the sanitize did not report completion")
	}
	if err != nil {
		out.Errors = append(out.Errors, err.Error())
	}
	if a == scsi.SanitizeOverwrite {
		out.Pattern, out.Passes = "00000000h (zeros)", 1
	}
	out.Details = append(out.Details, "AUSE set: if the sanitize fails, EXIT FAILURE MODE may take the drive out of the failure state instead of leaving it unusable until another sanitize succeeds")
	if res != nil {
		if res.Supported != "" {
			out.Details = append(out.Details, "REPORT SUPPORTED OPERATION CODES: "+res.Supported)
		}
		if len(res.CDB) > 0 {
			out.Details = append(out.Details, fmt.Sprintf("CDB % x", res.CDB))
		}
		if len(res.Params) > 0 {
			out.Details = append(out.Details, fmt.Sprintf("parameter list % x", res.Params))
		}
		if res.Estimate > 0 {
			out.Details = append(out.Details, fmt.Sprintf("the drive's recommended timeout: %s", res.Estimate))
		} else {
			out.Details = append(out.Details, "the drive gave no time estimate")
		}
		if !res.Started.IsZero() {
			out.Details = append(out.Details, fmt.Sprintf("started %s, ran %s, %d REQUEST SENSE polls", res.Started.UTC().Format(time.RFC3339), res.Duration.Round(time.Millisecond), res.Polls))
		}
		if p := progressSummary(res.Progress); p != "" {
			out.Details = append(out.Details, p)
		}
		for _, f := range res.Failures {
			if err == nil || f.Error() != err.Error() {
				out.Details = append(out.Details, "failure: "+f.Error())
			}
		}
	}
	if out.Outcome == report.OutcomeSuccess {
		out.Expect, out.ExpectWhy = s.sanitizeExpect(a)
		return out
	}
	if out.Outcome == report.OutcomeUnsupported {
		return out
	}
	// After a failure: is the drive in the sanitize failure state?
	state := s.dev.TestUnitReady(context.WithoutCancel(ctx))
	switch {
	case errors.Is(err, scsi.ErrSanitizeFailed) || errors.Is(state, scsi.ErrSanitizeFailed):
		xerr := s.dev.ExitSanitizeFailure(context.WithoutCancel(ctx))
		if xerr == nil {
			out.Details = append(out.Details, "SANITIZE EXIT FAILURE MODE sent after the failure: accepted")
			out.Recovery = fmt.Sprintf("SCSI %s failed part-way on %s; kesu sent SANITIZE EXIT FAILURE MODE (allowed because the sanitize ran with AUSE set): the drive reads and writes again, no action is needed for it, but its content is only partly sanitized", opName, s.disk.Path)
		} else {
			out.Errors = append(out.Errors, fmt.Sprintf("EXIT FAILURE MODE: %v", xerr))
			out.Recovery = fmt.Sprintf("%s (serial %s) is in the SCSI sanitize failure state after %s: it refuses reads and writes (MEDIUM ERROR 31h/03h) until a SANITIZE completes; kesu's EXIT FAILURE MODE failed (%v). Recover with a sanitize that completes: run kesu again, or `sg_sanitize --quick --overwrite --zero %s` (or --block / --crypto as the drive supports), then check with `sg_turs %s`",
				s.disk.Path, s.serial(), opName, xerr, s.disk.Path, s.disk.Path)
		}
	case errors.Is(state, scsi.ErrSanitizeInProgress):
		out.Recovery = fmt.Sprintf("%s (serial %s): %s is still running inside the drive (it continues across power cycles; reads and writes are refused until it ends). Watch it with `sg_requests --progress %s`; if it ends in the failure state, run kesu again",
			s.disk.Path, s.serial(), opName, s.disk.Path)
	}
	return out
}

func (s *SCSI) serial() string {
	if s.in != nil && s.in.Serial != "" {
		return s.in.Serial
	}
	return s.disk.Serial
}

// sanitizeExpect is the content a completed SANITIZE declares: zeros for
// the one-pass zero overwrite; zeros for a block erase only when READ
// CAPACITY(16) sets LBPRZ (unmapped blocks read as zeros); nothing for a
// cryptographic erase, which only the canaries check.
func (s *SCSI) sanitizeExpect(a scsi.SanitizeAction) (erase.Expectation, string) {
	switch a {
	case scsi.SanitizeOverwrite:
		return erase.ExpectPattern(erase.Zero()), "zeros: SANITIZE OVERWRITE ran one pass of the pattern 00000000h"
	case scsi.SanitizeBlockErase:
		if s.in != nil && s.in.Capacity != nil && s.in.Capacity.LBPRZ {
			return erase.ExpectPattern(erase.Zero()), "zeros: READ CAPACITY(16) sets LBPRZ (unmapped blocks read as zeros)"
		}
		return nil, "the content after BLOCK ERASE is vendor-defined (READ CAPACITY(16) does not set LBPRZ): checked by the canaries only"
	}
	return nil, "CRYPTOGRAPHIC ERASE leaves unpredictable content: checked by the canaries only"
}
