package atatest

import (
	"encoding/binary"
	"math/bits"

	"github.com/kesu-erase/kesu/scsi"
)

// The SCSI commands libata simulates for an ATA disk (drivers/ata/
// libata-scsi.c: ata_scsiop_inq_std, _inq_00/80/83/89/b0/b1/b2,
// ata_scsiop_read_cap).

// idStringRaw returns IDENTIFY string words as bytes in reading order
// (ata_id_string).
func idStringRaw(id []byte, first, words int) []byte {
	out := make([]byte, 0, 2*words)
	for w := first; w < first+words; w++ {
		out = append(out, id[2*w+1], id[2*w])
	}
	return out
}

func (d *Drive) inquiry(cmd *scsi.Command, e *Entry) *scsi.Response {
	if cmd.Dir != scsi.DirFromDevice || len(cmd.CDB) != 6 {
		e.Result = "ILLEGAL REQUEST 24/00"
		return checkFixed(scsi.KeyIllegalRequest, 0x24, 0x00)
	}
	id := d.identify()
	evpd := cmd.CDB[1]&0x01 != 0
	page := cmd.CDB[2]
	alloc := int(binary.BigEndian.Uint16(cmd.CDB[3:5]))
	var b []byte
	if !evpd {
		if page != 0 {
			e.Result = "ILLEGAL REQUEST 24/00"
			return checkFixed(scsi.KeyIllegalRequest, 0x24, 0x00)
		}
		b = make([]byte, 96)
		b[0] = 0x00 // direct-access block device
		b[2] = 0x05 // SPC-3
		b[3] = 0x02
		b[4] = 95 - 4
		b[7] = 0x02
		copy(b[8:16], "ATA     ")
		copy(b[16:32], idStringRaw(id, 27, 8))
		rev := idStringRaw(id, 25, 2) // firmware characters 5–8
		if string(rev) == "    " {
			rev = idStringRaw(id, 23, 2)
		}
		copy(b[32:36], rev)
		if b[32] == 0 || b[32] == ' ' {
			copy(b[32:36], "n/a ")
		}
		e.Name = "INQUIRY"
	} else {
		e.Name = "INQUIRY VPD"
		switch page {
		case 0x00:
			pages := []byte{0x00, 0x80, 0x83, 0x89, 0xB0, 0xB1, 0xB2}
			b = append([]byte{0, 0x00, 0, byte(len(pages))}, pages...)
		case 0x80:
			b = append([]byte{0, 0x80, 0, 20}, idStringRaw(id, 10, 10)...)
		case 0x83:
			b = []byte{0, 0x83, 0, 0}
			b = append(b, 2, 0, 0, 20)
			b = append(b, idStringRaw(id, 10, 10)...)
			b = append(b, 2, 1, 0, 68)
			b = append(b, "ATA     "...)
			b = append(b, idStringRaw(id, 27, 20)...)
			b = append(b, idStringRaw(id, 10, 10)...)
			b[3] = byte(len(b) - 4)
		case 0x89:
			b = make([]byte, 572)
			b[1] = 0x89
			binary.BigEndian.PutUint16(b[2:4], 0x238)
			copy(b[8:16], "linux   ")
			copy(b[16:32], "libata          ")
			copy(b[32:36], "3.00")
			b[36] = 0x34
			b[37] = 0x80
			b[38] = 0x40 // ATA_DRDY, the faked status
			b[40] = 0x01
			b[48] = 0x01
			b[56] = 0xEC
			copy(b[60:], id)
		case 0xB0:
			b = make([]byte, 64)
			b[1], b[3] = 0xB0, 0x3C
			binary.BigEndian.PutUint16(b[6:8], uint16(d.cfg.PhysicalSectorSize/d.lss))
		case 0xB1:
			b = make([]byte, 64)
			b[1], b[3] = 0xB1, 0x3C
			binary.BigEndian.PutUint16(b[4:6], d.cfg.RotationRate)
			b[7] = byte(binary.LittleEndian.Uint16(id[2*168:]) & 0x0F)
		case 0xB2:
			b = make([]byte, 8)
			b[1], b[3] = 0xB2, 0x04
			b[5] = 1 << 6
		default:
			e.Result = "ILLEGAL REQUEST 24/00"
			return checkFixed(scsi.KeyIllegalRequest, 0x24, 0x00)
		}
	}
	if alloc < len(b) {
		b = b[:alloc]
	}
	n := fill(cmd, b)
	return &scsi.Response{Status: scsi.StatusGood, Resid: len(cmd.Data) - n}
}

func (d *Drive) readCapacity(cmd *scsi.Command) *scsi.Response {
	b := make([]byte, 32)
	binary.BigEndian.PutUint64(b[0:8], d.curMax)
	binary.BigEndian.PutUint32(b[8:12], uint32(d.lss))
	b[13] = byte(bits.TrailingZeros(uint(d.cfg.PhysicalSectorSize / d.lss)))
	if d.cfg.TRIM {
		b[14] |= 0x80 // LBPME; libata sets LBPRZ only with a horkage flag
	}
	n := fill(cmd, b)
	return &scsi.Response{Status: scsi.StatusGood, Resid: len(cmd.Data) - n}
}
