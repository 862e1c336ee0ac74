package ata

import (
	"context"
	"encoding/binary"
	"fmt"
	"strings"
	"time"
)

// ATA command opcodes (ACS-3; include/linux/ata.h).
const (
	OpIdentify             = 0xEC
	OpReadNativeMax        = 0xF8
	OpSetMax               = 0xF9
	OpReadNativeMaxExt     = 0x27
	OpSetMaxExt            = 0x37
	OpAccessibleMaxAddress = 0x78
	OpDCO                  = 0xB1
	OpSMART                = 0xB0
	OpSanitize             = 0xB4
	OpSecuritySetPassword  = 0xF1
	OpSecurityUnlock       = 0xF2
	OpSecurityErasePrepare = 0xF3
	OpSecurityEraseUnit    = 0xF4
	OpSecurityFreezeLock   = 0xF5
	OpSecurityDisable      = 0xF6
)

// ShortTimeout bounds ATA commands that complete at once (IDENTIFY, SET
// PASSWORD, SANITIZE sub-commands that start a background operation...).
// hdparm uses 15 s for the security commands and 10 s for SANITIZE.
const ShortTimeout = 15 * time.Second

// Identity is decoded IDENTIFY DEVICE data (ACS-3 7.12.7; hdparm identify.c,
// smartmontools ataidentify.cpp).
type Identity struct {
	Raw      []byte // the 512 bytes as the drive sent them
	Model    string // words 27–46
	Serial   string // words 10–19
	Firmware string // words 23–26

	// ChecksumPresent: word 255 bits 7:0 hold the A5h signature; then
	// ChecksumValid says whether all 512 bytes sum to 0 mod 256.
	ChecksumPresent bool
	ChecksumValid   bool

	Sectors28 uint32 // words 60–61: user-addressable sectors, 28-bit
	Sectors48 uint64 // words 100–103: user-addressable sectors, 48-bit
	LBA48     bool   // 48-bit Address feature set supported (word 83 bit 10)

	LogicalSectorSize  int // bytes (words 106, 117–118)
	PhysicalSectorSize int // bytes

	// RotationRate is word 217: 0 not reported, 1 non-rotating (SSD),
	// 0401h–FFFEh RPM.
	RotationRate uint16
	FormFactor   byte // word 168 bits 3:0

	TRIM                bool // word 169 bit 0
	DRAT                bool // word 69 bit 14: deterministic read after TRIM
	RZAT                bool // word 69 bit 5: read zeros after TRIM
	EncryptsAllUserData bool // word 69 bit 4

	SMARTSupported bool // word 82 bit 0
	SMARTEnabled   bool // word 85 bit 0

	HPASupported bool // word 82 bit 10
	HPAEnabled   bool // word 85 bit 10
	DCOSupported bool // word 83 bit 11
	// AMASupported: Accessible Max Address Configuration (word 119 bit 8,
	// valid when word 86 bit 15 is set and word 119 bits 15:14 are 01b).
	AMASupported bool

	WWN string // words 108–111 as 16 hex digits, when word 84 bit 8 and not all zero

	// TrustedComputing: the Trusted Computing feature set (TRUSTED SEND/
	// RECEIVE, a TCG TPer) is supported — word 48 bit 0, valid when bits
	// 15:14 are 01b (smartmontools ataidentify.cpp). Before ATA8-ACS word
	// 48 bit 0 meant "DWORD I/O" (QEMU still sets it so), without the 01b
	// marker; Linux tells them apart by the major version (ata.h
	// ata_id_has_trusted).
	TrustedComputing bool

	Security SecurityInfo
	Sanitize SanitizeInfo
}

// SecurityInfo is the Security feature set state (word 128, words 89, 90,
// 92; ACS-3 7.12.7.44).
type SecurityInfo struct {
	Supported              bool // word 128 bit 0
	Enabled                bool // bit 1: a user password is set
	Locked                 bool // bit 2
	Frozen                 bool // bit 3
	CountExpired           bool // bit 4
	EnhancedEraseSupported bool // bit 5
	MasterPasswordMaximum  bool // bit 8: master password capability Maximum (else High)
	// EraseTime / EnhancedEraseTime are the drive's estimates from words
	// 89 / 90 (0 = not reported). EraseTimeAtLeast / EnhancedEraseTimeAtLeast
	// mark the saturated value (> 508 min, or > 65532 min extended format).
	EraseTime                time.Duration
	EraseTimeAtLeast         bool
	EnhancedEraseTime        time.Duration
	EnhancedEraseTimeAtLeast bool
	MasterPasswordID         uint16 // word 92
}

// State names the ATA security state (SEC0–SEC6 as smartmontools prints
// them; ACS-3 figure 15). Power-up states SEC0 and SEC3 cannot be observed.
func (s SecurityInfo) State() string {
	switch {
	case !s.Supported:
		return "SEC0 (not supported)"
	case !s.Enabled && !s.Frozen:
		return "SEC1 (disabled, not frozen)"
	case !s.Enabled:
		return "SEC2 (disabled, frozen)"
	case s.Locked:
		return "SEC4 (enabled, locked)"
	case !s.Frozen:
		return "SEC5 (enabled, unlocked, not frozen)"
	}
	return "SEC6 (enabled, unlocked, frozen)"
}

// SanitizeInfo is the Sanitize feature set support (word 59, ACS-3).
type SanitizeInfo struct {
	Supported           bool `json:"supported"`            // word 59 bit 12
	CryptoScramble      bool `json:"crypto_scramble"`      // bit 13
	Overwrite           bool `json:"overwrite"`            // bit 14
	BlockErase          bool `json:"block_erase"`          // bit 15
	AntifreezeSupported bool `json:"antifreeze_supported"` // bit 10
	ACS3Commands        bool `json:"acs3_commands"`        // bit 11: commands allowed during sanitize per ACS-3
}

// Sectors returns the user-addressable sector count: the 48-bit count when
// the drive supports 48-bit addressing, else the 28-bit count.
func (id *Identity) Sectors() uint64 {
	if id.LBA48 && id.Sectors48 != 0 {
		return id.Sectors48
	}
	return uint64(id.Sectors28)
}

// MaxLBA returns the current maximum LBA (Sectors − 1).
func (id *Identity) MaxLBA() uint64 {
	if n := id.Sectors(); n > 0 {
		return n - 1
	}
	return 0
}

// Bytes returns the user-addressable capacity in bytes.
func (id *Identity) Bytes() uint64 { return id.Sectors() * uint64(id.LogicalSectorSize) }

// SolidState reports a non-rotating medium (word 217 = 1).
func (id *Identity) SolidState() bool { return id.RotationRate == 1 }

// Rotating reports a rotating medium with a reported speed.
func (id *Identity) Rotating() bool { return id.RotationRate >= 0x0401 && id.RotationRate <= 0xFFFE }

// Class is "SSD", "HDD" or "unknown" from the rotation rate.
func (id *Identity) Class() string {
	switch {
	case id.SolidState():
		return "SSD"
	case id.Rotating():
		return "HDD"
	}
	return "unknown"
}

func word(b []byte, w int) uint16 { return binary.LittleEndian.Uint16(b[2*w:]) }

// idString decodes an IDENTIFY string: two characters per word, the first
// in the high byte (ACS-3 3.4.9), space padded.
func idString(b []byte, first, words int) string {
	out := make([]byte, 0, 2*words)
	for w := first; w < first+words; w++ {
		v := word(b, w)
		out = append(out, byte(v>>8), byte(v))
	}
	s := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e {
			return -1
		}
		return r
	}, string(out))
	return strings.TrimSpace(s)
}

// valid01 reports bits 15:14 == 01b, the ATA "word is valid" marker.
func valid01(v uint16) bool { return v&0xC000 == 0x4000 }

// eraseTime decodes word 89/90: if bit 15 is set the time is bits 14:0,
// else bits 7:0; minutes = 2 × value; the all-ones value means "more than"
// (hdparm identify.c, ACS-3 7.12.7.27).
func eraseTime(v uint16) (d time.Duration, atLeast bool) {
	var val uint16
	var max uint16
	if v&0x8000 != 0 {
		val, max = v&0x7FFF, 0x7FFF
	} else {
		val, max = v&0x00FF, 0x00FF
	}
	return time.Duration(val) * 2 * time.Minute, val == max && val != 0
}

// DecodeIdentify decodes 512 bytes of IDENTIFY DEVICE data.
func DecodeIdentify(b []byte) (*Identity, error) {
	if len(b) < 512 {
		return nil, fmt.Errorf("ata: IDENTIFY data too short: %d bytes", len(b))
	}
	b = b[:512]
	id := &Identity{Raw: append([]byte(nil), b...)}
	id.Serial = idString(b, 10, 10)
	id.Firmware = idString(b, 23, 4)
	id.Model = idString(b, 27, 20)

	w255 := word(b, 255)
	if w255&0xff == 0xA5 {
		id.ChecksumPresent = true
		var sum byte
		for _, c := range b {
			sum += c
		}
		id.ChecksumValid = sum == 0
	}

	w82, w83, w84 := word(b, 82), word(b, 83), word(b, 84)
	w85, w86, w87 := word(b, 85), word(b, 86), word(b, 87)
	cmdSetValid := valid01(w83) // words 82–84
	enabledValid := valid01(w87)
	if cmdSetValid {
		id.SMARTSupported = w82&0x0001 != 0
		id.HPASupported = w82&0x0400 != 0
		id.LBA48 = w83&0x0400 != 0
		id.DCOSupported = w83&0x0800 != 0
		// Word 84 bit 8 says words 108-111 hold the WWN; some drives set it
		// and leave the words zero, which names no device (NAA 0 is not
		// defined; ACS-3 requires NAA 5h), so that is no WWN.
		if valid01(w84) && w84&0x0100 != 0 {
			if ww := fmt.Sprintf("%04x%04x%04x%04x", word(b, 108), word(b, 109), word(b, 110), word(b, 111)); ww != "0000000000000000" {
				id.WWN = ww
			}
		}
	}
	if enabledValid {
		id.SMARTEnabled = w85&0x0001 != 0
		id.HPAEnabled = w85&0x0400 != 0
	}
	if w48 := word(b, 48); valid01(w48) {
		id.TrustedComputing = w48&0x0001 != 0
	}
	w119 := word(b, 119)
	if w86&0x8000 != 0 && valid01(w119) {
		id.AMASupported = w119&0x0100 != 0
	}

	id.Sectors28 = uint32(word(b, 60)) | uint32(word(b, 61))<<16
	id.Sectors48 = uint64(word(b, 100)) | uint64(word(b, 101))<<16 | uint64(word(b, 102))<<32 | uint64(word(b, 103))<<48

	id.LogicalSectorSize = 512
	perPhys := 1
	if w106 := word(b, 106); valid01(w106) {
		if w106&0x1000 != 0 {
			if words := uint32(word(b, 117)) | uint32(word(b, 118))<<16; words >= 256 {
				id.LogicalSectorSize = int(words) * 2
			}
		}
		if w106&0x2000 != 0 {
			perPhys = 1 << (w106 & 0x000F)
		}
	}
	id.PhysicalSectorSize = id.LogicalSectorSize * perPhys

	id.RotationRate = word(b, 217)
	id.FormFactor = byte(word(b, 168) & 0x000F)
	id.TRIM = word(b, 169)&0x0001 != 0
	w69 := word(b, 69)
	id.DRAT = w69&0x4000 != 0
	id.RZAT = w69&0x0020 != 0
	id.EncryptsAllUserData = w69&0x0010 != 0

	w128 := word(b, 128)
	if w128&0x0001 != 0 {
		s := &id.Security
		s.Supported = true
		s.Enabled = w128&0x0002 != 0
		s.Locked = w128&0x0004 != 0
		s.Frozen = w128&0x0008 != 0
		s.CountExpired = w128&0x0010 != 0
		s.EnhancedEraseSupported = w128&0x0020 != 0
		s.MasterPasswordMaximum = w128&0x0100 != 0
		s.EraseTime, s.EraseTimeAtLeast = eraseTime(word(b, 89))
		s.EnhancedEraseTime, s.EnhancedEraseTimeAtLeast = eraseTime(word(b, 90))
		s.MasterPasswordID = word(b, 92)
	}

	w59 := word(b, 59)
	if w59&0x1000 != 0 {
		id.Sanitize = SanitizeInfo{
			Supported:           true,
			CryptoScramble:      w59&0x2000 != 0,
			Overwrite:           w59&0x4000 != 0,
			BlockErase:          w59&0x8000 != 0,
			AntifreezeSupported: w59&0x0400 != 0,
			ACS3Commands:        w59&0x0800 != 0,
		}
	}
	return id, nil
}

// EraseTimeout returns the SECURITY ERASE UNIT timeout by hdparm's rule
// (hdparm.c get_erase_timeout_secs): the larger of the drive's estimate
// plus margin — (2 × value + 60) minutes, or 508 + 90 minutes for the
// saturated FFh value, 65532 + 90 minutes for 7FFFh — and a capacity
// estimate of one second per 30 MiB plus 30 minutes. hdparm counts
// 512-byte sectors for the capacity estimate; we count bytes, which is the
// same for 512-byte drives and proportionally longer for 4Kn ones.
func (id *Identity) EraseTimeout(enhanced bool) time.Duration {
	estimate := time.Duration(id.Bytes()/(1<<20)/30)*time.Second + 30*time.Minute
	v := word(id.Raw, 89)
	if enhanced {
		v = word(id.Raw, 90)
	}
	var val, max uint16
	if v&0x8000 != 0 {
		val, max = v&0x7FFF, 0x7FFF
	} else {
		val, max = v&0x00FF, 0x00FF
	}
	if val == 0 {
		return estimate
	}
	var minutes time.Duration
	switch {
	case max == 0x7FFF && val == max:
		minutes = 65532 + 90
	case max == 0x00FF && val == max:
		minutes = 508 + 90
	default:
		minutes = time.Duration(val)*2 + 60
	}
	t := minutes * time.Minute
	if t < estimate {
		return estimate
	}
	return t
}

// IdentifyCommand builds IDENTIFY DEVICE (ECh, PIO data-in, one block).
func IdentifyCommand() *Command {
	return &Command{Name: "IDENTIFY DEVICE", Opcode: OpIdentify, Count: 1, Device: 0x40,
		Protocol: ProtoPIOIn, Data: make([]byte, 512), Timeout: ShortTimeout}
}

// Identify reads and decodes IDENTIFY DEVICE.
func (d *Device) Identify(ctx context.Context) (*Identity, error) {
	c := IdentifyCommand()
	if _, err := d.Exec(ctx, c); err != nil {
		return nil, err
	}
	return DecodeIdentify(c.Data)
}
