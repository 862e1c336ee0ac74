// Package cisstest emulates an HPE Smart Array / SmartPQI controller behind
// ciss.Transport, written from the drivers' headers (hpsa_cmd.h,
// smartpqi.h, cciss_defs.h) since no emulator of the real firmware exists.
// It answers REPORT PHYSICAL LUNS (plain and extended format 2), REPORT
// LOGICAL LUNS, BMIC IDENTIFY PHYSICAL DEVICE and INQUIRY VPD C1h for
// logical drives, and passes SCSI commands to each physical drive's own
// scsi.Transport (for example a scsitest.Drive), with faults: a drive whose
// pass-through the controller refuses, and a pulled drive.
//
// Its reply layouts are written here byte by byte, independently of the
// ciss package's decoders, so tests of ciss against it check both.
package cisstest

import (
	"context"
	"encoding/binary"
	"fmt"
	"sync"

	"github.com/kesu-erase/kesu/ciss"
	"github.com/kesu-erase/kesu/scsi"
)

// PD is an emulated physical device.
type PD struct {
	LUN  ciss.LUN
	WWID [8]byte
	// Type is the controller's device type (default SAS). Enclosures,
	// expanders and controllers have no Dev.
	Type  ciss.DeviceType
	Flags byte // extended-report device flags
	// Identity reported by BMIC IDENTIFY PHYSICAL DEVICE.
	Box, Bay                           uint8
	Serial, Model, Firmware, Connector string
	BlockSize                          uint16
	Blocks                             uint64
	// Dev receives the pass-through commands.
	Dev scsi.Transport
	// Refuse makes the controller answer CMD_INVALID to pass-through
	// while it still lists the drive.
	Refuse bool
	// Gone: the drive was pulled. The controller leaves it out of REPORT
	// PHYSICAL LUNS and BMIC, and answers pass-through with GoneStatus.
	Gone bool
	// GoneStatus defaults to CMD_INVALID, which hpsa.c says a pulled drive
	// answers; CMD_CONNECTION_LOST is the other plausible answer.
	GoneStatus uint16
}

// LD is an emulated logical drive. It answers only INQUIRY VPD C1h.
type LD struct {
	LUN       ciss.LUN
	RAIDLevel uint8
}

// Entry is one request the controller received.
type Entry struct {
	LUN           ciss.LUN
	CDB           []byte
	Name          string
	CommandStatus uint16
	ScsiStatus    byte
}

// Controller is an emulated controller.
type Controller struct {
	PDs []*PD
	LDs []*LD
	// SmartPQI relays results as smartpqi's pqi_passthru_ioctl does: no
	// residual count, and a target's CHECK CONDITION with command status
	// success (smartpqi_init.c pqi_error_info_to_ciss). Otherwise results
	// come as hpsa copies the firmware's error info.
	SmartPQI bool
	// PlainReport answers REPORT PHYSICAL LUNS in the plain format,
	// whatever was asked, as old firmware does.
	PlainReport bool

	mu  sync.Mutex
	log []Entry
}

var _ ciss.Transport = (*Controller)(nil)

// Log returns the requests received.
func (c *Controller) Log() []Entry {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Entry(nil), c.log...)
}

// Exec implements ciss.Transport.
func (c *Controller) Exec(ctx context.Context, r *ciss.Request) error {
	if err := r.Validate(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	r.CommandStatus, r.ScsiStatus, r.Sense, r.Resid = 0, 0, nil, 0
	c.mu.Lock()
	defer c.mu.Unlock()
	name := "unknown"
	switch {
	case r.LUN == ciss.LUN{}:
		name = c.controllerCommand(r)
	case c.ld(r.LUN) != nil:
		name = c.logicalCommand(c.ld(r.LUN), r)
	case c.pd(r.LUN) != nil:
		var err error
		if name, err = c.passthrough(ctx, c.pd(r.LUN), r); err != nil {
			return err
		}
	default:
		r.CommandStatus = ciss.CmdInvalid
	}
	c.log = append(c.log, Entry{LUN: r.LUN, CDB: append([]byte(nil), r.CDB...), Name: name, CommandStatus: r.CommandStatus, ScsiStatus: r.ScsiStatus})
	return nil
}

func (c *Controller) pd(l ciss.LUN) *PD {
	for _, p := range c.PDs {
		if p.LUN == l {
			return p
		}
	}
	return nil
}

func (c *Controller) ld(l ciss.LUN) *LD {
	for _, d := range c.LDs {
		if d.LUN == l {
			return d
		}
	}
	return nil
}

// reply copies b into a data-in buffer; a shorter reply is an underrun
// with the residual count set.
func reply(r *ciss.Request, b []byte) {
	if r.Dir != scsi.DirFromDevice {
		r.CommandStatus = ciss.CmdInvalid
		return
	}
	n := copy(r.Data, b)
	for i := n; i < len(r.Data); i++ {
		r.Data[i] = 0
	}
	if n < len(r.Data) {
		r.CommandStatus = ciss.CmdDataUnderrun
		r.Resid = len(r.Data) - n
	}
}

func (c *Controller) controllerCommand(r *ciss.Request) string {
	cdb := r.CDB
	switch {
	case cdb[0] == 0xC3 && len(cdb) >= 10:
		reply(r, c.reportPhysical(cdb[1]&0x0F, binary.BigEndian.Uint32(cdb[6:10])))
		return "REPORT PHYSICAL LUNS"
	case cdb[0] == 0xC2 && len(cdb) >= 10:
		reply(r, c.reportLogical(binary.BigEndian.Uint32(cdb[6:10])))
		return "REPORT LOGICAL LUNS"
	case cdb[0] == 0x26 && len(cdb) >= 10 && cdb[6] == 0x15:
		index := uint16(cdb[2]) | uint16(cdb[9])<<8
		alloc := int(binary.BigEndian.Uint16(cdb[7:9]))
		p := c.byDriveNumber(index)
		if p == nil {
			r.CommandStatus = ciss.CmdInvalid
		} else {
			b := identify(p)
			if alloc < len(b) {
				b = b[:alloc]
			}
			reply(r, b)
		}
		return fmt.Sprintf("BMIC IDENTIFY PHYSICAL DEVICE %d", index)
	}
	r.CommandStatus = ciss.CmdInvalid
	return fmt.Sprintf("controller opcode %02Xh", cdb[0])
}

// reportPhysical lays out REPORT PHYSICAL LUNS: be32 list length, the
// format in byte 4, three reserved bytes, then per device the 8-byte LUN
// and, in format 2, WWID[8], device type, device flags, LUN count,
// redundant paths and a le32 accelerator handle (hpsa_cmd.h
// ext_report_lun_entry). Format 4 is answered in format 2, as smartpqi
// tolerates.
func (c *Controller) reportPhysical(format byte, alloc uint32) []byte {
	if c.PlainReport || format != 0x02 && format != 0x04 {
		format = 0
	} else {
		format = 0x02
	}
	var list []byte
	for _, p := range c.PDs {
		if p.Gone {
			continue
		}
		list = append(list, p.LUN[:]...)
		if format == 0x02 {
			typ := p.Type
			if typ == 0 {
				typ = ciss.TypeSAS
			}
			list = append(list, p.WWID[:]...)
			list = append(list, byte(typ), p.Flags, 0, 0, 0, 0, 0, 0)
		}
	}
	return header(list, format, alloc)
}

// reportLogical lays out REPORT LOGICAL LUNS with 8-byte entries.
func (c *Controller) reportLogical(alloc uint32) []byte {
	var list []byte
	for _, d := range c.LDs {
		list = append(list, d.LUN[:]...)
	}
	return header(list, 0, alloc)
}

func header(list []byte, flags byte, alloc uint32) []byte {
	b := make([]byte, 8, 8+len(list))
	binary.BigEndian.PutUint32(b[0:4], uint32(len(list)))
	b[4] = flags
	b = append(b, list...)
	if uint32(len(b)) > alloc {
		b = b[:alloc]
	}
	return b
}

// byDriveNumber finds a listed drive by BMIC index, ((byte7 & 3Fh) - 1) <<
// 8 | byte6 (hpsa_cmd.h GET_BMIC_DRIVE_NUMBER).
func (c *Controller) byDriveNumber(index uint16) *PD {
	for _, p := range c.PDs {
		bus := p.LUN[7] & 0x3F
		if p.Gone || bus == 0 {
			continue
		}
		if uint16(bus-1)<<8|uint16(p.LUN[6]) == index {
			return p
		}
	}
	return nil
}

// identify lays out the 2560-byte struct bmic_identify_physical_device
// (hpsa_cmd.h, smartpqi.h).
func identify(p *PD) []byte {
	b := make([]byte, 2560)
	le := binary.LittleEndian
	le.PutUint16(b[2:], p.BlockSize)
	total := p.Blocks
	if total > 0xFFFFFFFF {
		total = 0xFFFFFFFF
	}
	le.PutUint32(b[4:], uint32(total))
	pad(b[12:52], p.Model)
	pad(b[52:92], p.Serial)
	pad(b[92:100], p.Firmware)
	pad(b[112:114], p.Connector)
	b[114] = p.Box
	b[115] = p.Bay
	typ := p.Type
	if typ == 0 {
		typ = ciss.TypeSAS
	}
	b[120] = byte(typ)
	le.PutUint64(b[122:], p.Blocks)
	return b
}

// pad writes s space-padded, as INQUIRY-style fields are.
func pad(dst []byte, s string) {
	for i := range dst {
		dst[i] = ' '
	}
	copy(dst, s)
}

func (c *Controller) logicalCommand(d *LD, r *ciss.Request) string {
	cdb := r.CDB
	if cdb[0] == scsi.OpInquiry && len(cdb) >= 6 && cdb[1]&1 == 1 && cdb[2] == 0xC1 {
		page := make([]byte, 64)
		page[1] = 0xC1
		page[3] = 60
		page[8] = d.RAIDLevel
		alloc := int(binary.BigEndian.Uint16(cdb[3:5]))
		if alloc < len(page) {
			page = page[:alloc]
		}
		reply(r, page)
		return "INQUIRY VPD C1h"
	}
	r.CommandStatus = ciss.CmdInvalid
	return fmt.Sprintf("logical opcode %02Xh", cdb[0])
}

func (c *Controller) passthrough(ctx context.Context, p *PD, r *ciss.Request) (string, error) {
	name := fmt.Sprintf("pass-through opcode %02Xh", r.CDB[0])
	switch {
	case p.Gone:
		r.CommandStatus = p.GoneStatus
		if r.CommandStatus == 0 {
			r.CommandStatus = ciss.CmdInvalid
		}
		return name, nil
	case p.Refuse, p.Dev == nil:
		r.CommandStatus = ciss.CmdInvalid
		return name, nil
	}
	resp, err := p.Dev.Exec(ctx, &scsi.Command{CDB: r.CDB, Dir: r.Dir, Data: r.Data, Timeout: r.Timeout})
	if err != nil {
		if ctx.Err() != nil {
			return name, err
		}
		r.CommandStatus = ciss.CmdHardwareErr
		return name, nil
	}
	r.ScsiStatus = resp.Status
	switch {
	case resp.Status != scsi.StatusGood:
		r.CommandStatus = ciss.CmdTargetStatus
		if c.SmartPQI {
			r.CommandStatus = ciss.CmdSuccess
		}
		n := len(resp.Sense)
		if n > 32 {
			n = 32
		}
		r.Sense = append([]byte(nil), resp.Sense[:n]...)
	case resp.Resid > 0:
		r.CommandStatus = ciss.CmdDataUnderrun
		r.Resid = resp.Resid
	}
	if c.SmartPQI {
		r.Resid = 0
	}
	return name, nil
}
