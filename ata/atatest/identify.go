package atatest

import (
	"encoding/binary"
	"math/bits"
)

// putString writes an IDENTIFY string: two characters per word, the first
// in the high byte, space padded.
func putString(w []uint16, first, words int, s string) {
	b := []byte(s)
	for len(b) < 2*words {
		b = append(b, ' ')
	}
	for i := 0; i < words; i++ {
		w[first+i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
	}
}

// identify builds the drive's current IDENTIFY DEVICE data (ACS-3 table 45
// word meanings; the values a typical SATA drive reports where ours has no
// state of its own).
func (d *Drive) identify() []byte {
	c := &d.cfg
	w := make([]uint16, 256)
	w[0] = 0x0040
	w[1], w[3], w[6] = 0x3FFF, 0x0010, 0x003F
	putString(w, 10, 10, c.Serial)
	putString(w, 23, 4, c.Firmware)
	putString(w, 27, 20, c.Model)
	w[47] = 0x8010
	if c.TPer != nil {
		w[48] = 0x4001 // Trusted Computing feature set supported, bits 15:14 = 01b
	}
	w[49] = 0x2F00
	w[53] = 0x0007
	if c.SanitizeCrypto || c.SanitizeBlockErase || c.SanitizeOverwrite {
		w[59] |= 1 << 12
		if c.SanitizeCrypto {
			w[59] |= 1 << 13
		}
		if c.SanitizeOverwrite {
			w[59] |= 1 << 14
		}
		if c.SanitizeBlockErase {
			w[59] |= 1 << 15
		}
		if c.SanitizeAntifreeze {
			w[59] |= 1 << 10
		}
		w[59] |= 1 << 11
	}
	sectors := d.curMax + 1
	s28 := sectors
	if s28 > 0x0FFFFFFF {
		s28 = 0x0FFFFFFF
	}
	w[60], w[61] = uint16(s28), uint16(s28>>16)
	if c.DRAT {
		w[69] |= 1 << 14
	}
	if c.RZAT {
		w[69] |= 1 << 5
	}
	if c.EncryptsAll {
		w[69] |= 1 << 4
	}
	w[80] = 0x0FE0 // ATA/ATAPI-5 .. ACS-4
	w[82] = 0x4000 | 1<<5
	w[83] = 0x4000 | 1<<12 | 1<<13
	w[84] = 0x4000
	w[85] = 0x4000 | 1<<5
	w[86] = 1<<12 | 1<<13
	w[87] = 0x4000
	if c.SMART {
		w[82] |= 1 << 0
		w[84] |= 1<<0 | 1<<1
		if d.smartEnabled {
			w[85] |= 1 << 0
		}
		w[87] |= 1<<0 | 1<<1
	}
	if c.Security {
		w[82] |= 1 << 1
		if d.enabled {
			w[85] |= 1 << 1
		}
	}
	if c.HPA {
		w[82] |= 1 << 10
		w[85] |= 1 << 10
	}
	if !c.No48Bit {
		w[83] |= 1 << 10
		w[86] |= 1 << 10
		w[100] = uint16(sectors)
		w[101] = uint16(sectors >> 16)
		w[102] = uint16(sectors >> 32)
		w[103] = uint16(sectors >> 48)
	}
	if c.DCO {
		w[83] |= 1 << 11
		w[86] |= 1 << 11
	}
	w[86] |= 1 << 15 // words 119–120 valid
	w[88] = 0x407F
	if c.Security {
		w[89], w[90] = c.EraseTime, c.EnhancedTime
		w[92] = d.masterID
	}
	w[106] = 0x4000
	if d.lss != 512 {
		w[106] |= 1 << 12
		words := uint32(d.lss / 2)
		w[117], w[118] = uint16(words), uint16(words>>16)
	}
	if per := c.PhysicalSectorSize / d.lss; per > 1 {
		w[106] |= 1<<13 | uint16(bits.TrailingZeros(uint(per)))
	}
	w[119], w[120] = 0x4000, 0x4000
	if c.AMA {
		w[119] |= 1 << 8
		w[120] |= 1 << 8
	}
	if c.Security {
		w[128] = 1 << 0
		if d.enabled {
			w[128] |= 1 << 1
		}
		if d.locked {
			w[128] |= 1 << 2
		}
		if d.frozen {
			w[128] |= 1 << 3
		}
		if d.expired {
			w[128] |= 1 << 4
		}
		if c.EnhancedErase {
			w[128] |= 1 << 5
		}
		if d.masterMax {
			w[128] |= 1 << 8
		}
	}
	if c.RotationRate == 1 {
		w[168] = 0x0003 // 2.5"
	}
	if c.TRIM {
		w[169] = 0x0001
	}
	w[217] = c.RotationRate
	b := make([]byte, 512)
	for i, v := range w {
		binary.LittleEndian.PutUint16(b[2*i:], v)
	}
	b[510] = 0xA5
	return checksummed(b)
}

// dcoIdentify builds DEVICE CONFIGURATION IDENTIFY data: revision 2, the
// factory max LBA in words 3–6, HPA/security/SMART allowed in word 7.
func (d *Drive) dcoIdentify() []byte {
	b := make([]byte, 512)
	binary.LittleEndian.PutUint16(b[0:], 0x0002)
	binary.LittleEndian.PutUint16(b[2:], 0x0007)
	binary.LittleEndian.PutUint16(b[4:], 0x007F)
	binary.LittleEndian.PutUint64(b[6:], d.factoryMax)
	binary.LittleEndian.PutUint16(b[14:], 1<<7|1<<3|1<<1|1<<0)
	b[510] = 0xA5
	return checksummed(b)
}

// smartData builds SMART READ DATA; thresholds builds READ THRESHOLDS.
func (d *Drive) smartData() []byte {
	b := make([]byte, 512)
	binary.LittleEndian.PutUint16(b[0:], 0x0010)
	for i, a := range d.cfg.Attributes {
		if i >= 30 {
			break
		}
		e := b[2+12*i:]
		e[0] = a.ID
		binary.LittleEndian.PutUint16(e[1:], a.Flags)
		e[3], e[4] = a.Current, a.Worst
		for j := 0; j < 6; j++ {
			e[5+j] = byte(a.Raw >> (8 * j))
		}
	}
	b[362] = 0x82 // off-line data collection completed
	return checksummed(b)
}

func (d *Drive) smartThresholds() []byte {
	b := make([]byte, 512)
	binary.LittleEndian.PutUint16(b[0:], 0x0010)
	for i, a := range d.cfg.Attributes {
		if i >= 30 {
			break
		}
		b[2+12*i] = a.ID
		b[2+12*i+1] = a.Threshold
	}
	return checksummed(b)
}

// thresholdExceeded reports a pre-failure attribute at or below its
// non-zero threshold.
func (d *Drive) thresholdExceeded() bool {
	for _, a := range d.cfg.Attributes {
		if a.Flags&1 != 0 && a.Threshold != 0 && a.Current <= a.Threshold {
			return true
		}
	}
	return false
}

// checksummed sets byte 511 so that the 512 bytes sum to 0 mod 256 (the
// ATA data-structure checksum of IDENTIFY word 255, DCO IDENTIFY and the
// SMART data pages).
func checksummed(b []byte) []byte {
	var sum byte
	for _, x := range b[:511] {
		sum += x
	}
	b[511] = -sum
	return b
}
