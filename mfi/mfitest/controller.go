// Package mfitest emulates a MegaRAID controller behind mfi.Transport:
// it decodes each frame the way the firmware (and, for what comes back,
// the Linux driver's MEGASAS_IOC_FIRMWARE) does and answers the DCMDs
// package mfi sends and MFI_CMD_PD_SCSI_IO, which it forwards to emulated
// drives. Its reply layouts are written here from the header field lists
// (megaraid_sas.h, QEMU hw/scsi/mfi.h), not with package mfi's decoders.
package mfitest

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/kesu-erase/kesu/mfi"
	"github.com/kesu-erase/kesu/scsi"
)

// Controller is an emulated MegaRAID controller.
type Controller struct {
	Host                                         uint16
	Product, Serial, Firmware                    string
	VendorID, DeviceID, SubVendorID, SubDeviceID uint16
	// JBOD sets both the JBOD-enabled property and the JBOD-supported
	// capability in the controller info.
	JBOD      bool
	PDs       []*PD
	LDs       []*LD
	HotSpares []uint16 // device ids of global hot spares
	// ReportSCSIStatus also writes the frame's scsi_status back. The
	// Linux ioctl copies back only cmd_status (megasas_mgmt_fw_ioctl),
	// which is what the emulator does by default.
	ReportSCSIStatus bool
	// QEMU behaves as QEMU's megasas does: a pass-through frame addresses
	// device id (target_id<<8)|lun, and a frame without a scatter-gather
	// entry (sge_count 0: a command without data) fails with CHECK
	// CONDITION, HARDWARE ERROR 44h/00h (hw/scsi/megasas.c
	// megasas_map_sgl refuses iov_count 0 since QEMU 5.2; megasas_handle_scsi
	// then writes TARGET FAILURE sense).
	QEMU bool

	mu  sync.Mutex
	log []Entry
}

// PD is one emulated physical drive.
type PD struct {
	DeviceID  uint16
	Enclosure uint16 // enclosure device id (0xFFFF: none)
	Slot      uint8
	State     mfi.PDState
	// Dev answers the drive's SCSI commands (scsitest.Drive,
	// atatest.Drive); nil for a slot with no drive behind it.
	Dev scsi.Transport
	// RefusePassthrough makes the firmware refuse PD_SCSI_IO for the
	// drive, as RAID-mode firmware may for online members, with
	// RefuseStatus (0 means 0x01 INVALID_CMD).
	RefusePassthrough bool
	RefuseStatus      byte
	// Gone models a drive pulled after the list was made: it stays in
	// the PD list but every command for it ends DEVICE_NOT_FOUND.
	Gone bool
}

// LD is one emulated logical drive over some of the PDs. RAIDLevel is 0,
// 1, 5, 6, 10, 50 or 60; the spanned levels use two spans, each over half
// the members.
type LD struct {
	TargetID  uint8
	RAIDLevel int
	Members   []uint16
	Name      string
}

// Entry is one frame the controller received.
type Entry struct {
	Frame  [mfi.FrameSize]byte // as received
	Cmd    byte
	Opcode uint32 // DCMD opcode (DCMD frames only)
	Target uint8  // target_id (pass-through frames only)
	CDB    []byte // pass-through frames only
	Status byte   // the cmd_status returned
}

// ErrNoHost is returned for a packet addressed to another host number,
// where the driver fails the ioctl with ENODEV.
var ErrNoHost = errors.New("mfitest: no controller at that host number")

// Log returns the frames received.
func (c *Controller) Log() []Entry {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Entry(nil), c.log...)
}

// MFI status codes and opcodes, from megaraid_sas.h enum MFI_STAT and
// MR_DCMD_* (written out here rather than taken from package mfi).
const (
	stOK              = 0x00
	stInvalidCmd      = 0x01
	stInvalidDCMD     = 0x02
	stInvalidParam    = 0x03
	stDeviceNotFound  = 0x0C
	stSCSIDoneWithErr = 0x2D
	stSCSIIOFailed    = 0x2E

	opCtrlGetInfo = 0x01010000
	opPDGetList   = 0x02010000
	opPDGetInfo   = 0x02020000
	opLDGetList   = 0x03010000
	opCfgRead     = 0x04010000
)

var le = binary.LittleEndian

// Exec implements mfi.Transport.
func (c *Controller) Exec(ctx context.Context, p *mfi.Packet) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if p.Host != c.Host {
		return fmt.Errorf("%w: host %d", ErrNoHost, p.Host)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e := Entry{Frame: p.Frame, Cmd: p.Frame[0x00]}
	var st, scsiStatus byte
	switch e.Cmd {
	case 0x05: // MFI_CMD_DCMD
		e.Opcode = le.Uint32(p.Frame[0x18:])
		st = c.dcmd(ctx, p, e.Opcode)
	case 0x04: // MFI_CMD_PD_SCSI_IO
		e.Target = p.Frame[0x04]
		n := min(int(p.Frame[0x06]), 16)
		e.CDB = append([]byte(nil), p.Frame[0x20:0x20+n]...)
		st, scsiStatus = c.passthrough(ctx, p)
	default:
		st = stInvalidCmd
	}
	p.Frame[0x02] = st
	if c.ReportSCSIStatus {
		p.Frame[0x03] = scsiStatus
	}
	e.Status = st
	c.log = append(c.log, e)
	return nil
}

// dataLenOK checks what the driver and firmware check of a frame's data:
// one scatter-gather entry exactly when there is a buffer, and
// data_xfer_len (0x14) equal to it.
func dataLenOK(p *mfi.Packet) bool {
	want := byte(0)
	if len(p.Data) > 0 {
		want = 1
	}
	return p.Frame[0x07] == want && le.Uint32(p.Frame[0x14:]) == uint32(len(p.Data))
}

func (c *Controller) dcmd(ctx context.Context, p *mfi.Packet, opcode uint32) byte {
	if !dataLenOK(p) {
		return stInvalidParam
	}
	switch opcode {
	case opCtrlGetInfo:
		if len(p.Data) < 0x800 {
			return stInvalidParam // as QEMU's megasas_ctrl_get_info
		}
		clear(p.Data)
		c.ctrlInfo(p.Data)
	case opPDGetList:
		if len(p.Data) < 8 {
			return stInvalidParam
		}
		fill(p.Data, c.pdList())
	case opPDGetInfo:
		if len(p.Data) < 512 {
			return stInvalidParam
		}
		pd := c.pd(le.Uint16(p.Frame[0x1C:])) // mbox.s[0]
		if pd == nil || pd.Gone {
			return stDeviceNotFound
		}
		clear(p.Data)
		c.pdInfo(ctx, pd, p.Data)
	case opLDGetList:
		if len(p.Data) < 8 {
			return stInvalidParam
		}
		fill(p.Data, c.ldList(ctx))
	case opCfgRead:
		if len(p.Data) < 32 {
			return stInvalidParam
		}
		fill(p.Data, c.config(ctx))
	default:
		return stInvalidDCMD
	}
	return stOK
}

// fill copies a reply into the buffer: as much as fits, zeros after.
func fill(dst, reply []byte) {
	n := copy(dst, reply)
	clear(dst[n:])
}

func (c *Controller) pd(id uint16) *PD {
	for _, pd := range c.PDs {
		if pd.DeviceID == id {
			return pd
		}
	}
	return nil
}

func putString(dst []byte, s string) { copy(dst[:len(dst)-1], s) } // keeps a NUL at the end

// ctrlInfo writes struct megasas_ctrl_info: pci ids at 0x00–0x07,
// image_component_count at 0xB4 and image_component[0] (name 8, version
// 32, build_date 16, build_time 16) at 0xB8, product_name[80] at 0x540,
// serial_no[32] at 0x590, max_request_size at 0x5BC, ld_present_count
// 0x5C0, pd_present_count 0x5C6, properties.OnOffProperties at 0x620
// (enableJBOD bit 13), package_version[0x60] at 0x640,
// adapterOperations2 at 0x7A4 (supportJBOD bit 11).
func (c *Controller) ctrlInfo(b []byte) {
	le.PutUint16(b[0x00:], c.VendorID)
	le.PutUint16(b[0x02:], c.DeviceID)
	le.PutUint16(b[0x04:], c.SubVendorID)
	le.PutUint16(b[0x06:], c.SubDeviceID)
	le.PutUint32(b[0xB4:], 1)
	putString(b[0xB8:0xB8+8], "APP")
	putString(b[0xC0:0xC0+32], c.Firmware)
	putString(b[0x540:0x540+80], c.Product)
	putString(b[0x590:0x590+32], c.Serial)
	le.PutUint32(b[0x5BC:], 2048)
	le.PutUint16(b[0x5C0:], uint16(len(c.LDs)))
	le.PutUint16(b[0x5C6:], uint16(len(c.PDs)))
	putString(b[0x640:0x640+0x60], c.Firmware)
	if c.JBOD {
		le.PutUint32(b[0x620:], 1<<13)
		le.PutUint32(b[0x7A4:], 1<<11)
	}
}

// pdList builds struct MR_PD_LIST: size, count, then 24-byte
// MR_PD_ADDRESS entries (deviceId 0, enclDeviceId 2, enclIndex 4,
// slotNumber 5, scsiDevType 6, connectedPortBitmap 7, sasAddr[2] 8). The
// size is that of the whole list, which may exceed the buffer.
func (c *Controller) pdList() []byte {
	b := make([]byte, 8+24*len(c.PDs))
	le.PutUint32(b[0:], uint32(len(b)))
	le.PutUint32(b[4:], uint32(len(c.PDs)))
	for i, pd := range c.PDs {
		e := b[8+24*i:]
		le.PutUint16(e[0:], pd.DeviceID)
		le.PutUint16(e[2:], pd.Enclosure)
		e[5] = pd.Slot
		e[7] = 0x01
		le.PutUint64(e[8:], sasAddress(pd.DeviceID))
	}
	return b
}

// sasAddress makes up a SAS address for a drive.
func sasAddress(id uint16) uint64 { return 0x5000c50000000000 | uint64(id)<<8 }

// sectors returns a drive's capacity in 512-byte sectors from READ
// CAPACITY(16), 0 when it cannot tell.
func sectors(ctx context.Context, dev scsi.Transport) uint64 {
	if dev == nil {
		return 0
	}
	buf := make([]byte, 32)
	cdb := []byte{0x9E, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0}
	r, err := dev.Exec(ctx, &scsi.Command{CDB: cdb, Dir: scsi.DirFromDevice, Data: buf, Timeout: time.Minute})
	if err != nil || r.Status != scsi.StatusGood {
		return 0
	}
	blocks := binary.BigEndian.Uint64(buf[0:]) + 1
	return blocks * uint64(binary.BigEndian.Uint32(buf[8:])) / 512
}

// pdInfo writes struct MR_PD_INFO: ref.deviceId 0, inquiryData[96] 4,
// scsiDevType 165, connectedPortBitmap 166, fwState 184, state (DDF type:
// intf in bits 12–15, 2 = SAS) 188, pathInfo.count 192, pathInfo.sasAddr
// 200, rawSize 232, nonCoercedSize 240, coercedSize 248, enclDeviceId
// 256, slotNumber 259. The INQUIRY data is the drive's own, as the
// firmware holds it.
func (c *Controller) pdInfo(ctx context.Context, pd *PD, b []byte) {
	le.PutUint16(b[0:], pd.DeviceID)
	if pd.Dev != nil {
		inq := b[4:100]
		cdb := []byte{0x12, 0, 0, 0, 96, 0}
		pd.Dev.Exec(ctx, &scsi.Command{CDB: cdb, Dir: scsi.DirFromDevice, Data: inq, Timeout: time.Minute})
	}
	b[166] = 0x01
	le.PutUint16(b[184:], uint16(pd.State))
	le.PutUint16(b[188:], 2<<12)
	b[192] = 1
	le.PutUint64(b[200:], sasAddress(pd.DeviceID))
	n := sectors(ctx, pd.Dev)
	le.PutUint64(b[232:], n)
	le.PutUint64(b[240:], n)
	le.PutUint64(b[248:], n&^(2048-1)) // coerced down to 1 MiB
	le.PutUint16(b[256:], pd.Enclosure)
	b[259] = pd.Slot
}

// spans splits an LD's members into its spans and returns the DDF
// primary and secondary RAID levels (SNIA DDF PRL/SRL; mfiutil
// build_volume uses secondary level 3 for spanned levels).
func (ld *LD) spans() (members [][]uint16, primary, secondary byte) {
	switch ld.RAIDLevel {
	case 10, 50, 60:
		h := len(ld.Members) / 2
		members = [][]uint16{ld.Members[:h], ld.Members[h:]}
		secondary = 3
	default:
		members = [][]uint16{ld.Members}
	}
	switch ld.RAIDLevel {
	case 0:
		primary = 0x00
	case 1, 10:
		primary = 0x01
	case 5, 50:
		primary = 0x05
	case 6, 60:
		primary = 0x06
	default:
		primary = byte(ld.RAIDLevel)
	}
	return members, primary, secondary
}

// ldShape computes a logical drive's state and size in sectors from its
// members.
func (c *Controller) ldShape(ctx context.Context, ld *LD) (state byte, size uint64) {
	good := 0
	var smallest uint64
	for i, id := range ld.Members {
		pd := c.pd(id)
		if pd != nil && !pd.Gone && pd.State == mfi.PDOnline {
			good++
		}
		var n uint64
		if pd != nil && !pd.Gone {
			n = sectors(ctx, pd.Dev) &^ (2048 - 1)
		}
		if i == 0 || n < smallest {
			smallest = n
		}
	}
	switch {
	case good == 0:
		state = 0 // offline
	case good < len(ld.Members):
		state = 2 // degraded
	default:
		state = 3 // optimal
	}
	spans, primary, _ := ld.spans()
	for _, s := range spans {
		data := len(s)
		switch primary {
		case 0x01:
			data = len(s) / 2
		case 0x05:
			data = len(s) - 1
		case 0x06:
			data = len(s) - 2
		}
		size += uint64(max(data, 0)) * smallest
	}
	return state, size
}

// ldList builds struct MR_LD_LIST: ldCount, reserved, then 16-byte
// entries (ref.targetId 0, ref.seqNum 2, state 4, size 8).
func (c *Controller) ldList(ctx context.Context) []byte {
	b := make([]byte, 8+16*len(c.LDs))
	le.PutUint32(b[0:], uint32(len(c.LDs)))
	for i, ld := range c.LDs {
		e := b[8+16*i:]
		state, size := c.ldShape(ctx, ld)
		e[0] = ld.TargetID
		e[4] = state
		le.PutUint64(e[8:], size)
	}
	return b
}

// config builds the CFG_READ reply as real firmware lays it out: a
// 32-byte struct mfi_config_data (size 0, array_count 4, array_size 6,
// log_drv_count 8, log_drv_size 10, spares_count 12, spares_size 14,
// each *_size the size of one element), then the arrays (struct
// mfi_array, 288 bytes: size 0, num_drives 8, array_ref 10, pd[32] of 8
// bytes from 32: device_id, seq_num, fw_state, encl.pd, encl.slot), the
// logical drives (struct mfi_ld_config, 256 bytes: target_id 0, name[16]
// 4, params from 32: primary 32, qualifier 33, secondary 34, stripe 35,
// num_drives 36, span_depth 37, state 38; span[8] of 24 bytes from 64:
// start_block, num_blocks, array_ref) and the spares (struct mfi_spare,
// 40 bytes: device_id 0, spare_type 4, array_count 7, array_refd[16] 8).
func (c *Controller) config(ctx context.Context) []byte {
	const hdr, arSize, ldSize, spSize = 32, 288, 256, 40
	type span struct {
		ref     uint16
		members []uint16
	}
	var arrays []span
	ldSpans := make([][]span, len(c.LDs))
	for i, ld := range c.LDs {
		groups, _, _ := ld.spans()
		for _, g := range groups {
			s := span{ref: uint16(len(arrays)), members: g}
			arrays = append(arrays, s)
			ldSpans[i] = append(ldSpans[i], s)
		}
	}
	b := make([]byte, hdr+arSize*len(arrays)+ldSize*len(c.LDs)+spSize*len(c.HotSpares))
	le.PutUint32(b[0:], uint32(len(b)))
	le.PutUint16(b[4:], uint16(len(arrays)))
	le.PutUint16(b[6:], arSize)
	le.PutUint16(b[8:], uint16(len(c.LDs)))
	le.PutUint16(b[10:], ldSize)
	le.PutUint16(b[12:], uint16(len(c.HotSpares)))
	le.PutUint16(b[14:], spSize)
	p := hdr
	for _, a := range arrays {
		e := b[p : p+arSize]
		var smallest uint64
		for j, id := range a.members {
			pd := c.pd(id)
			m := e[32+8*j:]
			le.PutUint16(m[0:], id)
			if pd != nil {
				le.PutUint16(m[4:], uint16(pd.State))
				m[6], m[7] = 0, pd.Slot
				n := sectors(ctx, pd.Dev) &^ (2048 - 1)
				if j == 0 || n < smallest {
					smallest = n
				}
			}
		}
		for j := len(a.members); j < 32; j++ {
			m := e[32+8*j:]
			le.PutUint16(m[0:], 0xFFFF)
			m[6], m[7] = 0xFF, 0xFF
		}
		le.PutUint64(e[0:], smallest)
		e[8] = byte(len(a.members))
		le.PutUint16(e[10:], a.ref)
		p += arSize
	}
	for i, ld := range c.LDs {
		e := b[p : p+ldSize]
		_, primary, secondary := ld.spans()
		state, _ := c.ldShape(ctx, ld)
		e[0] = ld.TargetID
		copy(e[4:20], ld.Name)
		e[32], e[34], e[35] = primary, secondary, 7 // 64 KiB stripes (512 << 7)
		e[36] = byte(len(ldSpans[i][0].members))
		e[37] = byte(len(ldSpans[i]))
		e[38] = state
		for j, s := range ldSpans[i] {
			sp := e[64+24*j:]
			le.PutUint16(sp[16:], s.ref)
		}
		p += ldSize
	}
	for _, id := range c.HotSpares {
		le.PutUint16(b[p:], id)
		p += spSize
	}
	return b
}

// passthrough carries out an MFI_CMD_PD_SCSI_IO frame: target_id 0x04,
// lun 0x05, cdb_len 0x06, flags 0x10 (DIR_WRITE 0x08, DIR_READ 0x10),
// timeout 0x12 (seconds), sense_len 0x01, cdb 0x20.
func (c *Controller) passthrough(ctx context.Context, p *mfi.Packet) (status, scsiStatus byte) {
	f := &p.Frame
	id, lunOK := uint16(f[0x04]), f[0x05] == 0
	if c.QEMU {
		id, lunOK = uint16(f[0x04])<<8|uint16(f[0x05]), true
	}
	pd := c.pd(id)
	if !lunOK || pd == nil || pd.Gone || pd.Dev == nil {
		return stDeviceNotFound, 0
	}
	if c.QEMU && f[0x07] == 0 {
		// Fixed-format sense: HARDWARE ERROR, ASC 44h (internal target
		// failure).
		sense := make([]byte, 18)
		sense[0], sense[2], sense[7], sense[12] = 0x70, 0x04, 0x0A, 0x44
		clear(p.Sense)
		copy(p.Sense, sense[:min(len(sense), int(f[0x01]))])
		return stSCSIDoneWithErr, scsi.StatusCheckCondition
	}
	if pd.RefusePassthrough {
		if pd.RefuseStatus != 0 {
			return pd.RefuseStatus, 0
		}
		return stInvalidCmd, 0
	}
	cdbLen := int(f[0x06])
	if cdbLen == 0 || cdbLen > 16 || !dataLenOK(p) {
		return stInvalidParam, 0
	}
	cmd := &scsi.Command{CDB: append([]byte(nil), f[0x20:0x20+cdbLen]...), Data: p.Data, Timeout: 30 * time.Second}
	if t := le.Uint16(f[0x12:]); t != 0 {
		cmd.Timeout = time.Duration(t) * time.Second
	}
	switch le.Uint16(f[0x10:]) & 0x18 {
	case 0x10:
		cmd.Dir = scsi.DirFromDevice
	case 0x08:
		cmd.Dir = scsi.DirToDevice
	case 0x00:
		cmd.Dir = scsi.DirNone
	default:
		return stInvalidParam, 0
	}
	if (cmd.Dir == scsi.DirNone) != (len(p.Data) == 0) {
		return stInvalidParam, 0
	}
	r, err := pd.Dev.Exec(ctx, cmd)
	if err != nil {
		return stSCSIIOFailed, 0
	}
	clear(p.Sense)
	if r.Status == scsi.StatusGood {
		return stOK, 0
	}
	n := min(len(p.Sense), int(f[0x01]))
	copy(p.Sense[:n], r.Sense)
	return stSCSIDoneWithErr, r.Status
}
