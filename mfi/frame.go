package mfi

import (
	"encoding/binary"
	"fmt"

	"github.com/kesu-erase/kesu/scsi"
)

// FrameSize is the frame area of struct megasas_iocpacket (frame.raw[128]):
// the driver copies two MFI frames (2 * MEGAMFI_FRAME_SIZE) to the
// controller, the first holding the command, the second room for a longer
// scatter-gather list.
const FrameSize = 128

// MboxSize is the size of a DCMD frame's mailbox (MFI_MBOX_SIZE).
const MboxSize = 12

// MFI frame commands (megaraid_sas.h enum MFI_CMD_OP; QEMU hw/scsi/mfi.h
// mfi_cmd_t).
const (
	CmdLDSCSIIO = 0x03 // MFI_CMD_LD_SCSI_IO: a SCSI command for a logical drive
	CmdPDSCSIIO = 0x04 // MFI_CMD_PD_SCSI_IO: a SCSI command for a physical drive
	CmdDCMD     = 0x05 // MFI_CMD_DCMD: a firmware command
)

// DCMD opcodes (megaraid_sas.h MR_DCMD_*; QEMU mfi.h mfi_dcmd_t, where
// the configuration read is MFI_DCMD_CFG_READ).
const (
	DCMDCtrlGetInfo = 0x01010000 // MR_DCMD_CTRL_GET_INFO
	DCMDPDGetList   = 0x02010000 // MFI_DCMD_PD_GET_LIST
	DCMDPDGetInfo   = 0x02020000 // MR_DCMD_PD_GET_INFO
	DCMDLDGetList   = 0x03010000 // MR_DCMD_LD_GET_LIST
	DCMDCfgRead     = 0x04010000 // MFI_DCMD_CFG_READ
)

// Frame flags (megaraid_sas.h MFI_FRAME_*). The driver sets or clears
// SGL64 and SENSE64 itself (megasas_mgmt_fw_ioctl), so a caller sets only
// the direction.
const (
	flagSGL64    = 0x0002
	flagDirWrite = 0x0008
	flagDirRead  = 0x0010
)

// Frame offsets: struct megasas_header, megasas_pthru_frame and
// megasas_dcmd_frame in megaraid_sas.h (the /*xxh*/ comments there);
// smartmontools megaraid.h has the same.
const (
	offCmd        = 0x00
	offSenseLen   = 0x01
	offCmdStatus  = 0x02
	offSCSIStatus = 0x03
	offTargetID   = 0x04
	offLUN        = 0x05
	offCDBLen     = 0x06
	offSGECount   = 0x07
	offFlags      = 0x10
	offTimeout    = 0x12
	offDataLen    = 0x14
	offSenseAddr  = 0x18 // pthru: sense_buf_phys_addr_lo/hi
	offCDB        = 0x20 // pthru: cdb[16]
	offPthruSGL   = 0x30 // pthru: union megasas_sgl
	offOpcode     = 0x18 // dcmd: opcode
	offMbox       = 0x1C // dcmd: mbox
	offDCMDSGL    = 0x28 // dcmd: union megasas_sgl
)

// maxCDB is the size of the pass-through frame's cdb field.
const maxCDB = 16

// PassthroughFrame is the content of one MFI_CMD_PD_SCSI_IO frame.
type PassthroughFrame struct {
	Target, LUN uint8
	CDB         []byte // 1 to 16 bytes
	Dir         scsi.Direction
	DataLen     uint32
	SenseLen    uint8
	// Timeout is in seconds; 0 lets the firmware use its default (the
	// driver sends 0 for disks, megasas_build_dcdb).
	Timeout uint16
}

// Build returns the frame. cmd_status is preset to 0xFF
// (MFI_STAT_INVALID_STATUS) as the driver and smartmontools do, so a
// frame the firmware never completed is not mistaken for success. The
// scatter-gather entry holds the length only: the driver writes the
// address of its own DMA buffer there.
func (f *PassthroughFrame) Build() ([FrameSize]byte, error) {
	var b [FrameSize]byte
	if len(f.CDB) == 0 || len(f.CDB) > maxCDB {
		return b, fmt.Errorf("mfi: CDB length %d out of range 1..%d", len(f.CDB), maxCDB)
	}
	flags, err := dirFlags(f.Dir, f.DataLen)
	if err != nil {
		return b, err
	}
	b[offCmd] = CmdPDSCSIIO
	b[offSenseLen] = f.SenseLen
	b[offCmdStatus] = StatusInvalid
	b[offTargetID] = f.Target
	b[offLUN] = f.LUN
	b[offCDBLen] = byte(len(f.CDB))
	binary.LittleEndian.PutUint16(b[offFlags:], flags)
	binary.LittleEndian.PutUint16(b[offTimeout:], f.Timeout)
	binary.LittleEndian.PutUint32(b[offDataLen:], f.DataLen)
	copy(b[offCDB:offCDB+maxCDB], f.CDB)
	if f.DataLen > 0 {
		b[offSGECount] = 1
		putSGE32Len(b[offPthruSGL:], f.DataLen)
	}
	return b, nil
}

// DCMDFrame is the content of one MFI_CMD_DCMD frame.
type DCMDFrame struct {
	Opcode  uint32
	Mbox    [MboxSize]byte
	Dir     scsi.Direction // DirFromDevice for the reads this package sends
	DataLen uint32
}

// Build returns the frame (cmd_status preset to 0xFF, timeout 0 as the
// driver's own DCMDs have).
func (d *DCMDFrame) Build() ([FrameSize]byte, error) {
	var b [FrameSize]byte
	flags, err := dirFlags(d.Dir, d.DataLen)
	if err != nil {
		return b, err
	}
	b[offCmd] = CmdDCMD
	b[offCmdStatus] = StatusInvalid
	binary.LittleEndian.PutUint16(b[offFlags:], flags)
	binary.LittleEndian.PutUint32(b[offDataLen:], d.DataLen)
	binary.LittleEndian.PutUint32(b[offOpcode:], d.Opcode)
	copy(b[offMbox:offMbox+MboxSize], d.Mbox[:])
	if d.DataLen > 0 {
		b[offSGECount] = 1
		putSGE32Len(b[offDCMDSGL:], d.DataLen)
	}
	return b, nil
}

// putSGE32Len writes a struct megasas_sge32 {phys_addr 0, length n}.
func putSGE32Len(sgl []byte, n uint32) { binary.LittleEndian.PutUint32(sgl[4:], n) }

func dirFlags(d scsi.Direction, n uint32) (uint16, error) {
	switch {
	case d == scsi.DirNone && n == 0:
		return 0, nil
	case d == scsi.DirFromDevice && n > 0:
		return flagDirRead, nil
	case d == scsi.DirToDevice && n > 0:
		return flagDirWrite, nil
	}
	return 0, fmt.Errorf("mfi: direction %v with %d data bytes", d, n)
}

// MboxDeviceID is a mailbox whose first 16-bit word (mbox.s[0]) is a
// physical drive's device id, as MR_DCMD_PD_GET_INFO takes it
// (megasas_get_pd_info; QEMU megasas_dcmd_pd_get_info).
func MboxDeviceID(id uint16) [MboxSize]byte {
	var m [MboxSize]byte
	binary.LittleEndian.PutUint16(m[:], id)
	return m
}

// FrameStatus returns a completed frame's cmd_status and scsi_status.
func FrameStatus(f *[FrameSize]byte) (cmdStatus, scsiStatus byte) {
	return f[offCmdStatus], f[offSCSIStatus]
}
