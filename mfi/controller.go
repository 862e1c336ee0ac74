package mfi

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"

	"github.com/kesu-erase/kesu/scsi"
)

// MaxTransfer bounds one pass-through data buffer: 1 MiB, the driver's
// MEGASAS_MAX_SECTORS (2048 sectors) for MFI-series controllers. The
// ioctl bounces the data through one dma_alloc_coherent buffer, which
// must be physically contiguous, so larger buffers may fail to allocate
// (QEMU's megasas would take more: MEGASAS_MAX_SECTORS 0xFFFF there).
const MaxTransfer = 1 << 20

// SenseSize is the sense buffer offered with each pass-through frame
// (SCSI_SENSE_BUFFERSIZE, as the driver uses for its own frames).
const SenseSize = 96

// firstRead is the buffer a variable-size reply is first read into
// (mfiutil's mfi_config_read and smartmontools' megasas_pd_add_list start
// at 1024 and repeat the read with the size the firmware announces).
const firstRead = 1024

// maxReread bounds the size a repeated read may ask for.
const maxReread = 1 << 20

// Addressing is how a physical drive's device id becomes the target_id
// and lun of a pass-through frame.
type Addressing int

const (
	// AddressFirmware: target_id is the device id, lun 0, as the driver
	// (megasas_build_dcdb: device index = channel%2*128 + id) and
	// smartmontools (megasas_cmd) send it; device ids above 255 cannot
	// be addressed.
	AddressFirmware Addressing = iota
	// AddressQEMU: QEMU's megasas numbers drives (scsi-id<<8)|lun in its
	// PD list (megasas_dcmd_pd_get_list) but looks PD_SCSI_IO frames up by
	// their target_id and lun fields (megasas_handle_scsi), so the device
	// id is split into the two; and, since it refuses frames without a
	// scatter-gather entry, a command without data carries an unused
	// data-in buffer.
	AddressQEMU
)

// Controller is one MegaRAID controller reached through its firmware.
type Controller struct {
	T          Transport
	Host       uint16 // SCSI host number (hostN)
	Addressing Addressing
}

// dcmd sends a DCMD that reads into buf and checks its status.
func (c *Controller) dcmd(ctx context.Context, op string, opcode uint32, mbox [MboxSize]byte, buf []byte) error {
	f := DCMDFrame{Opcode: opcode, Mbox: mbox, DataLen: uint32(len(buf))}
	if len(buf) > 0 {
		f.Dir = scsi.DirFromDevice
	}
	frame, err := f.Build()
	if err != nil {
		return err
	}
	p := &Packet{Host: c.Host, Frame: frame, Data: buf}
	if err := c.T.Exec(ctx, p); err != nil {
		return fmt.Errorf("mfi: %s: %w", op, err)
	}
	st, _ := FrameStatus(&p.Frame)
	return CheckStatus(op, st)
}

// readSized reads a reply whose first 32-bit word announces its full
// size, repeating the read once with a buffer of that size.
func (c *Controller) readSized(ctx context.Context, op string, opcode uint32) ([]byte, error) {
	n := firstRead
	for range 2 {
		buf := make([]byte, n)
		if err := c.dcmd(ctx, op, opcode, [MboxSize]byte{}, buf); err != nil {
			return nil, err
		}
		size := int(binary.LittleEndian.Uint32(buf))
		if size <= n {
			return buf, nil
		}
		if size > maxReread {
			return nil, fmt.Errorf("mfi: %s: reply of %d bytes announced", op, size)
		}
		n = size
	}
	return nil, fmt.Errorf("mfi: %s: reply size keeps growing", op)
}

// Info reads the controller's identity and capabilities.
func (c *Controller) Info(ctx context.Context) (*Info, error) {
	buf := make([]byte, CtrlInfoSize)
	if err := c.dcmd(ctx, "CTRL_GET_INFO", DCMDCtrlGetInfo, [MboxSize]byte{}, buf); err != nil {
		return nil, err
	}
	return DecodeInfo(buf)
}

// PD is one physical drive the controller lists, with what
// MR_DCMD_PD_GET_INFO said about it.
type PD struct {
	PDAddress
	Info *PDInfo // nil when PD_GET_INFO failed
	// InfoError is why PD_GET_INFO failed (the drive may have gone since
	// the list was read).
	InfoError string
}

// PhysicalDrives lists the controller's physical devices (drives and
// enclosures: see PDAddress.IsDisk) and reads each one's details. A
// device whose details cannot be read keeps its list entry and the
// error's text; only a cancelled ctx ends the walk early.
func (c *Controller) PhysicalDrives(ctx context.Context) ([]PD, error) {
	b, err := c.readSized(ctx, "PD_GET_LIST", DCMDPDGetList)
	if err != nil {
		return nil, err
	}
	addrs, _, err := DecodePDList(b)
	if err != nil {
		return nil, err
	}
	out := make([]PD, len(addrs))
	for i, a := range addrs {
		out[i].PDAddress = a
		info, err := c.PDInfo(ctx, a.DeviceID)
		if err != nil {
			if ctx.Err() != nil {
				return nil, err
			}
			out[i].InfoError = err.Error()
			continue
		}
		out[i].Info = info
	}
	return out, nil
}

// PDInfo reads one physical drive's details.
func (c *Controller) PDInfo(ctx context.Context, deviceID uint16) (*PDInfo, error) {
	buf := make([]byte, PDInfoSize)
	op := fmt.Sprintf("PD_GET_INFO device %d", deviceID)
	if err := c.dcmd(ctx, op, DCMDPDGetInfo, MboxDeviceID(deviceID), buf); err != nil {
		return nil, err
	}
	return DecodePDInfo(buf)
}

// Config reads the RAID configuration: arrays, logical drives and hot
// spares (Config.HotSpares).
func (c *Controller) Config(ctx context.Context) (*Config, error) {
	b, err := c.readSized(ctx, "CFG_READ", DCMDCfgRead)
	if err != nil {
		return nil, err
	}
	return DecodeConfig(b)
}

// LD is one logical drive (a volume the host sees) with its member
// drives.
type LD struct {
	TargetID  uint8
	Name      string
	RAIDLevel string // "RAID-1", "RAID-10", ...
	State     LDState
	SizeBytes uint64
	Members   []uint16 // device ids of the physical drives behind it
}

// LogicalDrives lists the logical drives (at most 64, see LDListSize) and
// their members from the configuration. A logical drive the configuration
// does not describe is an error: its members would be unknown.
func (c *Controller) LogicalDrives(ctx context.Context) ([]LD, error) {
	buf := make([]byte, LDListSize)
	if err := c.dcmd(ctx, "LD_GET_LIST", DCMDLDGetList, [MboxSize]byte{}, buf); err != nil {
		return nil, err
	}
	list, err := DecodeLDList(buf)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, nil
	}
	cfg, err := c.Config(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]LD, len(list))
	for i, e := range list {
		ld := LD{TargetID: e.TargetID, State: e.State, SizeBytes: e.Sectors * sectorSize}
		members, ok := cfg.Members(e.TargetID)
		if !ok {
			return nil, fmt.Errorf("mfi: logical drive %d is not in the configuration", e.TargetID)
		}
		ld.Members = members
		for _, lc := range cfg.LDs {
			if lc.TargetID == e.TargetID {
				ld.Name, ld.RAIDLevel = lc.Name, lc.RAIDLevel()
				break
			}
		}
		out[i] = ld
	}
	return out, nil
}

// Passthrough returns a scsi.Transport that sends each command to the
// physical drive deviceID as one MFI_CMD_PD_SCSI_IO frame. Firmware
// status OK is SCSI GOOD; SCSI_DONE_WITH_ERROR returns the frame's SCSI
// status with the sense bytes (when the transport does not report the
// SCSI status — the Linux ioctl does not — sense data means CHECK
// CONDITION); SCSI_RESERVATION_CONFLICT is RESERVATION CONFLICT; any
// other status is a *StatusError (ErrDeviceNotFound, ErrRefused, ...),
// which scsi.Device reports as a transport error. Data is limited to
// MaxTransfer bytes and CDBs to 16; the command's timeout goes into the
// frame in seconds. The residual count is not reported (0).
func (c *Controller) Passthrough(deviceID uint16) scsi.Transport {
	return &pdTransport{c: c, id: deviceID}
}

// qemuNoDataBuffer is the size of the buffer a command without data
// carries under AddressQEMU.
const qemuNoDataBuffer = 512

type pdTransport struct {
	c  *Controller
	id uint16
}

func (c *Controller) address(id uint16) (target, lun uint8, err error) {
	if c.Addressing == AddressQEMU {
		return uint8(id >> 8), uint8(id), nil
	}
	if id > 0xFF {
		return 0, 0, fmt.Errorf("%w: device id %d does not fit the frame's 8-bit target_id", scsi.ErrBadCommand, id)
	}
	return uint8(id), 0, nil
}

func (t *pdTransport) Exec(ctx context.Context, cmd *scsi.Command) (*scsi.Response, error) {
	if err := cmd.Validate(); err != nil {
		return nil, err
	}
	if len(cmd.CDB) > maxCDB {
		return nil, fmt.Errorf("%w: %d-byte CDB (MFI carries at most %d)", scsi.ErrBadCommand, len(cmd.CDB), maxCDB)
	}
	if len(cmd.Data) > MaxTransfer {
		return nil, fmt.Errorf("%w: %d data bytes (at most %d through MFI)", scsi.ErrBadCommand, len(cmd.Data), MaxTransfer)
	}
	target, lun, err := t.c.address(t.id)
	if err != nil {
		return nil, err
	}
	dir, data := cmd.Dir, cmd.Data
	if t.c.Addressing == AddressQEMU && dir == scsi.DirNone {
		// QEMU's megasas refuses a frame without a scatter-gather entry
		// (megasas_map_sgl: iov_count 0 is an error since QEMU 5.2) and
		// fails the command with TARGET FAILURE sense. A data-in buffer
		// the command does not use (a SCSI command without data moves
		// none) gets TEST UNIT READY, SYNCHRONIZE CACHE and SANITIZE
		// through. Real firmware takes sge_count 0, as smartmontools
		// sends it.
		dir, data = scsi.DirFromDevice, make([]byte, qemuNoDataBuffer)
	}
	f := PassthroughFrame{Target: target, LUN: lun, CDB: cmd.CDB, Dir: dir,
		DataLen: uint32(len(data)), SenseLen: SenseSize, Timeout: scsi.Seconds16(cmd.Timeout)}
	frame, err := f.Build()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", scsi.ErrBadCommand, err)
	}
	p := &Packet{Host: t.c.Host, Frame: frame, Data: data, Sense: make([]byte, SenseSize)}
	if err := t.c.T.Exec(ctx, p); err != nil {
		return nil, err
	}
	op := fmt.Sprintf("PD_SCSI_IO device %d opcode %02Xh", t.id, cmd.CDB[0])
	st, ss := FrameStatus(&p.Frame)
	switch st {
	case StatusOK:
		return &scsi.Response{Status: scsi.StatusGood}, nil
	case StatusSCSIDoneWithError:
		sense := senseBytes(p.Sense)
		if ss == scsi.StatusGood {
			// GOOD contradicts the firmware status: scsi_status was not
			// reported. Sense data can only come with CHECK CONDITION.
			if len(sense) == 0 {
				return nil, fmt.Errorf("%w: %w", &StatusError{Op: op, Status: st}, ErrNoStatus)
			}
			ss = scsi.StatusCheckCondition
		}
		return &scsi.Response{Status: ss, Sense: sense}, nil
	case StatusReservationConflict:
		return &scsi.Response{Status: scsi.StatusReservation}, nil
	}
	return nil, &StatusError{Op: op, Status: st}
}

// senseBytes returns the sense data at the start of a zero-padded sense
// buffer: 8 bytes plus the additional sense length (byte 7) for both the
// fixed (70h/71h) and descriptor (72h/73h) formats; nil when the buffer
// holds no valid response code.
func senseBytes(b []byte) []byte {
	if len(b) < 8 {
		return nil
	}
	switch b[0] & 0x7F {
	case 0x70, 0x71, 0x72, 0x73:
	default:
		return nil
	}
	n := min(8+int(b[7]), len(b))
	return append([]byte(nil), b[:n]...)
}

// Hosts lists the SCSI host numbers megaraid_sas drives, from sysfs
// rooted at /sys (os.DirFS("/sys")): class/scsi_host/hostN/proc_name is
// "megaraid_sas", as smartmontools' get_dev_megasas checks.
func Hosts(sysfs fs.FS) ([]uint16, error) {
	ents, err := fs.ReadDir(sysfs, "class/scsi_host")
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, err
	}
	var hosts []uint16
	for _, e := range ents {
		num, ok := strings.CutPrefix(e.Name(), "host")
		if !ok {
			continue
		}
		n, err := strconv.ParseUint(num, 10, 16)
		if err != nil {
			continue
		}
		b, err := fs.ReadFile(sysfs, "class/scsi_host/"+e.Name()+"/proc_name")
		if err != nil || strings.TrimSpace(string(b)) != "megaraid_sas" {
			continue
		}
		hosts = append(hosts, uint16(n))
	}
	slices.Sort(hosts)
	return hosts, nil
}
