package scsitest

import (
	"encoding/binary"

	"github.com/kesu-erase/kesu/scsi"
)

// FixedSense builds 18-byte fixed-format sense data as the Linux midlayer
// does (scsi_build_sense_buffer: 70h, key, additional length 0Ah, ASC, ASCQ).
func FixedSense(key, asc, ascq byte) []byte {
	b := make([]byte, 18)
	b[0] = 0x70
	b[2] = key & 0x0f
	b[7] = 0x0A
	b[12], b[13] = asc, ascq
	return b
}

// FixedSenseProgress is FixedSense with a progress indication in the
// sense-key-specific field (SKSV, bytes 16–17).
func FixedSenseProgress(key, asc, ascq byte, progress uint16) []byte {
	b := FixedSense(key, asc, ascq)
	b[15] = 0x80
	binary.BigEndian.PutUint16(b[16:18], progress)
	return b
}

// DescriptorSense builds descriptor-format sense (72h) with the given
// descriptors appended.
func DescriptorSense(key, asc, ascq byte, descriptors ...[]byte) []byte {
	b := []byte{0x72, key & 0x0f, asc, ascq, 0, 0, 0, 0}
	for _, d := range descriptors {
		b = append(b, d...)
	}
	b[7] = byte(len(b) - 8)
	return b
}

// ProgressSKSDescriptor is a sense-key-specific descriptor (02h) carrying
// a progress indication.
func ProgressSKSDescriptor(progress uint16) []byte {
	d := []byte{0x02, 0x06, 0, 0, 0x80, 0, 0, 0}
	binary.BigEndian.PutUint16(d[5:7], progress)
	return d
}

// ATAStatusReturn builds the ATA Status Return descriptor (09h, SAT-3
// 12.2.2.6) for r: byte 2 EXTEND, 3 ERROR, 4/5 COUNT(15:8)/(7:0), 6/7
// LBA(31:24)/(7:0), 8/9 LBA(39:32)/(15:8), 10/11 LBA(47:40)/(23:16),
// 12 DEVICE, 13 STATUS.
func ATAStatusReturn(r scsi.ATARegisters) []byte {
	d := make([]byte, 14)
	d[0], d[1] = 0x09, 0x0C
	d[3] = r.Error
	d[5] = byte(r.Count)
	d[7] = byte(r.LBA)
	d[9] = byte(r.LBA >> 8)
	d[11] = byte(r.LBA >> 16)
	d[12] = r.Device
	d[13] = r.Status
	if r.Extend {
		d[2] = 0x01
		d[4] = byte(r.Count >> 8)
		d[6] = byte(r.LBA >> 24)
		d[8] = byte(r.LBA >> 32)
		d[10] = byte(r.LBA >> 40)
	}
	return d
}

// ATASense builds the sense data a SATL returns for an ATA PASS-THROUGH
// command in the given layout:
//   - scsi.ATADescriptor: 72h sense with the ATA Status Return descriptor;
//   - scsi.ATAFixedSAT: 70h with VALID, registers in INFORMATION and
//     COMMAND-SPECIFIC INFORMATION (Linux ≥ 6.11);
//   - scsi.ATAFixedLibata: 70h with the registers from byte 8 as libata
//     wrote them before 6.11, cut to the 18 bytes the kernel copies out.
func ATASense(layout scsi.ATALayout, key, asc, ascq byte, r scsi.ATARegisters) []byte {
	flags := byte(0)
	if r.Extend {
		flags |= 0x80
		if r.Count>>8 != 0 {
			flags |= 0x40
		}
		if r.LBA>>24 != 0 {
			flags |= 0x20
		}
	}
	switch layout {
	case scsi.ATAFixedSAT:
		b := FixedSense(key, asc, ascq)
		b[0] |= 0x80
		b[3], b[4], b[5], b[6] = r.Error, r.Status, r.Device, byte(r.Count)
		b[8] = flags
		b[9], b[10], b[11] = byte(r.LBA), byte(r.LBA>>8), byte(r.LBA>>16)
		return b
	case scsi.ATAFixedLibata:
		b := make([]byte, 20)
		copy(b, FixedSense(key, asc, ascq))
		b[8], b[9], b[10], b[11] = r.Error, r.Status, r.Device, byte(r.Count)
		b[16] = flags
		b[17], b[18], b[19] = byte(r.LBA), byte(r.LBA>>8), byte(r.LBA>>16)
		return b[:8+int(b[7])] // the kernel copies 8 + additional length bytes
	}
	return DescriptorSense(key, asc, ascq, ATAStatusReturn(r))
}
