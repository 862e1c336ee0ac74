package ciss

import (
	"context"
	"fmt"

	"github.com/kesu-erase/kesu/scsi"
)

// Controller issues CISS commands to one controller through a Transport.
type Controller struct {
	T Transport
}

// do runs a controller-level command and requires success (an underrun is
// success: the drivers treat it so, hpsa.c hpsa_scsi_do_report_luns and
// hpsa_bmic_id_physical_device).
func (c *Controller) do(ctx context.Context, op string, r *Request) error {
	if err := c.T.Exec(ctx, r); err != nil {
		return fmt.Errorf("ciss: LUN %s: %s: %w", r.LUN, op, err)
	}
	switch r.CommandStatus {
	case CmdSuccess, CmdDataUnderrun:
		if r.ScsiStatus == scsi.StatusGood {
			return nil
		}
		// smartpqi reports a target's CHECK CONDITION with command
		// status success (pqi_error_info_to_ciss: data_out_result GOOD).
		return statusError(op, r, ErrRefused)
	case CmdTargetStatus:
		return statusError(op, r, ErrRefused)
	}
	return statusError(op, r, Sentinel(r.CommandStatus))
}

func dataIn(lun LUN, cdb []byte, n int) *Request {
	return &Request{LUN: lun, CDB: cdb, Dir: scsi.DirFromDevice, Data: make([]byte, n), Timeout: scsi.ShortTimeout}
}

// ReportPhysical reads REPORT PHYSICAL LUNS in the given format, growing the
// buffer (up to MaxTransfer) if the list is longer than the first guess.
func (c *Controller) ReportPhysical(ctx context.Context, format byte) (*PhysicalReport, error) {
	size := extendedEntryLen
	if format == FormatExtended16 {
		size = extended16EntryLen
	}
	alloc := reportHeaderLen + MaxPhysicalLUNs*size
	for {
		if alloc > MaxTransfer {
			alloc = MaxTransfer
		}
		r := dataIn(LUN{}, ReportPhysicalLUNsCDB(format, uint32(alloc)), alloc)
		if err := c.do(ctx, "REPORT PHYSICAL LUNS", r); err != nil {
			return nil, err
		}
		rep, err := DecodeReportPhysical(r.Data)
		if err != nil || !rep.Truncated || alloc == MaxTransfer {
			return rep, err
		}
		alloc = reportHeaderLen + int(rep.ListLength)
	}
}

// ReportLogical reads REPORT LOGICAL LUNS (plain 8-byte entries).
func (c *Controller) ReportLogical(ctx context.Context) (*LogicalReport, error) {
	alloc := reportHeaderLen + MaxPhysicalLUNs*plainEntryLen
	for {
		if alloc > MaxTransfer {
			alloc = MaxTransfer
		}
		r := dataIn(LUN{}, ReportLogicalLUNsCDB(0, uint32(alloc)), alloc)
		if err := c.do(ctx, "REPORT LOGICAL LUNS", r); err != nil {
			return nil, err
		}
		rep, err := DecodeReportLogical(r.Data)
		if err != nil || !rep.Truncated || alloc == MaxTransfer {
			return rep, err
		}
		alloc = reportHeaderLen + int(rep.ListLength)
	}
}

// IdentifyPhysical reads BMIC IDENTIFY PHYSICAL DEVICE for a drive index
// (LUN.DriveNumber). It is addressed to the controller.
func (c *Controller) IdentifyPhysical(ctx context.Context, index uint16) (*IdentifyPhysical, error) {
	r := dataIn(LUN{}, BMICIdentifyPhysicalCDB(index, IdentifyPhysicalLen), IdentifyPhysicalLen)
	if err := c.do(ctx, fmt.Sprintf("BMIC IDENTIFY PHYSICAL DEVICE %d", index), r); err != nil {
		return nil, err
	}
	return DecodeIdentifyPhysical(r.Data)
}

// RAIDLevel reads a logical drive's RAID level from VPD page C1h.
func (c *Controller) RAIDLevel(ctx context.Context, lun LUN) (RAIDLevel, error) {
	const alloc = 64 // hpsa and smartpqi read 64 bytes
	r := dataIn(lun, scsi.InquiryCDB(true, VPDLogicalDriveGeometry, alloc), alloc)
	if err := c.do(ctx, "INQUIRY VPD C1h", r); err != nil {
		return RAIDUnknown, err
	}
	return DecodeLogicalDriveGeometry(r.Data)
}

// PD is a physical device behind the controller.
type PD struct {
	LUN  LUN
	WWID []byte // from the extended report; nil in the plain format
	Type DeviceType
	// Flags are the extended report's device flags (FlagNonDisk, ...).
	Flags byte
	// Hidden: the controller does not expose the drive to the host,
	// usually because it is a member of a logical drive or a spare.
	Hidden bool
	// NonDisk: an enclosure, expander or controller entry. Non-disks are
	// listed for completeness but not identified, and are no pass-through
	// target for kesu.
	NonDisk bool
	// DriveNumber is the BMIC index (LUN.DriveNumber).
	DriveNumber uint16
	// From BMIC IDENTIFY PHYSICAL DEVICE.
	Box, Bay                uint8
	Serial, Model, Firmware string
	Identify                *IdentifyPhysical
	// Problem says why a disk has no Identify.
	Problem string
}

// Location is "box B bay N", how Smart Array tools name a drive slot.
func (p *PD) Location() string { return fmt.Sprintf("box %d bay %d", p.Box, p.Bay) }

// PhysicalDrives lists the physical devices: REPORT PHYSICAL LUNS in the
// extended format, then BMIC IDENTIFY PHYSICAL DEVICE for each disk. A
// failed IDENTIFY leaves the drive listed with Problem set; only a failed
// report, or a cancelled ctx, is an error.
func (c *Controller) PhysicalDrives(ctx context.Context) ([]PD, error) {
	rep, err := c.ReportPhysical(ctx, FormatExtended)
	if err != nil {
		return nil, err
	}
	if rep.Truncated {
		return nil, fmt.Errorf("ciss: REPORT PHYSICAL LUNS lists %d bytes, more than one request carries", rep.ListLength)
	}
	pds := make([]PD, 0, len(rep.Entries))
	for _, e := range rep.Entries {
		pd := PD{LUN: e.LUN, WWID: e.WWID, Type: e.Type, Flags: e.Flags, Hidden: e.LUN.Hidden(), NonDisk: e.NonDisk()}
		if pd.NonDisk {
			pds = append(pds, pd)
			continue
		}
		n, ok := e.LUN.DriveNumber()
		pd.DriveNumber = n
		if !ok {
			pd.Problem = "LUN carries no BMIC drive number (bus 0)"
			pds = append(pds, pd)
			continue
		}
		id, err := c.IdentifyPhysical(ctx, n)
		if err != nil {
			if ctx.Err() != nil {
				return nil, err
			}
			pd.Problem = err.Error()
			pds = append(pds, pd)
			continue
		}
		pd.Identify = id
		pd.Box, pd.Bay = id.Box, id.Bay
		pd.Serial, pd.Model, pd.Firmware = id.Serial, id.Model, id.Firmware
		if pd.Type == 0 {
			pd.Type = id.Type
		}
		if id.Type != 0 && !id.Type.Disk() {
			pd.NonDisk = true
		}
		pds = append(pds, pd)
	}
	return pds, nil
}

// Disks returns the entries of pds that are disks.
func Disks(pds []PD) []PD {
	var out []PD
	for _, p := range pds {
		if !p.NonDisk {
			out = append(out, p)
		}
	}
	return out
}

// LD is a logical drive.
type LD struct {
	LUN      LUN
	VolumeID uint32
	// RAID is RAIDUnknown when VPD C1h could not be read (Problem says
	// why).
	RAID RAIDLevel
	// Members is always nil. Neither hpsa nor smartpqi reads volume
	// membership through a documented command: the only per-volume layout
	// they read is the RAID map (CISS READ C0h, C8h), which names member
	// drives by I/O-accelerator handle, and only drives with that path
	// enabled carry a handle in REPORT PHYSICAL LUNS, so it cannot give a
	// complete list. PD.Hidden tells which physical drives the controller
	// keeps for its logical drives or spares.
	Members []LUN
	Problem string
}

// LogicalDrives lists the logical drives (REPORT LOGICAL LUNS) with their
// RAID level.
func (c *Controller) LogicalDrives(ctx context.Context) ([]LD, error) {
	rep, err := c.ReportLogical(ctx)
	if err != nil {
		return nil, err
	}
	lds := make([]LD, 0, len(rep.Entries))
	for _, e := range rep.Entries {
		ld := LD{LUN: e.LUN, VolumeID: e.LUN.VolumeID(), RAID: RAIDUnknown}
		lvl, err := c.RAIDLevel(ctx, e.LUN)
		if err != nil {
			if ctx.Err() != nil {
				return nil, err
			}
			ld.Problem = err.Error()
		}
		ld.RAID = lvl
		lds = append(lds, ld)
	}
	return lds, nil
}

// Passthrough returns a scsi.Transport that sends each command to the
// physical device at lun as one CISS request.
//
// CMD_SUCCESS, CMD_DATA_UNDERRUN and CMD_TARGET_STATUS become a Response
// with the target's SCSI status, sense and residual; other command statuses
// become a *StatusError wrapping a sentinel. CMD_INVALID is ErrDeviceGone
// when the LUN is no longer in REPORT PHYSICAL LUNS (hpsa.c: a pulled drive
// answers CMD_INVALID instead of a selection timeout), else ErrRefused.
func (c *Controller) Passthrough(lun LUN) scsi.Transport { return &passthrough{c: c, lun: lun} }

type passthrough struct {
	c   *Controller
	lun LUN
}

func (p *passthrough) Exec(ctx context.Context, cmd *scsi.Command) (*scsi.Response, error) {
	if err := cmd.Validate(); err != nil {
		return nil, err
	}
	r := &Request{LUN: p.lun, CDB: cmd.CDB, Dir: cmd.Dir, Data: cmd.Data, Timeout: cmd.Timeout}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	if err := p.c.T.Exec(ctx, r); err != nil {
		return nil, err
	}
	op := fmt.Sprintf("pass-through opcode %02Xh", cmd.CDB[0])
	switch r.CommandStatus {
	case CmdSuccess, CmdDataUnderrun, CmdTargetStatus:
		if r.CommandStatus == CmdTargetStatus && r.ScsiStatus == scsi.StatusGood {
			// hpsa.c complete_scsi_command: target status with SCSI
			// status 0 is taken for a selection timeout.
			return nil, statusError(op, r, ErrDeviceGone)
		}
		resp := &scsi.Response{Status: r.ScsiStatus, Sense: r.Sense, Resid: r.Resid}
		// An underrun without a residual (smartpqi never reports one):
		// how much moved is unknown. The drivers zero their bounce
		// buffer, so the unmoved part of a read reads as zeros.
		resp.Underrun = r.CommandStatus == CmdDataUnderrun && r.Resid == 0
		return resp, nil
	case CmdInvalid:
		err := ErrRefused
		if p.c.absent(ctx, p.lun) {
			err = ErrDeviceGone
		}
		return nil, statusError(op, r, err)
	}
	return nil, statusError(op, r, Sentinel(r.CommandStatus))
}

// absent reports whether REPORT PHYSICAL LUNS succeeds and no longer lists
// lun.
func (c *Controller) absent(ctx context.Context, lun LUN) bool {
	rep, err := c.ReportPhysical(ctx, FormatExtended)
	if err != nil || rep.Truncated {
		return false
	}
	for _, e := range rep.Entries {
		if e.LUN == lun {
			return false
		}
	}
	return true
}
